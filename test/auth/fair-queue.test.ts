/** The bcrypt waiting room alone: fairness between sources, bounds, dead items. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FairQueue } from "../../src/auth/fair-queue.js";

interface Item {
  name: string;
  dead: boolean;
}
const item = (name: string): Item => ({ name, dead: false });
const drain = (q: FairQueue<Item>): string[] => {
  const out: string[] = [];
  for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x.name);
  return out;
};

test("sources are served round-robin, each in its own order", () => {
  const q = new FairQueue<Item>(100, 100, (x) => x.dead);
  for (let i = 1; i <= 4; i++) q.push("attacker", item(`a${i}`));
  q.push("user", item("u1"));
  q.push("other", item("o1"));
  q.push("user", item("u2"));
  assert.deepEqual(drain(q), ["a1", "u1", "o1", "a2", "u2", "a3", "a4"]);
  assert.equal(q.size, 0);
});

test("one source cannot take more than its share; the others still get in", () => {
  const q = new FairQueue<Item>(10, 3, (x) => x.dead);
  for (let i = 0; i < 3; i++) assert.equal(q.push("attacker", item(`a${i}`)), true);
  assert.equal(q.push("attacker", item("a3")), false);
  assert.equal(q.push("user", item("u")), true);
  assert.equal(q.size, 4);
});

test("the total is bounded", () => {
  const q = new FairQueue<Item>(4, 3, (x) => x.dead);
  const pushed = ["s1", "s2", "s3", "s4", "s5"].map((s) => q.push(s, item(s)));
  assert.deepEqual(pushed, [true, true, true, true, false]);
});

test("dead items are skipped when served and dropped when room is needed", () => {
  const dropped: string[] = [];
  const q = new FairQueue<Item>(4, 2, (x) => {
    if (x.dead) dropped.push(x.name);
    return x.dead;
  });
  const a0 = item("a0");
  const a1 = item("a1");
  q.push("a", a0);
  q.push("a", a1);
  a0.dead = true;
  // The source is at its share, but one of its items is dead: it makes room.
  assert.equal(q.push("a", item("a2")), true);
  assert.deepEqual(dropped, ["a0"]);
  q.push("b", item("b0"));
  q.push("c", item("c0"));
  assert.equal(q.size, 4);
  a1.dead = true;
  // Full in total, one dead item anywhere makes room.
  assert.equal(q.push("d", item("d0")), true);
  assert.deepEqual(drain(q), ["a2", "b0", "c0", "d0"]);
  assert.deepEqual(dropped, ["a0", "a1"]);
});
