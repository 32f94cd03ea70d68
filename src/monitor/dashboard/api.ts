/**
 * The JSON the dashboard page polls once a second: server totals, the rate history,
 * connections, busiest subjects and slow consumers in one document, so one request per
 * tick is all a page costs. Services come from a separate endpoint (they need a round of
 * micro-protocol requests, see ../services.ts).
 */
import type { ClosedClientInfo } from "../../server/server.js";
import { clusterDashboard } from "../cluster.js";
import { openRow } from "../connz.js";
import { uptime } from "../format.js";
import type { MonitorState } from "../state.js";
import { varz } from "../varz.js";

/** At most this many connections go to the page (largest message counts first). */
export const DASHBOARD_MAX_CONNECTIONS = 500;
/** How many recent slow consumers the page lists. */
const RECENT_SLOW = 20;

export interface DashboardConnection {
  cid: number;
  name: string;
  lang: string;
  version: string;
  ip: string;
  port: number;
  subs: number;
  pendingBytes: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  uptimeMs: number;
  rttMs: number;
}

/** Builds the document for `GET api/dashboard?since=<epoch ms>`. */
export function dashboardData(m: MonitorState, sinceMs: number): Record<string, unknown> {
  const s = m.server;
  const now = Date.now();
  const v = varz(m);
  const conns: DashboardConnection[] = [];
  for (const c of s.clients.values()) {
    const r = openRow(c);
    conns.push({
      cid: r.cid,
      name: r.name,
      lang: r.lang,
      version: r.version,
      ip: r.ip,
      port: r.port,
      subs: r.numSubs,
      pendingBytes: r.pendingBytes,
      inMsgs: r.inMsgs,
      outMsgs: r.outMsgs,
      inBytes: r.inBytes,
      outBytes: r.outBytes,
      uptimeMs: now - r.startMs,
      rttMs: r.rttMs,
    });
  }
  const total = conns.length;
  if (conns.length > DASHBOARD_MAX_CONNECTIONS) {
    conns.sort((a, b) => b.inMsgs + b.outMsgs - (a.inMsgs + a.outMsgs));
    conns.length = DASHBOARD_MAX_CONNECTIONS;
  }
  const atRiskBytes = Math.min(s.options.maxPending / 2, s.stallThreshold);
  return {
    now,
    server: {
      id: s.id,
      name: s.name,
      version: v.version,
      tsnats_version: v.tsnats_version,
      uptime: uptime(now - s.startMs),
      connections: s.clients.size,
      total_connections: s.totalConnections,
      subscriptions: v.subscriptions,
      in_msgs: s.inMsgs,
      out_msgs: s.outMsgs,
      in_bytes: s.inBytes,
      out_bytes: s.outBytes,
      slow_consumers: s.slowConsumers,
      mem: v.mem,
      cpu: v.cpu,
      max_pending: s.options.maxPending,
    },
    cluster: clusterDashboard(s),
    series: m.sampler.history.filter((p) => p.t > sinceMs),
    connections: conns,
    connectionsTotal: total,
    subjects: m.sampler.subjects,
    subjectsWarmingUp: m.sampler.subjects.length === 0,
    jetstream: jetstreamView(s),
    slow: {
      total: s.slowConsumers,
      recent: recentSlow(s.closedClients),
      atRisk: conns.filter((c) => c.pendingBytes >= atRiskBytes).map((c) => ({ cid: c.cid, name: c.name, pendingBytes: c.pendingBytes })),
    },
  };
}

/** At most this many streams, and consumers per stream, go to the page. */
const DASHBOARD_MAX_STREAMS = 200;
const DASHBOARD_MAX_CONSUMERS = 50;

/** Streams and consumers for the JetStream card; null when JetStream is off. */
function jetstreamView(s: MonitorState["server"]): Record<string, unknown> | null {
  const js = s.jetstream;
  if (js === null) return null;
  const streams: Array<Record<string, unknown>> = [];
  let total = 0;
  for (const jsa of js.accounts.values()) {
    for (const st of jsa.streams.values()) {
      total++;
      if (streams.length >= DASHBOARD_MAX_STREAMS) continue;
      const state = st.store.fastState();
      const consumers = [...st.consumers.values()]
        .filter((c) => c.cfg.direct !== true)
        .slice(0, DASHBOARD_MAX_CONSUMERS)
        .map((c) => ({
          name: c.name,
          kind: c.isPush ? "push" : "pull",
          ackPending: c.pending.size,
          pending: c.numPending(),
          redelivered: c.rdc.size,
          waiting: c.waiting?.length ?? 0,
          delivered: c.sseq - 1,
          lastActiveMs: Math.max(c.lastDeliveredMs, c.lastAckMs),
        }));
      streams.push({
        account: jsa.account.name,
        name: st.name,
        storage: st.cfg.storage,
        retention: st.cfg.retention,
        subjects: st.cfg.subjects ?? [],
        messages: state.msgs,
        bytes: state.bytes,
        firstSeq: state.firstSeq,
        lastSeq: state.lastSeq,
        consumers,
      });
    }
  }
  streams.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return { memory: js.memUsed, storage: js.storeUsed, api: { total: js.api.total, errors: js.api.errors }, streams, total };
}

function recentSlow(closed: readonly ClosedClientInfo[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = closed.length - 1; i >= 0 && out.length < RECENT_SLOW; i--) {
    const c = closed[i]!;
    if (c.reason.startsWith("Slow Consumer")) out.push({ cid: c.cid, name: c.name, reason: c.reason, stopMs: c.stopMs, ip: c.ip, port: c.port });
  }
  return out;
}
