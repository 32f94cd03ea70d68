/**
 * Message tracing through imports (nats-server 2.11 msgtrace.go): a service import adds an
 * `si` event (exporter, from, to) and a stream import an `se` event (importer, to); egress
 * events in the other account name it (`acc`).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
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
          { kind: "service", subject: "svc.time" },
        ],
      },
      {
        name: "B",
        users: [{ user: "b", password: "b", account: "B" }],
        imports: [
          { kind: "stream", account: "A", subject: "feed.>", prefix: "fromA" },
          { kind: "service", account: "A", subject: "svc.time", to: "time" },
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

test("stream import: an se event with the importer and the subject there", async () => {
  const got: string[] = [];
  b.subscribe("fromA.feed.>", { callback: (_e, m) => void got.push(m.subject) });
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
