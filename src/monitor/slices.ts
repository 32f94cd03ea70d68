/**
 * Cooperative time slicing for monitoring work that grows with the server (every
 * connection, every subscription): loops run for at most a slice, then yield to the event
 * loop (setImmediate, so pending I/O is served first), and a gate lets only a couple of
 * such requests run at once, so one event-loop turn never carries more than a couple of
 * slices of monitoring work, however many dumps are asked for in parallel.
 */

/** Longest a monitoring loop runs before yielding. */
export const SLICE_MS = 8;
/** Heavy monitoring requests that run at once; the others wait their turn. */
export const HEAVY_MAX_CONCURRENT = 2;
/** Items between two clock reads in {@link Slicer.due}. */
const CHECK_EVERY = 64;

/** Tracks one task's slice; see the module comment. */
export class Slicer {
  private sliceStart = performance.now();
  private count = 0;

  /** `onPause` counts the yields (the heavy gate's statistics). */
  constructor(
    readonly sliceMs = SLICE_MS,
    private readonly onPause: (() => void) | null = null,
  ) {}

  /**
   * Call once per item of work, with its cost in small units (1 for a row, more for an
   * item that did more): true when the slice is used up and the caller should `await pause()`.
   */
  due(cost = 1): boolean {
    this.count += cost;
    if (this.count < CHECK_EVERY) return false;
    this.count = 0;
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  /** Yields to the event loop, then starts a new slice. */
  async pause(): Promise<void> {
    this.onPause?.();
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
    this.count = 0;
  }

  /** Pauses if the slice is used up. */
  async step(): Promise<void> {
    if (this.due()) await this.pause();
  }
}

/** `fn` of each item, in order, dropping undefined results; yields between slices. */
export async function mapInSlices<T, U>(items: Iterable<T>, fn: (item: T) => U | undefined, sl: Slicer): Promise<U[]> {
  const out: U[] = [];
  for (const item of items) {
    const u = fn(item);
    if (u !== undefined) out.push(u);
    if (sl.due()) await sl.pause();
  }
  return out;
}

/** Items of one sorted run sorted by Array.prototype.sort in one go. */
const RUN = 1024;

/**
 * A stable sort (bottom-up merge sort over runs) that yields between slices, for arrays too
 * big to sort in one turn. Same order as Array.prototype.sort with the same comparator.
 */
export async function sortInSlices<T>(items: T[], cmp: (a: T, b: T) => number, sl: Slicer): Promise<T[]> {
  const n = items.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    sorted = cmp(items[i - 1]!, items[i]!) <= 0;
    if (sl.due()) await sl.pause();
  }
  if (sorted) return items;
  let src = items.slice();
  for (let lo = 0; lo < n; lo += RUN) {
    const run = src.slice(lo, lo + RUN).sort(cmp);
    for (let i = 0; i < run.length; i++) src[lo + i] = run[i]!;
    if (sl.due(run.length)) await sl.pause();
  }
  let dst = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        // `<= 0` takes from the left run on ties: stable.
        if (i < mid && (j >= hi || cmp(src[i]!, src[j]!) <= 0)) dst[k] = src[i++]!;
        else dst[k] = src[j++]!;
        if (sl.due()) await sl.pause();
      }
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/**
 * Lets at most `max` tasks run at once; the others wait in arrival order. Each task gets
 * its own {@link Slicer}; the gate counts tasks and their yields.
 */
export class HeavyGate {
  /** Tasks run, and the times they yielded to the event loop. */
  tasks = 0;
  pauses = 0;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max = HEAVY_MAX_CONCURRENT) {}

  /** Tasks running and waiting. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(task: (sl: Slicer) => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    this.tasks++;
    try {
      return await task(new Slicer(SLICE_MS, () => this.pauses++));
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next task (running stays the same).
      if (next !== undefined) next();
      else this.running--;
    }
  }
}

/**
 * The heavy-request gate of a server, shared by the HTTP endpoints and the system
 * account's CONNZ/SUBSZ requests (a registry keyed by the server, as the running monitors).
 */
const gates = new WeakMap<object, HeavyGate>();

export function heavyGateOf(server: object): HeavyGate {
  let g = gates.get(server);
  if (g === undefined) {
    g = new HeavyGate();
    gates.set(server, g);
  }
  return g;
}
