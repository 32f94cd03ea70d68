/**
 * The fault schedule of one simulated run, drawn from the seed before the run starts, so a
 * failing run can be shrunk by replaying the same seed with a subset of its faults.
 */
import { Rng } from "./rng.js";

export const FAULT_KINDS = [
  "crash",
  "powerloss",
  "pause",
  "partition",
  "oneway",
  "bridge",
  "chaos",
  "clockjump",
  "slowdisk",
  "stalldisk",
  "flip",
  "cut",
  "wipe",
  "transfer",
  "blackout",
  "slowclock",
  "churn",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const WEIGHTS: Record<FaultKind, number> = {
  crash: 10,
  powerloss: 5,
  pause: 6,
  partition: 8,
  oneway: 4,
  bridge: 3,
  chaos: 5,
  clockjump: 4,
  slowdisk: 3,
  stalldisk: 3,
  flip: 4,
  cut: 3,
  wipe: 2,
  transfer: 5,
  blackout: 2,
  slowclock: 4,
  churn: 4,
};

export interface Fault {
  /** Position in the generated schedule (stable under shrinking). */
  n: number;
  at: number;
  kind: FaultKind;
  /** The node concerned (or a seed for choosing a partition). */
  slot: number;
  durMs: number;
  /** A sub-seed for the fault's own random choices. */
  arg: number;
}

export function generateFaults(seed: number, nodes: number, faultMs: number): Fault[] {
  const rng = new Rng(seed, 1);
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  const out: Fault[] = [];
  let t = 150;
  while (true) {
    t += rng.range(80, 700);
    if (t >= faultMs) break;
    let w = rng.int(total);
    let kind: FaultKind = "crash";
    for (const k of FAULT_KINDS) {
      w -= WEIGHTS[k];
      if (w < 0) {
        kind = k;
        break;
      }
    }
    out.push({ n: out.length, at: t, kind, slot: rng.int(nodes), durMs: rng.chance(0.15) ? rng.range(2, 30) : rng.range(50, 1500), arg: rng.int(0x7fffffff) });
  }
  return out;
}

export function describeFault(f: Fault): string {
  return `#${f.n} t=${f.at} ${f.kind} slot=${f.slot} for ${f.durMs}ms (arg ${f.arg})`;
}
