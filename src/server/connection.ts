/**
 * What every socket connection shares, whatever its kind (client, route, leaf node,
 * gateway): reading into a parser, the outbound buffer flushed once per read batch,
 * slow-consumer detection and producer stalls, PING/PONG liveness, and closing
 * (nats-server client.go, which serves every kind from one struct).
 *
 * A subclass owns its parser and its verbs; it implements `parse` and `onClosed`.
 */
import type { Socket } from "node:net";
import { ERR_STALE_CONNECTION } from "../protocol/errors.js";
import { Outbound } from "../protocol/outbound.js";
import { ClosedState, type ClosedReason } from "./closed-state.js";
import { Kind, KIND_NAMES } from "./connection-kind.js";
import type { Server } from "./server.js";

/**
 * Longest a producer stays paused for one backed-up subscriber. A subscriber that does
 * not drain by then is left to fill up to max_pending and be cut off as a slow consumer,
 * so a dead reader cannot hold its publishers for the whole write deadline.
 */
const STALL_MAX_MS = 100;

export abstract class Connection {
  abstract readonly kind: Kind;
  readonly out = new Outbound();
  readonly host: string;
  readonly port: number;
  readonly startMs = Date.now();
  lastActivityMs = this.startMs;

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
  /** Set while this connection is in the server's pending-flush list. */
  flushQueued = false;
  /** Producers paused because this connection's socket is backed up; resumed on drain. */
  private stalledProducers: Connection[] | null = null;
  private pausedByStall = false;
  /** Ends a stall that the socket does not drain from in time. */
  private stallTimer: NodeJS.Timeout | null = null;
  /** A stall ran out without a drain: stop stalling producers until the socket drains. */
  private stallSpent = false;

  protected pingTimer: NodeJS.Timeout | null = null;
  private writeDeadlineTimer: NodeJS.Timeout | null = null;
  /** Socket bytes queued when the write deadline was armed: less at the deadline is progress. */
  private queuedAtDeadline = 0;

  constructor(
    readonly server: Server,
    readonly id: number,
    public socket: Socket,
  ) {
    this.host = socket.remoteAddress ?? "";
    this.port = socket.remotePort ?? 0;
  }

  /** Feeds one read to this connection's parser. */
  protected abstract parse(buf: Buffer): void;

  /** Kind-specific clean-up once closed: subscriptions, the server's registry. */
  protected abstract onClosed(): void;

  /** Wires the socket's events. Called once the socket to read from is known (after TLS set-up). */
  protected attachSocket(): void {
    const s = this.socket;
    s.setNoDelay(true);
    s.on("data", (buf: Buffer) => this.onData(buf));
    s.on("error", (err: Error & { code?: string }) => {
      if (!this.closed) this.server.logger.debug(`${this.logPrefix()}${KIND_NAMES[this.kind]} connection error: ${err.message}`);
      this.closeConnection(err.code === "EPIPE" ? ClosedState.WriteError : ClosedState.ReadError);
    });
    s.on("close", () => this.closeConnection(ClosedState.ClientClosed));
    s.on("drain", () => this.onDrain());
  }

  private onData(buf: Buffer): void {
    this.lastActivityMs = Date.now();
    const server = this.server;
    server.inReadBatch = true;
    try {
      this.parse(buf);
    } catch (err) {
      // A bug reached by some input must cost this connection, never the server.
      this.internalError(err);
    }
    server.inReadBatch = false;
    server.flushPending();
  }

  /** Logs an unexpected exception with its stack and closes this connection only. */
  protected internalError(err: unknown): void {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.server.logger.error(`${this.logPrefix()}Internal error, closing the connection: ${detail}`);
    this.closeConnection(ClosedState.ProtocolViolation, true);
  }

  // ---- liveness ----

  /** Starts PINGing: the first one after `firstMs`, then every ping_interval. */
  protected startPingTimer(firstMs: number): void {
    const pingMs = this.server.options.pingIntervalMs;
    if (pingMs <= 0) return;
    this.pingTimer = setTimeout(() => {
      this.processPingTimer();
      if (!this.closed) this.pingTimer = setInterval(() => this.processPingTimer(), pingMs);
    }, Math.min(pingMs, firstMs));
  }

  /** nats-server processPingTimer: too many unanswered PINGs make the connection stale. */
  private processPingTimer(): void {
    if (this.closed) return;
    if (this.pingsOut + 1 > this.server.options.pingMax) {
      this.server.logger.debug(`${this.logPrefix()}Stale ${KIND_NAMES[this.kind]} Connection - Closing`);
      this.sendErr(ERR_STALE_CONNECTION);
      this.closeConnection(ClosedState.StaleConnection);
      return;
    }
    this.pingsOut++;
    this.rttStart = performance.now();
    this.sendProto("PING\r\n");
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
        this.queuedAtDeadline = this.socketQueued;
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

  /**
   * The socket has not drained within the write deadline. A client is cut off; a server
   * link (route, leaf node, gateway) only when nothing at all was written meanwhile, as
   * nats-server handleWriteTimeout keeps a peer that is slow but moving.
   */
  private writeDeadlineExceeded(): void {
    this.writeDeadlineTimer = null;
    const queued = this.socket.writableLength;
    if (this.closed || queued === 0) return;
    const detail = `Write Deadline of ${this.server.options.writeDeadlineMs}ms Exceeded`;
    if (this.kind === Kind.CLIENT || queued >= this.queuedAtDeadline) {
      this.slowConsumer(ClosedState.SlowConsumerWriteDeadline, detail);
      return;
    }
    this.server.slowConsumers++;
    this.server.logger.notice(`${this.logPrefix()}Slow Consumer Detected: ${detail}`);
    this.queuedAtDeadline = queued;
    this.writeDeadlineTimer = setTimeout(() => this.writeDeadlineExceeded(), this.server.options.writeDeadlineMs);
  }

  /**
   * Called by a producer about to queue `n` bytes here. Closes this connection as a slow
   * consumer when over max_pending, and pauses the producer while this socket is backed
   * up (nats-server stalls fast producers the same way). Returns false if closed.
   * As in nats-server queueOutbound, max_pending cuts off clients only (a route or leaf
   * node is bounded by the write deadline), and only a client producer is ever paused:
   * pausing a route for one slow subscriber would stall everything behind it.
   */
  admit(producer: Connection | null, n: number): boolean {
    // Fast path, no socket property reads: well under every threshold.
    if (this.out.len + this.socketQueued + n <= this.server.stallThreshold && !this.closed) return true;
    return this.admitSlow(producer, n);
  }

  private admitSlow(producer: Connection | null, n: number): boolean {
    if (this.closed) return false;
    const queued = (this.socketQueued = this.socket.writableLength);
    const opts = this.server.options;
    if (queued + this.out.len + n > opts.maxPending && this.kind === Kind.CLIENT) {
      this.slowConsumer(ClosedState.SlowConsumerPendingBytes, `MaxPending of ${opts.maxPending} Exceeded`);
      return false;
    }
    if (
      producer !== null &&
      producer.kind === Kind.CLIENT &&
      queued > this.server.stallThreshold &&
      !this.stallSpent &&
      producer !== this &&
      !producer.pausedByStall
    ) {
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
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.writeDeadlineTimer) clearTimeout(this.writeDeadlineTimer);
    this.pingTimer = this.writeDeadlineTimer = null;
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
    this.onClosed();
  }

  /** `127.0.0.1:5432 - cid:7 - ` as nats-server prefixes client log lines. */
  logPrefix(): string {
    return `${this.host}:${this.port} - cid:${this.id} - `;
  }

  protected traceIn(op: string, arg: Buffer | null): void {
    this.server.logger.trace(`${this.logPrefix()}<<- [${op}${arg ? ` ${arg.toString("latin1")}` : ""}]`);
  }

  /** `->> [MSG ...]` for what the server sends; one line per protocol line. */
  traceOut(proto: string): void {
    for (const line of proto.split("\r\n")) {
      if (line !== "") this.server.logger.trace(`${this.logPrefix()}->> [${line === "+OK" ? "OK" : line}]`);
    }
  }
}
