/** Runs seeds, finds the first failure, and shrinks its fault schedule (delta debugging). */
import { describeFault } from "./faults.js";
import { runSim, type SimOptions, type SimResult } from "./sim.js";

export interface Failure {
  opts: SimOptions;
  result: SimResult;
}

export interface FindOptions {
  first: number;
  count: number;
  nodes: number;
  bug?: string;
  faultMs?: number;
  keep?: Set<number>;
  /** Stop early once this much wall time passed (CI budget). */
  budgetMs?: number;
}

export function findFailure(o: FindOptions): { ran: number; events: number; failure: Failure | null } {
  const start = Date.now();
  let events = 0;
  for (let i = 0; i < o.count; i++) {
    const opts: SimOptions = { seed: o.first + i, nodes: o.nodes, bug: o.bug, faultMs: o.faultMs, keep: o.keep };
    const result = runSim(opts);
    events += result.events;
    if (!result.ok) return { ran: i + 1, events, failure: { opts, result } };
    if (o.budgetMs !== undefined && Date.now() - start > o.budgetMs) return { ran: i + 1, events, failure: null };
  }
  return { ran: o.count, events, failure: null };
}

/**
 * Removes faults while the run still fails (any violation): chunks first, then one by one,
 * within `maxRuns` re-runs. Every candidate replays the same seed, so the result is exact.
 */
export function shrink(f: Failure, maxRuns: number): Failure {
  let best = f;
  let runs = 0;
  let chunk = Math.max(1, Math.ceil(best.result.faults.length / 2));
  while (chunk >= 1 && runs < maxRuns) {
    let removed = false;
    for (let i = 0; i < best.result.faults.length && runs < maxRuns; i += chunk) {
      const faults = best.result.faults;
      const keep = new Set(faults.filter((_, j) => j < i || j >= i + chunk).map((x) => x.n));
      if (keep.size === faults.length) continue;
      const opts = { ...best.opts, keep };
      runs++;
      const result = runSim(opts);
      if (!result.ok) {
        best = { opts, result };
        removed = true;
        i -= chunk;
      }
    }
    if (!removed) chunk = Math.floor(chunk / 2);
  }
  return best;
}

export function formatFailure(f: Failure): string {
  const r = f.result;
  const keep = [...r.faults].map((x) => x.n).join(",");
  const tail = r.trace.slice(-80);
  return [
    `VIOLATION (seed ${f.opts.seed}, ${f.opts.nodes} nodes${f.opts.bug ? `, bug ${f.opts.bug}` : ""}): ${r.violation}`,
    `fault schedule (${r.faults.length} faults):`,
    ...r.faults.map((x) => "  " + describeFault(x)),
    `trace (last ${tail.length} of ${r.trace.length} events):`,
    ...tail.map((l) => "  " + l),
    `replay: npm run sim -- --seed ${f.opts.seed} --seeds 1 --nodes ${f.opts.nodes}${f.opts.bug ? ` --bug ${f.opts.bug}` : ""}${f.opts.faultMs ? ` --faults-ms ${f.opts.faultMs}` : ""} --keep ${keep || "none"}`,
  ].join("\n");
}
