/**
 * Function-level reachability on the reach fixture (test/fixtures/caps/reach), each
 * dependency built for one case of the issue, with the answer known:
 *   cli-lib       its CLI uses fs, its library does not: no capability, cli.js not loaded
 *   callback-lib  FILES only through a function passed to `map`
 *   class-lib     NETWORK only through a method called on an instance
 *   reexport-lib  FILES through `export { } from`, NETWORK of `export *` not called
 *   dynamic-lib   `require("./plugins/" + name)`: UNANALYZED at the spot, FILES by fallback
 *   cond-lib      the file Node's `exports` conditions pick (import → node.mjs,
 *                 require of a pattern → cjs/*.cjs), not browser/default/esm ones
 * and the project's own `lazy(id) => require(id)` wrapper, resolved through its callers.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyse } from "../../src/caps/cli.js";
import type { Capability } from "../../src/caps/model.js";
import { formatPath, formatTable, type CapsReport, type PackageReport } from "../../src/caps/report.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/caps/reach", import.meta.url));

function pkg(r: CapsReport, name: string): PackageReport {
  const p = r.packages.find((x) => x.name === name);
  assert.ok(p, `${name} in the report`);
  return p;
}
function caps(r: CapsReport, name: string): string[] {
  return Object.keys(pkg(r, name).capabilities);
}
function path(r: CapsReport, name: string, c: Capability): string {
  const cr = pkg(r, name).capabilities[c];
  assert.ok(cr, `${name} has ${c}`);
  return formatPath(cr.example);
}

describe("caps on the reach fixture, function level", () => {
  let r: CapsReport;
  before(() => {
    r = analyse(FIXTURE, false, "function");
  });

  test("a package whose CLI uses fs but whose library does not has no capability", () => {
    const p = pkg(r, "cli-lib");
    assert.deepEqual(p.capabilities, {});
    assert.equal(p.reached, true);
    assert.deepEqual(p.files, { shipped: 2, loaded: ["lib.js"], notLoaded: ["cli.js"] });
    // The unused export's fs call is evidence too: loaded, never called.
    assert.deepEqual(p.unreached, [{ at: "lib.js:2", function: "unusedRead", capability: "FILES", detail: "fs.readFileSync" }]);
  });

  test("a capability reached only through a callback", () => {
    assert.deepEqual(caps(r, "callback-lib"), ["FILES"]);
    assert.equal(
      path(r, "callback-lib", "FILES"),
      "reach-fixture@1.0.0 app.mjs:12 <module> calls readAll -> callback-lib@1.0.0 index.js:8 readAll passes readOne -> callback-lib@1.0.0 index.js:4 readOne fs.readFileSync",
    );
    assert.equal(pkg(r, "callback-lib").unreached?.[0]?.function, "runAll");
  });

  test("a capability reached only through a class method", () => {
    assert.deepEqual(caps(r, "class-lib"), ["NETWORK"]);
    assert.equal(
      path(r, "class-lib", "NETWORK"),
      "reach-fixture@1.0.0 app.mjs:13 <module> calls .connect() -> class-lib@1.0.0 index.js:10 Client.connect net.connect",
    );
    assert.deepEqual(pkg(r, "class-lib").unreached?.map((u) => `${u.function} ${u.capability}`), ["Admin.shutdownHost EXEC"]);
  });

  test("a capability reached through a re-export; the unused re-exported function is not", () => {
    assert.deepEqual(caps(r, "reexport-lib"), ["FILES"]);
    assert.match(path(r, "reexport-lib", "FILES"), /app\.mjs:14 <module> calls loadConfig -> reexport-lib@1\.0\.0 src\/config\.js:4 loadConfig fs\.readFileSync$/);
    assert.deepEqual(pkg(r, "reexport-lib").unreached?.map((u) => u.at), ["src/net.js:2"]);
  });

  test("a dynamic require: UNANALYZED with the spot, the module-level answer behind it", () => {
    const p = pkg(r, "dynamic-lib");
    assert.deepEqual(Object.keys(p.capabilities), ["FILES", "ARBITRARY_EXECUTION", "UNANALYZED"]);
    const spot = p.capabilities.UNANALYZED?.example.at(-1);
    assert.deepEqual(spot, { package: "dynamic-lib@1.0.0", at: "index.js:2", function: "load", detail: "require(<expression>): module-level fallback" });
    assert.match(path(r, "dynamic-lib", "FILES"), /index\.js:2 load require\(<expression>\) \(module-level fallback\) -> .* plugins\/disk\.js:4 list fs\.readdirSync$/);
    // Only files under the literal prefix "./plugins/" are candidates.
    assert.deepEqual(p.files?.notLoaded, ["tools/release.js"]);
  });

  test("the exports conditions Node picks decide the capabilities", () => {
    const p = pkg(r, "cond-lib");
    assert.deepEqual(Object.keys(p.capabilities), ["READ_SYSTEM_STATE", "MODIFY_SYSTEM_STATE"]);
    assert.deepEqual(p.files?.loaded, ["cjs/tune.cjs", "node.mjs"]);
    assert.match(path(r, "cond-lib", "READ_SYSTEM_STATE"), /cond-lib@1\.0\.0 node\.mjs:4 probe os\.cpus$/);
    assert.match(path(r, "cond-lib", "MODIFY_SYSTEM_STATE"), /lib\/helper\.cjs:12 helper calls tune -> cond-lib@1\.0\.0 cjs\/tune\.cjs:2 tune process\.env\.UV_THREADPOOL_SIZE \(write\)$/);
  });

  test("the project: everything through its dependencies; its lazy require is resolved, not arbitrary", () => {
    const p = pkg(r, "reach-fixture");
    assert.equal(p.root, true);
    const kinds = Object.fromEntries(Object.entries(p.capabilities).map(([c, v]) => [c, `${v.kind} ${(v.via ?? []).join(",")}`]));
    assert.deepEqual(kinds, {
      FILES: "TRANSITIVE callback-lib,dynamic-lib,reexport-lib",
      NETWORK: "TRANSITIVE class-lib",
      ARBITRARY_EXECUTION: "TRANSITIVE dynamic-lib",
      READ_SYSTEM_STATE: "TRANSITIVE cond-lib",
      MODIFY_SYSTEM_STATE: "TRANSITIVE cond-lib",
      UNANALYZED: "TRANSITIVE dynamic-lib",
    });
    assert.deepEqual(pkg(r, "cli-lib").entry?.at(-1), { package: "cli-lib@1.0.0", at: "lib.js", function: "<module>", detail: "reached" });
  });

  test("-v prints the evidence, function by function with file:line", () => {
    const text = formatTable(r, true);
    assert.match(text, /cli-lib +1\.0\.0 +-\n +reached through:\n/);
    assert.match(text, /not loaded: cli\.js\n/);
    assert.match(text, /not reached: FILES fs\.readFileSync in unusedRead \(lib\.js:2\)/);
    assert.match(text, /FILES DIRECT {2}via callback-lib\n.*app\.mjs:12 +<module>: calls readAll\n.*→ callback-lib@1\.0\.0 +index\.js:8 +readAll: passes readOne\n/);
    assert.match(text, /7 packages, 7 reached, 6 with capabilities \(function level\)\./);
  });
});

describe("caps on the reach fixture, module level", () => {
  test("a loaded module counts whole: more capabilities, the same files", () => {
    const r = analyse(FIXTURE, false, "module");
    assert.equal(r.granularity, "module");
    assert.deepEqual(caps(r, "cli-lib"), ["FILES"]);
    assert.deepEqual(caps(r, "callback-lib"), ["FILES", "EXEC"]);
    assert.deepEqual(caps(r, "class-lib"), ["NETWORK", "EXEC"]);
    assert.deepEqual(caps(r, "reexport-lib"), ["FILES", "NETWORK"]);
    assert.deepEqual(caps(r, "cond-lib"), ["READ_SYSTEM_STATE", "MODIFY_SYSTEM_STATE"]);
    // The CLI is still not loaded: entry points decide, not granularity.
    assert.deepEqual(pkg(r, "cli-lib").files?.notLoaded, ["cli.js"]);
    assert.equal(path(r, "cli-lib", "FILES"), "reach-fixture@1.0.0 app.mjs:3 imports cli-lib -> cli-lib@1.0.0 lib.js:2 fs.readFileSync");
  });
});

describe("caps on a project whose entry point is missing", () => {
  test("an entry the manifest names but that does not exist is UNANALYZED on the project", () => {
    const dir = mkdtempSync(join(tmpdir(), "caps-noentry-"));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      const m = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
      m["main"] = "./dist/index.js";
      writeFileSync(join(dir, "package.json"), JSON.stringify(m));
      const r = analyse(dir, false);
      const spot = pkg(r, "reach-fixture").capabilities.UNANALYZED;
      assert.deepEqual(spot?.example, [{ package: "reach-fixture@1.0.0", at: "package.json#main", detail: "entry ./dist/index.js does not exist (is the project built?)" }]);
      // The bin that does exist is still analysed.
      assert.ok(pkg(r, "class-lib").capabilities.NETWORK);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
