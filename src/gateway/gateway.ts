/**
 * One gateway connection (nats-server gateway.go, client.go with kind GATEWAY). A pair of
 * clusters is linked by one-way connections: every server dials one server of each other
 * cluster (outbound: we send messages on it and hear the remote's interest, RS+/RS-/A+/A-)
 * and accepts the remote servers' dials (inbound: messages arrive on it, we tell the
 * remote our interest). The supercluster-wide decisions (registry, gossip, interest
 * modes, reply routing) are the GatewayManager's.
 *
 * Handshake, accepted: INFO → CONNECT (gateway name, credentials) → the peer's INFO.
 * Dialed: wait for INFO → CONNECT and our INFO.
 */
import type { Socket } from "node:net";
import { routedMsgLineLength, writeRoutedMsg } from "../protocol/encode.js";
import { ERR_INVALID_SUBJECT } from "../protocol/errors.js";
import { ROUTE_VERBS, Verb, type PubArg } from "../protocol/parser.js";
import { ClosedState } from "../server/closed-state.js";
import type { Connection } from "../server/connection.js";
import { Kind } from "../server/connection-kind.js";
import type { Server } from "../server/server.js";
import { Subscription } from "../server/subscription.js";
import { isValidQueueName, isValidSubject } from "../sublist/index.js";
import { Link } from "../cluster/link.js";
import { MatchCache } from "../cluster/match-cache.js";
import { MSG_TRACE_PROTO } from "../cluster/link-info.js";
import { parseInterest } from "../cluster/route-proto.js";
import {
  ERR_CLIENT_OR_ROUTE_CONNECTED_TO_GATEWAY_PORT,
  GW_CMD_ALL_SUBS_COMPLETE,
  GW_CMD_ALL_SUBS_START,
  GW_CMD_GOSSIP,
  commandAccount,
  type GatewayConnect,
  type GatewayInfo,
} from "./gateway-proto.js";
import { InboundInterest, OutboundInterest, type RemoteInterest } from "./interest.js";
import { processInboundGatewayMsg } from "./routing.js";
import type { GatewayManager, RemoteGateway } from "./gateways.js";

export class Gateway extends Link {
  readonly kind = Kind.GATEWAY;
  /** The remote gateway's (cluster's) name: configured when dialed, from CONNECT when accepted. */
  name: string;
  /** Outbound: the remote's interest per account. Null on an inbound connection. */
  readonly outsim: OutboundInterest | null;
  /** Inbound: what we told the remote per account. Null on an outbound connection. */
  readonly insim: InboundInterest | null;
  /** The remote's first INFO, once received. */
  info: GatewayInfo | null = null;
  /** Inbound: the CONNECT was accepted. */
  connected = false;
  private readonly cache = new MatchCache();

  constructor(
    server: Server,
    id: number,
    socket: Socket,
    readonly manager: GatewayManager,
    /** The remote we dialed, null for an accepted connection. */
    readonly cfg: RemoteGateway | null,
    url: URL | null,
  ) {
    super(server, id, socket, ROUTE_VERBS, cfg !== null, url);
    this.name = cfg?.name ?? "";
    this.outsim = cfg !== null ? new OutboundInterest() : null;
    this.insim = cfg === null ? new InboundInterest() : null;
  }

  get outbound(): boolean {
    return this.cfg !== null;
  }

  /** Starts reading; an accepted connection sends INFO first and waits for CONNECT. */
  start(): void {
    const log = this.server.logger;
    if (this.cfg !== null) {
      log.notice(`${this.logPrefix()}Creating outbound gateway connection to "${this.cfg.name}"`);
      this.startLink(0);
    } else {
      log.notice(`${this.logPrefix()}Processing inbound gateway connection`);
      this.startLink(this.manager.authTimeoutMs);
      // nats-server expects CONNECT first on an inbound gateway, auth or not.
      this.parser.awaitingConnect = true;
      this.sendProto(this.manager.infoLine());
    }
    this.server.flushPending();
  }

  processOp(verb: Verb, arg: Buffer): boolean {
    switch (verb) {
      case Verb.CONNECT:
        return this.processConnect(arg);
      case Verb.INFO: {
        if (this.server.traceEnabled) this.traceIn("INFO", arg);
        const info = this.parseJson<GatewayInfo>(arg, "processGatewayInfo");
        if (info === null) return false;
        this.processInfo(info);
        return !this.closed;
      }
      case Verb.RS_PLUS:
        return this.processRemoteSub(arg);
      case Verb.RS_MINUS:
        return this.processRemoteUnsub(arg);
      case Verb.A_PLUS:
      case Verb.A_MINUS:
        return this.processAccountInterest(arg, verb === Verb.A_PLUS);
      default:
        // +OK; LS+/LS- are route verbs a gateway never sends.
        return true;
    }
  }

  /** nats-server processConnect (kind GATEWAY) and processGatewayConnect. */
  private processConnect(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("CONNECT", arg);
    if (this.cfg !== null) return true;
    const c = this.parseJson<GatewayConnect>(arg, "processGatewayConnect");
    if (c === null) return false;
    if (!this.manager.authorize(c)) {
      this.authViolation();
      return false;
    }
    this.connectAccepted();
    if (typeof c.gateway !== "string" || c.gateway === "") {
      return this.errAndClose(ERR_CLIENT_OR_ROUTE_CONNECTED_TO_GATEWAY_PORT, ClosedState.WrongPort);
    }
    if (this.manager.rejectsUnknown(c.gateway)) {
      this.server.logger.error(`${this.logPrefix()}Rejecting connection from gateway "${c.gateway}"`);
      this.sendErr(`Connection to gateway "${this.manager.name}" rejected`);
      this.closeConnection(ClosedState.WrongGateway);
      return false;
    }
    this.connected = true;
    this.remoteId = typeof c.name === "string" ? c.name : "";
    return true;
  }

  /** nats-server processGatewayInfo. */
  private processInfo(info: GatewayInfo): void {
    const first = this.info === null;
    if (first) {
      this.info = info;
      this.remoteId = info.server_id;
      this.remoteName = info.server_name ?? "";
      this.traceOk = typeof info.proto === "number" && info.proto >= MSG_TRACE_PROTO;
      this.headers = info.headers === true && !this.server.options.noHeaderSupport;
    }
    if (this.cfg !== null) this.manager.processOutboundInfo(this, info, first);
    else if (first) {
      if (!this.connected) {
        // An INFO before CONNECT cannot happen: the parser waits for CONNECT.
        this.closeConnection(ClosedState.ProtocolViolation);
        return;
      }
      this.name = info.gateway ?? "";
      this.manager.registerInbound(this, info);
    }
  }

  /** An INFO command on an outbound connection (after the first INFO). */
  processCommand(info: GatewayInfo): void {
    const cmd = info.gateway_cmd ?? 0;
    if (cmd === GW_CMD_GOSSIP) return this.manager.processImplicitGateway(info);
    if (cmd !== GW_CMD_ALL_SUBS_START && cmd !== GW_CMD_ALL_SUBS_COMPLETE) {
      this.server.logger.warn(`Received unknown command ${cmd} from gateway "${this.name}"`);
      return;
    }
    const account = commandAccount(info);
    if (account === null) {
      const what = cmd === GW_CMD_ALL_SUBS_START ? "start" : "complete";
      this.errAndClose(`Account absent from receive-all-subscriptions-${what} command`, ClosedState.ProtocolViolation);
      return;
    }
    const log = this.server.logger;
    if (cmd === GW_CMD_ALL_SUBS_START) {
      log.debug(`${this.logPrefix()}Gateway "${this.name}": switching account "${account}" to Interest-Only mode`);
      this.outsim!.allSubsStart(account);
    } else {
      this.outsim!.allSubsComplete(account);
      log.debug(`${this.logPrefix()}Gateway "${this.name}": switching account "${account}" to Interest-Only mode complete`);
    }
  }

  /** RS+ (nats-server processGatewayRSub): only an outbound connection hears interest. */
  private processRemoteSub(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("RS+", arg);
    if (this.outsim === null) return this.interestOnInbound("RS+");
    const a = parseInterest(arg, true, false);
    if (a === null) {
      this.protocolViolation(null, `processGatewaySubjectSub Parse Error: '${arg.toString("latin1")}'`);
      return false;
    }
    if (!isValidSubject(a.subject) || (a.queue !== null && !isValidQueueName(a.queue))) {
      this.server.logger.error(`${this.logPrefix()}Could not insert subscription: ${ERR_INVALID_SUBJECT}`);
      return true;
    }
    const added = this.outsim.remoteSub(a.account, a.subject, a.queue, a.weight);
    if (added !== null) this.tellLeafs(a.account, added, 1);
    return true;
  }

  /** RS- (nats-server processGatewayRUnsub). */
  private processRemoteUnsub(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("RS-", arg);
    if (this.outsim === null) return this.interestOnInbound("RS-");
    const a = parseInterest(arg, false, false);
    if (a === null) {
      this.protocolViolation(null, `processGatewaySubjectUnsub parse error: '${arg.toString("latin1")}'`);
      return false;
    }
    const removed = this.outsim.remoteUnsub(a.account, a.subject, a.queue);
    if (removed !== null) this.tellLeafs(a.account, removed, -1);
    return true;
  }

  /** A+ / A- (nats-server processGatewayAccountSub / Unsub). */
  private processAccountInterest(arg: Buffer, sub: boolean): boolean {
    if (this.server.traceEnabled) this.traceIn(sub ? "A+" : "A-", arg);
    if (this.outsim === null) return true;
    const account = arg.toString("latin1").trim();
    if (account === "") return true;
    if (sub) this.outsim.accountSub(account);
    else this.outsim.accountUnsub(account);
    return true;
  }

  /**
   * The remote cluster's interest reaches our leaf nodes too (updateInterestForAccountOnGateway):
   * a leaf sends us what the other cluster wants.
   */
  private tellLeafs(account: string, r: RemoteInterest, delta: number): void {
    const leafs = this.server.leafs;
    const acc = this.server.accounts.get(account);
    if (leafs === null || acc === undefined) return;
    const key = r.queue === null ? r.subject : `${r.subject} ${r.queue}`;
    leafs.subChanged(acc, new Subscription(this, r.subject, r.queue, key), delta);
  }

  private interestOnInbound(verb: string): false {
    this.server.logger.error(`${this.logPrefix()}Received ${verb} from gateway on inbound connection`);
    this.closeConnection(ClosedState.ProtocolViolation);
    return false;
  }

  /** RMSG/HMSG: nats-server processInboundGatewayMsg. */
  processMsg(pa: PubArg): boolean {
    this.countIn(pa);
    if (this.server.traceEnabled) this.traceIn(pa.hdr >= 0 ? "HMSG" : "RMSG", pa.arg.subarray(pa.argStart, pa.argEnd));
    if (!this.connected && this.cfg === null) return true;
    processInboundGatewayMsg(this.manager, this, this.cache, pa);
    return !this.closed;
  }

  /** Gateways are never a message's link target: the manager writes to them (sendMsg below). */
  forwards(): boolean {
    return false;
  }

  sendMsg(): void {}

  /**
   * Writes one message to the remote cluster: `RMSG account subject [+ reply queues |
   * queues | reply] size`, the reply behind `replyPrefix` when it is mapped (`_GR_.`).
   */
  writeGatewayMsg(
    producer: Connection | null,
    pa: PubArg,
    account: Uint8Array,
    queues: Uint8Array,
    qlen: number,
    replyPrefix: Uint8Array | null,
  ): void {
    const stripHdr = pa.hdr >= 0 && !this.headers;
    const payloadLen = pa.payloadEnd - pa.payloadStart - (stripHdr ? pa.hdr : 0);
    const lineLen = routedMsgLineLength(pa, account, qlen, null, replyPrefix, stripHdr);
    if (!this.admit(producer, lineLen + payloadLen)) return;
    const out = this.out;
    out.ensure(lineLen + payloadLen);
    const start = out.len;
    writeRoutedMsg(out, pa, 82, account, queues, qlen, null, replyPrefix, stripHdr);
    // A cut header may leave the size field shorter than measured: count what was written.
    this.countOut(pa, out.len - start - payloadLen, payloadLen);
  }

  protected linkClosed(): void {
    if (this.outsim !== null && this.server.leafs !== null) {
      for (const [account, e] of this.outsim.accounts) for (const r of e?.subs.values() ?? []) this.tellLeafs(account, r, -1);
    }
    const what = this.cfg !== null ? "outbound" : "inbound";
    this.server.logger.notice(`${this.logPrefix()}Gateway connection closed (${what}): ${this.closeReason}`);
    this.manager.gatewayClosed(this);
  }
}
