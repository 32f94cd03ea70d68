/**
 * Message tracing through imports (nats-server 2.11 msgtrace.go): a service import adds an
 * `si` event (exporter, from, to) and a stream import an `se` event (importer, to); egress
 * events in the other account name it (`acc`). The trace goes past the import only with
 * `allow_trace` (a service's on its export, a stream's on its import); without it the trace
 * stops there: the message is delivered untraced (`Nats-Trace-Dest: trace disabled` for a
 * service), or not at all for trace-only. A traced response goes back through a response
 * import, which never allows tracing: its `si` event ends the trace.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

let s: NatsServer;
let a: NatsConnection;
let b: NatsConnection;
before(async () => {
  s = await startServer({
    port: -1,
    host: "127.0.0.1",
    accounts: [
      {
        name: "A",
        users: [{ user: "a", password: "a", account: "A" }],
        exports: [
          { kind: "stream", subject: "feed.>" },
          { kind: "service", subject: "svc.time", allowTrace: true },
          { kind: "service", subject: "svc.closed" },
          { kind: "service", subject: "svc.resp" },
        ],
      },
      {
        name: "B",
        users: [{ user: "b", password: "b", account: "B" }],
        imports: [
          { kind: "stream", account: "A", subject: "feed.>", prefix: "fromA", allowTrace: true },
          { kind: "stream", account: "A", subject: "feed.>", prefix: "plain" },
          { kind: "service", account: "A", subject: "svc.time", to: "time" },
          { kind: "service", account: "A", subject: "svc.closed", to: "closed" },
          { kind: "service", account: "A", subject: "svc.resp", to: "resp" },
        ],
      },
    ],
  });
  a = await connect({ servers: s.clientURL, user: "a", pass: "a", name: "in-a" });
  b = await connect({ servers: s.clientURL, user: "b", pass: "b", name: "in-b" });
});
after(async () => {
  await Promise.all([a.close(), b.close()]);
  await s.close();
});

async function traceDocs(nc: NatsConnection, dest: string, send: (h: ReturnType<typeof headers>) => Promise<unknown>): Promise<Json> {
  const docs: Json[] = [];
  const sub = nc.subscribe(dest, { callback: (_e, m) => void docs.push(m.json<Json>()) });
  await nc.flush();
  const h = headers();
  h.set("Nats-Trace-Dest", dest);
  await send(h);
  await waitFor(() => docs.length === 1);
  sub.unsubscribe();
  return docs[0]!;
}

test("service import: an si event, the exporter's egress names its account; the request is answered", async () => {
  a.subscribe("svc.time", { callback: (_e, m) => void m.respond("now") });
  await a.flush();
  let answer = "";
  const doc = await traceDocs(b, "trace.si", async (h) => {
    answer = (await b.request("time", "?", { headers: h, timeout: 2000 })).string();
  });
  assert.equal(answer, "now");
  const [ingress, si, eg] = doc.events;
  assert.deepEqual([ingress.type, ingress.acc, ingress.subj], ["in", "B", "time"]);
  assert.deepEqual({ ...si, ts: 0 }, { type: "si", ts: 0, acc: "A", from: "time", to: "svc.time" });
  assert.deepEqual([eg.type, eg.name, eg.acc, eg.sub], ["eg", "in-a", "A", "svc.time"]);
});

test("stream import: an se event with the importer and the subject there", async (t) => {
  const got: string[] = [];
  const sub = b.subscribe("fromA.feed.>", { callback: (_e, m) => void got.push(m.subject) });
  t.after(() => sub.unsubscribe());
  await b.flush();
  const doc = await traceDocs(a, "trace.se", async (h) => {
    a.publish("feed.x", "1", { headers: h });
    await a.flush();
  });
  await waitFor(() => got.length === 1);
  assert.deepEqual(
    doc.events.map((e: Json) => [e.type, e.acc, e.to ?? e.sub]),
    [
      ["in", "A", undefined],
      ["se", "B", "fromA.feed.x"],
      ["eg", "B", "fromA.feed.>"],
    ],
  );
});

test("a service export without allow_trace: the trace stops at the import, the request goes on untraced", async () => {
  const got: Msg[] = [];
  a.subscribe("svc.closed", {
    callback: (_e, m) => {
      got.push(m);
      m.respond("shut");
    },
  });
  await a.flush();
  let answer = "";
  const doc = await traceDocs(b, "trace.closed", async (h) => {
    answer = (await b.request("closed", "?", { headers: h, timeout: 2000 })).string();
  });
  assert.equal(answer, "shut");
  assert.deepEqual(
    doc.events.map((e: Json) => [e.type, e.acc, e.to]),
    [
      ["in", "B", undefined],
      ["si", "A", "svc.closed"],
    ],
  );
  // Disabled, not dropped: a peer the request crosses to does not trace it either.
  assert.deepEqual(got[0]!.headers?.values("Nats-Trace-Dest"), ["trace disabled"]);
});

test("a service export without allow_trace, trace-only: the si event, nothing delivered", async () => {
  const got: Msg[] = [];
  a.subscribe("svc.closed", { callback: (_e, m) => void got.push(m) });
  const marks: Msg[] = [];
  a.subscribe("mark", { callback: (_e, m) => void marks.push(m) });
  await a.flush();
  const doc = await traceDocs(b, "trace.closed.only", async (h) => {
    h.set("Nats-Trace-Only", "true");
    b.publish("closed", "?", { headers: h });
    await b.flush();
  });
  assert.deepEqual(doc.events.map((e: Json) => e.type), ["in", "si"]);
  // A later message through the same server arrives; the traced one did not.
  const bm = await connect({ servers: s.clientURL, user: "a", pass: "a" });
  bm.publish("mark", "");
  await bm.flush();
  await bm.close();
  await waitFor(() => marks.length === 1);
  assert.equal(got.length, 0);
});

test("a stream import without allow_trace: the se event ends the trace, the importer still gets it", async (t) => {
  const got: Msg[] = [];
  const sub = b.subscribe("plain.feed.>", { callback: (_e, m) => void got.push(m) });
  t.after(() => sub.unsubscribe());
  await b.flush();
  const doc = await traceDocs(a, "trace.plain", async (h) => {
    a.publish("feed.y", "1", { headers: h });
    await a.flush();
  });
  await waitFor(() => got.length === 1);
  assert.deepEqual(
    doc.events.map((e: Json) => [e.type, e.acc, e.to]),
    [
      ["in", "A", undefined],
      ["se", "B", "plain.feed.y"],
    ],
  );
  assert.equal(got[0]!.subject, "plain.feed.y");
});

test("a stream import without allow_trace, trace-only: nothing delivered to the importer", async () => {
  const got: Msg[] = [];
  b.subscribe("plain.feed.>", { callback: (_e, m) => void got.push(m) });
  await b.flush();
  const doc = await traceDocs(a, "trace.plain.only", async (h) => {
    h.set("Nats-Trace-Only", "true");
    a.publish("feed.z", "1", { headers: h });
    await a.flush();
  });
  assert.deepEqual(doc.events.map((e: Json) => e.type), ["in", "se"]);
  a.publish("feed.mark", "");
  await a.flush();
  await waitFor(() => got.length === 1);
  assert.equal(got[0]!.subject, "plain.feed.mark");
});

test("a traced response crossing back through the response import: an si event, then untraced (2.11: response imports never allow_trace)", async () => {
  for (const only of [false, true]) {
    const svc = "svc.resp";
    const got: Msg[] = [];
    const inbox = `_INBOX.resp-${only}`;
    b.subscribe(inbox, { callback: (_e, m) => void got.push(m) });
    await b.flush();
    const docs: Json[] = [];
    const dest = `trace.resp.${only}`;
    a.subscribe(dest, { callback: (_e, m) => void docs.push(m.json<Json>()) });
    const responder = a.subscribe(svc, {
      max: 1,
      callback: (_e, m) => {
        const h = headers();
        h.set("Nats-Trace-Dest", dest);
        if (only) h.set("Nats-Trace-Only", "true");
        a.publish(m.reply!, "traced answer", { headers: h });
      },
    });
    await a.flush();
    b.publish("resp", "", { reply: inbox });
    await waitFor(() => docs.length === 1, { what: "response trace document" });
    const events = docs[0]!.events as Json[];
    assert.deepEqual(
      events.map((e) => e.type),
      ["in", "si"],
    );
    const si = events[1]!;
    assert.equal(si.acc, "B");
    assert.match(si.from, /^_R_\./);
    assert.equal(si.to, inbox);
    // A round trip on B after the document: the response, if any, has arrived by then.
    if (!only) await waitFor(() => got.length === 1, { what: "untraced response" });
    await b.flush();
    if (only) assert.equal(got.length, 0, "trace-only: nothing delivered past the import");
    else {
      assert.equal(got[0]!.string(), "traced answer");
      assert.equal(got[0]!.headers?.get("Nats-Trace-Dest"), "trace disabled");
    }
    assert.equal(responder.isClosed(), true);
  }
});
