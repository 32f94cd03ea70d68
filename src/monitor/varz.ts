/**
 * /varz: server identity, configured limits and running totals, with nats-server's field
 * names and units (server/monitor.go Varz): durations that Go marshals as
 * `time.Duration` are nanoseconds (`ping_interval`, `write_deadline`), `auth_timeout`
 * and `tls_timeout` are seconds, times are RFC 3339.
 */
import type { Server } from "../server/server.js";
import { NATS_COMPAT_VERSION, PROTO_VERSION, VERSION } from "../version.js";
import { clusterVarz, leafVarz, linkCounts } from "./cluster.js";
import { gatewayVarz } from "./gatewayz.js";
import { isoTime, uptime } from "./format.js";
import type { MonitorState } from "./state.js";
import { coreCount, residentBytes } from "./usage.js";

const NS_PER_MS = 1_000_000;
/** nats-server's default system account name. */
const DEFAULT_SYSTEM_ACCOUNT = "$SYS";
/** nats-server's default TLS handshake timeout, in seconds (const.go TLS_TIMEOUT). */
const DEFAULT_TLS_TIMEOUT_S = 2;

/** Subscriptions across every account (varz `subscriptions`). */
export function totalSubscriptions(s: Server): number {
  let n = 0;
  for (const acc of s.accounts.values()) n += acc.sublist.count();
  return n;
}

/** The /varz document. Keys appear in nats-server's order; tsnats extras come last. */
export function varz(m: MonitorState): Record<string, unknown> {
  const s = m.server;
  const o = s.options;
  const now = Date.now();
  const v: Record<string, unknown> = {
    server_id: s.id,
    server_name: s.name,
    version: NATS_COMPAT_VERSION,
    proto: PROTO_VERSION,
    go: `node${process.versions.node}`,
    host: o.host,
    port: s.listenPort,
  };
  if (s.authRequired) v.auth_required = true;
  if (o.tls !== undefined) {
    v.tls_required = true;
    if (o.tls.verify === true) v.tls_verify = true;
  }
  // nats-server copies these from its INFO: the cluster's client and WebSocket URLs.
  const connectUrls = s.routes?.clientInfoFields(s.lameDuckMode).connect_urls;
  if (connectUrls !== undefined) v.connect_urls = connectUrls;
  const wsConnectUrls = s.routes?.wsConnectUrls(s.lameDuckMode) ?? null;
  if (wsConnectUrls !== null) v.ws_connect_urls = wsConnectUrls;
  Object.assign(v, {
    max_connections: o.maxConnections,
    ping_interval: o.pingIntervalMs * NS_PER_MS,
    ping_max: o.pingMax,
    http_host: m.httpHost,
    http_port: m.httpPort,
    http_base_path: m.basePath,
    https_port: o.httpsPort ?? 0,
    auth_timeout: o.authTimeoutMs / 1000,
    max_control_line: o.maxControlLine,
    max_payload: o.maxPayload,
    max_pending: o.maxPending,
  });
  if (o.maxSubscriptions > 0) v.max_subscriptions = o.maxSubscriptions;
  Object.assign(v, {
    cluster: clusterVarz(s),
    gateway: gatewayVarz(s),
    leaf: leafVarz(s),
    mqtt: {},
    websocket: s.websocket !== null ? s.websocket.varz() : {},
    jetstream: s.jetstream !== null ? s.jetstream.varz() : {},
    tls_timeout: o.tls?.timeoutMs !== undefined ? o.tls.timeoutMs / 1000 : DEFAULT_TLS_TIMEOUT_S,
    write_deadline: o.writeDeadlineMs * NS_PER_MS,
    start: isoTime(s.startMs),
    now: isoTime(now),
    uptime: uptime(now - s.startMs),
    mem: residentBytes(),
    cores: coreCount(),
    gomaxprocs: coreCount(),
    cpu: m.usage.cpuPercent,
    connections: s.clients.size,
    total_connections: s.totalConnections,
    ...linkCounts(s),
    in_msgs: s.inMsgs,
    out_msgs: s.outMsgs,
    in_bytes: s.inBytes,
    out_bytes: s.outBytes,
    slow_consumers: s.slowConsumers,
    subscriptions: totalSubscriptions(s),
    http_req_stats: Object.fromEntries(m.httpReqStats),
    config_load_time: isoTime(s.startMs),
  });
  if (o.serverTags.length > 0) v.tags = o.serverTags;
  v.system_account = o.systemAccount ?? (s.accounts.has(DEFAULT_SYSTEM_ACCOUNT) ? DEFAULT_SYSTEM_ACCOUNT : "");
  v.tsnats_version = VERSION;
  return v;
}
