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
import {
  BLOCK_HEADER_LEN, encodeFloor, encodeSkip, encodeTombstone, KIND_MSG, newParsedRecord, writeBlockHeader,
} from "./records.js";
import { scanRecords, yieldTurn } from "./recovery.js";

/** A block's new content: its live messages (up to `maxSeq`), the floor, and its last sequence. */
export interface Rewrite {
  out: Buffer;
  /** New offset of every message kept. */
  offsets: Map<number, number>;
  nonce: number;
}

/**
 * Builds the rewritten content of `b`: a new header, the records of messages still live (and
 * <= maxSeq), the store's floor if the block carried one, and a skip record so the block still
 * accounts for the sequences up to its last one.
 */
export function buildRewrite(fs: FileStore, b: Block, maxSeq: number): Rewrite {
  const size = b.fileLen;
  const src = Buffer.allocUnsafe(size);
  if (size > 0) fs.io.readSync(b.fd, src, 0, size, 0);
  const nonce = newNonce();
  const head = Buffer.allocUnsafe(BLOCK_HEADER_LEN);
  writeBlockHeader(head, 0, b.index, b.firstSeq, nonce);
  const parts: Buffer[] = [head];
  let off = BLOCK_HEADER_LEN;
  let lastKept = b.firstSeq - 1;
  const offsets = new Map<number, number>();
  scanRecords(src, BLOCK_HEADER_LEN, size, newParsedRecord(), {
    record: (r, at) => {
      if (r.kind !== KIND_MSG || r.seq > maxSeq) return;
      const p = fs.index.page(r.seq);
      if (p === null || p.subj[r.seq % PAGE_SIZE]! < 0 || p.aux[r.seq % PAGE_SIZE] !== at) return;
      parts.push(src.subarray(at, at + r.len));
      offsets.set(r.seq, off);
      off += r.len;
      lastKept = r.seq;
    },
    corrupt: () => {},
  });
  const now = Math.floor(Date.now());
  if (b.hasFloor) parts.push(encodeFloor(fs.floorSeq, now));
  const last = Math.min(b.lastSeq, maxSeq);
  if (last > lastKept) parts.push(encodeSkip(lastKept + 1, last - lastKept, now, 0));
  return { out: Buffer.concat(parts), offsets, nonce };
}

/** Smallest block worth compacting, and the share of it that must be dead. */
const MIN_COMPACT_BYTES = 1 << 20;

/**
 * Compacts blocks whose removed messages make up at least half their bytes, one block per
 * turn in the background. Removals that happen while the copy is being fsynced are carried
 * into the copy as a tombstone (a few rounds at most); an erase meanwhile abandons the copy.
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

  /** Settles when the queue is empty (for tests and stop). */
  async idle(): Promise<void> {
    while (this.running || this.queue.size > 0) await new Promise((r) => setTimeout(r, 1));
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

  private async compact(b: Block): Promise<void> {
    const fs = this.fs;
    if (b.gone || b === fs.tail || fs.isClosed || !fs.flushBlock(b)) return;
    const nonce0 = b.nonce;
    const erases0 = b.eraseCount;
    const rw = buildRewrite(fs, b, Infinity);
    const tmp = `${b.path}.tmp`;
    const fd = fs.io.openSync(tmp, "w+");
    let len = rw.out.length;
    let dead = 0;
    let swapped = false;
    try {
      writeAll(fs.io, fd, rw.out, 0, len, 0);
      for (let round = 0; round < 3; round++) {
        await fsyncP(fs.io, fd);
        if (fs.isClosed || b.gone || b.nonce !== nonce0 || b.eraseCount !== erases0) return;
        const removed = [...rw.offsets.keys()].filter((s) => !fs.index.has(s)).sort((x, y) => x - y);
        if (removed.length === 0) {
          fs.swapBlockFile(b, tmp, fd, rw.nonce, rw.offsets, len, dead);
          swapped = true;
          return;
        }
        const rec = encodeTombstone(removed, Math.floor(Date.now()));
        writeAll(fs.io, fd, rec, 0, rec.length, len);
        len += rec.length;
        dead += rec.length;
        for (const s of removed) rw.offsets.delete(s);
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
