import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { lex, type Token } from "../../src/config/lexer.js";

/** Compact `type:value` view of a token stream, without the final eof. */
function kinds(src: string): string[] {
  return lex(src)
    .filter((t) => t.type !== "eof")
    .map((t) => (t.value === "" ? t.type : `${t.type}:${t.value}`));
}

function errors(src: string): Token[] {
  return lex(src).filter((t) => t.type === "error");
}

describe("lexer: separators and structure", () => {
  test("key: value, key = value, key value", () => {
    assert.deepEqual(kinds("a: 1\nb = 2\nc 3\n"), ["key:a", "integer:1", "key:b", "integer:2", "key:c", "integer:3"]);
  });

  test("entries end at new line, ';' or ','", () => {
    assert.deepEqual(kinds("a: 1; b: 2, c: x\r\nd: y"), [
      "key:a", "integer:1", "key:b", "integer:2", "key:c", "string:x", "key:d", "string:y",
    ]);
  });

  test("nested maps, with and without separator", () => {
    assert.deepEqual(kinds("authorization { user: a\n inner = { x: 1 } }\ntls: {verify: true}"), [
      "key:authorization", "mapStart", "key:user", "string:a", "key:inner", "mapStart", "key:x", "integer:1",
      "mapEnd", "mapEnd", "key:tls", "mapStart", "key:verify", "bool:true", "mapEnd",
    ]);
  });

  test("arrays: comma or newline separated, nested arrays and maps, trailing comma", () => {
    assert.deepEqual(kinds("a: [1, 2\n 3,\n [x, y], {k: v},\n]"), [
      "key:a", "arrayStart", "integer:1", "integer:2", "integer:3", "arrayStart", "string:x", "string:y",
      "arrayEnd", "mapStart", "key:k", "string:v", "mapEnd", "arrayEnd",
    ]);
  });

  test("empty array and map", () => {
    assert.deepEqual(kinds("a: []\nb: {}"), ["key:a", "arrayStart", "arrayEnd", "key:b", "mapStart", "mapEnd"]);
  });

  test("a top-level { } wrapper is allowed (JSON-like files)", () => {
    assert.deepEqual(kinds('{\n  "port": 4222,\n  "debug": true\n}\n'), ["key:port", "integer:4222", "key:debug", "bool:true"]);
  });

  test("# and // comments everywhere", () => {
    const src = "# top\na: 1 # after\n// slashes\nb: [ # in array\n 1 // x\n]\nc { # in map\n d: 2 // y\n}";
    assert.deepEqual(kinds(src), [
      "key:a", "integer:1", "key:b", "arrayStart", "integer:1", "arrayEnd", "key:c", "mapStart", "key:d", "integer:2", "mapEnd",
    ]);
  });

  test("quoted keys", () => {
    assert.deepEqual(kinds(`"a b": 1\n'c': 2`), ["key:a b", "integer:1", "key:c", "integer:2"]);
  });

  test("positions are 1-based line and column", () => {
    const toks = lex("a: 1\n  bb = \"x\"\n");
    assert.deepEqual(
      toks.map((t) => [t.type, t.line, t.col]),
      [["key", 1, 1], ["integer", 1, 4], ["key", 2, 3], ["string", 2, 8], ["eof", 3, 1]],
    );
  });
});

describe("lexer: values", () => {
  test("bare words keep / : . > * -", () => {
    const src = "store_dir: /tmp/dir\nurl: nats://127.0.0.1:4222\nsubscribe: q.>\nlisten: 0.0.0.0:4222\ns: foo.*.bar-baz\nh: localhost:4222";
    assert.deepEqual(kinds(src), [
      "key:store_dir", "string:/tmp/dir", "key:url", "string:nats://127.0.0.1:4222", "key:subscribe", "string:q.>",
      "key:listen", "string:0.0.0.0:4222", "key:s", "string:foo.*.bar-baz", "key:h", "string:localhost:4222",
    ]);
  });

  test("double-quoted escapes and single-quoted raw strings", () => {
    const toks = lex(`a: "t\\tn\\nr\\rq\\"b\\\\x\\x41\\xc3\\xa9"\nb: 'raw \\n "x"'`);
    assert.equal(toks[1]!.value, 't\tn\nr\rq"b\\xAé');
    assert.equal(toks[3]!.value, 'raw \\n "x"');
  });

  test("integers, negatives, floats", () => {
    assert.deepEqual(kinds("a: 42\nb: -7\nc: 1.5\nd: -0.25\ne: 007"), [
      "key:a", "integer:42", "key:b", "integer:-7", "key:c", "float:1.5", "key:d", "float:-0.25", "key:e", "integer:007",
    ]);
  });

  test("size suffixes are part of the integer token", () => {
    assert.deepEqual(kinds("a: 1k\nb: 64MB\nc: 1GiB\nd: 2Kb\ne: -1m"), [
      "key:a", "integer:1k", "key:b", "integer:64MB", "key:c", "integer:1GiB", "key:d", "integer:2Kb", "key:e", "integer:-1m",
    ]);
  });

  test("digit-led words that are not numbers are strings (2s, 1ms, 1_000, 0x10)", () => {
    assert.deepEqual(kinds("a: 2s\nb: 1ms\nc: 1_000\nd: 0x10\ne: 1h"), [
      "key:a", "string:2s", "key:b", "string:1ms", "key:c", "string:1_000", "key:d", "string:0x10", "key:e", "string:1h",
    ]);
  });

  test("booleans are true/false/yes/no/on/off in any case; enabled/disabled are strings", () => {
    assert.deepEqual(kinds("a: TRUE\nb: no\nc: On\nd: enabled\ne: Disabled"), [
      "key:a", "bool:TRUE", "key:b", "bool:no", "key:c", "bool:On", "key:d", "string:enabled", "key:e", "string:Disabled",
    ]);
  });

  test("ISO8601 Zulu date-time", () => {
    assert.deepEqual(kinds("d: 2016-05-04T18:53:41Z"), ["key:d", "datetime:2016-05-04T18:53:41Z"]);
  });

  test("variables and bcrypt-looking values", () => {
    assert.deepEqual(kinds("a: $FOO\nb: $2a$11$abc"), ["key:a", "variable:FOO", "key:b", "variable:2a$11$abc"]);
  });

  test("block strings end at ')' on its own line", () => {
    assert.deepEqual(kinds("a: (\nline one\n  (two)\n)\nb: 1"), ["key:a", "string:\nline one\n  (two)", "key:b", "integer:1"]);
  });

  test("include, bare or quoted", () => {
    assert.deepEqual(kinds("include ./a.conf\nx { include 'b c.conf' }\nINCLUDE \"d.conf\""), [
      "include:./a.conf", "key:x", "mapStart", "include:b c.conf", "mapEnd", "include:d.conf",
    ]);
  });

  test("a key named include with a separator is a key", () => {
    assert.deepEqual(kinds("include: 5"), ["key:include", "integer:5"]);
  });
});

describe("lexer: errors", () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ["unquoted 1m30s", "a: 1m30s", 1, 4, /quote durations/],
    ["float with unit", "a: 1.5s", 1, 4, /invalid number "1.5s"/],
    ["value starting with '.'", "a: ./x", 1, 4, /floats must start with a digit/],
    ["bad escape", 'a: "\\q"', 1, 6, /invalid escape character 'q'/],
    ["bad hex escape", 'a: "\\xZZ"', 1, 7, /two hexadecimal digits/],
    ["lone minus", "a: -x", 1, 5, /expected a digit after '-'/],
    ["short date", "a: 2016-05", 1, 11, /ISO8601/],
    ["no value before new line", "a:\nb: 1", 1, 3, /expected a value but found new line/],
    ["unterminated string", 'a: "abc', 1, 4, /unexpected EOF in quoted string/],
    ["garbage after value", "a: 1 2", 1, 6, /top-level value to end/],
    ["garbage in map", "m { a: 1 2 }", 1, 10, /map value terminator/],
    ["garbage in array", "a: [1 2]", 1, 7, /array value terminator/],
    ["leading comma in array", "a: [, 1]", 1, 5, /unexpected array value terminator/],
    ["stray separator", ": 1", 1, 1, /unexpected key separator/],
    ["stray closing brace", "}", 1, 1, /unexpected '}'/],
    ["include without path", "include \n", 1, 1, /expected include value/],
  ];
  for (const [name, src, line, col, re] of cases) {
    test(name, () => {
      const errs = errors(src);
      assert.ok(errs.length >= 1, `no error for ${JSON.stringify(src)}`);
      assert.match(errs[0]!.value, re);
      assert.deepEqual([errs[0]!.line, errs[0]!.col], [line, col]);
    });
  }

  test("unclosed blocks are each reported with where they opened", () => {
    const errs = errors("a {\n  b: [\n    1\n");
    assert.deepEqual(
      errs.map((e) => e.value),
      ["unexpected EOF: array '[' opened at 2:6 is not closed", "unexpected EOF: map '{' opened at 1:3 is not closed"],
    );
  });

  test("lexing resumes after an error: every broken line is reported", () => {
    const src = "a: 1m30s\nb: ok\nc: \"\\q\"\nd: [1 2]\ne { f: 1 2 }\ng: fine";
    const errs = errors(src);
    assert.deepEqual(errs.map((e) => e.line), [1, 3, 4, 5]);
    const keys = lex(src).filter((t) => t.type === "key").map((t) => t.value);
    assert.deepEqual(keys, ["a", "b", "c", "d", "e", "f", "g"]);
  });

  test("stops after MAX_LEX_ERRORS errors", () => {
    const toks = lex("x: 1 2\n".repeat(500));
    const errs = toks.filter((t) => t.type === "error");
    assert.ok(errs.length <= 101);
    assert.match(errs.at(-1)!.value, /too many errors/);
    assert.equal(toks.at(-1)!.type, "eof");
  });
});

describe("lexer: robustness", () => {
  const sample = [
    "# sample",
    "port: 4222",
    'authorization { users: [ {user: a, password: "p\\tw"}, {nkey: UABC} ] }',
    "max_payload: 1MB; debug: true",
    "s: 'single', d: 2016-05-04T18:53:41Z, f: -1.5",
    "a: (\nblock\n)",
    "include ./x.conf",
    "v: $VAR",
  ].join("\n");

  test("every prefix of a config lexes to a stream ending in eof, without throwing", () => {
    for (let i = 0; i <= sample.length; i++) {
      const toks = lex(sample.slice(0, i));
      assert.equal(toks.at(-1)!.type, "eof", `prefix ${i}`);
    }
  });

  test("CRLF line endings lex like LF", () => {
    const strip = (ts: Token[]) => ts.map((t) => [t.type, t.value, t.line]);
    const lf = "a: 1\nb {\n c: x\n}\nd: [1\n2]\n";
    assert.deepEqual(strip(lex(lf.replace(/\n/g, "\r\n"))), strip(lex(lf)));
  });

  test("random input always terminates with eof (seeded)", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = 'ab1-.:={}[]"\'\\$#/ \n\t,;()kmBx';
    for (let n = 0; n < 500; n++) {
      let s = "";
      const len = Math.floor(rand() * 40);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const toks = lex(s);
      assert.equal(toks.at(-1)!.type, "eof", JSON.stringify(s));
      assert.ok(toks.length <= s.length * 2 + 2, JSON.stringify(s));
    }
  });
});
