/**
 * Store timestamps: a pair (`ms` whole milliseconds since the epoch, `ns` nanoseconds within
 * the millisecond, 0..999_999). nats-server keeps an int64 of nanoseconds; a double holds only
 * 2^53, so the pair is what keeps the exact value without a bigint per message. These helpers
 * convert at the edges: the int64 on disk (as two uint32 halves, no bigint), the decimal
 * nanosecond token of `$JS.ACK` replies, RFC 3339 JSON times, and bigint for callers that want it.
 */

/** A source of time, injected so tests can drive it. */
export interface StoreClock {
  /** Milliseconds since the epoch; the fraction carries sub-millisecond precision. */
  now(): number;
}

const TWO_32 = 4294967296;
const NS_PER_MS = 1_000_000;
/** 2^32 = Q32 * 1e6 + R32: lets the int64 split into (ms, ns) without bigint. */
const Q32 = 4294;
const R32 = 967296;
/** Go's zero time.Time as JSON, which nats-server prints for an unset first_ts/last_ts. */
export const ZERO_TIME_JSON = "0001-01-01T00:00:00Z";

/**
 * The system clock with sub-millisecond resolution: Date.now() as a base plus the monotonic
 * performance.now() delta, re-based when they drift apart by more than a millisecond (clock
 * adjustments), and never going backwards within one clock.
 */
export function systemClock(): StoreClock {
  let baseMs = Date.now();
  let basePerf = performance.now();
  let checkedAt = basePerf;
  let last = 0;
  return {
    now(): number {
      const perf = performance.now();
      let t = baseMs + (perf - basePerf);
      // Date.now() costs as much as the rest: compare with it every 50 ms only.
      if (perf - checkedAt > 50) {
        checkedAt = perf;
        const wall = Date.now();
        if (t < wall - 1 || t > wall + 1) {
          baseMs = wall;
          basePerf = perf;
          t = wall;
        }
      }
      if (t < last) t = last;
      last = t;
      return t;
    },
  };
}

/** Whole milliseconds of a clock reading. */
export function msOf(t: number): number {
  return Math.floor(t);
}

/** Nanoseconds within the millisecond of a clock reading. */
export function nsOf(t: number): number {
  const ns = Math.floor((t - Math.floor(t)) * NS_PER_MS);
  return ns > 999_999 ? 999_999 : ns < 0 ? 0 : ns;
}

/** Orders two timestamps: negative, zero or positive. */
export function compareTs(aMs: number, aNs: number, bMs: number, bNs: number): number {
  return aMs !== bMs ? aMs - bMs : aNs - bNs;
}

/** Writes the timestamp as a little-endian int64 of nanoseconds at `off`. */
export function writeTsNanos(buf: Buffer, off: number, ms: number, ns: number): void {
  // total = ms*1e6 + ns, built from 21-bit halves of ms so every step stays exact.
  const msHi = Math.floor(ms / 2097152);
  const a = msHi * NS_PER_MS; // < 2^41
  const b = (ms - msHi * 2097152) * NS_PER_MS + ns; // < 2^41
  let lo = (a % 2048) * 2097152 + (b % TWO_32);
  const carry = Math.floor(lo / TWO_32);
  lo -= carry * TWO_32;
  const hi = Math.floor(a / 2048) + Math.floor(b / TWO_32) + carry;
  buf.writeUInt32LE(lo, off);
  buf.writeUInt32LE(hi, off + 4);
}

/** Reads a little-endian int64 of nanoseconds at `off`; returns the ms part, ns via {@link readTsNs}. */
export function readTsMs(buf: Buffer, off: number): number {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readUInt32LE(off + 4);
  return hi * Q32 + Math.floor((hi * R32 + lo) / NS_PER_MS);
}

/** The nanoseconds-within-millisecond part of the int64 at `off`. */
export function readTsNs(buf: Buffer, off: number): number {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readUInt32LE(off + 4);
  return (hi * R32 + lo) % NS_PER_MS;
}

/** Nanoseconds since the epoch as a decimal string (the `$JS.ACK` reply token). */
export function tsToNanosString(ms: number, ns: number): string {
  if (ms === 0) return String(ns);
  const s = String(ns);
  return String(ms) + "000000".slice(s.length) + s;
}

/** Nanoseconds since the epoch as a bigint. */
export function tsToBigInt(ms: number, ns: number): bigint {
  return BigInt(ms) * 1_000_000n + BigInt(ns);
}

/** Splits nanoseconds since the epoch (bigint or decimal string) into [ms, ns]. */
export function tsFromNanos(nanos: bigint | string): [number, number] {
  const n = typeof nanos === "bigint" ? nanos : BigInt(nanos);
  return [Number(n / 1_000_000n), Number(n % 1_000_000n)];
}

/**
 * RFC 3339 with up to nine fraction digits, trailing zeros trimmed, in UTC: how Go marshals a
 * time.Time (nats-server's first_ts, last_ts, time). The zero timestamp prints as Go's zero time.
 */
export function tsToIso(ms: number, ns: number): string {
  if (ms === 0 && ns === 0) return ZERO_TIME_JSON;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = (ms % 1000) * NS_PER_MS + ns;
  const head = iso.slice(0, 19);
  if (frac === 0) return head + "Z";
  let digits = String(frac).padStart(9, "0");
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  return `${head}.${digits}Z`;
}

/**
 * Parses an RFC 3339 time with up to nine fraction digits (any offset) into [ms, ns];
 * null when it is not one. For `opt_start_time`, which carries nanoseconds.
 */
export function tsFromIso(text: string): [number, number] | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!m) return null;
  const base = Date.parse(`${m[1]}${m[3] === "z" ? "Z" : m[3]}`);
  if (Number.isNaN(base)) return null;
  const frac = Number((m[2] ?? "").padEnd(9, "0") || "0");
  const ms = base + Math.floor(frac / NS_PER_MS);
  return [ms, frac % NS_PER_MS];
}
