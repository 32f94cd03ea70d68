/**
 * The WAL's only door to storage: one directory of files. Opening a log is synchronous (it runs
 * once, before the node serves); the writes of a running node are asynchronous with callbacks,
 * completed in the order issued per file. The simulator implements this with a fault-injecting
 * in-memory disk (torn writes, bit flips, truncation, slow or stalled fsync); FsDisk uses node:fs.
 */
import * as fs from "node:fs";
import { join } from "node:path";

export type DiskCallback = (err: Error | null) => void;

export interface Disk {
  /** File names in the directory, sorted. */
  list(): string[];
  /** A whole file, or null when it does not exist. Startup only. */
  readSync(name: string): Buffer | null;
  /** Writes and fsyncs a file and the directory (startup repairs). */
  writeSyncDurable(name: string, data: Buffer): void;
  /** Shrinks or extends (with zeros) a file and fsyncs it (startup repairs). */
  truncateSyncDurable(name: string, size: number): void;
  removeSync(name: string): void;
  /** Makes a file and the directory durable as they are now (what a crashed process left in
   * the page cache may not be on disk yet). Startup only. */
  syncSync(name: string): void;
  /** Writes `data` at `offset`, creating the file when missing. Not durable until fsync. */
  write(name: string, offset: number, data: Buffer, cb: DiskCallback): void;
  /** Sets the file's size (extending with zeros), creating it when missing. */
  truncate(name: string, size: number, cb: DiskCallback): void;
  fsync(name: string, cb: DiskCallback): void;
  rename(from: string, to: string, cb: DiskCallback): void;
  remove(name: string, cb: DiskCallback): void;
  /** Makes creations, renames and removals in the directory durable. */
  fsyncDir(cb: DiskCallback): void;
  /** Releases resources (descriptors). */
  close(): void;
}

/** A Disk over a real directory with node:fs (each async op is one libuv request). */
export class FsDisk implements Disk {
  readonly dir: string;
  private readonly fds = new Map<string, number>();

  constructor(dir: string) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
  }

  private p(name: string): string {
    return join(this.dir, name);
  }

  list(): string[] {
    return fs.readdirSync(this.dir).sort();
  }

  readSync(name: string): Buffer | null {
    try {
      return fs.readFileSync(this.p(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  writeSyncDurable(name: string, data: Buffer): void {
    this.closeFd(name);
    this.durablySync(this.p(name), "w", (fd) => fs.writeSync(fd, data));
    this.fsyncDirSync();
  }

  truncateSyncDurable(name: string, size: number): void {
    this.durablySync(this.p(name), "r+", (fd) => fs.ftruncateSync(fd, size));
  }

  removeSync(name: string): void {
    this.closeFd(name);
    fs.rmSync(this.p(name), { force: true });
    this.fsyncDirSync();
  }

  syncSync(name: string): void {
    this.durablySync(this.p(name), "r+", () => undefined);
    this.fsyncDirSync();
  }

  private fsyncDirSync(): void {
    this.durablySync(this.dir, "r", () => undefined);
  }

  /** Opens `path`, runs `op`, fsyncs, closes (startup repairs only: synchronous). */
  private durablySync(path: string, flags: string, op: (fd: number) => void): void {
    const fd = fs.openSync(path, flags);
    try {
      op(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  write(name: string, offset: number, data: Buffer, cb: DiskCallback): void {
    this.withFd(name, cb, (fd) => fs.write(fd, data, 0, data.length, offset, (err) => cb(err)));
  }

  truncate(name: string, size: number, cb: DiskCallback): void {
    this.withFd(name, cb, (fd) => fs.ftruncate(fd, size, cb));
  }

  fsync(name: string, cb: DiskCallback): void {
    this.withFd(name, cb, (fd) => fs.fsync(fd, cb));
  }

  rename(from: string, to: string, cb: DiskCallback): void {
    this.closeFd(to);
    const fd = this.fds.get(from);
    this.fds.delete(from);
    if (fd !== undefined) this.fds.set(to, fd);
    fs.rename(this.p(from), this.p(to), (err) => cb(err));
  }

  remove(name: string, cb: DiskCallback): void {
    this.closeFd(name);
    fs.rm(this.p(name), { force: true }, (err) => cb(err));
  }

  fsyncDir(cb: DiskCallback): void {
    fs.open(this.dir, "r", (err, fd) => {
      if (err) return cb(err);
      fs.fsync(fd, (e1) => fs.close(fd, (e2) => cb(e1 ?? e2)));
    });
  }

  /** Closes every cached descriptor (the WAL is closing). */
  close(): void {
    for (const name of [...this.fds.keys()]) this.closeFd(name);
  }

  private closeFd(name: string): void {
    const fd = this.fds.get(name);
    if (fd === undefined) return;
    this.fds.delete(name);
    fs.closeSync(fd);
  }

  /** Runs `op` on a cached descriptor for `name`, opening (creating) it on first use. */
  private withFd(name: string, cb: DiskCallback, op: (fd: number) => void): void {
    let fd = this.fds.get(name);
    if (fd === undefined) {
      try {
        fd = fs.openSync(this.p(name), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
      } catch (err) {
        cb(err as Error);
        return;
      }
      this.fds.set(name, fd);
    }
    op(fd);
  }
}

/**
 * A Disk held in memory (no durability): for groups that need no persistence across restarts,
 * tests and benchmarks. Completions run on a microtask, in order.
 */
export class MemDisk implements Disk {
  private readonly files = new Map<string, Buffer>();

  list(): string[] {
    return [...this.files.keys()].sort();
  }

  readSync(name: string): Buffer | null {
    const f = this.files.get(name);
    return f ? Buffer.from(f) : null;
  }

  writeSyncDurable(name: string, data: Buffer): void {
    this.files.set(name, Buffer.from(data));
  }

  truncateSyncDurable(name: string, size: number): void {
    this.setSize(name, size);
  }

  removeSync(name: string): void {
    this.files.delete(name);
  }

  syncSync(): void {}

  write(name: string, offset: number, data: Buffer, cb: DiskCallback): void {
    let f = this.files.get(name) ?? Buffer.alloc(0);
    if (offset + data.length > f.length) f = this.setSize(name, offset + data.length);
    data.copy(f, offset);
    queueMicrotask(() => cb(null));
  }

  truncate(name: string, size: number, cb: DiskCallback): void {
    this.setSize(name, size);
    queueMicrotask(() => cb(null));
  }

  fsync(_name: string, cb: DiskCallback): void {
    queueMicrotask(() => cb(null));
  }

  rename(from: string, to: string, cb: DiskCallback): void {
    const f = this.files.get(from);
    this.files.delete(from);
    if (f) this.files.set(to, f);
    queueMicrotask(() => cb(null));
  }

  remove(name: string, cb: DiskCallback): void {
    this.files.delete(name);
    queueMicrotask(() => cb(null));
  }

  fsyncDir(cb: DiskCallback): void {
    queueMicrotask(() => cb(null));
  }

  close(): void {}

  private setSize(name: string, size: number): Buffer {
    const old = this.files.get(name) ?? Buffer.alloc(0);
    const f = Buffer.alloc(size);
    old.copy(f, 0, 0, Math.min(size, old.length));
    this.files.set(name, f);
    return f;
  }
}
