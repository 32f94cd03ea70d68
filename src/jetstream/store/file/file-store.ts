/**
 * The file store (nats-server filestore.go): messages in append-only block files under
 * `<dir>/msgs/`, with the per-message index and per-subject state of {@link BaseStore} in
 * memory. The write path appends encoded records to the tail block's pending buffer; at the
 * end of the event-loop turn one positional write per dirty block hands the batch to the OS
 * and, with `syncAlways`, one fdatasync per file makes it durable (group commit). Durability
 * is reported through `durableSeq` / `waitDurable` / the durable callback. See README.md.
 */
import { randomFillSync } from "node:crypto";
import { join } from "node:path";
import { BaseStore, EMPTY_BUF } from "../base-store.js";
import {
  ErrMsgTooLarge, ErrStoreClosed, ErrStoreIo, ErrStoreResources, isNoSpaceError, type StoreError,
} from "../errors.js";
import { PAGE_SIZE, type Page } from "../seq-index.js";
import { systemClock, type StoreClock } from "../time.js";
import type { ConsumerStore, ConsumerStoreConfig, StoreMsg, StreamStoreConfig } from "../types.js";
import { Block } from "./block.js";
import { FileConsumerStore } from "./consumer-file.js";
import { nodeFs, writeAll, type StoreFs } from "./io.js";
import type { IndexSnapshot } from "./index-file.js";
import { buildRewriteNow, Compactor, saveIndex, type Rewrite } from "./maintenance.js";
import { openBlocks, scrub } from "./open.js";
import {
  BLOCK_HEADER_LEN, encodeFloor, encodeMsg, encodeSkip, encodeTombstone, eraseRecord, KIND_MSG,
  MAX_RECORD_LEN, msgRecordLen, newParsedRecord, parseRecord,
} from "./records.js";
import { ReadCache, type ReadBudget } from "./read-cache.js";
import { scanRecords } from "./recovery.js";

/** nats-server defaultSyncInterval. */
export const DEFAULT_SYNC_INTERVAL_MS = 2 * 60 * 1000;
/** nats-server defaultLargeBlockSize / defaultMediumBlockSize / FileStoreMinBlkSize. */
const LARGE_BLOCK = 8 * 1024 * 1024;
const MEDIUM_BLOCK = 4 * 1024 * 1024;
const MIN_BLOCK = 32 * 1000;

export interface FileStoreOptions {
  /** The stream's directory; the store uses `msgs/` and `obs/` inside it. */
  dir: string;
  /** Block (segment) size; default as nats-server (8 MiB for limits, 4 MiB otherwise). */
  blockSize?: number;
  /** `sync_interval: always`: a message is durable only once fsynced. */
  syncAlways?: boolean;
  /** Background fsync period without `syncAlways` (nats-server default 2 minutes). */
  syncIntervalMs?: number;
  /** Byte budget on disk for this store (the account's max_file share); 0: none. */
  maxDiskBytes?: number;
  /** How long writes are refused after a failed write before trying again (ms). */
  writeRetryMs?: number;
  fs?: StoreFs;
  clock?: StoreClock;
  /** Called for every corrupt region found (also counted in `corruptions`). */
  onCorruption?: (report: CorruptionReport) => void;
  /**
   * The read-window budget this store shares with others (one per server, so many streams
   * cannot each pin their own windows); default: a budget of its own.
   */
  readBudget?: ReadBudget;
}

/** A region of a block file whose records failed their checksum. */
export interface CorruptionReport {
  stream: string;
  file: string;
  offset: number;
  length: number;
  /** Sequences known to be lost with it. */
  seqs: number[];
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: StoreError) => void;
}

/** nats-server dynBlkSize. */
export function defaultBlockSize(cfg: StreamStoreConfig): number {
  if (cfg.maxBytes > 0) {
    let size = Math.floor(cfg.maxBytes / 4) + 1;
    if (size % 100 !== 0) size += 100 - (size % 100);
    if (size <= MIN_BLOCK) return MIN_BLOCK;
    if (size >= LARGE_BLOCK) return LARGE_BLOCK;
    return MEDIUM_BLOCK;
  }
  return cfg.retention === "limits" ? LARGE_BLOCK : MEDIUM_BLOCK;
}

export class FileStore extends BaseStore {
  readonly type = "file" as const;
  readonly io: StoreFs;
  readonly dir: string;
  readonly msgDir: string;
  /** Corrupt regions found since open (for /jsz). */
  corruptions = 0;
  blocks: Block[] = [];
  tail: Block | null = null;
  /** Highest floor written: every sequence below it is gone. */
  floorSeq = 0;
  /** Set while open() replays the blocks: removals then only adjust counts. */
  recovering = false;
  diskBytes = 0;
  /** Settles when the background check of the ranges taken from the index file is done. */
  scrubbed: Promise<void> = Promise.resolve();
  private readonly blockSize: number;
  private readonly syncAlways: boolean;
  private readonly syncIntervalMs: number;
  private readonly maxDiskBytes: number;
  private readonly writeRetryMs: number;
  private readonly onCorruption: ((r: CorruptionReport) => void) | null;
  private readonly dirtyBlocks = new Set<Block>();
  private readonly unsynced = new Set<Block>();
  private readonly consumerLogs = new Set<FileConsumerStore>();
  private unlinkQueue: Block[] = [];
  private closeQueue: number[] = [];
  private inflightSyncs = 0;
  private flushScheduled = false;
  private dropping = false;
  private writtenSeq = 0;
  private durable = 0;
  /** Flush generations, so consumer logs can wait for "everything written so far". */
  private writtenEpoch = 0;
  private durableEpoch = 0;
  private epochWaiters: { epoch: number; resolve: () => void; reject: (e: StoreError) => void }[] = [];
  private waiters: Waiter[] = [];
  private syncing = false;
  private syncAgain = false;
  private dirDirty = false;
  private blockedUntil = 0;
  private blockErr: StoreError | null = null;
  private failed: StoreError | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private lastBlockHit: Block | null = null;
  private readonly scratch = newParsedRecord();
  private readonly readCache: ReadCache;
  private readonly compactor: Compactor;
  private readonly flushCb = (): void => this.flushNow();

  private constructor(cfg: StreamStoreConfig, opts: FileStoreOptions) {
    super(cfg, opts.clock ?? systemClock(), false);
    this.io = opts.fs ?? nodeFs;
    this.dir = opts.dir;
    this.msgDir = join(opts.dir, "msgs");
    this.blockSize = opts.blockSize ?? defaultBlockSize(cfg);
    this.syncAlways = opts.syncAlways ?? false;
    this.syncIntervalMs = opts.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.maxDiskBytes = opts.maxDiskBytes ?? 0;
    this.writeRetryMs = opts.writeRetryMs ?? 1000;
    this.onCorruption = opts.onCorruption ?? null;
    this.compactor = new Compactor(this, this.blockSize);
    this.readCache = new ReadCache(this.io, opts.readBudget);
  }

  /** Opens (creating or recovering) the store in `opts.dir`. Reading big stores yields the event loop. */
  static async open(cfg: StreamStoreConfig, opts: FileStoreOptions): Promise<FileStore> {
    const fs = new FileStore(cfg, opts);
    fs.io.mkdirSync(fs.msgDir);
    fs.recovering = true;
    let trusted: Awaited<ReturnType<typeof openBlocks>>;
    try {
      trusted = await openBlocks(fs);
    } finally {
      fs.recovering = false;
    }
    fs.tail = fs.blocks.at(-1) ?? null;
    for (const b of [...fs.blocks]) if (b !== fs.tail && b.live === 0) fs.retire(b);
    fs.diskBytes = fs.blocks.reduce((n, b) => n + b.fileLen, 0);
    if (fs.blocks.length === 0) fs.initFirstSeq();
    fs.restoreDone();
    fs.writtenSeq = fs.lastSeq;
    fs.durable = fs.lastSeq;
    if (!fs.syncAlways && fs.syncIntervalMs > 0) {
      fs.syncTimer = setInterval(() => fs.requestSync(), fs.syncIntervalMs);
      fs.syncTimer.unref();
    }
    if (fs.dirtyBlocks.size > 0) fs.flushNow();
    if (trusted.length > 0) fs.scrubbed = scrub(fs, trusted);
    return fs;
  }

  /** Loads the state saved in the index file (while opening). */
  restoreSnapshot(snap: IndexSnapshot): void {
    for (const p of snap.pages) this.index.addPage(p);
    this.subjects.importState(snap.names, snap.subjMsgs, snap.subjFirst, snap.subjLast, snap.subjStale);
    this.msgs = snap.msgs;
    this.bytes = snap.bytes;
    this.lastSeq = snap.lastSeq;
    this.lastTsMs = snap.lastTsMs;
    this.lastTsNs = snap.lastTsNs;
    this.floorSeq = snap.floorSeq;
    for (let i = 0; i < snap.ttlAt.length; i++) this.ttls.push(snap.ttlAt[i]!, snap.ttlSeq[i]!);
    for (const s of snap.never) this.neverExpire.add(s);
  }

  /** TTL deadlines and never-expiring messages, for the index file. */
  ttlState(): { at: number[]; seqs: number[]; never: number[] } {
    const e = this.ttls.entries();
    return { at: e.at.slice(), seqs: e.seqs.slice(), never: [...this.neverExpire] };
  }

  /** Records a corrupt region (log it through `onCorruption`, count it, note what was lost). */
  reportCorrupt(file: string, offset: number, length: number, seqs: number[]): void {
    this.corruptions++;
    const lost = this.lost ?? (this.lost = { msgs: [], bytes: 0 });
    lost.bytes += length;
    for (const s of seqs) lost.msgs.push(s);
    this.onCorruption?.({ stream: this.cfg.name, file, offset, length, seqs });
  }

  // ---- BaseStore hooks ----

  protected msgSize(subjectLen: number, hdrLen: number, msgLen: number): number {
    return msgRecordLen(subjectLen, hdrLen, msgLen);
  }

  protected checkWritable(): void {
    if (this.failed !== null) throw this.failed;
    if (this.blockErr !== null && this.clock.now() < this.blockedUntil) throw this.blockErr;
  }

  protected putPayload(seq: number, tsMs: number, tsNs: number, subject: string, hdr: Buffer | null,
    msg: Buffer, page: Page, slot: number, size: number): void {
    if (subject.length > 0xffff || size > MAX_RECORD_LEN) throw ErrMsgTooLarge;
    if (this.maxDiskBytes > 0 && this.diskBytes + size > this.maxDiskBytes) throw ErrStoreResources;
    const b = this.tailFor(size);
    const off = b.end;
    encodeMsg(b.reserve(size), b.pendingLen, seq, tsMs, tsNs, subject, hdr, msg);
    b.pendingLen += size;
    page.aux[slot] = off;
    b.live++;
    b.lastSeq = seq;
    this.diskBytes += size;
    this.markDirty(b);
  }

  protected getPayload(seq: number, page: Page, slot: number, out: StoreMsg): boolean {
    const b = this.blockFor(seq);
    if (b === null) return false;
    const off = page.aux[slot]!;
    const len = page.size[slot]!;
    let buf: Buffer | null = null;
    let at = 0;
    if (off >= b.fileLen) {
      buf = Buffer.allocUnsafe(len);
      b.pending.copy(buf, 0, off - b.fileLen, off - b.fileLen + len);
    } else {
      try {
        buf = this.readCache.read(b, off, len);
        at = this.readCache.at;
      } catch {
        buf = null;
      }
    }
    const r = this.scratch;
    if (buf === null || !parseRecord(buf, at, at + len, r) || r.seq !== seq || r.kind !== KIND_MSG) {
      this.reportCorrupt(b.path, off, len, [seq]);
      this.removeInternal(seq, false, true);
      return false;
    }
    out.hdr = r.hdrLen > 0 ? buf.subarray(r.hdrOff, r.hdrOff + r.hdrLen) : EMPTY_BUF;
    out.msg = buf.subarray(r.msgOff, r.msgOff + r.msgLen);
    return true;
  }

  protected dropPayload(seq: number, page: Page, slot: number, erase: boolean): void {
    const b = this.blockFor(seq);
    if (b === null) return;
    b.live--;
    b.deadBytes += page.size[slot]!;
    if (this.recovering || this.dropping) return;
    b.tombs.push(seq);
    if (erase) {
      b.erases.push(page.aux[slot]!, page.size[slot]!);
      b.eraseCount++;
    }
    this.markDirty(b);
    if (b.live === 0 && b !== this.tail) this.retire(b);
    else this.compactor.consider(b);
  }

  protected slotCleared(seq: number, page: Page, slot: number): void {
    const b = this.blockFor(seq);
    if (b === null) return;
    b.live--;
    b.deadBytes += page.size[slot]!;
    if (this.recovering) return;
    if (b.live === 0 && b !== this.tail) this.retire(b);
    else this.compactor.consider(b);
  }

  protected cleared(): void {
    for (const b of [...this.blocks]) {
      b.deadBytes += b.live;
      b.live = 0;
      if (b !== this.tail) this.retire(b);
    }
  }

  protected bulkRemoved(kind: "floor" | "truncate", seq: number): void {
    if (kind === "truncate") {
      this.truncateFiles(seq);
      return;
    }
    // Everything goes (purge, compact past the end): start a fresh tail so the old files can go.
    const t = seq > this.lastSeq ? this.newTail(seq) : this.tail ?? this.newTail(this.lastSeq + 1);
    t.append(encodeFloor(seq, Math.floor(this.clock.now())));
    t.hasFloor = true;
    if (seq > this.floorSeq) this.floorSeq = seq;
    this.markDirty(t);
    for (const b of [...this.blocks]) {
      if (b !== t && b.lastSeq < seq) {
        b.live = 0;
        this.retire(b);
      }
    }
  }

  protected skipped(seq: number, num: number): void {
    const t = this.tail ?? this.newTail(seq);
    const now = this.clock.now();
    t.append(encodeSkip(seq, num, Math.floor(now), 0));
    t.lastSeq = seq + num - 1;
    this.markDirty(t);
  }

  protected newConsumerStore(name: string, cfg: ConsumerStoreConfig): ConsumerStore {
    const cs = new FileConsumerStore(this, name, cfg);
    this.consumerLogs.add(cs);
    return cs;
  }

  // ---- blocks ----

  /** The block holding `seq`, or null. */
  blockFor(seq: number): Block | null {
    const hit = this.lastBlockHit;
    if (hit !== null && !hit.gone && seq >= hit.firstSeq && seq <= hit.lastSeq) return hit;
    const bs = this.blocks;
    let lo = 0;
    let hi = bs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = bs[mid]!;
      if (seq < b.firstSeq) hi = mid - 1;
      else if (seq > b.lastSeq) lo = mid + 1;
      else {
        this.lastBlockHit = b;
        return b;
      }
    }
    return null;
  }

  /** The tail block, rolled over when `size` more bytes would overflow it. */
  private tailFor(size: number): Block {
    const t = this.tail;
    if (t !== null && (t.end + size <= this.blockSize || t.end <= BLOCK_HEADER_LEN)) return t;
    return this.newTail(this.lastSeq + 1);
  }

  /**
   * Starts a new tail block at `firstSeq`. The old tail's pending bytes are written first, so
   * only the tail ever holds unwritten messages (a failed write then drops exactly those).
   */
  private newTail(firstSeq: number): Block {
    const old = this.tail;
    if (old !== null && old.dirty && !this.writeBlock(old)) throw this.blockErr ?? ErrStoreIo;
    const index = (this.blocks.at(-1)?.index ?? 0) + 1;
    const path = join(this.msgDir, `${index}.blk`);
    let fd: number;
    try {
      fd = this.io.openSync(path, "w+");
    } catch (err) {
      throw isNoSpaceError(err) ? ErrStoreResources : ErrStoreIo;
    }
    const b = Block.create(index, path, fd, firstSeq);
    this.blocks.push(b);
    this.tail = b;
    this.diskBytes += BLOCK_HEADER_LEN;
    this.dirDirty = true;
    this.markDirty(b);
    if (old !== null && old.live === 0) this.retire(old);
    return b;
  }

  private markDirty(b: Block): void {
    this.dirtyBlocks.add(b);
    this.scheduleFlush();
  }

  /**
   * Takes an empty block out of the store. Its file is unlinked after the next write (or, with
   * syncAlways, the next fsync), so the records that made it empty reach the disk first.
   */
  retire(b: Block): void {
    if (b.gone) return;
    b.gone = true;
    const i = this.blocks.indexOf(b);
    if (i >= 0) this.blocks.splice(i, 1);
    this.dirtyBlocks.delete(b);
    this.unsynced.delete(b);
    if (this.lastBlockHit === b) this.lastBlockHit = null;
    if (b.hasFloor && this.blocks.length > 0 && this.blocks[0]!.index < b.index && this.tail !== null && this.tail !== b) {
      // Earlier blocks may still hold records below the floor: carry the floor forward.
      this.tail.append(encodeFloor(this.floorSeq, Math.floor(this.clock.now())));
      this.tail.hasFloor = true;
      this.markDirty(this.tail);
    }
    this.unlinkQueue.push(b);
    this.scheduleFlush();
  }

  /** Unlinks retired blocks and closes their files (once no fsync is using them). */
  private processUnlinks(queue: Block[]): void {
    for (const b of queue) {
      try {
        this.io.unlinkSync(b.path);
      } catch {
        // Already gone: nothing to reclaim.
      }
      this.diskBytes -= b.fileLen;
      this.closeQueue.push(b.fd);
      this.dirDirty = true;
    }
    if (this.inflightSyncs === 0) this.closeFds();
  }

  private closeFds(): void {
    for (const fd of this.closeQueue) {
      try {
        this.io.closeSync(fd);
      } catch {
        // Closing is best effort.
      }
    }
    this.closeQueue = [];
  }

  // ---- group commit ----

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(this.flushCb);
  }

  flushAllPending(): void {
    this.flushNow();
  }

  /** Writes every dirty block (one positional write each), then syncs or reports durability. */
  private flushNow(): void {
    this.flushScheduled = false;
    if (this.failed !== null) return;
    for (const b of [...this.dirtyBlocks]) if (!this.writeBlock(b)) return;
    for (const c of this.consumerLogs) {
      if (!c.writePending()) return;
    }
    this.writtenSeq = this.lastSeq;
    this.writtenEpoch++;
    this.blockErr = null;
    if (this.syncAlways) {
      this.requestSync();
    } else {
      this.advanceDurable(this.writtenSeq, this.writtenEpoch);
      this.processUnlinks(this.unlinkQueue.splice(0));
    }
  }

  /** Writes one block's pending bytes; on failure handles it and returns false. */
  private writeBlock(b: Block): boolean {
    this.dirtyBlocks.delete(b);
    if (b.tombs.length > 0) {
      const tombs = b.tombs.sort((x, y) => x - y);
      b.tombs = [];
      const rec = encodeTombstone(tombs, Math.floor(this.clock.now()));
      b.append(rec);
      this.diskBytes += rec.length;
    }
    try {
      if (b.pendingLen > 0) writeAll(this.io, b.fd, b.pending, 0, b.pendingLen, b.fileLen);
      b.written();
      this.unsynced.add(b);
      if (b.erases.length > 0) this.applyErases(b);
    } catch (err) {
      this.writeFailed(err, b);
      return false;
    }
    return true;
  }

  /** Overwrites erased messages in place (their tombstones are already written). */
  private applyErases(b: Block): void {
    const e = b.erases;
    b.erases = [];
    this.readCache.invalidate();
    for (let i = 0; i < e.length; i += 2) {
      const off = e[i]!;
      const len = e[i + 1]!;
      const buf = Buffer.allocUnsafe(len);
      if (this.io.readSync(b.fd, buf, 0, len, off) !== len) continue;
      eraseRecord(buf, 0, len, randomFillSync(Buffer.allocUnsafe(len)));
      writeAll(this.io, b.fd, buf, 0, len, off);
    }
  }

  /**
   * A write failed: drop the messages not yet written (they were never acknowledged), keep the
   * other pending records, refuse writes for a while with a distinct error, and tell the waiters.
   */
  private writeFailed(err: unknown, b: Block): void {
    const e = isNoSpaceError(err) ? ErrStoreResources : ErrStoreIo;
    try {
      this.io.ftruncateSync(b.fd, b.fileLen);
    } catch {
      // The next write at fileLen overwrites whatever part was written.
    }
    const failedFrom = this.writtenSeq + 1;
    this.dropping = true;
    try {
      for (let s = this.index.nextLive(failedFrom, this.lastSeq); s >= 0; s = this.index.nextLive(s + 1, this.lastSeq)) {
        this.removeInternal(s, false, true);
      }
    } finally {
      this.dropping = false;
    }
    for (const blk of this.blocks) this.keepControlRecords(blk);
    if (this.lastSeq >= failedFrom && this.tail !== null) {
      // Keep the sequences used: persist them as skipped once writing works again.
      this.tail.append(encodeSkip(failedFrom, this.lastSeq - failedFrom + 1, Math.floor(this.clock.now()), 0));
      this.dirtyBlocks.add(this.tail);
    }
    this.diskBytes = this.blocks.reduce((n, x) => n + x.end, 0);
    this.blockErr = e;
    this.blockedUntil = this.clock.now() + this.writeRetryMs;
    this.rejectWaiters(failedFrom, e);
    this.dcb?.(this.durable, failedFrom, e);
    setTimeout(() => this.scheduleFlush(), this.writeRetryMs).unref();
  }

  /** Removes message records from a block's pending bytes (after a failed write). */
  private keepControlRecords(b: Block): void {
    if (b.pendingLen === 0) return;
    const src = b.pending;
    const out = Buffer.allocUnsafe(b.pendingLen);
    let n = 0;
    const start = b.fileLen === 0 ? BLOCK_HEADER_LEN : 0;
    if (start > 0) n += src.copy(out, 0, 0, start);
    scanRecords(src, start, b.pendingLen, newParsedRecord(), {
      record: (r, off) => {
        if (r.kind !== KIND_MSG) n += src.copy(out, n, off, off + r.len);
      },
      corrupt: () => {},
    });
    b.pending = out;
    b.pendingLen = n;
    if (n > 0) this.dirtyBlocks.add(b);
  }

  /** fsyncs what was written (one fdatasync per file, plus the directory when it changed). */
  requestSync(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const files = [...this.unsynced].filter((b) => !b.gone).map((b) => b.fd);
    for (const c of this.consumerLogs) c.unsyncedFd(files);
    this.unsynced.clear();
    const dir = this.dirDirty;
    this.dirDirty = false;
    const seq = this.writtenSeq;
    const epoch = this.writtenEpoch;
    const unlinks = this.syncAlways ? this.unlinkQueue.splice(0) : [];
    let left = files.length + (dir ? 1 : 0);
    let firstErr: Error | null = null;
    this.syncing = true;
    const done = (err: Error | null): void => {
      if (err !== null && firstErr === null) firstErr = err;
      if (--left > 0) return;
      this.inflightSyncs = 0;
      this.syncing = false;
      if (firstErr !== null) {
        this.fatal();
        return;
      }
      this.advanceDurable(seq, epoch);
      if (unlinks.length > 0) this.processUnlinks(unlinks);
      if (this.closeQueue.length > 0) this.closeFds();
      if (this.syncAgain || (this.syncAlways && this.writtenEpoch > epoch)) {
        this.syncAgain = false;
        this.requestSync();
      }
    };
    if (left === 0) {
      left = 1;
      done(null);
      return;
    }
    this.inflightSyncs = left;
    for (const fd of files) this.io.fsync(fd, done);
    if (dir) this.io.fsyncDir(this.msgDir, done);
  }

  /** An fsync failed: nothing written since the last good one can be trusted; stop writing. */
  private fatal(): void {
    this.failed = ErrStoreIo;
    this.rejectWaiters(this.durable + 1, ErrStoreIo);
    for (const w of this.epochWaiters) w.reject(ErrStoreIo);
    this.epochWaiters = [];
    this.dcb?.(this.durable, this.durable + 1, ErrStoreIo);
  }

  private advanceDurable(seq: number, epoch: number): void {
    if (epoch > this.durableEpoch) {
      this.durableEpoch = epoch;
      const ew = this.epochWaiters;
      while (ew.length > 0 && ew[0]!.epoch <= epoch) ew.shift()!.resolve();
    }
    if (seq <= this.durable) return;
    this.durable = seq;
    const w = this.waiters;
    let i = 0;
    while (i < w.length && w[i]!.seq <= seq) w[i++]!.resolve();
    if (i > 0) w.splice(0, i);
    this.dcb?.(seq, seq + 1, null);
  }

  private rejectWaiters(from: number, err: StoreError): void {
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq >= from) w.reject(err);
      else keep.push(w);
    }
    this.waiters = keep;
  }

  get durableSeq(): number {
    return this.durable;
  }

  waitDurable(seq: number): Promise<void> {
    if (seq <= this.durable) return Promise.resolve();
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const w = this.waiters;
      let i = w.length;
      while (i > 0 && w[i - 1]!.seq > seq) i--;
      w.splice(i, 0, { seq, resolve, reject });
    });
  }

  /** Resolves when everything written up to now (or pending now) is durable: for consumer logs. */
  waitEpoch(pending: boolean): Promise<void> {
    const target = this.writtenEpoch + (pending ? 1 : 0);
    if (target <= this.durableEpoch) return Promise.resolve();
    if (this.failed !== null) return Promise.reject(this.failed);
    if (pending) this.scheduleFlush();
    return new Promise((resolve, reject) => this.epochWaiters.push({ epoch: target, resolve, reject }));
  }

  /** For consumer logs: schedule a flush that also writes their pending bytes. */
  consumerDirty(): void {
    this.scheduleFlush();
  }

  /** A consumer store stopped or was deleted. */
  forgetConsumerLog(cs: FileConsumerStore): void {
    this.consumerLogs.delete(cs);
    this.forgetConsumer(cs);
  }

  get syncIsAlways(): boolean {
    return this.syncAlways;
  }

  // ---- truncate ----

  /** Cuts every record above `seq` from disk: later blocks go, the block holding seq is rewritten. */
  private truncateFiles(seq: number): void {
    this.flushNow();
    for (const b of [...this.blocks]) {
      if (b.firstSeq > seq || seq === 0) this.dropBlockNow(b);
    }
    const last = this.blocks.at(-1);
    if (last !== undefined && last.lastSeq > seq) this.rewriteBlock(last, seq);
    this.tail = this.blocks.at(-1) ?? null;
    const t = this.newTail(seq + 1);
    if (this.floorSeq > 0 && seq > 0) {
      // The floor record may have gone with a dropped block: write it again.
      t.append(encodeFloor(this.floorSeq, Math.floor(this.clock.now())));
      t.hasFloor = true;
    }
    if (seq === 0) this.floorSeq = 0;
    this.flushNow();
  }

  private dropBlockNow(b: Block): void {
    b.gone = true;
    this.blocks.splice(this.blocks.indexOf(b), 1);
    this.dirtyBlocks.delete(b);
    this.unsynced.delete(b);
    if (this.lastBlockHit === b) this.lastBlockHit = null;
    if (this.tail === b) this.tail = null;
    this.processUnlinks([b]);
  }

  /**
   * Rewrites `b` keeping only its live messages up to `seq` (and the floor): written to a
   * temporary file, fsynced, renamed over the block. Used by truncate, which is rare (a
   * replicated log rolling back), so it does this synchronously.
   */
  private rewriteBlock(b: Block, seq: number): void {
    const rw = buildRewriteNow(this, b, seq);
    const tmp = `${b.path}.tmp`;
    const fd = this.io.openSync(tmp, "w+");
    writeAll(this.io, fd, rw.out, 0, rw.len, 0);
    this.io.fsyncSync(fd);
    this.swapBlockFile(b, tmp, fd, rw, 0);
    b.tombs = [];
    b.erases = [];
    b.lastSeq = Math.min(b.lastSeq, seq);
  }

  /** Puts a rewritten (and fsynced) copy in place of block `b` and points the index at it. */
  swapBlockFile(b: Block, tmpPath: string, fd: number, rw: Rewrite, deadBytes: number): void {
    this.io.renameSync(tmpPath, b.path);
    this.readCache.invalidate();
    this.closeQueue.push(b.fd);
    if (this.inflightSyncs === 0) this.closeFds();
    this.diskBytes += rw.len - b.fileLen - b.pendingLen;
    b.fd = fd;
    b.nonce = rw.nonce;
    b.fileLen = rw.len;
    b.pendingLen = 0;
    b.deadBytes = deadBytes;
    b.unsynced = false;
    this.unsynced.delete(b);
    let live = 0;
    for (let i = 0; i < rw.seqs.length; i++) {
      const off = rw.offs[i]!;
      if (off < 0) continue;
      const s = rw.seqs[i]!;
      const p = this.index.page(s);
      if (p !== null) p.aux[s % PAGE_SIZE] = off;
      live++;
    }
    b.live = live;
    this.dirDirty = true;
  }

  /** Settles when no block compaction is queued or running. */
  compactionIdle(): Promise<void> {
    return this.compactor.idle();
  }

  /** Writes `b`'s pending records now (compaction starts from what is on disk). */
  flushBlock(b: Block): boolean {
    return !b.dirty || this.writeBlock(b);
  }

  // ---- lifecycle ----

  /** Flushes, fsyncs everything and closes the files. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closeBase();
    for (const c of [...this.consumerLogs]) await c.stop();
    await this.scrubbed;
    this.flushNow();
    if (this.syncTimer !== null) clearInterval(this.syncTimer);
    if (this.failed === null) await this.syncAll();
    this.processUnlinks(this.unlinkQueue.splice(0));
    await this.compactor.idle();
    if (this.failed === null && this.blockErr === null) await saveIndex(this);
    for (const b of this.blocks) this.closeQueue.push(b.fd);
    this.closeFds();
    this.readCache.invalidate(); // its windows leave the shared budget
    this.rejectWaiters(0, ErrStoreClosed);
  }

  /** fsyncs every file of the store (after any sync in flight). */
  private async syncAll(): Promise<void> {
    while (this.syncing) await new Promise((r) => setTimeout(r, 1));
    for (const b of this.blocks) this.unsynced.add(b);
    this.dirDirty = true;
    const target = ++this.writtenEpoch;
    const done = new Promise<void>((resolve) => this.epochWaiters.push({ epoch: target, resolve, reject: () => resolve() }));
    this.requestSync();
    await done;
  }

  async delete(): Promise<void> {
    await this.stop();
    this.io.rmSync(this.dir);
  }
}
