/**
 * A leaf node's subscriptions in an importing account get shadows in the exporter
 * (accounts/shadow.ts), delivered through the shared link-target batch: a traced message
 * reaching the leaf through a stream import carries `Nats-Trace-Hop` like any other link
 * copy (and the leaf traces it as a LEAF ingress); without the import's `allow_trace` the
 * trace ends at `se` and the copy goes untraced. A leaf's queue weight (LS+ again) is copied
 * to its shadows.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { Kind } from "../../src/server/connection-kind.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

describe("stream import shadows of a leaf node's subscriptions", () => {
  let hub: NatsServer;
  let leaf: NatsServer;
  let a: NatsConnection; // on the hub, in the exporter A
  let lc: NatsConnection; // on the leaf, bound to the importer B on the hub

  before(async () => {
    hub = await startServer({
      port: -1,
      host: "127.0.0.1",
      accounts: [
        { name: "A", users: [{ user: "a", password: "a", account: "A" }], exports: [{ kind: "stream", subject: "feed.>" }] },
        {
          name: "B",
          users: [{ user: "b", password: "b", account: "B" }],
          imports: [
            { kind: "stream", account: "A", subject: "feed.>", prefix: "traced", allowTrace: true },
            { kind: "stream", account: "A", subject: "feed.>", prefix: "plain" },
          ],
        },
      ],
      leafnodes: { host: "127.0.0.1", port: -1, users: [{ user: "lb", password: "p", account: "B" }] },
    });
    leaf = await startServer({
      port: -1,
      host: "127.0.0.1",
      leafnodes: { remotes: [{ urls: [`nats-leaf://lb:p@127.0.0.1:${hub.server.leafs!.listenPort}`] }], reconnectMs: 100 },
    });
    await waitFor(() => hub.server.leafs!.leafs.size === 1, { timeoutMs: 10_000, what: "leaf linked" });
    a = await connect({ servers: hub.clientURL, user: "a", pass: "a" });
    lc = await connect({ servers: leaf.clientURL, name: "on-leaf" });
  });
  after(async () => {
    await Promise.all([a.close(), lc.close()]);
    await leaf.close();
    await hub.close();
  });

  const shadowsInA = (subject: string) =>
    hub.server.accounts
      .get("A")!
      .sublist.all()
      .filter((s) => s.im !== null && s.conn.kind === Kind.LEAF && s.im.origin.subject === subject);

  const traced = async (subject: string): Promise<{ hubDoc: Json; leafDocs: Json[] }> => {
    const hubDocs: Json[] = [];
    const leafDocs: Json[] = [];
    const hs = a.subscribe("trace.dest", { callback: (_e, m) => void hubDocs.push(m.json<Json>()) });
    const ls = lc.subscribe("trace.dest", { callback: (_e, m) => void leafDocs.push(m.json<Json>()) });
    await Promise.all([a.flush(), lc.flush()]);
    const h = headers();
    h.set("Nats-Trace-Dest", "trace.dest");
    a.publish(subject, "x", { headers: h });
    await waitFor(() => hubDocs.length === 1, { what: "the hub's trace document" });
    hs.unsubscribe();
    ls.unsubscribe();
    return { hubDoc: hubDocs[0]!, leafDocs };
  };

  test("with allow_trace: se, then the leaf's copy with hop 1, traced on by the leaf", async () => {
    const got: Msg[] = [];
    const sub = lc.subscribe("traced.feed.>", { callback: (_e, m) => void got.push(m) });
    await lc.flush();
    await waitFor(() => shadowsInA("traced.feed.>").length === 1, { what: "the leaf's shadow in A" });
    const leafDocs: Json[] = [];
    const ls = lc.subscribe("trace.dest", { callback: (_e, m) => void leafDocs.push(m.json<Json>()) });
    await lc.flush();
    const { hubDoc } = await traced("feed.one");
    await waitFor(() => got.length === 1 && leafDocs.length === 1, { what: "delivery and the leaf's document" });
    ls.unsubscribe();
    sub.unsubscribe();
    assert.equal(got[0]!.subject, "traced.feed.one");
    assert.equal(got[0]!.headers?.get("Nats-Trace-Hop"), "1");
    assert.equal(hubDoc.hops, 1);
    assert.deepEqual(
      hubDoc.events.map((e: Json) => `${e.type} ${e.acc ?? e.kind} ${e.to ?? e.hop ?? "-"}`),
      ["in A -", "se B traced.feed.one", "eg 4 1"],
    );
    const leafIn = leafDocs[0]!.events[0];
    assert.deepEqual([leafIn.type, leafIn.kind, leafIn.subj], ["in", 4, "traced.feed.one"]);
  });

  test("without allow_trace: the trace ends at se, the leaf gets the message untraced", async () => {
    const got: Msg[] = [];
    const sub = lc.subscribe("plain.feed.>", { callback: (_e, m) => void got.push(m) });
    await lc.flush();
    await waitFor(() => shadowsInA("plain.feed.>").length === 1, { what: "the leaf's shadow in A" });
    const { hubDoc } = await traced("feed.two");
    await waitFor(() => got.length === 1, { what: "delivery" });
    sub.unsubscribe();
    assert.equal(got[0]!.subject, "plain.feed.two");
    assert.equal(got[0]!.headers?.get("Nats-Trace-Hop") ?? "", "");
    assert.deepEqual(
      hubDoc.events.map((e: Json) => e.type),
      ["in", "se"],
    );
  });

  test("a queue group's weight on the leaf is copied to its shadow", async () => {
    const subs = [lc.subscribe("traced.feed.q.>", { queue: "workers", callback: () => {} })];
    await lc.flush();
    await waitFor(() => shadowsInA("traced.feed.q.>").length === 1 && shadowsInA("traced.feed.q.>")[0]!.weight === 1, { what: "shadow, weight 1" });
    subs.push(lc.subscribe("traced.feed.q.>", { queue: "workers", callback: () => {} }), lc.subscribe("traced.feed.q.>", { queue: "workers", callback: () => {} }));
    await lc.flush();
    await waitFor(() => shadowsInA("traced.feed.q.>")[0]?.weight === 3, { what: "shadow weight 3" });
    subs.pop()!.unsubscribe();
    await lc.flush();
    await waitFor(() => shadowsInA("traced.feed.q.>")[0]?.weight === 2, { what: "shadow weight back to 2" });
    for (const s of subs) s.unsubscribe();
    await lc.flush();
    await waitFor(() => shadowsInA("traced.feed.q.>").length === 0, { what: "shadow gone" });
  });
});
