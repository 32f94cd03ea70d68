/**
 * `npm run sim -- --seeds N [--nodes 3|5] [--seed S] [--bug NAME|list] [--faults-ms MS] [--keep 1,4,9]`
 * Runs the deterministic Raft simulator over seeds S, S+1, ... (S defaults to a fresh value,
 * printed). Exit 0 when every seed kept every invariant; 1 with the seed, the shortest trace
 * found by shrinking the fault schedule, and the command that replays it.
 */
import { BUGS } from "./sim.js";
import { findFailure, shrink, formatFailure } from "./runner.js";

interface Args {
  seeds: number;
  nodes: number;
  seed: number | null;
  bug: string | undefined;
  faultMs: number | undefined;
  keep: Set<number> | undefined;
  shrink: boolean;
}

function usage(): string {
  return [
    "usage: npm run sim -- [--seeds N] [--nodes 3|5] [--seed S] [--bug NAME|list] [--faults-ms MS] [--keep i,j,...] [--no-shrink]",
    "  --seeds N      number of seeds to run (default 20)",
    "  --seed S       first seed (default: derived from the clock, printed)",
    "  --nodes 3|5    group size (default 3)",
    "  --bug NAME     plant a bug (list: --bug list)",
    "  --faults-ms    length of the fault phase in virtual ms (default 6000)",
    "  --keep i,j     replay only these faults of the seed's schedule (from a shrunk failure)",
    "  env SIM_DEBUG=KEY|*  also trace client operations (on one key, or all)",
  ].join("\n");
}

function parse(argv: string[]): Args {
  const a: Args = { seeds: 20, nodes: 3, seed: null, bug: undefined, faultMs: undefined, keep: undefined, shrink: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const num = () => {
      const x = Number(v());
      if (!Number.isInteger(x) || x < 0) throw new Error(`${k} needs a non-negative integer`);
      return x;
    };
    if (k === "--seeds") a.seeds = num();
    else if (k === "--nodes") a.nodes = num();
    else if (k === "--seed") a.seed = num();
    else if (k === "--bug") a.bug = v();
    else if (k === "--faults-ms") a.faultMs = num();
    else if (k === "--keep") a.keep = new Set(v().split(",").filter((x) => x && x !== "none").map(Number));
    else if (k === "--no-shrink") a.shrink = false;
    else if (k === "--help" || k === "-h") {
      process.stdout.write(usage() + "\n");
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  if (a.nodes !== 3 && a.nodes !== 5) throw new Error("--nodes must be 3 or 5");
  if (a.bug !== undefined && a.bug !== "list" && !BUGS[a.bug]) throw new Error(`unknown bug ${a.bug} (see --bug list)`);
  return a;
}

function main(): void {
  let a: Args;
  try {
    a = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`sim: ${(err as Error).message}\n${usage()}\n`);
    process.exit(2);
  }
  if (a.bug === "list") {
    process.stdout.write(Object.keys(BUGS).join("\n") + "\n");
    return;
  }
  const first = a.seed ?? Date.now() % 1_000_000_000;
  const t0 = process.hrtime.bigint();
  const found = findFailure({ first, count: a.seeds, nodes: a.nodes, bug: a.bug, faultMs: a.faultMs, keep: a.keep });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = (found.ran / secs).toFixed(1);
  if (!found.failure) {
    process.stdout.write(`sim: ${found.ran} seeds from ${first} (${a.nodes} nodes${a.bug ? `, bug ${a.bug}` : ""}) kept every invariant in ${secs.toFixed(1)} s (${rate} seeds/s, ${found.events} events)\n`);
    return;
  }
  const f = a.shrink && !a.keep ? shrink(found.failure, 40) : found.failure;
  process.stdout.write(formatFailure(f) + "\n");
  process.stdout.write(`sim: seed ${f.opts.seed} failed after ${found.ran} seeds (${secs.toFixed(1)} s)\n`);
  process.exit(1);
}

main();
