/**
 * The client protocol parser: a byte-level state machine over the socket's Buffers,
 * read side by side with nats-server server/parser.go (the state names are Go's).
 *
 * It works in place: arguments and payloads are `subarray` views of the read buffer,
 * copied only when a frame is split across reads (into `argScratch` / `msgScratch`).
 * It allocates nothing per message: one `PubArg` is reused, and the sink reads it
 * synchronously before the next call to `parse`.
 */
import { ERR_MAX_CONTROL_LINE, ERR_MAX_PAYLOAD, ERR_UNKNOWN_PROTOCOL } from "./errors.js";
import { argText, LEN_CR_LF, PubArg } from "./pub-arg.js";

export { argText, buildPubArg, PubArg } from "./pub-arg.js";

/** Parser states, named as in nats-server parser.go. */
export const enum State {
  OP_START,
  OP_PLUS,
  OP_PLUS_O,
  OP_PLUS_OK,
  OP_MINUS,
  OP_MINUS_E,
  OP_MINUS_ER,
  OP_MINUS_ERR,
  OP_MINUS_ERR_SPC,
  MINUS_ERR_ARG,
  OP_C,
  OP_CO,
  OP_CON,
  OP_CONN,
  OP_CONNE,
  OP_CONNEC,
  OP_CONNECT,
  CONNECT_ARG,
  OP_H,
  OP_HP,
  OP_HPU,
  OP_HPUB,
  OP_HPUB_SPC,
  HPUB_ARG,
  OP_P,
  OP_PU,
  OP_PUB,
  OP_PUB_SPC,
  PUB_ARG,
  OP_PI,
  OP_PIN,
  OP_PING,
  OP_PO,
  OP_PON,
  OP_PONG,
  MSG_PAYLOAD,
  OP_S,
  OP_SU,
  OP_SUB,
  OP_SUB_SPC,
  SUB_ARG,
  OP_U,
  OP_UN,
  OP_UNS,
  OP_UNSU,
  OP_UNSUB,
  OP_UNSUB_SPC,
  UNSUB_ARG,
  OP_I,
  OP_IN,
  OP_INF,
  OP_INFO,
  INFO_ARG,
  /** Terminal: a protocol error was reported; nothing more is parsed. */
  CLOSED,
}

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;



/**
 * What the parser reports to. Methods return false when the connection is closing, and
 * the parser then stops. The connection (src/server/client.ts) implements this.
 */
export interface ClientParserSink {
  processConnect(arg: Buffer): boolean;
  /** A complete PUB/HPUB: `pa` holds its arguments and payload. */
  processMsg(pa: PubArg): boolean;
  processSub(arg: Buffer): boolean;
  processUnsub(arg: Buffer): boolean;
  processPing(): boolean;
  processPong(): void;
  processInfo(arg: Buffer): boolean;
  /** The client sent -ERR: nats-server closes such a connection. */
  processErr(arg: Buffer): void;
  /**
   * A protocol violation. `clientError` is the `-ERR` text to send, or null when
   * nats-server closes the connection without one. `detail` is for the log.
   */
  protocolViolation(clientError: string | null, detail: string): void;
  /** A first operation other than CONNECT while authentication is pending. */
  authViolation(): void;
}

/** `scanArg` results besides the index of the newline. */
const ARG_CONTINUES = -1;
const ARG_FAILED = -2;

/** "UB " after a "P": the rest of the PUB verb, any case, then a space or tab. */
function isPubTail(b1: number, b2: number, b3: number): boolean {
  return (b1 === 85 || b1 === 117) && (b2 === 66 || b2 === 98) && (b3 === SPACE || b3 === TAB);
}


/** Parses a non-negative decimal from bytes; -1 if empty or not all digits (parser.go parseSize). */
export function parseSize(buf: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 9) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** One client connection's parser state. */
export class ClientParser {
  state: State = State.OP_START;
  /** Start of the current argument in the current buffer. */
  private argStart = 0;
  /** The split control line so far, or null when it lies whole in the current buffer. */
  private argScratch: Buffer | null = null;
  private argLen = 0;
  /** The split payload so far, or null when it lies whole in the current buffer. */
  private msgScratch: Buffer | null = null;
  private msgLen = 0;
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
    private readonly sink: ClientParserSink,
    maxControlLine: number,
    maxPayload: number,
  ) {
    this.maxControlLine = maxControlLine;
    this.maxPayload = maxPayload;
  }

  /**
   * Called by the sink during a callback (CONNECT waiting on a slow password check):
   * the rest of the current read, and anything fed later, waits for resume().
   */
  suspend(): void {
    this.suspended = true;
  }

  /** Parses what was held since suspend(). */
  resume(): void {
    this.suspended = false;
    const held = this.held;
    this.held = null;
    if (held !== null && held.length > 0) this.parse(held);
  }

  /** Feeds one read. Every event for it is delivered before this returns. */
  parse(buf: Buffer): void {
    if (this.suspended) {
      this.hold(buf, 0);
      return;
    }
    const sink = this.sink;
    const len = buf.length;
    let i = 0;
    for (; i < len; i++) {
      const b = buf[i]!;
      switch (this.state) {
        case State.OP_START:
          if (this.awaitingConnect && b !== 67 && b !== 99) {
            this.state = State.CLOSED;
            sink.authViolation();
            return;
          }
          switch (b) {
            case 80: // P
            case 112:
              // Fast path for the hot verb: "PUB " whole in this buffer.
              if (i + 3 < len && isPubTail(buf[i + 1]!, buf[i + 2]!, buf[i + 3]!)) {
                this.state = State.OP_PUB_SPC;
                i += 3;
              } else {
                this.state = State.OP_P;
              }
              break;
            case 72: // H
            case 104:
              this.state = State.OP_H;
              break;
            case 83: // S
            case 115:
              this.state = State.OP_S;
              break;
            case 85: // U
            case 117:
              this.state = State.OP_U;
              break;
            case 67: // C
            case 99:
              this.state = State.OP_C;
              break;
            case 73: // I
            case 105:
              this.state = State.OP_I;
              break;
            case 43: // +
              this.state = State.OP_PLUS;
              break;
            case 45: // -
              this.state = State.OP_MINUS;
              break;
            default:
              return this.parseError(buf, i);
          }
          break;

        // PUB / PING / PONG
        case State.OP_P:
          if (b === 85 || b === 117) this.state = State.OP_PU;
          else if (b === 73 || b === 105) this.state = State.OP_PI;
          else if (b === 79 || b === 111) this.state = State.OP_PO;
          else return this.parseError(buf, i);
          break;
        case State.OP_PU:
          if (b === 66 || b === 98) this.state = State.OP_PUB;
          else return this.parseError(buf, i);
          break;
        case State.OP_PUB:
          if (b === SPACE || b === TAB) this.state = State.OP_PUB_SPC;
          else return this.parseError(buf, i);
          break;
        case State.OP_PUB_SPC:
          if (b !== SPACE && b !== TAB) {
            this.state = State.PUB_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;
        case State.PUB_ARG:
        case State.HPUB_ARG: {
          const nl = this.scanArg(buf, i, len);
          if (nl < 0) {
            if (nl === ARG_FAILED) return;
            i = len;
            break;
          }
          const pa = this.pa;
          if (!this.setPubArg(this.state === State.HPUB_ARG)) return;
          i = nl;
          const start = nl + 1;
          const end = start + pa.size + LEN_CR_LF;
          if (end <= len) {
            // Fast path: the whole payload and its CRLF are in this buffer.
            if (buf[end - 2] !== CR || buf[end - 1] !== LF) return this.parseError(buf, end - 2);
            pa.payloadBuf = buf;
            pa.payloadStart = start;
            pa.payloadEnd = end;
            this.state = State.OP_START;
            i = end - 1;
            if (!sink.processMsg(pa)) return this.close();
          } else {
            this.state = State.MSG_PAYLOAD;
            i = this.bufferPayload(buf, start) - 1;
          }
          break;
        }
        case State.MSG_PAYLOAD: {
          // Only reached for a payload split across reads.
          i = this.bufferPayload(buf, i) - 1;
          if ((this.state as State) === State.OP_START) {
            const p = this.msgScratch!;
            const n = this.msgLen;
            this.msgScratch = null;
            this.msgLen = 0;
            if (p[n - 2] !== CR || p[n - 1] !== LF) return this.parseError(buf, i);
            const pa = this.pa;
            pa.payloadBuf = p;
            pa.payloadStart = 0;
            pa.payloadEnd = n;
            if (!sink.processMsg(pa)) return this.close();
          }
          break;
        }
        case State.OP_PI:
          if (b === 78 || b === 110) this.state = State.OP_PIN;
          else return this.parseError(buf, i);
          break;
        case State.OP_PIN:
          if (b === 71 || b === 103) this.state = State.OP_PING;
          else return this.parseError(buf, i);
          break;
        case State.OP_PING:
          // As nats-server: anything up to the newline is ignored.
          if (b === LF) {
            this.state = State.OP_START;
            if (!sink.processPing()) return this.close();
          }
          break;
        case State.OP_PO:
          if (b === 78 || b === 110) this.state = State.OP_PON;
          else return this.parseError(buf, i);
          break;
        case State.OP_PON:
          if (b === 71 || b === 103) this.state = State.OP_PONG;
          else return this.parseError(buf, i);
          break;
        case State.OP_PONG:
          if (b === LF) {
            this.state = State.OP_START;
            sink.processPong();
          }
          break;

        // HPUB
        case State.OP_H:
          if (b === 80 || b === 112) this.state = State.OP_HP;
          else return this.parseError(buf, i);
          break;
        case State.OP_HP:
          if (b === 85 || b === 117) this.state = State.OP_HPU;
          else return this.parseError(buf, i);
          break;
        case State.OP_HPU:
          if (b === 66 || b === 98) this.state = State.OP_HPUB;
          else return this.parseError(buf, i);
          break;
        case State.OP_HPUB:
          if (b === SPACE || b === TAB) this.state = State.OP_HPUB_SPC;
          else return this.parseError(buf, i);
          break;
        case State.OP_HPUB_SPC:
          if (b !== SPACE && b !== TAB) {
            this.state = State.HPUB_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;

        // SUB
        case State.OP_S:
          if (b === 85 || b === 117) this.state = State.OP_SU;
          else return this.parseError(buf, i);
          break;
        case State.OP_SU:
          if (b === 66 || b === 98) this.state = State.OP_SUB;
          else return this.parseError(buf, i);
          break;
        case State.OP_SUB:
          if (b === SPACE || b === TAB) this.state = State.OP_SUB_SPC;
          else return this.parseError(buf, i);
          break;
        case State.OP_SUB_SPC:
          if (b !== SPACE && b !== TAB) {
            this.state = State.SUB_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;

        // UNSUB
        case State.OP_U:
          if (b === 78 || b === 110) this.state = State.OP_UN;
          else return this.parseError(buf, i);
          break;
        case State.OP_UN:
          if (b === 83 || b === 115) this.state = State.OP_UNS;
          else return this.parseError(buf, i);
          break;
        case State.OP_UNS:
          if (b === 85 || b === 117) this.state = State.OP_UNSU;
          else return this.parseError(buf, i);
          break;
        case State.OP_UNSU:
          if (b === 66 || b === 98) this.state = State.OP_UNSUB;
          else return this.parseError(buf, i);
          break;
        case State.OP_UNSUB:
          if (b === SPACE || b === TAB) this.state = State.OP_UNSUB_SPC;
          else return this.parseError(buf, i);
          break;
        case State.OP_UNSUB_SPC:
          if (b !== SPACE && b !== TAB) {
            this.state = State.UNSUB_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;

        // CONNECT
        case State.OP_C:
          if (b === 79 || b === 111) this.state = State.OP_CO;
          else return this.parseError(buf, i);
          break;
        case State.OP_CO:
          if (b === 78 || b === 110) this.state = State.OP_CON;
          else return this.parseError(buf, i);
          break;
        case State.OP_CON:
          if (b === 78 || b === 110) this.state = State.OP_CONN;
          else return this.parseError(buf, i);
          break;
        case State.OP_CONN:
          if (b === 69 || b === 101) this.state = State.OP_CONNE;
          else return this.parseError(buf, i);
          break;
        case State.OP_CONNE:
          if (b === 67 || b === 99) this.state = State.OP_CONNEC;
          else return this.parseError(buf, i);
          break;
        case State.OP_CONNEC:
          if (b === 84 || b === 116) this.state = State.OP_CONNECT;
          else return this.parseError(buf, i);
          break;
        case State.OP_CONNECT:
          if (b !== SPACE && b !== TAB) {
            this.state = State.CONNECT_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;

        // INFO (a client may send one; it is ignored)
        case State.OP_I:
          if (b === 78 || b === 110) this.state = State.OP_IN;
          else return this.parseError(buf, i);
          break;
        case State.OP_IN:
          if (b === 70 || b === 102) this.state = State.OP_INF;
          else return this.parseError(buf, i);
          break;
        case State.OP_INF:
          if (b === 79 || b === 111) this.state = State.OP_INFO;
          else return this.parseError(buf, i);
          break;
        case State.OP_INFO:
          if (b !== SPACE && b !== TAB) {
            this.state = State.INFO_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;

        // +OK
        case State.OP_PLUS:
          if (b === 79 || b === 111) this.state = State.OP_PLUS_O;
          else return this.parseError(buf, i);
          break;
        case State.OP_PLUS_O:
          if (b === 75 || b === 107) this.state = State.OP_PLUS_OK;
          else return this.parseError(buf, i);
          break;
        case State.OP_PLUS_OK:
          if (b === LF) this.state = State.OP_START;
          break;

        // -ERR
        case State.OP_MINUS:
          if (b === 69 || b === 101) this.state = State.OP_MINUS_E;
          else return this.parseError(buf, i);
          break;
        case State.OP_MINUS_E:
          if (b === 82 || b === 114) this.state = State.OP_MINUS_ER;
          else return this.parseError(buf, i);
          break;
        case State.OP_MINUS_ER:
          if (b === 82 || b === 114) this.state = State.OP_MINUS_ERR;
          else return this.parseError(buf, i);
          break;
        case State.OP_MINUS_ERR:
          if (b === SPACE || b === TAB) this.state = State.OP_MINUS_ERR_SPC;
          else return this.parseError(buf, i);
          break;
        case State.OP_MINUS_ERR_SPC:
          if (b !== SPACE && b !== TAB) {
            this.state = State.MINUS_ERR_ARG;
            this.argStart = i;
            i--; // scan the argument from this byte
          }
          break;

        // The other argument lines: SUB, UNSUB, CONNECT, INFO, -ERR.
        case State.SUB_ARG:
        case State.UNSUB_ARG:
        case State.CONNECT_ARG:
        case State.INFO_ARG:
        case State.MINUS_ERR_ARG: {
          const nl = this.scanArg(buf, i, len);
          if (nl < 0) {
            if (nl === ARG_FAILED) return;
            i = len;
            break;
          }
          const state = this.state;
          const pa = this.pa;
          const arg = pa.arg.subarray(pa.argStart, pa.argEnd);
          this.state = State.OP_START;
          i = nl;
          if (!this.dispatchArg(state, arg)) return this.close();
          if (this.suspended) return this.hold(buf, i + 1);
          break;
        }

        case State.CLOSED:
          return;
        default:
          return this.parseError(buf, i);
      }
    }
  }

  /** Keeps `buf[from...]` (copied: the read buffer is not ours) until resume(). */
  private hold(buf: Buffer, from: number): void {
    if (from >= buf.length) return;
    const rest = Buffer.from(buf.subarray(from));
    this.held = this.held === null ? rest : Buffer.concat([this.held, rest]);
  }

  /** Hands a complete control line to the sink. */
  private dispatchArg(state: State, arg: Buffer): boolean {
    const sink = this.sink;
    switch (state) {
      case State.SUB_ARG:
        return sink.processSub(arg);
      case State.UNSUB_ARG:
        return sink.processUnsub(arg);
      case State.CONNECT_ARG:
        return sink.processConnect(arg);
      case State.INFO_ARG:
        return sink.processInfo(arg);
      default:
        sink.processErr(arg);
        return false;
    }
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
      return this.stashArg(buf, this.argScratch === null ? this.argStart : from, len) ? ARG_CONTINUES : ARG_FAILED;
    }
    const pa = this.pa;
    if (this.argScratch !== null) {
      if (!this.stashArg(buf, from, j)) return ARG_FAILED;
      pa.arg = this.argScratch;
      pa.argStart = 0;
      pa.argEnd = this.argLen;
      this.argScratch = null;
      this.argLen = 0;
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
    const have = this.argScratch === null ? 0 : this.argLen;
    // One byte of slack: a trailing `\r` is not part of the line.
    if (have + n > this.maxControlLine + 1) {
      this.overControlLine(have + n);
      return false;
    }
    if (this.argScratch === null || have + n > this.argScratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(256, (have + n) * 2));
      if (this.argScratch !== null) this.argScratch.copy(bigger, 0, 0, have);
      this.argScratch = bigger;
    }
    buf.copy(this.argScratch, have, from, to);
    this.argLen = have + n;
    return true;
  }

  /**
   * Copies as much of a split payload as `buf` holds from `from`, allocating the
   * scratch on first use. Returns the index after the copied bytes; when the payload
   * (with its CRLF) is complete, the state is back to OP_START.
   */
  private bufferPayload(buf: Buffer, from: number): number {
    const total = this.pa.size + LEN_CR_LF;
    if (this.msgScratch === null) {
      this.msgScratch = Buffer.allocUnsafe(total);
      this.msgLen = 0;
      // The arg view may point into this read buffer, which the next read replaces.
      this.detachArg();
    }
    const n = Math.min(total - this.msgLen, buf.length - from);
    buf.copy(this.msgScratch, this.msgLen, from, from + n);
    this.msgLen += n;
    if (this.msgLen === total) this.state = State.OP_START;
    return from + n;
  }

  /**
   * Copies the PubArg's control line out of the read buffer, rebasing its offsets
   * (only on a split payload, whose arguments must outlive this read).
   */
  private detachArg(): void {
    const pa = this.pa;
    const base = pa.argStart;
    pa.arg = Buffer.from(pa.arg.subarray(base, pa.argEnd));
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
  }

  /**
   * Parses `subject [reply] [hdr] size` in place into `pa`. Reports and returns false
   * on a malformed line, an oversized payload or headers not enabled.
   */
  private setPubArg(isHpub: boolean): boolean {
    const pa = this.pa;
    const arg = pa.arg;
    if (isHpub && !this.headers) {
      this.state = State.CLOSED;
      this.sink.protocolViolation(null, "message headers not supported");
      return false;
    }
    // Split into at most 4 fields, remembering their offsets.
    let n = 0;
    let s0 = 0, e0 = 0, s1 = 0, e1 = 0, s2 = 0, e2 = 0, s3 = 0, e3 = 0;
    let start = -1;
    const len = pa.argEnd;
    for (let i = pa.argStart; i <= len; i++) {
      const b = i < len ? arg[i]! : SPACE;
      if (b === SPACE || b === TAB || b === CR || b === LF) {
        if (start >= 0) {
          switch (n) {
            case 0: s0 = start; e0 = i; break;
            case 1: s1 = start; e1 = i; break;
            case 2: s2 = start; e2 = i; break;
            case 3: s3 = start; e3 = i; break;
          }
          n++;
          start = -1;
        }
      } else if (start < 0) {
        start = i;
      }
    }
    pa.subjectStart = s0;
    pa.subjectEnd = e0;
    pa.hdr = -1;
    pa.hdrStart = pa.hdrEnd = 0;
    if (!isHpub) {
      if (n === 2) {
        pa.replyStart = pa.replyEnd = e0;
        pa.sizeStart = s1;
        pa.sizeEnd = e1;
      } else if (n === 3) {
        pa.replyStart = s1;
        pa.replyEnd = e1;
        pa.sizeStart = s2;
        pa.sizeEnd = e2;
      } else {
        return this.badArg("processPub");
      }
    } else {
      if (n === 3) {
        pa.replyStart = pa.replyEnd = e0;
        pa.hdrStart = s1;
        pa.hdrEnd = e1;
        pa.sizeStart = s2;
        pa.sizeEnd = e2;
      } else if (n === 4) {
        pa.replyStart = s1;
        pa.replyEnd = e1;
        pa.hdrStart = s2;
        pa.hdrEnd = e2;
        pa.sizeStart = s3;
        pa.sizeEnd = e3;
      } else {
        return this.badArg("processHeaderPub");
      }
      pa.hdr = parseSize(arg, pa.hdrStart, pa.hdrEnd);
      if (pa.hdr < 0) return this.badArg("processHeaderPub");
    }
    pa.size = parseSize(arg, pa.sizeStart, pa.sizeEnd);
    if (pa.size < 0) return this.badArg(isHpub ? "processHeaderPub" : "processPub");
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

  /** A malformed argument line: nats-server closes the connection without an -ERR. */
  private badArg(op: string): false {
    this.state = State.CLOSED;
    this.sink.protocolViolation(null, `${op} Parse Error: '${argText(this.pa)}'`);
    return false;
  }

  private overControlLine(n: number): void {
    this.state = State.CLOSED;
    this.argScratch = null;
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
