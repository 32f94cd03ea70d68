/**
 * Sustained 1->32 fan-out (issue 15 §5): 32 subscribers reading as fast as they can and a
 * publisher writing as fast as the server takes it. Every subscriber gets every message
 * and none is cut: while a subscriber is behind, the publisher's reads are paused (the
 * server's back-pressure), and the write deadline only cuts a socket that takes nothing.
 * A subscriber that really stops reading is still cut, and the others lose nothing.
 *
 * The clients run in a child process (test/helpers/fanout-child.ts) with their own event
 * loop; the server runs here. Bounded: 32 x 40,000 messages of 16 B (~1.3M deliveries), then
 * 8 x 12,000 of 1 KiB beside a dead subscriber, and the child gives up after 150 s. Nothing about speed is asserted.
 */
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startServer } from "../../src/index.js";
import type { FanoutResult } from "../helpers/fanout-child.js";
import { waitFor } from "../helpers/wait-for.js";

const SUBS = 32;
const MSGS = 40_000;
/**
 * With a dead subscriber: 8 live ones and 12 MiB each, well past what a socket that never
 * reads takes into kernel buffers (~4 MiB here), so the server must hold, then cut it.
 */
const LIVE_WITH_DEAD = 8;
const DEAD_MSGS = 12_000;
const CHILD = fileURLToPath(new URL("../helpers/fanout-child.js", import.meta.url));

/** Runs the clients against `port` and returns what each subscriber received. */
function runClients(port: number, subs: number, msgs: number, size: number, dead: number): Promise<FanoutResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [port, subs, msgs, size, dead].map(String), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result: FanoutResult | null = null;
    child.on("message", (m) => {
      if (m !== "ready") result = m as FanoutResult;
    });
    child.on("error", reject);
    child.on("exit", (code) => (result !== null ? resolve(result) : reject(new Error(`fan-out clients exited with ${code}`))));
  });
}

function summary(r: FanoutResult, msgs: number): string {
  const short = r.received.filter((n) => n < msgs).length;
  return `received min ${Math.min(...r.received)} of ${msgs}, ${short} short, ${r.closed.filter(Boolean).length} closed, ${r.ms} ms`;
}

describe("1->32 fan-out", () => {
  test("32 fast subscribers and a fast publisher: everything delivered, nobody cut", async () => {
    // A short write deadline makes a cut from a backlog that never empties show up here.
    const s = await startServer({ port: 0, host: "127.0.0.1", writeDeadlineMs: 2000, pingIntervalMs: 0 });
    try {
      const r = await runClients(s.port, SUBS, MSGS, 16, 0);
      assert.deepEqual(r.closed, Array<boolean>(SUBS).fill(false), summary(r, MSGS));
      assert.deepEqual(r.received, Array<number>(SUBS).fill(MSGS), summary(r, MSGS));
      assert.equal(r.publisherClosed, false);
      assert.equal(s.server.slowConsumers, 0);
      assert.equal(s.server.outMsgs, SUBS * MSGS);
    } finally {
      await s.close();
    }
  });

  test("one subscriber that stops reading is cut; the others still get everything", async () => {
    const s = await startServer({ port: 0, host: "127.0.0.1", writeDeadlineMs: 1000, pingIntervalMs: 0 });
    try {
      const r = await runClients(s.port, LIVE_WITH_DEAD, DEAD_MSGS, 1024, 1);
      assert.deepEqual(r.closed, Array<boolean>(LIVE_WITH_DEAD).fill(false), summary(r, DEAD_MSGS));
      assert.deepEqual(r.received, Array<number>(LIVE_WITH_DEAD).fill(DEAD_MSGS), summary(r, DEAD_MSGS));
      assert.equal(r.publisherClosed, false);
      // The dead one: cut as a slow consumer (at the write deadline or max_pending).
      await waitFor(() => s.server.slowConsumers > 0, { timeoutMs: 30_000, what: "the dead subscriber cut" });
      assert.equal(s.server.slowConsumers, 1);
      const reasons = s.server.closedClients.map((c) => c.reason).filter((x) => x.startsWith("Slow Consumer"));
      assert.equal(reasons.length, 1, reasons.join(", "));
    } finally {
      await s.close();
    }
  });
});
