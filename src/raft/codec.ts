/**
 * Binary encoding of Raft messages for a transport (the simulator runs every message through it
 * too, so nothing is shared between nodes by reference). Integers: ids u32, indexes and terms
 * u48 (2^48 entries is beyond any log). Layout:
 *   u8 version, u8 type, u8 flags, u16 group length, group (utf8), u32 from, u32 to,
 *   u48 term, logTerm, index, commit, hint, last, ctx, u32 entry count, entries,
 *   [snapshot when flag set]
 * entry: u48 index, u48 term, u8 type, u32 length, data
 * snapshot: u48 index, u48 term, conf (conf.ts encoding, u32-length-prefixed), u32 length, data
 */
import { decodeConf, encodeConf } from "./conf.js";
import { newMessage, type Entry, type EntryType, type Message, type MsgType, type Snapshot } from "./types.js";

const VERSION = 1;
const F_REJECT = 1;
const F_TRANSFER = 2;
const F_RECOVERING = 4;
const F_SNAPSHOT = 8;
const HEADER = 3 + 2 + 8 + 7 * 6 + 4;

export class CodecError extends Error {
  override name = "CodecError";
}

export function encodeMessage(m: Message): Buffer {
  const group = Buffer.from(m.group, "utf8");
  let size = HEADER + group.length;
  for (const e of m.entries) size += 17 + e.data.length;
  let conf: Uint8Array | null = null;
  if (m.snapshot) {
    conf = encodeConf(m.snapshot.meta.conf);
    size += 12 + 4 + conf.length + 4 + m.snapshot.data.length;
  }
  const b = Buffer.allocUnsafe(size);
  let o = b.writeUInt8(VERSION, 0);
  o = b.writeUInt8(m.type, o);
  const flags = (m.reject ? F_REJECT : 0) | (m.transfer ? F_TRANSFER : 0) | (m.recovering ? F_RECOVERING : 0) | (m.snapshot ? F_SNAPSHOT : 0);
  o = b.writeUInt8(flags, o);
  o = b.writeUInt16BE(group.length, o);
  o += group.copy(b, o);
  o = b.writeUInt32BE(m.from, o);
  o = b.writeUInt32BE(m.to, o);
  for (const v of [m.term, m.logTerm, m.index, m.commit, m.hint, m.last, m.ctx]) o = b.writeUIntBE(v, o, 6);
  o = b.writeUInt32BE(m.entries.length, o);
  for (const e of m.entries) o = writeEntry(b, o, e);
  if (m.snapshot && conf) {
    o = b.writeUIntBE(m.snapshot.meta.index, o, 6);
    o = b.writeUIntBE(m.snapshot.meta.term, o, 6);
    o = b.writeUInt32BE(conf.length, o);
    o += Buffer.from(conf).copy(b, o);
    o = b.writeUInt32BE(m.snapshot.data.length, o);
    o += Buffer.from(m.snapshot.data.buffer, m.snapshot.data.byteOffset, m.snapshot.data.byteLength).copy(b, o);
  }
  return b;
}

function writeEntry(b: Buffer, o: number, e: Entry): number {
  o = b.writeUIntBE(e.index, o, 6);
  o = b.writeUIntBE(e.term, o, 6);
  o = b.writeUInt8(e.type, o);
  o = b.writeUInt32BE(e.data.length, o);
  return o + Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).copy(b, o);
}

/** Decodes one message; throws CodecError on anything malformed (the sender is broken). */
export function decodeMessage(b: Buffer): Message {
  try {
    return decode(b);
  } catch (err) {
    if (err instanceof CodecError) throw err;
    throw new CodecError(`malformed raft message: ${(err as Error).message}`);
  }
}

function decode(b: Buffer): Message {
  if (b.readUInt8(0) !== VERSION) throw new CodecError(`unknown raft message version ${b[0]}`);
  const type = b.readUInt8(1) as MsgType;
  const flags = b.readUInt8(2);
  const glen = b.readUInt16BE(3);
  let o = 5;
  const group = b.toString("utf8", o, o + glen);
  o += glen;
  const from = b.readUInt32BE(o);
  const to = b.readUInt32BE(o + 4);
  o += 8;
  const nums: number[] = [];
  for (let i = 0; i < 7; i++, o += 6) nums.push(b.readUIntBE(o, 6));
  const m = newMessage(type, group, from, to, nums[0]!);
  [m.logTerm, m.index, m.commit, m.hint, m.last, m.ctx] = nums.slice(1) as [number, number, number, number, number, number];
  m.reject = (flags & F_REJECT) !== 0;
  m.transfer = (flags & F_TRANSFER) !== 0;
  m.recovering = (flags & F_RECOVERING) !== 0;
  const n = b.readUInt32BE(o);
  o += 4;
  for (let i = 0; i < n; i++) {
    const len = b.readUInt32BE(o + 13);
    if (o + 17 + len > b.length) throw new CodecError("entry beyond message end");
    const e: Entry = { index: b.readUIntBE(o, 6), term: b.readUIntBE(o + 6, 6), type: b.readUInt8(o + 12) as EntryType, data: Buffer.from(b.subarray(o + 17, o + 17 + len)) };
    m.entries.push(e);
    o += 17 + len;
  }
  if (flags & F_SNAPSHOT) {
    m.snapshot = decodeSnapshot(b, o);
  }
  return m;
}

function decodeSnapshot(b: Buffer, o: number): Snapshot {
  const index = b.readUIntBE(o, 6);
  const term = b.readUIntBE(o + 6, 6);
  const clen = b.readUInt32BE(o + 12);
  o += 16;
  const conf = decodeConf(b.subarray(o, o + clen));
  o += clen;
  const dlen = b.readUInt32BE(o);
  o += 4;
  if (o + dlen > b.length) throw new CodecError("snapshot beyond message end");
  return { meta: { index, term, conf }, data: Buffer.from(b.subarray(o, o + dlen)) };
}
