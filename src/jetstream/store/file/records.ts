/**
 * The on-disk format of a block (segment) file: a 32-byte header, then records. Pure encode
 * and decode, no I/O.
 *
 * Block header: magic "TSJB", version, block index (u32), first sequence (u64: sequences below
 * it belong to earlier blocks), CRC-32 of the header.
 *
 * Record (little endian), laid out like nats-server's message record so a message costs the
 * same bytes (22 + subject + [4 + header] + payload + 8) and stream `bytes` match:
 *
 *   0  u32  total length; bit 31 set when a header block follows the subject
 *   4  u64  sequence (bits 0..52); kind in bits 56..58 (message, tombstone, skip, floor, erased)
 *   12 i64  time, nanoseconds since the epoch
 *   20 u16  subject length, then the subject (latin1)
 *      [u32 header length, header]   only with bit 31
 *      payload
 *   -8 u32  CRC-32 of everything before it
 *   -4 u32  total length again: a torn or shifted record fails this check before the CRC
 *
 * Tombstones name removed messages of the same block (the payload is their sequences as
 * varint deltas), so a block is self-contained: deleting or rewriting one never affects
 * another. Skip records use sequences without a message (payload: varint count). A floor
 * record says every sequence below it is gone (purge, compact); it also carries lastSeq
 * forward when the store is empty.
 */
import { readTsMs, readTsNs, writeTsNanos } from "../time.js";
import { crc32 } from "./crc32.js";

export const BLOCK_MAGIC = 0x424a5354; // "TSJB" little endian
export const BLOCK_VERSION = 1;
export const BLOCK_HEADER_LEN = 32;
export const RECORD_HEADER_LEN = 22;
export const RECORD_TRAILER_LEN = 8;
export const MIN_RECORD_LEN = RECORD_HEADER_LEN + RECORD_TRAILER_LEN;
/** Largest record accepted (nats-server rlBadThresh is 32 MiB; max_payload tops at 64 MiB). */
export const MAX_RECORD_LEN = 0x7fffffff;
const HBIT = 0x80000000;
const TWO_32 = 4294967296;

export const KIND_MSG = 0;
export const KIND_TOMB = 1;
export const KIND_SKIP = 2;
export const KIND_FLOOR = 3;
export const KIND_ERASED = 4;

/** Size of a message record (also the bytes it counts for: nats-server fileStoreMsgSize). */
export function msgRecordLen(subjectLen: number, hdrLen: number, msgLen: number): number {
  return RECORD_HEADER_LEN + subjectLen + (hdrLen > 0 ? 4 + hdrLen : 0) + msgLen + RECORD_TRAILER_LEN;
}

/**
 * Writes a block header. `nonce` is random per file (a rewrite gets a new one), so the index
 * file can tell a block it described from a different file with the same name.
 */
export function writeBlockHeader(buf: Buffer, off: number, index: number, firstSeq: number, nonce: number): void {
  buf.fill(0, off, off + BLOCK_HEADER_LEN);
  buf.writeUInt32LE(BLOCK_MAGIC, off);
  buf[off + 4] = BLOCK_VERSION;
  buf.writeUInt32LE(index, off + 8);
  writeSeq(buf, off + 12, firstSeq, 0);
  buf.writeUInt32LE(nonce >>> 0, off + 20);
  buf.writeUInt32LE(crc32(buf, off, off + 28), off + 28);
}

/** The block header's [index, firstSeq, nonce], or null when it is not a valid header. */
export function readBlockHeader(buf: Buffer, off: number): [number, number, number] | null {
  if (buf.length - off < BLOCK_HEADER_LEN) return null;
  if (buf.readUInt32LE(off) !== BLOCK_MAGIC || buf[off + 4] !== BLOCK_VERSION) return null;
  if (buf.readUInt32LE(off + 28) !== crc32(buf, off, off + 28)) return null;
  return [buf.readUInt32LE(off + 8), readSeq(buf, off + 12), buf.readUInt32LE(off + 20)];
}

function writeSeq(buf: Buffer, off: number, seq: number, kind: number): void {
  const hi = Math.floor(seq / TWO_32);
  buf.writeUInt32LE(seq - hi * TWO_32, off);
  buf.writeUInt32LE((hi | (kind << 24)) >>> 0, off + 4);
}

function readSeq(buf: Buffer, off: number): number {
  return (buf.readUInt32LE(off + 4) & 0x1fffff) * TWO_32 + buf.readUInt32LE(off);
}

function seal(buf: Buffer, off: number, len: number): void {
  buf.writeUInt32LE(crc32(buf, off, off + len - RECORD_TRAILER_LEN), off + len - 8);
  buf.writeUInt32LE(len, off + len - 4);
}

/** Encodes a message record at `off`; `buf` must have room for {@link msgRecordLen}. Returns its length. */
export function encodeMsg(buf: Buffer, off: number, seq: number, tsMs: number, tsNs: number, subject: string,
  hdr: Buffer | null, msg: Buffer): number {
  const slen = subject.length;
  const hlen = hdr === null ? 0 : hdr.length;
  const len = msgRecordLen(slen, hlen, msg.length);
  buf.writeUInt32LE((hlen > 0 ? (len | HBIT) : len) >>> 0, off);
  writeSeq(buf, off + 4, seq, KIND_MSG);
  writeTsNanos(buf, off + 12, tsMs, tsNs);
  buf.writeUInt16LE(slen, off + 20);
  let p = off + RECORD_HEADER_LEN;
  p += buf.write(subject, p, slen, "latin1");
  if (hlen > 0) {
    buf.writeUInt32LE(hlen, p);
    p += 4;
    p += hdr!.copy(buf, p);
  }
  msg.copy(buf, p);
  seal(buf, off, len);
  return len;
}

/** Encodes a record with no subject and a small payload (tombstone, skip, floor). */
function encodeControl(kind: number, seq: number, tsMs: number, tsNs: number, payload: readonly number[]): Buffer {
  const body: number[] = [];
  for (const v of payload) putVarint(body, v);
  const len = MIN_RECORD_LEN + body.length;
  const buf = Buffer.alloc(len);
  buf.writeUInt32LE(len, 0);
  writeSeq(buf, 4, seq, kind);
  writeTsNanos(buf, 12, tsMs, tsNs);
  for (let i = 0; i < body.length; i++) buf[RECORD_HEADER_LEN + i] = body[i]!;
  seal(buf, 0, len);
  return buf;
}

/** A tombstone for `seqs` (ascending, non-empty). */
export function encodeTombstone(seqs: readonly number[], tsMs: number): Buffer {
  const deltas: number[] = [];
  for (let i = 1; i < seqs.length; i++) deltas.push(seqs[i]! - seqs[i - 1]!);
  return encodeControl(KIND_TOMB, seqs[0]!, tsMs, 0, deltas);
}

export function encodeSkip(seq: number, count: number, tsMs: number, tsNs: number): Buffer {
  return encodeControl(KIND_SKIP, seq, tsMs, tsNs, [count]);
}

export function encodeFloor(seq: number, tsMs: number): Buffer {
  return encodeControl(KIND_FLOOR, seq, tsMs, 0, []);
}

/**
 * Rewrites the message record at `off` in place as an erased record: same length, kind
 * ERASED, subject/header/payload replaced by `noise`, checksum renewed.
 */
export function eraseRecord(buf: Buffer, off: number, len: number, noise: Buffer): void {
  const seq = readSeq(buf, off + 4);
  buf.writeUInt32LE(len, off); // no header flag: the body is all noise
  writeSeq(buf, off + 4, seq, KIND_ERASED);
  buf.writeUInt16LE(0, off + 20);
  noise.copy(buf, off + RECORD_HEADER_LEN, 0, len - MIN_RECORD_LEN);
  seal(buf, off, len);
}

/** A decoded record: offsets into the buffer it was parsed from. */
export interface ParsedRecord {
  kind: number;
  len: number;
  seq: number;
  tsMs: number;
  tsNs: number;
  subjOff: number;
  subjLen: number;
  hdrOff: number;
  hdrLen: number;
  msgOff: number;
  msgLen: number;
}

export function newParsedRecord(): ParsedRecord {
  return { kind: 0, len: 0, seq: 0, tsMs: 0, tsNs: 0, subjOff: 0, subjLen: 0, hdrOff: 0, hdrLen: 0, msgOff: 0, msgLen: 0 };
}

/**
 * Decodes the record at `off` (not past `end`) into `out`; false when it is not a complete,
 * intact record (torn, truncated, or corrupt: the caller decides which from what follows).
 */
export function parseRecord(buf: Buffer, off: number, end: number, out: ParsedRecord): boolean {
  if (end - off < MIN_RECORD_LEN) return false;
  const raw = buf.readUInt32LE(off);
  const len = (raw & ~HBIT) >>> 0;
  if (len < MIN_RECORD_LEN || len > end - off) return false;
  if (buf.readUInt32LE(off + len - 4) !== len) return false;
  if (buf.readUInt32LE(off + len - 8) !== crc32(buf, off, off + len - RECORD_TRAILER_LEN)) return false;
  const hi = buf.readUInt32LE(off + 8);
  out.kind = (hi >>> 24) & 7;
  out.len = len;
  out.seq = readSeq(buf, off + 4);
  out.tsMs = readTsMs(buf, off + 12);
  out.tsNs = readTsNs(buf, off + 12);
  const slen = buf.readUInt16LE(off + 20);
  let p = off + RECORD_HEADER_LEN;
  const bodyEnd = off + len - RECORD_TRAILER_LEN;
  if (p + slen > bodyEnd) return false;
  out.subjOff = p;
  out.subjLen = slen;
  p += slen;
  out.hdrOff = p;
  out.hdrLen = 0;
  if ((raw & HBIT) !== 0) {
    if (p + 4 > bodyEnd) return false;
    const hlen = buf.readUInt32LE(p);
    p += 4;
    if (p + hlen > bodyEnd) return false;
    out.hdrOff = p;
    out.hdrLen = hlen;
    p += hlen;
  }
  out.msgOff = p;
  out.msgLen = bodyEnd - p;
  return true;
}

/** Sequences named by a tombstone record parsed into `r`. */
export function tombstoneSeqs(buf: Buffer, r: ParsedRecord): number[] {
  const out = [r.seq];
  let p = r.msgOff;
  const end = r.msgOff + r.msgLen;
  let s = r.seq;
  while (p < end) {
    const [v, n] = getVarint(buf, p, end);
    if (n === 0) break;
    s += v;
    out.push(s);
    p += n;
  }
  return out;
}

/** The count carried by a skip record parsed into `r`. */
export function skipCount(buf: Buffer, r: ParsedRecord): number {
  const [v, n] = getVarint(buf, r.msgOff, r.msgOff + r.msgLen);
  return n === 0 ? 1 : v;
}

function putVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function getVarint(buf: Buffer, off: number, end: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (let p = off; p < end && p - off < 8; p++) {
    const b = buf[p]!;
    v += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [v, p - off + 1];
    mul *= 0x80;
  }
  return [0, 0];
}
