/** Sublist.walk: every subscription once, in steps, tolerating changes between steps. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Sublist } from "../../src/sublist/index.js";

interface Sub {
  subject: string;
  queue: string | null;
  id: number;
}

function filled(): { sl: Sublist<Sub>; subs: Sub[] } {
  const sl = new Sublist<Sub>();
  const subjects = ["a", "a.b", "a.b.c", "a.*", "a.>", ">", "*.b", "x.y.z", "a.b"];
  const subs: Sub[] = [];
  for (let i = 0; i < 300; i++) {
    const sub = { subject: `${i % 7 === 0 ? `n${i}.` : ""}${subjects[i % subjects.length]!}`, queue: i % 5 === 0 ? `q${i % 3}` : null, id: i };
    sl.insert(sub);
    subs.push(sub);
  }
  return { sl, subs };
}

test("walk returns every subscription exactly once, whatever the step size", () => {
  const { sl, subs } = filled();
  for (const max of [1, 7, 64, 10_000]) {
    const w = sl.walk();
    const out: Sub[] = [];
    let steps = 0;
    while (w.take(out, max)) steps++;
    assert.deepEqual(out.map((s) => s.id).sort((a, b) => a - b), subs.map((s) => s.id), `max=${max}`);
    if (max === 1) assert.ok(steps > 10, "small steps take many calls");
  }
  assert.deepEqual(new Sublist<Sub>().walk().take([], 10), false);
});

test("subscriptions removed between steps are not returned; the walk still ends", () => {
  const { sl, subs } = filled();
  const w = sl.walk();
  const out: Sub[] = [];
  w.take(out, 10);
  const seen = new Set(out.map((s) => s.id));
  const removed = subs.filter((s) => !seen.has(s.id) && s.id % 2 === 0);
  for (const s of removed) sl.remove(s);
  while (w.take(out, 10));
  const ids = new Set(out.map((s) => s.id));
  for (const s of removed) assert.equal(ids.has(s.id), false, `removed ${s.subject} #${s.id}`);
  assert.equal(out.length, ids.size, "no duplicates");
  assert.equal(out.length, subs.length - removed.length);
});
