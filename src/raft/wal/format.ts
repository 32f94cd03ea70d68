/**
 * On-disk formats of the WAL, each checksummed (CRC-32):
 * - `state`: magic "RST1", crc, node id u32, term u48, vote u32, recovering u8.
 * - `snapshot`: magic "RSN1", crc, index u48, term u48, conf (u32 length + conf.ts bytes), data
 *   (u32 length + bytes).
 * - `log-<first index, 16 digits>.seg`: a 32-byte header (magic "RLG1", crc, first index u48,
 *   size u32) and the file preallocated to `size` with zeros, then frames
 *   `u32 length, u32 crc(length bytes + payload), payload = index u48, term u48, type u8, data`.
 * Preallocating makes a cut file detectable (its size is less than the header says), and
 * zeros after the last frame are the only "clean end"; anything else there is damage.
 */
import { decodeConf, encodeConf } from "../conf.js";
import type { Entry, EntryType, HardState, Snapshot } from "../types.js";
import { crc32 } from "./crc.js";

export const STATE_FILE = "state";
export const SNAP_FILE = "snapshot";
export const TMP_SUFFIX = ".tmp";
export const SEG_HEADER = 32;
export const FRAME_HEADER = 8;
const ENTRY_FIXED = 13;
const STATE_MAGIC = 0x52535431;
const SNAP_MAGIC = 0x52534e31;
const SEG_MAGIC = 0x524c4731;

export interface StoredState extends HardState {
  nodeId: number;
}

export function segName(first: number): string {
  return `log-${String(first).padStart(16, "0")}.seg`;
}

/** The first index in a segment file name, or -1 when it is not a segment. */
export function segFirst(name: string): number {
  const m = /^log-(\d{16})\.seg$/.exec(name);
  return m ? Number(m[1]) : -1;
}

function sealed(magic: number, body: Buffer): Buffer {
  const b = Buffer.allocUnsafe(8 + body.length);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(crc32(body), 4);
  body.copy(b, 8);
  return b;
}

function unsealed(magic: number, b: Buffer): Buffer | null {
  if (b.length < 8 || b.readUInt32BE(0) !== magic) return null;
  const body = b.subarray(8);
  return crc32(body) === b.readUInt32BE(4) ? body : null;
}

export function encodeState(s: StoredState): Buffer {
  const body = Buffer.alloc(15);
  body.writeUInt32BE(s.nodeId, 0);
  body.writeUIntBE(s.term, 4, 6);
  body.writeUInt32BE(s.vote, 10);
  body.writeUInt8(s.recovering ? 1 : 0, 14);
  return sealed(STATE_MAGIC, body);
}

export function decodeState(b: Buffer): StoredState | null {
  const body = unsealed(STATE_MAGIC, b);
  if (!body || body.length !== 15) return null;
  return { nodeId: body.readUInt32BE(0), term: body.readUIntBE(4, 6), vote: body.readUInt32BE(10), recovering: body[14] === 1 };
}

export function encodeSnapshot(s: Snapshot): Buffer {
  const conf = encodeConf(s.meta.conf);
  const body = Buffer.alloc(12 + 4 + conf.length + 4 + s.data.length);
  body.writeUIntBE(s.meta.index, 0, 6);
  body.writeUIntBE(s.meta.term, 6, 6);
  body.writeUInt32BE(conf.length, 12);
  body.set(conf, 16);
  body.writeUInt32BE(s.data.length, 16 + conf.length);
  body.set(s.data, 20 + conf.length);
  return sealed(SNAP_MAGIC, body);
}

export function decodeSnapshot(b: Buffer): Snapshot | null {
  const body = unsealed(SNAP_MAGIC, b);
  if (!body || body.length < 20) return null;
  try {
    const clen = body.readUInt32BE(12);
    const conf = decodeConf(body.subarray(16, 16 + clen));
    const dlen = body.readUInt32BE(16 + clen);
    if (20 + clen + dlen !== body.length) return null;
    const data = Buffer.from(body.subarray(20 + clen));
    return { meta: { index: body.readUIntBE(0, 6), term: body.readUIntBE(6, 6), conf }, data };
  } catch {
    return null;
  }
}

export function encodeSegHeader(first: number, size: number): Buffer {
  const b = Buffer.alloc(SEG_HEADER);
  b.writeUInt32BE(SEG_MAGIC, 0);
  b.writeUIntBE(first, 8, 6);
  b.writeUInt32BE(size, 14);
  b.writeUInt32BE(crc32(b.subarray(8)), 4);
  return b;
}

export function frameSize(e: Entry): number {
  return FRAME_HEADER + ENTRY_FIXED + e.data.length;
}

/** Writes one entry's frame into `b` at `o`; returns the end offset. */
export function writeFrame(b: Buffer, o: number, e: Entry): number {
  const len = ENTRY_FIXED + e.data.length;
  b.writeUInt32BE(len, o);
  const p = o + FRAME_HEADER;
  b.writeUIntBE(e.index, p, 6);
  b.writeUIntBE(e.term, p + 6, 6);
  b.writeUInt8(e.type, p + 12);
  b.set(e.data, p + 13);
  b.writeUInt32BE(crc32(b.subarray(p, p + len), crc32(b.subarray(o, o + 4))), o + 4);
  return p + len;
}

export interface SegmentScan {
  first: number;
  size: number;
  entries: Entry[];
  /** Offset of each entry's frame. */
  offsets: number[];
  /** Offset just past the last good frame. */
  used: number;
  /** Why the scan stopped early (damage), or null for a clean segment. */
  problem: string | null;
}

function allZero(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Reads a segment: every frame until the zeros that follow the last one. `trustCorrupt` is a
 * planted bug (accept a frame whose checksum fails).
 */
export function scanSegment(b: Buffer, trustCorrupt = false): SegmentScan {
  const out: SegmentScan = { first: 0, size: 0, entries: [], offsets: [], used: SEG_HEADER, problem: null };
  if (b.length < SEG_HEADER || b.readUInt32BE(0) !== SEG_MAGIC || crc32(b.subarray(8, SEG_HEADER)) !== b.readUInt32BE(4)) {
    out.problem = "bad segment header";
    out.used = 0;
    return out;
  }
  out.first = b.readUIntBE(8, 6);
  out.size = b.readUInt32BE(14);
  const limit = Math.min(b.length, out.size);
  let o = SEG_HEADER;
  let next = out.first;
  while (o + FRAME_HEADER <= limit) {
    const len = b.readUInt32BE(o);
    if (len === 0 && b.readUInt32BE(o + 4) === 0) break;
    const p = o + FRAME_HEADER;
    if (len < ENTRY_FIXED || p + len > limit) {
      out.problem = `torn or corrupt frame at offset ${o}`;
      break;
    }
    const ok = crc32(b.subarray(p, p + len), crc32(b.subarray(o, o + 4))) === b.readUInt32BE(o + 4);
    if (!ok && !trustCorrupt) {
      out.problem = `checksum mismatch at offset ${o}`;
      break;
    }
    const index = b.readUIntBE(p, 6);
    if (index !== next && !(trustCorrupt && !ok)) {
      out.problem = `index ${index} where ${next} was expected at offset ${o}`;
      break;
    }
    const type = b.readUInt8(p + 12) as EntryType;
    out.entries.push({ index: next, term: b.readUIntBE(p + 6, 6), type, data: Buffer.from(b.subarray(p + 13, p + len)) });
    out.offsets.push(o);
    next++;
    o = p + len;
  }
  out.used = o;
  if (out.problem === null && !allZero(b, o, limit)) out.problem = `unexpected bytes after the last frame at offset ${o}`;
  if (out.problem === null && b.length < out.size) out.problem = `file cut to ${b.length} of ${out.size} bytes`;
  return out;
}
