/**
 * The file store's view of the file system: a thin interface over node:fs so tests can inject
 * faults (ENOSPC, EIO, short and torn writes, failing fsync) from a seed. Writes are
 * positional; fsync is asynchronous (it runs on the libuv thread pool and may take long), all
 * else is synchronous and cheap (page-cache reads and writes of bounded size).
 */
import * as fs from "node:fs";

export interface StoreFs {
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  readSync(fd: number, buf: Buffer, off: number, len: number, pos: number): number;
  /** Reads without blocking the event loop (bulk reads at open). */
  read(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number>;
  /** Positional write; may write fewer bytes than asked (the caller loops). */
  writeSync(fd: number, buf: Buffer, off: number, len: number, pos: number): number;
  /** fdatasync, asynchronously. */
  fsync(fd: number, cb: (err: Error | null) => void): void;
  /** fdatasync that blocks: only for rare operations (truncate rewrites a block). */
  fsyncSync(fd: number): void;
  /** Makes a directory's entries (created, renamed, removed files) durable. */
  fsyncDir(dir: string, cb: (err: Error | null) => void): void;
  ftruncateSync(fd: number, len: number): void;
  sizeSync(fd: number): number;
  readdirSync(dir: string): string[];
  mkdirSync(dir: string): void;
  unlinkSync(path: string): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string): void;
  existsSync(path: string): boolean;
}

/** The real file system. */
export const nodeFs: StoreFs = {
  openSync: (path, flags) => fs.openSync(path, flags),
  closeSync: (fd) => fs.closeSync(fd),
  readSync: (fd, buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
  read: (fd, buf, off, len, pos) => new Promise((resolve, reject) => {
    fs.read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  }),
  writeSync: (fd, buf, off, len, pos) => fs.writeSync(fd, buf, off, len, pos),
  fsync: (fd, cb) => fs.fdatasync(fd, (err) => cb(err ?? null)),
  fsyncSync: (fd) => fs.fdatasyncSync(fd),
  fsyncDir: (dir, cb) => {
    fs.open(dir, "r", (err, fd) => {
      if (err) return cb(err);
      fs.fsync(fd, (err2) => fs.close(fd, () => cb(err2 ?? null)));
    });
  },
  ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
  sizeSync: (fd) => fs.fstatSync(fd).size,
  readdirSync: (dir) => fs.readdirSync(dir),
  mkdirSync: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  unlinkSync: (path) => fs.unlinkSync(path),
  renameSync: (from, to) => fs.renameSync(from, to),
  rmSync: (path) => fs.rmSync(path, { recursive: true, force: true }),
  existsSync: (path) => fs.existsSync(path),
};

/** Writes all of buf[off, off+len) at `pos`, looping over short writes. */
export function writeAll(io: StoreFs, fd: number, buf: Buffer, off: number, len: number, pos: number): void {
  let done = 0;
  while (done < len) {
    const n = io.writeSync(fd, buf, off + done, len - done, pos + done);
    if (n <= 0) throw Object.assign(new Error("short write"), { code: "EIO" });
    done += n;
  }
}

/** Promise form of {@link StoreFs.fsync}. */
export function fsyncP(io: StoreFs, fd: number): Promise<void> {
  return new Promise((resolve, reject) => io.fsync(fd, (err) => (err ? reject(err) : resolve())));
}
