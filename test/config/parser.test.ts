import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig, parseInteger, toPlain, type MapNode } from "../../src/config/parser.js";
import { formatIssue } from "../../src/config/issues.js";

function plain(src: string, env: Record<string, string> = {}): unknown {
  const r = parseConfig(src, { file: "t.conf", env });
  assert.deepEqual(r.errors, [], r.errors.map(formatIssue).join("\n"));
  return toPlain(r.tree);
}

function errs(src: string, opts: Parameters<typeof parseConfig>[1] = {}): string[] {
  return parseConfig(src, { file: "t.conf", env: {}, ...opts }).errors.map(formatIssue);
}

describe("parser: values", () => {
  test("scalars of every type", () => {
    assert.deepEqual(
      plain("s: hello\nq: \"a b\"\ni: -12\nf: 1.25\nb: yes\nd: 2016-05-04T18:53:41Z"),
      { s: "hello", q: "a b", i: -12, f: 1.25, b: true, d: new Date("2016-05-04T18:53:41Z") },
    );
  });

  test("nested maps and arrays", () => {
    assert.deepEqual(plain("a { b { c: [1, [2, 3], {d: e}] } }"), { a: { b: { c: [1, [2, 3], { d: "e" }] } } });
  });

  test("a later duplicate key wins", () => {
    assert.deepEqual(plain("port: 1\nport: 2"), { port: 2 });
  });

  test("keys keep their case", () => {
    assert.deepEqual(plain("Port: 1"), { Port: 1 });
  });

  test("every value node carries file, line and col", () => {
    const r = parseConfig("a {\n  b: [x,\n    {c: 1}]\n}", { file: "p.conf" });
    const a = r.tree.entries.get("a")!;
    assert.deepEqual(a.keyPos, { file: "p.conf", line: 1, col: 1 });
    const b = (a.value as MapNode).entries.get("b")!;
    assert.deepEqual(b.value.pos, { file: "p.conf", line: 2, col: 6 });
    assert.ok(b.value.kind === "array");
    assert.deepEqual(b.value.items[1]!.pos, { file: "p.conf", line: 3, col: 5 });
  });

  test("an invalid date is an error", () => {
    assert.deepEqual(errs("d: 2016-13-04T18:53:41Z"), ["t.conf:1:4: expected Zulu formatted DateTime, but got '2016-13-04T18:53:41Z'"]);
  });
});

describe("parser: size suffixes (nats-server conf/parse.go)", () => {
  const table: Array<[string, number]> = [
    ["1", 1],
    ["1k", 1000],
    ["1K", 1000],
    ["1kb", 1024],
    ["1KB", 1024],
    ["1Kb", 1024],
    ["1ki", 1024],
    ["1KiB", 1024],
    ["1m", 1_000_000],
    ["1M", 1_000_000],
    ["1mb", 1024 ** 2],
    ["64MB", 64 * 1024 ** 2],
    ["1mib", 1024 ** 2],
    ["1g", 1e9],
    ["1G", 1e9],
    ["1gb", 1024 ** 3],
    ["1GB", 1024 ** 3],
    ["1t", 1e12],
    ["1tb", 1024 ** 4],
    ["1p", 1e15],
    ["1pb", 1024 ** 5],
    ["1e", 1e18],
    ["1eb", 1024 ** 6],
    ["-2k", -2000],
  ];
  for (const [raw, want] of table) {
    test(`${raw} = ${want}`, () => {
      assert.equal(parseInteger(raw), want);
      assert.deepEqual(plain(`v: ${raw}`), { v: want });
    });
  }

  test("an unknown suffix is an error (nats-server 2.9.10 silently drops the value)", () => {
    assert.match(String(parseInteger("5KBB")), /invalid size suffix 'KBB'/);
    assert.deepEqual(errs("v: 5KBB"), ["t.conf:1:4: invalid size suffix 'KBB' in '5KBB' (use k, kb, m, mb, g, gb, ...)"]);
  });

  test("out of int64 range is an error", () => {
    assert.deepEqual(errs("v: 99999999999999999999"), ["t.conf:1:4: integer '99999999999999999999' is out of the range"]);
    assert.match(errs("v: 10e")[0]!, /out of the range/);
  });
});

describe("parser: variables", () => {
  test("defined earlier in the same block", () => {
    assert.deepEqual(plain("a = 1\nb: $a"), { a: 1, b: 1 });
  });

  test("from an enclosing block, innermost first, arrays skipped", () => {
    assert.deepEqual(plain("x = outer\nm { x = inner\n l: [$x, {y: $x}] }\nn: $x"), {
      x: "outer",
      m: { x: "inner", l: ["inner", { y: "inner" }] },
      n: "outer",
    });
  });

  test("maps and arrays can be variables", () => {
    assert.deepEqual(plain("P = {publish: x}\nu: $P\nL = [1, 2]\nv: $L"), {
      P: { publish: "x" },
      u: { publish: "x" },
      L: [1, 2],
      v: [1, 2],
    });
  });

  test("falls back to the environment, parsing the value", () => {
    assert.deepEqual(plain("a: $N\nb: $S\nc: $Q\nd: $B", { N: "4222", S: "hello", Q: '"quoted str"', B: "true" }), {
      a: 4222,
      b: "hello",
      c: "quoted str",
      d: true,
    });
  });

  test("config definitions shadow the environment", () => {
    assert.deepEqual(plain("N = 1\na: $N", { N: "2" }), { N: 1, a: 1 });
  });

  test("an undefined variable is an error with its position", () => {
    assert.deepEqual(errs("a: 1\nb {\n  c: $NOPE\n}"), ["t.conf:3:6: variable reference for 'NOPE' can not be found"]);
  });

  test("a variable defined after its use is an error", () => {
    assert.deepEqual(errs("b: $a\na: 1"), ["t.conf:1:4: variable reference for 'a' can not be found"]);
  });

  test("an environment value that does not parse is an error", () => {
    assert.deepEqual(errs("a: $E", { env: { E: '"unterminated' } }), [
      "t.conf:1:4: variable reference for 'E' could not be parsed: unexpected EOF in quoted string",
    ]);
  });

  test("a self-referencing environment variable does not loop", () => {
    assert.match(errs("a: $E", { env: { E: "$E" } })[0]!, /nests too deeply|could not be parsed/);
  });

  test("used variables are marked, and the value takes the reference position", () => {
    const r = parseConfig("X = 5\nport: $X\nY = 6", { file: "t.conf", env: {} });
    assert.equal(r.tree.entries.get("X")!.used, true);
    assert.equal(r.tree.entries.get("Y")!.used, false);
    const port = r.tree.entries.get("port")!.value;
    assert.equal(port.variable, "X");
    assert.deepEqual(port.pos, { file: "t.conf", line: 2, col: 7 });
  });

  test("$2a$ values are bcrypt hashes, not references", () => {
    assert.deepEqual(plain("p: $2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG"), {
      p: "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG",
    });
  });
});

describe("parser: include", () => {
  const files: Record<string, string> = {
    "/etc/nats/main.conf": "port: 1\ninclude ./auth.conf\ndebug: true\nm { include sub/inner.conf }",
    "/etc/nats/auth.conf": "authorization { token: t }\nport: 2",
    "/etc/nats/sub/inner.conf": "x: 1",
    "/etc/nats/loop-a.conf": "include loop-b.conf",
    "/etc/nats/loop-b.conf": "include loop-a.conf",
    "/etc/nats/bad.conf": "ok: 1\nbroken: \"\\q\"",
  };
  const readFile = (p: string): string => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT: no such file '${p}'`);
    return text;
  };
  const parse = (file: string) => parseConfig(files[file]!, { file, readFile, env: {} });

  test("keys merge at the include point, relative to the including file", () => {
    const r = parse("/etc/nats/main.conf");
    assert.deepEqual(r.errors, []);
    assert.deepEqual(toPlain(r.tree), { port: 2, authorization: { token: "t" }, debug: true, m: { x: 1 } });
    const tok = (r.tree.entries.get("authorization")!.value as MapNode).entries.get("token")!;
    assert.deepEqual(tok.value.pos, { file: "/etc/nats/auth.conf", line: 1, col: 24 });
  });

  test("include cycles are reported, not followed forever", () => {
    const r = parse("/etc/nats/loop-a.conf");
    assert.equal(r.errors.length, 1);
    assert.match(formatIssue(r.errors[0]!), /^\/etc\/nats\/loop-b\.conf:1:1: .*include cycle/);
  });

  test("a missing include is an error at the include line", () => {
    const r = parseConfig("a: 1\ninclude ./nope.conf", { file: "/etc/nats/x.conf", readFile, env: {} });
    assert.deepEqual(r.errors.map((e) => [e.file, e.line, e.col]), [["/etc/nats/x.conf", 2, 1]]);
    assert.match(r.errors[0]!.message, /error parsing include file '\.\/nope\.conf'/);
  });

  test("errors inside an included file carry that file's name", () => {
    const r = parseConfig("include bad.conf\nafter: 1", { file: "/etc/nats/top.conf", readFile, env: {} });
    assert.deepEqual(r.errors.map(formatIssue), ["/etc/nats/bad.conf:2:11: invalid escape character 'q'; only \\xXX, \\t, \\n, \\r, \\\", \\\\ are allowed"]);
    assert.deepEqual(toPlain(r.tree), { ok: 1, after: 1 });
  });

  test("without a file reader an include is an error", () => {
    assert.match(errs("include x.conf")[0]!, /no file reader/);
  });

  test("fixture files: include relative to the including file on disk", async () => {
    const { readFileSync } = await import("node:fs");
    const { fileURLToPath } = await import("node:url");
    const dir = fileURLToPath(new URL("../../../test/fixtures/config/valid/", import.meta.url));
    const file = join(dir, "include.conf");
    const r = parseConfig(readFileSync(file, "utf8"), { file, readFile: (p) => readFileSync(p, "utf8"), env: {} });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(toPlain(r.tree), { port: 4224, authorization: { user: "alice", password: "wonderland" }, debug: true });
  });
});

describe("parser: errors", () => {
  test("every error is reported, each with file:line:col", () => {
    const src = ["a: 1m30s", "b: $MISSING", "c {", "  d: \"\\q\"", "  e: 5KBB", "}", "f: [1 2]", "g: ok"].join("\n");
    const r = parseConfig(src, { file: "multi.conf", env: {} });
    assert.deepEqual(
      r.errors.map((e) => `${e.file}:${e.line}:${e.col}`),
      ["multi.conf:1:4", "multi.conf:2:4", "multi.conf:4:8", "multi.conf:5:6", "multi.conf:7:7"],
    );
    // Entries around the errors survive.
    assert.deepEqual(toPlain(r.tree), { c: {}, f: [1], g: "ok" });
  });
});
