/**
 * The `cluster {}` liveness keys: `ping_interval` and `ping_max` apply to routes (capped
 * at 30 s as nats-server caps them), gateways PING at most every 15 s, and each block's
 * `write_deadline` overrides the server's for its links (nats-server client.go
 * setPingTimer, adjustPingInterval, initClient). The wire test: a peer that stops reading
 * is found stale after ping_max unanswered PINGs of the cluster's interval, long before
 * the server-wide two minutes. `connect_backoff` doubles the redial wait up to 30 s.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelayMs } from "../../src/cluster/dial.js";
import { ClosedState } from "../../src/server/closed-state.js";
import { Kind } from "../../src/server/connection-kind.js";
import { pingIntervalMs, pingMax, writeDeadlineMs } from "../../src/server/kind-timings.js";
import { resolveOptions } from "../../src/server/options.js";
import { startCluster } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait-for.js";

test("each kind takes its block's timings, routes and gateways capped", () => {
  const o = resolveOptions({
    pingIntervalMs: 120_000,
    pingMax: 2,
    writeDeadlineMs: 10_000,
    cluster: { port: -1, pingIntervalMs: 5_000, pingMax: 4, writeDeadlineMs: 1_000 },
    gateway: { name: "g", port: -1, writeDeadlineMs: 2_000 },
    leafnodes: { port: -1, writeDeadlineMs: 3_000 },
  });
  assert.deepEqual([pingIntervalMs(Kind.CLIENT, o), pingMax(Kind.CLIENT, o), writeDeadlineMs(Kind.CLIENT, o)], [120_000, 2, 10_000]);
  assert.deepEqual([pingIntervalMs(Kind.ROUTER, o), pingMax(Kind.ROUTER, o), writeDeadlineMs(Kind.ROUTER, o)], [5_000, 4, 1_000]);
  assert.deepEqual([pingIntervalMs(Kind.GATEWAY, o), pingMax(Kind.GATEWAY, o), writeDeadlineMs(Kind.GATEWAY, o)], [15_000, 2, 2_000]);
  assert.deepEqual([pingIntervalMs(Kind.LEAF, o), pingMax(Kind.LEAF, o), writeDeadlineMs(Kind.LEAF, o)], [120_000, 2, 3_000]);
  const capped = resolveOptions({ pingIntervalMs: 120_000, cluster: { port: -1, pingIntervalMs: 60_000 } });
  assert.equal(pingIntervalMs(Kind.ROUTER, capped), 30_000);
  assert.equal(pingIntervalMs(Kind.ROUTER, resolveOptions({ pingIntervalMs: 120_000, cluster: { port: -1 } })), 30_000);
});

test("a route whose peer stops answering PINGs is closed as stale after the cluster's ping_max", { timeout: 60_000 }, async () => {
  const cl = await startCluster(2, "pings", { cluster: { pingIntervalMs: 200, pingMax: 2 } });
  try {
    const [a, b] = cl.nodes as [(typeof cl.nodes)[0], (typeof cl.nodes)[0]];
    const routeAtA = a.server.routes!.remotes.get(b.server.id)!;
    const routeAtB = b.server.routes!.remotes.get(a.server.id)!;
    const t0 = Date.now();
    routeAtB.socket.pause();
    await waitFor(() => routeAtA.closed, { timeoutMs: 10_000, what: "A gives up on the silent route" });
    assert.equal(routeAtA.closeReason, ClosedState.StaleConnection);
    assert.ok(Date.now() - t0 < 5_000, `closed after ${Date.now() - t0} ms`);
    routeAtB.socket.resume();
  } finally {
    await cl.close();
  }
});

test("connect_backoff doubles the wait after each failed dial, up to the maximum", () => {
  const waits = (backoff: boolean): number[] => [1, 2, 3, 4, 5, 6, 7, 40].map((n) => backoffDelayMs(1000, 30_000, backoff, n));
  assert.deepEqual(waits(true), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  assert.deepEqual(waits(false), [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
});
