/**
 * Gives memory back after a burst, once the server is quiet.
 *
 * Outbound data lives in Buffers whose memory is outside the V8 heap. When a burst ends
 * (slow consumers cut off with megabytes pending, a flood of messages, thousands of
 * connections closed) that memory is garbage, but V8 only collects it when JavaScript
 * allocates more: an idle server kept it indefinitely (measured: 400-600 MB of dead
 * ArrayBuffers still held after 15 s idle), and the next burst then grew the process
 * further. So every few seconds this looks at the ArrayBuffer memory; once traffic has
 * stopped (nothing moved since the last look) and that memory is well above the idle
 * floor, it asks V8 for one major collection, run concurrently (`execution: "async"`),
 * so the event loop is not held while it marks.
 *
 * The collector is reached through `v8.setFlagsFromString("--expose-gc")` and a fresh
 * `vm` context (the flag is turned off again, so nothing else sees a global `gc`); when
 * that is unavailable the reclaimer does nothing.
 */
import { lazyRequire } from "../util/lazy-require.js";

// Loaded with the first collection: most runs never need one.
const v8 = lazyRequire<typeof import("node:v8")>("node:v8");
const vm = lazyRequire<typeof import("node:vm")>("node:vm");

type GcFunction = (options?: { type?: "major" | "minor"; execution?: "sync" | "async" }) => void;

/** How often the server is looked at. */
export const RECLAIM_INTERVAL_MS = 2000;
/** Garbage worth a collection: ArrayBuffer memory above the idle floor. */
export const RECLAIM_THRESHOLD_BYTES = 16 * 1024 * 1024;
/** Collections are at least this many check intervals apart. */
export const RECLAIM_MIN_GAP = 10;

/** What the reclaimer needs to know about the server: a counter that moves with traffic. */
export interface ActivitySource {
  /** Any number that changes whenever messages flow (e.g. messages in + out). */
  activity(): number;
}

export class MemoryReclaimer {
  private timer: NodeJS.Timeout | null = null;
  private intervalMs = RECLAIM_INTERVAL_MS;
  private lastActivity = -1;
  /** Traffic moved since the last collection. */
  private dirty = false;
  /** The least ArrayBuffer memory seen: what an idle server holds. */
  private floor = Number.MAX_SAFE_INTEGER;
  private lastCollectionMs = -Infinity;
  private gc: GcFunction | null | undefined = undefined;
  /** Collections asked for, for tests and diagnostics. */
  collections = 0;

  constructor(
    private readonly source: ActivitySource,
    private readonly thresholdBytes = RECLAIM_THRESHOLD_BYTES,
    private readonly now: () => number = Date.now,
  ) {}

  start(intervalMs = RECLAIM_INTERVAL_MS): void {
    if (this.timer !== null) return;
    this.intervalMs = intervalMs;
    this.floor = Math.min(this.floor, process.memoryUsage().arrayBuffers);
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * One look. Collects once after traffic stops, when ArrayBuffer memory is well above
   * the idle floor, and at most once per RECLAIM_MIN_GAP intervals: memory that is still
   * live after a collection (a stuck consumer's backlog) does not cause one per look.
   */
  check(): boolean {
    const held = process.memoryUsage().arrayBuffers;
    if (held < this.floor) this.floor = held;
    const activity = this.source.activity();
    if (activity !== this.lastActivity) {
      this.lastActivity = activity;
      this.dirty = true;
      return false;
    }
    if (!this.dirty || held - this.floor < this.thresholdBytes) return false;
    const now = this.now();
    if (now - this.lastCollectionMs < RECLAIM_MIN_GAP * this.intervalMs) return false;
    const gc = this.collector();
    if (gc === null) return false;
    gc({ type: "major", execution: "async" });
    this.collections++;
    this.dirty = false;
    this.lastCollectionMs = now;
    return true;
  }

  private collector(): GcFunction | null {
    if (this.gc === undefined) this.gc = exposeGc();
    return this.gc;
  }
}

/** V8's collector as a function, without leaving `gc` on any global object. */
function exposeGc(): GcFunction | null {
  const existing = (globalThis as { gc?: GcFunction }).gc;
  if (typeof existing === "function") return existing;
  try {
    v8().setFlagsFromString("--expose-gc");
    const gc = vm().runInNewContext("gc") as unknown;
    v8().setFlagsFromString("--no-expose-gc");
    return typeof gc === "function" ? (gc as GcFunction) : null;
  } catch {
    return null;
  }
}
