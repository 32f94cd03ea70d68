import { test } from "node:test";
import assert from "node:assert/strict";
import { rankSubjects, Sampler, HISTORY_SECONDS } from "../../src/monitor/sampler.js";
import { UsageSampler } from "../../src/monitor/usage.js";
import type { Server } from "../../src/server/server.js";
import type { Subscription } from "../../src/server/subscription.js";

function sub(subject: string, delivered: number, queue: string | null = null): Subscription {
  return { subject, queue, delivered } as unknown as Subscription;
}

test("rankSubjects: rates are deltas between snapshots, summed per subject", () => {
  const a = sub("orders.new", 10);
  const b = sub("orders.new", 5, "q");
  const c = sub("metrics.>", 100);
  const first = rankSubjects(null, [a, b, c], 1);
  assert.deepEqual(first.top.map((r) => r.msgsPerSec), [0, 0], "the first snapshot reports no rate");
  a.delivered += 30;
  b.delivered += 10;
  c.delivered += 4;
  const d = sub("late", 6);
  const second = rankSubjects(first.next, [a, b, c, d], 2);
  assert.deepEqual(
    second.top.map((r) => [r.subject, r.msgsPerSec, r.delivered, r.subscriptions, r.queues]),
    [
      ["orders.new", 20, 55, 2, ["q"]],
      ["late", 3, 6, 1, []],
      ["metrics.>", 2, 104, 1, []],
    ],
  );
});

test("rankSubjects keeps the top n and drops subjects with no deliveries", () => {
  const subs = Array.from({ length: 20 }, (_, i) => sub(`s${i}`, 0));
  const r0 = rankSubjects(null, subs, 1);
  subs.forEach((s, i) => (s.delivered = i));
  const r1 = rankSubjects(r0.next, subs, 1, 5);
  assert.deepEqual(r1.top.map((r) => r.subject), ["s19", "s18", "s17", "s16", "s15"]);
  assert.equal(rankSubjects(null, [sub("quiet", 0)], 1).top.length, 0);
});

test("rankSubjects leaves reply inboxes out", () => {
  const subs = [sub("orders.new", 0), sub("_INBOX.abc.*", 0)];
  const r0 = rankSubjects(null, subs, 1);
  subs.forEach((s) => (s.delivered = 50));
  assert.deepEqual(rankSubjects(r0.next, subs, 1).top.map((r) => r.subject), ["orders.new"]);
});

test("Sampler turns counters into per-second rates and keeps a bounded history", () => {
  let now = 1_000_000;
  const server = { inMsgs: 0, outMsgs: 0, inBytes: 0, outBytes: 0, slowConsumers: 0, clients: new Map() } as unknown as Server & { inMsgs: number; inBytes: number };
  const sampler = new Sampler(server, new UsageSampler(), () => now);
  now += 2000;
  server.inMsgs = 100;
  server.inBytes = 4000;
  sampler.tick();
  assert.equal(sampler.history.length, 1);
  assert.equal(sampler.history[0]!.inMsgs, 50);
  assert.equal(sampler.history[0]!.inBytes, 2000);
  for (let i = 0; i < HISTORY_SECONDS + 10; i++) {
    now += 1000;
    sampler.tick();
  }
  assert.equal(sampler.history.length, HISTORY_SECONDS);
  assert.equal(sampler.history.at(-1)!.inMsgs, 0);
  assert.equal(sampler.active, false);
  sampler.markActive();
  assert.equal(sampler.active, true);
});
