/**
 * Traces triggered by a W3C `traceparent` (nats-server 2.11 msgtrace.go): the account's
 * `msg_trace { dest, sampling }` / `trace_dest` options, a sampled traceparent traced to the
 * account's destination (delivered: `Nats-Trace-Only` does not apply), unsampled flags and
 * accounts without a destination untraced, sampling on the first server only (the messages
 * it does not keep carry `Nats-Trace-Dest: trace disabled` onwards), and the peer of a route
 * tracing what the first server kept. nats-server 2.9 (the reference binary here) has no
 * tracing, so these run against tsnats only.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { startCluster, waitInterest } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

const SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const NOT_SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

const CONFIG = `
accounts {
  A { users [ {user: a, password: a} ], msg_trace { dest: "trace.a", sampling: "100%" } }
  B { users [ {user: b, password: b} ], trace_dest: "trace.b" }
  C { users [ {user: c, password: c} ], msg_trace { dest: "trace.c", sampling: 1 } }
  D { users [ {user: d, password: d} ] }
}`;

describe("traceparent on one server", () => {
  let s: NatsServer;
  const conns: NatsConnection[] = [];
  const as = async (user: string): Promise<NatsConnection> => {
    const nc = await connect({ port: s.port, user, pass: user, name: `conn-${user}` });
    conns.push(nc);
    return nc;
  };
  before(async () => {
    s = await startServer({ port: -1, host: "127.0.0.1", config: CONFIG });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await s.close();
  });

  /** Publishes `subject` with `hdrs` from `user`; returns the deliveries and the trace documents seen by then. */
  async function publish(user: string, dest: string, hdrs: Record<string, string>): Promise<{ got: Msg[]; docs: Json[] }> {
    const nc = await as(user);
    const got: Msg[] = [];
    const docs: Json[] = [];
    nc.subscribe("x", { callback: (_e, m) => void got.push(m) });
    nc.subscribe(dest, { callback: (_e, m) => void docs.push(m.json<Json>()) });
    // A flag message after the traced one: once it is in, the document would be too.
    const done: Msg[] = [];
    nc.subscribe("done", { callback: (_e, m) => void done.push(m) });
    await nc.flush();
    const h = headers();
    for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
    nc.publish("x", "payload", { headers: h });
    nc.publish("done", "");
    await waitFor(() => got.length === 1 && done.length === 1);
    await nc.flush();
    return { got, docs };
  }

  test("a sampled traceparent is traced to the account's destination, and delivered", async () => {
    const { got, docs } = await publish("a", "trace.a", { traceparent: SAMPLED, "Nats-Trace-Only": "true" });
    await waitFor(() => docs.length === 1);
    const doc = docs[0]!;
    assert.equal(doc.server.id, s.server.id);
    assert.deepEqual(doc.request.header.traceparent, [SAMPLED]);
    const [ingress, egress] = doc.events;
    assert.deepEqual([ingress.type, ingress.acc, ingress.subj, ingress.name], ["in", "A", "x", "conn-a"]);
    assert.deepEqual([egress.type, egress.sub, egress.name], ["eg", "x", "conn-a"]);
    // Trace-only is for Nats-Trace-Dest traces: this one was delivered, headers untouched.
    assert.equal(got[0]!.headers?.get("traceparent"), SAMPLED);
  });

  test("trace_dest (a string) traces every sampled message; the header name in any case", async () => {
    const { docs } = await publish("b", "trace.b", { TraceParent: SAMPLED });
    await waitFor(() => docs.length === 1);
    assert.equal(docs[0]!.events[0].acc, "B");
  });

  test("unsampled flags, a malformed value or an account without a destination: no trace", async () => {
    for (const [user, dest, value] of [
      ["a", "trace.a", NOT_SAMPLED],
      ["a", "trace.a", "00-abc-01"],
      ["a", "trace.a", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"],
      ["d", "trace.d", SAMPLED],
    ] as const) {
      const { got, docs } = await publish(user, dest, { traceparent: value });
      assert.equal(docs.length, 0, `${user} ${value}`);
      assert.equal(got[0]!.headers?.get("Nats-Trace-Dest"), "", `${user} ${value}: no header added`);
    }
  });

  test("sampling: the messages not kept go on with Nats-Trace-Dest disabled; the kept ones are traced", async () => {
    const nc = await as("c");
    const got: Msg[] = [];
    const docs: Json[] = [];
    nc.subscribe("x", { callback: (_e, m) => void got.push(m) });
    nc.subscribe("trace.c", { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await nc.flush();
    const N = 200;
    const h = headers();
    h.set("traceparent", SAMPLED);
    for (let i = 0; i < N; i++) nc.publish("x", String(i), { headers: h });
    await nc.flush();
    await waitFor(() => got.length === N);
    await nc.flush();
    const disabled = got.filter((m) => m.headers?.get("Nats-Trace-Dest") === "trace disabled").length;
    assert.equal(disabled + docs.length, N);
    // 1% sampling (nats-server's `<=`: up to 2%): most are not kept.
    assert.ok(disabled > N / 2, `disabled ${disabled}`);
  });
});

describe("traceparent options", () => {
  const bad: Array<[string, RegExp]> = [
    [`msg_trace { dest: "not valid" }`, /Trace destination "not valid" is not valid/],
    [`msg_trace { dest: "t", sampling: 0 }`, /Ttrace destination sampling value 0 is invalid, needs to be \[1\.\.100\]/],
    [`msg_trace { dest: "t", sampling: "x%" }`, /Invalid trace destination sampling value "x%"/],
    [`msg_trace { dest: "t", other: 1 }`, /Unknown field "other" parsing account message trace map\/struct "msg_trace"/],
    [`trace_dest: [1]`, /Expected account message trace "trace_dest" to be a string or a map\/struct/],
  ];
  for (const [block, error] of bad) {
    test(`refused: ${block}`, async () => {
      await assert.rejects(startServer({ port: -1, host: "127.0.0.1", config: `accounts { A { ${block} } }` }), error);
    });
  }
});

test("across a route: the first server samples, its peer traces what it kept to the same destination", async () => {
  const accounts = [{ name: "A", users: [{ user: "a", password: "a", account: "A" }], msgTrace: { dest: "trace.a", sampling: 100 } }];
  const c = await startCluster(2, "traceparent", { accounts });
  const [n1, n2] = c.nodes as [NatsServer, NatsServer];
  const a = await connect({ servers: n1.clientURL, user: "a", pass: "a" });
  const b = await connect({ servers: n2.clientURL, user: "a", pass: "a", name: "far" });
  try {
    const got: Msg[] = [];
    b.subscribe("far.x", { callback: (_e, m) => void got.push(m) });
    const docs: Json[] = [];
    a.subscribe("trace.a", { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await Promise.all([a.flush(), b.flush()]);
    await waitInterest(c.nodes, "far.x", "A");
    await waitInterest(c.nodes, "trace.a", "A");
    const h = headers();
    h.set("traceparent", SAMPLED);
    a.publish("far.x", "hi", { headers: h });
    await waitFor(() => docs.length === 2 && got.length === 1);
    const second = docs.find((d) => d.server.id === n2.server.id)!;
    assert.deepEqual([second.events[0].type, second.events[0].kind, second.events[0].acc], ["in", 1, "A"]);
    assert.equal(second.request.header["Nats-Trace-Hop"][0], "1");
    assert.deepEqual(second.events.slice(1).map((e: Json) => `${e.type} ${e.name} ${e.sub}`), ["eg far far.x"]);
  } finally {
    await a.close();
    await b.close();
    await c.close();
  }
});
