/**
 * /gatewayz and the /varz `gateway` section, with nats-server's field names (monitor.go
 * Gatewayz, RemoteGatewayz, AccountGatewayz, GatewayOptsVarz). `accs=1` lists each
 * connection's accounts and their interest mode, `gw_name=` keeps one remote gateway,
 * `acc_name=` one account (and implies `accs`).
 */
import type { Gateway } from "../gateway/gateway.js";
import { MAX_RUNSUB_BEFORE_SWITCH } from "../gateway/gateway-proto.js";
import { MODE_NAMES, type InboundAccount, type OutboundAccount } from "../gateway/interest.js";
import type { Server } from "../server/server.js";
import { isoTime, rttString, uptime } from "./format.js";
import { decodeBool } from "./query.js";

const DEFAULT_TIMEOUT_S = 2;

interface GatewayzQuery {
  name: string;
  accounts: boolean;
  account: string;
}

function parseQuery(q: URLSearchParams): GatewayzQuery {
  const accounts = decodeBool(q, "accs");
  const account = q.get("acc_name") ?? "";
  return { name: q.get("gw_name") ?? "", accounts: accounts || account !== "", account };
}

/** A gateway connection as /connz describes one (ConnInfo.fill), with the peer's server ID as name. */
function connInfo(gw: Gateway, now: number): Record<string, unknown> {
  const c: Record<string, unknown> = {
    cid: gw.id,
    kind: "Gateway",
    ip: gw.host,
    port: gw.port,
    start: isoTime(gw.startMs),
    last_activity: isoTime(gw.lastActivityMs),
  };
  if (gw.rttMs > 0) c.rtt = rttString(gw.rttMs);
  Object.assign(c, {
    uptime: uptime(now - gw.startMs),
    idle: uptime(now - gw.lastActivityMs),
    pending_bytes: gw.out.len + gw.socket.writableLength,
    in_msgs: gw.inMsgs,
    out_msgs: gw.outMsgs,
    in_bytes: gw.inBytes,
    out_bytes: gw.outBytes,
    subscriptions: gw.outsim !== null ? [...gw.outsim.accounts.values()].reduce((n, e) => n + (e?.sl.count() ?? 0), 0) : 0,
  });
  if (gw.remoteId !== "") c.name = gw.remoteId;
  return c;
}

function outboundAccount(name: string, e: OutboundAccount | null): Record<string, unknown> {
  const a: Record<string, unknown> = { name, interest_mode: MODE_NAMES[e?.mode ?? 0] };
  if (e !== null && e.ni !== null && e.ni.size > 0) a.no_interest_count = e.ni.size;
  a.interest_only_threshold = MAX_RUNSUB_BEFORE_SWITCH;
  if (e !== null && e.sl.count() > 0) a.num_subs = e.sl.count();
  if (e !== null && e.qsubs > 0) a.num_queue_subs = e.qsubs;
  return a;
}

function inboundAccount(name: string, e: InboundAccount | null): Record<string, unknown> {
  const a: Record<string, unknown> = { name, interest_mode: MODE_NAMES[e?.mode ?? 0] };
  if (e !== null && e.ni !== null && e.ni.size > 0) a.no_interest_count = e.ni.size;
  a.interest_only_threshold = MAX_RUNSUB_BEFORE_SWITCH;
  return a;
}

function accountsOf(gw: Gateway, q: GatewayzQuery): Array<Record<string, unknown>> | undefined {
  if (!q.accounts) return undefined;
  const map: ReadonlyMap<string, OutboundAccount | InboundAccount | null> = gw.outsim?.accounts ?? gw.insim!.accounts;
  const names = q.account !== "" ? (map.has(q.account) ? [q.account] : []) : [...map.keys()];
  return names.map((n) => (gw.outsim !== null ? outboundAccount(n, gw.outsim.accounts.get(n)!) : inboundAccount(n, gw.insim!.accounts.get(n)!)));
}

function remoteGatewayz(gw: Gateway, configured: boolean, q: GatewayzQuery, now: number): Record<string, unknown> {
  const r: Record<string, unknown> = { configured, connection: connInfo(gw, now) };
  const accs = accountsOf(gw, q);
  if (accs !== undefined && accs.length > 0) r.accounts = accs;
  return r;
}

/** /gatewayz (nats-server Gatewayz). */
export function gatewayz(s: Server, params: URLSearchParams = new URLSearchParams()): Record<string, unknown> {
  const q = parseQuery(params);
  const now = Date.now();
  const m = s.gateways;
  const out: Record<string, unknown> = { server_id: s.id, now: isoTime(now) };
  if (m === null) return Object.assign(out, { outbound_gateways: {}, inbound_gateways: {} });
  const [host, port] = splitUrl(m.url, m.listenPort);
  Object.assign(out, { name: m.name, host, port });
  const outbound: Record<string, unknown> = {};
  for (const [name, gw] of m.out) {
    if (q.name !== "" && q.name !== name) continue;
    outbound[name] = remoteGatewayz(gw, !gw.cfg!.implicit, q, now);
  }
  const inbound: Record<string, Array<Record<string, unknown>>> = {};
  for (const gw of m.inbound.values()) {
    if (q.name !== "" && q.name !== gw.name) continue;
    (inbound[gw.name] ??= []).push(remoteGatewayz(gw, false, q, now));
  }
  return Object.assign(out, { outbound_gateways: outbound, inbound_gateways: inbound });
}

/** /varz `gateway` (nats-server GatewayOptsVarz). */
export function gatewayVarz(s: Server): Record<string, unknown> {
  const g = s.options.gateway;
  const m = s.gateways;
  if (g === undefined || m === null) return {};
  const v: Record<string, unknown> = { name: m.name, host: g.host, port: m.listenPort };
  v.auth_timeout = (g.authTimeoutMs ?? DEFAULT_TIMEOUT_S * 1000) / 1000;
  v.tls_timeout = (g.tls?.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000) / 1000;
  if (g.tls !== undefined) v.tls_required = v.tls_verify = true;
  if (g.advertise) v.advertise = g.advertise;
  if (g.connectRetries > 0) v.connect_retries = g.connectRetries;
  const remotes = [...m.remotes.values()].filter((r) => !r.implicit);
  if (remotes.length > 0) v.gateways = remotes.map((r) => ({ name: r.name, urls: [...r.urls.keys()] }));
  if (g.rejectUnknownCluster) v.reject_unknown = true;
  return v;
}

function splitUrl(url: string, port: number): [string, number] {
  const i = url.lastIndexOf(":");
  return i > 0 ? [url.slice(0, i).replace(/^\[|\]$/g, ""), Number(url.slice(i + 1))] : [url, port];
}
