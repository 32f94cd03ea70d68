import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  isValidLiteralSubject,
  isValidPublishSubject,
  isValidQueueName,
  isValidSubject,
  matchLiteral,
  subjectIsLiteral,
  subjectIsSubsetMatch,
  subjectMatchesFilter,
  tokenizeSubject,
} from "../../src/sublist/index.js";

/** Runs `fn` over a [input, expected] table, naming the failing row. */
function table<A extends unknown[]>(rows: readonly [...A, boolean][], fn: (...args: A) => boolean): void {
  for (const row of rows) {
    const args = row.slice(0, -1) as A;
    const expected = row[row.length - 1];
    assert.equal(fn(...args), expected, `${JSON.stringify(args)} should be ${String(expected)}`);
  }
}

describe("isValidSubject", () => {
  test("nats-server TestSublistValidlSubjects table", () => {
    table<[string]>([
      [".", false], [".foo", false], ["foo.", false], ["foo..bar", false], [">.bar", false],
      ["foo.>.bar", false], ["foo", true], ["foo.bar.*", true], ["foo.bar.>", true], ["*", true],
      [">", true], ["foo*", true], ["foo**", true], ["foo.**", true], ["foo*bar", true],
      ["foo.*bar", true], ["foo*.bar", true], ["*bar", true], ["foo>", true], ["foo.>>", true],
      ["foo>bar", true], ["foo.>bar", true], ["foo>.bar", true], [">bar", true],
    ], (s) => isValidSubject(s));
  });

  test("empty, whitespace and wildcard placement", () => {
    table<[string]>([
      ["", false], ["foo bar", false], ["foo\tbar", false], ["foo\r", false], ["\n", false],
      ["foo.\f", false], [" ", false], ["a. .b", false], ["*.*.>", true], ["*.>", true],
      [">.>", false], ["a.>.>", false], ["a..", false], ["..", false], ["_INBOX.abc.*", true],
      ["$JS.API.>", true], ["foo-bar_baz:1", true], ["ünï.cødé", true],
    ], (s) => isValidSubject(s));
  });

  test("checkRunes rejects NUL and malformed Unicode only when asked", () => {
    table<[string, boolean]>([
      ["foo\u0000bar", false, true], ["foo\u0000bar", true, false],
      ["foo\uFFFD", false, true], ["foo\uFFFD", true, false],
      ["foo.\uD800", true, false], ["\uDC00.foo", true, false], ["a\uD800b", true, false],
      ["emoji.\uD83D\uDE00", true, true], ["ünï.cødé", true, true], ["foo..bar", true, false],
    ], (s, checkRunes) => isValidSubject(s, checkRunes));
  });
});

describe("isValidLiteralSubject", () => {
  test("nats-server TestSublistValidLiteralSubjects table", () => {
    table<[string]>([
      ["foo", true], [".foo", false], ["foo.", false], ["foo..bar", false], ["foo.bar.*", false],
      ["foo.bar.>", false], ["*", false], [">", false], ["foo*", true], ["foo**", true],
      ["foo.**", true], ["foo*bar", true], ["foo.*bar", true], ["foo*.bar", true], ["*bar", true],
      ["foo>", true], ["foo>>", true], ["foo.>>", true], ["foo>bar", true], ["foo.>bar", true],
      ["foo>.bar", true], [">bar", true], ["", false], ["a.*.b", false],
    ], isValidLiteralSubject);
  });

  test("like nats-server, does not check whitespace; isValidPublishSubject does", () => {
    assert.equal(isValidLiteralSubject("foo bar"), true);
    assert.equal(isValidPublishSubject("foo bar"), false);
  });
});

describe("isValidPublishSubject and subjectIsLiteral", () => {
  test("publish subjects are valid and literal", () => {
    table<[string]>([
      ["foo", true], ["foo.bar", true], ["foo.*", false], ["foo.>", false], [">", false],
      ["foo*", true], ["foo.>bar", true], ["", false], ["foo..bar", false], ["foo bar", false],
    ], isValidPublishSubject);
  });

  test("subjectIsLiteral looks only at whole-token wildcards", () => {
    table<[string]>([
      ["foo", true], ["foo.bar", true], ["*", false], [">", false], ["foo.*", false],
      ["*.foo", false], ["foo.*.bar", false], ["foo.>", false], ["foo*", true], ["*foo", true],
      ["foo.>bar", true], ["foo.**", true], ["", true], ["foo..*", false],
    ], subjectIsLiteral);
  });
});

describe("isValidQueueName", () => {
  test("non-empty, no whitespace", () => {
    table<[string]>([
      ["workers", true], ["q.1", true], ["*", true], [">", true], ["", false], ["a b", false],
      ["a\tb", false], ["a\r\n", false],
    ], isValidQueueName);
  });
});

describe("tokenizeSubject", () => {
  test("splits on dots without validating", () => {
    assert.deepEqual(tokenizeSubject("a.b.c"), ["a", "b", "c"]);
    assert.deepEqual(tokenizeSubject("a"), ["a"]);
    assert.deepEqual(tokenizeSubject("a..b"), ["a", "", "b"]);
    assert.deepEqual(tokenizeSubject(""), [""]);
  });
});

describe("matchLiteral", () => {
  test("nats-server TestSublistMatchLiterals table", () => {
    table<[string, string]>([
      ["foo", "foo", true], ["foo", "bar", false], ["foo", "*", true], ["foo", ">", true],
      ["foo.bar", ">", true], ["foo.bar", "foo.>", true], ["foo.bar", "bar.>", false],
      ["stats.test.22", "stats.>", true], ["stats.test.22", "stats.*.*", true],
      ["foo.bar", "foo", false], ["stats.test.foos", "stats.test.foos", true],
      ["stats.test.foos", "stats.test.foo", false], ["stats.test", "stats.test.*", false],
      ["stats.test.foos", "stats.*", false], ["stats.test.foos", "stats.*.*.foos", false],
      ["*bar", "*bar", true], ["foo*", "foo*", true], ["foo*bar", "foo*bar", true],
      ["foo.***.bar", "foo.***.bar", true], [">bar", ">bar", true], ["foo>", "foo>", true],
      ["foo>bar", "foo>bar", true], ["foo.>>>.bar", "foo.>>>.bar", true],
    ], matchLiteral);
  });

  test("wildcards in the literal are plain text, as the trie treats them", () => {
    table<[string, string]>([
      ["foo.>", "foo.*", true], ["foo.*", "foo.*", true], ["foo.*", "foo.bar", false],
      ["foo", "foo.>", false], ["foo.bar.baz", "foo.>", true], ["foo.bar", "*.*.*", false],
      ["a.b", "*.b", true], ["a.b", "*.c", false], ["foo", "fo", false], ["fo", "foo", false],
    ], matchLiteral);
  });
});

describe("subjectIsSubsetMatch", () => {
  test("wildcard subjects against wildcard tests", () => {
    table<[string, string]>([
      ["foo.*", ">", true], ["foo.*", "*.*", true], ["foo.*", "foo.*", true],
      ["foo.*", "foo.bar", false], ["foo.>", ">", true], ["foo.>", "*.>", true],
      ["foo.>", "foo.>", true], ["foo.>", "foo.*", false], ["foo.>", "foo.*.>", false],
      ["foo.*.>", "foo.>", true], ["foo.bar.>", "foo.*.>", true], ["*", ">", true],
      [">", "*", false], [">", ">", true], ["*.*", "*", false], ["*", "*.*", false],
      ["foo", "foo.>", false], ["foo.bar", "foo.>", true], ["foo.bar", "foo.bar", true],
      ["foo.bar", "foo.baz", false], ["foo.bar.baz", "foo.*", false], ["foo", "*", true],
      ["*", "foo", false], ["foo..bar", ">", true], ["foo..bar", "foo.*.>", false], ["foo.bar", "foo..bar", false],
      ["foo*", "*", true], ["foo", "*x", false],
    ], subjectIsSubsetMatch);
  });

  test("subjectMatchesFilter: a literal matches, a wildcard must be a subset", () => {
    table<[string, string]>([
      ["orders.eu.1", "orders.>", true], ["orders.eu.1", "orders.*.1", true],
      ["orders.eu.1", "orders.*", false], ["orders.*.1", "orders.>", true],
      ["orders.>", "orders.*.1", false], ["orders", "orders", true], ["orders", ">", true],
    ], subjectMatchesFilter);
  });
});
