/**
 * /routez, /leafz and the /varz `cluster` and `leaf` sections, with nats-server's
 * field names (monitor.go Routez/RouteInfo, Leafz/LeafInfo, ClusterOptsVarz,
 * LeafNodeOptsVarz). `subs=1` lists each link's subjects, `subs=detail` one object per
 * subscription as /connz does.
 */
import type { Link } from "../cluster/link.js";
import type { Route } from "../cluster/route.js";
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import type { Leaf } from "../leafnode/leaf.js";
import { displaySubject } from "../sublist/index.js";
import { isoTime, rttString, uptime } from "./format.js";

/** Seconds, as nats-server reports auth and TLS timeouts in /varz. */
const DEFAULT_TIMEOUT_S = 2;

/** Which subscription lists a /routez or /leafz request asked for (`subs=1`, `subs=detail`). */
export interface SubsWanted {
  subs: boolean;
  detail: boolean;
}

const NO_SUBS: SubsWanted = { subs: false, detail: false };

/** The subscription fields /routez and /leafz share with /connz. */
function subsFields(link: Link, subs: Iterable<Subscription>, w: SubsWanted): Record<string, unknown> {
  const { subs: want, detail } = w;
  const list = [...subs];
  const out: Record<string, unknown> = { subscriptions: list.length };
  if (!want || list.length === 0) return out;
  if (detail) {
    out.subscriptions_list_detail = list.map((s) => {
      const d: Record<string, unknown> = { subject: displaySubject(s.subject) };
      if (s.queue !== null) d.qgroup = s.queue;
      d.sid = s.sid;
      d.msgs = s.delivered;
      d.cid = link.id;
      return d;
    });
  } else {
    out.subscriptions_list = list.map((s) => displaySubject(s.subject));
  }
  return out;
}

function traffic(c: Link): Record<string, unknown> {
  return { in_msgs: c.inMsgs, out_msgs: c.outMsgs, in_bytes: c.inBytes, out_bytes: c.outBytes };
}

function routeInfo(r: Route, w: SubsWanted, now: number): Record<string, unknown> {
  const ri: Record<string, unknown> = {
    rid: r.id,
    remote_id: r.remoteId,
    did_solicit: r.didSolicit,
    is_configured: r.explicit,
    ip: r.host,
    port: r.port,
    start: isoTime(r.startMs),
    last_activity: isoTime(r.lastActivityMs),
  };
  if (r.rttMs > 0) ri.rtt = rttString(r.rttMs);
  Object.assign(ri, { uptime: uptime(now - r.startMs), idle: uptime(now - r.lastActivityMs) });
  if (r.info?.import) ri.import = r.info.import;
  if (r.info?.export) ri.export = r.info.export;
  ri.pending_size = r.out.len + r.socket.writableLength;
  Object.assign(ri, traffic(r), subsFields(r, r.subs.values(), w));
  // 2.10+: a pinned account's dedicated route names it (monitor.go RouteInfo.Account).
  if (r.accountName !== "") ri.account = r.accountName;
  return ri;
}

/** Every registered route connection: each pool's, then the pinned accounts' (route.go forEachRoute). */
export function registeredRoutes(s: Server): Route[] {
  const m = s.routes;
  if (m === null) return [];
  const out: Route[] = [];
  for (const conns of m.pools.values()) for (const r of conns) if (r !== null) out.push(r);
  for (const byPeer of m.pinned.values()) for (const r of byPeer.values()) out.push(r);
  return out;
}

/** /routez: one entry per registered route connection (pooled and pinned ones included). */
export function routez(s: Server, w: SubsWanted = NO_SUBS): Record<string, unknown> {
  const now = Date.now();
  const out: Record<string, unknown> = { server_id: s.id, now: isoTime(now) };
  const perms = s.options.cluster?.permissions;
  if (perms?.import) out.import = perms.import;
  if (perms?.export) out.export = perms.export;
  const routes = registeredRoutes(s);
  out.num_routes = routes.length;
  out.routes = routes.map((r) => routeInfo(r, w, now));
  return out;
}

function leafInfo(l: Leaf, subs: boolean): Record<string, unknown> {
  const li: Record<string, unknown> = { account: l.account.name, ip: l.host, port: l.port };
  if (l.rttMs > 0) li.rtt = rttString(l.rttMs);
  return Object.assign(li, traffic(l), subsFields(l, l.subs.values(), { subs, detail: false }));
}

/** /leafz: one entry per leaf connection, accepted or dialed (`acc` non-empty keeps one account's). */
export function leafz(s: Server, subs = false, acc = ""): Record<string, unknown> {
  const leafs = s.leafs !== null ? [...s.leafs.leafs.values()].filter((l) => acc === "" || l.account.name === acc) : [];
  return { server_id: s.id, now: isoTime(Date.now()), leafnodes: leafs.length, leafs: leafs.map((l) => leafInfo(l, subs)) };
}

/** /varz `cluster` (nats-server ClusterOptsVarz). */
export function clusterVarz(s: Server): Record<string, unknown> {
  const c = s.options.cluster;
  const r = s.routes;
  if (c === undefined || r === null) {
    const name = s.clusterName();
    return name !== null ? { name } : {};
  }
  const v: Record<string, unknown> = { name: r.clusterName, addr: c.host, cluster_port: r.listenPort };
  v.auth_timeout = (c.authTimeoutMs ?? DEFAULT_TIMEOUT_S * 1000) / 1000;
  if (c.routes.length > 0) v.urls = c.routes.map(hostOf);
  v.tls_timeout = (c.tls?.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000) / 1000;
  if (c.tls !== undefined) {
    v.tls_required = true;
    v.tls_verify = true;
  }
  if (c.poolSize > 0) v.pool_size = c.poolSize;
  return v;
}

/** /varz `leaf` (nats-server LeafNodeOptsVarz): the listener, and each remote's account and URLs. */
export function leafVarz(s: Server): Record<string, unknown> {
  const l = s.options.leafnodes;
  const m = s.leafs;
  if (l === undefined || m === null) return {};
  const v: Record<string, unknown> = {};
  if (m.listenPort !== 0) {
    Object.assign(v, { host: l.host, port: m.listenPort, auth_timeout: (l.authTimeoutMs ?? DEFAULT_TIMEOUT_S * 1000) / 1000 });
    v.tls_timeout = (l.tls?.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000) / 1000;
  }
  if (l.remotes.length > 0) {
    v.remotes = l.remotes.map((r) => {
      const e: Record<string, unknown> = { local_account: r.account ?? "$G", urls: r.urls.map(hostOf) };
      if ((r.denyExports?.length ?? 0) > 0 || (r.denyImports?.length ?? 0) > 0) e.deny = { exports: r.denyExports, imports: r.denyImports };
      return e;
    });
  }
  return v;
}

/** /varz `routes`, `remotes` and `leafnodes` counts. */
export function linkCounts(s: Server): { routes: number; remotes: number; leafnodes: number } {
  return { routes: registeredRoutes(s).length, remotes: s.routes?.remotes.size ?? 0, leafnodes: s.leafs?.leafs.size ?? 0 };
}

/** `host:port` of a configured URL, as nats-server lists them (no scheme, no credentials). */
function hostOf(raw: string): string {
  try {
    return new URL(raw.includes("://") ? raw : `nats://${raw}`).host;
  } catch {
    return raw;
  }
}

/** One link for the dashboard's cluster view. */
interface DashboardLink {
  kind: "route" | "leaf";
  cid: number;
  remoteId: string;
  remoteName: string;
  account: string;
  solicited: boolean;
  ip: string;
  port: number;
  rttMs: number;
  inMsgs: number;
  outMsgs: number;
  subs: number;
}

/** The dashboard's cluster view: this server and its routes and leaf nodes; null when it has none configured. */
export function clusterDashboard(s: Server): Record<string, unknown> | null {
  if (s.routes === null && s.leafs === null) return null;
  const links: DashboardLink[] = [];
  const link = (kind: "route" | "leaf", l: Link, account: string, subs: number): DashboardLink => ({
    kind,
    cid: l.id,
    remoteId: l.remoteId,
    remoteName: l.remoteName,
    account,
    solicited: l.solicited,
    ip: l.host,
    port: l.port,
    rttMs: l.rttMs,
    inMsgs: l.inMsgs,
    outMsgs: l.outMsgs,
    subs,
  });
  for (const r of s.routes?.remotes.values() ?? []) links.push(link("route", r, "", r.subs.size));
  for (const l of s.leafs?.leafs.values() ?? []) links.push(link("leaf", l, l.account.name, l.subs.size));
  return { name: s.clusterName() ?? "", self: { id: s.id, name: s.name }, links };
}
