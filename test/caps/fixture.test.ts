/**
 * The analyser on the hand-written fixture tree (test/fixtures/caps/basic): every
 * capability, DIRECT and TRANSITIVE, ESM and CJS, aliases, re-exports, dynamic
 * requires, install scripts, a native addon, a file that does not parse, a nested
 * second version of a package. The JSON is checked exactly.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { analyse } from "../../src/caps/cli.js";
import type { CapabilityReport, PathStep } from "../../src/caps/model.js";
import { formatTable, type CapsReport, type PackageReport } from "../../src/caps/report.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/caps/basic", import.meta.url));

function step(pkg: string, at: string, detail: string): PathStep {
  return { package: pkg, at, detail };
}
function direct(pkg: string, at: string, detail: string): CapabilityReport {
  return { kind: "DIRECT", example: [step(pkg, at, detail)] };
}
function entry(name: string, version: string, capabilities: PackageReport["capabilities"], location = `node_modules/${name}`, dev = false): PackageReport {
  return { name, version, location, dev, capabilities };
}

const PROD_PACKAGES: PackageReport[] = [
  entry("benign", "1.0.0", {}),
  entry("broken", "1.0.0", { UNANALYZED: direct("broken@1.0.0", "bad.js:3", "parse error: Unexpected token (3:0)") }),
  entry("dynamic-loader", "1.0.0", {
    ARBITRARY_EXECUTION: direct("dynamic-loader@1.0.0", "index.js:2", "require(<expression>)"),
  }),
  entry("env-reader", "1.0.0", {
    READ_SYSTEM_STATE: direct("env-reader@1.0.0", "index.js:2", "process.env.HOME"),
    MODIFY_SYSTEM_STATE: direct("env-reader@1.0.0", "index.js:3", "process.env.TOUCHED (write)"),
  }),
  entry("exec-tool", "1.0.0", { EXEC: direct("exec-tool@1.0.0", "index.mjs:1", "child_process.spawn") }),
  entry("files-cjs", "1.0.0", { FILES: direct("files-cjs@1.0.0", "index.js:2", "fs.readFile") }),
  entry("files-esm", "1.0.0", { FILES: direct("files-esm@1.0.0", "index.js:5", "fs.readFileSync") }),
  entry("installer", "1.0.0", {
    ARBITRARY_EXECUTION: direct("installer@1.0.0", "build/Release/addon.node", "native addon"),
    INSTALL_SCRIPTS: direct("installer@1.0.0", "package.json#scripts.postinstall", "node build.js"),
  }),
  entry("net-client", "1.0.0", { NETWORK: direct("net-client@1.0.0", "index.js:3", "net.connect") }),
  entry("reexporter", "1.0.0", {
    FILES: direct("reexporter@1.0.0", "index.js:1", "fs.readFile"),
    NETWORK: {
      kind: "TRANSITIVE",
      example: [step("reexporter@1.0.0", "index.js:2", "imports net-client"), step("net-client@1.0.0", "index.js:3", "net.connect")],
    },
  }),
  entry("runtime-user", "1.0.0", { RUNTIME: direct("runtime-user@1.0.0", "index.cjs:1", "worker_threads.Worker") }),
  entry("uses-missing", "1.0.0", { UNANALYZED: direct("uses-missing@1.0.0", "index.js:3", "cannot resolve 'not-installed'") }),
  entry("versioned", "1.0.0", {}),
  entry("versioned", "2.0.0", { FILES: direct("versioned@2.0.0", "index.js:1", "fs") }, "node_modules/wrapper/node_modules/versioned"),
  entry("wrapper", "2.0.0", {
    FILES: {
      kind: "TRANSITIVE",
      example: [step("wrapper@2.0.0", "index.js:1", "imports reexporter"), step("reexporter@1.0.0", "index.js:1", "fs.readFile")],
    },
    NETWORK: {
      kind: "TRANSITIVE",
      example: [
        step("wrapper@2.0.0", "index.js:1", "imports reexporter"),
        step("reexporter@1.0.0", "index.js:2", "imports net-client"),
        step("net-client@1.0.0", "index.js:3", "net.connect"),
      ],
    },
  }),
];

const EXPECTED_PROD: CapsReport = {
  schema: "tsnats-caps/1",
  root: { name: "caps-fixture", version: "1.0.0" },
  includeDev: false,
  packages: PROD_PACKAGES,
  warnings: [],
};

describe("caps on the fixture tree", () => {
  test("runtime dependencies: exact JSON", () => {
    const report = analyse(FIXTURE, false);
    assert.deepEqual(report, EXPECTED_PROD);
    // The report is what --json prints: it must survive a JSON round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(report)), EXPECTED_PROD);
  });

  test("--include-dev adds the dev-only package, flagged dev", () => {
    const report = analyse(FIXTURE, true);
    const devTool = entry("dev-tool", "1.0.0", { EXEC: direct("dev-tool@1.0.0", "bin/dev-tool:2", "child_process.execSync") }, "node_modules/dev-tool", true);
    const packages = [...PROD_PACKAGES];
    packages.splice(2, 0, devTool); // sorted by name: after "broken"
    assert.deepEqual(report, { ...EXPECTED_PROD, includeDev: true, packages });
  });

  test("table: one row per package, transitive capabilities name the next hop", () => {
    const text = formatTable(analyse(FIXTURE, false), false);
    const lines = text.split("\n");
    assert.match(lines[0] as string, /^PACKAGE\s+VERSION\s+CAPABILITIES$/);
    assert.ok(lines.some((l) => /^benign\s+1\.0\.0\s+-$/.test(l)), text);
    assert.ok(lines.some((l) => /^wrapper\s+2\.0\.0\s+FILES \(via reexporter@1\.0\.0\), NETWORK \(via reexporter@1\.0\.0\)$/.test(l)), text);
    assert.match(text, /15 packages, 13 with capabilities\./);
  });

  test("-v: example paths with file:line", () => {
    const text = formatTable(analyse(FIXTURE, false), true);
    assert.match(
      text,
      /NETWORK\s+TRANSITIVE wrapper@2\.0\.0 index\.js:1 imports reexporter -> reexporter@1\.0\.0 index\.js:2 imports net-client -> net-client@1\.0\.0 index\.js:3 net\.connect/,
    );
  });
});
