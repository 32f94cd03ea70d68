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
import { pingIntervalMs, pingMax, writeDeadlineMs } from "./kind-timings.js";
import type { Server } from "./server.js";
import type { WsConn } from "../websocket/ws-conn.js";

/**
 * The connection a socket belongs to. Node calls event listeners and the `onread`
 * callback with the socket as `this`, so the handlers are shared functions that find
 * their connection here: no closures per connection (issue 13, idle memory).
 */
const OWNER = Symbol("tsnats.connection");
type OwnedSocket = Socket & { [OWNER]: Connection };

/**
 * Longest a producer stays paused for one backed-up subscriber at a time. It is paused
 * again at its next delivery there while the subscriber stays behind, so a steady
 * overload is throttled to the subscriber's pace; a subscriber that stops reading is
 * still cut at max_pending or at the write deadline (nats-server stalledWait).
 */
const STALL_MAX_MS = 100;
/** How many times per write deadline a backed-up socket's progress is looked at. */
const WRITE_DEADLINE_LOOKS = 10;
/**
 * Longest one connection's input may hold the event loop in one turn. libuv hands a busy
 * socket up to 32 reads per turn; past this budget the connection yields (its reads
 * resume on the next turn, in order), so a flood of SUBs or PUBs from one client cannot
 * stall everyone else.
 */
const READ_BUDGET_MS = 10;
/** Reads of one connection closer together than this belong to the same turn of the loop. */
const SAME_TURN_GAP_MS = 1;
/**
 * Within one read (64 KiB can hold thousands of SUBs), the clock is looked at every this
 * many operations; past the budget the parser holds the rest of the read for the next turn.
 */
const OPS_PER_CLOCK_LOOK = 64;

/** Why a connection's reads are paused; it reads again when no reason is left. */
export const enum ReadPause {
  /** A subscriber it delivers to is backed up (Connection.admit). */
  STALL = 1,
  /** It used its share of this turn of the event loop. */
  YIELD = 2,
  /** Its CONNECT waits for a password check off the loop. */
  AUTH = 4,
}

export abstract class Connection {
  abstract readonly kind: Kind;
  readonly out = new Outbound();
  /**
   * The WebSocket framing of a client that came in over the websocket listener, null for
   * plain TCP (nats-server `c.ws`): flush wraps the output in frames, reads are unframed.
   */
  ws: WsConn | null = null;
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
  /** Producers paused because this connection's socket is backed up; resumed as it drains. */
  private stalledProducers: Connection[] | null = null;
  /** ReadPause bits: why reads are paused, 0 when reading. */
  private readPauses = 0;
  /** Time spent on this connection's input in the current turn, and when its last read ended. */
  private turnBusyMs = 0;
  private lastReadEndMs = 0;
  /** When the read being parsed started, and operations since the clock was last looked at. */
  private readStartMs = 0;
  private opsSinceClockLook = 0;
  /** The parser holds the rest of a read for the next turn (not for another reason, e.g. auth). */
  private yieldHeldInput = false;
  /**
   * Told the size of every read while set (a password check counts what waits for it):
   * with the shared read buffer there is no `data` event to listen to.
   */
  protected readObserver: ((len: number) => void) | null = null;
  /** Ends a stall that the socket does not drain from in time. */
  private stallTimer: NodeJS.Timeout | null = null;

  protected pingTimer: NodeJS.Timeout | null = null;
  /**
   * The write deadline applies to a socket that makes no progress (nats-server sets it on
   * each write): `lastWriteMs` is when the kernel last took bytes of ours, `lastInFlight`
   * the bytes of the write in flight that it had not taken at the last look.
   */
  private writeDeadlineTimer: NodeJS.Timeout | null = null;
  private lastWriteMs = 0;
  private lastInFlight = -1;
  /** Called by the socket when a write of ours reached the kernel; one function per connection. */
  private readonly onWritten = (): void => this.writeProgress();

  constructor(
    readonly server: Server,
    readonly id: number,
    public socket: Socket,
  ) {
    this.host = socket.remoteAddress ?? "";
    this.port = socket.remotePort ?? 0;
  }

  /** Feeds one read, `buf[0, len)`, to this connection's parser; `buf` is reused after it returns. */
  protected abstract parse(buf: Buffer, len: number): void;

  /** Holds the rest of the current read until `resumeParsing` (the parser's suspend). */
  protected abstract suspendParsing(): void;

  /** Parses what `suspendParsing` held. */
  protected abstract resumeParsing(): void;

  /** Kind-specific clean-up once closed: subscriptions, the server's registry. */
  protected abstract onClosed(): void;

  /**
   * Wires the socket's events. Called once the socket to read from is known (after TLS
   * set-up). A plain socket reads into the server's shared buffer; TLS and peeked sockets
   * keep the `data` event.
   */
  protected attachSocket(): void {
    const s = this.socket as OwnedSocket;
    s[OWNER] = this;
    s.setNoDelay(true);
    // A socket the shared reader takes is plain TCP: its outbound may borrow the shared scratch.
    if (this.server.reader.attach(s, Connection.onSocketRead)) this.out.shareScratch = true;
    else s.on("data", Connection.onSocketData);
    s.on("error", Connection.onSocketError);
    s.on("end", Connection.onSocketEnd);
    s.on("close", Connection.onSocketClose);
    s.on("drain", Connection.onSocketDrain);
  }

  // Socket handlers, shared by every connection (`this` is the socket, see OWNER).
  private static onSocketRead(this: OwnedSocket, nread: number, buf: Buffer): void {
    this[OWNER].onData(buf, nread);
  }

  private static onSocketData(this: OwnedSocket, buf: Buffer): void {
    this[OWNER].onData(buf, buf.length);
  }

  private static onSocketError(this: OwnedSocket, err: Error & { code?: string }): void {
    const c = this[OWNER];
    if (!c.closed) c.server.logger.debug(`${c.logPrefix()}${KIND_NAMES[c.kind]} connection error: ${err.message}`);
    c.closeConnection(err.code === "EPIPE" ? ClosedState.WriteError : ClosedState.ReadError);
  }

  /**
   * The peer closed its side. With nothing left to write the connection closes at once, as
   * nats-server closes on EOF; Node's default (end(): a shutdown() call, then a close a few
   * stream steps later) is left to a socket with writes still queued, which it flushes
   * first. TLS sockets keep the default: end() sends their close_notify.
   */
  private static onSocketEnd(this: OwnedSocket): void {
    const c = this[OWNER];
    if (c.out.len === 0 && this.writableLength === 0 && (this as { encrypted?: boolean }).encrypted !== true) c.closeConnection(ClosedState.ClientClosed, true);
  }

  private static onSocketClose(this: OwnedSocket): void {
    this[OWNER].closeConnection(ClosedState.ClientClosed);
  }

  private static onSocketDrain(this: OwnedSocket): void {
    this[OWNER].onDrain();
  }

  private onData(buf: Buffer, len: number): void {
    this.lastActivityMs = Date.now();
    if (this.readObserver !== null) this.readObserver(len);
    this.inReadBatch(buf, len);
  }

  /** Parses input (a read, or what a yield held when `buf` is null) as one batch: one flush at its end. */
  private inReadBatch(buf: Buffer | null, len: number): void {
    const start = (this.readStartMs = performance.now());
    if (start - this.lastReadEndMs > SAME_TURN_GAP_MS) this.turnBusyMs = 0;
    const server = this.server;
    server.inReadBatch = true;
    try {
      if (buf !== null) this.parse(buf, len);
      else this.resumeParsing();
    } catch (err) {
      // A bug reached by some input must cost this connection, never the server.
      this.internalError(err);
    }
    server.inReadBatch = false;
    server.flushPending();
    const end = performance.now();
    this.lastReadEndMs = end;
    this.turnBusyMs += end - start;
    if (this.turnBusyMs > READ_BUDGET_MS && !this.closed && (this.readPauses & ReadPause.YIELD) === 0) this.yieldTurn();
  }

  /**
   * Counts one operation of the input being parsed; every OPS_PER_CLOCK_LOOK of them,
   * past this turn's budget, the rest of the read waits for the next turn.
   */
  protected countOp(): void {
    if (++this.opsSinceClockLook < OPS_PER_CLOCK_LOOK) return;
    this.opsSinceClockLook = 0;
    if ((this.readPauses & ReadPause.YIELD) !== 0) return;
    if (this.turnBusyMs + performance.now() - this.readStartMs > READ_BUDGET_MS) {
      this.suspendParsing();
      this.yieldHeldInput = true;
      this.yieldTurn();
    }
  }

  /** Stops reading until the next turn of the loop. */
  private yieldTurn(): void {
    this.turnBusyMs = 0;
    this.pauseReads(ReadPause.YIELD);
    setImmediate(Connection.resumeAfterYield, this);
  }

  private static resumeAfterYield(c: Connection): void {
    c.continueAfterYield();
  }

  /** Next turn: parse what the yield held, then read again (unless that yields again). */
  private continueAfterYield(): void {
    if (this.closed) return;
    this.readPauses &= ~ReadPause.YIELD;
    if (this.yieldHeldInput) {
      this.yieldHeldInput = false;
      this.lastReadEndMs = 0;
      this.inReadBatch(null, 0);
    }
    if (this.readPauses === 0 && !this.closed) this.socket.resume();
  }

  /** Stops reading for `reason` (a ReadPause bit). */
  pauseReads(reason: ReadPause): void {
    if (this.readPauses === 0) this.socket.pause();
    this.readPauses |= reason;
  }

  /** Reading goes on once no reason to pause is left. */
  resumeReads(reason: ReadPause): void {
    if ((this.readPauses & reason) === 0) return;
    this.readPauses &= ~reason;
    if (this.readPauses === 0 && !this.closed) this.socket.resume();
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
    const pingMs = pingIntervalMs(this.kind, this.server.options, this.ws !== null);
    if (pingMs <= 0) return;
    this.pingTimer = setTimeout(Connection.firstPing, Math.min(pingMs, firstMs), this, pingMs);
  }

  // Timer callbacks shared by every connection: the connection comes as the timer's argument.
  private static firstPing(c: Connection, pingMs: number): void {
    c.processPingTimer();
    if (!c.closed) c.pingTimer = setInterval(Connection.nextPing, pingMs, c);
  }

  private static nextPing(c: Connection): void {
    c.processPingTimer();
  }

  /** nats-server processPingTimer: too many unanswered PINGs make the connection stale. */
  private processPingTimer(): void {
    if (this.closed) return;
    if (this.pingsOut + 1 > pingMax(this.kind, this.server.options)) {
      this.server.logger.debug(`${this.logPrefix()}Stale ${KIND_NAMES[this.kind]} Connection - Closing`);
      this.sendErr(ERR_STALE_CONNECTION);
      this.closeConnection(ClosedState.StaleConnection);
      return;
    }
    this.pingsOut++;
    this.rttStart = performance.now();
    this.out.idleLook();
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
      out.discard();
      return;
    }
    const socket = this.socket;
    const queuedBefore = this.socketQueued;
    if (this.ws === null) socket.write(out.take(), this.onWritten);
    else this.ws.writeData(socket, out.take(), this.onWritten);
    this.socketQueued = socket.writableLength;
    out.afterWrite(this.socketQueued);
    if (this.socketQueued !== 0) {
      if (queuedBefore === 0) this.lastWriteMs = Date.now();
      if (this.writeDeadlineTimer === null && !this.closed) this.armWriteDeadline();
    }
  }

  /** A write reached the kernel: progress for the deadline, and room for stalled producers. */
  private writeProgress(): void {
    this.out.written();
    this.lastWriteMs = Date.now();
    const queued = (this.socketQueued = this.socket.writableLength);
    if (this.stalledProducers !== null && queued + this.out.len <= this.server.stallThreshold / 2) this.resumeStalled();
  }

  private onDrain(): void {
    this.socketQueued = 0;
    if (this.writeDeadlineTimer !== null) {
      clearTimeout(this.writeDeadlineTimer);
      this.writeDeadlineTimer = null;
    }
    this.resumeStalled();
  }

  /** Ends a stall the socket did not drain from in time. */
  private static onStallTimeout(c: Connection): void {
    c.stallTimer = null;
    c.resumeStalled();
  }

  /** Looks at the socket's progress a few times per write deadline while it holds data. */
  private armWriteDeadline(): void {
    const period = Math.max(10, Math.floor(writeDeadlineMs(this.kind, this.server.options) / WRITE_DEADLINE_LOOKS));
    this.writeDeadlineTimer = setTimeout(() => this.checkWriteDeadline(), period);
  }

  /**
   * Cuts the connection only when its socket took nothing for a whole write deadline. A
   * big write completes only once all of it is taken, so partial progress is read from
   * the bytes of the write in flight (the handle's write queue) shrinking.
   */
  private checkWriteDeadline(): void {
    this.writeDeadlineTimer = null;
    if (this.closed || this.socket.writableLength === 0) {
      this.lastInFlight = -1;
      return;
    }
    const inFlight = writeQueueSize(this.socket);
    const now = Date.now();
    if (inFlight >= 0 && this.lastInFlight >= 0 && inFlight < this.lastInFlight) this.lastWriteMs = now;
    this.lastInFlight = inFlight;
    const deadline = writeDeadlineMs(this.kind, this.server.options);
    if (now - this.lastWriteMs < deadline) {
      this.armWriteDeadline();
      return;
    }
    this.slowConsumer(ClosedState.SlowConsumerWriteDeadline, `Write Deadline of ${deadline}ms Exceeded`);
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
    if (producer !== null && producer.kind === Kind.CLIENT && queued > this.server.stallThreshold && producer !== this && (producer.readPauses & ReadPause.STALL) === 0) {
      producer.pauseReads(ReadPause.STALL);
      (this.stalledProducers ??= []).push(producer);
      this.stallTimer ??= setTimeout(Connection.onStallTimeout, STALL_MAX_MS, this);
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
    for (const p of stalled) p.resumeReads(ReadPause.STALL);
  }

  private slowConsumer(reason: ClosedReason, detail: string): void {
    this.server.slowConsumers++;
    this.server.logger.notice(`${this.logPrefix()}Slow Consumer Detected: ${detail}`);
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
      this.out.discard();
      socket.destroy();
    } else {
      if (this.ws !== null) this.ws.closing(reason);
      else if (this.out.len > 0) {
        socket.write(this.out.take());
        this.out.afterWrite(socket.writableLength);
      }
      socket.end();
      // A peer that never reads must not keep the socket forever. Not unref'd: a socket
      // whose reads are paused (auth wait, stalled producer) keeps no loop alive, so an
      // unref'd timer let a closing server's listener wait forever for it.
      setTimeout(() => socket.destroy(), 1000);
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

/**
 * Bytes of the write in flight that the kernel has not taken yet (libuv's write queue, as
 * Node's `socket.bufferSize` reads it), or -1 where the handle does not say.
 */
function writeQueueSize(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { writeQueueSize?: unknown } | null })._handle;
  const n = handle?.writeQueueSize;
  return typeof n === "number" ? n : -1;
}
