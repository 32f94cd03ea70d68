/**
 * Mutated config files never crash the config pipeline: every valid fixture, with bytes
 * flipped, deleted, duplicated or truncated, either loads or gives errors with a
 * position. Seeded; FUZZ_SEED=<seed> replays a run.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { configToOptions, parseConfig } from "../../src/config/index.js";
import { prng } from "../helpers/prng.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/config", import.meta.url));

function corpus(): string[] {
  const out: string[] = [];
  for (const sub of ["valid", "invalid", "auth"]) {
    const dir = join(FIXTURES, sub);
    let names: string[] = [];
    try {
      names = readdirSync(dir, { recursive: true }) as string[];
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith(".conf")) out.push(readFileSync(join(dir, n), "utf8"));
  }
  return out;
}

const NOISE = ["{", "}", "[", "]", ":", "=", '"', "'", "$", "#", "\n", " ", "include x", "1KB", "-1", ",", "\\", "{{", "*", ">"];

function mutate(rand: () => number, text: string): string {
  let s = text;
  const edits = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rand() * (s.length + 1));
    switch (Math.floor(rand() * 4)) {
      case 0:
        s = s.slice(0, at) + NOISE[Math.floor(rand() * NOISE.length)] + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 8));
        break;
      case 2:
        s = s.slice(0, at) + s.slice(Math.max(0, at - 20), at) + s.slice(at);
        break;
      default:
        s = s.slice(0, at);
    }
  }
  return s;
}

test("mutated config files load or fail with positioned errors, never throw", () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const rand = prng(seed);
  const files = corpus();
  assert.ok(files.length > 10, `corpus has ${files.length} files`);
  let failed = 0;
  // Bounded: 3000 mutations.
  for (let i = 0; i < 3000; i++) {
    const text = mutate(rand, files[Math.floor(rand() * files.length)]!);
    const env = {};
    let errors: Array<{ line: number; col: number }>;
    try {
      const parsed = parseConfig(text, { file: "fuzz.conf", env, readFile: () => "port: 1\n" });
      errors = parsed.errors.length > 0 ? parsed.errors : configToOptions(parsed.tree, "fuzz.conf").errors;
    } catch (err) {
      assert.fail(`seed ${seed}, case ${i}: threw ${(err as Error).stack}\n--- input ---\n${text}`);
    }
    for (const e of errors) {
      assert.ok(e.line >= 1 && e.col >= 0, `seed ${seed}, case ${i}: error without a position: ${JSON.stringify(e)}`);
    }
    if (errors.length > 0) failed++;
  }
  console.log(`config fuzz seed ${seed}: 3000 mutations, ${failed} rejected with positioned errors`);
});
