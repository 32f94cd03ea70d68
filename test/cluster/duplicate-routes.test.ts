/**
 * Duplicate routes, resolved as nats-server resolves them: three nodes each configured
 * with routes to both others and started at once dial each other from both sides. Each
 * pair must end with exactly one full pool (3 routes, plus the system account's pinned
 * one), stay that way (no flapping), and carry every message exactly once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { waitMeshed, waitInterest } from "../helpers/cluster.js";
import { freePort } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

test("nodes that all dial each other end with one pool per pair, stable, messages once", { timeout: 90_000 }, async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p}`);
  const nodes: NatsServer[] = await Promise.all(
    ports.map((port, i) =>
      startServer({
        port: -1,
        host: "127.0.0.1",
        serverName: `dup-${i}`,
        cluster: { name: "dup", host: "127.0.0.1", port, routes: routes.filter((_, j) => j !== i) },
      }),
    ),
  );
  const conns = await Promise.all(nodes.map((n) => connect({ servers: n.clientURL })));
  try {
    await waitMeshed(nodes, 30_000);
    // Settled: no connection left in a handshake, and the same routes a while later.
    // Two peers, each with a pool of 3 and the system account's dedicated route.
    const perNode = 2 * (3 + 1);
    const settled = (n: NatsServer): boolean => n.server.routes!.all.size === perNode && [...n.server.routes!.all].every((r) => r.registered);
    await waitFor(() => nodes.every(settled), { timeoutMs: 30_000, what: `duplicates closed: ${nodes.map((n) => n.server.routes!.all.size)}` });
    const snapshot = nodes.map((n) => [...n.server.routes!.all]);
    await new Promise((r) => setTimeout(r, 2500));
    nodes.forEach((n, i) => {
      assert.deepEqual([...n.server.routes!.all], snapshot[i], `routes of ${n.server.name} changed`);
      assert.equal(n.server.routes!.all.size, perNode);
    });

    const got: number[] = [0, 0, 0];
    conns.forEach((nc, i) => nc.subscribe("dup.x", { callback: () => void got[i]!++ }));
    await Promise.all(conns.map((nc) => nc.flush()));
    await waitInterest(nodes, "dup.x");
    await waitFor(() => nodes.every((n) => n.server.accounts.get("$G")!.sublist.match("dup.x").psubs.length === 3));
    for (let i = 0; i < 3; i++) for (let k = 0; k < 100; k++) conns[i]!.publish("dup.x");
    await Promise.all(conns.map((nc) => nc.flush()));
    await waitFor(() => got.every((g) => g >= 300), { what: `every message everywhere: ${got}` });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(got, [300, 300, 300]);
  } finally {
    await Promise.all(conns.map((nc) => nc.close()));
    await Promise.all(nodes.map((n) => n.close()));
  }
});
