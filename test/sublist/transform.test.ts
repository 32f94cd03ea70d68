/** Subject mappings without I/O: rewrites, partitions, weights and errors. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fnv1a32, SubjectMappings, SubjectTransform } from "../../src/sublist/transform.js";
import { prng } from "../helpers/prng.js";

describe("SubjectTransform", () => {
  const cases: Array<[string, string, string, string | null]> = [
    ["foo", "bar", "foo", "bar"],
    ["foo", "bar", "foo.x", null],
    ["bar.*.*", "baz.$2.$1", "bar.a.b", "baz.b.a"],
    ["w.*", "{{wildcard(1)}}.w", "w.x", "x.w"],
    ["w.*", "{{ Wildcard( 1 ) }}.w", "w.y", "y.w"],
    ["gt.>", "moved.>", "gt.a.b.c", "moved.a.b.c"],
    ["gt.>", "moved.>", "gt", null],
    ["a.*.>", "b.$1.>", "a.x.y.z", "b.x.y.z"],
    // Values seen from nats-server 2.9.10 with the same mapping: q.7 -> 0, q.8 -> 1, q.abc -> 1.
    ["q.*", "q2.{{wildcard(1)}}.{{partition(2,1)}}", "q.7", "q2.7.0"],
    ["q.*", "q2.{{wildcard(1)}}.{{partition(2,1)}}", "q.8", "q2.8.1"],
    ["q.*", "q2.{{wildcard(1)}}.{{partition(2,1)}}", "q.abc", "q2.abc.1"],
  ];
  for (const [src, dest, subject, want] of cases) {
    test(`${src} -> ${dest}: ${subject}`, () => {
      assert.equal(SubjectTransform.create(src, dest).apply(subject), want);
    });
  }

  test("errors in nats-server's words", () => {
    const err = (src: string, dest: string): string => {
      try {
        SubjectTransform.create(src, dest);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    assert.equal(err("a.*", "b.$2"), "invalid mapping destination: wildcard index out of range in $2: [2]");
    assert.equal(err("a", "b.{{nope(1)}}"), "invalid mapping destination: unknown function in {{nope(1)}}");
    assert.equal(err("t.*.*", "t.$1"), "invalid mapping destination: not using all of the token wildcard(s) in t.$1");
    assert.equal(err("a.>", "b"), "invalid subject");
  });

  test("FNV-1a 32 matches Go's hash/fnv", () => {
    assert.equal(fnv1a32(""), 0x811c9dc5);
    assert.equal(fnv1a32("a"), 0xe40c292c);
    assert.equal(fnv1a32("foobar"), 0xbf9cf968);
  });
});

describe("SubjectMappings", () => {
  test("literal sources first, then wildcard sources in order; unmatched subjects stay", () => {
    const m = new SubjectMappings([
      { source: "a.*", destinations: [{ subject: "wild.$1", weight: 100 }] },
      { source: "a.b", destinations: [{ subject: "literal", weight: 100 }] },
      { source: "a.>", destinations: [{ subject: "rest.>", weight: 100 }] },
    ]);
    assert.equal(m.map("a.b"), "literal");
    assert.equal(m.map("a.c"), "wild.c");
    assert.equal(m.map("a.c.d"), "rest.c.d");
    assert.equal(m.map("zzz"), "zzz");
  });

  test("weights split traffic; an unclaimed share keeps the subject", () => {
    const m = new SubjectMappings(
      [
        {
          source: "svc",
          destinations: [
            { subject: "svc.v1", weight: 60 },
            { subject: "svc.v2", weight: 30 },
          ],
        },
      ],
      prng(7),
    );
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const s = m.map("svc");
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    const share = (s: string): number => (counts.get(s) ?? 0) / 10_000;
    assert.ok(Math.abs(share("svc.v1") - 0.6) < 0.03, `v1 ${share("svc.v1")}`);
    assert.ok(Math.abs(share("svc.v2") - 0.3) < 0.03, `v2 ${share("svc.v2")}`);
    assert.ok(Math.abs(share("svc") - 0.1) < 0.03, `unmapped ${share("svc")}`);
  });

  test("weights over 100% are refused", () => {
    assert.throws(
      () =>
        new SubjectMappings([
          {
            source: "a",
            destinations: [
              { subject: "b", weight: 70 },
              { subject: "c", weight: 40 },
            ],
          },
        ]),
      /more than 100%/,
    );
  });
});
