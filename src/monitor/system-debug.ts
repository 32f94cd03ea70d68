/**
 * The `data` of the debugging requests nats-server 2.10+ answers on
 * `$SYS.REQ.SERVER.<id|PING>.<KIND>` (events.go, monitor.go):
 *
 * - PROFILEZ (`{name, debug, duration}`): nats-server answers ProfilezStatus
 *   `{"profile": <base64 bytes>, "error": ""}` from Go's pprof. Node has no pprof, so the
 *   profiles are V8's: `cpu` is a V8 CPU profile (`.cpuprofile` JSON) taken for `duration`
 *   (Go nanoseconds, above 0 and at most 15 s, as nats-server checks), `heap` the V8 heap
 *   statistics as JSON. Other names get nats-server's `Profile "<name>" not found`.
 * - EXPVARZ: ExpvarzStatus `{memstats, cmdline}`; memstats carries the Go MemStats fields
 *   that have a V8 counterpart.
 * - IPQUEUESZ (`{all, filter}`): nats-server's internal queues by name. tsnats has no such
 *   queues (its work is handed on within a read batch), so the map is empty.
 * - RAFTZ (`{account, group}`): Raft groups by account then group. No server option opens
 *   a Raft group yet (src/raftnet), so the map is empty, as nats-server's is with no groups.
 *
 * The HTTP endpoints `/ipqueuesz`, `/raftz` and `/debug/vars` (nats-server's ExpvarzPath)
 * answer from the same builders (http.ts).
 */
import { goDuration } from "./format.js";

/** The kinds answered here. */
export const DEBUG_KINDS = ["PROFILEZ", "EXPVARZ", "IPQUEUESZ", "RAFTZ"] as const;

/** nats-server profilez: a CPU profile runs more than 0 s and at most 15 s. */
const MAX_CPU_PROFILE_NS = 15e9;
const NS_PER_MS = 1e6;

/**
 * Whether a CPU profile is running. V8 has one profiler per isolate, so this is one per
 * process, shared by every server in it (Go's pprof is per process too, and answers a second
 * start with "cpu profiling already in use").
 */
let cpuProfiling = false;

/** The JSON text of one debug kind's data, from the decoded request options. */
export async function debugData(kind: string, o: Record<string, unknown>): Promise<string> {
  switch (kind) {
    case "PROFILEZ":
      return JSON.stringify(await profilez(String(o.name ?? ""), Number(o.duration ?? 0)));
    case "EXPVARZ":
      return JSON.stringify(expvarz());
    case "IPQUEUESZ":
      return JSON.stringify(ipqueuesz(o.all === true, typeof o.filter === "string" ? o.filter : ""));
    default:
      // RAFTZ: an empty map (module comment).
      return "{}";
  }
}

/** nats-server IpqueueszStatusIPQ: one internal queue's length. */
export interface IpqueueszEntry {
  pending: number;
  in_progress?: number;
}

/**
 * nats-server Ipqueuesz: the internal queues by name, only non-empty ones unless `all`, only
 * names containing `filter` when set. tsnats has none (module comment): always empty.
 */
export function ipqueuesz(_all: boolean, _filter: string): Record<string, IpqueueszEntry> {
  return {};
}

/**
 * nats-server Raftz: the Raft groups of an account (the system account when none is named),
 * or null when the server runs no Raft node, which its HTTP handler answers with 404
 * `No Raft nodes registered`. No server option opens a group yet, so always null.
 */
export function raftz(_account: string, _group: string): Record<string, Record<string, unknown>> | null {
  return null;
}

/** nats-server ProfilezStatus: `profile` as Go marshals []byte (base64, null when empty). */
interface ProfilezStatus {
  profile: string | null;
  error: string;
}

async function profilez(name: string, durationNs: number): Promise<ProfilezStatus> {
  const fail = (error: string): ProfilezStatus => ({ profile: null, error });
  switch (name) {
    case "":
      return fail("Profile name not specified");
    case "cpu": {
      if (!(durationNs > 0 && durationNs <= MAX_CPU_PROFILE_NS)) {
        return fail(`Duration ${goDuration(durationNs / NS_PER_MS)} should be between 0s and 15s`);
      }
      if (cpuProfiling) return fail("Failed to start CPU profile: cpu profiling already in use");
      cpuProfiling = true;
      try {
        return { profile: Buffer.from(await cpuProfile(durationNs / NS_PER_MS), "utf8").toString("base64"), error: "" };
      } catch (e) {
        return fail(`Failed to start CPU profile: ${(e as Error).message}`);
      } finally {
        cpuProfiling = false;
      }
    }
    case "heap": {
      const v8 = await import("node:v8");
      const text = JSON.stringify({ heap: v8.getHeapStatistics(), spaces: v8.getHeapSpaceStatistics() });
      return { profile: Buffer.from(text, "utf8").toString("base64"), error: "" };
    }
    default:
      return fail(`Profile ${JSON.stringify(name)} not found`);
  }
}

/** A V8 CPU profile over `ms`, through an in-process inspector session (no --inspect needed). */
async function cpuProfile(ms: number): Promise<string> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
    await new Promise((resolve) => setTimeout(resolve, ms));
    const { profile } = await session.post("Profiler.stop");
    return JSON.stringify(profile);
  } finally {
    session.disconnect();
  }
}

/** nats-server ExpvarzStatus: Go's expvar `memstats` and `cmdline`, here from V8 and process. */
export function expvarz(): { memstats: Record<string, number>; cmdline: string[] } {
  const m = process.memoryUsage();
  return {
    memstats: { Alloc: m.heapUsed, Sys: m.rss, HeapAlloc: m.heapUsed, HeapSys: m.heapTotal, HeapInuse: m.heapUsed, OtherSys: m.external + m.arrayBuffers },
    cmdline: [...process.argv],
  };
}
