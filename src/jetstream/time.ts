/**
 * Time as JetStream's JSON carries it: instants are RFC 3339 strings with up to nine
 * fractional digits (Go time.RFC3339Nano, trailing zeros trimmed, the zero time as
 * `0001-01-01T00:00:00Z`), durations are integer nanoseconds. Inside tsnats an instant is
 * a `number` of nanoseconds since the Unix epoch: exact to about 256 ns, which is finer
 * than any clock a message is stamped with here.
 */

/** The zero instant (Go's time.Time{}): never set. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";
export const NS_PER_MS = 1_000_000;
export const NS_PER_SEC = 1_000_000_000;

/** A clock in nanoseconds since the epoch, injectable for tests. */
export type Clock = () => number;

/** The wall clock with sub-millisecond resolution. */
export const systemClock: Clock = () => (performance.timeOrigin + performance.now()) * NS_PER_MS;

/** RFC 3339 with nanoseconds in UTC, as Go marshals a time.Time; 0 is the zero time. */
export function formatTime(ns: number): string {
  if (ns === 0) return ZERO_TIME;
  const ms = Math.floor(ns / NS_PER_MS);
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const sub = Math.round(ns - ms * NS_PER_MS);
  const frac = `${iso.slice(20, 23)}${String(Math.min(sub, NS_PER_MS - 1)).padStart(6, "0")}`.replace(/0+$/, "");
  return `${iso.slice(0, 19)}${frac === "" ? "" : `.${frac}`}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 instant into nanoseconds since the epoch; null when malformed. */
export function parseTime(s: string): number | null {
  const m = RFC3339.exec(s);
  if (m === null) return null;
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms)) return null;
  if (sign !== undefined) {
    const offset = (Number(oh) * 60 + Number(om)) * 60_000;
    ms += sign === "+" ? -offset : offset;
  }
  const fracNs = frac === undefined ? 0 : Number(frac.padEnd(9, "0"));
  return ms * NS_PER_MS + fracNs;
}

/** Go time.Duration.String() for the few places nats-server prints one ("1m0s", "500ms"). */
export function formatDuration(ns: number): string {
  if (ns === 0) return "0s";
  const neg = ns < 0;
  let v = Math.abs(ns);
  let out: string;
  if (v < NS_PER_SEC) {
    if (v < 1000) out = `${v}ns`;
    else if (v < NS_PER_MS) out = `${trimFloat(v / 1000)}µs`;
    else out = `${trimFloat(v / NS_PER_MS)}ms`;
  } else {
    const h = Math.floor(v / (3600 * NS_PER_SEC));
    v -= h * 3600 * NS_PER_SEC;
    const m = Math.floor(v / (60 * NS_PER_SEC));
    v -= m * 60 * NS_PER_SEC;
    const s = `${trimFloat(v / NS_PER_SEC)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function trimFloat(x: number): string {
  return String(Number(x.toFixed(9)));
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go time.ParseDuration ("1.5s", "1m30s", "300ms"); nanoseconds, or null when invalid. */
export function parseDurationText(text: string): number | null {
  let s = text.trim();
  if (s === "0") return 0;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "") return null;
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (m === null) return null;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return sign * total;
}
