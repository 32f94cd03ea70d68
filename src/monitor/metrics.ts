/**
 * /metrics: Prometheus text exposition (format 0.0.4), served natively so no exporter is
 * needed. Metric names follow prometheus-nats-exporter (`gnatsd_varz_*`,
 * `gnatsd_connz_*`, `gnatsd_subsz_*`), so Grafana dashboards built on the exporter work
 * unchanged; every sample carries the `server_id` label as the exporter adds it.
 */
import type { MonitorState } from "./state.js";
import { combinedStats } from "./subsz.js";
import { varz } from "./varz.js";

/** The Content-Type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Kind = "counter" | "gauge";

/** /varz numeric fields exported, with their Prometheus type and help text. */
const VARZ_METRICS: ReadonlyArray<readonly [field: string, kind: Kind, help: string]> = [
  ["connections", "gauge", "Client connections currently open"],
  ["total_connections", "counter", "Client connections accepted since start"],
  ["subscriptions", "gauge", "Subscriptions currently active"],
  ["in_msgs", "counter", "Messages received from clients"],
  ["out_msgs", "counter", "Messages delivered to clients"],
  ["in_bytes", "counter", "Payload bytes received from clients"],
  ["out_bytes", "counter", "Payload bytes delivered to clients"],
  ["slow_consumers", "counter", "Connections closed as slow consumers"],
  ["mem", "gauge", "Resident memory in bytes"],
  ["cpu", "gauge", "CPU use in percent of one core"],
  ["cores", "gauge", "Usable CPU cores"],
  ["routes", "gauge", "Route connections"],
  ["remotes", "gauge", "Remote servers"],
  ["leafnodes", "gauge", "Leaf node connections"],
  ["max_connections", "gauge", "Configured connection limit"],
  ["max_payload", "gauge", "Configured maximum payload in bytes"],
  ["max_pending", "gauge", "Configured maximum pending bytes per connection"],
  ["max_control_line", "gauge", "Configured maximum control line in bytes"],
];

/** Escapes a label value (backslash, quote, newline). */
function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Renders the text exposition. */
export function metrics(m: MonitorState): string {
  const s = m.server;
  const v = varz(m);
  const lines: string[] = [];
  const sid = `server_id="${labelValue(s.id)}"`;
  const emit = (name: string, kind: Kind, help: string, samples: Array<[labels: string, value: number]>): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`);
    for (const [labels, value] of samples) lines.push(`${name}{${labels}} ${Number.isFinite(value) ? value : 0}`);
  };
  for (const [field, kind, help] of VARZ_METRICS) {
    emit(`gnatsd_varz_${field}`, kind, help, [[sid, Number(v[field] ?? 0)]]);
  }
  const startSec = s.startMs / 1000;
  emit("gnatsd_varz_start_time_seconds", "gauge", "Server start time, seconds since the epoch", [[sid, startSec]]);
  emit("gnatsd_varz_uptime_seconds", "gauge", "Seconds since the server started", [[sid, Math.floor((Date.now() - s.startMs) / 1000)]]);
  const reqs: Array<[string, number]> = [...m.httpReqStats].map(([path, n]) => [`${sid},path="${labelValue(path)}"`, n]);
  emit("gnatsd_varz_http_req_stats", "counter", "Monitoring HTTP requests per endpoint", reqs);

  const st = combinedStats(s);
  emit("gnatsd_subsz_num_subscriptions", "gauge", "Subscriptions in the sublist", [[sid, st.numSubs]]);
  emit("gnatsd_subsz_num_cache", "gauge", "Subjects in the sublist match cache", [[sid, st.numCache]]);
  emit("gnatsd_subsz_num_inserts", "counter", "Sublist inserts", [[sid, st.numInserts]]);
  emit("gnatsd_subsz_num_removes", "counter", "Sublist removes", [[sid, st.numRemoves]]);
  emit("gnatsd_subsz_num_matches", "counter", "Sublist matches", [[sid, st.numMatches]]);
  emit("gnatsd_subsz_cache_hit_rate", "gauge", "Share of matches answered by the cache", [[sid, st.cacheHitRate]]);
  emit("gnatsd_subsz_max_fanout", "gauge", "Largest fanout among cached subjects", [[sid, st.maxFanout]]);
  emit("gnatsd_subsz_avg_fanout", "gauge", "Mean fanout among cached subjects", [[sid, st.avgFanout]]);

  let pending = 0;
  for (const c of s.clients.values()) pending += c.closed ? 0 : c.pendingBytes();
  emit("gnatsd_connz_num_connections", "gauge", "Open client connections", [[sid, s.clients.size]]);
  emit("gnatsd_connz_total", "gauge", "Open client connections", [[sid, s.clients.size]]);
  emit("gnatsd_connz_pending_bytes", "gauge", "Bytes queued to clients, summed over connections", [[sid, pending]]);
  emit("gnatsd_connz_closed_connections", "gauge", "Closed connections remembered for /connz?state=closed", [[sid, s.closedClients.length]]);
  return `${lines.join("\n")}\n`;
}
