/**
 * Records of a consumer's operation log (`obs/<name>/o.log`): each is
 * `u32 length | u8 kind | payload | u32 CRC-32`, numbers as unsigned varints and times as
 * float64 milliseconds. A snapshot carries the whole state; the other kinds are the
 * ConsumerStore calls that changed it, replayed in order after a restart.
 */
import type { AckPolicy, ConsumerState, ConsumerStoreConfig } from "../types.js";
import { crc32 } from "./crc32.js";

export const OP_SNAPSHOT = 1;
export const OP_DELIVERED = 2;
export const OP_ACK = 3;
export const OP_STARTING = 4;
export const OP_UPDATE_STARTING = 5;
export const OP_CONFIG = 6;

const POLICIES: AckPolicy[] = ["none", "all", "explicit"];

/** Builds one record; numbers are appended with {@link put}, times with {@link putTime}. */
export class OpWriter {
  private buf = Buffer.allocUnsafe(256);
  private n = 0;

  begin(kind: number): this {
    this.n = 4;
    this.byte(kind);
    return this;
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = Buffer.allocUnsafe(cap);
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }

  byte(v: number): this {
    this.room(1);
    this.buf[this.n++] = v;
    return this;
  }

  put(value: number): this {
    this.room(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
    return this;
  }

  putTime(ms: number): this {
    this.room(8);
    this.buf.writeDoubleLE(ms, this.n);
    this.n += 8;
    return this;
  }

  /** Seals the record and returns a view of it (valid until the next begin). */
  end(): Buffer {
    this.room(4);
    this.buf.writeUInt32LE(this.n + 4, 0);
    this.buf.writeUInt32LE(crc32(this.buf, 0, this.n), this.n);
    this.n += 4;
    return this.buf.subarray(0, this.n);
  }
}

/** Reads the payload of one record. */
export class OpReader {
  private readonly buf: Buffer;
  private p: number;
  private readonly end: number;
  ok = true;

  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.p = start;
    this.end = end;
  }

  byte(): number {
    if (this.p >= this.end) {
      this.ok = false;
      return 0;
    }
    return this.buf[this.p++]!;
  }

  get(): number {
    let v = 0;
    let mul = 1;
    while (this.p < this.end) {
      const b = this.buf[this.p++]!;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 0x80;
    }
    this.ok = false;
    return 0;
  }

  time(): number {
    if (this.p + 8 > this.end) {
      this.ok = false;
      return 0;
    }
    const v = this.buf.readDoubleLE(this.p);
    this.p += 8;
    return v;
  }
}

/** The record at `off` as [kind, payload start, payload end, record length], or null if not intact. */
export function readOp(buf: Buffer, off: number): [number, number, number, number] | null {
  if (buf.length - off < 9) return null;
  const len = buf.readUInt32LE(off);
  if (len < 9 || len > buf.length - off) return null;
  if (buf.readUInt32LE(off + len - 4) !== crc32(buf, off, off + len - 4)) return null;
  return [buf[off + 4]!, off + 5, off + len - 4, len];
}

export function writeConfig(w: OpWriter, cfg: ConsumerStoreConfig): Buffer {
  return w.begin(OP_CONFIG).byte(POLICIES.indexOf(cfg.ackPolicy)).put(Math.max(cfg.maxDeliver, 0)).end();
}

export function readConfig(r: OpReader): ConsumerStoreConfig {
  return { ackPolicy: POLICIES[r.byte()] ?? "explicit", maxDeliver: r.get() };
}

export function writeSnapshot(w: OpWriter, cfg: ConsumerStoreConfig, s: ConsumerState): Buffer {
  w.begin(OP_SNAPSHOT).byte(POLICIES.indexOf(cfg.ackPolicy)).put(Math.max(cfg.maxDeliver, 0));
  w.put(s.delivered.consumer).put(s.delivered.stream).put(s.ackFloor.consumer).put(s.ackFloor.stream);
  w.put(s.pending.size);
  for (const [seq, p] of s.pending) w.put(seq).put(p.sequence).putTime(p.timestampMs);
  w.put(s.redelivered.size);
  for (const [seq, n] of s.redelivered) w.put(seq).put(n);
  return w.end();
}

export function readSnapshot(r: OpReader): [ConsumerStoreConfig, ConsumerState] {
  const cfg = readConfig(r);
  const s: ConsumerState = {
    delivered: { consumer: r.get(), stream: r.get() },
    ackFloor: { consumer: r.get(), stream: r.get() },
    pending: new Map(),
    redelivered: new Map(),
  };
  const np = r.get();
  for (let i = 0; i < np && r.ok; i++) {
    const seq = r.get();
    const sequence = r.get();
    s.pending.set(seq, { sequence, timestampMs: r.time() });
  }
  const nr = r.get();
  for (let i = 0; i < nr && r.ok; i++) {
    const seq = r.get();
    s.redelivered.set(seq, r.get());
  }
  return [cfg, s];
}
