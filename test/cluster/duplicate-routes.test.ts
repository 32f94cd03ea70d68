/**
 * Duplicate routes, resolved as nats-server resolves them: three nodes each configured
 * with routes to both others and started at once dial each other from both sides. Each
 * pair must end with exactly one route, stay that way (no flapping), and carry every
 * message exactly once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { waitMeshed, waitInterest } from "../helpers/cluster.js";
import { freePort } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

test("nodes that all dial each other end with one route per pair, stable, messages once", { timeout: 90_000 }, async () => {
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
    await waitFor(() => nodes.every((n) => n.server.routes!.all.size === 2), { timeoutMs: 15_000, what: "duplicates closed" });
    const snapshot = nodes.map((n) => [...n.server.routes!.remotes.values()]);
    await new Promise((r) => setTimeout(r, 2500));
    nodes.forEach((n, i) => {
      assert.deepEqual([...n.server.routes!.remotes.values()], snapshot[i], `routes of ${n.server.name} changed`);
      assert.equal(n.server.routes!.all.size, 2);
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
