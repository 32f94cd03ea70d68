/**
 * `startCluster` with gateways: two clusters and a leaf node under the second, every
 * gateway connection through the link of its two servers, so latency and cuts between
 * clusters show in the traffic of official clients.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startCluster, type Topology } from "../../src/index.js";
import { waitFor } from "../helpers/wait-for.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("startCluster with gateways: east (n0, n1) and west (west0, west1) with an edge leaf", () => {
  let t: Topology;
  const conns: NatsConnection[] = [];
  async function nc(node: string): Promise<NatsConnection> {
    const c = await connect({ servers: t.node(node).clientURL });
    conns.push(c);
    return c;
  }
  /** Every link between an east node and a west node. */
  const crossLinks = (): Array<[string, string]> => t.cluster("east").flatMap((e) => t.cluster("west").map((w): [string, string] => [e.name, w.name]));

  before(async () => {
    t = await startCluster({ name: "east", nodes: 2, gateways: [{ name: "west", nodes: 2 }], leafs: [{ hub: "west1", name: "edge" }] });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await t.close();
  });

  test("every gateway connection goes through a link; messages and requests cross clusters", async () => {
    assert.deepEqual(t.clusters, ["east", "west"]);
    assert.deepEqual(t.all.map((n) => n.name), ["n0", "n1", "west0", "west1", "edge"]);
    for (const n of [...t.cluster("east"), ...t.cluster("west")]) assert.equal(n.server.server.gateways!.out.size, 1);
    // One outbound gateway per server: four connections between the clusters, all proxied.
    await waitFor(() => crossLinks().reduce((k, [a, b]) => k + t.link(a, b).connections, 0) === 4, {
      what: `4 gateway connections through the links: ${crossLinks().map(([a, b]) => t.link(a, b).connections).join(",")}`,
    });
    const [east, west, edge] = await Promise.all([nc("n0"), nc("west0"), nc("edge")]);
    const got: string[] = [];
    west!.subscribe("gw.x", { callback: (_e, m) => void got.push(`west:${m.string()}`) });
    edge!.subscribe("gw.x", { callback: (_e, m) => void got.push(`edge:${m.string()}`) });
    west!.subscribe("gw.svc", { callback: (_e, m) => void m.respond(m.data) });
    await Promise.all([west!.flush(), edge!.flush()]);
    await waitFor(async () => {
      east!.publish("gw.x", "probe");
      await sleep(50);
      return got.includes("west:probe") && got.includes("edge:probe");
    }, { what: "interest across the gateway" });
    const reply = await east!.request("gw.svc", "ping", { timeout: 10_000 });
    assert.equal(reply.string(), "ping");
  });

  test("a leaf node of west answers a request from east", async () => {
    const [east, edge] = await Promise.all([nc("n0"), nc("edge")]);
    edge!.subscribe("gw.edge.svc", { callback: (_e, m) => void m.respond(m.data) });
    await edge!.flush();
    await t.waitInterest("gw.edge.svc", { nodes: ["west1"] });
    await sleep(500);
    const reply = await east!.request("gw.edge.svc", "ping", { timeout: 2000 });
    assert.equal(reply.string(), "ping");
  });

  test("latency and a cut between the clusters; heal delivers what was held, in order, once", async () => {
    const [east, west] = await Promise.all([nc("n0"), nc("west0")]);
    const got: string[] = [];
    west!.subscribe("gw.cut", { callback: (_e, m) => void got.push(m.string()) });
    west!.subscribe("gw.echo", { callback: (_e, m) => void m.respond(m.data) });
    await west!.flush();
    await waitFor(async () => {
      try {
        await east!.request("gw.echo", "", { timeout: 500 });
        return true;
      } catch {
        return false;
      }
    }, { what: "the echo service reachable from east" });
    for (const [a, b] of crossLinks()) t.setLatency(a, b, 100);
    try {
      const t0 = performance.now();
      await east!.request("gw.echo", "x", { timeout: 10_000 });
      assert.ok(performance.now() - t0 >= 195, `round trip ${(performance.now() - t0).toFixed(0)} ms through 2 × 100 ms`);
    } finally {
      for (const [a, b] of crossLinks()) t.setLatency(a, b, 0);
    }
    await east!.request("gw.echo", "warm", { timeout: 10_000 });
    for (const [a, b] of crossLinks()) t.cut(a, b);
    const sent = Array.from({ length: 10 }, (_, i) => `c${i}`);
    try {
      for (const m of sent) east!.publish("gw.cut", m);
      await east!.flush();
      await sleep(300);
      assert.deepEqual(got, [], "nothing crosses the cut between clusters");
    } finally {
      for (const [a, b] of crossLinks()) t.heal(a, b);
    }
    await waitFor(() => got.length === sent.length, { what: `${sent.length} after the heal, got ${got.length}` });
    await sleep(100);
    assert.deepEqual(got, sent);
  });

  test("a restarted west server gets its gateways and routes back", async () => {
    await t.restart("west0");
    await t.ready();
    const [east, west] = await Promise.all([nc("n1"), nc("west0")]);
    const got: string[] = [];
    west!.subscribe("gw.back", { callback: (_e, m) => void got.push(m.string()) });
    await west!.flush();
    await waitFor(async () => {
      east!.publish("gw.back", "hello");
      await sleep(50);
      return got.length > 0;
    }, { timeoutMs: 15_000, what: "a message from east to the restarted west0" });
  });
});
