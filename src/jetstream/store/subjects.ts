/**
 * Per-subject state of a stream (nats-server's `fss`/`psim`): every subject with stored
 * messages gets a small integer id; its message count and first/last sequence live in typed
 * columns indexed by that id, so a million distinct subjects cost a Map entry and 21 bytes
 * each, and per-message bookkeeping is integer work. First/last go stale lazily when the
 * message they point at is removed (`firstStale`/`lastStale`, as nats-server's
 * firstNeedsUpdate); the owner recomputes them on demand by scanning its sequence index.
 * A subject whose last message goes is not deleted from the Map at once (a bulk removal of a
 * million distinct subjects would spend its time there): its count drops to 0 and its id is
 * queued; {@link sweep} deletes such entries a batch at a time, later.
 */

const FIRST_STALE = 1;
const LAST_STALE = 2;

export class SubjectTable {
  /** subject → id, for live subjects only. */
  private readonly ids = new Map<string, number>();
  /** id → subject ("" for a free id). */
  names: string[] = [];
  /** id → message count (0 for a free id). */
  msgs = new Float64Array(1024);
  first = new Float64Array(1024);
  last = new Float64Array(1024);
  private stale = new Uint8Array(1024);
  private free: number[] = [];
  /** Ids handed out so far (live + free); columns are valid below this. */
  high = 0;
  /** Bumped when an id is freed or reused, so callers caching per-id data can notice. */
  generation = 0;
  /** Subjects with messages. */
  private live = 0;
  /** Ids whose count dropped to 0, still in the Map until swept. */
  private zombies: number[] = [];

  /** Number of subjects with messages. */
  get size(): number {
    return this.live;
  }

  /** Entries waiting for {@link sweep}. */
  get unswept(): number {
    return this.zombies.length;
  }

  /** The id of `subject`, or -1 when it has no messages. */
  get(subject: string): number {
    const id = this.ids.get(subject);
    return id === undefined || this.msgs[id] === 0 ? -1 : id;
  }

  /** Records one more message `seq` (the newest) on `subject`; returns its id. */
  add(subject: string, seq: number): number {
    let id = this.ids.get(subject);
    if (id === undefined || this.msgs[id] === 0) {
      if (id === undefined) id = this.alloc(subject);
      this.live++;
      this.msgs[id] = 1;
      this.first[id] = seq;
      this.last[id] = seq;
      this.stale[id] = 0;
      return id;
    }
    this.msgs[id]! += 1;
    // Appends come in order; recovery and reused sequences (after truncate) may not: widen the
    // range. A stale end is an upper bound, so a new message at or beyond it is the true end.
    const stale = this.stale[id]!;
    const last = this.last[id]!;
    if (seq > last || (seq === last && (stale & LAST_STALE) !== 0)) {
      this.last[id] = seq;
      this.stale[id]! &= ~LAST_STALE;
    }
    const first = this.first[id]!;
    if (seq < first || (seq === first && (stale & FIRST_STALE) !== 0)) {
      this.first[id] = seq;
      this.stale[id]! &= ~FIRST_STALE;
    }
    return id;
  }

  /**
   * Records that message `seq` of subject `id` is gone. Returns true when the subject has no
   * messages left (its id is then free).
   */
  remove(id: number, seq: number): boolean {
    const n = this.msgs[id]! - 1;
    if (n <= 0) {
      this.release(id);
      return true;
    }
    this.msgs[id] = n;
    const first = this.first[id]!;
    const last = this.last[id]!;
    const stale = this.stale[id]!;
    if (n === 1) {
      // One left: if we know the other end, it is that one (nats-server removeSeqPerSubject).
      if ((stale & LAST_STALE) === 0 && seq !== last) {
        this.first[id] = last;
        this.stale[id] = 0;
        return false;
      }
      if ((stale & FIRST_STALE) === 0 && seq !== first) {
        this.last[id] = first;
        this.stale[id] = 0;
        return false;
      }
    }
    let s = stale;
    if (seq === first) s |= FIRST_STALE;
    if (seq === last) s |= LAST_STALE;
    this.stale[id] = s;
    return false;
  }

  isFirstStale(id: number): boolean {
    return (this.stale[id]! & FIRST_STALE) !== 0;
  }

  isLastStale(id: number): boolean {
    return (this.stale[id]! & LAST_STALE) !== 0;
  }

  /** Sets the recomputed first sequence of `id`. */
  setFirst(id: number, seq: number): void {
    this.first[id] = seq;
    this.stale[id]! &= ~FIRST_STALE;
  }

  /** Sets the recomputed last sequence of `id`. */
  setLast(id: number, seq: number): void {
    this.last[id] = seq;
    this.stale[id]! &= ~LAST_STALE;
  }

  /** Forgets every subject. */
  clear(): void {
    this.ids.clear();
    this.names = [];
    this.msgs = new Float64Array(1024);
    this.first = new Float64Array(1024);
    this.last = new Float64Array(1024);
    this.stale = new Uint8Array(1024);
    this.free = [];
    this.zombies = [];
    this.live = 0;
    this.high = 0;
    this.generation++;
  }

  /** Calls `fn` for every live subject id (in no particular order). */
  forEach(fn: (id: number, subject: string) => void): void {
    const msgs = this.msgs;
    for (const [subject, id] of this.ids) if (msgs[id]! > 0) fn(id, subject);
  }

  /** Deletes up to `max` entries of subjects left without messages; returns how many remain. */
  sweep(max: number): number {
    const z = this.zombies;
    for (let n = 0; n < max && z.length > 0; n++) {
      const id = z.pop()!;
      if (this.msgs[id] !== 0 || this.names[id] === "") continue;
      this.ids.delete(this.names[id]!);
      this.names[id] = "";
      this.free.push(id);
      this.generation++;
    }
    return z.length;
  }

  /** The table's columns for the index file: names by id ("" for free) and the typed columns. */
  exportState(): { names: string[]; msgs: Float64Array; first: Float64Array; last: Float64Array; stale: Uint8Array } {
    const h = this.high;
    return {
      names: this.names.slice(0, h),
      msgs: this.msgs.subarray(0, h),
      first: this.first.subarray(0, h),
      last: this.last.subarray(0, h),
      stale: this.stale.subarray(0, h),
    };
  }

  /** Replaces the table with columns read back from the index file. */
  importState(names: string[], msgs: Float64Array, first: Float64Array, last: Float64Array, stale: Uint8Array): void {
    this.clear();
    const h = names.length;
    if (h > this.msgs.length) this.grow(h);
    this.msgs.set(msgs);
    this.first.set(first);
    this.last.set(last);
    this.stale.set(stale);
    this.high = h;
    for (let id = 0; id < h; id++) {
      const name = names[id]!;
      if (msgs[id]! > 0) {
        this.ids.set(name, id);
        this.names[id] = name;
        this.live++;
      } else {
        this.names[id] = "";
        this.free.push(id);
      }
    }
  }

  private alloc(subject: string): number {
    let id = this.free.pop();
    if (id === undefined) {
      id = this.high++;
      if (id >= this.msgs.length) this.grow(id + 1);
    } else {
      this.generation++;
    }
    this.ids.set(subject, id);
    this.names[id] = subject;
    return id;
  }

  private release(id: number): void {
    this.msgs[id] = 0;
    this.stale[id] = 0;
    this.live--;
    this.zombies.push(id);
  }

  private grow(min: number): void {
    let cap = this.msgs.length * 2;
    while (cap < min) cap *= 2;
    this.msgs = growF64(this.msgs, cap);
    this.first = growF64(this.first, cap);
    this.last = growF64(this.last, cap);
    const stale = new Uint8Array(cap);
    stale.set(this.stale);
    this.stale = stale;
  }
}

function growF64(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
