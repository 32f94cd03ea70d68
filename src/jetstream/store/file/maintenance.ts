/**
 * Background and rare work on block files: rewriting a block without its dead records
 * (compaction, to give back the space of removed messages), the rewrite truncate needs, and
 * saving the index file. Rewrites go to `<block>.tmp`, are fsynced, then renamed over the
 * block, so a crash leaves either the old file or the new one, each whole.
 */
import { join } from "node:path";
import { PAGE_SIZE } from "../seq-index.js";
import type { Block } from "./block.js";
import { newNonce } from "./block.js";
import type { FileStore } from "./file-store.js";
import { encodeIndex, indexTrailer } from "./index-file.js";
import { fsyncP, writeAll } from "./io.js";
import { INDEX_FILE } from "./open.js";
import { BLOCK_HEADER_LEN, encodeFloor, encodeSkip, encodeTombstone, writeBlockHeader } from "./records.js";
import { readRange, yieldTurn } from "./recovery.js";

/**
 * A block's new content: `out[0, len)`, and the messages kept with their new offsets
 * (`seqs[i]` at `offs[i]`; an offset of -1 marks one dropped after the copy).
 */
export interface Rewrite {
  out: Buffer;
  len: number;
  seqs: number[];
  offs: number[];
  nonce: number;
}

/** Pause points of a sliced job: every this many items, check the clock. */
const CHECK_EVERY = 256;
const SLICE_MS = 4;

/**
 * Builds the rewritten content of `b` from its bytes `src`: a new header, the records of its
 * live messages (<= maxSeq) copied by the offsets the index holds (no re-parse: a damaged
 * record is copied as it is and still fails its checksum on load), the store's floor if the
 * block carried one, and a skip record so the block still accounts for the sequences up to
 * its last one. A generator: it pauses every few milliseconds so compaction can yield the
 * event loop ({@link buildRewrite}); truncate runs it through at once ({@link buildRewriteNow}).
 */
function* rewriteSteps(fs: FileStore, b: Block, src: Buffer, maxSeq: number): Generator<void, Rewrite> {
  const nonce = newNonce();
  const out = Buffer.allocUnsafe(src.length + 128);
  writeBlockHeader(out, 0, b.index, b.firstSeq, nonce);
  let len = BLOCK_HEADER_LEN;
  let lastKept = b.firstSeq - 1;
  const seqs: number[] = [];
  const offs: number[] = [];
  const hi = Math.min(b.lastSeq, maxSeq);
  let t0 = performance.now();
  let n = 0;
  for (let s = fs.index.nextLive(b.firstSeq, hi); s >= 0; s = fs.index.nextLive(s + 1, hi)) {
    if (++n % CHECK_EVERY === 0 && performance.now() - t0 > SLICE_MS) {
      yield;
      t0 = performance.now();
    }
    if (fs.blockFor(s) !== b) continue;
    const p = fs.index.page(s)!;
    const at = p.aux[s % PAGE_SIZE]!;
    const rl = p.size[s % PAGE_SIZE]!;
    if (at + rl > src.length) continue; // not in the bytes read (cannot happen: appends go to the tail)
    src.copy(out, len, at, at + rl);
    seqs.push(s);
    offs.push(len);
    len += rl;
    lastKept = s;
  }
  const now = Math.floor(Date.now());
  const tail: Buffer[] = [];
  if (b.hasFloor) tail.push(encodeFloor(fs.floorSeq, now));
  const last = Math.min(b.lastSeq, maxSeq);
  if (last > lastKept) tail.push(encodeSkip(lastKept + 1, last - lastKept, now, 0));
  let buf = out;
  for (const t of tail) {
    if (len + t.length > buf.length) buf = Buffer.concat([buf.subarray(0, len), t]);
    else t.copy(buf, len);
    len += t.length;
  }
  return { out: buf, len, seqs, offs, nonce };
}

/** Builds a block's rewrite in slices (reading the block off the event loop). */
export async function buildRewrite(fs: FileStore, b: Block, maxSeq: number): Promise<Rewrite> {
  const src = await readRange(fs.io, b.fd, 0, b.fileLen);
  const steps = rewriteSteps(fs, b, src, maxSeq);
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done === true) return r.value;
    await yieldTurn();
  }
}

/** Builds a block's rewrite at once. */
export function buildRewriteNow(fs: FileStore, b: Block, maxSeq: number): Rewrite {
  const src = Buffer.allocUnsafe(b.fileLen);
  if (b.fileLen > 0) fs.io.readSync(b.fd, src, 0, b.fileLen, 0);
  const steps = rewriteSteps(fs, b, src, maxSeq);
  for (let r = steps.next(); ; r = steps.next()) if (r.done === true) return r.value;
}

/** Writes buf[0, len) at 0 in 1 MiB pieces, yielding between them. */
async function writeSliced(fs: FileStore, fd: number, buf: Buffer, len: number): Promise<void> {
  for (let off = 0; off < len; off += 1 << 20) {
    writeAll(fs.io, fd, buf, off, Math.min(1 << 20, len - off), off);
    await yieldTurn();
  }
}

/** Smallest block worth compacting, and the share of it that must be dead. */
const MIN_COMPACT_BYTES = 1 << 20;

/**
 * Compacts blocks whose removed messages make up at least half their bytes, one block at a
 * time in the background, in slices. Removals that happen meanwhile are carried into the copy
 * as a tombstone (a few rounds at most); an erase meanwhile abandons it.
 */
export class Compactor {
  private readonly fs: FileStore;
  private readonly queue = new Set<Block>();
  private running = false;
  private readonly minBytes: number;

  constructor(fs: FileStore, blockSize: number) {
    this.fs = fs;
    this.minBytes = Math.min(Math.floor(blockSize / 2), MIN_COMPACT_BYTES);
  }

  /** Looks at `b` after a removal from it. */
  consider(b: Block): void {
    if (b.gone || b === this.fs.tail || this.queue.has(b)) return;
    const size = b.fileLen + b.pendingLen;
    if (size < this.minBytes || b.deadBytes * 2 < size) return;
    this.queue.add(b);
    this.kick();
  }

  /** Settles when the queue is empty, or (store stopping) when the running job has ended. */
  async idle(): Promise<void> {
    for (;;) {
      if (this.fs.isClosed) this.queue.clear();
      if (!this.running && this.queue.size === 0) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private kick(): void {
    if (this.running || this.queue.size === 0 || this.fs.isClosed) return;
    this.running = true;
    setImmediate(() => {
      const b = this.queue.values().next().value as Block;
      this.queue.delete(b);
      this.compact(b).catch(() => {
        // A failed compaction leaves the block as it was; it is only a space optimisation.
      }).finally(() => {
        this.running = false;
        this.kick();
      });
    });
  }

  private changed(b: Block, nonce: number, erases: number): boolean {
    return this.fs.isClosed || b.gone || b.nonce !== nonce || b.eraseCount !== erases;
  }

  private async compact(b: Block): Promise<void> {
    const fs = this.fs;
    if (b.gone || b === fs.tail || fs.isClosed || !fs.flushBlock(b)) return;
    const nonce0 = b.nonce;
    const erases0 = b.eraseCount;
    const rw = await buildRewrite(fs, b, Infinity);
    if (this.changed(b, nonce0, erases0)) return;
    const tmp = `${b.path}.tmp`;
    const fd = fs.io.openSync(tmp, "w+");
    let dead = 0;
    let swapped = false;
    try {
      await writeSliced(fs, fd, rw.out, rw.len);
      for (let round = 0; round < 3; round++) {
        await fsyncP(fs.io, fd);
        if (this.changed(b, nonce0, erases0)) return;
        const removed: number[] = [];
        for (let i = 0; i < rw.seqs.length; i++) {
          if (rw.offs[i]! >= 0 && !fs.index.has(rw.seqs[i]!)) {
            removed.push(rw.seqs[i]!);
            rw.offs[i] = -1;
          }
        }
        if (removed.length === 0) {
          fs.swapBlockFile(b, tmp, fd, rw, dead);
          swapped = true;
          return;
        }
        const rec = encodeTombstone(removed, Math.floor(Date.now()));
        writeAll(fs.io, fd, rec, 0, rec.length, rw.len);
        rw.len += rec.length;
        dead += rec.length;
      }
    } finally {
      if (!swapped) {
        fs.io.closeSync(fd);
        fs.io.unlinkSync(tmp);
      }
    }
  }
}

/**
 * Saves the in-memory index to `msgs/index.db` (temporary file, fsync, rename) so the next
 * open need not replay the blocks. Best effort: it is only a cache.
 */
export async function saveIndex(fs: FileStore): Promise<void> {
  const io = fs.io;
  const subj = fs.subjects.exportState();
  const ttl = fs.ttlState();
  const chunks = encodeIndex({
    lastSeq: fs.lastSeq, lastTsMs: fs.lastTsMs, lastTsNs: fs.lastTsNs, floorSeq: fs.floorSeq,
    msgs: fs.msgs, bytes: fs.bytes,
    blocks: fs.blocks.map((b) => ({
      index: b.index, firstSeq: b.firstSeq, lastSeq: b.lastSeq, fileLen: b.fileLen, nonce: b.nonce, live: b.live,
      deadBytes: b.deadBytes, hasFloor: b.hasFloor,
    })),
    names: subj.names, subjMsgs: subj.msgs, subjFirst: subj.first, subjLast: subj.last, subjStale: subj.stale,
    ttlAt: ttl.at, ttlSeq: ttl.seqs, never: ttl.never,
  }, fs.index.allPages());
  chunks.push(indexTrailer(chunks));
  const path = join(fs.msgDir, INDEX_FILE);
  const tmp = `${path}.tmp`;
  let fd = -1;
  try {
    fd = io.openSync(tmp, "w+");
    let pos = 0;
    let slice = performance.now();
    for (const ch of chunks) {
      writeAll(io, fd, ch, 0, ch.length, pos);
      pos += ch.length;
      if (performance.now() - slice > 5) {
        await yieldTurn();
        slice = performance.now();
      }
    }
    await fsyncP(io, fd);
    io.renameSync(tmp, path);
  } catch {
    try {
      io.unlinkSync(tmp);
    } catch {
      // Nothing to clean up.
    }
  } finally {
    if (fd >= 0) io.closeSync(fd);
  }
}
