/**
 * JetStream's two shared clocks, so nothing keeps a timer per message or per request:
 * - {@link TimerQueue}: one refreshable Node timer for the whole engine, over a min-heap of
 *   (due time, target). A consumer asks to be woken at its next deadline (ack wait,
 *   request expiry, heartbeat, inactivity); asking again replaces the earlier request.
 * - {@link WorkQueue}: targets with work to do (a consumer with messages and room to
 *   deliver), run on the next turn with a time budget, the rest on the turn after, so one
 *   busy consumer cannot hold the event loop.
 */

/** Something the timer queue wakes. `timerAt` is owned by the queue (0 = not scheduled). */
export interface TimerTarget {
  timerAt: number;
  onTimer(nowMs: number): void;
}

interface Entry {
  at: number;
  target: TimerTarget;
}

/** Min-heap of wake-ups with one underlying timer; `now` is injectable for tests. */
export class TimerQueue {
  private readonly heap: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private stopped = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Wakes `target` at `atMs` (or earlier if it already asked for earlier). */
  schedule(target: TimerTarget, atMs: number): void {
    if (this.stopped) return;
    if (target.timerAt !== 0 && target.timerAt <= atMs) return;
    target.timerAt = atMs;
    this.push({ at: atMs, target });
    this.arm();
  }

  /** Forgets any wake-up of `target` (its entry is dropped lazily). */
  cancel(target: TimerTarget): void {
    target.timerAt = 0;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs every due entry; exposed so tests can drive time by hand. */
  runDue(): void {
    const now = this.now();
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const e = this.pop()!;
      if (e.target.timerAt !== e.at) continue; // cancelled or rescheduled
      e.target.timerAt = 0;
      e.target.onTimer(now);
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.heap.length = 0;
  }

  private arm(): void {
    // Drop stale heads so the timer is armed for a live entry.
    while (this.heap.length > 0 && this.heap[0]!.target.timerAt !== this.heap[0]!.at) this.pop();
    const head = this.heap[0];
    if (head === undefined) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    if (this.timer !== null && this.timerDue <= head.at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerDue = head.at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runDue();
    }, Math.max(0, head.at - this.now()));
    this.timer.unref();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= e.at) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.at < h[l]!.at ? r : l;
      if (h[c]!.at >= last.at) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

/** Something with work to do; `workQueued` is owned by the queue. */
export interface WorkTarget {
  workQueued: boolean;
  /** Does up to a bounded amount of work; returns true when more remains. */
  runWork(): boolean;
}

/** How long one turn may spend running targets. */
const WORK_BUDGET_MS = 8;

/** Targets ready to run, drained on the next turn with a time budget. */
export class WorkQueue {
  private ready: WorkTarget[] = [];
  private scheduled = false;
  private stopped = false;

  /**
   * `afterDrain` runs once at the end of every turn that ran targets: the server flushes
   * what they sent right there, as at the end of a read batch, instead of a loop iteration
   * later (a pull consumer's batch reaches the client one turn sooner).
   */
  constructor(private readonly afterDrain: () => void = () => {}) {}

  /** Queues `t` to run on a following turn (once, however often it is kicked). */
  kick(t: WorkTarget): void {
    if (t.workQueued || this.stopped) return;
    t.workQueued = true;
    this.ready.push(t);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.ready) t.workQueued = false;
    this.ready = [];
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.ready;
    this.ready = [];
    const start = performance.now();
    let i = 0;
    for (; i < batch.length; i++) {
      const t = batch[i]!;
      t.workQueued = false;
      if (t.runWork()) this.kick(t);
      if (performance.now() - start >= WORK_BUDGET_MS) {
        i++;
        break;
      }
    }
    for (; i < batch.length; i++) {
      batch[i]!.workQueued = false;
      this.kick(batch[i]!);
    }
    this.afterDrain();
  }
}
