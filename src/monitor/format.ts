/**
 * Value formats the monitoring JSON shares with nats-server, so scripts that parse
 * nats-server's output parse ours: Go `time.Duration` strings for `rtt`, the compact
 * `1d2h3m4s` form for `uptime`/`idle` (nats-server monitor.go myUptime), RFC 3339 times.
 */

const NS_PER_MS = 1_000_000;

/**
 * Go's `time.Duration.String()` for a duration in milliseconds (fractions allowed):
 * `0s`, `919µs`, `4.829272ms`, `1.5s`, `2m3.25s`, `1h0m0s`.
 */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * NS_PER_MS);
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const abs = Math.abs(ns);
  if (abs < 1000) return `${sign}${abs}ns`;
  if (abs < 1_000_000) return `${sign}${trimFraction(abs / 1000)}µs`;
  if (abs < 1_000_000_000) return `${sign}${trimFraction(abs / 1_000_000)}ms`;
  const totalSec = abs / 1_000_000_000;
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec - h * 3600) / 60);
  const s = totalSec - h * 3600 - m * 60;
  const sec = `${trimFraction(s)}s`;
  if (h > 0) return `${sign}${h}h${m}m${sec}`;
  if (m > 0) return `${sign}${m}m${sec}`;
  return `${sign}${sec}`;
}

/**
 * A connection's `rtt` as nats-server shows it (client.go getRTTValue): between a
 * microsecond and a millisecond truncated to whole microseconds, else to nanoseconds.
 */
export function rttString(ms: number): string {
  const ns = Math.trunc(ms * NS_PER_MS);
  const cut = ns > 1000 && ns < NS_PER_MS ? ns - (ns % 1000) : ns;
  return goDuration(cut / NS_PER_MS);
}

/** Up to 9 decimals, trailing zeros dropped (Go prints the shortest exact form). */
function trimFraction(v: number): string {
  return v.toFixed(9).replace(/\.?0+$/, "");
}

/** nats-server's uptime format: whole seconds, largest unit first (`3d4h5m6s`, `0s`). */
export function uptime(ms: number): string {
  const tsecs = Math.max(0, Math.floor(ms / 1000));
  const tmins = Math.floor(tsecs / 60);
  const thrs = Math.floor(tmins / 60);
  const tdays = Math.floor(thrs / 24);
  const tyrs = Math.floor(tdays / 365);
  if (tyrs > 0) return `${tyrs}y${tdays % 365}d${thrs % 24}h${tmins % 60}m${tsecs % 60}s`;
  if (tdays > 0) return `${tdays}d${thrs % 24}h${tmins % 60}m${tsecs % 60}s`;
  if (thrs > 0) return `${thrs}h${tmins % 60}m${tsecs % 60}s`;
  if (tmins > 0) return `${tmins}m${tsecs % 60}s`;
  return `${tsecs}s`;
}

/** An epoch-milliseconds time as nats-server's JSON shows times (RFC 3339, UTC). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
