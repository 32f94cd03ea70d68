/**
 * Reading block files back: scanning records with checksum checks, resynchronising after a
 * corrupt region, and telling a torn tail (nothing intact follows: cut it off) from corruption
 * in the middle (skip it, report it, keep serving the rest). Pure over a Buffer, plus a helper
 * that reads a whole file without blocking the event loop.
 */
import type { StoreFs } from "./io.js";
import { MIN_RECORD_LEN, parseRecord, type ParsedRecord } from "./records.js";

export interface ScanVisitor {
  /** An intact record at `off`. */
  record(r: ParsedRecord, off: number): void;
  /** Bytes [from, to) could not be read; an intact record starts at `to`. */
  corrupt(from: number, to: number): void;
}

/** Progress of an incremental scan: where it is, and whether a torn tail starts there. */
export interface ScanState {
  off: number;
  torn: boolean;
}

/**
 * Visits up to `max` records of buf[st.off, end), advancing `st`. When nothing intact follows
 * a bad record, `st.torn` is set and `st.off` is where the torn tail (a write cut short by a
 * crash) starts.
 */
export function scanSome(buf: Buffer, end: number, r: ParsedRecord, v: ScanVisitor, st: ScanState, max: number): void {
  let off = st.off;
  for (let n = 0; n < max && off < end; n++) {
    if (parseRecord(buf, off, end, r)) {
      v.record(r, off);
      off += r.len;
      continue;
    }
    const next = resync(buf, off + 1, end, r);
    if (next < 0) {
      st.torn = true;
      break;
    }
    v.corrupt(off, next);
    off = next;
  }
  st.off = off;
}

/** Visits every record of buf[start, end); returns where a torn tail starts (or `end`). */
export function scanRecords(buf: Buffer, start: number, end: number, r: ParsedRecord, v: ScanVisitor): number {
  const st: ScanState = { off: start, torn: false };
  while (!st.torn && st.off < end) scanSome(buf, end, r, v, st, Infinity);
  return st.off;
}

/** The first offset >= `from` where an intact record starts, or -1. */
function resync(buf: Buffer, from: number, end: number, r: ParsedRecord): number {
  for (let p = from; p + MIN_RECORD_LEN <= end; p++) {
    const len = buf.readUInt32LE(p) & 0x7fffffff;
    if (len < MIN_RECORD_LEN || len > end - p) continue;
    if (buf.readUInt32LE(p + len - 4) !== len) continue;
    if (parseRecord(buf, p, end, r)) return p;
  }
  return -1;
}

/** Reads `len` bytes of a file from `pos` on the thread pool, in chunks. */
export async function readRange(io: StoreFs, fd: number, pos: number, len: number): Promise<Buffer> {
  // Its own ArrayBuffer (offset 0, so 8-aligned): the index file maps typed arrays onto it.
  const buf = Buffer.allocUnsafeSlow(len);
  let done = 0;
  while (done < len) {
    const n = await io.read(fd, buf, done, Math.min(len - done, 8 << 20), pos + done);
    if (n <= 0) break;
    done += n;
  }
  return done === len ? buf : buf.subarray(0, done);
}

/** Lets other work run: resolves on a later turn of the event loop. */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Calls `yieldTurn` when more than `sliceMs` passed since `since`; returns the new slice start. */
export async function maybeYield(since: number, sliceMs = 8): Promise<number> {
  if (performance.now() - since < sliceMs) return since;
  await yieldTurn();
  return performance.now();
}
