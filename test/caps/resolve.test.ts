/**
 * Node's resolution as the analyser does it: `exports` maps (sugar, conditions in
 * object order, nesting, arrays, patterns by specificity, null exclusions, folder
 * mappings), `#imports`, and the resolver on the reach fixture, where the condition
 * Node picks decides which file (and so which capability) is loaded.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ModuleResolver, conditionsFor, resolveExports, resolveSubpathMap } from "../../src/caps/resolve.js";

const FIXTURE = realpathSync(fileURLToPath(new URL("../../../test/fixtures/caps/reach", import.meta.url)));
const IMPORT = conditionsFor("import");
const REQUIRE = conditionsFor("require");

describe("resolveExports", () => {
  test("string and array sugar export the main entry only", () => {
    assert.equal(resolveExports("./main.js", ".", IMPORT), "main.js");
    assert.equal(resolveExports("./main.js", "./sub", IMPORT), null);
    assert.equal(resolveExports(["./a.js", "./b.js"], ".", IMPORT), "a.js");
  });

  test("conditions are tried in the object's order, default last resort", () => {
    const ex = { ".": { browser: "./b.js", require: "./r.cjs", import: "./i.mjs", default: "./d.js" } };
    assert.equal(resolveExports(ex, ".", IMPORT), "i.mjs");
    assert.equal(resolveExports(ex, ".", REQUIRE), "r.cjs");
    const first = { ".": { default: "./d.js", import: "./i.mjs" } };
    assert.equal(resolveExports(first, ".", IMPORT), "d.js");
  });

  test("nested conditions: node → import/require", () => {
    const ex = { node: { import: "./n.mjs", require: "./n.cjs" }, default: "./f.js" };
    assert.equal(resolveExports(ex, ".", IMPORT), "n.mjs");
    assert.equal(resolveExports(ex, ".", REQUIRE), "n.cjs");
    assert.equal(resolveExports({ deno: "./x.js", default: "./f.js" }, ".", IMPORT), "f.js");
  });

  test("a nested condition with no match falls through to the next key", () => {
    const ex = { node: { worker: "./w.js" }, default: "./f.js" };
    assert.equal(resolveExports(ex, ".", IMPORT), "f.js");
  });

  test("arrays: the first valid target", () => {
    assert.equal(resolveExports({ ".": [{ worker: "./w.js" }, "./f.js"] }, ".", IMPORT), "f.js");
    assert.equal(resolveExports({ ".": ["../escape.js", "./ok.js"] }, ".", IMPORT), "ok.js");
  });

  test("subpath patterns: the most specific wins, the match replaces every *", () => {
    const ex = {
      "./features/*": "./lib/*/index.js",
      "./features/private/*": null,
      "./features/*.js": "./js/*.js",
    };
    assert.equal(resolveExports(ex, "./features/x", IMPORT), "lib/x/index.js");
    assert.equal(resolveExports(ex, "./features/y.js", IMPORT), "js/y.js");
    assert.equal(resolveExports(ex, "./features/private/z", IMPORT), null);
    assert.equal(resolveExports({ "./*": "./dist/*/*.js" }, "./a", IMPORT), "dist/a/a.js");
  });

  test("exact keys beat patterns; unexported subpaths are null", () => {
    const ex = { "./a": "./exact.js", "./*": "./pattern/*.js" };
    assert.equal(resolveExports(ex, "./a", IMPORT), "exact.js");
    assert.equal(resolveExports(ex, "./b", IMPORT), "pattern/b.js");
    assert.equal(resolveExports({ ".": "./m.js" }, "./other", IMPORT), null);
  });

  test("targets must stay inside the package", () => {
    assert.equal(resolveExports({ ".": "../outside.js" }, ".", IMPORT), null);
    assert.equal(resolveExports({ ".": "./node_modules/x/index.js" }, ".", IMPORT), null);
    assert.equal(resolveExports({ ".": "lib/no-dot.js" }, ".", IMPORT), null);
  });

  test("folder mappings (deprecated, still honoured)", () => {
    assert.equal(resolveExports({ "./lib/": "./src/" }, "./lib/x.js", REQUIRE), "src/x.js");
  });

  test("#imports may map to another package", () => {
    assert.deepEqual(resolveSubpathMap("#dep", { "#dep": { node: "dep-pkg", default: "./polyfill.js" } }, true, IMPORT), { bare: "dep-pkg" });
    assert.deepEqual(resolveSubpathMap("#util/x", { "#util/*": "./src/util/*.js" }, true, IMPORT), { file: "src/util/x.js" });
  });
});

describe("ModuleResolver on the reach fixture", () => {
  const r = new ModuleResolver(FIXTURE);
  const from = join(FIXTURE, "app.mjs");
  const rel = (res: ReturnType<ModuleResolver["resolve"]>): string => (res.kind === "file" ? res.file.slice(FIXTURE.length + 1) : `${res.kind}: ${res.kind === "missing" ? res.reason : res.name}`);

  test("import and require pick different files of one package", () => {
    assert.equal(rel(r.resolve("cond-lib", from, "import")), "node_modules/cond-lib/node.mjs");
    assert.equal(rel(r.resolve("cond-lib", from, "require")), "node_modules/cond-lib/node.cjs");
    assert.equal(rel(r.resolve("cond-lib/feature/tune", from, "require")), "node_modules/cond-lib/cjs/tune.cjs");
    assert.equal(rel(r.resolve("cond-lib/feature/tune", from, "import")), "node_modules/cond-lib/esm/tune.mjs");
  });

  test("null exclusions and unexported subpaths do not resolve", () => {
    assert.equal(rel(r.resolve("cond-lib/internal/secret.js", from, "require")), "missing: './internal/secret.js' is not exported by cond-lib");
    assert.equal(rel(r.resolve("cond-lib/browser.js", from, "import")), "missing: './browser.js' is not exported by cond-lib");
  });

  test("main, relative files with extension probing, built-ins, missing packages", () => {
    assert.equal(rel(r.resolve("cli-lib", from, "require")), "node_modules/cli-lib/lib.js");
    assert.equal(rel(r.resolve("./lib/helper.cjs", from, "import")), "lib/helper.cjs");
    assert.equal(rel(r.resolve("./plugins/disk", join(FIXTURE, "node_modules/dynamic-lib/index.js"), "require")), "node_modules/dynamic-lib/plugins/disk.js");
    assert.equal(rel(r.resolve("node:fs", from, "import")), "builtin: fs");
    assert.equal(rel(r.resolve("not-there", from, "import")), "missing: cannot resolve 'not-there'");
  });
});
