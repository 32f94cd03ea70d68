/**
 * The call-graph facts of one file (facts.ts), on source strings: which function calls,
 * passes on or stores what, what the module exports, and where the walk gives up.
 * Facts are printed compactly (`fnName: call imp:fs.readFileSync@3`) so each case
 * reads on a few lines.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { analyseSource } from "../../src/caps/analyse-file.js";
import type { FileFacts, Ref } from "../../src/caps/facts-model.js";

function facts(src: string): FileFacts {
  const f = analyseSource(src, { facts: true }).facts;
  assert.ok(f, "parsed");
  return f;
}

function ref(f: FileFacts, r: Ref | null): string {
  if (r === null) return "-";
  switch (r.k) {
    case "fn":
      return `fn:${f.fns[r.id]?.name}`;
    case "imp":
      return `imp:${[f.sites[r.site]?.specifier, ...r.path].join(".")}`;
    case "self":
      return `self:${r.path.join(".")}`;
    case "field":
      return `.${r.name}`;
    case "obj":
      return `obj#${r.id}`;
    case "any":
      return "any";
  }
}

/** Every fact of every function, one string each. */
function lines(src: string): string[] {
  const f = facts(src);
  const out: string[] = [];
  for (const fn of f.fns) {
    for (const e of fn.edges) out.push(`${fn.name}: ${e.kind} ${e.kind === "fallback" ? e.detail : ref(f, e.ref)}@${e.line}`);
    for (const s of fn.stores) out.push(`${fn.name}: store ${s.name}=${ref(f, s.ref)}@${s.line}`);
  }
  return out;
}

function exportsOf(src: string): Record<string, string[]> {
  const f = facts(src);
  const out: Record<string, string[]> = {};
  for (const [k, v] of f.exports.named) out[k] = v.map((r) => ref(f, r));
  if (f.exports.stars.length > 0) out["*"] = f.exports.stars.map((s) => f.sites[s]?.specifier ?? "?");
  if (f.exports.whole.length > 0) out["module.exports"] = f.exports.whole.map((r) => ref(f, r));
  return out;
}

describe("facts: calls, callbacks, methods", () => {
  test("a callback passed to a higher-order function escapes from the caller", () => {
    const src = "const fs = require('fs');\nfunction readOne(n) { return fs.readFileSync(n); }\nfunction all(ns) { return ns.map(readOne); }";
    assert.deepEqual(lines(src), [
      "<module>: load imp:fs@1",
      "readOne: call imp:fs.readFileSync@2",
      "all: call .map@3",
      "all: escape fn:readOne@3",
    ]);
  });

  test("class methods are stored by name where the class is evaluated; calls on unknown objects go by name", () => {
    const src = "class C extends Base {\n  constructor() { super(); this.x = 1; }\n  run() { return this.step(); }\n  get size() { return 1; }\n}\nnew C().run();";
    assert.deepEqual(lines(src), [
      "<module>: escape fn:C.size@4",
      "<module>: call fn:C@6",
      "<module>: call .run@6",
      "<module>: store run=fn:C.run@3",
      "C.run: call .step@3",
    ]);
  });

  test("local bindings, aliases and object literals are followed", () => {
    const src = "const api = { go() { return 1; } };\nconst f = api.go;\nf();\nconst g = cond ? api.go : other;\ng.call(null);";
    assert.deepEqual(lines(src), [
      "<module>: call fn:go@3",
      "<module>: call fn:go@5",
      "<module>: store go=fn:go@1",
    ]);
  });

  test("imports: named, namespace, default, require with destructuring", () => {
    const src = "import { a } from 'm1';\nimport * as ns from 'm2';\nimport d from 'm3';\nconst { b } = require('m4');\na(); ns.c(); d(); b();";
    assert.deepEqual(lines(src), [
      "<module>: load imp:m1@1",
      "<module>: load imp:m2@2",
      "<module>: load imp:m3@3",
      "<module>: load imp:m4@4",
      "<module>: call imp:m1.a@5",
      "<module>: call imp:m2.c@5",
      "<module>: call imp:m3.default@5",
      "<module>: call imp:m4.b@5",
    ]);
  });

  test("computed calls on unknown objects, eval and Reflect.apply are fallback spots; o[k] of a known object is not", () => {
    const src = "handlers[type]();\nconst t = { a() {}, b() {} };\nt[k]();\neval(code);\nReflect.apply(x[k], null, []);";
    assert.deepEqual(lines(src), [
      "<module>: fallback o[k]()@1",
      "<module>: call fn:a@3",
      "<module>: call fn:b@3",
      "<module>: fallback eval@4",
      "<module>: fallback Reflect.apply@5",
      "<module>: store a=fn:a@2",
      "<module>: store b=fn:b@2",
    ]);
  });

  test("a worker script is loaded from where the worker is started", () => {
    const src = "import { Worker } from 'node:worker_threads';\nexport function start() { return new Worker(new URL('./w.js', import.meta.url)); }";
    assert.ok(lines(src).includes("start: load imp:./w.js@2"), lines(src).join("\n"));
  });
});

describe("facts: exports", () => {
  test("ESM: declarations, specifiers, default, re-exports", () => {
    const src = "export function f() {}\nconst g = () => 1;\nexport { g as h };\nexport default class K {}\nexport * from './all.js';\nexport { x as y } from './one.js';\nexport * as ns from './ns.js';";
    assert.deepEqual(exportsOf(src), {
      default: ["fn:K"],
      y: ["imp:./one.js.x"],
      ns: ["imp:./ns.js"],
      f: ["fn:f"],
      h: ["fn:g"],
      "*": ["./all.js"],
    });
  });

  test("CommonJS: exports.x, module.exports = {...}, module.exports = require()", () => {
    assert.deepEqual(exportsOf("exports.a = function a() {};\nmodule.exports.b = () => 1;"), { a: ["fn:a"], b: ["fn:b"] });
    assert.deepEqual(exportsOf("function a() {}\nmodule.exports = { a, c: require('./c') };"), { a: ["fn:a"], c: ["imp:./c"], "module.exports": ["obj#0"] });
    assert.deepEqual(exportsOf("module.exports = require('./impl');"), { "module.exports": ["imp:./impl"] });
  });

  test("compiler re-export helpers: TypeScript getters, __exportStar, esbuild __export", () => {
    const ts = 'Object.defineProperty(exports, "f", { enumerable: true, get: function () { return m_1.f; } });\nvar m_1 = require("./m");\n__exportStar(require("./all"), exports);';
    assert.deepEqual(exportsOf(ts), { f: ["imp:./m.f"], "*": ["./all"] });
    const esb = "var src_exports = {};\n__export(src_exports, { run: () => run });\nfunction run() {}\nmodule.exports = __toCommonJS(src_exports);";
    assert.deepEqual(exportsOf(esb).run, ["fn:run"]);
  });
});

describe("facts: dynamic loads", () => {
  test("literal parts around the expression are kept", () => {
    const f = facts("require('./locale/' + lang + '.js');\nimport(`./plugins/${p}/index.mjs`);\nrequire(path.join(__dirname, 'lib', name));\nrequire(join(root, 'package.json'));");
    assert.deepEqual(
      f.dynamic.map((d) => `${d.line} ${d.kind} ${d.prefix} ${d.suffix}`),
      ["1 require ./locale/ .js", "2 import ./plugins/ /index.mjs", "3 require ./lib/ ", "4 require null package.json"],
    );
  });

  test("a parameter used as the specifier is remembered with its function", () => {
    const f = facts("function lazy(id) { let m; return () => (m ??= require(id)); }\nconst x = lazy('x-pkg');");
    const d = f.dynamic[0];
    assert.ok(d && d.param);
    assert.equal(f.fns[d.param.fn]?.name, "lazy");
    assert.equal(d.param.index, 0);
    assert.ok(lines("function lazy(id) { return require(id); }\nlazy('x-pkg');").includes("<module>: call fn:lazy@2"));
    assert.deepEqual(f.fns[0]?.edges.find((e) => e.kind === "call")?.args, ["x-pkg"]);
  });
});
