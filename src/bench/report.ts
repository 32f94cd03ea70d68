/**
 * Text reports for `tsnats bench`, laid out like `nats bench` so numbers can be read side
 * by side with the Go tool's: a header with the parameters, the aggregate rate, then the
 * publisher and subscriber groups with per-client lines and min/avg/max/stddev.
 */
import type { BenchOptions } from "./args.js";
import type { ConnectionsResult } from "./connections.js";
import type { BenchResult } from "./runner.js";
import { clientLines, commaFormat, formatDuration, formatMicros, humanBytes, rateLine, type GroupStats } from "./stats.js";

/** `Starting Core NATS pub/sub benchmark [subject=..., msgs=..., ...]` */
export function headerLine(o: BenchOptions): string {
  if (o.connections > 0) {
    return `Starting Core NATS connections benchmark [subject=${o.subject}, connections=${commaFormat(o.connections)}]`;
  }
  if (o.request) {
    return `Starting Core NATS request/reply benchmark [subject=${o.subject}, msgs=${commaFormat(o.msgs)}, msgsize=${humanBytes(o.sizeBytes)}, window=${o.window}${o.queue ? ", queue=true" : ""}]`;
  }
  return `Starting Core NATS pub/sub benchmark [subject=${o.subject}, msgs=${commaFormat(o.msgs)}, msgsize=${humanBytes(o.sizeBytes)}, pubs=${o.pubs}, subs=${o.subs}${o.queue ? ", queue=true" : ""}]`;
}

function groupLine(label: string, g: GroupStats): string {
  return `${label}: ${rateLine(g.msgsPerSec, g.bytesPerSec)} (${commaFormat(g.msgs)} msgs in ${formatDuration(g.durationNs)})`;
}

/** The report of a pub/sub or request/reply run. */
export function formatBenchReport(r: BenchResult): string {
  const out: string[] = [];
  if (r.mode === "request") {
    out.push(groupLine("NATS request/reply stats", r.pubStats));
    const l = r.latency;
    if (l !== null && l.count > 0) {
      out.push(
        ` Latency: min ${formatMicros(l.minUs)} | avg ${formatMicros(l.avgUs)} | p50 ${formatMicros(l.p50Us)} | p90 ${formatMicros(l.p90Us)} | p99 ${formatMicros(l.p99Us)} | max ${formatMicros(l.maxUs)}`,
      );
    }
  } else if (r.subs.length === 0) {
    out.push(groupLine("Pub stats", r.pubStats));
    out.push(...clientLines(r.pubs, " "));
  } else {
    const all = [...r.pubs, ...r.subs];
    let start = Infinity;
    let end = 0;
    for (const s of all) {
      if (s.msgs === 0) continue;
      start = Math.min(start, s.startNs);
      end = Math.max(end, s.endNs);
    }
    const d = end > start ? end - start : 0;
    const msgs = r.pubStats.msgs + r.subStats.msgs;
    const bytes = r.pubStats.bytes + r.subStats.bytes;
    out.push(`NATS Pub/Sub stats: ${rateLine(d > 0 ? (msgs * 1e9) / d : 0, d > 0 ? (bytes * 1e9) / d : 0)}`);
    out.push(groupLine(" Pub stats", r.pubStats));
    out.push(...clientLines(r.pubs, "  "));
    out.push(groupLine(" Sub stats", r.subStats));
    out.push(...clientLines(r.subs, "  "));
  }
  if (r.timedOut) {
    out.push(`Timed out: received ${commaFormat(r.received)} of ${commaFormat(r.expected)} messages`);
  }
  for (const e of r.errors) out.push(`Error: ${e}`);
  return out.join("\n") + "\n";
}

/** The report of the connections scenario. */
export function formatConnectionsReport(r: ConnectionsResult): string {
  const out: string[] = [];
  out.push(
    `Connections: ${commaFormat(r.opened)} of ${commaFormat(r.count)} opened in ${r.setupMs.toFixed(1)}ms (${commaFormat(r.connsPerSec)} conns/sec)${r.failed > 0 ? `, ${r.failed} failed` : ""}`,
  );
  if (r.rssBeforeBytes !== null && r.rssAfterBytes !== null) {
    const per = r.rssPerConnBytes !== null ? `, ${humanBytes(r.rssPerConnBytes)} per connection` : "";
    out.push(` Server RSS: ${humanBytes(r.rssBeforeBytes)} before, ${humanBytes(r.rssAfterBytes)} after${per}`);
  } else {
    out.push(" Server RSS: n/a (pass --server-pid PID on Linux)");
  }
  out.push(` Delivery: ${commaFormat(r.delivered)} of ${commaFormat(r.opened)} subscribers got the message in ${r.deliveryMs.toFixed(1)}ms`);
  if (r.timedOut) out.push("Timed out");
  for (const e of r.errors) out.push(`Error: ${e}`);
  return out.join("\n") + "\n";
}
