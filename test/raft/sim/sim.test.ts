/**
 * The deterministic simulator in CI: a fixed regression list of seeds, then fresh seeds (from
 * the date) within a time budget. Longer runs on demand: SIM_SEEDS=N (fresh seeds),
 * SIM_BUDGET_MS=ms, SIM_NODES=3|5. A failure prints the seed and the shrunk trace.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { findFailure, formatFailure, shrink } from "./runner.js";
import { runSim } from "./sim.js";

/** Seeds that once found a bug (fixed since) or stress a rare path; keep them passing. */
const REGRESSION = [1, 5, 109, 119, 147, 308, 2084, 164936309];

test("simulator: determinism (a seed replays exactly)", () => {
  const a = runSim({ seed: 424242, nodes: 3 });
  const b = runSim({ seed: 424242, nodes: 3 });
  assert.deepEqual(b.trace, a.trace);
  assert.equal(b.events, a.events);
});

test("simulator: regression seeds keep every invariant", () => {
  for (const nodes of [3, 5]) {
    for (const seed of REGRESSION) {
      const r = runSim({ seed, nodes });
      if (!r.ok) assert.fail(formatFailure(shrink({ opts: { seed, nodes }, result: r }, 20)));
    }
  }
});

test("simulator: fresh seeds within the time budget", () => {
  const budgetMs = Number(process.env.SIM_BUDGET_MS ?? 45_000);
  const count = Number(process.env.SIM_SEEDS ?? 100_000);
  const nodesList = process.env.SIM_NODES ? [Number(process.env.SIM_NODES)] : [3, 5];
  const day = Math.floor(Date.now() / 86_400_000);
  for (const nodes of nodesList) {
    const first = (day * 7919 + nodes * 100_003) % 1_000_000_000;
    const found = findFailure({ first, count, nodes, budgetMs: budgetMs / nodesList.length });
    if (found.failure) assert.fail(formatFailure(shrink(found.failure, 30)));
    process.stdout.write(`# sim: ${found.ran} fresh seeds from ${first} (${nodes} nodes) passed\n`);
  }
});
