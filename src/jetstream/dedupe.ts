/**
 * The duplicate window of a stream (nats-server stream.go ddmap/ddarr): `Nats-Msg-Id`s
 * seen within `duplicate_window`, with the sequence each was stored at. Entries expire in
 * arrival order, so a FIFO array with a moving head is enough; expiry runs lazily on each
 * insert and lookup, bounded, so no timer is needed.
 */

interface Entry {
  id: string;
  seq: number;
  atMs: number;
}

/** At most this many expired entries are dropped per call (the rest on later calls). */
const EXPIRE_BATCH = 256;

export class DedupeWindow {
  private readonly map = new Map<string, Entry>();
  private arr: Entry[] = [];
  private head = 0;

  constructor(public windowMs: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The sequence a message with `id` was stored at within the window, or 0. */
  lookup(id: string, nowMs: number): number {
    this.expire(nowMs);
    const e = this.map.get(id);
    return e !== undefined && nowMs - e.atMs < this.windowMs ? e.seq : 0;
  }

  record(id: string, seq: number, nowMs: number): void {
    if (this.windowMs <= 0) return;
    this.expire(nowMs);
    const e: Entry = { id, seq, atMs: nowMs };
    this.map.set(id, e);
    this.arr.push(e);
  }

  clear(): void {
    this.map.clear();
    this.arr = [];
    this.head = 0;
  }

  private expire(nowMs: number): void {
    let n = 0;
    while (this.head < this.arr.length && n < EXPIRE_BATCH) {
      const e = this.arr[this.head]!;
      if (nowMs - e.atMs < this.windowMs) break;
      if (this.map.get(e.id) === e) this.map.delete(e.id);
      this.head++;
      n++;
    }
    if (this.head > 1024 && this.head * 2 > this.arr.length) {
      this.arr = this.arr.slice(this.head);
      this.head = 0;
    }
  }
}
