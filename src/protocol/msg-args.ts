/**
 * The argument lines of message verbs, split in place into a PubArg's offsets
 * (nats-server parser.go processPub / processHeaderPub). Pure: the frame core reports
 * what these reject.
 */
import type { PubArg } from "./pub-arg.js";

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
