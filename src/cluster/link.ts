/**
 * What every server-to-server connection shares (routes, leaf nodes, and later
 * gateways): its kind's verb table, the first PING after one second, the handshake's
 * auth timer, `-ERR` and protocol-violation handling, and the message line it writes to
 * the peer (RMSG/LMSG with the matched queue names). The subclass owns the handshake and
 * the interest verbs (nats-server client.go serves these kinds from one struct).
 */
import type { Socket } from "node:net";
import { ERR_AUTHORIZATION, ERR_AUTH_TIMEOUT } from "../protocol/errors.js";
import { Parser, type ParserSink, type PubArg, type Verb, type VerbTable } from "../protocol/parser.js";
import { routedMsgLineLength, writeRoutedMsg } from "../protocol/encode.js";
import { ClosedState } from "../server/closed-state.js";
import { Connection } from "../server/connection.js";
import { KIND_NAMES, type Kind } from "../server/connection-kind.js";
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";

/** nats-server firstPingInterval: the first PING to a server link goes out after a second. */
const FIRST_PING_INTERVAL_MS = 1000;
/**
 * Control lines from another server are not held to max_control_line (nats-server checks
 * clients only); this bound only keeps a broken peer from growing a line forever.
 */
const LINK_MAX_CONTROL_LINE = 1024 * 1024;
/** Nor are their payloads held to max_payload (routes and leaf nodes have mpay -1). */
const LINK_MAX_PAYLOAD = Number.MAX_SAFE_INTEGER;

/** Log prefix letter pairs as nats-server prints them: `rid:`, `gid:`, `lid:`. */
function idLabel(kind: Kind): string {
  return kind === 1 ? "rid" : kind === 2 ? "gid" : "lid";
}

export abstract class Link extends Connection implements ParserSink {
  abstract override readonly kind: Kind.ROUTER | Kind.GATEWAY | Kind.LEAF;
  readonly parser: Parser;
  /** The server ID of the peer, once its CONNECT or INFO said it. */
  remoteId = "";
  remoteName = "";
  /** The handshake is over and the link is in its manager's registry. */
  registered = false;
  /**
   * A leaf node connection we made to a hub (nats-server isSpokeLeafNode): the hub's
   * interest stays on this server. Always false for routes and gateways.
   */
  isSpoke = false;
  /** The peer accepts HMSG (both sides support headers). */
  headers = false;
  /** The peer traces messages too (its `proto` is at least MSG_TRACE_PROTO, msg-trace.ts). */
  traceOk = false;
  private authTimer: NodeJS.Timeout | null = null;

  constructor(
    server: Server,
    id: number,
    socket: Socket,
    verbs: VerbTable,
    /** We dialed this peer (nats-server didSolicit). */
    readonly solicited: boolean,
    /** The URL dialed, or the one the peer's INFO gave for an accepted link. */
    public url: URL | null,
  ) {
    super(server, id, socket);
    this.parser = new Parser(this, verbs, LINK_MAX_CONTROL_LINE, LINK_MAX_PAYLOAD);
    this.parser.headers = true;
  }

  /** Starts reading and PINGing; `authTimeoutMs` > 0 makes an accepted link wait for CONNECT. */
  protected startLink(authTimeoutMs: number): void {
    this.attachSocket();
    if (authTimeoutMs > 0 && !this.solicited) {
      this.parser.awaitingConnect = true;
      this.authTimer = setTimeout(() => this.authTimeout(), authTimeoutMs);
    }
    this.startPingTimer(FIRST_PING_INTERVAL_MS);
  }

  /** Stops waiting for CONNECT (it arrived and was accepted). */
  protected connectAccepted(): void {
    this.parser.awaitingConnect = false;
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    this.authTimer = null;
  }

  protected parse(buf: Buffer, len: number): void {
    // A leaf node over WebSocket: frames first (the only link kind that can have them).
    if (this.ws === null) this.parser.parse(buf, len);
    else this.ws.reader.read(buf, len);
  }

  protected suspendParsing(): void {
    this.parser.suspend();
  }

  protected resumeParsing(): void {
    this.parser.resume();
  }

  abstract processOp(verb: Verb, arg: Buffer): boolean;
  abstract processMsg(pa: PubArg): boolean;

  /**
   * Writes one message for `sub` (the first of this link's subscriptions it matched) with
   * the queue names chosen on this link: `qlen` bytes of `queues`, each name followed by a
   * space. `producer` is where the message came from.
   */
  abstract sendMsg(producer: Connection | null, sub: Subscription, pa: PubArg, queues: Uint8Array, qlen: number): void;

  /**
   * Whether a message that came from the link `producer` may go out on this one: never
   * from a route to a route (one hop); the leaf node rules are the Leaf's.
   */
  abstract forwards(producer: Link, pa: PubArg): boolean;

  /** The leaf cluster a message from this link comes from, as bytes (leaf nodes only). */
  originBytes(): Uint8Array | null {
    return null;
  }

  /** Appends an RMSG/LMSG/HMSG line and the payload, counting it (the caller's kind picks the form; gateways pass `_GR_.` replies on by route). */
  writeMsg(
    producer: Connection | null,
    pa: PubArg,
    verb: number,
    account: Uint8Array | null,
    queues: Uint8Array,
    qlen: number,
    origin: Uint8Array | null,
  ): void {
    const payloadLen = pa.payloadEnd - pa.payloadStart;
    const lineLen = routedMsgLineLength(pa, account, qlen, origin, null, false);
    if (!this.admit(producer, lineLen + payloadLen)) return;
    const out = this.out;
    out.ensure(lineLen + payloadLen);
    writeRoutedMsg(out, pa, verb, account, queues, qlen, origin, null, false);
    this.countOut(pa, lineLen, payloadLen);
  }

  /** Counts a message just appended (a `lineLen` line, then `payloadLen` bytes) and marks the link for flushing. */
  protected countOut(pa: PubArg, lineLen: number, payloadLen: number): void {
    this.outMsgs++;
    this.outBytes += pa.size;
    const server = this.server;
    server.outMsgs++;
    server.outBytes += pa.size;
    server.markPending(this);
    const out = this.out;
    if (server.traceEnabled) this.traceOut(out.buf.toString("latin1", out.len - payloadLen - lineLen, out.len - payloadLen));
  }

  /** Counts an inbound message as every kind does (and towards this turn's read budget). */
  protected countIn(pa: PubArg): void {
    this.countOp();
    this.inMsgs++;
    this.inBytes += pa.size;
    const server = this.server;
    server.inMsgs++;
    server.inBytes += pa.size;
  }

  processErr(arg: Buffer): void {
    const name = this.kind === 1 ? "Route" : KIND_NAMES[this.kind];
    this.server.logger.error(`${this.logPrefix()}${name} Error ${arg.toString("latin1")}`);
    this.closeConnection(ClosedState.ParseError);
  }

  /** nats-server readLoop: any parse error is logged and closes the link as a Protocol Violation. */
  protocolViolation(clientError: string | null, detail: string): void {
    const kind = detail.startsWith("parser ERROR") ? `${KIND_NAMES[this.kind]} ` : "";
    if (clientError !== null) this.sendErr(clientError);
    this.server.logger.error(`${this.logPrefix()}${kind}${detail}`);
    this.closeConnection(ClosedState.ProtocolViolation);
  }

  authViolation(): void {
    this.server.logger.error(`${this.logPrefix()}authentication error`);
    this.sendErr(ERR_AUTHORIZATION);
    this.closeConnection(ClosedState.AuthenticationViolation);
  }

  private authTimeout(): void {
    this.authTimer = null;
    if (this.closed || !this.parser.awaitingConnect) return;
    this.server.logger.error(`${this.logPrefix()}${ERR_AUTH_TIMEOUT}`);
    this.sendErr(ERR_AUTH_TIMEOUT);
    this.closeConnection(ClosedState.AuthenticationTimeout);
  }

  /** A protocol error nats-server reports with `-ERR` and closes on (sendErrAndErr). */
  errAndClose(text: string, reason: (typeof ClosedState)[keyof typeof ClosedState]): false {
    this.server.logger.error(`${this.logPrefix()}${text}`);
    this.sendErr(text);
    this.closeConnection(reason);
    return false;
  }

  protected override onClosed(): void {
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    this.authTimer = null;
    this.linkClosed();
  }

  /** Kind-specific clean-up: remote interest, the registry, reconnecting. */
  protected abstract linkClosed(): void;

  override logPrefix(): string {
    return `${this.host}:${this.port} - ${idLabel(this.kind)}:${this.id} - `;
  }

  /** Parses a JSON control line (INFO, CONNECT); null and closed when it is not an object. */
  protected parseJson<T>(arg: Buffer, what: string): T | null {
    try {
      const v = JSON.parse(arg.toString("utf8")) as unknown;
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
      return v as T;
    } catch (err) {
      this.server.logger.error(`${this.logPrefix()}${what}: ${(err as Error).message}`);
      this.closeConnection(ClosedState.ProtocolViolation);
      return null;
    }
  }
}
