/**
 * One route: a connection to another server of the cluster (nats-server route.go, client.go
 * with kind ROUTER). It carries the peer's interest (RS+/RS-, and LS+/LS- for the peer's
 * leaf nodes) into our accounts as subscriptions it owns, and messages both ways
 * (RMSG/HMSG, LMSG for a leaf's message with its origin cluster). The handshake's
 * cluster-wide decisions (registering, duplicates, gossip) are the RouteManager's.
 */
import type { Socket } from "node:net";
import type { Account } from "../accounts/account.js";
import { ERR_INVALID_SUBJECT } from "../protocol/errors.js";
import { PINNED_ROUTE_VERBS, ROUTE_VERBS, Verb, type PubArg } from "../protocol/parser.js";
import { ClosedState } from "../server/closed-state.js";
import type { Connection } from "../server/connection.js";
import { Kind } from "../server/connection-kind.js";
import { deliverFromLink } from "../server/deliver.js";
import type { Server } from "../server/server.js";
import { Subscription } from "../server/subscription.js";
import { isValidQueueName, isValidSubject } from "../sublist/index.js";
import { Link } from "./link.js";
import { isRoutedReply } from "../gateway/gateway-proto.js";
import { handleRoutedReply, trackRoutedReply } from "../gateway/routing.js";
import { MatchCache } from "./match-cache.js";
import { MSG_TRACE_PROTO } from "./link-info.js";
import { tracedFromLink } from "../server/msg-trace-external.js";
import { processTracedLinkMsg } from "../server/msg-trace-deliver.js";
import { parseInterest, type RouteConnect, type RouteInfo } from "./route-proto.js";
import type { RouteManager } from "./routes.js";

/** nats-server errors.go ErrClientConnectedToRoutePort. */
export const ERR_CLIENT_CONNECTED_TO_ROUTE_PORT = "attempted to connect to route port";

/** A subscription a route's peer told us about: it lives in one account of ours. */
export class RouteSub extends Subscription {
  /** The account's name as bytes, for RMSG lines. */
  readonly accountBytes: Buffer;

  constructor(
    route: Route,
    subject: string,
    queue: string | null,
    key: string,
    readonly account: Account,
    weight: number,
    /** The leaf cluster this interest comes from (LS+), or "". */
    readonly origin: string,
  ) {
    super(route, subject, queue, key);
    this.accountBytes = Buffer.from(account.name, "latin1");
    this.weight = weight;
  }
}

export class Route extends Link {
  readonly kind = Kind.ROUTER;
  /** The peer's interest by `account subject [queue]`, as nats-server keys route subs. */
  readonly subs = new Map<string, RouteSub>();
  /** The peer's registration INFO, once received. */
  info: RouteInfo | null = null;
  /** We dialed this peer (it may become true when a duplicate we dialed is dropped for it). */
  didSolicit: boolean;
  /** The dialed URL is one of the configured routes (nats-server Explicit). */
  explicit: boolean;
  /** Reconnect even when accepted or implicit (set on the survivor of a duplicate pair). */
  retry = false;
  /** The peer sends and takes LS+/LMSG with leaf origin clusters. */
  lnoc = false;
  /** Client URLs the peer advertised, for the cluster's INFO to clients. */
  connectUrls: string[] = [];
  /** WebSocket URLs the peer advertised (route INFO `ws_connect_urls`), for our WebSocket clients. */
  wsConnectUrls: string[] = [];
  /** The peer's leafnode URL (route INFO `leafnode_urls`), passed on to our leaf connections. */
  leafUrl = "";
  /** The peer's gateway URL (route INFO `gateway_url`), in our gateway INFO while the route lasts. */
  gatewayUrl = "";
  /** Its place in the peer's pool (route.go route.poolIdx): -1 until registered, 0 without pooling. */
  poolIdx = -1;
  /** The peer does not pool (2.9, or `pool_size: -1` on either side): every account goes here. */
  noPool = false;
  /**
   * The one account this route carries (2.10+ pinned `cluster { accounts }`), or "": its
   * interest and messages then leave the account name out (route.go route.accName).
   */
  accountName = "";
  /** The pinned account, once the route is registered. */
  pinnedAccount: Account | null = null;
  /** Never redial this connection (a refused dedicated route, an extra one past the pool size). */
  noReconnect = false;
  private readonly cache = new MatchCache();

  constructor(
    server: Server,
    id: number,
    socket: Socket,
    readonly manager: RouteManager,
    solicited: boolean,
    url: URL | null,
    explicit: boolean,
  ) {
    super(server, id, socket, ROUTE_VERBS, solicited, url);
    this.didSolicit = solicited;
    this.explicit = explicit;
  }

  /**
   * Starts reading; a route we dialed says CONNECT first, then both sides send INFO. A pooled
   * route we dialed holds its INFO until the peer's tells it which pool slot is free
   * (route.go routeShouldDelayInfo); a pinned one names its account at once.
   */
  /** route.go upgradeRouteToSolicited: a pool with a route we dialed redials all of its places. */
  upgradeToSolicited(from: Route): void {
    if (this.didSolicit || from.url === null) return;
    this.didSolicit = true;
    this.url = from.url;
    this.explicit = from.explicit;
  }

  start(accountName = ""): void {
    this.startLink(this.manager.authRequired ? this.manager.authTimeoutMs : 0);
    if (accountName !== "") this.pinTo(accountName);
    if (this.solicited) this.sendProto(this.manager.connectLine(this));
    if (!this.solicited || accountName !== "" || !this.manager.pooling) this.sendProto(this.manager.infoLine({ route_account: accountName || undefined }));
    this.server.logger.notice(`${this.logPrefix()}Route connection created`);
    this.server.flushPending();
  }

  processOp(verb: Verb, arg: Buffer): boolean {
    this.countOp();
    switch (verb) {
      case Verb.RS_PLUS:
        return this.processRemoteSub(arg, false);
      case Verb.LS_PLUS:
        return this.processRemoteSub(arg, true);
      case Verb.RS_MINUS:
      case Verb.LS_MINUS:
        return this.processRemoteUnsub(arg);
      case Verb.CONNECT:
        return this.processConnect(arg);
      case Verb.INFO: {
        if (this.server.traceEnabled) this.traceIn("INFO", arg);
        const info = this.parseJson<RouteInfo>(arg, "processRouteInfo");
        if (info === null) return false;
        // Later INFOs (gossip, updates) may leave `proto` out: only a given one counts.
        if (typeof info.proto === "number") this.traceOk = info.proto >= MSG_TRACE_PROTO;
        this.manager.processInfo(this, info);
        return !this.closed;
      }
      default:
        // +OK, and A+/A- which only gateways act on.
        return true;
    }
  }

  /** From now on this route carries `name` only, and its lines leave the account out. */
  pinTo(name: string): void {
    this.accountName = name;
    this.parser.setVerbs(PINNED_ROUTE_VERBS);
  }

  /** nats-server processConnect (kind ROUTER) and processRouteConnect. */
  private processConnect(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("CONNECT", arg);
    const c = this.parseJson<RouteConnect>(arg, "processRouteConnect");
    if (c === null) return false;
    if (!this.manager.authorize(c)) {
      this.authViolation();
      return false;
    }
    if (typeof c.account === "string" && c.account !== "") {
      this.authViolation();
      return false;
    }
    this.connectAccepted();
    // Clients send `lang`, routes never do: a client dialed the route port.
    if (typeof c.lang === "string" && c.lang !== "") return this.errAndClose(ERR_CLIENT_CONNECTED_TO_ROUTE_PORT, ClosedState.WrongPort);
    if (typeof c.gateway === "string" && c.gateway !== "") {
      return this.errAndClose(`Rejecting connection from gateway "${c.gateway}" on the Route port`, ClosedState.WrongGateway);
    }
    if (!this.manager.acceptClusterName(this, c.cluster ?? "", c.cluster_dynamic === true)) {
      return this.errAndClose(
        `Rejecting connection, cluster name "${c.cluster ?? ""}" does not match "${this.manager.clusterName}"`,
        ClosedState.ClusterNameConflict,
      );
    }
    this.remoteId = typeof c.name === "string" ? c.name : "";
    this.lnoc = c.lnoc === true;
    this.headers = c.headers === true && !this.server.options.noHeaderSupport;
    return true;
  }

  /** RS+ / LS+: the peer has (more) interest in a subject (nats-server processRemoteSub). */
  private processRemoteSub(arg: Buffer, hasOrigin: boolean): boolean {
    if (this.server.traceEnabled) this.traceIn(hasOrigin ? "LS+" : "RS+", arg);
    const a = parseInterest(arg, true, hasOrigin, this.accountName);
    if (a === null) {
      this.protocolViolation(null, `processRemoteSub Parse Error: '${arg.toString("latin1")}'`);
      return false;
    }
    const account = this.server.accounts.get(a.account);
    if (account === undefined) {
      this.server.logger.error(`${this.logPrefix()}Unknown account "${a.account}" for remote subject "${a.subject}"`);
      return true;
    }
    if (!this.manager.canExport(a.subject)) {
      this.server.logger.debug(`${this.logPrefix()}Can not export "${a.subject}", ignoring remote subscription request`);
      return true;
    }
    const existing = this.subs.get(a.key);
    if (existing !== undefined) {
      // A queue group's weight changed.
      if (a.queue !== null) existing.account.setWeight(existing, a.weight);
      return true;
    }
    if (!isValidSubject(a.subject) || (a.queue !== null && !isValidQueueName(a.queue))) {
      this.server.logger.error(`${this.logPrefix()}Could not insert subscription: ${ERR_INVALID_SUBJECT}`);
      this.sendErr("Invalid Subscription");
      return true;
    }
    const sub = new RouteSub(this, a.subject, a.queue, a.key, account, a.weight, a.origin);
    this.subs.set(a.key, sub);
    account.addSub(sub);
    return true;
  }

  /** RS- / LS-: nats-server processRemoteUnsub. */
  private processRemoteUnsub(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("RS-", arg);
    const a = parseInterest(arg, false, false, this.accountName);
    if (a === null) {
      this.protocolViolation(null, `processRemoteUnsub parse error: '${arg.toString("latin1")}'`);
      return false;
    }
    const account = this.server.accounts.get(a.account);
    if (account === undefined) {
      this.server.logger.debug(`${this.logPrefix()}Unknown account "${a.account}" for subject "${a.subject}"`);
      return true;
    }
    const sub = this.subs.get(a.key);
    if (sub !== undefined) {
      this.subs.delete(a.key);
      sub.closed = true;
      account.removeSub(sub);
    }
    return true;
  }

  /** Drops the peer's interest in one account (route.go removeRemoteSubsForAcc): it moves to a pinned route. */
  removeAccountSubs(name: string): void {
    const gone: RouteSub[] = [];
    for (const [key, sub] of this.subs) {
      if (sub.account.name !== name) continue;
      this.subs.delete(key);
      sub.closed = true;
      gone.push(sub);
    }
    if (gone.length > 0) gone[0]!.account.removeSubs(gone);
  }

  /** RMSG/HMSG/LMSG: nats-server processInboundRoutedMsg. */
  processMsg(pa: PubArg): boolean {
    this.countIn(pa);
    if (this.server.traceEnabled) this.traceMsgIn(pa);
    const account = this.pinnedAccount ?? this.cache.account(this.server, pa);
    if (account === null) {
      const name = pa.arg.toString("latin1", pa.accountStart, pa.accountEnd);
      const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
      this.server.logger.debug(`${this.logPrefix()}Unknown account "${name}" for routed message on subject: "${subject}"`);
      return true;
    }
    const gw = this.server.gateways;
    if (gw !== null && isRoutedReply(pa.arg, pa.subjectStart, pa.subjectEnd)) {
      handleRoutedReply(gw, this, account, pa);
      return !this.closed;
    }
    const r = this.cache.match(account, pa);
    // Message tracing (msg-trace.ts): only messages with headers are looked at.
    if (pa.hdr > 0 && tracedFromLink(account, pa)) {
      if (gw !== null) trackRoutedReply(gw, account, pa);
      processTracedLinkMsg(this, account, r, pa);
      return !this.closed;
    }
    if (r.psubs.length !== 0 || r.qsubs.length !== 0) {
      if (gw !== null) trackRoutedReply(gw, account, pa);
      deliverFromLink(this.server, this, r, pa);
    }
    return !this.closed;
  }

  forwards(producer: Link): boolean {
    return producer.kind !== Kind.ROUTER;
  }

  sendMsg(producer: Connection | null, sub: Subscription, pa: PubArg, queues: Uint8Array, qlen: number): void {
    const origin = this.lnoc && producer !== null && producer.kind === Kind.LEAF ? (producer as Link).originBytes() : null;
    this.writeMsg(producer, pa, 82, this.accountName === "" ? (sub as RouteSub).accountBytes : null, queues, qlen, origin);
  }

  /** Drops the peer's interest and tells the manager (registry, reconnect). */
  protected linkClosed(): void {
    this.server.logger.notice(`${this.logPrefix()}Router connection closed: ${this.closeReason}`);
    const byAccount = new Map<Account, RouteSub[]>();
    for (const sub of this.subs.values()) {
      sub.closed = true;
      const list = byAccount.get(sub.account);
      if (list === undefined) byAccount.set(sub.account, [sub]);
      else list.push(sub);
    }
    this.subs.clear();
    for (const [account, subs] of byAccount) {
      this.server.logger.debug(`${this.logPrefix()}Removing ${subs.length} subscriptions for account "${account.name}"`);
      account.removeSubs(subs);
    }
    this.manager.routeClosed(this);
  }

  private traceMsgIn(pa: PubArg): void {
    const verb = pa.originEnd > pa.originStart ? "LMSG" : pa.hdr >= 0 ? "HMSG" : "RMSG";
    this.traceIn(verb, pa.arg.subarray(pa.argStart, pa.argEnd));
  }
}
