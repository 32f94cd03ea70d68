/**
 * `tsnats caps` speed on this repository's whole dev tree (every package, the tests as
 * entry points): the target is under 10 s. Each round runs the analysis afresh in
 * this process (round 1 with a cold JIT) and prints CPU time, acorn's share of it, wall
 * time and the machine load, since the machine may be shared: CPU time is the figure to
 * compare, wall time only on a quiet machine.
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/caps.bench.js [rounds] [dir]
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { analyseProject } from "../src/caps/analyse.js";

const rounds = Math.max(1, Number(process.argv[2] ?? 3));
const dir = process.argv[3] ?? fileURLToPath(new URL("../../", import.meta.url));

process.stdout.write(`caps bench: ${dir}, dev tree, function level; load ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
for (let i = 1; i <= rounds; i++) {
  const wall = performance.now();
  const a = analyseProject(dir, { includeDev: true, granularity: "function" });
  const ms = performance.now() - wall;
  const s = a.stats;
  process.stdout.write(
    `round ${i}: ${a.report.packages.length} packages, ${s.filesParsed} files, ${s.nodes} nodes, ${s.edges} edges: ` +
      `${s.cpuSeconds.toFixed(2)} s CPU (${s.parseCpuSeconds.toFixed(2)} s in acorn), ${(ms / 1000).toFixed(2)} s wall\n`,
  );
}
process.stdout.write(`load after: ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
