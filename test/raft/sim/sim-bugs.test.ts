/**
 * A checker that never fails proves nothing: each planted bug must make the simulator report a
 * violation. DETECTION holds, per bug, the first failing seed of a sweep from seed 1 (measured,
 * see docs/raft.md). By default each test replays the last WINDOW seeds of that sweep (the run is
 * deterministic, so the violation must appear there); SIM_BUGS_FULL=1 replays the whole sweep
 * from seed 1, which is the "found within N seeds" claim.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { findFailure } from "./runner.js";
import { BUGS } from "./sim.js";

/** Figure 8 needs a rare interleaving (a leader killed right after its election, another one
 * after it counted an old entry): the sweep from seed 1 first finds it here. */
const OLD_TERM_COMMIT = 1731;

/** bug → [nodes, seeds from seed 1 until the first violation]. */
const DETECTION: Record<string, [number, number]> = {
  "double-vote": [3, 1],
  "no-truncate": [3, 1],
  "prevote-as-vote": [3, 1],
  "stale-read": [3, 3],
  "ack-before-fsync": [3, 2],
  "trust-corrupt": [3, 9],
  "truncate-silently": [3, 29],
  "forget-vote": [3, 81],
  "old-term-commit": [3, OLD_TERM_COMMIT],
};

const WINDOW = 3;
const full = process.env.SIM_BUGS_FULL === "1";

test("every planted bug has a detection entry", () => {
  assert.deepEqual(Object.keys(DETECTION).sort(), Object.keys(BUGS).sort());
});

for (const [bug, [nodes, within]] of Object.entries(DETECTION)) {
  test(`planted bug ${bug}: found within ${within} seeds (${nodes} nodes)`, () => {
    const first = full ? 1 : Math.max(1, within - WINDOW + 1);
    const found = findFailure({ first, count: within - first + 1, nodes, bug });
    assert.ok(found.failure, `bug ${bug} went unnoticed over seeds ${first}..${within}`);
    assert.equal(found.failure.opts.seed, within, "the first violation moved: update DETECTION (and docs/raft.md)");
  });
}
