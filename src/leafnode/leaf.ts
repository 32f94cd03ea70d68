/**
 * One leaf node connection (nats-server leafnode.go, client.go with kind LEAF), either
 * accepted on the leafnodes port (we are the hub) or dialed to a remote (we are the spoke,
 * unless the remote is marked `hub`). The connection is bound to one local account: the
 * peer sees that account's interest (LS+/LS-) and messages (LMSG/HMSG), nothing else.
 *
 * Handshake, accepted: INFO (with a nonce) → CONNECT (authenticated and bound to an
 * account) → INFO `connect_info` → interest. Dialed: wait for INFO → CONNECT → the hub's
 * `connect_info` INFO → interest.
 */
import { isLocal } from "../accounts/account.js";
import type { Socket } from "node:net";
import type { Account } from "../accounts/account.js";
import { MSG_TRACE_PROTO } from "../cluster/link-info.js";
import { tracedFromLink } from "../server/msg-trace-external.js";
import { processTracedLinkMsg } from "../server/msg-trace-deliver.js";
import { interestLine } from "../protocol/encode.js";
import { ERR_INVALID_SUBJECT, ERR_MAX_SUBSCRIPTIONS } from "../protocol/errors.js";
import { LEAF_VERBS, Verb, type PubArg } from "../protocol/parser.js";
import { ClosedState } from "../server/closed-state.js";
import type { Connection } from "../server/connection.js";
import { Kind } from "../server/connection-kind.js";
import { deliverFromLink } from "../server/deliver.js";
import { isRoutedReply } from "../gateway/gateway-proto.js";
import { handleRoutedReply, isOwnCluster, sendToGateways } from "../gateway/routing.js";
import type { Server } from "../server/server.js";
import { Subscription } from "../server/subscription.js";
import { isValidQueueName, isValidSubject } from "../sublist/index.js";
import { Link } from "../cluster/link.js";
import { MatchCache } from "../cluster/match-cache.js";
import {
  CONNECT_PROCESS_TIMEOUT_MS,
  ERR_CLIENT_CONNECTED_TO_LEAF_PORT,
  ERR_CONNECTED_TO_WRONG_PORT,
  ERR_LEAF_SAME_CLUSTER_NAME,
  LDS_PREFIX,
  parseLeafInterest,
  type LeafConnect,
  type LeafInfo,
} from "./leaf-proto.js";
import type { LeafManager, RemoteLeaf } from "./leafnodes.js";

/** A subscription the leaf's peer told us about (LS+), in the leaf's account. */
export class LeafSub extends Subscription {
  constructor(
    leaf: Leaf,
    subject: string,
    queue: string | null,
    key: string,
    weight: number,
    /** The peer's cluster: interest never goes back to the cluster it came from. */
    readonly origin: string,
  ) {
    super(leaf, subject, queue, key);
    this.weight = weight;
  }
}

/** The leaf cluster a subscription came from (leaf and route subscriptions carry one). */
export function originOf(sub: Subscription): string {
  const kind = sub.conn.kind;
  return kind === Kind.LEAF || kind === Kind.ROUTER ? ((sub as LeafSub).origin ?? "") : "";
}

export class Leaf extends Link {
  readonly kind = Kind.LEAF;
  /** The local account this connection is bound to (set by CONNECT when accepted). */
  account: Account;
  readonly subs = new Map<string, LeafSub>();
  /** The user the peer logged in as (accepted leaves; USER.INFO across the leaf answers with it). */
  user = "";
  /** Operator mode: the login's end (0 = never), for USER.INFO `expires`. */
  expiresAtMs = 0;
  /** The peer's version from its CONNECT (accepted leaves; /connz of an account shows it). */
  remoteVersion = "";
  /** The peer's cluster name, when it is part of one (nats-server leaf.remoteCluster). */
  remoteCluster = "";
  /** The nonce we sent (accepted) or the hub sent us to sign (dialed). */
  nonce = "";
  /** Whether the link runs over TLS (TCP; a wss:// link's TLS is the dialer's). */
  tlsActive = false;
  /** Interest we told the peer about, by `subject [queue]` (nats-server leaf.smap); null until registered. */
  smap: Map<string, number> | null = null;
  /** Operator mode: the user JWT this accepted leaf logged in with (re-checked on account updates). */
  userJwt: string | null = null;
  /** Operator mode: subscriptions the peer may have here (its JWTs' `subs`); -1 = no limit. */
  maxSubs = -1;
  /** Closes the leaf when its user JWT expires (leaf-jwt.ts). */
  expiryTimer: NodeJS.Timeout | null = null;
  private infoReceived = false;
  private originBuf: Buffer | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private readonly cache = new MatchCache();

  constructor(
    server: Server,
    id: number,
    socket: Socket,
    readonly manager: LeafManager,
    /** The remote we dialed, or null when the peer dialed us. */
    readonly remote: RemoteLeaf | null,
    account: Account,
    url: URL | null,
    /** Over WebSocket (accepted on the websocket port, or a ws:// remote): its `ws` is set once upgraded. */
    readonly websocket: boolean,
  ) {
    super(server, id, socket, LEAF_VERBS, remote !== null, url);
    this.account = account;
    this.isSpoke = remote !== null && !remote.options.hub;
  }

  /**
   * The jwt connection type for `allowed_connection_types` (nats-server
   * connectionTypeAllowed): LEAFNODE_WS over WebSocket, which LEAFNODE does not admit.
   */
  get connectionType(): "LEAFNODE" | "LEAFNODE_WS" {
    return this.websocket ? "LEAFNODE_WS" : "LEAFNODE";
  }

  /** `lid_ws:` for a leaf over WebSocket, as nats-server labels it. */
  override logPrefix(): string {
    return this.websocket ? `${this.host}:${this.port} - lid_ws:${this.id} - ` : super.logPrefix();
  }

  start(): void {
    const tls = this.manager.tls;
    if (this.remote === null && tls !== null && !this.websocket) {
      // nats-server sends the INFO in plain text, then expects the TLS handshake.
      this.nonce = this.manager.newNonce();
      this.socket.write(this.manager.infoLine(this, null));
      this.server.logger.debug(`${this.logPrefix()}Starting TLS leafnode server handshake`);
      this.socket = tls.wrap(this.socket, this, this.server.logger, "leafnode ");
      this.tlsActive = true;
      this.startLink(this.manager.authTimeoutMs);
    } else if (this.remote === null) {
      this.nonce = this.manager.newNonce();
      this.startLink(this.manager.authTimeoutMs);
      this.sendProto(this.manager.infoLine(this, null));
    } else {
      this.startLink(0);
      // The hub speaks first; one that does not is not a leafnode port.
      this.handshakeTimer = setTimeout(() => this.handshakeTimeout(), this.remote.options.firstInfoTimeoutMs);
    }
    const suffix = this.remote !== null ? ` for account: ${this.account.name}` : "";
    this.server.logger.notice(`${this.logPrefix()}Leafnode connection created${suffix}`);
    this.server.flushPending();
  }

  private handshakeTimeout(): void {
    this.handshakeTimer = null;
    if (this.closed || this.registered) return;
    if (this.infoReceived) {
      this.sendErr("Stale Leaf Node Connection - Closing");
      this.closeConnection(ClosedState.StaleConnection);
    } else {
      this.closeConnection(ClosedState.ReadError);
    }
  }

  processOp(verb: Verb, arg: Buffer): boolean {
    this.countOp();
    switch (verb) {
      case Verb.LS_PLUS:
        return this.processLeafSub(arg);
      case Verb.LS_MINUS:
        return this.processLeafUnsub(arg);
      case Verb.CONNECT:
        return this.processConnect(arg);
      case Verb.INFO: {
        if (this.server.traceEnabled) this.traceIn("INFO", arg);
        const info = this.parseJson<LeafInfo>(arg, "processLeafnodeInfo");
        if (info === null) return false;
        if (this.remote !== null && typeof info.proto === "number") this.traceOk = info.proto >= MSG_TRACE_PROTO;
        this.processInfo(info);
        return !this.closed;
      }
      default:
        return true;
    }
  }

  /** An accepted leaf's CONNECT (nats-server processLeafNodeConnect). */
  private processConnect(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("CONNECT", arg);
    if (this.remote !== null || this.registered) return true;
    const c = this.parseJson<LeafConnect>(arg, "processLeafNodeConnect");
    if (c === null) return false;
    // Operator mode with a URL resolver: the user's account JWT is fetched first, parsing waiting.
    const fetching = this.server.operator?.pendingFetch(c.jwt) ?? null;
    if (fetching === null) return this.connectWith(c);
    this.suspendParsing();
    fetching
      .then(() => {
        if (this.closed) return;
        if (this.connectWith(c)) this.resumeParsing();
        this.server.flushPending();
      })
      .catch((err: unknown) => this.internalError(err));
    return true;
  }

  private connectWith(c: LeafConnect): boolean {
    const auth = this.manager.authorize(this, c);
    if (auth === null) {
      this.authViolation();
      return false;
    }
    const account = auth.account;
    if (!this.manager.admit(this, account, auth.grant)) return false;
    this.connectAccepted();
    if (typeof c.lang === "string" && c.lang !== "") return this.errAndClose(ERR_CLIENT_CONNECTED_TO_LEAF_PORT, ClosedState.WrongPort);
    const ourCluster = this.server.clusterName() ?? "";
    if (ourCluster !== "" && c.cluster === ourCluster) return this.errAndClose(ERR_LEAF_SAME_CLUSTER_NAME, ClosedState.ClusterNamesIdentical);
    if (typeof c.gateway === "string" && c.gateway !== "") {
      return this.errAndClose(`Rejecting connection from gateway "${c.gateway}" on the leafnode port`, ClosedState.WrongGateway);
    }
    this.account = account;
    this.headers = c.headers === true && !this.server.options.noHeaderSupport;
    this.traceOk = typeof c.proto === "number" && c.proto >= MSG_TRACE_PROTO;
    this.remoteName = typeof c.name === "string" ? c.name : "";
    this.remoteVersion = typeof c.version === "string" ? c.version : "";
    this.remoteId = typeof c.server_id === "string" ? c.server_id : "";
    if (c.is_hub === true) this.isSpoke = true;
    if (typeof c.cluster === "string") this.remoteCluster = c.cluster;
    this.manager.register(this);
    if (this.closed) return false;
    this.sendProto(this.manager.infoLine(this, { connect_info: true, remote_account: account.name }));
    this.manager.initInterest(this);
    return true;
  }

  /** nats-server processLeafnodeInfo: the hub's first INFO starts our CONNECT; later ones update URLs. */
  private processInfo(info: LeafInfo): void {
    const remote = this.remote;
    if (remote === null) return;
    if (!this.infoReceived) {
      this.infoReceived = true;
      if (typeof info.client_id !== "number" || info.client_id === 0 || !Array.isArray(info.leafnode_urls)) {
        this.server.logger.error(`${this.logPrefix()}${ERR_CONNECTED_TO_WRONG_PORT}`);
        this.closeConnection(ClosedState.WrongPort);
        return;
      }
      this.nonce = typeof info.nonce === "string" ? info.nonce : "";
      this.headers = info.headers === true && !this.server.options.noHeaderSupport;
      this.remoteName = info.server_name || info.server_id;
      this.remoteId = info.server_id;
      this.remoteCluster = typeof info.cluster === "string" ? info.cluster : "";
    }
    if (Array.isArray(info.leafnode_urls) || Array.isArray(info.ws_connect_urls)) this.manager.learnUrls(remote, info);
    if (this.registered) return;
    if (info.connect_info === true) {
      this.finishConnect();
      return;
    }
    const line = this.manager.connectLine(this);
    if (line === null) {
      this.closeConnection(ClosedState.ProtocolViolation);
      return;
    }
    this.sendProto(line);
    this.server.logger.debug(`${this.logPrefix()}Remote leafnode connect msg sent`);
    if (info.info_on_connect !== true) this.finishConnect();
    else {
      if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
      this.handshakeTimer = setTimeout(() => this.handshakeTimeout(), CONNECT_PROCESS_TIMEOUT_MS);
    }
  }

  /** The hub accepted us: register and send our interest (nats-server leafNodeFinishConnectProcess). */
  private finishConnect(): void {
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.manager.register(this);
    if (!this.closed) this.manager.initInterest(this);
  }

  /** LS+: the peer's interest (nats-server processLeafSub), with loop detection. */
  private processLeafSub(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("LS+", arg);
    const a = parseLeafInterest(arg, true);
    if (a === null) {
      this.protocolViolation(null, `processLeafSub Parse Error: '${arg.toString("latin1")}'`);
      return false;
    }
    if (a.subject.startsWith(LDS_PREFIX) && a.subject === this.manager.loopSubject(this.account)) {
      this.manager.loopDetected(this, true);
      return false;
    }
    if (this.maxSubs >= 0 && this.subs.size >= this.maxSubs) {
      // nats-server processLeafSub subsAtLimit: refused, the connection stays.
      this.server.logger.error(`${this.logPrefix()}${ERR_MAX_SUBSCRIPTIONS}`);
      this.sendErr(ERR_MAX_SUBSCRIPTIONS);
      return true;
    }
    const existing = this.subs.get(a.key);
    if (existing !== undefined) {
      if (a.queue !== null) this.account.setWeight(existing, a.weight);
      return true;
    }
    if (!isValidSubject(a.subject) || (a.queue !== null && !isValidQueueName(a.queue))) {
      this.server.logger.error(`${this.logPrefix()}Could not insert subscription: ${ERR_INVALID_SUBJECT}`);
      this.sendErr("Invalid Subscription");
      return true;
    }
    const sub = new LeafSub(this, a.subject, a.queue, a.key, a.weight, this.remoteCluster);
    this.subs.set(a.key, sub);
    this.account.addSub(sub);
    return true;
  }

  private processLeafUnsub(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("LS-", arg);
    const a = parseLeafInterest(arg, false);
    if (a === null) return true;
    const sub = this.subs.get(a.key);
    if (sub !== undefined) {
      this.subs.delete(a.key);
      sub.closed = true;
      this.account.removeSub(sub);
    }
    return true;
  }

  /** A leaf's -ERR does not close it (the peer does); a loop or a cluster name clash delays our redial. */
  override processErr(arg: Buffer): void {
    const text = arg.toString("latin1");
    this.server.logger.error(`${this.logPrefix()}Leafnode Error ${text}`);
    this.manager.peerError(this, text);
  }

  /** LMSG/HMSG: nats-server processInboundLeafMsg. */
  processMsg(pa: PubArg): boolean {
    this.countIn(pa);
    if (this.server.traceEnabled) this.traceIn(pa.hdr >= 0 ? "HMSG" : "LMSG", pa.arg.subarray(pa.argStart, pa.argEnd));
    if (!this.registered) return true;
    const gw = this.server.gateways;
    if (gw !== null && isRoutedReply(pa.arg, pa.subjectStart, pa.subjectEnd)) {
      // A response by a mapped reply: home if it is ours, else to its cluster.
      if (isOwnCluster(gw, pa)) handleRoutedReply(gw, this, this.account, pa);
      else sendToGateways(gw, this, this.account, pa, null);
      return !this.closed;
    }
    const r = this.cache.match(this.account, pa);
    // Message tracing (msg-trace.ts): only messages with headers are looked at.
    if (pa.hdr > 0 && tracedFromLink(this.account, pa)) {
      processTracedLinkMsg(this, this.account, r, pa);
      return !this.closed;
    }
    if (r.psubs.length !== 0 || r.qsubs.length !== 0) deliverFromLink(this.server, this, r, pa);
    // `$SYS.REQ` services the account imports from the system account (system-imports.ts).
    if (pa.arg[pa.subjectStart] === 0x24) this.server.events.imports.requestFromLeaf(this, pa);
    // A leaf's message goes on to other clusters as a client's does; queue groups it did
    // not name were not served here (processInboundLeafMsg), so remote ones may be.
    if (gw !== null) sendToGateways(gw, this, this.account, pa, pa.queuesEnd > pa.queuesStart ? r : null);
    return !this.closed;
  }

  /**
   * nats-server processMsgResults for LEAF targets: never back to the leaf it came from or
   * to another leaf of the same cluster; from a route only on connections where we are the
   * hub (the spoke's cluster peers have their own), or for a service reply.
   */
  forwards(producer: Link, pa: PubArg): boolean {
    if (producer === this) return false;
    const rc = this.remoteCluster;
    if (producer.kind === Kind.ROUTER) {
      if (pa.originEnd > pa.originStart && rc !== "" && pa.arg.toString("latin1", pa.originStart, pa.originEnd) === rc) return false;
      return !this.isSpoke || isServiceReply(pa);
    }
    if (producer.kind === Kind.LEAF) return rc === "" || (producer as Leaf).remoteCluster !== rc;
    return true;
  }

  sendMsg(producer: Connection | null, _sub: Subscription, pa: PubArg, queues: Uint8Array, qlen: number): void {
    this.writeMsg(producer, pa, 76, null, queues, qlen, null);
  }

  override originBytes(): Uint8Array | null {
    if (this.remoteCluster === "") return null;
    return (this.originBuf ??= Buffer.from(this.remoteCluster, "latin1"));
  }

  /**
   * A subscription entered or left our account (nats-server updateSmap): LS+ when the
   * peer first needs it (and each queue weight change), LS- when it no longer does.
   */
  updateInterest(sub: Subscription, delta: number): void {
    const smap = this.smap;
    if (smap === null || sub.conn === this) return;
    const origin = originOf(sub);
    if (origin !== "" && origin === this.remoteCluster && !sub.subject.startsWith(LDS_PREFIX)) return;
    if (this.isSpoke && !isLocal(sub)) return;
    const key = sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
    const n = smap.get(key) ?? 0;
    const update = sub.queue !== null || n === 0 || n + delta <= 0;
    const now = n + delta;
    if (now > 0) smap.set(key, now);
    else smap.delete(key);
    if (update) this.sendProto(interestLine(now > 0, true, null, sub.subject, sub.queue, now));
  }

  clearExpiry(): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  protected linkClosed(): void {
    this.clearExpiry();
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.server.logger.notice(`${this.logPrefix()}Leafnode connection closed: ${this.closeReason} account: ${this.account.name}`);
    const subs = [...this.subs.values()];
    for (const sub of subs) sub.closed = true;
    this.subs.clear();
    if (subs.length > 0) this.account.removeSubs(subs);
    this.manager.leafClosed(this);
  }
}

/** nats-server isServiceReply: replies to imported services are routed everywhere. */
function isServiceReply(pa: PubArg): boolean {
  const a = pa.arg;
  const s = pa.subjectStart;
  return pa.subjectEnd - s > 4 && a[s] === 95 && a[s + 1] === 82 && a[s + 2] === 95 && a[s + 3] === 46;
}
