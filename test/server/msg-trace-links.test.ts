/**
 * Message tracing across a leaf node and a gateway (nats-server 2.11 msgtrace.go): the
 * forwarded copy carries `Nats-Trace-Hop`, the peer traces it (ingress of kind LEAF or
 * GATEWAY with that hop) and publishes its own document to the same destination.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { startSuperCluster } from "../helpers/supercluster.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

function interest(s: NatsServer, subject: string): Promise<unknown> {
  return waitFor(() => s.server.accounts.get("$G")!.sublist.hasInterest(subject), { what: `interest in ${subject}` });
}

/** Publishes `subject` from `from` with a trace to `dest`, collecting documents on `watcher`. */
async function publishTraced(from: NatsConnection, watcher: NatsConnection, subject: string, dest: string, want: number): Promise<Json[]> {
  const docs: Json[] = [];
  watcher.subscribe(dest, { callback: (_e, m) => void docs.push(m.json<Json>()) });
  await watcher.flush();
  return (async () => {
    const h = headers();
    h.set("Nats-Trace-Dest", dest);
    from.publish(subject, "hi", { headers: h });
    await waitFor(() => docs.length === want, { what: `${want} trace documents` });
    return docs;
  })();
}

test("across a leaf node: the hub forwards with hop 1, the leaf traces it as a LEAF ingress", async () => {
  const hub = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { host: "127.0.0.1", port: -1 } });
  const leaf = await startServer({
    port: -1,
    host: "127.0.0.1",
    leafnodes: { remotes: [{ urls: [`nats-leaf://127.0.0.1:${hub.server.leafs!.listenPort}`] }], reconnectMs: 100 },
  });
  const hc = await connect({ servers: hub.clientURL });
  const lc = await connect({ servers: leaf.clientURL, name: "on-leaf" });
  try {
    const got: Msg[] = [];
    lc.subscribe("leafy", { callback: (_e, m) => void got.push(m) });
    await lc.flush();
    await interest(hub, "leafy");
    hc.subscribe("trace.leaf", { callback: () => {} });
    await hc.flush();
    await interest(leaf, "trace.leaf");
    const docs = await publishTraced(hc, hc, "leafy", "trace.leaf", 2);
    await waitFor(() => got.length === 1);
    const first = docs.find((d) => d.server.id === hub.server.id)!;
    const second = docs.find((d) => d.server.id === leaf.server.id)!;
    assert.equal(first.hops, 1);
    assert.deepEqual(first.events.map((e: Json) => `${e.type} ${e.kind} ${e.hop ?? "-"}`), ["in 0 -", "eg 4 1"]);
    assert.deepEqual(second.events.map((e: Json) => `${e.type} ${e.kind} ${e.name ?? "-"}`), [`in 4 ${hub.server.name}`, "eg 0 on-leaf"]);
    assert.equal(second.request.header["Nats-Trace-Hop"][0], "1");
  } finally {
    await hc.close();
    await lc.close();
    await leaf.close();
    await hub.close();
  }
});

test("across a gateway: hop 1 to the other cluster, which traces it as a GATEWAY ingress", async () => {
  const sc = await startSuperCluster(["ga", "gb"], [1, 1]);
  const [a, b] = [sc.clusters[0]![0]!, sc.clusters[1]![0]!];
  const ac = await connect({ servers: a.clientURL });
  const bc = await connect({ servers: b.clientURL, name: "in-b" });
  try {
    const got: Msg[] = [];
    bc.subscribe("gw.x", { callback: (_e, m) => void got.push(m) });
    // The documents come back to cluster ga through the gateway (interest-only mode needs no subscription here).
    const docs = await publishTraced(ac, ac, "gw.x", "trace.gw", 2);
    await waitFor(() => got.length === 1);
    const first = docs.find((d) => d.server.id === a.server.id)!;
    const second = docs.find((d) => d.server.id === b.server.id)!;
    assert.equal(first.hops, 1);
    assert.deepEqual(first.events.map((e: Json) => `${e.type} ${e.kind} ${e.hop ?? "-"}`), ["in 0 -", "eg 2 1"]);
    assert.deepEqual(second.events.map((e: Json) => `${e.type} ${e.kind} ${e.name ?? "-"}`), [`in 2 ${a.server.name}`, "eg 0 in-b"]);
  } finally {
    await ac.close();
    await bc.close();
    await sc.close();
  }
});
