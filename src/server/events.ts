/**
 * The system account: client events and request subjects (nats-server events.go),
 * served through the server's internal subscriptions. A client in the system account
 * can ask
 * - `$SYS.REQ.SERVER.PING` (every server answers with its statsz),
 * - `$SYS.REQ.SERVER.PING.<KIND>` / `$SYS.REQ.SERVER.<id>.<KIND>` for the z endpoints
 *   (system-requests.ts SERVER_KINDS),
 * - `$SYS.REQ.ACCOUNT.<acc>.<KIND>` for one account (INFO, CONNZ, SUBSZ, LEAFZ, JSZ, STATZ,
 *   CONNS) and `$SYS.REQ.ACCOUNT.PING.STATZ` for all,
 * answered with the same JSON as the HTTP endpoints, wrapped as nats-server wraps it:
 * `{"server": {...}, "data": {...}}` (`"statsz"` for statsz), `"error"` on a bad request.
 * The request body holds the endpoint's options as JSON. Other accounts reach some of
 * these through the system imports (system-imports.ts), and `$SYS.REQ.USER.INFO`.
 */
import { DEFAULT_SYSTEM_ACCOUNT } from "../accounts/config.js";
import { Account } from "../accounts/account.js";
import type { Client } from "./client.js";
import type { Leaf } from "../leafnode/leaf.js";
import { Kind } from "./connection-kind.js";
import type { Server } from "./server.js";
import type { Subscription } from "./subscription.js";
import type { PermissionsOptions, SubjectPermission } from "./options.js";
import { nuid } from "@nats-io/nuid";
import { NATS_COMPAT_VERSION } from "../version.js";
import { SystemImports } from "./system-imports.js";
import { AccountEventInterest } from "./event-interest.js";
import type { SystemAnswer } from "../monitor/system-requests.js";

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
  const events = server.events;
  if (!(kind === "CONNECT" ? events.connectInterest : events.disconnectInterest).has(sys, c.account)) return;
  const subject = clientEventSubject(c.account, kind);
  const client: Record<string, unknown> = {
    start: new Date(c.startMs).toISOString(),
    host: c.host,
    id: c.id,
    acc: c.account.name,
    user: c.user,
    name: c.name,
    lang: c.lang,
    ver: c.version,
    server: server.name,
    kind: "Client",
    client_type: "nats",
  };
  // Go time.Duration: integer nanoseconds, omitted while unmeasured (as nats-server 2.9.10 sends it).
  if (c.rttMs > 0) client.rtt = Math.round(c.rttMs * 1e6);
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

function clientEventSubject(account: Account, kind: "CONNECT" | "DISCONNECT"): string {
  return `$SYS.ACCOUNT.${account.name}.${kind}`;
}

/** nats-server events.go serverPingReqSubj / serverDirectReqSubj / accDirectReqSubj prefixes. */
export const SERVER_PING_SUBJECT = "$SYS.REQ.SERVER.PING";
const SERVER_REQ_PREFIX = "$SYS.REQ.SERVER.";
const ACCOUNT_REQ_PREFIX = "$SYS.REQ.ACCOUNT.";
/** nats-server AccountNumConnsMsgType, the event CONNS answers with. */
const ACCOUNT_CONNS_TYPE = "io.nats.server.advisory.v1.account_connections";
/** The request kinds, as system-requests.ts SERVER_KINDS / ACCOUNT_KINDS (that module loads lazily). */
const SERVER_KINDS = ["STATSZ", "VARZ", "CONNZ", "SUBSZ", "ROUTEZ", "GATEWAYZ", "LEAFZ", "ACCOUNTZ", "JSZ", "HEALTHZ", "IDZ", "PROFILEZ", "EXPVARZ", "IPQUEUESZ", "RAFTZ"];
const ACCOUNT_KINDS = ["SUBSZ", "CONNZ", "LEAFZ", "JSZ", "INFO", "STATZ", "CONNS"];

type Requests = typeof import("../monitor/system-requests.js");

/**
 * The server's `$SYS` side: the sequence number every event and response carries, the
 * internal subscriptions that answer `$SYS.REQ.*` in the system account, and the system
 * imports of the other accounts.
 */
export class SystemEvents {
  /** nats-server ServerInfo `seq`: one per event or response this server sends. */
  seq = 0;
  readonly imports: SystemImports;
  /** Whether anyone listens for an account's client connect and disconnect events. */
  readonly connectInterest = new AccountEventInterest((sys, account) => sys.sublist.hasInterest(clientEventSubject(account, "CONNECT")));
  readonly disconnectInterest = new AccountEventInterest((sys, account) => sys.sublist.hasInterest(clientEventSubject(account, "DISCONNECT")));
  private subs: Subscription[] = [];
  private account: Account | null = null;

  constructor(private readonly server: Server) {
    this.imports = new SystemImports(server);
  }

  /** Subscribes the request handlers in `sys` (again after a reload moved the system account). */
  listen(sys: Account): void {
    if (this.account === sys) return;
    const server = this.server;
    for (const s of this.subs) server.unsubscribeInternal(s);
    this.account = sys;
    const on = (subject: string, handle: (r: Requests, subject: string, body: Buffer) => Promise<SystemAnswer | null>): Subscription =>
      server.subscribeInternal(sys, subject, (subj, reply, hdr, data) => {
        if (reply === "") return;
        const body = hdr > 0 ? data.subarray(hdr) : data;
        this.answer(sys, reply, (r) => handle(r, subj, body));
      });
    const statsz = (r: Requests, _s: string, body: Buffer): Promise<SystemAnswer | null> => r.serverRequest(server, "STATSZ", body);
    this.subs = [on(SERVER_PING_SUBJECT, statsz)];
    for (const kind of SERVER_KINDS) {
      const h = kind === "STATSZ" ? statsz : (r: Requests, _s: string, body: Buffer) => r.serverRequest(server, kind, body);
      this.subs.push(on(`${SERVER_PING_SUBJECT}.${kind}`, h), on(`${SERVER_REQ_PREFIX}${server.id}.${kind}`, h));
    }
    for (const kind of ACCOUNT_KINDS) {
      this.subs.push(
        on(`${ACCOUNT_REQ_PREFIX}*.${kind}`, (r, subject, body) => {
          const name = subject.slice(ACCOUNT_REQ_PREFIX.length, subject.length - kind.length - 1);
          return kind === "CONNS" ? this.accountConns(r, name) : r.accountRequest(server, name, kind, body);
        }),
      );
    }
    this.subs.push(on(`${ACCOUNT_REQ_PREFIX}PING.STATZ`, (r, _s, body) => r.accountPingStatz(server, body)));
    this.imports.listen(sys);
  }

  /**
   * Builds an answer off the publisher's read batch and publishes it on `reply` in
   * `account`; a null answer sends nothing (the server was filtered out).
   */
  private answer(account: Account, reply: string, build: (r: Requests) => Promise<SystemAnswer | null>): void {
    const server = this.server;
    void (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const a = await build(await import("../monitor/system-requests.js"));
      if (a === null) return;
      server.publishInternal(account, reply, "", Buffer.from(`${this.envelope(a)}\r\n`, "utf8"), -1);
    })().catch((err: unknown) => server.logger.error(`System request: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** nats-server ServerAPIResponse: `{"server","data","error"}`, `"statsz"` for a STATSZ data. */
  private envelope(a: SystemAnswer): string {
    if ("event" in a) return JSON.stringify(a.event);
    const head = `{"server":${JSON.stringify(serverInfo(this.server))}`;
    if ("error" in a) return `${head}${a.data === null ? "" : `,"data":${a.data}`},"error":${JSON.stringify(a.error)}}`;
    if ("statsz" in a) return `${head},"statsz":${JSON.stringify(statsz(this.server))}}`;
    return `${head},"data":${a.data}}`;
  }

  /**
   * `$SYS.REQ.ACCOUNT.<acc>.CONNS` (nats-server connsRequest): the account's connection
   * count as an `account_connections` event, from servers where it has local connections.
   */
  private async accountConns(r: Requests, name: string): Promise<SystemAnswer | null> {
    if (!this.server.accounts.has(name)) return null;
    const stz = await r.accountStatz(this.server, [name], false);
    const row = (stz.account_statz as Array<Record<string, unknown>>)[0];
    if (row === undefined) return null;
    return { event: { type: ACCOUNT_CONNS_TYPE, id: nuid.next(), timestamp: new Date().toISOString(), server: serverInfo(this.server), ...row } };
  }

  /**
   * `$SYS.REQ.USER.INFO` from client `c` (nats-server userInfoReq): its user, account,
   * permissions and the time its login has left (`expires`), answered on `reply` in the client's own account.
   */
  async answerUserInfo(c: Client | Leaf, reply: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const data: Record<string, unknown> = { user: c.user, account: c.account.name };
    const perms = c.kind === Kind.CLIENT ? (c as Client).perms?.perms.options : undefined;
    if (perms !== undefined) data.permissions = publicPermissions(perms);
    // nats-server claimExpiration: the time left, whole seconds, as a Go Duration (ns); omitted when none.
    const leftSec = c.expiresAtMs === 0 ? 0 : Math.trunc((c.expiresAtMs - Date.now()) / 1000);
    if (leftSec !== 0) data.expires = leftSec * 1e9;
    if (c.closed) return;
    this.server.publishInternal(c.account, reply, "", Buffer.from(`${this.envelope({ data: JSON.stringify(data) })}\r\n`, "utf8"), -1);
  }
}

/** nats-server Permissions JSON (`publish`, `subscribe`, `responses`), from the configured options. */
function publicPermissions(p: PermissionsOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const side = (sp: SubjectPermission | undefined): Record<string, unknown> | undefined => {
    if (sp === undefined) return undefined;
    const o: Record<string, unknown> = {};
    if (sp.allow !== undefined && sp.allow.length > 0) o.allow = [...sp.allow];
    if (sp.deny !== undefined && sp.deny.length > 0) o.deny = [...sp.deny];
    return o;
  };
  const pub = side(p.publish);
  if (pub !== undefined) out.publish = pub;
  const sub = side(p.subscribe);
  if (sub !== undefined) out.subscribe = sub;
  // Go time.Duration: nanoseconds.
  if (p.allowResponses !== undefined) out.responses = { max: p.allowResponses.maxMsgs, ttl: p.allowResponses.expiresMs * 1e6 };
  return out;
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
  server.accountConns.listen(acc);
  server.operator?.listen(acc);
  return acc;
}

/** nats-server ServerInfo, the `server` part of every system response. */
export function serverInfo(server: Server): Record<string, unknown> {
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
