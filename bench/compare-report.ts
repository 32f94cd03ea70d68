/**
 * Tables and CSV for bench/compare.ts: one row per (scenario, server, round, metric);
 * the table shows per server the median and min–max over rounds, and the ratio
 * tsnats/nats-server of the medians, with which direction is better.
 */

/** One measured value. */
export interface Row {
  scenario: string;
  server: string;
  round: number;
  metric: string;
  value: number;
}

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Whether a bigger value of the metric is better (rates) or worse (latency, memory, time, CPU). */
export function higherIsBetter(metric: string): boolean {
  return metric.endsWith("_per_sec") || metric === "delivered_fraction" || metric === "complete";
}

/** 12.3M / 456.7k / 12.34 / 0.123 */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (a >= 100) return n.toFixed(0);
  if (a >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

function cell(values: number[], metric: string): string {
  if (values.length === 0) return "-";
  if (metric === "complete") return `${values.reduce((x, y) => x + y, 0)}/${values.length} ok`;
  const m = compact(median(values));
  if (values.length === 1) return m;
  return `${m} [${compact(Math.min(...values))}–${compact(Math.max(...values))}]`;
}

/** The side-by-side table of medians (rows in first-seen order). */
export function formatTable(rows: readonly Row[], baseline: string, candidate: string): string {
  const keys: string[] = [];
  const byKey = new Map<string, { scenario: string; metric: string; base: number[]; cand: number[] }>();
  for (const r of rows) {
    const key = `${r.scenario}\u0000${r.metric}`;
    let e = byKey.get(key);
    if (e === undefined) {
      e = { scenario: r.scenario, metric: r.metric, base: [], cand: [] };
      byKey.set(key, e);
      keys.push(key);
    }
    if (r.server === baseline) e.base.push(r.value);
    else if (r.server === candidate) e.cand.push(r.value);
  }
  // Group by scenario (first-seen order), metrics in first-seen order within each.
  const scenarios = [...new Set(keys.map((k) => byKey.get(k)!.scenario))];
  keys.sort((a, b) => scenarios.indexOf(byKey.get(a)!.scenario) - scenarios.indexOf(byKey.get(b)!.scenario));
  const header = ["scenario", "metric", `${baseline} median [min–max]`, `${candidate} median [min–max]`, `${candidate}/${baseline}`, "better"];
  const table: string[][] = [header];
  for (const k of keys) {
    const e = byKey.get(k)!;
    let ratio = "";
    if (e.metric !== "complete" && e.base.length > 0 && e.cand.length > 0) {
      const b = median(e.base);
      ratio = b !== 0 ? `${(median(e.cand) / b).toFixed(2)}x` : "";
    }
    table.push([e.scenario, e.metric, cell(e.base, e.metric), cell(e.cand, e.metric), ratio, e.metric === "complete" ? "" : higherIsBetter(e.metric) ? "higher" : "lower"]);
  }
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [line(table[0]!), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of table.slice(1)) out.push(line(r));
  return out.join("\n") + "\n";
}

/** CSV with the run's context (revision, load, date, tsnats command) repeated on each row. */
export function toCsv(rows: readonly Row[], ctx: { rev: string; loadavg: number; date: string; tsnats: string }): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ["rev,date,loadavg1,tsnats_cmd,scenario,server,round,metric,value"];
  for (const r of rows) {
    lines.push([q(ctx.rev), ctx.date, ctx.loadavg.toFixed(2), q(ctx.tsnats), q(r.scenario), q(r.server), r.round, q(r.metric), r.value].join(","));
  }
  return lines.join("\n") + "\n";
}
