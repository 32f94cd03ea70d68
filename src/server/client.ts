/**
 * A client connection: CONNECT and authentication, PUB/HPUB, SUB/UNSUB (nats-server
 * client.go with kind CLIENT). Reading, writing, slow-consumer handling and liveness are
 * the shared `Connection`'s.
 *
 * Each message is matched against the account's sublist (through a one-entry
 * per-connection cache) and handed to the shared delivery step (deliver.ts), which
 * writes it into every target's outbound buffer; targets are flushed once per read batch.
 */
import type { Socket } from "node:net";
import { argText, CLIENT_VERBS, Parser, Verb, type ParserSink, type PubArg } from "../protocol/parser.js";
import {
  ERR_AUTHORIZATION,
  ERR_AUTH_TIMEOUT,
  ERR_BAD_CLIENT_PROTOCOL,
  ERR_NO_RESPONDERS_REQUIRES_HEADERS,
  ERR_INVALID_PUBLISH_SUBJECT,
  ERR_INVALID_SUBJECT,
  ERR_MAX_CONTROL_LINE,
  ERR_MAX_PAYLOAD,
  ERR_MAX_SUBSCRIPTIONS,
} from "../protocol/errors.js";
import { isValidLiteralSubject, isValidQueueName, isValidSubject, type SublistResult } from "../sublist/index.js";
import type { SubjectMappings } from "../sublist/transform.js";
import type { Account } from "../accounts/account.js";
import { derivePubArg, deliverImports } from "../accounts/imports.js";
import { ClosedState, type ClosedReason } from "./closed-state.js";
import { Connection, ReadPause } from "./connection.js";
import { Kind } from "./connection-kind.js";
import { deliverResult } from "./deliver.js";
import { publishMappedReply, sendToGateways } from "../gateway/routing.js";
import type { Server } from "./server.js";
import { Subscription } from "./subscription.js";
import { bindUnlessMoved, checkPublish, checkSubscribe } from "../auth/connection.js";
import { applyGrantLimits, CALLOUT_TIMEOUT_ERROR, type AuthCallout } from "../auth/callout/callout.js";
import { publishAccountAuthError, publishAuthError } from "./auth-events.js";
import { hasSampledTraceparent, sampled, withTraceDisabled } from "./msg-trace-external.js";
import type { CalloutGrant } from "../auth/callout/response.js";
import { Permissions } from "../auth/permissions.js";
import { generateNonce } from "../auth/nkeys.js";
import type { ConnectionPermissions } from "../auth/permissions.js";
import type { AuthFailure, AuthResult, Authenticator, PendingBcrypt } from "../auth/authenticator.js";
import { publishClientEvent } from "./events.js";
import { hasTraceDest } from "./msg-trace.js";
import { processTracedMsg } from "./msg-trace-deliver.js";
import { cookieCredentials } from "../websocket/ws-conn.js";
import { decodeConnect, isValidClientProtocol, requestsAccount, type ConnectOptions } from "../protocol/connect.js";

export type { ConnectOptions } from "../protocol/connect.js";

const CRLF = "\r\n";
const NO_RESPONDERS_HDR = "NATS/1.0 503\r\n\r\n";
/** Subjects longer than this skip the per-connection match cache. */
const L1_SUBJECT_MAX = 256;
/** Input held while a password is being checked; past this, reading pauses until the verdict. */
const MAX_HELD_DURING_AUTH = 256 * 1024;
/** Delay of the first server PING after connect (nats-server firstClientPingInterval). */
const FIRST_PING_INTERVAL_MS = 2000;

export class Client extends Connection implements ParserSink {
  readonly kind = Kind.CLIENT;
  readonly parser: Parser;
  readonly subs = new Map<string, Subscription>();

  // CONNECT options; nats-server assumes verbose, pedantic and echo until told otherwise.
  verbose = true;
  pedantic = true;
  echo = true;
  headers = false;
  noResponders = false;
  name = "";
  lang = "";
  version = "";
  user = "";
  connected = false;
  /** The user's permissions with this connection's caches; null = unrestricted (src/auth). */
  perms: ConnectionPermissions | null = null;
  /** Deliveries here must pass permitDelivery (deny filter, allow_responses). */
  deliveryChecks = false;
  /** The nonce sent in INFO for nkey signatures ("" when none is needed). */
  nonce = "";
  /** CONNECT as received, kept so a config reload can re-authenticate. */
  connectOpts: ConnectOptions | null = null;
  /** INFO already went out before a TLS upgrade (src/server/tls.ts). */
  infoSent = false;

  private authTimer: NodeJS.Timeout | null = null;
  /** Subscriptions allowed on this connection, 0 = no limit (operator mode narrows it per user). */
  maxSubs: number;
  /**
   * Operator mode with callouts: this CONNECT's user JWT as the callout router just checked
   * it (not its account's callout), so the usual path does not verify it a second time.
   */
  checkedJwt: { creds: ConnectOptions; result: AuthResult | AuthFailure } | null = null;
  /** Authorized by the auth callout service (src/auth/callout), not by the config. */
  calloutAuthorized = false;
  /** Operator mode: ends the connection when its user JWT expires (src/auth/jwt). */
  expiryTimer: NodeJS.Timeout | null = null;
  /** When this login expires (JWT or callout `exp`, ms since the epoch), 0 for never: `$SYS.REQ.USER.INFO` shows it. */
  expiresAtMs = 0;
  /** An INFO to send after the next PONG (operator mode: this client's own max_payload). */
  pendingInfo: string | null = null;
  /** The server's {@link Server.connectUrlsGeneration} when this client got its INFO. */
  private readonly infoGeneration: number;
  /** The PONG to the first PING after CONNECT went out. */
  private firstPongSent = false;

  // Per-connection match cache: the last subject's bytes and result (client.go readCache, one entry).
  private l1Subject: Buffer | null = null;
  private l1Len = -1;
  private l1Gen = -1;
  private l1Result: SublistResult<Subscription> | null = null;

  constructor(
    server: Server,
    id: number,
    socket: Socket,
    public account: Account,
  ) {
    super(server, id, socket);
    const opts = server.options;
    this.parser = new Parser(this, CLIENT_VERBS, opts.maxControlLine, opts.maxPayload);
    this.maxSubs = opts.maxSubscriptions;
    this.infoGeneration = server.connectUrlsGeneration;
    if (server.auth.nonceRequired) this.nonce = generateNonce();
  }

  /**
   * The authenticator this client answers to: the websocket block's when it overrides
   * the server's auth for websocket clients (nats-server wsConfigAuth), else the server's.
   */
  get authenticator(): Authenticator {
    const ws = this.server.websocket;
    return this.ws !== null && ws !== null ? ws.authenticator() : this.server.auth;
  }

  /**
   * The jwt connection type for `allowed_connection_types` (nats-server
   * connectionTypeAllowed): WEBSOCKET for a client that came through the upgrade.
   */
  get connectionType(): "STANDARD" | "WEBSOCKET" {
    return this.ws !== null ? "WEBSOCKET" : "STANDARD";
  }

  /** Sends INFO and starts reading. Called once, right after accept (and TLS set-up). */
  start(): void {
    this.attachSocket();
    if (!this.infoSent) this.sendProto(this.server.infoFor(this));
    if (this.authenticator.required) {
      this.parser.awaitingConnect = true;
      const wsTimeout = this.ws !== null ? this.server.options.websocket?.authTimeoutMs : undefined;
      this.authTimer = setTimeout(() => this.authTimeout(), wsTimeout !== undefined && wsTimeout > 0 ? wsTimeout : this.server.options.authTimeoutMs);
    }
    // The first PING comes early so the RTT is known soon (nats-server firstClientPingInterval).
    this.startPingTimer(FIRST_PING_INTERVAL_MS);
    this.server.flushPending();
  }

  protected parse(buf: Buffer, len: number): void {
    if (this.ws === null) this.parser.parse(buf, len);
    else this.ws.reader.read(buf, len);
  }

  protected suspendParsing(): void {
    this.parser.suspend();
  }

  protected resumeParsing(): void {
    this.parser.resume();
  }

  // ---- ParserSink ----

  /**
   * Whether async INFO (cluster URL updates, lame duck) goes to this client: it announced
   * protocol >= 1 (ClientProtoInfo) and already got its first PONG (nats-server
   * sendAsyncInfoToClients, sendLDMToClients); one not there yet gets what changed with
   * that first PONG.
   */
  get takesAsyncInfo(): boolean {
    return this.firstPongSent && (this.connectOpts?.protocol ?? 0) >= 1;
  }

  override processPing(): boolean {
    super.processPing();
    if (this.pendingInfo !== null && this.connected) {
      this.sendProto(this.pendingInfo);
      this.pendingInfo = null;
    }
    if (!this.firstPongSent && this.connected) {
      this.firstPongSent = true;
      // The cluster's URLs changed between our INFO and CONNECT, when async INFOs skip the
      // client: it gets the new list now (nats-server 2.9 processPing, lastCURLsUpdate).
      if ((this.connectOpts?.protocol ?? 0) >= 1 && this.server.connectUrlsGeneration !== this.infoGeneration) this.sendProto(this.server.infoFor(this));
    }
    return true;
  }

  processOp(verb: Verb, arg: Buffer): boolean {
    this.countOp();
    switch (verb) {
      case Verb.SUB:
        return this.processSub(arg);
      case Verb.UNSUB:
        return this.processUnsub(arg);
      case Verb.CONNECT:
        return this.processConnect(arg);
      default:
        // INFO from a client is ignored, as nats-server does.
        return true;
    }
  }

  private processConnect(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("CONNECT", arg);
    const decoded = decodeConnect(arg, this.connectOpts);
    if (!decoded.ok) {
      this.server.logger.error(`${this.logPrefix()}${decoded.error}`);
      this.closeConnection(ClosedState.ProtocolViolation);
      return false;
    }
    const o = decoded.opts;
    this.verbose = o.verbose !== false;
    this.pedantic = o.pedantic !== false;
    this.echo = o.echo !== false;
    this.headers = o.headers === true && !this.server.options.noHeaderSupport;
    this.noResponders = o.no_responders === true;
    this.name = o.name ?? "";
    this.lang = o.lang ?? "";
    this.version = o.version ?? "";
    this.parser.headers = this.headers;
    this.connectOpts = o;
    // nats-server processConnect: the RTT estimate until the first PONG, the time to CONNECT.
    this.rttMs = Math.max(Date.now() - this.startMs, 1e-6);

    // As nats-server, every CONNECT (a repeated one too) is checked against the auth.
    // Credentials in the websocket's cookies stand in for those CONNECT does not carry (nats-server).
    if (this.ws !== null) cookieCredentials(o, this.ws.settings);
    if (!this.authenticator.required) return this.finishConnect();
    // Operator mode with a URL resolver: the user's account JWT is fetched first, parsing waiting.
    const fetching = this.server.operator?.pendingFetch(o.jwt) ?? null;
    if (fetching !== null) {
      this.awaitAuth(
        () => fetching.then(() => true),
        () => this.checkThenConnect(o),
      );
      return true;
    }
    return this.checkThenConnect(o);
  }

  /** CONNECT's authentication: the auth callout, a bcrypt check in a worker, or at once. */
  private checkThenConnect(o: ConnectOptions): boolean {
    const callout = this.server.callouts?.route(this, o) ?? null;
    if (callout !== null) {
      this.calloutThenConnect(callout, o);
      return true;
    }
    const slow = this.authenticator.pendingBcrypt(o, this.nonce);
    if (slow !== null) {
      this.verifyThenConnect(o, slow);
      return true;
    }
    return this.authenticateAndConnect(o);
  }

  /**
   * A bcrypt password: checked in a worker while this connection's parsing waits, so
   * nobody else waits for it; then CONNECT carries on as usual. Reading goes on (bounded:
   * the parser holds what comes) so a client that leaves is noticed and its check dropped.
   */
  private verifyThenConnect(o: ConnectOptions, slow: PendingBcrypt): void {
    const bcrypt = this.server.auth.bcrypt;
    this.awaitAuth(
      () => bcrypt.check({ given: slow.given, hash: slow.hash, source: this.host, isGone: () => this.closed }),
      () => this.authenticateAndConnect(o),
    );
  }

  /**
   * Auth callout: the service decides who this is. Parsing waits (reads bounded, as for
   * bcrypt) until its answer or the auth timeout; nobody else waits for it.
   */
  private calloutThenConnect(callout: AuthCallout, o: ConnectOptions): void {
    this.awaitAuth(
      () => callout.authorize(this, o),
      (outcome) => {
        if ("error" in outcome) {
          // nats-server auth.go: the callout account hears of the refusal (reason empty on a timeout).
          const acc = this.server.accounts.get(callout.options.account);
          if (acc !== undefined) publishAccountAuthError(this.server, this, acc, outcome.error === CALLOUT_TIMEOUT_ERROR ? "" : outcome.error);
        }
        return this.connectCallout(outcome);
      },
    );
  }

  /**
   * Suspends parsing (reads held up to MAX_HELD_DURING_AUTH, then paused), then starts
   * `check`, which runs off the loop; then `connect` runs as part of a read batch and, when it accepted the
   * client, parsing resumes with what arrived meanwhile.
   */
  private awaitAuth<T>(check: () => Promise<T | "busy">, connect: (outcome: T) => boolean): void {
    this.parser.suspend();
    let held = 0;
    this.readObserver = (len: number): void => {
      held += len;
      if (held > MAX_HELD_DURING_AUTH) this.pauseReads(ReadPause.AUTH);
    };
    void check()
      .then((outcome) => {
        this.readObserver = null;
        if (this.closed) return;
        if (outcome === "busy") return this.authBusy();
        const server = this.server;
        server.inReadBatch = true;
        try {
          // A `connect` that started another wait (awaitAuth again: readObserver set) resumes later.
          if (connect(outcome) && this.readObserver === null) {
            this.resumeReads(ReadPause.AUTH);
            this.parser.resume();
          }
        } finally {
          server.inReadBatch = false;
          server.flushPending();
        }
      })
      .catch((err: unknown) => this.internalError(err));
  }

  /** Binds what the callout granted (or refuses with Authorization Violation), then CONNECT goes on. */
  private connectCallout(outcome: CalloutGrant | { error: string }): boolean {
    if ("error" in outcome) {
      this.authViolation(outcome.error);
      return false;
    }
    const r: AuthResult = { user: outcome.user, account: outcome.account, permissions: outcome.permissions !== null ? new Permissions(outcome.permissions) : null };
    const moved = bindUnlessMoved(this.server, this, r);
    if (moved !== null) {
      this.authViolation(moved.detail);
      return false;
    }
    const op = this.server.operator;
    if (op === null) applyGrantLimits(this, outcome);
    else if (!op.admit(this, { userKey: outcome.userKey, accountKey: outcome.account, expiresAtMs: outcome.expiresAtMs, maxPayload: outcome.maxPayload, maxSubs: outcome.maxSubs })) return false;
    this.calloutAuthorized = true;
    // As nats-server: the JWT that reached the callout (a sentinel's) is not this user's.
    if (this.connectOpts !== null) delete this.connectOpts.jwt;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    return this.finishConnect();
  }

  /** Too many password checks waiting: refused as nats-server refuses a login it could not check in time. */
  private authBusy(): void {
    this.server.logger.debug(`${this.logPrefix()}${ERR_AUTH_TIMEOUT}: too many password checks waiting`);
    this.sendErr(ERR_AUTH_TIMEOUT);
    this.closeConnection(ClosedState.AuthenticationTimeout);
  }

  private authenticateAndConnect(o: ConnectOptions): boolean {
    const failure = this.server.authenticate(this, o);
    if (failure !== null) {
      publishAccountAuthError(this.server, this, this.account, ClosedState.AuthenticationViolation);
      // Refused with its own error already (operator mode's account connection limit).
      if (!this.closed) this.authViolation(failure);
      return false;
    }
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    return this.finishConnect();
  }

  /** The end of CONNECT once the client is known, checks in nats-server's order, +OK. */
  private finishConnect(): boolean {
    const o = this.connectOpts!;
    if (requestsAccount(o)) {
      this.authViolation(o.user !== undefined ? `User "${o.user}"` : "");
      return false;
    }
    if (!isValidClientProtocol(o)) {
      this.sendErr(ERR_BAD_CLIENT_PROTOCOL);
      this.closeConnection(ClosedState.BadClientProtocolVersion);
      return false;
    }
    if (this.noResponders && !this.headers) {
      this.sendErr(ERR_NO_RESPONDERS_REQUIRES_HEADERS);
      this.closeConnection(ClosedState.NoRespondersRequiresHeaders);
      return false;
    }
    this.parser.awaitingConnect = false;
    if (this.verbose) this.sendOK();
    if (this.connected) return true;
    this.connected = true;
    this.server.accountConns.added(this, this.account);
    publishClientEvent(this.server, this, "CONNECT");
    if (this.server.logger.debugEnabled) this.server.logger.debug(`${this.logPrefix()}Client connection created`);
    return true;
  }

  processMsg(pa: PubArg): boolean {
    this.countOp();
    const server = this.server;
    this.inMsgs++;
    this.inBytes += pa.size;
    server.inMsgs++;
    server.inBytes += pa.size;
    if (this.pedantic) {
      // As nats-server: report the bad subject, but still deliver.
      const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
      if (!isValidLiteralSubject(subject)) this.sendErr(ERR_INVALID_PUBLISH_SUBJECT);
    }
    // Message tracing (msg-trace.ts): only messages with headers are looked at.
    if (pa.hdr > 0) {
      if (hasTraceDest(pa)) return processTracedMsg(this, pa, this.account.mappings);
      // A sampled W3C traceparent, when the account traces those (msg-trace-external.ts).
      if (this.account.traceDest !== null && hasSampledTraceparent(pa)) {
        if (sampled(this.account)) return processTracedMsg(this, pa, this.account.mappings);
        pa = withTraceDisabled(pa);
      }
    }
    if (this.perms !== null && !checkPublish(this, pa)) return !this.closed;
    if (this.verbose) this.sendOK();
    if (server.traceEnabled) this.traceMsg(pa);
    // Mappings rewrite the subject after the publish permission check, as nats-server.
    if (this.account.mappings !== null) pa = mapSubject(this.account.mappings, pa);

    const gw = server.gateways;
    if (gw !== null && gw.replies.size > 0 && publishMappedReply(gw, this, this.account, pa)) return !this.closed;
    const r = this.match(pa);
    let imported = this.account.imports !== null ? deliverImports(server, this, this.account, pa) : 0;
    // `$SYS.REQ` services every account imports from the system account (system-imports.ts).
    if (pa.arg[pa.subjectStart] === 0x24) imported += server.events.imports.request(this, pa);
    if (r.psubs.length === 0 && r.qsubs.length === 0) {
      const crossed = gw !== null && sendToGateways(gw, this, this.account, pa, null);
      if (!crossed && imported === 0 && this.noResponders && pa.replyEnd > pa.replyStart) this.sendNoResponders(pa);
    } else {
      deliverResult(server, this, r, pa);
      if (gw !== null) sendToGateways(gw, this, this.account, pa, r);
    }
    return !this.closed;
  }

  /** The sublist result for the message's subject, from the one-entry cache when it repeats. */
  private match(pa: PubArg): SublistResult<Subscription> {
    const sl = this.account.sublist;
    const arg = pa.arg;
    const start = pa.subjectStart;
    const n = pa.subjectEnd - start;
    if (n === this.l1Len && this.l1Gen === sl.genId) {
      const cached = this.l1Subject!;
      let i = 0;
      while (i < n && cached[i] === arg[start + i]) i++;
      if (i === n) return this.l1Result!;
    }
    const r = sl.match(arg.toString("latin1", start, pa.subjectEnd));
    if (n <= L1_SUBJECT_MAX) {
      // Allocated on the first PUB: most connections only subscribe.
      const cached = (this.l1Subject ??= Buffer.allocUnsafe(L1_SUBJECT_MAX));
      for (let i = 0; i < n; i++) cached[i] = arg[start + i]!;
      this.l1Len = n;
      this.l1Gen = sl.genId;
      this.l1Result = r;
    }
    return r;
  }

  /** A request nobody can answer: tell the requester at once with a 503 status (ADR-5). */
  /** The 503 status a `no_responders` client gets for a request nobody takes (also msg-trace.ts). */
  sendNoResponders(pa: PubArg): void {
    const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
    const payload = Buffer.from(NO_RESPONDERS_HDR + CRLF, "latin1");
    this.server.publishInternal(this.account, reply, "", payload, NO_RESPONDERS_HDR.length);
  }

  private processSub(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("SUB", arg);
    const fields = splitArgs(arg);
    let subject: string, queue: string | null, sid: string;
    if (fields.length === 2) {
      [subject, sid] = fields as [string, string];
      queue = null;
    } else if (fields.length === 3) {
      [subject, queue, sid] = fields as [string, string, string];
    } else {
      this.server.logger.error(`${this.logPrefix()}processSub Parse Error: '${arg.toString("latin1")}'`);
      this.closeConnection(ClosedState.ProtocolViolation);
      return false;
    }
    if (!isValidSubject(subject) || (queue !== null && !isValidQueueName(queue))) {
      this.sendErr(ERR_INVALID_SUBJECT);
      return true;
    }
    if (this.perms !== null && !checkSubscribe(this, subject, queue, sid)) return true;
    const maxSubs = this.maxSubs;
    if (maxSubs > 0 && this.subs.size >= maxSubs) {
      this.sendErr(ERR_MAX_SUBSCRIPTIONS);
      this.server.logger.error(`${this.logPrefix()}Maximum Subscriptions Exceeded (${maxSubs})`);
      return true;
    }
    // A duplicate sid is accepted and ignored, as nats-server does.
    if (!this.subs.has(sid)) {
      const sub = new Subscription(this, subject, queue, sid);
      this.subs.set(sid, sub);
      this.account.addSub(sub);
    }
    if (this.verbose) this.sendOK();
    return true;
  }

  private processUnsub(arg: Buffer): boolean {
    if (this.server.traceEnabled) this.traceIn("UNSUB", arg);
    const fields = splitArgs(arg);
    if (fields.length < 1 || fields.length > 2) {
      this.server.logger.error(`${this.logPrefix()}processUnsub Parse Error: '${arg.toString("latin1")}'`);
      this.closeConnection(ClosedState.ProtocolViolation);
      return false;
    }
    const sid = fields[0]!;
    const max = fields.length === 2 ? Number.parseInt(fields[1]!, 10) : 0;
    const sub = this.subs.get(sid);
    if (sub) {
      if (max > 0 && sub.delivered < max) sub.max = max;
      else this.removeSub(sub);
    }
    if (this.verbose) this.sendOK();
    return true;
  }

  /** Drops one subscription from this connection and the sublist. */
  removeSub(sub: Subscription): void {
    if (sub.closed) return;
    sub.closed = true;
    this.subs.delete(sub.sid);
    this.account.removeSub(sub);
  }

  processErr(arg: Buffer): void {
    this.server.logger.error(`${this.logPrefix()}Client Error ${arg.toString("latin1")}`);
    this.closeConnection(ClosedState.ParseError);
  }

  protocolViolation(clientError: string | null, detail: string): void {
    this.server.logger.error(`${this.logPrefix()}${detail}`);
    if (clientError !== null) this.sendErr(clientError);
    this.closeConnection(closedStateFor(clientError));
  }

  /** `detail` names the offender as nats-server logs it (`User "x"`, `Nkey "U..."`). */
  authViolation(detail = ""): void {
    this.server.logger.error(`${this.logPrefix()}authentication error${detail !== "" ? ` - ${detail}` : ""}`);
    publishAuthError(this.server, this);
    this.sendErr(ERR_AUTHORIZATION);
    this.closeConnection(ClosedState.AuthenticationViolation);
  }

  // ---- timers ----

  private authTimeout(): void {
    this.authTimer = null;
    if (this.connected || this.closed) return;
    this.server.logger.error(`${this.logPrefix()}${ERR_AUTH_TIMEOUT}`);
    this.sendErr(ERR_AUTH_TIMEOUT);
    this.closeConnection(ClosedState.AuthenticationTimeout);
  }

  /** Drops the connection's subscriptions and tells the server (Connection.closeConnection). */
  protected onClosed(): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    if (this.subs.size > 0) {
      for (const sub of this.subs.values()) sub.closed = true;
      this.account.removeSubs(this.subs.values());
    }
    this.server.removeClient(this);
  }

  /** `<<- [PUB subject size]` and `<<- MSG_PAYLOAD: ["..."]`, as nats-server traces. */
  private traceMsg(pa: PubArg): void {
    const log = this.server.logger;
    log.trace(`${this.logPrefix()}<<- [${pa.hdr >= 0 ? "HPUB" : "PUB"} ${argText(pa)}]`);
    const max = this.server.options.maxTracedMsgLen;
    const size = pa.payloadEnd - 2 - pa.payloadStart;
    if (max > 0 && size > max) {
      // As nats-server: the first max bytes, quoted, then "...".
      const cut = JSON.stringify(pa.payloadBuf.toString("latin1", pa.payloadStart, pa.payloadStart + max)).slice(1, -1);
      log.trace(`${this.logPrefix()}<<- MSG_PAYLOAD: ["${cut}..."]`);
    } else {
      const payload = pa.payloadBuf.toString("latin1", pa.payloadStart, pa.payloadEnd - 2);
      log.trace(`${this.logPrefix()}<<- MSG_PAYLOAD: [${JSON.stringify(payload)}]`);
    }
  }
}

/** `pa` re-addressed to the subject its account's mappings give, or `pa` itself when unmapped. */
function mapSubject(mappings: SubjectMappings, pa: PubArg): PubArg {
  const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
  const mapped = mappings.map(subject);
  if (mapped === subject) return pa;
  const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
  return derivePubArg(pa, mapped, reply);
}

/** Space/tab separated fields of a control line (not on the hot path). */
function splitArgs(arg: Buffer): string[] {
  return arg.toString("latin1").split(/[ \t]+/).filter((f) => f.length > 0);
}

function closedStateFor(clientError: string | null): ClosedReason {
  switch (clientError) {
    case ERR_MAX_PAYLOAD:
      return ClosedState.MaxPayloadExceeded;
    case ERR_MAX_CONTROL_LINE:
      return ClosedState.MaxControlLineExceeded;
    case null:
      return ClosedState.ProtocolViolation;
    default:
      return ClosedState.ParseError;
  }
}
