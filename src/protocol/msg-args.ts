/**
 * The argument lines of message verbs, split in place into a PubArg's offsets
 * (nats-server parser.go processPub / processHeaderPub). Pure: the frame core reports
 * what these reject.
 */
import type { PubArg } from "./pub-arg.js";
import { MsgFormat } from "./verbs.js";

const SPACE = 32;
const TAB = 9;
const CR = 13;
const LF = 10;

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

/**
 * `subject [reply] size` (PUB) or `subject [reply] hdr_size size` (HPUB) into `pa`.
 * Returns false when the line is malformed. Field offsets are kept in locals: this runs
 * once per message.
 */
export function parsePubArgs(pa: PubArg, isHpub: boolean): boolean {
  const arg = pa.arg;
  let n = 0;
  let s0 = 0, e0 = 0, s1 = 0, e1 = 0, s2 = 0, e2 = 0, s3 = 0, e3 = 0;
  let start = -1;
  const len = pa.argEnd;
  for (let i = pa.argStart; i <= len; i++) {
    // Most bytes are printable: one comparison for them. The end counts as a separator.
    const b = i < len ? arg[i]! : SPACE;
    if (b > SPACE) {
      if (start < 0) start = i;
    } else if (b === SPACE || b === TAB || b === CR || b === LF) {
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
      return false;
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
      return false;
    }
    pa.hdr = parseSize(arg, pa.hdrStart, pa.hdrEnd);
    if (pa.hdr < 0) return false;
  }
  pa.size = parseSize(arg, pa.sizeStart, pa.sizeEnd);
  return pa.size >= 0;
}

/** Why a routed or leaf message line was refused (nats-server's error kinds, in order). */
export const enum MsgArgError {
  NONE,
  PARSE,
  REPLY_INDICATOR,
  HDR_SIZE,
  SIZE,
  HDR_TOO_BIG,
}

function isArgSpace(b: number): boolean {
  return b === SPACE || b === TAB || b === CR || b === LF;
}

function skipSpaces(arg: Buffer, i: number, end: number): number {
  while (i < end && isArgSpace(arg[i]!)) i++;
  return i;
}

function tokenEnd(arg: Buffer, i: number, end: number): number {
  while (i < end && !isArgSpace(arg[i]!)) i++;
  return i;
}

/**
 * The line of a message from a route or a leaf node, split in place into `pa`
 * (nats-server route.go processRoutedMsgArgs, processRoutedHeaderMsgArgs,
 * processRoutedOriginClusterMsgArgs; leafnode.go processLeafMsgArgs, processLeafHeaderMsgArgs):
 *
 *     [origin] [account] subject [+ reply queue... | "|" queue... | reply] [hdr] size
 *
 * `origin` and `account` are there or not by `format`. Two passes over a short line,
 * nothing allocated.
 */
export function parseRoutedMsgArgs(pa: PubArg, format: MsgFormat): MsgArgError {
  const arg = pa.arg;
  const end = pa.argEnd;
  const hasOrigin = format === MsgFormat.ROUTED_ORIGIN || format === MsgFormat.PINNED_ORIGIN;
  const hasAccount = format === MsgFormat.ROUTED || format === MsgFormat.ROUTED_HDR || format === MsgFormat.ROUTED_ORIGIN;
  const hasHdr = format !== MsgFormat.ROUTED && format !== MsgFormat.LEAF && format !== MsgFormat.PINNED;
  const lead = (hasOrigin ? 1 : 0) + (hasAccount ? 1 : 0) + 1;
  const tail = hasHdr ? 2 : 1;
  // Pass 1: count the tokens and keep the last three.
  let n = 0;
  let s1 = 0, e1 = 0, s2 = 0, e2 = 0, e3 = 0;
  for (let i = skipSpaces(arg, pa.argStart, end); i < end; i = skipSpaces(arg, i, end)) {
    const e = tokenEnd(arg, i, end);
    e3 = e2;
    s2 = s1;
    e2 = e1;
    s1 = i;
    e1 = e;
    n++;
    i = e;
  }
  if (n < lead + tail) return MsgArgError.PARSE;
  // Pass 2: the leading tokens in order.
  let i = skipSpaces(arg, pa.argStart, end);
  pa.originStart = pa.originEnd = 0;
  if (hasOrigin) {
    pa.originStart = i;
    i = pa.originEnd = tokenEnd(arg, i, end);
    i = skipSpaces(arg, i, end);
  }
  pa.accountStart = pa.accountEnd = 0;
  if (hasAccount) {
    pa.accountStart = i;
    i = pa.accountEnd = tokenEnd(arg, i, end);
    i = skipSpaces(arg, i, end);
  }
  pa.subjectStart = i;
  i = pa.subjectEnd = tokenEnd(arg, i, end);
  i = skipSpaces(arg, i, end);
  pa.replyStart = pa.replyEnd = pa.subjectEnd;
  pa.queuesStart = pa.queuesEnd = 0;
  const rest = n - lead;
  if (rest === tail + 1) {
    pa.replyStart = i;
    pa.replyEnd = tokenEnd(arg, i, end);
  } else if (rest > tail + 1) {
    const indicator = arg[i]!;
    const after = tokenEnd(arg, i, end);
    if (after - i !== 1 || (indicator !== PLUS && indicator !== PIPE)) return MsgArgError.REPLY_INDICATOR;
    i = skipSpaces(arg, after, end);
    if (indicator === PLUS) {
      pa.replyStart = i;
      i = pa.replyEnd = tokenEnd(arg, i, end);
      i = skipSpaces(arg, i, end);
    }
    // The queue names run up to the token before the size (and header size).
    const queuesEnd = hasHdr ? e3 : e2;
    if (queuesEnd > i) {
      pa.queuesStart = i;
      pa.queuesEnd = queuesEnd;
    }
  }
  pa.sizeStart = s1;
  pa.sizeEnd = e1;
  pa.size = parseSize(arg, s1, e1);
  pa.hdr = -1;
  pa.hdrStart = pa.hdrEnd = 0;
  if (hasHdr) {
    pa.hdrStart = s2;
    pa.hdrEnd = e2;
    pa.hdr = parseSize(arg, s2, e2);
    if (pa.hdr < 0) return MsgArgError.HDR_SIZE;
  }
  if (pa.size < 0) return MsgArgError.SIZE;
  if (hasHdr && pa.hdr > pa.size) return MsgArgError.HDR_TOO_BIG;
  return MsgArgError.NONE;
}

const PLUS = 43;
const PIPE = 124;

/** nats-server's name for the function that splits each format's line, for errors. */
const ROUTED_FN: readonly string[] = [
  "",
  "processPub",
  "processHeaderPub",
  "processRoutedMsgArgs",
  "processRoutedHeaderMsgArgs",
  "processRoutedOriginClusterMsgArgs",
  "processLeafMsgArgs",
  "processLeafHeaderMsgArgs",
  "processRoutedMsgArgs",
  "processRoutedHeaderMsgArgs",
  "processRoutedOriginClusterMsgArgs",
];

/** The error nats-server gives for a refused routed or leaf line, as it logs it. */
/** Where the reply indicator (`+`/`|`) sits among a format's tokens. */
function indicatorIndex(format: MsgFormat): number {
  if (format === MsgFormat.ROUTED_ORIGIN) return 3;
  if (format === MsgFormat.LEAF || format === MsgFormat.LEAF_HDR || format === MsgFormat.PINNED || format === MsgFormat.PINNED_HDR) return 1;
  return 2;
}

export function routedArgErrorText(pa: PubArg, format: MsgFormat, err: MsgArgError): string {
  const fn = ROUTED_FN[format] ?? "processRoutedMsgArgs";
  const line = pa.arg.toString("latin1", pa.argStart, pa.argEnd);
  const args = `[${line.split(/[ \t\r\n]+/).filter((t) => t !== "").join(" ")}]`;
  switch (err) {
    case MsgArgError.REPLY_INDICATOR: {
      const ind = line.split(/[ \t\r\n]+/).filter((t) => t !== "")[indicatorIndex(format)] ?? "";
      return `${fn} Bad or Missing Reply Indicator: '${ind}'`;
    }
    case MsgArgError.HDR_SIZE:
      return `${fn} Bad or Missing Header Size: '${line}'`;
    case MsgArgError.SIZE:
      return `${fn} Bad or Missing Size: '${args}'`;
    case MsgArgError.HDR_TOO_BIG:
      return `${fn} Header Size larger then TotalSize: '${line}'`;
    default:
      return `${fn} Parse Error: '${args}'`;
  }
}
