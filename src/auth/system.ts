/**
 * The system account and its request subjects (nats-server events.go): a client in the
 * system account can ask `$SYS.REQ.SERVER.PING` (every server answers with its statsz) and
 * `$SYS.REQ.SERVER.PING.<KIND>` / `$SYS.REQ.SERVER.<id>.<KIND>` for VARZ, CONNZ, SUBSZ,
 * HEALTHZ, IDZ and STATSZ, answered with the same JSON as the HTTP endpoints, wrapped as
 * nats-server wraps it: `{"server": {...}, "data": {...}}` (`"statsz"` for statsz).
 */
import { DEFAULT_SYSTEM_ACCOUNT } from "./accounts.js";
import { AccountRoutes } from "./routing.js";
import { Account } from "../server/account.js";
import type { Server } from "../server/server.js";
import { NATS_COMPAT_VERSION } from "../version.js";
import { connz, parseConnzOptions } from "../monitor/connz.js";
import { subsz } from "../monitor/subsz.js";
import { totalSubscriptions, varz } from "../monitor/varz.js";
import type { MonitorState } from "../monitor/state.js";

/** nats-server events.go serverPingReqSubj / serverDirectReqSubj prefixes. */
export const SERVER_PING_SUBJECT = "$SYS.REQ.SERVER.PING";
const SERVER_REQ_PREFIX = "$SYS.REQ.SERVER.";

/** Creates (or finds) the system account and installs its request handler. */
export function setupSystemAccount(server: Server): Account {
  const name = server.options.systemAccount ?? DEFAULT_SYSTEM_ACCOUNT;
  let acc = server.accounts.get(name);
  if (acc === undefined) {
    acc = new Account(name);
    server.accounts.set(name, acc);
  }
  const sys = acc;
  (sys.routes ??= new AccountRoutes()).system = (subject, reply) => handleSystemRequest(server, sys, subject, reply);
  return sys;
}

let seq = 0;

/** nats-server ServerInfo, the `server` part of every system response. */
function serverInfo(server: Server): Record<string, unknown> {
  return {
    name: server.name,
    host: server.options.host,
    id: server.id,
    ver: NATS_COMPAT_VERSION,
    jetstream: server.options.jetstream,
    seq: ++seq,
    time: new Date().toISOString(),
  };
}

/** nats-server ServerStats (statsz). */
export function statsz(server: Server): Record<string, unknown> {
  const mem = process.memoryUsage();
  return {
    start: new Date(server.startMs).toISOString(),
    mem: mem.rss,
    cores: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1,
    cpu: 0,
    connections: server.clients.size,
    total_connections: server.totalConnections,
    active_accounts: [...server.accounts.values()].filter((a) => a.sublist.count() > 0).length,
    subscriptions: totalSubscriptions(server),
    sent: { msgs: server.outMsgs, bytes: server.outBytes },
    received: { msgs: server.inMsgs, bytes: server.inBytes },
    slow_consumers: server.slowConsumers,
  };
}

/**
 * The monitor's /varz wants the monitoring listener's state; system requests may come
 * without one, so this gives the fields /varz reads from it.
 */
function monitorStateFor(server: Server): MonitorState {
  return {
    server,
    httpHost: server.options.httpHost ?? server.options.host,
    httpPort: server.monitorPort,
    basePath: server.options.httpBasePath ?? "",
    httpReqStats: new Map(),
    usage: { cpuPercent: 0 },
    closing: false,
  } as unknown as MonitorState;
}

function endpoint(server: Server, kind: string): Record<string, unknown> | null {
  switch (kind) {
    case "VARZ":
      return varz(monitorStateFor(server));
    case "CONNZ":
      return connz(server, parseConnzOptions(new URLSearchParams()));
    case "SUBSZ":
      return subsz(server, new URLSearchParams());
    case "HEALTHZ":
      return { status: "ok" };
    case "IDZ":
      return { name: server.name, host: server.options.host, id: server.id };
    default:
      return null;
  }
}

/** Answers a request published in the system account; false when it is not one. */
export function handleSystemRequest(server: Server, sys: Account, subject: string, reply: string): boolean {
  if (reply === "" || !subject.startsWith(SERVER_REQ_PREFIX)) return false;
  let kind: string;
  if (subject === SERVER_PING_SUBJECT) kind = "STATSZ";
  else if (subject.startsWith(`${SERVER_PING_SUBJECT}.`)) kind = subject.slice(SERVER_PING_SUBJECT.length + 1);
  else if (subject.startsWith(`${SERVER_REQ_PREFIX}${server.id}.`)) kind = subject.slice(SERVER_REQ_PREFIX.length + server.id.length + 1);
  else return false;
  let body: Record<string, unknown>;
  if (kind === "STATSZ") body = { server: serverInfo(server), statsz: statsz(server) };
  else {
    const data = endpoint(server, kind);
    if (data === null) return false;
    body = { server: serverInfo(server), data };
  }
  const payload = Buffer.from(`${JSON.stringify(body)}\r\n`, "utf8");
  // Answer after the request's own deliveries, outside the publisher's read batch.
  setImmediate(() => server.publishInternal(sys, reply, "", payload, -1));
  return true;
}
