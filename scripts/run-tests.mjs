#!/usr/bin/env node
// Runs the compiled tests with node's test runner. Node 20's --test takes paths, not
// globs, so we list dist/test/**/*.test.js ourselves (helpers under test/ are not tests).
// Usage: node scripts/run-tests.mjs [test/subdir ...]
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const roots = process.argv.slice(2).map((p) => join("dist", p));
if (roots.length === 0) roots.push(join("dist", "test"));

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const files = roots.flatMap((r) => collect(r, []));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(", ")}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const r = spawnSync(
  process.execPath,
  ["--test", `--test-concurrency=${concurrency}`, "--test-timeout=120000", ...files],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
