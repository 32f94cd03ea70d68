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
 * The V8 heap is looked at the same way: 1,000 connections that closed leave ~10 MB of
 * dead socket and client objects in the old generation, which an idle V8 also keeps
 * (measured in-process: 76 MB RSS after they closed). One collection frees the objects
 * but V8 keeps the young generation at the size the burst grew it to; it shrinks it only
 * at a later collection that sees allocation has become slow, which on an idle server was
 * the third one, two seconds apart (heap committed 28 → 23 → 8 MB, RSS 76 → 57 MB). So a
 * collection is followed by SETTLE_COLLECTIONS more, one per quiet look, unless traffic
 * comes back first.
 *
 * Closed connections may leave too little dead heap for that criterion (~4 KiB each) while
 * the burst of accepting them grew the young generation from 1 to 16 MB, which an idle V8
 * also keeps: 1,000 connections that opened and closed left RSS 20 MB above its start with
 * 5 MB of heap in use above the floor. So the heap V8 has committed (`heapTotal`) counts
 * too, against its own floor.
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
/** Garbage worth a collection: V8 heap in use above the idle floor. */
export const RECLAIM_HEAP_THRESHOLD_BYTES = 8 * 1024 * 1024;
/**
 * Collections are at least this many check intervals apart. Each needs traffic since the
 * last one and then a quiet look, so a stuck consumer's live backlog does not cause one
 * per look; a longer gap (it was 10) skipped the collection after back-to-back bursts, and
 * idle RSS then rose from one slow-consumer episode to the next (issue 15 §3).
 */
export const RECLAIM_MIN_GAP = 2;

/** Collections after the first one, on the following quiet looks, to let V8 shrink the young generation. */
export const SETTLE_COLLECTIONS = 2;

/** The figures of `process.memoryUsage()` the reclaimer looks at. */
export interface MemorySample {
  arrayBuffers: number;
  heapUsed: number;
  heapTotal: number;
}

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
  /**
   * The V8 heap in use when idle: the least seen, and after each collection what survived
   * it (a server that grew its live state, more subscriptions, raises its floor instead
   * of collecting after every pause in traffic).
   */
  private heapFloor = Number.MAX_SAFE_INTEGER;
  private rebaseHeapFloor = false;
  /** The V8 heap committed when idle: the least seen, re-read after each collection. */
  private committedFloor = Number.MAX_SAFE_INTEGER;
  /** Follow-up collections still due (SETTLE_COLLECTIONS after each collection). */
  private settling = 0;
  private lastCollectionMs = -Infinity;
  private gc: GcFunction | null | undefined = undefined;
  /** Collections asked for, for tests and diagnostics. */
  collections = 0;

  constructor(
    private readonly source: ActivitySource,
    private readonly thresholdBytes = RECLAIM_THRESHOLD_BYTES,
    private readonly now: () => number = Date.now,
    private readonly heapThresholdBytes = RECLAIM_HEAP_THRESHOLD_BYTES,
    private readonly memory: () => MemorySample = () => process.memoryUsage(),
  ) {}

  start(intervalMs = RECLAIM_INTERVAL_MS): void {
    if (this.timer !== null) return;
    this.intervalMs = intervalMs;
    const m = this.memory();
    this.floor = Math.min(this.floor, m.arrayBuffers);
    this.heapFloor = Math.min(this.heapFloor, m.heapUsed);
    this.committedFloor = Math.min(this.committedFloor, m.heapTotal);
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * One look. Collects once after traffic stops, when ArrayBuffer memory, the V8 heap in
   * use or the V8 heap committed is well above its idle floor, and at most once per
   * RECLAIM_MIN_GAP intervals: memory that is still live after a collection (a stuck
   * consumer's backlog) does not cause one per look.
   */
  check(): boolean {
    const m = this.memory();
    const held = m.arrayBuffers;
    if (held < this.floor) this.floor = held;
    if (m.heapUsed < this.heapFloor || this.rebaseHeapFloor) this.heapFloor = m.heapUsed;
    // Re-read after each collection too, so live state that grew does not cause one per
    // pause; the young generation the settling collections shrink lowers it again.
    if (m.heapTotal < this.committedFloor || this.rebaseHeapFloor) this.committedFloor = m.heapTotal;
    this.rebaseHeapFloor = false;
    const activity = this.source.activity();
    if (activity !== this.lastActivity) {
      this.lastActivity = activity;
      this.dirty = true;
      this.settling = 0;
      return false;
    }
    if (this.settling > 0) {
      this.settling--;
      return this.collect();
    }
    if (!this.dirty) return false;
    if (
      held - this.floor < this.thresholdBytes &&
      m.heapUsed - this.heapFloor < this.heapThresholdBytes &&
      m.heapTotal - this.committedFloor < this.heapThresholdBytes
    ) {
      return false;
    }
    const now = this.now();
    if (now - this.lastCollectionMs < RECLAIM_MIN_GAP * this.intervalMs) return false;
    if (!this.collect()) return false;
    this.settling = SETTLE_COLLECTIONS;
    this.dirty = false;
    this.lastCollectionMs = now;
    return true;
  }

  /** One major collection, concurrent; false when V8's collector is out of reach. */
  private collect(): boolean {
    const gc = this.collector();
    if (gc === null) return false;
    gc({ type: "major", execution: "async" });
    this.collections++;
    this.rebaseHeapFloor = true;
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
