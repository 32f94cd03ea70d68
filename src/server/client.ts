/**
 * One client connection: read → parse → route → coalesced writes (nats-server client.go).
 *
 * Reads are parsed in place; each message is matched against the account's sublist
 * (through a one-entry per-connection cache) and appended to every target's outbound
 * buffer; targets are flushed once per read batch by the server. Every limit is checked
 * before buffering: control line and payload in the parser, pending bytes here.
 */
import type { Socket } from "node:net";
import { argText, ClientParser, type ClientParserSink, type PubArg } from "../protocol/client-parser.js";
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
  ERR_STALE_CONNECTION,
} from "../protocol/errors.js";
import { isValidLiteralSubject, isValidQueueName, isValidSubject, type SublistResult } from "../sublist/index.js";
import type { SubjectMappings } from "../sublist/transform.js";
import type { Account } from "./account.js";
import { ClosedState, type ClosedReason } from "./closed-state.js";
import { Outbound } from "./outbound.js";
import type { Server } from "./server.js";
import { Subscription } from "./subscription.js";
import { checkPublish, checkSubscribe } from "../auth/connection.js";
import { generateNonce } from "../auth/nkeys.js";
import type { ConnectionPermissions } from "../auth/permissions.js";
import { derivePubArg, routeMessage } from "../auth/routing.js";
import type { PendingBcrypt } from "../auth/authenticator.js";
import { publishClientEvent } from "../auth/system.js";
import { decodeConnect, isValidClientProtocol, requestsAccount, type ConnectOptions } from "../protocol/connect.js";

export type { ConnectOptions } from "../protocol/connect.js";

const CRLF = "\r\n";
const NO_RESPONDERS_HDR = "NATS/1.0 503\r\n\r\n";
/** Subjects longer than this skip the per-connection match cache. */
const L1_SUBJECT_MAX = 256;
/**
 * Longest a producer stays paused for one backed-up subscriber. A subscriber that does
 * not drain by then is left to fill up to max_pending and be cut off as a slow consumer,
 * so a dead reader cannot hold its publishers for the whole write deadline.
 */
const STALL_MAX_MS = 100;
/** Input held while a password is being checked; past this, reading pauses until the verdict. */
const MAX_HELD_DURING_AUTH = 256 * 1024;
/** Delay of the first server PING after connect (nats-server firstClientPingInterval). */
const FIRST_PING_INTERVAL_MS = 2000;

export class Client implements ClientParserSink {
  readonly parser: ClientParser;
  readonly out = new Outbound();
  readonly subs = new Map<string, Subscription>();
  readonly host: string;
  readonly port: number;
  readonly startMs = Date.now();
  lastActivityMs = this.startMs;

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

  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  pingsOut = 0;
  /** Round-trip time of the last server PING, in fractional milliseconds. */
  rttMs = 0;
  private rttStart = 0;

  closed = false;
  closeReason: ClosedReason | "" = "";
  stopMs = 0;
  /**
   * The socket's `writableLength` as of the last flush or drain: an upper bound between
   * them, so the per-message admission check reads no socket properties.
   */
  private socketQueued = 0;
  /** Set while this client is in the server's pending-flush list. */
  flushQueued = false;
  /** Producers paused because this client's socket is backed up; resumed on drain. */
  private stalledProducers: Client[] | null = null;
  private pausedByStall = false;
  /** Ends a stall that the socket does not drain from in time. */
  private stallTimer: NodeJS.Timeout | null = null;
  /** A stall ran out without a drain: stop stalling producers until the socket drains. */
  private stallSpent = false;

  private authTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private writeDeadlineTimer: NodeJS.Timeout | null = null;

  // Per-connection match cache: the last subject's bytes and result (client.go readCache, one entry).
  private l1Subject: Buffer | null = null;
  private l1Len = -1;
  private l1Gen = -1;
  private l1Result: SublistResult<Subscription> | null = null;

  constructor(
    readonly server: Server,
    readonly id: number,
    public socket: Socket,
    public account: Account,
  ) {
    const opts = server.options;
    this.parser = new ClientParser(this, opts.maxControlLine, opts.maxPayload);
    this.host = socket.remoteAddress ?? "";
    this.port = socket.remotePort ?? 0;
    if (server.auth.nonceRequired) this.nonce = generateNonce();
  }

  /** Sends INFO and starts reading. Called once, right after accept. */
  start(): void {
    const s = this.socket;
    s.setNoDelay(true);
    s.on("data", (buf: Buffer) => this.onData(buf));
    s.on("error", (err: Error & { code?: string }) => {
      if (!this.closed) this.server.logger.debug(`${this.logPrefix()}Client connection error: ${err.message}`);
      this.closeConnection(err.code === "EPIPE" ? ClosedState.WriteError : ClosedState.ReadError);
    });
    s.on("close", () => this.closeConnection(ClosedState.ClientClosed));
    s.on("drain", () => this.onDrain());

    if (!this.infoSent) this.sendProto(this.server.infoFor(this));
    if (this.server.authRequired) {
      this.parser.awaitingConnect = true;
      this.authTimer = setTimeout(() => this.authTimeout(), this.server.options.authTimeoutMs);
    }
    const pingMs = this.server.options.pingIntervalMs;
    if (pingMs > 0) {
      // The first PING comes early so the RTT is known soon (nats-server firstClientPingInterval).
      this.pingTimer = setTimeout(() => {
        this.processPingTimer();
        if (!this.closed) this.pingTimer = setInterval(() => this.processPingTimer(), pingMs);
      }, Math.min(pingMs, FIRST_PING_INTERVAL_MS));
    }
    this.server.flushPending();
  }

  private onData(buf: Buffer): void {
    this.lastActivityMs = Date.now();
    const server = this.server;
    server.inReadBatch = true;
    try {
      this.parser.parse(buf);
    } catch (err) {
      // A bug reached by some input must cost this connection, never the server.
      this.internalError(err);
    }
    server.inReadBatch = false;
    server.flushPending();
  }

  /** Logs an unexpected exception with its stack and closes this connection only. */
  private internalError(err: unknown): void {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.server.logger.error(`${this.logPrefix()}Internal error, closing the connection: ${detail}`);
    this.closeConnection(ClosedState.ProtocolViolation, true);
  }

  // ---- ClientParserSink ----

  processConnect(arg: Buffer): boolean {
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

    // As nats-server, every CONNECT (a repeated one too) is checked against the auth.
    if (this.server.authRequired) {
      const slow = this.server.auth.pendingBcrypt(o, this.nonce);
      if (slow !== null) {
        this.verifyThenConnect(o, slow);
        return true;
      }
      return this.authenticateAndConnect(o);
    }
    return this.finishConnect();
  }

  /**
   * A bcrypt password: checked in a worker while this connection's parsing waits, so
   * nobody else waits for it; then CONNECT carries on as usual. Reading goes on (bounded:
   * the parser holds what comes) so a client that leaves is noticed and its check dropped.
   */
  private verifyThenConnect(o: ConnectOptions, slow: PendingBcrypt): void {
    this.parser.suspend();
    let held = 0;
    const bound = (buf: Buffer): void => {
      held += buf.length;
      if (held > MAX_HELD_DURING_AUTH) this.socket.pause();
    };
    this.socket.on("data", bound);
    void this.server.auth.bcrypt
      .check({ given: slow.given, hash: slow.hash, source: this.host, isGone: () => this.closed })
      .then((outcome) => {
        this.socket.off("data", bound);
        if (this.closed) return;
        if (outcome === "busy") return this.authBusy();
        const server = this.server;
        server.inReadBatch = true;
        try {
          if (this.authenticateAndConnect(o)) {
            this.socket.resume();
            this.parser.resume();
          }
        } finally {
          server.inReadBatch = false;
          server.flushPending();
        }
      })
      .catch((err: unknown) => this.internalError(err));
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
      this.authViolation(failure);
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
    publishClientEvent(this.server, this, "CONNECT");
    this.server.logger.debug(`${this.logPrefix()}Client connection created`);
    return true;
  }

  processMsg(pa: PubArg): boolean {
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
    if (this.perms !== null && !checkPublish(this, pa)) return !this.closed;
    if (this.verbose) this.sendOK();
    if (server.traceEnabled) this.traceMsg(pa);
    // Mappings rewrite the subject after the publish permission check, as nats-server.
    if (this.account.mappings !== null) pa = mapSubject(this.account.mappings, pa);

    const r = this.match(pa);
    const routed = this.account.routes !== null ? routeMessage(server, this, this.account, pa) : 0;
    if (r.psubs.length === 0 && r.qsubs.length === 0) {
      if (routed === 0 && this.noResponders && pa.replyEnd > pa.replyStart) this.sendNoResponders(pa);
    } else {
      server.deliverResult(this, r, pa);
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
  private sendNoResponders(pa: PubArg): void {
    const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
    const payload = Buffer.from(NO_RESPONDERS_HDR + CRLF, "latin1");
    this.server.publishInternal(this.account, reply, "", payload, NO_RESPONDERS_HDR.length);
  }

  processSub(arg: Buffer): boolean {
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
    const maxSubs = this.server.options.maxSubscriptions;
    if (maxSubs > 0 && this.subs.size >= maxSubs) {
      this.sendErr(ERR_MAX_SUBSCRIPTIONS);
      this.server.logger.error(`${this.logPrefix()}Maximum Subscriptions Exceeded (${maxSubs})`);
      return true;
    }
    // A duplicate sid is accepted and ignored, as nats-server does.
    if (!this.subs.has(sid)) {
      const sub = new Subscription(this, subject, queue, sid);
      this.subs.set(sid, sub);
      this.account.sublist.insert(sub);
    }
    if (this.verbose) this.sendOK();
    return true;
  }

  processUnsub(arg: Buffer): boolean {
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
    this.account.sublist.remove(sub);
  }

  processPing(): boolean {
    if (this.server.traceEnabled) this.traceIn("PING", null);
    this.sendProto("PONG\r\n");
    return true;
  }

  processPong(): void {
    if (this.server.traceEnabled) this.traceIn("PONG", null);
    this.pingsOut = 0;
    if (this.rttStart > 0) {
      this.rttMs = performance.now() - this.rttStart;
      this.rttStart = 0;
    }
  }

  processInfo(): boolean {
    return true;
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

  /** nats-server processPingTimer: too many unanswered PINGs make the connection stale. */
  private processPingTimer(): void {
    if (this.closed) return;
    if (this.pingsOut + 1 > this.server.options.pingMax) {
      this.server.logger.debug(`${this.logPrefix()}Stale Client Connection - Closing`);
      this.sendErr(ERR_STALE_CONNECTION);
      this.closeConnection(ClosedState.StaleConnection);
      return;
    }
    this.pingsOut++;
    this.rttStart = performance.now();
    this.sendProto("PING\r\n");
  }

  // ---- writing ----

  /** Queues protocol text and makes sure it gets flushed. */
  sendProto(s: string): void {
    if (this.closed) return;
    if (this.server.traceEnabled) this.traceOut(s);
    this.out.appendString(s);
    this.server.markPending(this);
  }

  sendOK(): void {
    this.sendProto("+OK\r\n");
  }

  sendErr(text: string): void {
    this.sendProto(`-ERR '${text}'\r\n`);
  }

  /** Bytes this connection has accepted but the kernel has not: the slow-consumer measure. */
  pendingBytes(): number {
    return this.out.len + this.socket.writableLength;
  }

  /** Hands the outbound buffer to the socket in one write. Called by the server per batch. */
  flush(): void {
    this.flushQueued = false;
    const out = this.out;
    if (out.len === 0 || this.socket.destroyed) {
      out.len = 0;
      return;
    }
    const socket = this.socket;
    socket.write(out.take());
    this.socketQueued = socket.writableLength;
    if (this.socketQueued === 0) {
      out.recycle();
    } else {
      out.release();
      if (this.writeDeadlineTimer === null && !this.closed) {
        this.writeDeadlineTimer = setTimeout(() => this.writeDeadlineExceeded(), this.server.options.writeDeadlineMs);
      }
    }
  }

  private onDrain(): void {
    this.socketQueued = 0;
    this.stallSpent = false;
    if (this.writeDeadlineTimer !== null) {
      clearTimeout(this.writeDeadlineTimer);
      this.writeDeadlineTimer = null;
    }
    this.resumeStalled();
  }

  private writeDeadlineExceeded(): void {
    this.writeDeadlineTimer = null;
    if (this.closed || this.socket.writableLength === 0) return;
    this.slowConsumer(ClosedState.SlowConsumerWriteDeadline, `Write Deadline of ${this.server.options.writeDeadlineMs}ms Exceeded`);
  }

  /**
   * Called by a producer about to queue `n` bytes here. Closes this client as a slow
   * consumer when over max_pending, and pauses the producer while this socket is backed
   * up (nats-server stalls fast producers the same way). Returns false if closed.
   */
  admit(producer: Client, n: number): boolean {
    // Fast path, no socket property reads: well under every threshold.
    if (this.out.len + this.socketQueued + n <= this.server.stallThreshold && !this.closed) return true;
    return this.admitSlow(producer, n);
  }

  private admitSlow(producer: Client, n: number): boolean {
    if (this.closed) return false;
    const queued = (this.socketQueued = this.socket.writableLength);
    const opts = this.server.options;
    if (queued + this.out.len + n > opts.maxPending) {
      this.slowConsumer(ClosedState.SlowConsumerPendingBytes, `MaxPending of ${opts.maxPending} Exceeded`);
      return false;
    }
    if (queued > this.server.stallThreshold && !this.stallSpent && producer !== this && !producer.pausedByStall) {
      producer.pausedByStall = true;
      producer.socket.pause();
      (this.stalledProducers ??= []).push(producer);
      this.stallTimer ??= setTimeout(() => {
        this.stallTimer = null;
        this.stallSpent = true;
        this.resumeStalled();
      }, STALL_MAX_MS);
    }
    return true;
  }

  private resumeStalled(): void {
    if (this.stallTimer !== null) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
    const stalled = this.stalledProducers;
    if (stalled === null) return;
    this.stalledProducers = null;
    for (const p of stalled) {
      p.pausedByStall = false;
      if (!p.closed) p.socket.resume();
    }
  }

  private slowConsumer(reason: ClosedReason, detail: string): void {
    this.server.slowConsumers++;
    this.server.logger.notice(`${this.logPrefix()}Slow Consumer Detected: ${detail}`);
    this.out.len = 0;
    this.closeConnection(reason, true);
  }

  /**
   * Closes the connection once. Pending protocol (an -ERR) is flushed first unless
   * `abort` (slow consumers are dropped at once, as nats-server does).
   */
  closeConnection(reason: ClosedReason, abort = false): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.stopMs = Date.now();
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.writeDeadlineTimer) clearTimeout(this.writeDeadlineTimer);
    this.authTimer = this.pingTimer = this.writeDeadlineTimer = null;
    for (const sub of this.subs.values()) {
      sub.closed = true;
      this.account.sublist.remove(sub);
    }
    this.resumeStalled();
    const socket = this.socket;
    if (abort || socket.destroyed) {
      socket.destroy();
    } else {
      if (this.out.len > 0) socket.write(this.out.take());
      socket.end();
      // A peer that never reads must not keep the socket forever.
      setTimeout(() => socket.destroy(), 1000).unref();
    }
    this.server.removeClient(this);
  }

  /** `127.0.0.1:5432 - cid:7 - ` as nats-server prefixes client log lines. */
  logPrefix(): string {
    return `${this.host}:${this.port} - cid:${this.id} - `;
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

  private traceIn(op: string, arg: Buffer | null): void {
    this.server.logger.trace(`${this.logPrefix()}<<- [${op}${arg ? ` ${arg.toString("latin1")}` : ""}]`);
  }

  /** `->> [MSG ...]` for what the server sends; one line per protocol line. */
  traceOut(proto: string): void {
    for (const line of proto.split("\r\n")) {
      if (line !== "") this.server.logger.trace(`${this.logPrefix()}->> [${line === "+OK" ? "OK" : line}]`);
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
