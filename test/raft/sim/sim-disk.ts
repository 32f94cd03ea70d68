/**
 * A simulated disk with the failure modes that lose data in practice. Each file has a durable
 * content and a cached one (the page cache); `fsync` makes the cache durable, `fsyncDir` makes
 * names (creations, renames, removals) durable. A process crash keeps the cache (kill -9 does
 * not lose written pages); a power loss keeps durable state plus a torn prefix of what was
 * written since the last fsync. Faults at rest: a flipped bit, a file cut short. Latency is
 * simulated (slow disk, stalled fsync) through the scheduler.
 */
import type { Disk, DiskCallback } from "../../../src/raft/wal/disk.js";
import { decodeState, STATE_FILE } from "../../../src/raft/wal/format.js";
import type { Rng } from "./rng.js";
import type { Scheduler } from "./scheduler.js";

interface Inode {
  durable: Buffer;
  cache: Buffer;
  /** Writes since the last fsync, oldest first (for torn power-loss recovery). */
  pending: { off: number; data: Buffer; size: number }[];
}

function resized(b: Buffer, size: number): Buffer {
  if (size === b.length) return b;
  const n = Buffer.alloc(size);
  b.copy(n, 0, 0, Math.min(size, b.length));
  return n;
}

function written(b: Buffer, off: number, data: Buffer): Buffer {
  const n = off + data.length > b.length ? resized(b, off + data.length) : Buffer.from(b);
  data.copy(n, off);
  return n;
}

/** The storage of one node: survives crashes of the process that uses it. */
export class SimStorage {
  dirCache = new Map<string, Inode>();
  dirDurable = new Map<string, Inode>();

  /** Power loss: durable state plus a random prefix of unsynced writes (the last one torn). */
  powerLoss(rng: Rng, tear = true): void {
    const keep = new Set(this.dirDurable.values());
    for (const ino of new Set([...this.dirCache.values(), ...keep])) {
      let d = ino.durable;
      const n = rng.int(ino.pending.length + 1);
      for (let i = 0; i < n; i++) {
        const w = ino.pending[i]!;
        d = resized(d, w.size);
        const torn = tear && i === n - 1 && rng.chance(0.5);
        const len = torn ? rng.int(w.data.length + 1) : w.data.length;
        d = written(d, w.off, w.data.subarray(0, len));
      }
      ino.durable = d;
      ino.cache = Buffer.from(d);
      ino.pending = [];
    }
    this.dirCache = new Map(this.dirDurable);
  }

  /** Whether the durable hard state still marks the node recovering (what a restart would see). */
  durablyRecovering(): boolean {
    const ino = this.dirDurable.get(STATE_FILE);
    return ino ? decodeState(ino.durable)?.recovering !== false : false;
  }

  /** Files worth damaging (non-empty), by name. */
  names(): string[] {
    return [...this.dirCache.keys()].sort();
  }

  /** Flips one bit in the written part of `name`, durably (media corruption). */
  flipBit(name: string, rng: Rng): string {
    const ino = this.dirCache.get(name);
    if (!ino || ino.cache.length === 0) return "nothing to flip";
    let end = ino.cache.length;
    while (end > 0 && ino.cache[end - 1] === 0) end--;
    if (end === 0) return "file all zeros";
    // recent writes (the end of the written part) are what a lagging peer lacks
    const off = rng.chance(0.7) ? end - 1 - rng.int(Math.max(1, Math.floor(end / 4))) : rng.int(end);
    const bit = 1 << rng.int(8);
    ino.cache[off]! ^= bit;
    if (off < ino.durable.length) ino.durable[off]! ^= bit;
    return `flipped bit ${bit} at ${off} of ${name}`;
  }

  /** Cuts `name` to a random shorter length, durably. */
  cut(name: string, rng: Rng): string {
    const ino = this.dirCache.get(name);
    if (!ino || ino.cache.length < 2) return "nothing to cut";
    let end = ino.cache.length;
    while (end > 0 && ino.cache[end - 1] === 0) end--;
    const size = Math.max(0, end - 1 - rng.int(Math.max(1, Math.floor(end / 3))));
    ino.cache = resized(ino.cache, size);
    ino.durable = resized(ino.durable, Math.min(size, ino.durable.length));
    ino.pending = [];
    return `cut ${name} to ${size} bytes`;
  }

  wipe(): void {
    this.dirCache.clear();
    this.dirDurable.clear();
  }
}

export interface DiskTiming {
  /** Multiplier on every latency (slow disk). */
  slow: number;
  /** fsyncs do not complete before this virtual time (stalled disk). */
  stallUntil: number;
}

/** One process's handle on a SimStorage; after a crash its pending operations never complete. */
export class SimDisk implements Disk {
  alive = true;
  private readonly storage: SimStorage;
  private readonly sched: Scheduler;
  private readonly rng: Rng;
  private readonly timing: DiskTiming;
  private readonly run: (fn: () => void) => void;
  private lastDone = 0;

  constructor(storage: SimStorage, sched: Scheduler, rng: Rng, timing: DiskTiming, run: (fn: () => void) => void) {
    this.storage = storage;
    this.sched = sched;
    this.rng = rng;
    this.timing = timing;
    this.run = run;
  }

  list(): string[] {
    return this.storage.names();
  }

  readSync(name: string): Buffer | null {
    const ino = this.storage.dirCache.get(name);
    return ino ? Buffer.from(ino.cache) : null;
  }

  writeSyncDurable(name: string, data: Buffer): void {
    const ino = this.inode(name);
    ino.cache = Buffer.from(data);
    ino.durable = Buffer.from(data);
    ino.pending = [];
    this.storage.dirDurable = new Map(this.storage.dirCache);
  }

  truncateSyncDurable(name: string, size: number): void {
    const ino = this.inode(name);
    ino.cache = resized(ino.cache, size);
    ino.durable = Buffer.from(ino.cache);
    ino.pending = [];
  }

  syncSync(name: string): void {
    const ino = this.storage.dirCache.get(name);
    if (ino) {
      ino.durable = Buffer.from(ino.cache);
      ino.pending = [];
    }
    this.storage.dirDurable = new Map(this.storage.dirCache);
  }

  removeSync(name: string): void {
    this.storage.dirCache.delete(name);
    this.storage.dirDurable = new Map(this.storage.dirCache);
  }

  write(name: string, offset: number, data: Buffer, cb: DiskCallback): void {
    const copy = Buffer.from(data);
    this.op(0.05, cb, () => {
      const ino = this.inode(name);
      ino.cache = written(ino.cache, offset, copy);
      ino.pending.push({ off: offset, data: copy, size: ino.cache.length });
    });
  }

  truncate(name: string, size: number, cb: DiskCallback): void {
    this.op(0.05, cb, () => {
      const ino = this.inode(name);
      ino.cache = resized(ino.cache, size);
      ino.pending.push({ off: size, data: Buffer.alloc(0), size });
    });
  }

  fsync(name: string, cb: DiskCallback): void {
    this.op(2, cb, () => {
      const ino = this.storage.dirCache.get(name);
      if (!ino) return;
      ino.durable = Buffer.from(ino.cache);
      ino.pending = [];
    });
  }

  rename(from: string, to: string, cb: DiskCallback): void {
    this.op(0.05, cb, () => {
      const ino = this.storage.dirCache.get(from);
      if (!ino) return;
      this.storage.dirCache.delete(from);
      this.storage.dirCache.set(to, ino);
    });
  }

  remove(name: string, cb: DiskCallback): void {
    this.op(0.05, cb, () => void this.storage.dirCache.delete(name));
  }

  fsyncDir(cb: DiskCallback): void {
    this.op(2, cb, () => {
      this.storage.dirDurable = new Map(this.storage.dirCache);
    });
  }

  close(): void {
    this.alive = false;
  }

  private inode(name: string): Inode {
    let ino = this.storage.dirCache.get(name);
    if (!ino) {
      ino = { durable: Buffer.alloc(0), cache: Buffer.alloc(0), pending: [] };
      this.storage.dirCache.set(name, ino);
    }
    return ino;
  }

  /** Completes an operation after a simulated latency, in issue order; effects apply then. */
  private op(baseMs: number, cb: DiskCallback, effect: () => void): void {
    const isSync = baseMs >= 1;
    let t = this.sched.now + baseMs * (0.5 + this.rng.float()) * this.timing.slow;
    if (isSync) t = Math.max(t, this.timing.stallUntil);
    t = Math.max(t, this.lastDone);
    this.lastDone = t;
    this.sched.at(t, () => {
      if (!this.alive) return;
      effect();
      this.run(() => cb(null));
    });
  }
}
