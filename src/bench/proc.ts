/**
 * Reads a process's resident memory and CPU time from Linux /proc, for figures about the
 * server under test (the bench knows its pid). Returns null where /proc is unavailable
 * (another OS, or the process is gone) so callers can print "n/a" instead of failing.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux x86/arm). */
export const USER_HZ = 100;

/** VmRSS of `pid` in bytes (from /proc/PID/status, which reports kB). */
export function readRssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** User + system CPU time of `pid` (all its threads) in seconds, from /proc/PID/stat fields 14 and 15. */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state), so field n is rest[n - 3].
    const utime = Number(rest[14 - 3]);
    const stime = Number(rest[15 - 3]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : null;
  } catch {
    return null;
  }
}
