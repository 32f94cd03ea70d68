/**
 * Benchmark arithmetic and the text report, in the shape of `nats bench` (nats.go bench
 * package): per-client samples, group rates (sum of messages over the group's span),
 * min/avg/max/stddev of the client rates, latency percentiles. Pure functions.
 */

/** What one client (publisher, subscriber, requester or responder) did. */
export interface ClientSample {
  role: "pub" | "sub" | "req" | "rep";
  /** 1-based, per role. */
  id: number;
  msgs: number;
  /** Payload bytes (not protocol overhead). */
  bytes: number;
  /** process.hrtime in ns (same clock in every worker thread); 0 when nothing happened. */
  startNs: number;
  endNs: number;
  /** Set when the client failed (connect refused, -ERR, closed early). */
  error: string;
}

/** Aggregate of a group of samples: the group's span runs from the first start to the last end. */
export interface GroupStats {
  clients: number;
  msgs: number;
  bytes: number;
  durationNs: number;
  msgsPerSec: number;
  bytesPerSec: number;
  minRate: number;
  avgRate: number;
  maxRate: number;
  stddevRate: number;
}

/** Request/reply round-trip latency, in microseconds. */
export interface LatencyStats {
  count: number;
  minUs: number;
  avgUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
}

/** Messages per second of one sample; 0 when it has no duration. */
export function sampleRate(s: { msgs: number; startNs: number; endNs: number }): number {
  const d = s.endNs - s.startNs;
  return d > 0 ? (s.msgs * 1e9) / d : 0;
}

/** Aggregates samples like nats.go bench SampleGroup (rates, then population stddev). */
export function groupStats(samples: readonly ClientSample[]): GroupStats {
  let msgs = 0;
  let bytes = 0;
  let start = Infinity;
  let end = 0;
  const rates: number[] = [];
  for (const s of samples) {
    msgs += s.msgs;
    bytes += s.bytes;
    if (s.msgs > 0) {
      if (s.startNs < start) start = s.startNs;
      if (s.endNs > end) end = s.endNs;
    }
    rates.push(sampleRate(s));
  }
  const durationNs = end > start ? end - start : 0;
  const avg = rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : 0;
  const variance = rates.length > 0 ? rates.reduce((a, r) => a + (r - avg) ** 2, 0) / rates.length : 0;
  return {
    clients: samples.length,
    msgs,
    bytes,
    durationNs,
    msgsPerSec: durationNs > 0 ? (msgs * 1e9) / durationNs : 0,
    bytesPerSec: durationNs > 0 ? (bytes * 1e9) / durationNs : 0,
    minRate: rates.length > 0 ? Math.min(...rates) : 0,
    avgRate: avg,
    maxRate: rates.length > 0 ? Math.max(...rates) : 0,
    stddevRate: Math.sqrt(variance),
  };
}

/**
 * Percentiles of latencies given in ns (the array is sorted in place). Nearest-rank:
 * p-th percentile is the smallest value with at least p% of samples at or below it.
 */
export function latencyStats(latenciesNs: Float64Array): LatencyStats {
  const n = latenciesNs.length;
  if (n === 0) return { count: 0, minUs: 0, avgUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, maxUs: 0 };
  latenciesNs.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += latenciesNs[i]!;
  const rank = (p: number): number => latenciesNs[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]! / 1000;
  return {
    count: n,
    minUs: latenciesNs[0]! / 1000,
    avgUs: sum / n / 1000,
    p50Us: rank(50),
    p90Us: rank(90),
    p99Us: rank(99),
    maxUs: latenciesNs[n - 1]! / 1000,
  };
}

/** `1234567` -> `1,234,567` (rounded), as nats bench prints counts and rates. */
export function commaFormat(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Bytes in base 1024 with two decimals (`12.34 MB`), as nats.go bench humanBytes. */
export function humanBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

/** `123,456 msgs/sec ~ 1.88 MB/sec` */
export function rateLine(msgsPerSec: number, bytesPerSec: number): string {
  return `${commaFormat(msgsPerSec)} msgs/sec ~ ${humanBytes(bytesPerSec)}/sec`;
}

/** The per-client block: one line per client, then min/avg/max/stddev, when there are several. */
export function clientLines(samples: readonly ClientSample[], indent: string): string[] {
  if (samples.length < 2) return [];
  const out: string[] = [];
  for (const s of samples) {
    const d = s.endNs - s.startNs;
    const bps = d > 0 ? (s.bytes * 1e9) / d : 0;
    const err = s.error !== "" ? ` error: ${s.error}` : "";
    out.push(`${indent}[${s.id}] ${rateLine(sampleRate(s), bps)} (${s.msgs} msgs)${err}`);
  }
  const g = groupStats(samples);
  out.push(
    `${indent}min ${commaFormat(g.minRate)} | avg ${commaFormat(g.avgRate)} | max ${commaFormat(g.maxRate)} | stddev ${commaFormat(g.stddevRate)} msgs`,
  );
  return out;
}

/** Formats a duration in ns as `1.234s` / `12.3ms`. */
export function formatDuration(ns: number): string {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(3)}s` : `${(ns / 1e6).toFixed(1)}ms`;
}

/** `12.3us` / `1.23ms` for latencies given in microseconds. */
export function formatMicros(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)}ms` : `${us.toFixed(1)}us`;
}
