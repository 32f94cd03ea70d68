/**
 * The frame core of every NATS protocol the server speaks (client, route, leaf node,
 * gateway): a byte-level state machine over the socket's Buffers, read side by side
 * with nats-server server/parser.go. What a connection may send is its kind's verb table
 * (verbs.ts); scanning, limits and payload handling are shared here.
 *
 * It works in place: arguments and payloads are ranges of the read buffer, copied only
 * when a frame is split across reads (into `argScratch` / `msgScratch`, kept for the next
 * split frame while small). It allocates nothing per message: one `PubArg` is reused,
 * and the sink reads it synchronously before the next call to `parse`. Nothing keeps a
 * reference to a read buffer after `parse` returns, so the caller may read the next
 * input into the same memory (src/server/socket-reader.ts).
 */
import { ERR_MAX_CONTROL_LINE, ERR_MAX_PAYLOAD, ERR_UNKNOWN_PROTOCOL } from "./errors.js";
import { MsgArgError, parsePubArgs, parseRoutedMsgArgs, routedArgErrorText } from "./msg-args.js";
import { argText, LEN_CR_LF, PubArg } from "./pub-arg.js";
import { ArgShape, MsgFormat, Verb, VerbTable } from "./verbs.js";

export { argText, buildPubArg, PubArg } from "./pub-arg.js";
export { parseSize } from "./msg-args.js";
export { CLIENT_VERBS, LEAF_VERBS, PINNED_ROUTE_VERBS, ROUTE_VERBS, Verb, VerbTable } from "./verbs.js";

/**
 * Parser states. parser.go has a state per letter of each verb (OP_P, OP_PU, OP_PUB...)
 * and per argument line (PUB_ARG, SUB_ARG...); here the verb's letters are one state
 * walking the kind's verb table, and the argument states are shared by verb shape.
 */
export const enum State {
  OP_START,
  /** Spaces and tabs before a message's arguments (OP_PUB_SPC... in parser.go). */
  MSG_ARG_SPC,
  /** A message's control line (PUB_ARG, HPUB_ARG, RMSG_ARG...). */
  MSG_ARG,
  MSG_PAYLOAD,
  /** Inside a verb; `node` is the position in the verb table. */
  OP_VERB,
  /** After a verb that needs a space or tab before its arguments. */
  OP_VERB_SPC_REQUIRED,
  /** Spaces and tabs before a control line's arguments (OP_SUB_SPC... in parser.go). */
  OP_VERB_SPC,
  /** PING, PONG, +OK: anything up to the newline is ignored, as parser.go does. */
  OP_VERB_EOL,
  /** A control line (SUB_ARG, UNSUB_ARG, CONNECT_ARG, INFO_ARG, MINUS_ERR_ARG...). */
  VERB_ARG,
  /** Terminal: a protocol error was reported; nothing more is parsed. */
  CLOSED,
}

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;
const EMPTY = Buffer.alloc(0);
/** Scratch buffers up to this size are kept for the next split frame; larger ones are dropped. */
const SCRATCH_KEEP_MAX = 8 * 1024;

/**
 * What the parser reports to: a connection (src/server/client.ts and the other kinds).
 * Methods return false when the connection is closing, and the parser then stops.
 */
export interface ParserSink {
  /** A complete message (PUB/HPUB, RMSG...): `pa` holds its arguments and payload. */
  processMsg(pa: PubArg): boolean;
  /** A complete control line of `verb` (SUB, UNSUB, CONNECT, INFO, RS+...). */
  processOp(verb: Verb, arg: Buffer): boolean;
  processPing(): boolean;
  processPong(): void;
  /** The peer sent -ERR: nats-server closes such a connection. */
  processErr(arg: Buffer): void;
  /**
   * A protocol violation. `clientError` is the `-ERR` text to send, or null when
   * nats-server closes the connection without one. `detail` is for the log.
   */
  protocolViolation(clientError: string | null, detail: string): void;
  /** A first operation other than CONNECT while authentication is pending. */
  authViolation(): void;
}

/**
 * The length of the hot verb `hot` (RMSG or LMSG, any case) at `buf[i]` when it is whole
 * in the buffer and followed by a space or tab, else 0. Spelled out, not a table walk:
 * this runs once per message.
 */
function hotVerbAt(hot: Verb, buf: Buffer, i: number, len: number): number {
  if (i + 4 >= len || (hot !== Verb.RMSG && hot !== Verb.LMSG)) return 0;
  const first = hot === Verb.RMSG ? 82 : 76;
  const b4 = buf[i + 4]!;
  return (buf[i]! & 0xdf) === first &&
    (buf[i + 1]! & 0xdf) === 77 &&
    (buf[i + 2]! & 0xdf) === 83 &&
    (buf[i + 3]! & 0xdf) === 71 &&
    (b4 === SPACE || b4 === TAB)
    ? 4
    : 0;
}

/** "UB " after a "P": the rest of the PUB verb, any case, then a space or tab. */
function isPubTail(b1: number, b2: number, b3: number): boolean {
  return (b1 === 85 || b1 === 117) && (b2 === 66 || b2 === 98) && (b3 === SPACE || b3 === TAB);
}

/** `b` if it holds `need` bytes, else a bigger buffer with `b[0, keep)` copied over. */
function grow(b: Buffer, keep: number, need: number): Buffer {
  if (need <= b.length) return b;
  const bigger = Buffer.allocUnsafe(Math.max(256, need * 2));
  b.copy(bigger, 0, 0, keep);
  return bigger;
}

/** `scanArg` results besides the index of the newline. */
const ARG_CONTINUES = -1;
const ARG_FAILED = -2;
/** pubFrame: not the common shape; msgFrame takes the frame. */
const NOT_FAST = -3;

/** One connection's parser state. */
export class Parser {
  state: State = State.OP_START;
  /** The verb being read, and its position in the verb table while in OP_VERB. */
  private verb: Verb = Verb.NONE;
  private node = 0;
  /** Start of the current argument in the current buffer. */
  private argStart = 0;
  /**
   * Holds a control line split across reads (parser.go argBuf), and the line of a message
   * whose payload is split. Reused while small, so a steady stream allocates nothing.
   */
  private argScratch: Buffer = EMPTY;
  /** Bytes of a split control line in `argScratch`, or -1 when none is in progress. */
  private argLen = -1;
  /** Holds a payload split across reads (parser.go msgBuf); reused while small. */
  private msgScratch: Buffer = EMPTY;
  /** Bytes of a split payload in `msgScratch`, or -1 when none is in progress. */
  private msgLen = -1;
  readonly pa = new PubArg();

  maxControlLine: number;
  maxPayload: number;
  /** Set once CONNECT said `headers: true`; HPUB is refused before. */
  headers = false;
  /** True until CONNECT arrives on a server that requires auth: any other op is a violation. */
  awaitingConnect = false;
  /** Set by suspend(): parsing waits, and input is held, until resume(). */
  private suspended = false;
  private held: Buffer | null = null;

  constructor(
    private readonly sink: ParserSink,
    private verbs: VerbTable,
    maxControlLine: number,
    maxPayload: number,
  ) {
    this.maxControlLine = maxControlLine;
    this.maxPayload = maxPayload;
  }

  /**
   * Changes the verbs this parser takes from the next operation on: a route learns from its
   * peer's INFO that it is pinned to one account, and its messages then leave the account out.
   */
  setVerbs(verbs: VerbTable): void {
    this.verbs = verbs;
  }

  /**
   * Called by the sink during a callback (CONNECT waiting on a slow password check, a
   * connection that used its share of the event loop): the rest of the current read, and
   * anything fed later, waits for resume().
   */
  suspend(): void {
    this.suspended = true;
  }

  /** Parses what was held since suspend(). */
  resume(): void {
    this.suspended = false;
    const held = this.held;
    this.held = null;
    if (held !== null && held.length > 0) this.parse(held, held.length);
  }

  /**
   * Feeds one read, `buf[0, len)`. Every event for it is delivered before this returns,
   * and nothing refers to `buf` afterwards (what must wait is copied).
   */
  parse(buf: Buffer, len = buf.length): void {
    if (this.suspended) {
      this.hold(buf, 0, len);
      return;
    }
    const verbs = this.verbs;
    const hot = verbs.hot;
    let i = 0;
    for (; i < len; i++) {
      const b = buf[i]!;
      switch (this.state) {
        case State.OP_START: {
          if (this.awaitingConnect && b !== 67 && b !== 99) {
            this.state = State.CLOSED;
            this.sink.authViolation();
            return;
          }
          // Fast path for the kind's hot verb: whole in this buffer, then a space. PUB is
          // spelled out here (the cheapest form measured, with callgrind); RMSG and LMSG
          // go through hotVerbAt.
          const hotLen =
            hot === Verb.PUB
              ? (b === 80 || b === 112) && i + 3 < len && isPubTail(buf[i + 1]!, buf[i + 2]!, buf[i + 3]!)
                ? 3
                : 0
              : hotVerbAt(hot, buf, i, len);
          if (hotLen > 0) {
            this.verb = hot;
            const argAt = i + hotLen + 1;
            if (argAt < len && buf[argAt]! > SPACE) {
              // One separator, then the argument: straight to the whole frame.
              this.state = State.MSG_ARG;
              this.argStart = argAt;
              i = hot === Verb.PUB ? this.pubFrame(buf, argAt, len) : NOT_FAST;
              if (i === NOT_FAST) i = this.msgFrame(buf, argAt, len);
              if (i < 0) return;
            } else {
              this.state = State.MSG_ARG_SPC;
              i += hotLen;
            }
            break;
          }
          const node = verbs.step(VerbTable.ROOT, b);
          if (node === 0) return this.parseError(buf, i);
          this.node = node;
          this.state = State.OP_VERB;
          break;
        }
        case State.MSG_ARG_SPC:
          if (b !== SPACE && b !== TAB) {
            this.state = State.MSG_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;
        case State.MSG_ARG:
          i = this.msgFrame(buf, i, len);
          if (i < 0) return;
          break;
        case State.MSG_PAYLOAD: {
          // Only reached for a payload split across reads.
          i = this.bufferPayload(buf, i, len) - 1;
          if ((this.state as State) === State.OP_START) {
            const p = this.msgScratch;
            const n = this.msgLen;
            this.msgLen = -1;
            // pa.payloadBuf keeps this one for the sink; only a small one is reused after that.
            if (p.length > SCRATCH_KEEP_MAX) this.msgScratch = EMPTY;
            if (p[n - 2] !== CR || p[n - 1] !== LF) return this.parseError(buf, i);
            const pa = this.pa;
            pa.payloadBuf = p;
            pa.payloadStart = 0;
            pa.payloadEnd = n;
            if (!this.sink.processMsg(pa)) return this.close();
            if (this.suspended) return this.hold(buf, i + 1, len);
          }
          break;
        }

        case State.OP_VERB: {
          const node = verbs.step(this.node, b);
          if (node === 0) return this.parseError(buf, i);
          const verb = verbs.verbAt[node]!;
          if (verb === Verb.NONE) {
            this.node = node;
            break;
          }
          this.verb = verb;
          switch (verbs.shapeOf[verb] as ArgShape) {
            case ArgShape.NONE:
              this.state = State.OP_VERB_EOL;
              break;
            case ArgShape.LINE_NOSPACE:
              this.state = State.OP_VERB_SPC;
              break;
            default:
              this.state = State.OP_VERB_SPC_REQUIRED;
          }
          break;
        }
        case State.OP_VERB_SPC_REQUIRED:
          if (b !== SPACE && b !== TAB) return this.parseError(buf, i);
          this.state = verbs.shapeOf[this.verb] === ArgShape.MSG ? State.MSG_ARG_SPC : State.OP_VERB_SPC;
          break;
        case State.OP_VERB_SPC:
          if (b !== SPACE && b !== TAB) {
            this.state = State.VERB_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;
        case State.OP_VERB_EOL:
          if (b === LF) {
            this.state = State.OP_START;
            if (!this.dispatchNoArg()) return this.close();
          }
          break;

        case State.VERB_ARG: {
          const nl = this.scanArg(buf, i, len);
          if (nl < 0) {
            if (nl === ARG_FAILED) return;
            i = len;
            break;
          }
          const pa = this.pa;
          const arg = pa.arg.subarray(pa.argStart, pa.argEnd);
          this.state = State.OP_START;
          i = nl;
          if (!this.dispatchArg(arg)) return this.close();
          if (this.suspended) return this.hold(buf, i + 1, len);
          break;
        }

        case State.CLOSED:
          return;
        default:
          return this.parseError(buf, i);
      }
    }
  }

  /** PING, PONG or +OK complete. */
  private dispatchNoArg(): boolean {
    switch (this.verb) {
      case Verb.PING:
        return this.sink.processPing();
      case Verb.PONG:
        this.sink.processPong();
        return true;
      default:
        return true;
    }
  }

  /** Hands a complete control line to the sink. */
  private dispatchArg(arg: Buffer): boolean {
    if (this.verb === Verb.ERR) {
      this.sink.processErr(arg);
      return false;
    }
    return this.sink.processOp(this.verb, arg);
  }

  /**
   * Splits a message's control line by its verb and checks it: malformed, headers not
   * enabled, over max_payload, header larger than the message. Reports and returns
   * false on any of these.
   */
  private setMsgArgs(): boolean {
    const pa = this.pa;
    const verb = this.verb;
    if (verb === Verb.PUB) {
      if (!parsePubArgs(pa, false)) return this.badArg("processPub");
    } else if (verb === Verb.HPUB) {
      if (!this.headers) {
        this.state = State.CLOSED;
        this.sink.protocolViolation(null, "message headers not supported");
        return false;
      }
      if (!parsePubArgs(pa, true)) return this.badArg("processHeaderPub");
    } else {
      const format = this.verbs.formatOf[verb] as MsgFormat;
      const err = parseRoutedMsgArgs(pa, format);
      if (err !== MsgArgError.NONE) {
        this.state = State.CLOSED;
        this.sink.protocolViolation(null, routedArgErrorText(pa, format, err));
        return false;
      }
    }
    if (pa.size > this.maxPayload) {
      this.state = State.CLOSED;
      this.sink.protocolViolation(ERR_MAX_PAYLOAD, `${ERR_MAX_PAYLOAD} (size ${pa.size} > ${this.maxPayload})`);
      return false;
    }
    if (pa.hdr > pa.size) {
      this.state = State.CLOSED;
      this.sink.protocolViolation(null, `processHeaderPub Header Size larger then TotalSize: "${argText(pa)}"`);
      return false;
    }
    return true;
  }

  /**
   * A message from its control line at `i` (state MSG_ARG, `argStart` set): the line,
   * then the payload, handed to the sink when whole in this buffer and buffered
   * otherwise. Returns the index of the last byte consumed, or -1 when parsing stops.
   */
  private msgFrame(buf: Buffer, i: number, len: number): number {
    const nl = this.scanArg(buf, i, len);
    if (nl < 0) return nl === ARG_FAILED ? -1 : len - 1;
    if (!this.setMsgArgs()) return -1;
    const pa = this.pa;
    const start = nl + 1;
    const end = start + pa.size + LEN_CR_LF;
    if (end > len) {
      this.state = State.MSG_PAYLOAD;
      return this.bufferPayload(buf, start, len) - 1;
    }
    // The whole payload and its CRLF are in this buffer: no copy.
    if (buf[end - 2] !== CR || buf[end - 1] !== LF) {
      this.parseError(buf, end - 2);
      return -1;
    }
    return this.wholeMsg(buf, start, end, len);
  }

  /**
   * The common PUB, `subject [reply] size\r\n` with single spaces and its payload whole in
   * this buffer, in one pass over the line (msgFrame scans it twice: for the newline, then
   * for the fields). Anything else, including every error, returns NOT_FAST with nothing
   * changed, and msgFrame takes the frame from `i`.
   */
  private pubFrame(buf: Buffer, i: number, len: number): number {
    const limit = Math.min(len, i + this.maxControlLine + 1);
    let j = i;
    while (j < limit && buf[j]! > SPACE) j++;
    const subjectEnd = j;
    if (j >= limit || buf[j] !== SPACE) return NOT_FAST;
    const s1 = ++j;
    while (j < limit && buf[j]! > SPACE) j++;
    const e1 = j;
    if (e1 === s1 || j >= limit) return NOT_FAST;
    let replyStart = subjectEnd;
    let replyEnd = subjectEnd;
    let sizeStart = s1;
    if (buf[j] === SPACE) {
      sizeStart = ++j;
      while (j < limit && buf[j]! > SPACE) j++;
      if (j === sizeStart || j >= limit) return NOT_FAST;
      replyStart = s1;
      replyEnd = e1;
    }
    // j is at the end of the size: a CR, then LF, ends the line.
    if (buf[j] !== CR || j + 1 >= len || buf[j + 1] !== LF || j - sizeStart > 9) return NOT_FAST;
    let size = 0;
    for (let k = sizeStart; k < j; k++) {
      const d = buf[k]! - 48;
      if (d < 0 || d > 9) return NOT_FAST;
      size = size * 10 + d;
    }
    const start = j + 2;
    const end = start + size + LEN_CR_LF;
    if (size > this.maxPayload || end > len || buf[end - 2] !== CR || buf[end - 1] !== LF) return NOT_FAST;
    const pa = this.pa;
    pa.arg = buf;
    pa.argStart = i;
    pa.argEnd = j;
    pa.subjectStart = i;
    pa.subjectEnd = subjectEnd;
    pa.replyStart = replyStart;
    pa.replyEnd = replyEnd;
    pa.hdr = -1;
    pa.hdrStart = pa.hdrEnd = 0;
    pa.sizeStart = sizeStart;
    pa.sizeEnd = j;
    pa.size = size;
    return this.wholeMsg(buf, start, end, len);
  }

  /** Hands a message whose payload is `buf[start, end)` to the sink; as msgFrame returns. */
  private wholeMsg(buf: Buffer, start: number, end: number, len: number): number {
    const pa = this.pa;
    pa.payloadBuf = buf;
    pa.payloadStart = start;
    pa.payloadEnd = end;
    this.state = State.OP_START;
    if (!this.sink.processMsg(pa)) {
      this.close();
      return -1;
    }
    if (this.suspended) {
      this.hold(buf, end, len);
      return -1;
    }
    return end - 1;
  }

  /** Keeps `buf[from, len)` (copied: the read buffer is not ours) until resume(). */
  private hold(buf: Buffer, from: number, len: number): void {
    if (from >= len) return;
    // allocUnsafe and copy: Buffer.from(view) zero-fills first, and this can be a whole read.
    const rest = Buffer.allocUnsafe(len - from);
    buf.copy(rest, 0, from, len);
    this.held = this.held === null ? rest : Buffer.concat([this.held, rest]);
  }

  /**
   * Finds the end of the control line that starts at `argStart` (or continues a split
   * one in the scratch) in one tight loop. On success the line, without its `\r`, is
   * `pa.arg[pa.argStart, pa.argEnd)` and the index of the `\n` is returned. Returns
   * ARG_CONTINUES when the line goes on in the next read (it was copied aside), or
   * ARG_FAILED when it is over the control line limit (already reported).
   */
  private scanArg(buf: Buffer, from: number, len: number): number {
    let j = from;
    while (j < len && buf[j] !== LF) j++;
    if (j === len) {
      return this.stashArg(buf, this.argLen < 0 ? this.argStart : from, len) ? ARG_CONTINUES : ARG_FAILED;
    }
    const pa = this.pa;
    if (this.argLen >= 0) {
      if (!this.stashArg(buf, from, j)) return ARG_FAILED;
      pa.arg = this.argScratch;
      pa.argStart = 0;
      pa.argEnd = this.argLen;
      this.argLen = -1;
      // pa.arg keeps this one until the next frame; only a small one is reused after that.
      if (this.argScratch.length > SCRATCH_KEEP_MAX) this.argScratch = EMPTY;
    } else {
      pa.arg = buf;
      pa.argStart = this.argStart;
      pa.argEnd = j;
    }
    if (pa.argEnd > pa.argStart && pa.arg[pa.argEnd - 1] === CR) pa.argEnd--;
    if (pa.argEnd - pa.argStart > this.maxControlLine) {
      this.overControlLine(pa.argEnd - pa.argStart);
      return ARG_FAILED;
    }
    return j;
  }

  /** Copies `buf[from, to)` onto the split control line (parser.go argBuf). */
  private stashArg(buf: Buffer, from: number, to: number): boolean {
    const n = to - from;
    const have = this.argLen < 0 ? 0 : this.argLen;
    // One byte of slack: a trailing `\r` is not part of the line.
    if (have + n > this.maxControlLine + 1) {
      this.overControlLine(have + n);
      return false;
    }
    this.argScratch = grow(this.argScratch, have, have + n);
    buf.copy(this.argScratch, have, from, to);
    this.argLen = have + n;
    return true;
  }

  /**
   * Copies as much of a split payload as `buf[0, len)` holds from `from`. Returns the
   * index after the copied bytes; when the payload (with its CRLF) is complete, the state
   * is back to OP_START.
   */
  private bufferPayload(buf: Buffer, from: number, len: number): number {
    const total = this.pa.size + LEN_CR_LF;
    if (this.msgLen < 0) {
      if (this.msgScratch.length < total) this.msgScratch = Buffer.allocUnsafe(total);
      this.msgLen = 0;
      // The arg view may point into this read buffer, which the next read replaces.
      if (this.pa.arg !== this.argScratch) this.detachArg();
    }
    const n = Math.min(total - this.msgLen, len - from);
    buf.copy(this.msgScratch, this.msgLen, from, from + n);
    this.msgLen += n;
    if (this.msgLen === total) this.state = State.OP_START;
    return from + n;
  }

  /**
   * Copies the PubArg's control line out of the read buffer into `argScratch` (unused
   * until this payload is complete), rebasing its offsets: only for a split payload,
   * whose arguments must outlive this read.
   */
  private detachArg(): void {
    const pa = this.pa;
    const base = pa.argStart;
    this.argScratch = grow(this.argScratch, 0, pa.argEnd - base);
    pa.arg.copy(this.argScratch, 0, base, pa.argEnd);
    pa.arg = this.argScratch;
    pa.argStart = 0;
    pa.argEnd -= base;
    pa.subjectStart -= base;
    pa.subjectEnd -= base;
    pa.replyStart -= base;
    pa.replyEnd -= base;
    pa.hdrStart -= base;
    pa.hdrEnd -= base;
    pa.sizeStart -= base;
    pa.sizeEnd -= base;
    // Routed and leaf messages only; a client's stay empty.
    if (pa.accountEnd > pa.accountStart) {
      pa.accountStart -= base;
      pa.accountEnd -= base;
    }
    if (pa.queuesEnd > pa.queuesStart) {
      pa.queuesStart -= base;
      pa.queuesEnd -= base;
    }
    if (pa.originEnd > pa.originStart) {
      pa.originStart -= base;
      pa.originEnd -= base;
    }
  }

  /** A malformed argument line: nats-server closes the connection without an -ERR. */
  private badArg(op: string): false {
    this.state = State.CLOSED;
    this.sink.protocolViolation(null, `${op} Parse Error: '${argText(this.pa)}'`);
    return false;
  }

  private overControlLine(n: number): void {
    this.state = State.CLOSED;
    this.argScratch = EMPTY;
    this.argLen = -1;
    this.sink.protocolViolation(
      ERR_MAX_CONTROL_LINE,
      `${ERR_MAX_CONTROL_LINE}: max_control_line ${this.maxControlLine}, line length ${n}`,
    );
  }

  private parseError(buf: Buffer, i: number): void {
    const snip = buf.toString("latin1", i, Math.min(buf.length, i + 32));
    const state = this.state;
    this.state = State.CLOSED;
    this.sink.protocolViolation(ERR_UNKNOWN_PROTOCOL, `parser ERROR, state=${state}, i=${i}: proto='${snip}...'`);
  }

  private close(): void {
    this.state = State.CLOSED;
  }
}
