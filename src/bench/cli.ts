/**
 * `tsnats bench`: the load generator's command line. Exit code 0 when everything expected
 * arrived, 1 on timeout or errors (so scripts notice), 2 on bad arguments.
 */
import { BENCH_USAGE, parseBenchArgs } from "./args.js";
import { runConnections } from "./connections.js";
import { formatBenchReport, formatConnectionsReport, headerLine } from "./report.js";
import { runBench } from "./runner.js";

/** Subcommand entry point (see src/cli/tsnats.ts). */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind === "help") {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`tsnats bench: ${parsed.message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  const o = parsed.options;
  if (!o.json) process.stdout.write(`${headerLine(o)}\n\n`);
  if (o.connections > 0) {
    const r = await runConnections({
      server: o.server,
      subject: o.subject,
      count: o.connections,
      serverPid: o.serverPid,
      timeoutMs: o.timeoutMs,
    });
    process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : formatConnectionsReport(r));
    return r.timedOut || r.failed > 0 || r.delivered < r.opened ? 1 : 0;
  }
  const r = await runBench(o);
  process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : formatBenchReport(r));
  return r.timedOut || r.errors.length > 0 ? 1 : 0;
}
