/**
 * House rules checked on the source tree (TigerBeetle tidy.zig, nats-server forbidigo):
 * no console output from library code, no owner-less TODOs, files kept small.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));
/** Files that are a page's own browser script, where console is the page's business. */
const BROWSER_CODE = /[/\\]monitor[/\\]dashboard[/\\]/;
const MAX_LINES = 800;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

test("src/ has no console output, no owner-less TODO, no file over 800 lines", () => {
  const problems: string[] = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");
    if (lines.length > MAX_LINES) problems.push(`${file}: ${lines.length} lines (max ${MAX_LINES})`);
    lines.forEach((line, i) => {
      if (!BROWSER_CODE.test(file) && /\bconsole\.(log|info|debug|warn|error)\(/.test(line)) {
        problems.push(`${file}:${i + 1}: console output (use the logger, or process.stdout in a CLI)`);
      }
      if (/\b(TODO|FIXME|XXX)\b(?!\()/.test(line)) problems.push(`${file}:${i + 1}: TODO without an owner, write TODO(name)`);
    });
  }
  assert.deepEqual(problems, []);
});
