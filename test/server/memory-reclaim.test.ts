/**
 * The idle reclaimer (src/server/memory-reclaim.ts) also collects when the V8 heap, not
 * only ArrayBuffer memory, is above its idle floor once traffic stops: what 1,000 closed
 * connections leave behind. Driven look by look (check()), with a counter as the traffic.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryReclaimer, SETTLE_COLLECTIONS } from "../../src/server/memory-reclaim.js";

const MiB = 1024 * 1024;

test("traffic coming back cancels the follow-up collections", () => {
  let traffic = 0;
  let clock = 0;
  const r = new MemoryReclaimer({ activity: () => traffic }, Number.MAX_SAFE_INTEGER, () => clock, 2 * MiB);
  r.start(60_000);
  try {
    r.check();
    let garbage: object[] | null = [];
    for (let i = 0; i < 100_000; i++) garbage.push({ id: i, subject: `s.${i}` });
    garbage = null;
    traffic++;
    clock += 10_000;
    r.check();
    clock += 10_000;
    assert.equal(r.check(), true);
    traffic++;
    clock += 10_000;
    assert.equal(r.check(), false, "traffic again: no follow-up");
    clock += 10_000;
    r.check();
    assert.equal(r.collections, 1, "the heap is back at its floor: nothing left to collect");
  } finally {
    r.stop();
  }
});

test("dead heap objects after a burst get one major collection once traffic stops", () => {
  let traffic = 0;
  let clock = 0;
  // ArrayBuffer threshold out of reach: only the heap criterion can fire.
  const r = new MemoryReclaimer({ activity: () => traffic }, Number.MAX_SAFE_INTEGER, () => clock, 2 * MiB);
  r.start(60_000);
  try {
    assert.equal(r.check(), false, "first look: nothing moved yet, floors taken");
    // A burst: connections come and go, leaving ~8 MB of objects in the old generation.
    let garbage: object[] | null = [];
    for (let i = 0; i < 100_000; i++) garbage.push({ id: i, subject: `s.${i}`, subs: [i] });
    traffic++;
    clock += 10_000;
    assert.equal(r.check(), false, "traffic moved since the last look: no collection yet");
    garbage = null;
    clock += 10_000;
    assert.equal(r.check(), true, "quiet, heap well above its floor: collect");
    assert.equal(r.collections, 1);
    for (let i = 0; i < SETTLE_COLLECTIONS; i++) {
      clock += 10_000;
      assert.equal(r.check(), true, "follow-up collections on the next quiet looks (V8 shrinks the young generation)");
    }
    clock += 10_000;
    assert.equal(r.check(), false, "no traffic since: nothing more to do");
    assert.equal(r.collections, 1 + SETTLE_COLLECTIONS);
  } finally {
    r.stop();
  }
});

test("a server that grew its live heap does not collect after every pause", () => {
  let traffic = 0;
  let clock = 0;
  const r = new MemoryReclaimer({ activity: () => traffic }, Number.MAX_SAFE_INTEGER, () => clock, 2 * MiB);
  r.start(60_000);
  const live: object[] = [];
  try {
    r.check();
    for (let i = 0; i < 100_000; i++) live.push({ id: i, subject: `s.${i}`, subs: [i] });
    for (let episode = 0; episode < 4; episode++) {
      traffic++;
      clock += 10_000;
      r.check();
      clock += 10_000;
      r.check();
    }
    assert.ok(r.collections <= 1 + SETTLE_COLLECTIONS, `live state is not garbage: ${r.collections} collections`);
    assert.equal(live.length, 100_000);
  } finally {
    r.stop();
  }
});

test("a young generation grown by a burst of connections gets collections once they close", () => {
  let traffic = 0;
  let clock = 0;
  // What 1,000 connections opened and closed leave: little dead heap, much committed heap.
  const m = { arrayBuffers: MiB, heapUsed: 6 * MiB, heapTotal: 10 * MiB };
  const r = new MemoryReclaimer({ activity: () => traffic }, 16 * MiB, () => clock, 8 * MiB, () => ({ ...m }));
  r.start(60_000);
  try {
    assert.equal(r.check(), false, "first look: floors taken");
    traffic++;
    m.heapUsed = 11 * MiB;
    m.heapTotal = 27 * MiB;
    clock += 10_000;
    assert.equal(r.check(), false, "connections came and went since the last look");
    clock += 10_000;
    assert.equal(r.check(), true, "quiet, 17 MB committed above the floor though only 5 MB in use: collect");
    // The collections free the dead objects and V8 shrinks the young generation.
    m.heapUsed = 6 * MiB;
    m.heapTotal = 11 * MiB;
    for (let i = 0; i < SETTLE_COLLECTIONS; i++) {
      clock += 10_000;
      assert.equal(r.check(), true, "follow-up collections");
    }
    clock += 10_000;
    assert.equal(r.check(), false, "back near the floors: nothing more to do");
  } finally {
    r.stop();
  }
});

test("committed heap that stays after the collections (live state grew) does not cause one per pause", () => {
  let traffic = 0;
  let clock = 0;
  const m = { arrayBuffers: MiB, heapUsed: 6 * MiB, heapTotal: 10 * MiB };
  const r = new MemoryReclaimer({ activity: () => traffic }, 16 * MiB, () => clock, 8 * MiB, () => ({ ...m }));
  r.start(60_000);
  try {
    r.check();
    // 100,000 subscriptions arrive and stay: the heap in use and committed both grow, for good.
    m.heapUsed = 30 * MiB;
    m.heapTotal = 40 * MiB;
    for (let episode = 0; episode < 5; episode++) {
      traffic++;
      clock += 10_000;
      r.check();
      clock += 10_000;
      r.check();
      clock += 10_000;
      r.check();
    }
    assert.ok(r.collections <= 1 + SETTLE_COLLECTIONS, `live state is not garbage: ${r.collections} collections`);
  } finally {
    r.stop();
  }
});
