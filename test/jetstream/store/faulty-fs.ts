/**
 * A StoreFs that injects faults into the real file system: failing, short and torn writes,
 * failing or held fsyncs. Faults are armed explicitly or drawn from a seeded PRNG, so every
 * failure replays from its seed.
 */
import { nodeFs, type StoreFs } from "../../../src/jetstream/store/index.js";

const errno = (code: string): Error => Object.assign(new Error(`${code} (injected)`), { code });

export class FaultyFs implements StoreFs {
  /** Next writes fail with this code ("ENOSPC", "EIO"), `failWrites` times. */
  failCode = "ENOSPC";
  failWrites = 0;
  /** Next write writes only half its bytes and then fails (a torn write). */
  tornWrites = 0;
  /** Probability that a write is short (fewer bytes, no error: the caller must loop). */
  shortRate = 0;
  /** Next fsyncs fail. */
  failSyncs = 0;
  /** While set, fsync completions are held until {@link releaseSyncs}. */
  holdSyncs = false;
  writes = 0;
  syncs = 0;
  private held: (() => void)[] = [];
  private readonly base: StoreFs;
  private readonly rnd: () => number;

  constructor(rnd: () => number = Math.random, base: StoreFs = nodeFs) {
    this.rnd = rnd;
    this.base = base;
  }

  releaseSyncs(): void {
    const h = this.held;
    this.held = [];
    for (const f of h) f();
  }

  writeSync(fd: number, buf: Buffer, off: number, len: number, pos: number): number {
    this.writes++;
    if (this.failWrites > 0) {
      this.failWrites--;
      throw errno(this.failCode);
    }
    if (this.tornWrites > 0) {
      this.tornWrites--;
      this.base.writeSync(fd, buf, off, Math.floor(len / 2), pos);
      throw errno("EIO");
    }
    if (len > 1 && this.rnd() < this.shortRate) return this.base.writeSync(fd, buf, off, Math.ceil(len / 2), pos);
    return this.base.writeSync(fd, buf, off, len, pos);
  }

  fsync(fd: number, cb: (err: Error | null) => void): void {
    this.syncs++;
    const fail = this.failSyncs > 0;
    if (fail) this.failSyncs--;
    this.base.fsync(fd, (err) => {
      const done = (): void => cb(fail ? errno("EIO") : err);
      if (this.holdSyncs) this.held.push(done);
      else done();
    });
  }

  fsyncDir(dir: string, cb: (err: Error | null) => void): void {
    this.base.fsyncDir(dir, (err) => {
      if (this.holdSyncs) this.held.push(() => cb(err));
      else cb(err);
    });
  }

  openSync(path: string, flags: string): number { return this.base.openSync(path, flags); }
  closeSync(fd: number): void { this.base.closeSync(fd); }
  readSync(fd: number, buf: Buffer, off: number, len: number, pos: number): number { return this.base.readSync(fd, buf, off, len, pos); }
  read(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> { return this.base.read(fd, buf, off, len, pos); }
  fsyncSync(fd: number): void { this.base.fsyncSync(fd); }
  ftruncateSync(fd: number, len: number): void { this.base.ftruncateSync(fd, len); }
  sizeSync(fd: number): number { return this.base.sizeSync(fd); }
  readdirSync(dir: string): string[] { return this.base.readdirSync(dir); }
  mkdirSync(dir: string): void { this.base.mkdirSync(dir); }
  unlinkSync(path: string): void { this.base.unlinkSync(path); }
  renameSync(from: string, to: string): void { this.base.renameSync(from, to); }
  rmSync(path: string): void { this.base.rmSync(path); }
  existsSync(path: string): boolean { return this.base.existsSync(path); }
}
