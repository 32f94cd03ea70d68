/**
 * Message tracing on one server (nats-server 2.11 msgtrace.go): a message with
 * `Nats-Trace-Dest` gets a trace document (ingress, mapping, one egress per subscription
 * and queue group), `Nats-Trace-Only` records without delivering, and a denied publish is
 * an ingress error.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { startCluster, waitInterest } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

let s: NatsServer;
let pub: NatsConnection;
let sub: NatsConnection;
let limited: NatsConnection;
before(async () => {
  s = await startServer({
    port: -1,
    host: "127.0.0.1",
    mappings: [{ source: "m.in", destinations: [{ subject: "m.out", weight: 100 }] }],
    users: [
      { user: "p", password: "p" },
      { user: "l", password: "l", permissions: { publish: { allow: ["ok.>"] } } },
    ],
  });
  pub = await connect({ servers: s.clientURL, user: "p", pass: "p", name: "pub" });
  sub = await connect({ servers: s.clientURL, user: "p", pass: "p", name: "sub" });
  limited = await connect({ servers: s.clientURL, user: "l", pass: "l", name: "limited" });
});
after(async () => {
  await Promise.all([pub, sub, limited].map((c) => c.close()));
  await s.close();
});

/** Publishes with trace headers and returns the one trace document. */
async function traced(nc: NatsConnection, subject: string, only = false): Promise<Json> {
  const docs: Json[] = [];
  const tsub = pub.subscribe("trace.out", { callback: (_e, m) => void docs.push(m.json<Json>()) });
  await pub.flush();
  const h = headers();
  h.set("Nats-Trace-Dest", "trace.out");
  if (only) h.set("Nats-Trace-Only", "true");
  nc.publish(subject, "hello", { headers: h });
  await nc.flush();
  await waitFor(() => docs.length === 1);
  tsub.unsubscribe();
  return docs[0]!;
}

test("ingress and an egress per subscription and queue group; delivered", async () => {
  const got: Msg[] = [];
  sub.subscribe("t.a", { callback: (_e, m) => void got.push(m) });
  sub.subscribe("t.*", { callback: (_e, m) => void got.push(m) });
  sub.subscribe("t.a", { queue: "q", callback: (_e, m) => void got.push(m) });
  sub.subscribe("t.a", { queue: "q", callback: (_e, m) => void got.push(m) });
  await sub.flush();
  const doc = await traced(pub, "t.a");
  assert.equal(doc.server.id, s.server.id);
  assert.equal(doc.request.header["Nats-Trace-Dest"][0], "trace.out");
  assert.ok(doc.request.msgsize > 5);
  const [ingress, ...eg] = doc.events;
  assert.deepEqual({ ...ingress, ts: 0 }, { type: "in", ts: 0, kind: 0, cid: ingress.cid, name: "pub", acc: "$G", subj: "t.a" });
  assert.deepEqual(eg.map((e: Json) => `${e.type} ${e.kind} ${e.name} ${e.sub} ${e.queue ?? "-"}`).sort(), [
    "eg 0 sub t.* -",
    "eg 0 sub t.a -",
    "eg 0 sub t.a q",
  ]);
  await waitFor(() => got.length === 3);
});

test("Nats-Trace-Only: events recorded, nothing delivered", async () => {
  const got: Msg[] = [];
  const s1 = sub.subscribe("only.x", { callback: (_e, m) => void got.push(m) });
  await sub.flush();
  const doc = await traced(pub, "only.x", true);
  assert.deepEqual(
    doc.events.map((e: Json) => e.type),
    ["in", "eg"],
  );
  await sub.flush();
  await pub.flush();
  assert.equal(got.length, 0);
  s1.unsubscribe();
});

test("subject mapping event", async () => {
  const doc = await traced(pub, "m.in", true);
  assert.deepEqual(
    doc.events.map((e: Json) => [e.type, e.to]),
    [
      ["in", undefined],
      ["sm", "m.out"],
    ],
  );
});

test("a denied publish is an ingress error", async () => {
  const docs: Json[] = [];
  const tsub = pub.subscribe("trace.out", { callback: (_e, m) => void docs.push(m.json<Json>()) });
  await pub.flush();
  const h = headers();
  h.set("Nats-Trace-Dest", "trace.out");
  limited.publish("denied", "x", { headers: h });
  await waitFor(() => docs.length === 1);
  tsub.unsubscribe();
  assert.equal(docs[0]!.events[0].error, 'Permissions Violation for Publish to "denied"');
});

test("a traced request nobody takes still gets no-responders", async () => {
  const docs: Json[] = [];
  const tsub = pub.subscribe("trace.out", { callback: (_e, m) => void docs.push(m.json<Json>()) });
  await pub.flush();
  const h = headers();
  h.set("Nats-Trace-Dest", "trace.out");
  await assert.rejects(pub.request("nobody.home", "x", { headers: h, timeout: 2000 }), /no responders/);
  await waitFor(() => docs.length === 1);
  tsub.unsubscribe();
  assert.deepEqual(
    docs[0]!.events.map((e: Json) => e.type),
    ["in"],
  );
});

/** Two documents for one message across a route: the origin's (egress to the route, hop "1") and the peer's. */
test("across a route: two documents, the hop id on the egress and the peer's ingress; delivered remotely", async () => {
  const c = await startCluster(2, "trace");
  const [n1, n2] = c.nodes as [NatsServer, NatsServer];
  const a = await connect({ servers: n1.clientURL });
  const b = await connect({ servers: n2.clientURL, name: "far" });
  try {
    const got: Msg[] = [];
    b.subscribe("far.x", { callback: (_e, m) => void got.push(m) });
    b.subscribe("far.*", { callback: (_e, m) => void got.push(m) });
    await b.flush();
    await waitInterest(c.nodes, "far.x");
    const docs: Json[] = [];
    a.subscribe("trace.route", { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await a.flush();
    await waitInterest(c.nodes, "trace.route");
    const h = headers();
    h.set("Nats-Trace-Dest", "trace.route");
    a.publish("far.x", "hi", { headers: h });
    await waitFor(() => docs.length === 2 && got.length === 2);
    const first = docs.find((d) => d.server.id === n1.server.id)!;
    const second = docs.find((d) => d.server.id === n2.server.id)!;
    assert.equal(first.hops, 1);
    assert.deepEqual(
      first.events.map((e: Json) => [e.type, e.kind, e.hop]),
      [
        ["in", 0, undefined],
        ["eg", 1, "1"],
      ],
    );
    assert.equal(first.events[1].name, n2.server.name);
    assert.equal(second.hops, undefined);
    assert.equal(second.request.header["Nats-Trace-Hop"][0], "1");
    const [ingress, ...eg] = second.events;
    assert.deepEqual([ingress.type, ingress.kind, ingress.name, ingress.acc, ingress.subj], ["in", 1, n1.server.name, "$G", "far.x"]);
    assert.deepEqual(eg.map((e: Json) => `${e.type} ${e.kind} ${e.name} ${e.sub}`).sort(), ["eg 0 far far.*", "eg 0 far far.x"]);
    // Each message copy got its hop header: the remote subscriber sees it.
    assert.equal(got[0]!.headers?.get("Nats-Trace-Hop"), "1");
  } finally {
    await a.close();
    await b.close();
    await c.close();
  }
});

test("trace-only across a route: both servers record, neither delivers", async () => {
  const c = await startCluster(2, "traceonly");
  const [n1, n2] = c.nodes as [NatsServer, NatsServer];
  const a = await connect({ servers: n1.clientURL });
  const b = await connect({ servers: n2.clientURL });
  try {
    const got: Msg[] = [];
    a.subscribe("both.x", { callback: (_e, m) => void got.push(m) });
    b.subscribe("both.x", { callback: (_e, m) => void got.push(m) });
    await a.flush();
    await b.flush();
    await waitInterest(c.nodes, "both.x");
    const docs: Json[] = [];
    a.subscribe("trace.only", { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await a.flush();
    await waitInterest(c.nodes, "trace.only");
    const h = headers();
    h.set("Nats-Trace-Dest", "trace.only");
    h.set("Nats-Trace-Only", "true");
    a.publish("both.x", "hi", { headers: h });
    await waitFor(() => docs.length === 2);
    await a.flush();
    await b.flush();
    assert.equal(got.length, 0);
    const first = docs.find((d) => d.server.id === n1.server.id)!;
    const second = docs.find((d) => d.server.id === n2.server.id)!;
    assert.deepEqual(first.events.map((e: Json) => `${e.type} ${e.kind}`).sort(), ["eg 0", "eg 1", "in 0"]);
    assert.deepEqual(second.events.map((e: Json) => `${e.type} ${e.kind}`), ["in 1", "eg 0"]);
  } finally {
    await a.close();
    await b.close();
    await c.close();
  }
});
