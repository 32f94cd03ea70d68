/**
 * The analyser on the hand-written basic fixture (test/fixtures/caps/basic): every
 * capability, DIRECT and TRANSITIVE, ESM and CJS, aliases, re-exports, dynamic
 * requires, install scripts, a native addon, a file that does not parse, a nested
 * second version of a package. The project has no code of its own, so it is analysed
 * as the sum of its dependencies' public APIs. Each package is summarised on one line
 * per capability (kind, via, and the sink at the end of the evidence path).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { analyse } from "../../src/caps/cli.js";
import { formatTable, type CapsReport } from "../../src/caps/report.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/caps/basic", import.meta.url));

function summary(r: CapsReport): string[] {
  const out: string[] = [];
  for (const p of r.packages) {
    out.push(`${p.name}@${p.version}${p.dev ? " dev" : ""}${p.reached ? "" : " (not reached)"}`);
    for (const [c, v] of Object.entries(p.capabilities)) {
      const last = v.example[v.example.length - 1];
      out.push(`  ${c} ${v.kind} [${(v.via ?? []).join(",")}] ${last?.package} ${last?.at} ${last?.detail}`);
    }
  }
  return out;
}

const FUNCTION_LEVEL = [
  "benign@1.0.0",
  "broken@1.0.0",
  "  UNANALYZED DIRECT [broken] broken@1.0.0 bad.js:3 parse error: Unexpected token (3:0)",
  "caps-fixture@1.0.0",
  "  FILES TRANSITIVE [files-cjs,files-esm,wrapper] files-cjs@1.0.0 index.js:3 fs.readFile",
  "  NETWORK TRANSITIVE [wrapper] net-client@1.0.0 index.js:3 net.connect",
  "  EXEC TRANSITIVE [exec-tool] exec-tool@1.0.0 index.mjs:2 child_process.spawn",
  "  RUNTIME TRANSITIVE [runtime-user] runtime-user@1.0.0 index.cjs:3 worker_threads.Worker",
  "  ARBITRARY_EXECUTION TRANSITIVE [dynamic-loader,installer] installer@1.0.0 index.js:1 native addon build/Release/addon.node",
  "  READ_SYSTEM_STATE TRANSITIVE [env-reader] env-reader@1.0.0 index.js:2 process.env.HOME",
  "  MODIFY_SYSTEM_STATE TRANSITIVE [env-reader] env-reader@1.0.0 index.js:3 process.env.TOUCHED (write)",
  "  UNANALYZED TRANSITIVE [broken,dynamic-loader,uses-missing] uses-missing@1.0.0 index.js:3 cannot resolve 'not-installed'",
  "dynamic-loader@1.0.0",
  "  ARBITRARY_EXECUTION DIRECT [dynamic-loader] dynamic-loader@1.0.0 index.js:2 require(<expression>)",
  "  UNANALYZED DIRECT [dynamic-loader] dynamic-loader@1.0.0 index.js:2 require(<expression>): module-level fallback",
  "env-reader@1.0.0",
  "  READ_SYSTEM_STATE DIRECT [env-reader] env-reader@1.0.0 index.js:2 process.env.HOME",
  "  MODIFY_SYSTEM_STATE DIRECT [env-reader] env-reader@1.0.0 index.js:3 process.env.TOUCHED (write)",
  "exec-tool@1.0.0",
  "  EXEC DIRECT [exec-tool] exec-tool@1.0.0 index.mjs:2 child_process.spawn",
  "files-cjs@1.0.0",
  "  FILES DIRECT [files-cjs] files-cjs@1.0.0 index.js:3 fs.readFile",
  "files-esm@1.0.0",
  "  FILES DIRECT [files-esm] files-esm@1.0.0 index.js:5 fs.readFileSync",
  "installer@1.0.0",
  "  ARBITRARY_EXECUTION DIRECT [installer] installer@1.0.0 index.js:1 native addon build/Release/addon.node",
  "  INSTALL_SCRIPTS DIRECT [installer] installer@1.0.0 package.json#scripts.postinstall node build.js",
  "net-client@1.0.0",
  "  NETWORK DIRECT [net-client] net-client@1.0.0 index.js:3 net.connect",
  "reexporter@1.0.0",
  "  FILES DIRECT [reexporter] reexporter@1.0.0 index.js:1 fs.readFile",
  "  NETWORK TRANSITIVE [net-client] net-client@1.0.0 index.js:3 net.connect",
  "runtime-user@1.0.0",
  "  RUNTIME DIRECT [runtime-user] runtime-user@1.0.0 index.cjs:3 worker_threads.Worker",
  "uses-missing@1.0.0",
  "  UNANALYZED DIRECT [uses-missing] uses-missing@1.0.0 index.js:3 cannot resolve 'not-installed'",
  "versioned@1.0.0",
  "versioned@2.0.0",
  "  FILES DIRECT [versioned] versioned@2.0.0 index.js:1 fs",
  "wrapper@2.0.0",
  "  FILES TRANSITIVE [reexporter,versioned] reexporter@1.0.0 index.js:1 fs.readFile",
  "  NETWORK TRANSITIVE [reexporter] net-client@1.0.0 index.js:3 net.connect",
];

describe("caps on the basic fixture", () => {
  test("function level: every package, kind, path end", () => {
    const r = analyse(FIXTURE, false);
    assert.equal(r.schema, "tsnats-caps/1");
    assert.equal(r.granularity, "function");
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(summary(r), FUNCTION_LEVEL);
    // The report is what --json prints: it must survive a JSON round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });

  test("the nested second version is told apart by location", () => {
    const r = analyse(FIXTURE, false);
    assert.deepEqual(
      r.packages.filter((p) => p.name === "versioned").map((p) => p.location),
      ["node_modules/versioned", "node_modules/wrapper/node_modules/versioned"],
    );
  });

  test("module level, with dev dependencies: selections count where written; a CLI-only dev tool is not reached", () => {
    const r = analyse(FIXTURE, true, "module");
    const s = summary(r);
    assert.ok(s.includes("dev-tool@1.0.0 dev (not reached)"), s.join("\n"));
    assert.ok(s.includes("  EXEC DIRECT [exec-tool] exec-tool@1.0.0 index.mjs:1 child_process.spawn"), s.join("\n"));
    assert.ok(s.includes("  FILES DIRECT [files-cjs] files-cjs@1.0.0 index.js:2 fs.readFile"), s.join("\n"));
    assert.ok(s.includes("  RUNTIME DIRECT [runtime-user] runtime-user@1.0.0 index.cjs:1 worker_threads.Worker"), s.join("\n"));
  });

  test("table: one row per package, transitive capabilities name the packages they come through", () => {
    const text = formatTable(analyse(FIXTURE, false), false);
    const lines = text.split("\n");
    assert.match(lines[0] as string, /^PACKAGE\s+VERSION\s+CAPABILITIES$/);
    assert.ok(lines.some((l) => /^benign\s+1\.0\.0\s+-$/.test(l)), text);
    assert.ok(lines.some((l) => /^wrapper\s+2\.0\.0\s+FILES \(via reexporter, versioned\), NETWORK \(via reexporter\)$/.test(l)), text);
    assert.match(text, /16 packages, 16 reached, 14 with capabilities \(function level\)\./);
  });

  test("-v: evidence paths function by function, with file:line", () => {
    const text = formatTable(analyse(FIXTURE, false), true);
    assert.match(
      text,
      /NETWORK TRANSITIVE {2}via reexporter\n +caps-fixture@1\.0\.0 +package\.json +<dependencies>: public API of wrapper \(exported API\)\n +→ wrapper@2\.0\.0 +index\.js +<exports>: re-exports the exports of reexporter\/index\.js\n +→ reexporter@1\.0\.0 +index\.js +<exports>: re-exports the exports of net-client\/index\.js\n +→ net-client@1\.0\.0 +index\.js +<exports>: exports connect\n +→ net-client@1\.0\.0 +index\.js:3 +connect: net\.connect\n/,
    );
  });
});
