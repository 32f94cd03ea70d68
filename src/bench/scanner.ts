/**
 * The load generator's receive side: a byte-level state machine that counts the frames
 * a NATS server sends (MSG/HMSG, PING, PONG, -ERR) without building strings or objects
 * per message. Payloads are skipped by their announced size, so a 1 KiB message costs
 * the same as a 16 B one; frames split across reads are handled by keeping the state
 * (and the partial size) between `feed` calls. Pure: no I/O, no clock.
 *
 * It trusts the server (a benchmark target, not a hostile peer): the trailing CRLF of a
 * payload is skipped, not checked, and anything it does not recognise is counted in
 * `protocolErrors` and skipped to the end of the line.
 */

/** Longest control line kept for `onMsg` and `-ERR` text (nats-server MAX_CONTROL_LINE_SIZE). */
export const MAX_CONTROL_LINE_SIZE = 4096;

// States, named after nats-server parser.go where one exists.
const OP_START = 0;
/** Inside a MSG/HMSG control line: tracking the last numeric token (the size). */
const MSG_ARG = 1;
/** Skipping `remaining` bytes of payload plus its CRLF. */
const MSG_PAYLOAD = 2;
/** Seen `P`: the next byte tells PING from PONG. */
const OP_P = 3;
const PING_LINE = 4;
const PONG_LINE = 5;
/** Inside a `-ERR` line, keeping its text. */
const MINUS_ERR_ARG = 6;
/** Any other line (INFO, +OK, unknown): skipped to its LF. */
const SKIP_LINE = 7;

const EMPTY_LINE = new Uint8Array(0);

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * Called when a MSG/HMSG control line is complete, before its payload, with the line
 * (from the op name, without CRLF) in a scratch buffer that is reused: read it, do not keep it.
 * Used by the request/reply responder to find the reply subject.
 */
export type MsgLineHandler = (line: Uint8Array, length: number) => void;

/** Counts server-to-client frames in raw bytes; see the module comment. */
export class MsgScanner {
  /** Complete MSG + HMSG frames (counted when the payload has been skipped). */
  msgs = 0;
  /** Sum of the sizes announced by MSG/HMSG lines (headers included for HMSG). */
  payloadBytes = 0;
  pings = 0;
  pongs = 0;
  /** `-ERR` lines seen; the last one's text is in `lastError`. */
  errors = 0;
  lastError = "";
  /** Bytes at the start of a line that begin no known operation. */
  protocolErrors = 0;

  private state = OP_START;
  private size = 0;
  private remaining = 0;
  private lineLength = 0;
  /** Control-line scratch; allocated only when needed (10,000 idle connections each own a scanner). */
  private line: Uint8Array;
  private readonly onMsg: MsgLineHandler | null;

  constructor(onMsg: MsgLineHandler | null = null) {
    this.onMsg = onMsg;
    this.line = onMsg !== null ? new Uint8Array(MAX_CONTROL_LINE_SIZE) : EMPTY_LINE;
  }

  /** Scans `buf[start, end)`; may be called with any split of the stream. */
  feed(buf: Uint8Array, start = 0, end = buf.length): void {
    let i = start;
    let state = this.state;
    while (i < end) {
      switch (state) {
        case OP_START: {
          const b = buf[i++]!;
          if (b === 77 /* M */ || b === 72 /* H */) {
            state = MSG_ARG;
            this.size = 0;
            this.lineLength = 0;
            if (this.onMsg !== null) this.line[this.lineLength++] = b;
          } else if (b === 80 /* P */) {
            state = OP_P;
          } else if (b === 45 /* - */) {
            state = MINUS_ERR_ARG;
            this.lineLength = 0;
            if (this.line === EMPTY_LINE) this.line = new Uint8Array(MAX_CONTROL_LINE_SIZE);
          } else if (b === 43 /* + */ || b === 73 /* I */) {
            state = SKIP_LINE;
          } else if (b !== CR && b !== LF && b !== SPACE && b !== TAB) {
            this.protocolErrors++;
            state = SKIP_LINE;
          }
          break;
        }
        case MSG_ARG: {
          i = this.scanMsgArg(buf, i, end);
          if (i < 0) return this.park(MSG_ARG);
          state = MSG_PAYLOAD;
          break;
        }
        case MSG_PAYLOAD: {
          const avail = end - i;
          if (avail < this.remaining) {
            this.remaining -= avail;
            return this.park(MSG_PAYLOAD);
          }
          i += this.remaining;
          this.remaining = 0;
          this.msgs++;
          state = OP_START;
          break;
        }
        case OP_P: {
          const b = buf[i++]!;
          if (b === 73 /* I */) state = PING_LINE;
          else if (b === 79 /* O */) state = PONG_LINE;
          else {
            this.protocolErrors++;
            state = SKIP_LINE;
          }
          break;
        }
        case MINUS_ERR_ARG: {
          i = this.scanErrLine(buf, i, end);
          if (i < 0) return this.park(MINUS_ERR_ARG);
          state = OP_START;
          break;
        }
        default: {
          // PING_LINE, PONG_LINE, SKIP_LINE: find the LF natively.
          const lf = buf.indexOf(LF, i);
          if (lf < 0 || lf >= end) return this.park(state);
          i = lf + 1;
          if (state === PING_LINE) this.pings++;
          else if (state === PONG_LINE) this.pongs++;
          state = OP_START;
        }
      }
    }
    this.state = state;
  }

  /** Stores the state to resume from on the next `feed`. */
  private park(state: number): void {
    this.state = state;
  }

  /**
   * Scans a MSG/HMSG control line: the size is the last space-separated numeric token
   * (MSG `subj sid [reply] size`, HMSG `subj sid [reply] hdr_size total_size`).
   * Returns the index after the LF, or -1 if the line continues in the next read.
   */
  private scanMsgArg(buf: Uint8Array, from: number, end: number): number {
    let size = this.size;
    let i = from;
    const capture = this.onMsg !== null;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b === LF) break;
      if (b >= DIGIT_0 && b <= DIGIT_9) size = size * 10 + (b - DIGIT_0);
      else if (b === SPACE || b === TAB) size = 0;
      if (capture && b !== CR && this.lineLength < MAX_CONTROL_LINE_SIZE) {
        this.line[this.lineLength++] = b;
      }
    }
    this.size = size;
    if (i === end) return -1;
    if (this.onMsg !== null) this.onMsg(this.line, this.lineLength);
    this.remaining = size + 2;
    this.payloadBytes += size;
    return i + 1;
  }

  /** Collects a `-ERR` line's text; returns the index after the LF or -1. */
  private scanErrLine(buf: Uint8Array, from: number, end: number): number {
    let i = from;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b === LF) break;
      if (b !== CR && this.lineLength < MAX_CONTROL_LINE_SIZE) this.line[this.lineLength++] = b;
    }
    if (i === end) return -1;
    this.errors++;
    this.lastError = errText(this.line, this.lineLength);
    return i + 1;
  }
}

/** `ERR 'Authorization Violation'` (the `-` was consumed) -> `Authorization Violation`. */
function errText(line: Uint8Array, length: number): string {
  let s = Buffer.from(line.buffer, line.byteOffset, length).toString("latin1").trim();
  if (s.startsWith("ERR")) s = s.slice(3).trim();
  if (s.length >= 2 && s.startsWith("'") && s.endsWith("'")) s = s.slice(1, -1);
  return s;
}
