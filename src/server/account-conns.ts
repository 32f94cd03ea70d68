/**
 * Account connection events (nats-server events.go accConnsUpdate / remoteConnsUpdate,
 * accounts.go updateRemoteServer): every server tells the others how many client and leaf
 * connections each account has on it, so an account JWT's `conn` and `leaf` limits hold
 * across a cluster and a supercluster rather than per server.
 *
 * - Out: when an account's local count changes, and every 30 s while it is not zero, an
 *   `account_connections` event goes to `$SYS.SERVER.ACCOUNT.<acc>.CONNS` (the subject
 *   every server listens on) and `$SYS.ACCOUNT.<acc>.SERVER.CONNS` (the newer name), in
 *   the system account, so routes and gateways carry it like any message.
 * - In: the events of other servers give per-server counts (replacing that server's
 *   previous one); a server that announces its shutdown (`$SYS.SERVER.<id>.SHUTDOWN`), or
 *   is not heard from for 150 s, is forgotten. A remote update that takes the account over
 *   its limits closes the newest local clients, and leaves, over it (nats-server closes
 *   from its side too: both servers may cut).
 * - When an account JWT is loaded, `$SYS.REQ.ACCOUNT.<acc>.CONNS` asks the others for their
 *   counts (answers come to `$SYS._INBOX_.<server id>`).
 *
 * Counting, as nats-server: the `conn` limit counts this server's clients and leaves plus
 * the other servers' clients; the `leaf` limit every server's leaves. Sent/received in an
 * event are the sums over the account's open connections here (nats-server keeps
 * cumulative account counters; tsnats has none).
 */
import type { Account } from "../accounts/account.js";
import type { Server } from "./server.js";
import type { Subscription } from "./subscription.js";
import type { Connection } from "./connection.js";
import { Kind } from "./connection-kind.js";
import { nuid } from "@nats-io/nuid";
import { serverInfo } from "./events.js";
import { AccountEventInterest } from "./event-interest.js";

/** nats-server AccountNumConnsMsgType. */
export const ACCOUNT_CONNS_TYPE = "io.nats.server.advisory.v1.account_connections";
/** nats-server eventsHBInterval: an account with connections is announced again this often. */
export const ACCOUNT_CONNS_HB_MS = 30_000;
/** nats-server orphMax (5 heartbeats): a server silent this long is forgotten. */
const ORPHAN_MS = 5 * ACCOUNT_CONNS_HB_MS;
/** How often heartbeats and the orphan check run (one coarse timer for every account). */
const TICK_MS = 5_000;

/** nats-server accConnsEventSubjOld, the subject servers listen on. */
export function accountConnsSubjectOld(account: string): string {
  return `$SYS.SERVER.ACCOUNT.${account}.CONNS`;
}

/** nats-server accConnsEventSubjNew. */
export function accountConnsSubjectNew(account: string): string {
  return `$SYS.ACCOUNT.${account}.SERVER.CONNS`;
}

/** This server's connections of one account. */
interface LocalCounts {
  readonly conns: Set<Connection>;
  leafs: number;
  lastSentMs: number;
}

/** What other servers said they have of one account (nats-server sconns, summed). */
interface RemoteCounts {
  readonly byServer: Map<string, { conns: number; leafs: number }>;
  conns: number;
  leafs: number;
}

/** Owned by the server (`server.accountConns`). */
export class AccountConns {
  private readonly local = new Map<Account, LocalCounts>();
  /** The account each counted connection was counted in (a connection is counted once). */
  private readonly counted = new Map<Connection, Account>();
  private readonly remote = new Map<string, RemoteCounts>();
  /** Other servers heard from, with when (for the orphan check). */
  private readonly servers = new Map<string, number>();
  private subs: Subscription[] = [];
  /** Whether anyone but this tracker has interest in an account's events (see `othersListen`). */
  private readonly listened = new AccountEventInterest(
    (sys, account) => this.othersListen(sys, accountConnsSubjectOld(account.name)) || this.othersListen(sys, accountConnsSubjectNew(account.name)),
  );
  private sys: Account | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly server: Server) {}

  /** Subscribes in the system account `sys` (again after a reload moved it). */
  listen(sys: Account): void {
    const s = this.server;
    for (const sub of this.subs) s.unsubscribeInternal(sub);
    this.sys = sys;
    const onConns = (_subject: string, _reply: string, hdr: number, data: Buffer): void => this.remoteUpdate(hdr > 0 ? data.subarray(hdr) : data);
    this.subs = [
      s.subscribeInternal(sys, accountConnsSubjectOld("*"), onConns),
      s.subscribeInternal(sys, `$SYS._INBOX_.${s.id}`, onConns),
      s.subscribeInternal(sys, "$SYS.SERVER.*.SHUTDOWN", (subject) => this.forgetServer(subject.split(".")[2] ?? "")),
    ];
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** A client finished CONNECT, or a leaf registered, in `account`. */
  added(c: Connection, account: Account): void {
    if (this.counted.has(c)) return;
    this.counted.set(c, account);
    let l = this.local.get(account);
    if (l === undefined) this.local.set(account, (l = { conns: new Set(), leafs: 0, lastSentMs: 0 }));
    l.conns.add(c);
    if (c.kind === Kind.LEAF) l.leafs++;
    this.publish(account, l);
  }

  /** A counted connection closed. */
  removed(c: Connection): void {
    const account = this.counted.get(c);
    if (account === undefined) return;
    this.counted.delete(c);
    const l = this.local.get(account);
    if (l === undefined) return;
    l.conns.delete(c);
    if (c.kind === Kind.LEAF) l.leafs--;
    if (l.conns.size === 0) this.local.delete(account);
    // nats-server removeClient: nothing for the global account.
    if (account !== this.server.globalAccount && !this.server.shutdownStarted) this.publish(account, l);
  }

  /** Local client connections of `account` (leaves not counted). */
  localClients(account: Account): number {
    const l = this.local.get(account);
    return l === undefined ? 0 : l.conns.size - l.leafs;
  }

  /** Local leaf connections of `account`. */
  localLeafs(account: Account): number {
    return this.local.get(account)?.leafs ?? 0;
  }

  /** Client connections other servers reported for `account`. */
  remoteClients(account: Account): number {
    return this.remote.get(account.name)?.conns ?? 0;
  }

  /** Leaf connections other servers reported for `account`. */
  remoteLeafs(account: Account): number {
    return this.remote.get(account.name)?.leafs ?? 0;
  }

  /**
   * nats-server MaxTotalConnectionsReached: this server's clients and leaves plus the other
   * servers' clients, against the JWT's `conn` limit (-1: none). `except` is not counted.
   */
  connLimitReached(account: Account, max: number, except: Connection | null): boolean {
    if (max < 0) return false;
    const l = this.local.get(account);
    const here = l === undefined ? 0 : l.conns.size - (except !== null && l.conns.has(except) ? 1 : 0);
    return here + this.remoteClients(account) >= max;
  }

  /** nats-server maxTotalLeafNodesReached: every server's leaves against `leaf` (-1: none). */
  leafLimitReached(account: Account, max: number, except: Connection | null): boolean {
    if (max < 0) return false;
    const l = this.local.get(account);
    const here = l === undefined ? 0 : l.leafs - (except !== null && l.conns.has(except) ? 1 : 0);
    return here + this.remoteLeafs(account) >= max;
  }

  /** This server's counted connections of `account`, oldest first. */
  connectionsOf(account: Account): Connection[] {
    const l = this.local.get(account);
    return l === undefined ? [] : [...l.conns].sort((a, b) => a.startMs - b.startMs || a.id - b.id);
  }

  /**
   * A newly loaded account (nats-server enableAccountTracking): asks the other servers for
   * their counts; those with connections answer on our `$SYS._INBOX_.<id>`.
   */
  requestCounts(account: string): void {
    if (this.sys === null) return;
    // Off the caller's turn: an account is loaded in the middle of a login.
    setImmediate(() => {
      const sys = this.sys;
      if (sys === null || this.server.shutdownStarted) return;
      // publishInternal takes the payload as on the wire: with its CRLF.
      const body = `${JSON.stringify({ server: serverInfo(this.server), acc: account })}\r\n`;
      this.server.publishInternal(sys, `$SYS.REQ.ACCOUNT.${account}.CONNS`, `$SYS._INBOX_.${this.server.id}`, Buffer.from(body, "utf8"), -1);
    });
  }

  /** The `account_connections` event for `account` (nats-server AccountNumConns). */
  event(account: Account): Record<string, unknown> {
    const l = this.local.get(account);
    let sentMsgs = 0;
    let sentBytes = 0;
    let recvMsgs = 0;
    let recvBytes = 0;
    if (l !== undefined) {
      for (const c of l.conns) {
        sentMsgs += c.outMsgs;
        sentBytes += c.outBytes;
        recvMsgs += c.inMsgs;
        recvBytes += c.inBytes;
      }
    }
    const leafs = l?.leafs ?? 0;
    const conns = (l?.conns.size ?? 0) - leafs;
    return {
      type: ACCOUNT_CONNS_TYPE,
      id: nuid.next(),
      timestamp: new Date().toISOString(),
      server: serverInfo(this.server),
      acc: account.name,
      conns,
      leafnodes: leafs,
      total_conns: conns + leafs,
      num_subscriptions: account.sublist.count(),
      sent: { msgs: sentMsgs, bytes: sentBytes },
      received: { msgs: recvMsgs, bytes: recvBytes },
      slow_consumers: 0,
    };
  }

  /**
   * Publishes the account's event on both subjects when anyone but us (or a gateway) may want
   * it: a server alone builds nothing per connection.
   */
  private publish(account: Account, l: LocalCounts): void {
    const sys = this.sys;
    if (sys === null) return;
    l.lastSentMs = Date.now();
    const s = this.server;
    if (s.gateways === null && !this.listened.has(sys, account)) return;
    const oldSubject = accountConnsSubjectOld(account.name);
    const newSubject = accountConnsSubjectNew(account.name);
    const payload = Buffer.from(`${JSON.stringify(this.event(account))}\r\n`, "utf8");
    s.publishInternal(sys, oldSubject, "", payload, -1);
    s.publishInternal(sys, newSubject, "", payload, -1);
  }

  /** Whether anyone but this tracker (a client, a route, a leaf) has interest in `subject`. */
  private othersListen(sys: Account, subject: string): boolean {
    const r = sys.sublist.match(subject);
    if (r.qsubs.length > 0) return true;
    for (const sub of r.psubs) if (!this.subs.includes(sub)) return true;
    return false;
  }

  /** Heartbeats of accounts with connections; other servers not heard from are forgotten. */
  private tick(): void {
    const now = Date.now();
    for (const [account, l] of this.local) if (l.conns.size > 0 && now - l.lastSentMs >= ACCOUNT_CONNS_HB_MS) this.publish(account, l);
    for (const [id, seen] of this.servers) if (now - seen > ORPHAN_MS) this.forgetServer(id);
  }

  /** Another server's event (nats-server remoteConnsUpdate): bad bodies are ignored. */
  private remoteUpdate(body: Buffer): void {
    let m: { server?: { id?: unknown }; acc?: unknown; conns?: unknown; leafnodes?: unknown };
    try {
      m = JSON.parse(body.toString("utf8")) as typeof m;
    } catch {
      this.server.logger.debug("Error unmarshalling account connection event message");
      return;
    }
    const id = m.server?.id;
    if (typeof id !== "string" || id === "" || id === this.server.id || typeof m.acc !== "string") return;
    const conns = typeof m.conns === "number" && m.conns > 0 ? Math.trunc(m.conns) : 0;
    const leafs = typeof m.leafnodes === "number" && m.leafnodes > 0 ? Math.trunc(m.leafnodes) : 0;
    this.servers.set(id, Date.now());
    let r = this.remote.get(m.acc);
    if (r === undefined) this.remote.set(m.acc, (r = { byServer: new Map(), conns: 0, leafs: 0 }));
    const prev = r.byServer.get(id);
    r.conns += conns - (prev?.conns ?? 0);
    r.leafs += leafs - (prev?.leafs ?? 0);
    if (conns === 0 && leafs === 0) r.byServer.delete(id);
    else r.byServer.set(id, { conns, leafs });
    if (r.byServer.size === 0) this.remote.delete(m.acc);
    const account = this.server.accounts.get(m.acc);
    if (account !== undefined) this.server.operator?.enforceClusterLimits(account);
  }

  /** nats-server processRemoteServerShutdown: the server's counts no longer hold. */
  private forgetServer(id: string): void {
    this.servers.delete(id);
    for (const [name, r] of this.remote) {
      const prev = r.byServer.get(id);
      if (prev === undefined) continue;
      r.byServer.delete(id);
      r.conns -= prev.conns;
      r.leafs -= prev.leafs;
      if (r.byServer.size === 0) this.remote.delete(name);
    }
  }

  /** Announces this server's shutdown (nats-server sendShutdownEvent), so others forget its counts. */
  publishShutdown(): void {
    const sys = this.sys;
    if (sys === null) return;
    this.server.publishInternal(sys, `$SYS.SERVER.${this.server.id}.SHUTDOWN`, "", Buffer.from(`${JSON.stringify(serverInfo(this.server))}\r\n`, "utf8"), -1);
  }
}
