/**
 * A slow route is handled like a slow consumer, and one slow peer stalls nobody else.
 * In a cluster of three, B stops reading its route from A (its socket paused, as a peer
 * that hangs would). A client on A floods 64 KiB messages that B and C both subscribe
 * to. C must get every one, a bystander's requests on A must keep being answered, and A
 * must cut the route to B once it took nothing for a whole write deadline (nats-server
 * SlowConsumerWriteDeadline), the cluster block's `write_deadline` and not the clients'.
 * When B reads again it redials and gets traffic again.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { ClosedState } from "../../src/server/closed-state.js";
import { startBystander } from "../helpers/bystander.js";
import { startCluster, waitInterest, waitMeshed } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait-for.js";

const MESSAGES = 300;
const PAYLOAD = new Uint8Array(64 * 1024);
/** The cluster's own write_deadline; the server-wide one is far longer than the test waits. */
const WRITE_DEADLINE_MS = 1500;
const CLIENT_WRITE_DEADLINE_MS = 120_000;

test("a route that stops reading is cut as a slow consumer; the other route and local clients carry on", { timeout: 120_000 }, async () => {
  const cl = await startCluster(3, "slow", { writeDeadlineMs: CLIENT_WRITE_DEADLINE_MS, cluster: { writeDeadlineMs: WRITE_DEADLINE_MS } });
  const [a, b, c] = cl.nodes as [(typeof cl.nodes)[0], (typeof cl.nodes)[0], (typeof cl.nodes)[0]];
  const conns = await Promise.all([a, b, c].map((n) => connect({ servers: n.clientURL })));
  const [pub, onB, onC] = conns as [(typeof conns)[0], (typeof conns)[0], (typeof conns)[0]];
  const by = await startBystander(a.clientURL, { intervalMs: 50, timeoutMs: 5000 });
  let byStopped = false;
  try {
    let gotB = 0;
    let gotC = 0;
    onB.subscribe("big", { callback: () => void gotB++ });
    onC.subscribe("big", { callback: () => void gotC++ });
    await Promise.all([onB.flush(), onC.flush()]);
    await waitInterest([a], "big");
    await waitFor(() => a.server.accounts.get("$G")!.sublist.match("big").psubs.length === 2, { what: "both routes' interest on A" });

    const routeAtA = a.server.routes!.routeFor(b.server.id, "$G")!;
    const routeAtB = b.server.routes!.routeFor(a.server.id, "$G")!;
    routeAtB.socket.pause();
    const slowBefore = a.server.slowConsumers;
    for (let i = 0; i < MESSAGES; i++) pub.publish("big", PAYLOAD);
    await waitFor(() => gotC === MESSAGES, { timeoutMs: 60_000, what: `C gets every message (${gotC}/${MESSAGES})` });
    await waitFor(() => routeAtA.closed, { timeoutMs: 30_000, what: "A cuts the stalled route" });
    assert.equal(routeAtA.closeReason, ClosedState.SlowConsumerWriteDeadline);
    assert.ok(a.server.slowConsumers > slowBefore);
    byStopped = true;
    const stats = await by.stop();
    assert.equal(stats.timeouts, 0, "A kept answering its own clients");

    // B reads again: it sees the route gone, redials, and the cluster is whole again.
    routeAtB.socket.resume();
    await waitMeshed(cl.nodes, 30_000);
    await waitFor(() => a.server.accounts.get("$G")!.sublist.match("big").psubs.length === 2, { what: "B's interest back on A" });
    const before = gotB;
    await waitFor(
      async () => {
        pub.publish("big", "after");
        await pub.flush();
        return gotB > before;
      },
      { timeoutMs: 10_000, what: "traffic reaches B again" },
    );
    assert.equal(gotC >= MESSAGES + 1, true);
  } finally {
    if (!byStopped) await by.stop();
    await Promise.all(conns.map((nc) => nc.close()));
    await cl.close();
  }
});
