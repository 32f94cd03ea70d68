import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  EMPTY_RESULT,
  SL_BATCH_PATCH_MAX,
  SL_CACHE_MAX,
  SL_CACHE_SWEEP,
  Sublist,
  matchLiteral,
  type SublistResult,
} from "../../src/sublist/index.js";
import { prng as rng } from "../helpers/prng.js";

class Sub {
  constructor(readonly subject: string, readonly queue: string | null = null) {}
}

/** Canonical form of a result for comparison: sorted ids of plain subs and of each group. */
function canon(r: SublistResult<Sub>, ids: Map<Sub, number>): string {
  const id = (s: Sub): number => ids.get(s) ?? -1;
  const psubs = r.psubs.map(id).sort((x, y) => x - y);
  const groups = r.qsubs.map((g) => `${String(g[0]?.queue)}:${g.map(id).sort((x, y) => x - y).join(",")}`).sort();
  return JSON.stringify({ psubs, groups });
}

/** What match() must return, computed by brute force over every live subscription. */
function oracle(live: Iterable<Sub>, subject: string, ids: Map<Sub, number>): string {
  const psubs: Sub[] = [];
  const groups = new Map<string, Sub[]>();
  for (const sub of live) {
    if (!matchLiteral(subject, sub.subject)) continue;
    if (sub.queue === null) psubs.push(sub);
    else groups.set(sub.queue, [...(groups.get(sub.queue) ?? []), sub]);
  }
  return canon({ psubs, qsubs: [...groups.values()] }, ids);
}

describe("Sublist cache", () => {
  for (const cache of [true, false]) {
    for (const seed of [1, 7, 42, 2024]) {
      test(`randomized inserts/removes/matches agree with brute force (${cache ? "cache" : "no cache"}, seed ${seed})`, () => {
        const rand = rng(seed);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
        const tokens = ["a", "b", "c"];
        const literal = (): string => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(tokens)).join(".");
        const pattern = (): string => {
          const n = 1 + Math.floor(rand() * 3);
          const toks = Array.from({ length: n }, () => (rand() < 0.25 ? "*" : pick(tokens)));
          if (rand() < 0.2) toks[n - 1] = ">";
          return toks.join(".");
        };
        const s = new Sublist<Sub>({ cache });
        const live = new Set<Sub>();
        const ids = new Map<Sub, number>();
        let nextId = 0;
        for (let step = 0; step < 3000; step++) {
          const op = rand();
          if (op < 0.3) {
            const sub = new Sub(pattern(), rand() < 0.3 ? pick(["q1", "q2"]) : null);
            ids.set(sub, nextId++);
            s.insert(sub);
            live.add(sub);
          } else if (op < 0.45 && live.size > 0) {
            const sub = pick([...live]);
            assert.ok(s.remove(sub));
            live.delete(sub);
          } else if (op < 0.48 && live.size > 0) {
            const batch = [...live].filter(() => rand() < 0.3);
            assert.equal(s.removeBatch(batch), batch.length);
            for (const sub of batch) live.delete(sub);
          } else {
            const subject = literal();
            assert.equal(canon(s.match(subject), ids), oracle(live, subject, ids), `seed ${seed} step ${step} ${subject}`);
            assert.equal(s.hasInterest(subject), oracle(live, subject, ids) !== canon(EMPTY_RESULT, ids));
          }
          assert.equal(s.count(), live.size);
        }
      });
    }
  }

  test("a cache hit returns the identical result object", () => {
    const s = new Sublist<Sub>();
    s.insert(new Sub("hot"));
    const r = s.match("hot");
    assert.equal(s.match("hot"), r);
    assert.equal(s.stats().cacheHitRate, 0.5);
  });

  test("inserts patch the cached results they match and leave the others alone", () => {
    const s = new Sublist<Sub>();
    const hot = new Sub("orders.eu");
    s.insert(hot);
    const before = s.match("orders.eu");
    const other = s.match("orders.us");
    const wild = new Sub("orders.*");
    s.insert(wild);
    assert.equal(s.cacheCount(), 2, "patched, not dropped");
    const after = s.match("orders.eu");
    assert.deepEqual(after.psubs, [hot, wild]);
    assert.deepEqual(before.psubs, [hot], "the old result is unchanged");
    assert.deepEqual(s.match("orders.us").psubs, [wild]);
    assert.equal(other, EMPTY_RESULT);
    const q = new Sub("orders.eu", "workers");
    s.insert(q);
    assert.deepEqual(s.match("orders.eu").qsubs, [[q]]);
    const unrelated = s.match("orders.eu");
    s.insert(new Sub("billing.>"));
    s.insert(new Sub("orders"));
    assert.equal(s.match("orders.eu"), unrelated, "unrelated inserts keep the entry as is");
  });

  test("request/reply churn on _INBOX subjects keeps the hot subject cached", () => {
    const s = new Sublist<Sub>();
    for (let i = 0; i < 100; i++) s.insert(new Sub("svc.echo", "svc"));
    s.insert(new Sub("svc.>"));
    const hot = s.match("svc.echo");
    for (let i = 0; i < 5000; i++) {
      const inbox = new Sub(`_INBOX.client${i % 10}.${i}`);
      const mux = new Sub(`_INBOX.mux${i}.*`);
      s.insert(inbox);
      s.insert(mux);
      assert.equal(s.match("svc.echo"), hot, `iteration ${i}`);
      s.match(inbox.subject); // the reply
      s.match(`_INBOX.mux${i}.1`);
      s.remove(inbox);
      s.remove(mux);
      assert.ok(s.cacheCount() <= SL_CACHE_MAX);
    }
    assert.equal(s.match("svc.echo"), hot);
  });

  test("the sweep keeps recently hit subjects and drains to SL_CACHE_SWEEP", () => {
    const s = new Sublist<Sub>();
    s.insert(new Sub(">"));
    const hot = ["hot.a", "hot.b", "hot.c"].map((subject) => s.match(subject));
    for (let i = 0; i < 4 * SL_CACHE_MAX; i++) {
      s.match(`cold.${i}`);
      if (i % 100 === 0) for (const [j, subject] of ["hot.a", "hot.b", "hot.c"].entries()) {
        assert.equal(s.match(subject), hot[j], `${subject} evicted at ${i}`);
      }
    }
    assert.ok(s.cacheCount() <= SL_CACHE_MAX);
    // One more miss than the bound triggers a sweep down to the drain target.
    let n = 0;
    while (s.cacheCount() !== SL_CACHE_SWEEP + 1 && n++ < 2 * SL_CACHE_MAX) s.match(`x.${n}`);
    assert.equal(s.cacheCount(), SL_CACHE_SWEEP + 1);
  });

  test("removeBatch keeps unrelated entries for few wildcards, clears for many", () => {
    const s = new Sublist<Sub>();
    const hotSub = new Sub("hot");
    s.insert(hotSub);
    const hot = s.match("hot");
    const few = Array.from({ length: SL_BATCH_PATCH_MAX }, (_, i) => new Sub(`conn.${i}.*`));
    for (const sub of few) s.insert(sub);
    s.match("conn.1.x");
    s.removeBatch(few);
    assert.equal(s.match("hot"), hot, "hot subject survives a small batch");
    assert.equal(s.match("conn.1.x"), EMPTY_RESULT);
    const many = Array.from({ length: SL_BATCH_PATCH_MAX + 1 }, (_, i) => new Sub(`conn.${i}.*`));
    for (const sub of many) s.insert(sub);
    s.removeBatch(many);
    assert.equal(s.cacheCount(), 0);
    assert.deepEqual(s.match("hot").psubs, [hotSub]);
  });
});
