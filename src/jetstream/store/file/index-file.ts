/**
 * `msgs/index.db`: a snapshot of the in-memory index (stream state, block table, subject
 * table, the per-message pages, TTLs), written when the store stops, so the next open reads
 * one file instead of replaying every block. The typed-array columns are written as they are
 * in memory (no per-message encoding), so writing and reading cost a copy.
 *
 * It is only a cache: a block is taken from it when the block file still has the same nonce
 * and at least the recorded length (records after that length are replayed); anything else is
 * read from the block itself. A missing, truncated or corrupt index (CRC-32 over the whole
 * file) is ignored and the index is rebuilt from the blocks.
 */
import { PAGE_BYTES, PAGE_SIZE, type Page, type SeqIndex } from "../seq-index.js";
import { crc32 } from "./crc32.js";
import { yieldTurn } from "./recovery.js";

const MAGIC = 0x494a5354; // "TSJI"
const VERSION = 2;
/** Typed arrays are written in the machine's byte order; the flag rejects a foreign one. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 2;

export interface IndexBlock {
  index: number;
  firstSeq: number;
  lastSeq: number;
  fileLen: number;
  nonce: number;
  live: number;
  deadBytes: number;
  hasFloor: boolean;
}

export interface IndexSnapshot {
  lastSeq: number;
  lastTsMs: number;
  lastTsNs: number;
  floorSeq: number;
  msgs: number;
  bytes: number;
  blocks: IndexBlock[];
  names: string[];
  subjMsgs: Float64Array;
  subjFirst: Float64Array;
  subjLast: Float64Array;
  subjStale: Uint8Array;
  pages: Page[];
  ttlAt: number[];
  ttlSeq: number[];
  never: number[];
}

/** Appends scalar fields to a growing buffer; `base` counts the bytes already taken. */
class Out {
  buf = Buffer.allocUnsafe(1024);
  n = 0;
  base = 0;
  /** Zero bytes up to the next multiple of 8 of the absolute position. */
  pad8(): void {
    while ((this.base + this.n) % 8 !== 0) {
      this.room(1);
      this.buf[this.n++] = 0;
    }
  }
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.n);
    this.n += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.n);
    this.n += 8;
  }
  str(s: string): void {
    this.u32(s.length);
    this.room(s.length);
    this.n += this.buf.write(s, this.n, "latin1");
  }
  take(): Buffer {
    const b = this.buf.subarray(0, this.n);
    this.base += this.n;
    this.buf = Buffer.allocUnsafe(1024);
    this.n = 0;
    return b;
  }
  /** Notes a chunk written by the caller after the last take(). */
  skip(len: number): void {
    this.base += len;
  }
}

const view = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The snapshot as a list of chunks (views of the live columns: write them before changing the store). */
export function encodeIndex(s: Omit<IndexSnapshot, "pages">, pages: Page[]): Buffer[] {
  const o = new Out();
  o.u32(MAGIC);
  o.u32(VERSION);
  o.u32(LITTLE_ENDIAN);
  for (const v of [s.lastSeq, s.lastTsMs, s.lastTsNs, s.floorSeq, s.msgs, s.bytes]) o.f64(v);
  o.u32(s.blocks.length);
  for (const b of s.blocks) {
    o.u32(b.index);
    for (const v of [b.firstSeq, b.lastSeq, b.fileLen, b.nonce, b.live, b.deadBytes, b.hasFloor ? 1 : 0]) o.f64(v);
  }
  o.u32(s.names.length);
  for (const name of s.names) o.str(name);
  const chunks: Buffer[] = [];
  const raw = (b: Buffer): void => {
    chunks.push(o.take(), b);
    o.skip(b.length);
  };
  for (const a of [s.subjMsgs, s.subjFirst, s.subjLast, s.subjStale]) raw(view(a));
  o.u32(pages.length);
  for (const p of pages) {
    o.f64(p.no);
    o.u32(p.live);
    o.pad8();
    raw(Buffer.from(p.mem, p.memOffset, PAGE_BYTES));
  }
  o.u32(s.ttlAt.length);
  for (let i = 0; i < s.ttlAt.length; i++) {
    o.f64(s.ttlAt[i]!);
    o.f64(s.ttlSeq[i]!);
  }
  o.u32(s.never.length);
  for (const seq of s.never) o.f64(seq);
  chunks.push(o.take());
  return chunks;
}

/** The CRC-32 trailer for `chunks`. */
export function indexTrailer(chunks: readonly Buffer[]): Buffer {
  let c = 0;
  for (const ch of chunks) c = crc32(ch, 0, ch.length, c);
  const t = Buffer.allocUnsafe(4);
  t.writeUInt32LE(c, 0);
  return t;
}

/** Reads fields back; any overrun marks the whole read bad. */
class In {
  p = 0;
  ok = true;
  constructor(readonly buf: Buffer, readonly end: number) {}
  private need(k: number): boolean {
    if (this.p + k > this.end) this.ok = false;
    return this.ok;
  }
  u32(): number {
    if (!this.need(4)) return 0;
    const v = this.buf.readUInt32LE(this.p);
    this.p += 4;
    return v;
  }
  f64(): number {
    if (!this.need(8)) return 0;
    const v = this.buf.readDoubleLE(this.p);
    this.p += 8;
    return v;
  }
  str(): string {
    const len = this.u32();
    if (!this.need(len)) return "";
    const s = this.buf.toString("latin1", this.p, this.p + len);
    this.p += len;
    return s;
  }
  align8(): void {
    while (this.p % 8 !== 0) this.p++;
  }
  /** Copies the next bytes into a typed array. */
  into(a: ArrayBufferView): void {
    if (!this.need(a.byteLength)) return;
    this.buf.copy(view(a), 0, this.p, this.p + a.byteLength);
    this.p += a.byteLength;
  }
}

/** Whether the CRC-32 trailer matches, computed in slices that yield the event loop. */
export async function indexCrcOk(buf: Buffer): Promise<boolean> {
  if (buf.length < 16) return false;
  const end = buf.length - 4;
  let c = 0;
  for (let off = 0; off < end; off += 1 << 20) {
    c = crc32(buf, off, Math.min(end, off + (1 << 20)), c);
    await yieldTurn();
  }
  return buf.readUInt32LE(end) === c;
}

/**
 * Decodes an index file whose CRC was checked ({@link indexCrcOk}); null when it is not an
 * index of this version and byte order. Pages view `buf` (8-aligned) instead of copying it.
 */
export function decodeIndex(buf: Buffer, index: SeqIndex): IndexSnapshot | null {
  if (buf.length < 16 || buf.byteOffset % 8 !== 0) return null;
  const end = buf.length - 4;
  const r = new In(buf, end);
  if (r.u32() !== MAGIC || r.u32() !== VERSION || r.u32() !== LITTLE_ENDIAN) return null;
  const [lastSeq, lastTsMs, lastTsNs, floorSeq, msgs, bytes] = [r.f64(), r.f64(), r.f64(), r.f64(), r.f64(), r.f64()];
  const blocks: IndexBlock[] = [];
  for (let i = r.u32(); i > 0 && r.ok; i--) {
    const idx = r.u32();
    const [firstSeq, lastBlockSeq, fileLen, nonce, live, deadBytes, floor] = [r.f64(), r.f64(), r.f64(), r.f64(), r.f64(), r.f64(), r.f64()];
    blocks.push({ index: idx, firstSeq, lastSeq: lastBlockSeq, fileLen, nonce, live, deadBytes, hasFloor: floor === 1 });
  }
  const nNames = r.u32();
  if (!r.ok || nNames > end) return null;
  const names: string[] = [];
  for (let i = 0; i < nNames && r.ok; i++) names.push(r.str());
  const subjMsgs = new Float64Array(nNames);
  const subjFirst = new Float64Array(nNames);
  const subjLast = new Float64Array(nNames);
  const subjStale = new Uint8Array(nNames);
  for (const a of [subjMsgs, subjFirst, subjLast, subjStale]) r.into(a);
  const pages: Page[] = [];
  for (let i = r.u32(); i > 0 && r.ok; i--) {
    const no = r.f64();
    const live = r.u32();
    r.align8();
    if (!r.ok || r.p + PAGE_BYTES > end) return null;
    const p = index.mapPage(no, buf.buffer as ArrayBuffer, buf.byteOffset + r.p);
    r.p += PAGE_BYTES;
    p.live = live;
    pages.push(p);
  }
  const ttlAt: number[] = [];
  const ttlSeq: number[] = [];
  for (let i = r.u32(); i > 0 && r.ok; i--) {
    ttlAt.push(r.f64());
    ttlSeq.push(r.f64());
  }
  const never: number[] = [];
  for (let i = r.u32(); i > 0 && r.ok; i--) never.push(r.f64());
  if (!r.ok || r.p !== end) return null;
  return {
    lastSeq, lastTsMs, lastTsNs, floorSeq, msgs, bytes, blocks, names, subjMsgs, subjFirst, subjLast, subjStale,
    pages, ttlAt, ttlSeq, never,
  };
}

/** Whether `p` belongs to the sequence range [first, last]. */
export function pageOverlaps(p: Page, first: number, last: number): boolean {
  const base = p.no * PAGE_SIZE;
  return base <= last && base + PAGE_SIZE - 1 >= first;
}
