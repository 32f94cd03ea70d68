/**
 * The system account: client events and request subjects (nats-server events.go),
 * served through the server's internal subscriptions. A client in the system account
 * can ask `$SYS.REQ.SERVER.PING` (every server answers with its statsz) and
 * `$SYS.REQ.SERVER.PING.<KIND>` / `$SYS.REQ.SERVER.<id>.<KIND>` for VARZ, CONNZ, SUBSZ,
 * HEALTHZ, IDZ, STATSZ, ROUTEZ and LEAFZ, answered with the same JSON as the HTTP endpoints, wrapped as
 * nats-server wraps it: `{"server": {...}, "data": {...}}` (`"statsz"` for statsz).
 */
import { DEFAULT_SYSTEM_ACCOUNT } from "../accounts/config.js";
import { Account } from "../accounts/account.js";
import type { Client } from "./client.js";
import type { Server } from "./server.js";
import type { Subscription } from "./subscription.js";
import { nuid } from "@nats-io/nuid";
import { NATS_COMPAT_VERSION } from "../version.js";

/** Advisory types of nats-server's client events (server/events.go). */
const CONNECT_EVENT_TYPE = "io.nats.server.advisory.v1.client_connect";
const DISCONNECT_EVENT_TYPE = "io.nats.server.advisory.v1.client_disconnect";

/**
 * Publishes `$SYS.ACCOUNT.<account>.CONNECT` or `.DISCONNECT` in the system account, as
 * nats-server does for every client, so `nats event`-style tools and auditors see who
 * comes and goes. Nothing is built unless someone listens.
 */
export function publishClientEvent(server: Server, c: Client, kind: "CONNECT" | "DISCONNECT"): void {
  const sys = server.systemAccount;
  const subject = `$SYS.ACCOUNT.${c.account.name}.${kind}`;
  if (!sys.sublist.hasInterest(subject)) return;
  const client: Record<string, unknown> = {
    start: new Date(c.startMs).toISOString(),
    host: c.host,
    id: c.id,
    acc: c.account.name,
    user: c.user,
    name: c.name,
    lang: c.lang,
    ver: c.version,
    rtt: `${Math.round(c.rttMs * 1000)}µs`,
    server: server.name,
    kind: "Client",
    client_type: "nats",
  };
  const event: Record<string, unknown> = {
    type: kind === "CONNECT" ? CONNECT_EVENT_TYPE : DISCONNECT_EVENT_TYPE,
    id: nuid.next(),
    timestamp: new Date().toISOString(),
    server: serverInfo(server),
    client,
  };
  if (kind === "DISCONNECT") {
    client.stop = new Date(c.stopMs || Date.now()).toISOString();
    event.sent = { msgs: c.outMsgs, bytes: c.outBytes };
    event.received = { msgs: c.inMsgs, bytes: c.inBytes };
    event.reason = c.closeReason;
  }
  server.publishInternal(sys, subject, "", Buffer.from(`${JSON.stringify(event)}\r\n`, "utf8"), -1);
}

/** nats-server events.go serverPingReqSubj / serverDirectReqSubj prefixes. */
export const SERVER_PING_SUBJECT = "$SYS.REQ.SERVER.PING";
const SERVER_REQ_PREFIX = "$SYS.REQ.SERVER.";

/**
 * The server's `$SYS` side: the sequence number every event and response carries, and
 * the internal subscriptions that answer `$SYS.REQ.SERVER.*` in the system account.
 */
export class SystemEvents {
  /** nats-server ServerInfo `seq`: one per event or response this server sends. */
  seq = 0;
  private subs: Subscription[] = [];
  private account: Account | null = null;

  constructor(private readonly server: Server) {}

  /** Subscribes the request handlers in `sys` (again after a reload moved the system account). */
  listen(sys: Account): void {
    if (this.account === sys) return;
    const server = this.server;
    for (const s of this.subs) server.unsubscribeInternal(s);
    this.account = sys;
    const on = (subject: string, kind: string): Subscription =>
      server.subscribeInternal(sys, subject, (_subject, reply) => answerSystemRequest(server, sys, kind, reply));
    this.subs = [on(SERVER_PING_SUBJECT, "STATSZ")];
    for (const kind of ENDPOINT_KINDS) {
      this.subs.push(on(`${SERVER_PING_SUBJECT}.${kind}`, kind), on(`${SERVER_REQ_PREFIX}${server.id}.${kind}`, kind));
    }
  }
}

/** Creates (or finds) the system account and subscribes its request handlers. */
export function setupSystemAccount(server: Server): Account {
  // Operator mode: the operator JWT's system account unless `system_account` names one.
  const name = server.options.systemAccount ?? server.operator?.systemAccountKey() ?? DEFAULT_SYSTEM_ACCOUNT;
  let acc = server.accounts.get(name);
  if (acc === undefined) {
    acc = new Account(name);
    server.accounts.set(name, acc);
  }
  server.events.listen(acc);
  return acc;
}

/** nats-server ServerInfo, the `server` part of every system response. */
function serverInfo(server: Server): Record<string, unknown> {
  return {
    name: server.name,
    host: server.options.host,
    id: server.id,
    ver: NATS_COMPAT_VERSION,
    jetstream: server.jetstream !== null,
    seq: ++server.events.seq,
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
    subscriptions: [...server.accounts.values()].reduce((n, a) => n + a.sublist.count(), 0),
    sent: { msgs: server.outMsgs, bytes: server.outBytes },
    received: { msgs: server.inMsgs, bytes: server.inBytes },
    slow_consumers: server.slowConsumers,
  };
}

/** The request kinds answered under `PING.<kind>` and `<id>.<kind>`, as nats-server's z endpoints. */
const ENDPOINT_KINDS = ["STATSZ", "VARZ", "CONNZ", "SUBSZ", "HEALTHZ", "IDZ", "ROUTEZ", "LEAFZ", "GATEWAYZ"];

/**
 * The JSON of one z endpoint (compact). The monitoring modules are loaded on the first
 * request, not at start-up: most servers never get one.
 */
async function endpointJson(server: Server, kind: string): Promise<string> {
  switch (kind) {
    case "VARZ":
      return JSON.stringify((await import("../monitor/index.js")).serverVarz(server));
    case "CONNZ":
    case "SUBSZ":
      return (await import("../monitor/system-z.js")).systemZJson(server, kind);
    case "HEALTHZ":
      return JSON.stringify({ status: "ok" });
    case "ROUTEZ":
      return JSON.stringify((await import("../monitor/cluster.js")).routez(server));
    case "LEAFZ":
      return JSON.stringify((await import("../monitor/cluster.js")).leafz(server));
    case "GATEWAYZ":
      return JSON.stringify((await import("../monitor/gatewayz.js")).gatewayz(server));
    default:
      return JSON.stringify({ name: server.name, host: server.options.host, id: server.id });
  }
}

/** Answers one `$SYS.REQ.SERVER` request on its reply subject. */
function answerSystemRequest(server: Server, sys: Account, kind: string, reply: string): void {
  if (reply === "") return;
  // Answered after the request's own deliveries, outside the publisher's read batch.
  void respond(server, sys, kind, reply).catch((err: unknown) =>
    server.logger.error(`System request ${kind}: ${err instanceof Error ? err.message : String(err)}`),
  );
}

async function respond(server: Server, sys: Account, kind: string, reply: string): Promise<void> {
  const json =
    kind === "STATSZ"
      ? JSON.stringify({ server: serverInfo(server), statsz: statsz(server) })
      : `{"server":${JSON.stringify(serverInfo(server))},"data":${await endpointJson(server, kind)}}`;
  const payload = Buffer.from(`${json}\r\n`, "utf8");
  await new Promise((resolve) => setImmediate(resolve));
  server.publishInternal(sys, reply, "", payload, -1);
}
