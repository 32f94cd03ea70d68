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

/** One line of the summary: a headline metric's ratio, and a detail shown as "base → cand". */
interface SummaryLine {
  label: string;
  scenario: string;
  metric: string;
  /** What the third column shows, from the same scenario. */
  detail: { metric: string; scale: number; unit: string } | null;
}

const CPU_US = { metric: "cpu_ns_per_msg", scale: 1e-3, unit: "µs" };
const MB = (metric: string): SummaryLine["detail"] => ({ metric, scale: 1 / 2 ** 20, unit: "MB" });
const KB = (metric: string): SummaryLine["detail"] => ({ metric, scale: 1 / 1024, unit: "KiB" });
const MS = (metric: string): SummaryLine["detail"] => ({ metric, scale: 1, unit: "ms" });

const SUMMARY: readonly SummaryLine[] = [
  { label: "pub only, 16 B", scenario: "pub-16B", metric: "msgs_per_sec", detail: CPU_US },
  { label: "pub only, 1 KiB", scenario: "pub-1KiB", metric: "msgs_per_sec", detail: CPU_US },
  { label: "pub→sub 16 B", scenario: "pubsub-16B", metric: "msgs_per_sec", detail: CPU_US },
  { label: "pub→sub 1 KiB", scenario: "pubsub-1KiB", metric: "msgs_per_sec", detail: CPU_US },
  { label: "fan-out 1→4, 16 B", scenario: "fanout4-16B", metric: "msgs_per_sec", detail: CPU_US },
  { label: "fan-out 1→4, 1 KiB", scenario: "fanout4-1KiB", metric: "msgs_per_sec", detail: CPU_US },
  { label: "fan-out 1→32, 16 B (C subscribers)", scenario: "fanout32-16B", metric: "msgs_per_sec", detail: CPU_US },
  { label: "fan-out 1→32, delivered", scenario: "fanout32-16B", metric: "delivered_fraction", detail: null },
  { label: "queue of 4, 16 B", scenario: "queue4-16B", metric: "msgs_per_sec", detail: CPU_US },
  { label: "queue of 4, 1 KiB", scenario: "queue4-1KiB", metric: "msgs_per_sec", detail: CPU_US },
  { label: "request/reply (1 in flight)", scenario: "request-latency", metric: "req_per_sec", detail: { metric: "p99_us", scale: 1, unit: "µs p99" } },
  { label: "request/reply (64 in flight)", scenario: "request-window64", metric: "req_per_sec", detail: CPU_US },
  { label: "1,000 connections, setup", scenario: "connections-1000", metric: "conns_per_sec", detail: KB("rss_per_conn_bytes") },
  { label: "10,000 idle connections, RSS/conn", scenario: "connections-10000", metric: "rss_per_conn_bytes", detail: KB("rss_per_conn_bytes") },
  { label: "RSS at start", scenario: "memory", metric: "rss_start_bytes", detail: MB("rss_start_bytes") },
  { label: "RSS holding 1,000 connections", scenario: "connections-1000", metric: "rss_held_bytes", detail: MB("rss_held_bytes") },
  { label: "RSS idle after the message runs", scenario: "memory", metric: "rss_after_load_idle_bytes", detail: MB("rss_after_load_idle_bytes") },
  { label: "RSS idle after 1,000 connections closed", scenario: "connections-1000", metric: "rss_closed_idle_bytes", detail: MB("rss_closed_idle_bytes") },
  { label: "spawn → accepting (INFO)", scenario: "startup", metric: "start_ms", detail: MS("start_ms") },
  { label: 'spawn → "Server is ready"', scenario: "startup", metric: "ready_line_ms", detail: MS("ready_line_ms") },
  { label: 'cold start: spawn → "Server is ready" (20 spawns, median)', scenario: "cold-start", metric: "ready_line_ms", detail: MS("ready_line_ms") },
];

/**
 * The headline table (as issue 13 shows it), in Markdown: per scenario the ratio
 * candidate/baseline of the medians of its headline metric, and a detail as
 * "baseline → candidate" (server CPU per message for message scenarios). Lines whose
 * scenario did not run are left out.
 */
export function formatSummary(rows: readonly Row[], baseline: string, candidate: string): string {
  const values = (server: string, scenario: string, metric: string): number[] =>
    rows.filter((r) => r.server === server && r.scenario === scenario && r.metric === metric).map((r) => r.value);
  const out = [`| scenario | ${candidate}/${baseline} | ${baseline} → ${candidate} |`, "|---|---|---|"];
  for (const l of SUMMARY) {
    const b = values(baseline, l.scenario, l.metric);
    const c = values(candidate, l.scenario, l.metric);
    if (b.length === 0 || c.length === 0) continue;
    const ratio = median(b) !== 0 ? (median(c) / median(b)).toFixed(2) : "-";
    let detail = "";
    if (l.detail !== null) {
      const db = values(baseline, l.scenario, l.detail.metric);
      const dc = values(candidate, l.scenario, l.detail.metric);
      const f = (v: number[]): string => (v.length === 0 ? "-" : compact(median(v) * l.detail!.scale));
      detail = `${f(db)} → ${f(dc)} ${l.detail.unit}`;
    }
    out.push(`| ${l.label} | ${ratio} | ${detail} |`);
  }
  return out.join("\n") + "\n";
}
