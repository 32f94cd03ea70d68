/**
 * `tsnats caps --trace`: a small project in a temporary directory exercises the hook
 * (a file read, child Node processes, a worker thread, an environment read hidden
 * from the static pass by a computed name, a dependency's CLI that only running it
 * reaches) and the cross-check (that hidden read is reported as a miss, exit 1). Then the cross-check over a bounded subset of
 * tsnats's own tests: nothing used at run time that the static pass did not predict.
 * The whole suite runs the same way (see src/caps/README.md):
 *   node dist/src/cli/tsnats.js caps --trace -- node scripts/run-tests.mjs
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TraceReport } from "../../src/caps/trace.js";
import { preloads } from "../../src/caps/trace-hook.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli/tsnats.js", import.meta.url));

/**
 * Quick tests that between them use every capability tsnats has: sockets and the official
 * client (embedding), the bcrypt worker and lazy requires (bcrypt), files, signals, exit
 * statuses and child processes (logger), the environment (all of them).
 */
const SUBSET = ["dist/test/server/embedding.test.js", "dist/test/auth/bcrypt.test.js", "dist/test/server/logger.test.js"];


function trace(dir: string, command: string[], timeoutMs: number): { code: number | null; report: TraceReport | null; stderr: string } {
  // A `node --test` inside a test would report to this runner (NODE_TEST_CONTEXT) instead of running its files.
  const env = { ...process.env };
  delete env["NODE_TEST_CONTEXT"];
  const r = spawnSync(process.execPath, [CLI, "caps", dir, "--trace", "--json", "--", ...command], {
    cwd: dir,
    env,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  let report: TraceReport | null = null;
  try {
    report = JSON.parse(r.stdout) as TraceReport;
  } catch {
    report = null;
  }
  return { code: r.status, report, stderr: r.stderr };
}

let work = "";
before(() => {
  work = mkdtempSync(join(tmpdir(), "caps-trace-"));
});
after(() => rmSync(work, { recursive: true, force: true }));

test("the hook attributes calls in the process, its children and its workers; a hidden use is a miss", () => {
  const manifest = { name: "traced", version: "1.0.0", type: "module", bin: { traced: "main.js" }, devDependencies: { tool: "^1.0.0" } };
  writeFileSync(join(work, "package.json"), JSON.stringify(manifest));
  // A dependency's CLI that nothing imports: the static pass reaches it only because it ran.
  mkdirSync(join(work, "node_modules/tool"), { recursive: true });
  writeFileSync(join(work, "node_modules/tool/package.json"), JSON.stringify({ name: "tool", version: "1.0.0", bin: { tool: "cli.js" } }));
  writeFileSync(join(work, "node_modules/tool/cli.js"), "require('node:fs').statSync(__dirname);\n");
  writeFileSync(join(work, "helper.cjs"), "module.exports = (x) => x + 1;\n");
  writeFileSync(
    join(work, "main.js"),
    [
      "import { readFileSync } from 'node:fs';",
      "import { spawnSync } from 'node:child_process';",
      "import { Worker } from 'node:worker_threads';",
      "import { createRequire } from 'node:module';",
      "const help = createRequire(import.meta.url)('./helper.cjs');",
      "readFileSync(new URL('./package.json', import.meta.url));",
      "spawnSync(process.execPath, [new URL('./child.js', import.meta.url).pathname], { stdio: 'inherit' });",
      "new Worker(new URL('./worker.js', import.meta.url));",
      "const g = globalThis;",
      "const hidden = g['pro' + 'cess'].env['HOME'];",
      "help(hidden.length);",
      "spawnSync(process.execPath, [new URL('./node_modules/tool/cli.js', import.meta.url).pathname], { stdio: 'inherit' });",
    ].join("\n"),
  );
  writeFileSync(join(work, "child.js"), "process.chdir('.');\n");
  writeFileSync(join(work, "worker.js"), "import dns from 'node:dns';\ndns.getServers();\n");
  const r = trace(work, [process.execPath, "main.js"], 60_000);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.report, r.stderr);
  const used = r.report.used.map((u) => `${u.package} ${u.capability} ${u.at} ${u.api} ${u.predicted ?? "MISSED"}`);
  assert.ok(used.includes("traced FILES main.js:6 fs.readFileSync DIRECT"), used.join("\n"));
  assert.ok(used.includes("traced NETWORK worker.js:2 dns.getServers DIRECT"), used.join("\n"));
  assert.ok(used.includes("traced MODIFY_SYSTEM_STATE child.js:1 process.chdir DIRECT"), used.join("\n"));
  assert.ok(used.includes("traced ARBITRARY_EXECUTION main.js:5 module.createRequire DIRECT"), used.join("\n"));
  assert.ok(used.includes("traced EXEC main.js:7 child_process.spawnSync DIRECT"), used.join("\n"));
  assert.ok(used.includes("traced RUNTIME main.js:8 worker_threads.Worker DIRECT"), used.join("\n"));
  assert.ok(used.includes("tool FILES cli.js:1 fs.statSync DIRECT"), used.join("\n"));
  // The children and the worker were traced too (four processes/threads); the static pass
  // started from the three main scripts (the worker is reached from main.js).
  assert.ok(r.report.processes >= 4, `processes: ${r.report.processes}`);
  assert.equal(r.report.static.entries, 3);
  // Loading helper.cjs reads a file, but Node did that, not main.js: no FILES from the loader.
  assert.ok(!used.some((u) => u.includes("helper.cjs")), used.join("\n"));
  // The environment read behind a computed name is what the static pass cannot see.
  assert.deepEqual(
    r.report.misses.map((m) => `${m.package} ${m.capability} ${m.at}`),
    ["traced READ_SYSTEM_STATE main.js:10"],
  );
});

test("preloaded files count as run: --import/--require/-r/--loader, paths, file: URLs and packages", () => {
  const cwd = REPO.replace(/\/$/, "");
  const args = ["--import=./dist/src/index.js", "-r", "./dist/src/errors.js", "--require", "acorn", "--loader", `file://${cwd}/x.mjs`, "--no-warnings", "--import", "no-such-pkg"];
  assert.deepEqual(preloads(args, cwd), [`${cwd}/dist/src/index.js`, `${cwd}/dist/src/errors.js`, `${cwd}/node_modules/acorn/dist/acorn.js`, `${cwd}/x.mjs`]);
});

test("tsnats's own tests (a bounded subset): no capability used at run time that the static pass missed", { timeout: 110_000 }, (t) => {
  const r = trace(REPO, [process.execPath, "--test", "--test-concurrency=1", ...SUBSET], 100_000);
  assert.ok(r.report, `no JSON report (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  if (r.report.exitCode !== 0) t.diagnostic(r.stderr.slice(-3000));
  t.diagnostic(`${r.report.processes} processes; used: ${r.report.used.map((u) => `${u.package} ${u.capability}`).join(", ")}`);
  assert.deepEqual(r.report.misses, []);
  const used = new Set(r.report.used.map((u) => `${u.package} ${u.capability}`));
  const mine = ["NETWORK", "FILES", "EXEC", "RUNTIME", "ARBITRARY_EXECUTION", "READ_SYSTEM_STATE", "MODIFY_SYSTEM_STATE"];
  for (const want of [...mine.map((c) => `tsnats ${c}`), "@nats-io/transport-node NETWORK"]) {
    assert.ok(used.has(want), `${want} seen at run time`);
  }
  assert.equal(r.report.exitCode, 0, "the traced tests pass");
  // The static pass started from the files that ran: the test runner's children (one per file).
  const st = r.report.static;
  t.diagnostic(`static pass from ${st.entries} files: ${st.packages} packages, ${st.filesParsed} files, ${st.cpuSeconds.toFixed(2)} s CPU, ${st.parseCpuSeconds.toFixed(2)} s in acorn`);
  assert.ok(st.entries >= SUBSET.length, `entries: ${st.entries}`);
});
