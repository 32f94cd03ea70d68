/**
 * Mixed clusters of tsnats and the real nats-server (2.9, one route per peer, while tsnats
 * pools with tsnats): 2 tsnats +
 * 1 nats-server and 1 tsnats + 2 nats-server, each meshing by gossip from one seed. Every
 * node publishes to every other, queue groups get each message exactly once, and
 * requests are answered in every direction. Skips when nats-server is not installed.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { NatsServer } from "../../src/index.js";
import { routePort, startNode } from "../helpers/cluster.js";
import { monitorJson, startNatsServerConf, warmUp, type InteropNatsServer } from "../helpers/interop.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

const bin = natsServerBinary();

interface Node {
  name: string;
  clientURL: string;
  stop(): Promise<void>;
}

interface RoutedNatsServer extends InteropNatsServer {
  routePort: number;
}

/** nats-server in cluster `c` with routes to `routes`, monitoring on for /routez. */
async function natsServerNode(name: string, routes: string[]): Promise<RoutedNatsServer> {
  const rp = await freePort();
  const list = routes.map((r) => `"${r}"`).join(", ");
  const ns = await startNatsServerConf(bin!, name, [`cluster { name: c, listen: "127.0.0.1:${rp}", routes: [${list}] }`]);
  return { ...ns, routePort: rp };
}

async function tsnatsNode(name: string, routes: string[]): Promise<Node & { server: NatsServer }> {
  const s = await startNode("c", routes, { serverName: name });
  return { name, clientURL: s.clientURL, server: s, stop: () => s.close() };
}

/** Routes a node has: tsnats's registry, nats-server's /routez. */
async function routeCount(n: Node): Promise<number> {
  if ("server" in n) return (n as { server: NatsServer }).server.server.routes!.remotes.size;
  return (await monitorJson<{ num_routes: number }>(n as RoutedNatsServer, "/routez")).num_routes;
}

function clusterSuite(title: string, build: () => Promise<Node[]>): void {
  describe(title, { skip: bin === null ? "nats-server not installed" : false }, () => {
    let nodes: Node[] = [];
    let conns: NatsConnection[] = [];
    before(async () => {
      nodes = await build();
      await waitFor(async () => (await Promise.all(nodes.map(routeCount))).every((n) => n === nodes.length - 1), {
        timeoutMs: 15_000,
        what: "full mesh",
      });
      conns = await Promise.all(nodes.map((n) => connect({ servers: n.clientURL })));
    });
    after(async () => {
      await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
      await Promise.all(nodes.map((n) => n.stop()));
    });

    test("tsnats pools with tsnats (pool_size 3 and the system account's pinned route) and keeps one route to nats-server 2.9", async () => {
      for (const n of nodes) {
        if (!("server" in n)) continue;
        const m = (n as { server: NatsServer }).server.server.routes!;
        await waitFor(
          () =>
            [...m.pools.entries()].every(([id, conns]) => {
              const tsnatsPeer = (conns.find((r) => r !== null)?.info as { tsnats_version?: string } | null)?.tsnats_version !== undefined;
              return tsnatsPeer ? conns.length === 3 && conns.every((r) => r !== null) && m.pinned.get("$SYS")!.has(id) : conns.length === 1 && conns[0]!.noPool;
            }),
          { timeoutMs: 10_000, what: `${n.name}'s pools` },
        );
        for (const [id, conns] of m.pools) {
          if (conns.length === 1) for (const byPeer of m.pinned.values()) assert.ok(!byPeer.has(id), "no pinned route to nats-server 2.9");
        }
        const nsPeers = [...m.pools.values()].filter((c) => c.length === 1).length;
        assert.equal(nsPeers, nodes.filter((x) => !("server" in x)).length);
      }
    });

    test("every node's message reaches every node's subscriber exactly once", async () => {
      const got: string[] = [];
      conns.forEach((c, i) =>
        c.subscribe("mesh.*", {
          callback: (_e, m) => {
            got.push(`${i}<-${m.string()}`);
          },
        }),
      );
      await warmUp(conns, "mesh.warm");
      got.length = 0;
      conns.forEach((c, i) => c.publish("mesh.x", `${nodes[i]!.name}`));
      const want = conns.length * conns.length;
      await waitFor(() => got.length >= want, { what: `${want} deliveries` });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(got.length, want, got.join(" "));
      assert.equal(new Set(got).size, want);
    });

    test("a queue group spread over all nodes gets each message exactly once", async () => {
      const got: string[] = [];
      conns.forEach((c, i) =>
        c.subscribe("jobs", {
          queue: "workers",
          callback: (_e, m) => {
            got.push(`${i}:${m.string()}`);
          },
        }),
      );
      await warmUp(conns, "jobs.warm");
      await new Promise((r) => setTimeout(r, 200));
      const total = 600;
      for (let i = 0; i < total; i++) conns[i % conns.length]!.publish("jobs", String(i));
      await Promise.all(conns.map((c) => c.flush()));
      await waitFor(() => got.length >= total, { what: `${total} queue deliveries, have ${got.length}` });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(got.length, total);
      assert.equal(new Set(got.map((g) => g.split(":")[1])).size, total);
    });

    test("requests are answered in every direction", async () => {
      conns.forEach((c, i) =>
        c.subscribe(`svc.${i}`, {
          callback: (_e, m) => {
            m.respond(`${nodes[i]!.name}:${m.string()}`);
          },
        }),
      );
      await warmUp(conns, "svc.warm");
      for (let from = 0; from < conns.length; from++) {
        for (let to = 0; to < conns.length; to++) {
          await waitFor(
            async () => (await conns[from]!.request(`svc.${to}`, String(from), { timeout: 1000 }).catch(() => null))?.string() === `${nodes[to]!.name}:${from}`,
            { timeoutMs: 5000, what: `${nodes[from]!.name} -> ${nodes[to]!.name}` },
          );
        }
      }
    });
  });
}

clusterSuite("2 tsnats + 1 nats-server", async () => {
  const seed = await natsServerNode("N1", []);
  const t1 = await tsnatsNode("T1", [`nats-route://127.0.0.1:${seed.routePort}`]);
  const t2 = await tsnatsNode("T2", [`nats-route://127.0.0.1:${routePort(t1.server)}`]);
  return [seed, t1, t2];
});

clusterSuite("1 tsnats + 2 nats-server", async () => {
  const seed = await tsnatsNode("T1", []);
  const n1 = await natsServerNode("N1", [`nats-route://127.0.0.1:${routePort(seed.server)}`]);
  const n2 = await natsServerNode("N2", [`nats-route://127.0.0.1:${n1.routePort}`]);
  return [seed, n1, n2];
});
