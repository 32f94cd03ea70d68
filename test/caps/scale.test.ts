/**
 * A generated tree of 600 packages (a binary dependency tree, every package with a
 * class, a method called by a name many packages share, an export nobody calls, a
 * CLI nobody imports, one in ten opening a socket) must stay linear: CPU time per
 * package for 600 packages within 3x of that for 150 (a quadratic step would be 4x).
 * The answer is checked too, so speed does not come from skipping work.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyseProject } from "../../src/caps/analyse.js";

let work = "";
before(() => {
  work = mkdtempSync(join(tmpdir(), "caps-scale-"));
});
after(() => rmSync(work, { recursive: true, force: true }));

function children(i: number, n: number): number[] {
  return [2 * i + 1, 2 * i + 2].filter((j) => j < n);
}

/** Writes a project depending on p0, whose dependencies fan out to p0..p(n-1), all installed flat. */
function generate(n: number): string {
  const root = join(work, `tree-${n}`);
  mkdirSync(join(root, "node_modules"), { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: `scale-${n}`, version: "1.0.0", main: "index.js", dependencies: { p0: "1.0.0" } }));
  writeFileSync(join(root, "index.js"), "const p0 = require('p0');\nmodule.exports = () => p0.run(1);\n");
  for (let i = 0; i < n; i++) {
    const dir = join(root, "node_modules", `p${i}`);
    mkdirSync(dir);
    const kids = children(i, n);
    const deps = Object.fromEntries(kids.map((j) => [`p${j}`, "1.0.0"]));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `p${i}`, version: "1.0.0", main: "index.js", bin: { [`p${i}`]: "cli.js" }, dependencies: deps }));
    const lines = [
      "const fs = require('fs');",
      ...kids.map((j) => `const c${j} = require('p${j}');`),
      `class Store${i} {`,
      "  constructor() { this.m = new Map(); }",
      "  get(k) { return this.m.get(k); }",
      "  save() { return fs.writeFileSync('x', 'y'); }",
      "}",
      "exports.Store = Store" + i + ";",
      "exports.run = function run(x) {",
      "  const s = new Store" + i + "();",
      `  return [x].map((v) => (s.get(v) ?? v)${kids.map((j) => ` + c${j}.run(v)`).join("")});`,
      "};",
      "exports.unused = function unused() { return require('child_process').execSync('true'); };",
    ];
    if (i % 10 === 0) lines.push("exports.ping = function ping() { return require('net').connect(4222); };", "exports.run2 = exports.run;", "setImmediate(() => exports.ping());");
    writeFileSync(join(dir, "index.js"), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "cli.js"), "#!/usr/bin/env node\nrequire('fs').rmSync(process.argv[2]);\nprocess.exit(0);\n");
  }
  return root;
}

function cpuSeconds(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

test("600 generated packages: the right answer, in time linear in the number of packages", (t) => {
  const small = generate(150);
  const large = generate(600);
  analyseProject(generate(20), { includeDev: false, granularity: "function" }); // warm the JIT
  let report = null as ReturnType<typeof analyseProject>["report"] | null;
  const tSmall = cpuSeconds(() => analyseProject(small, { includeDev: false, granularity: "function" }));
  const tLarge = cpuSeconds(() => {
    report = analyseProject(large, { includeDev: false, granularity: "function" }).report;
  });
  const ratio = tLarge / 600 / (tSmall / 150);
  t.diagnostic(`150 packages ${tSmall.toFixed(2)} s, 600 packages ${tLarge.toFixed(2)} s CPU; per-package ratio ${ratio.toFixed(2)}`);
  assert.ok(report);
  const r = report as NonNullable<typeof report>;
  assert.equal(r.packages.length, 601);
  assert.ok(r.packages.every((p) => p.reached), "every package is reached through run()");
  const p0 = r.packages.find((p) => p.name === "p0");
  // NETWORK through the setImmediate callbacks of every tenth package; nothing saves, nothing execs.
  assert.deepEqual(Object.keys(p0?.capabilities ?? {}), ["NETWORK"]);
  assert.deepEqual(Object.keys(r.packages.find((p) => p.name === "p301")?.capabilities ?? {}), [], "p301, a leaf, opens no socket");
  assert.ok(r.packages.every((p) => !p.capabilities.EXEC && !p.capabilities.FILES), "CLIs and unused exports are not reached");
  assert.ok(ratio < 3, `per-package time grew ${ratio.toFixed(2)}x from 150 to 600 packages`);
});
