import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TsnatsError } from "../../src/errors.js";
import {
  EMPTY_RESULT,
  SL_CACHE_MAX,
  Sublist,
  type SublistResult,
} from "../../src/sublist/index.js";

/** A subscription as the server would own it: identity matters, not content. */
class Sub {
  constructor(readonly subject: string, readonly queue: string | null = null) {}
}

const qsub = (subject: string, queue: string): Sub => new Sub(subject, queue);

/** The queue group holding `sub` in a result (groups are not ordered). */
function groupOf(r: SublistResult<Sub>, sub: Sub): readonly Sub[] {
  const group = r.qsubs.find((g) => g[0]?.queue === sub.queue);
  assert.ok(group, `no queue group ${String(sub.queue)} in result`);
  return group;
}

function assertQMember(r: SublistResult<Sub>, sub: Sub): void {
  assert.ok(groupOf(r, sub).includes(sub), `${sub.subject} [${String(sub.queue)}] not in its group`);
}

function assertPSubs(r: SublistResult<Sub>, expected: readonly Sub[]): void {
  assert.equal(r.psubs.length, expected.length, "psubs length");
  for (const sub of expected) assert.ok(r.psubs.includes(sub), `${sub.subject} missing from psubs`);
}

// Every test runs with and without the result cache (nats-server sublist_test.go does the same).
for (const cache of [true, false]) {
  const label = cache ? "with cache" : "without cache";
  const newSublist = (): Sublist<Sub> => new Sublist<Sub>({ cache });

  describe(`Sublist ${label}`, () => {
    test("init and insert count", () => {
      const s = newSublist();
      assert.equal(s.count(), 0);
      assert.equal(s.cacheEnabled, cache);
      s.insert(new Sub("foo"));
      s.insert(new Sub("bar"));
      s.insert(new Sub("foo.bar"));
      assert.equal(s.count(), 3);
    });

    test("simple literal and multi-token match", () => {
      const s = newSublist();
      const a = new Sub("foo");
      const b = new Sub("foo.bar.baz");
      s.insert(a);
      s.insert(b);
      assertPSubs(s.match("foo"), [a]);
      assertPSubs(s.match("foo.bar.baz"), [b]);
      assert.equal(s.match("foo.bar"), EMPTY_RESULT);
    });

    test("partial wildcard, in the middle and at the end", () => {
      const s = newSublist();
      const lsub = new Sub("a.b.c");
      const mid = new Sub("a.*.c");
      const end = new Sub("a.b.*");
      const first = new Sub("*.b.c");
      for (const sub of [lsub, mid, end, first]) s.insert(sub);
      assertPSubs(s.match("a.b.c"), [lsub, mid, end, first]);
      assertPSubs(s.match("a.x.c"), [mid]);
      assertPSubs(s.match("a.b.x"), [end]);
      assertPSubs(s.match("a.b"), []);
      assertPSubs(s.match("a.b.c.d"), []);
    });

    test("full wildcard", () => {
      const s = newSublist();
      const lsub = new Sub("a.b.c");
      const fsub = new Sub("a.>");
      const all = new Sub(">");
      for (const sub of [lsub, fsub, all]) s.insert(sub);
      assertPSubs(s.match("a.b.c"), [lsub, fsub, all]);
      assertPSubs(s.match("a.b"), [fsub, all]);
      assertPSubs(s.match("a"), [all]); // `a.>` needs at least one more token
      assertPSubs(s.match("b"), [all]);
    });

    test("mixed wildcards", () => {
      const s = newSublist();
      const subs = ["foo.*.baz", "foo.*.>", "*.bar.>", "foo.bar.baz", "*.*.*", ">", "foo.>", "*.bar.baz.qux"]
        .map((subject) => new Sub(subject));
      for (const sub of subs) s.insert(sub);
      const bySubject = (...subjects: string[]): Sub[] => subs.filter((sub) => subjects.includes(sub.subject));
      assertPSubs(s.match("foo.bar.baz"),
        bySubject("foo.*.baz", "foo.*.>", "*.bar.>", "foo.bar.baz", "*.*.*", ">", "foo.>"));
      assertPSubs(s.match("foo.bar.baz.qux"), bySubject("foo.*.>", "*.bar.>", ">", "foo.>", "*.bar.baz.qux"));
      assertPSubs(s.match("x.bar"), bySubject(">"));
    });

    test("two-token publish does not match a one-token subscription (nats-server bug #18)", () => {
      const s = newSublist();
      const sub = new Sub("foo");
      s.insert(sub);
      assertPSubs(s.match("foo"), [sub]);
      assertPSubs(s.match("foo.bar"), []);
    });

    test("wildcard characters inside tokens are literals", () => {
      const s = newSublist();
      for (const subject of ["foo.*-", "foo.>-", "foo.*bar", "foo>"]) {
        const sub = new Sub(subject);
        s.insert(sub);
        assertPSubs(s.match("foo.bar"), []);
        assertPSubs(s.match(subject), [sub]);
        assert.equal(s.remove(new Sub("foo.bar")), false);
        assert.equal(s.remove(sub), true);
        assert.equal(s.count(), 0);
      }
    });

    test("match on a subject with empty tokens matches nothing and is not cached", () => {
      const s = newSublist();
      s.insert(new Sub(">"));
      s.insert(new Sub("foo.*"));
      for (const subject of ["", ".", ".foo", "foo.", "foo..bar", "..foo", "foo.."]) {
        assert.equal(s.match(subject), EMPTY_RESULT, subject);
        assert.equal(s.hasInterest(subject), false, subject);
      }
      assert.equal(s.cacheCount(), 0);
    });

    test("remove", () => {
      const s = newSublist();
      const sub = new Sub("a.b.c.d");
      s.insert(sub);
      assertPSubs(s.match("a.b.c.d"), [sub]);
      assert.equal(s.remove(new Sub("a.b.c")), false);
      assert.equal(s.remove(new Sub("a.b.c.d")), false, "same subject, other object");
      assert.equal(s.count(), 1);
      assert.equal(s.remove(sub), true);
      assert.equal(s.count(), 0);
      assert.equal(s.remove(sub), false, "already removed");
      assertPSubs(s.match("a.b.c.d"), []);
    });

    test("remove wildcards", () => {
      const s = newSublist();
      const sub = new Sub("a.b.c.d");
      const psub = new Sub("a.b.*.d");
      const fsub = new Sub("a.b.>");
      for (const x of [sub, psub, fsub]) s.insert(x);
      assertPSubs(s.match("a.b.c.d"), [sub, psub, fsub]);
      assert.ok(s.remove(sub));
      assertPSubs(s.match("a.b.c.d"), [psub, fsub]);
      assert.ok(s.remove(fsub));
      assertPSubs(s.match("a.b.c.d"), [psub]);
      assert.ok(s.remove(psub));
      assert.equal(s.count(), 0);
      assertPSubs(s.match("a.b.c.d"), []);
    });

    test("remove of invalid or unknown subjects returns false", () => {
      const s = newSublist();
      s.insert(new Sub("a.b.c"));
      for (const subject of ["a.b..d", "a.>.b", "", "x.y", "a.b", "a.b.c.d", "a.*.c", "a.>"]) {
        assert.equal(s.remove(new Sub(subject)), false, subject);
      }
      assert.equal(s.remove(qsub("a.b.c", "q")), false);
      assert.equal(s.count(), 1);
    });

    test("removal prunes the trie", () => {
      const s = newSublist();
      for (const subject of ["a.b.c.d.e.f", "a.b.*.d.e.>"]) {
        const sub = new Sub(subject);
        assert.equal(s.numLevels(), 0);
        s.insert(sub);
        assert.equal(s.numLevels(), 6);
        s.remove(sub);
        assert.equal(s.numLevels(), 0);
      }
      const deep = new Sub("a.b.c.d");
      const shallow = new Sub("a.b");
      s.insert(deep);
      s.insert(shallow);
      s.remove(deep);
      assert.equal(s.numLevels(), 2, "keeps the nodes still in use");
      assertPSubs(s.match("a.b"), [shallow]);
      s.remove(shallow);
      assert.equal(s.numLevels(), 0);
    });

    test("invalid subjects throw ERR_INVALID_SUBJECT and leave the sublist unchanged", () => {
      const s = newSublist();
      for (const subject of [".foo", "foo.", "foo..bar", "foo.bar..baz", "foo.>.bar", "", "foo bar", ">.>"]) {
        assert.throws(() => s.insert(new Sub(subject)), (err: unknown) => {
          assert.ok(err instanceof TsnatsError);
          assert.equal(err.code, "ERR_INVALID_SUBJECT");
          return true;
        }, subject);
      }
      assert.equal(s.count(), 0);
      assert.equal(s.genId, 0);
      assert.equal(s.numLevels(), 0);
    });

    test("many subscriptions on one subject; remove first, middle and last", () => {
      const s = newSublist();
      const n = 512;
      for (let i = 0; i < n; i++) s.insert(new Sub("foo"));
      const r = s.match("foo");
      assert.equal(r.psubs.length, n);
      const victims = [r.psubs[n / 2], r.psubs[0], r.psubs[n - 1]] as Sub[];
      for (const sub of victims) assert.ok(s.remove(sub));
      const after = s.match("foo");
      assert.equal(after.psubs.length, n - 3);
      for (const sub of victims) assert.ok(!after.psubs.includes(sub));
      assert.equal(r.psubs.length, n, "an earlier result is not modified");
    });

    test("inserting the same object twice is a no-op", () => {
      const s = newSublist();
      const sub = new Sub("foo");
      const q = qsub("foo", "q");
      s.insert(sub);
      s.insert(q);
      s.match("foo");
      const gen = s.genId;
      s.insert(sub);
      s.insert(q);
      assert.equal(s.count(), 2);
      assert.equal(s.genId, gen);
      const r = s.match("foo");
      assert.equal(r.psubs.length, 1);
      assert.equal(groupOf(r, q).length, 1);
    });

    test("basic queue results (nats-server TestSublistBasicQueueResults)", () => {
      const s = newSublist();
      const sub = new Sub("foo");
      const sub1 = qsub("foo", "bar");
      const sub2 = qsub("foo", "baz");
      s.insert(sub1);
      let r = s.match("foo");
      assertPSubs(r, []);
      assert.equal(r.qsubs.length, 1);
      assert.deepEqual(r.qsubs[0], [sub1]);

      s.insert(sub2);
      r = s.match("foo");
      assert.equal(r.qsubs.length, 2);
      assertQMember(r, sub1);
      assertQMember(r, sub2);

      s.insert(sub);
      r = s.match("foo");
      assertPSubs(r, [sub]);
      assert.equal(r.qsubs.length, 2);

      const sub3 = qsub("foo", "bar");
      const sub4 = qsub("foo", "baz");
      s.insert(sub3);
      s.insert(sub4);
      r = s.match("foo");
      assertPSubs(r, [sub]);
      assert.equal(r.qsubs.length, 2);
      assert.equal(groupOf(r, sub1).length, 2);
      assert.equal(groupOf(r, sub2).length, 2);
      for (const q of [sub1, sub2, sub3, sub4]) assertQMember(r, q);

      s.remove(sub);
      r = s.match("foo");
      assertPSubs(r, []);
      assert.equal(r.qsubs.length, 2);

      s.remove(sub1);
      r = s.match("foo");
      assert.equal(groupOf(r, sub3).length, 1);
      assert.equal(groupOf(r, sub2).length, 2);

      s.remove(sub3); // last of "bar"
      r = s.match("foo");
      assert.equal(r.qsubs.length, 1);
      assert.deepEqual(new Set(r.qsubs[0]), new Set([sub2, sub4]));

      s.remove(sub2);
      s.remove(sub4);
      r = s.match("foo");
      assert.equal(r, EMPTY_RESULT);
      assert.equal(s.count(), 0);
    });

    test("queue groups gather members across all matching subjects", () => {
      const s = newSublist();
      const a = qsub("orders.eu", "workers");
      const b = qsub("orders.*", "workers");
      const c = qsub("orders.>", "workers");
      const d = qsub("orders.>", "auditors");
      const p = new Sub("orders.eu");
      for (const sub of [a, b, c, d, p]) s.insert(sub);
      const r = s.match("orders.eu");
      assertPSubs(r, [p]);
      assert.equal(r.qsubs.length, 2);
      assert.deepEqual(new Set(groupOf(r, a)), new Set([a, b, c]));
      assert.deepEqual(groupOf(r, d), [d]);
      const r2 = s.match("orders.us.west");
      assertPSubs(r2, []);
      assert.equal(r2.qsubs.length, 2);
      assert.deepEqual(groupOf(r2, c), [c]);
    });

    test("empty queue name means a plain subscription", () => {
      const s = newSublist();
      const sub = new Sub("foo", "");
      s.insert(sub);
      assertPSubs(s.match("foo"), [sub]);
      assert.equal(s.match("foo").qsubs.length, 0);
      assert.ok(s.remove(sub));
    });

    test("results are frozen and the empty result is shared", () => {
      const s = newSublist();
      s.insert(qsub("foo", "q"));
      s.insert(new Sub("foo"));
      const r = s.match("foo");
      assert.ok(Object.isFrozen(r));
      assert.ok(Object.isFrozen(r.psubs));
      assert.ok(Object.isFrozen(r.qsubs));
      assert.ok(Object.isFrozen(r.qsubs[0]));
      assert.equal(s.match("nothing.here"), EMPTY_RESULT);
      assert.equal(s.match("nothing.else"), EMPTY_RESULT);
      assert.ok(Object.isFrozen(EMPTY_RESULT));
    });

    test("hasInterest", () => {
      const s = newSublist();
      assert.equal(s.hasInterest("foo"), false);
      const lit = new Sub("foo.bar");
      const pwc = new Sub("a.*.c");
      const fwc = new Sub("x.>");
      const q = qsub("q.1", "g");
      for (const sub of [lit, pwc, fwc, q]) s.insert(sub);
      const cases: [string, boolean][] = [
        ["foo.bar", true], ["foo", false], ["foo.bar.baz", false], ["a.b.c", true], ["a.b", false],
        ["a.b.c.d", false], ["x", false], ["x.y", true], ["x.y.z", true], ["q.1", true], ["q.2", false],
      ];
      for (const [subject, expected] of cases) {
        assert.equal(s.hasInterest(subject), expected, subject);
        s.match(subject); // now possibly from the cache
        assert.equal(s.hasInterest(subject), expected, `${subject} after match`);
      }
      s.remove(fwc);
      assert.equal(s.hasInterest("x.y"), false);
      s.remove(q);
      assert.equal(s.hasInterest("q.1"), false);
      // A node on the path with no subscriptions of its own is not interest.
      s.insert(new Sub("deep.path.here"));
      assert.equal(s.hasInterest("deep.path"), false);
    });

    test("genId increases on every insert and remove", () => {
      const s = newSublist();
      const a = new Sub("a");
      const b = new Sub("b.*");
      let last = s.genId;
      const bumped = (): void => {
        assert.ok(s.genId > last, "genId should increase");
        last = s.genId;
      };
      s.insert(a);
      bumped();
      s.insert(b);
      bumped();
      s.match("a");
      assert.equal(s.genId, last, "match does not change genId");
      s.remove(a);
      bumped();
      s.remove(a);
      assert.equal(s.genId, last, "a failed remove does not change genId");
      s.insert(a);
      bumped();
      assert.equal(s.removeBatch([a, b]), 2);
      bumped();
    });

    test("removeBatch removes and reports what it found", () => {
      const s = newSublist();
      const subs = [new Sub("a"), new Sub("a.*"), qsub("a", "q"), new Sub("b.>")];
      for (const sub of subs) s.insert(sub);
      assertPSubs(s.match("a"), [subs[0] as Sub]);
      const stranger = new Sub("a");
      assert.equal(s.removeBatch([subs[0] as Sub, subs[2] as Sub, stranger]), 2);
      assert.equal(s.count(), 2);
      assert.equal(s.match("a"), EMPTY_RESULT);
      assertPSubs(s.match("a.b"), [subs[1] as Sub]);
      assert.equal(s.removeBatch([]), 0);
      assert.equal(s.removeBatch(new Set([subs[1] as Sub, subs[3] as Sub])), 2);
      assert.equal(s.count(), 0);
      assert.equal(s.numLevels(), 0);
    });

    test("all() returns every subscription", () => {
      const s = newSublist();
      const subs = [new Sub("a"), new Sub("a.b"), new Sub("a.*"), new Sub("a.>"), qsub("a", "q"), qsub("a", "q"), new Sub(">")];
      for (const sub of subs) s.insert(sub);
      const all = s.all();
      assert.equal(all.length, subs.length);
      assert.deepEqual(new Set(all), new Set(subs));
      const out: Sub[] = [new Sub("pre")];
      assert.equal(s.all(out), out);
      assert.equal(out.length, subs.length + 1);
    });

    test("stats", () => {
      const s = newSublist();
      const subs = [new Sub("foo"), new Sub("foo"), new Sub("foo.*"), qsub("foo", "q"), qsub("foo", "q")];
      for (const sub of subs) s.insert(sub);
      s.remove(subs[1] as Sub);
      s.match("foo");
      s.match("foo");
      s.match("bar");
      const st = s.stats();
      assert.equal(st.numSubs, 4);
      assert.equal(st.numInserts, 5);
      assert.equal(st.numRemoves, 1);
      assert.equal(st.numMatches, 3);
      if (cache) {
        assert.equal(st.numCache, 2);
        assert.equal(st.cacheHitRate, 1 / 3);
        assert.equal(st.maxFanout, 2, "foo: one plain subscriber and one queue group");
        assert.equal(st.avgFanout, 1, "(2 + 0) / 2 cached subjects");
      } else {
        assert.deepEqual(
          [st.numCache, st.cacheHitRate, st.maxFanout, st.avgFanout],
          [0, 0, 0, 0],
        );
      }
    });

    test("cache stays correct across inserts and removes (nats-server TestSublistCache)", () => {
      const s = newSublist();
      const subject = "a.b.c.d";
      const sub = new Sub(subject);
      const psub = new Sub("a.b.*.d");
      const fsub = new Sub("a.b.>");
      s.insert(sub);
      assertPSubs(s.match(subject), [sub]);
      s.insert(psub);
      s.insert(fsub);
      assertPSubs(s.match(subject), [sub, psub, fsub]);
      s.remove(sub);
      assertPSubs(s.match(subject), [psub, fsub]);
      s.remove(fsub);
      assertPSubs(s.match(subject), [psub]);
      s.remove(psub);
      assertPSubs(s.match(subject), []);
      // The empty subject's entry is the shared empty result.
      assert.equal(s.match(subject), EMPTY_RESULT);
    });

    test("cache is bounded", () => {
      const s = newSublist();
      s.insert(new Sub("foo.>"));
      for (let i = 0; i < 3 * SL_CACHE_MAX; i++) {
        s.match(`foo.${i}`);
        assert.ok(s.cacheCount() <= SL_CACHE_MAX, `cache count ${s.cacheCount()}`);
      }
      if (!cache) assert.equal(s.cacheCount(), 0);
    });
  });
}
