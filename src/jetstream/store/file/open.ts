/**
 * Opening a file store: read every block's header, then replay its records into the in-memory
 * index (messages, tombstones, skips, floors), cutting torn tails and reporting corrupt
 * regions. Runs in slices of a few milliseconds so a big store opens without stalling the
 * event loop.
 */
import { join } from "node:path";
import { parseMessageTtl, ttlHeaderValue } from "../ttl-heap.js";
import { PAGE_SIZE } from "../seq-index.js";
import { Block } from "./block.js";
import type { FileStore } from "./file-store.js";
import {
  BLOCK_HEADER_LEN, KIND_ERASED, KIND_FLOOR, KIND_MSG, KIND_SKIP, KIND_TOMB, newParsedRecord, readBlockHeader,
  skipCount, tombstoneSeqs, type ParsedRecord,
} from "./records.js";
import { readRange, scanSome, yieldTurn, type ScanState, type ScanVisitor } from "./recovery.js";
import { decodeIndex, indexCrcOk, type IndexBlock, type IndexSnapshot } from "./index-file.js";

/** The index file's name inside `msgs/`. */
export const INDEX_FILE = "index.db";

/** Records replayed between checks of the time slice. */
const RECORDS_PER_CHECK = 512;
const SLICE_MS = 5;
/** Longest run of sequences listed as lost for one corrupt region. */
const MAX_LOST_LIST = 100_000;

/** A block whose first `end` bytes were taken from the index file (verified later by {@link scrub}). */
export type ScrubItem = [Block, number];

/**
 * Loads the store in `fs.msgDir` into `fs` (which is in recovering mode): from the index file
 * where it still describes a block, from the block's records otherwise. Returns the ranges
 * taken on trust from the index, for the background checksum scrub.
 */
export async function openBlocks(fs: FileStore): Promise<ScrubItem[]> {
  readHeaders(fs);
  const trusted = await useSnapshot(fs);
  let slice = performance.now();
  const blocks = [...fs.blocks];
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k]!;
    const start = trusted.get(b)?.fileLen ?? BLOCK_HEADER_LEN;
    const buf = start < b.fileLen ? await readRange(fs.io, b.fd, start, b.fileLen - start) : Buffer.alloc(0);
    const ap = new BlockApplier(fs, b, buf, start, trusted.has(b) ? b.lastSeq : b.firstSeq - 1);
    const st: ScanState = { off: 0, torn: false };
    const r = newParsedRecord();
    while (!st.torn && st.off < buf.length) {
      scanSome(buf, buf.length, r, ap, st, RECORDS_PER_CHECK);
      if (performance.now() - slice > SLICE_MS) {
        await yieldTurn();
        slice = performance.now();
      }
    }
    const end = start + st.off;
    if (end < b.fileLen) {
      // A torn tail: the write was cut short by a crash; it was never acknowledged.
      fs.io.ftruncateSync(b.fd, end);
      const next = blocks[k + 1];
      if (next !== undefined && b.lastSeq < next.firstSeq - 1) {
        // Only tombstones are appended to a block that is not the last: a cut that loses
        // messages is damage, not a crash.
        const seqs: number[] = [];
        for (let s = b.lastSeq + 1; s < next.firstSeq && seqs.length < MAX_LOST_LIST; s++) seqs.push(s);
        fs.reportCorrupt(b.path, end, b.fileLen - end, seqs);
      }
      b.fileLen = end;
    }
    ap.finish();
    if (b.firstSeq - 1 > fs.lastSeq) fs.lastSeq = b.firstSeq - 1;
  }
  return [...trusted].map(([b, e]) => [b, e.fileLen]);
}

/**
 * Reads `msgs/index.db` and loads what it says about the blocks that have not changed since
 * (same nonce, at least as long). Messages it lists in any other block are dropped again:
 * those blocks are read from their records.
 */
async function useSnapshot(fs: FileStore): Promise<Map<Block, IndexBlock>> {
  const trusted = new Map<Block, IndexBlock>();
  const path = join(fs.msgDir, INDEX_FILE);
  if (!fs.io.existsSync(path)) return trusted;
  let snap: IndexSnapshot | null = null;
  const fd = fs.io.openSync(path, "r");
  try {
    const buf = await readRange(fs.io, fd, 0, fs.io.sizeSync(fd));
    if (await indexCrcOk(buf)) snap = decodeIndex(buf, fs.index);
  } finally {
    fs.io.closeSync(fd);
  }
  if (snap === null) return trusted;
  const entries = new Map(snap.blocks.map((e) => [e.index, e]));
  for (const b of fs.blocks) {
    const e = entries.get(b.index);
    if (e !== undefined && e.nonce === b.nonce && e.firstSeq === b.firstSeq && b.fileLen >= e.fileLen) trusted.set(b, e);
    if (e !== undefined) {
      b.live = e.live;
      b.deadBytes = e.deadBytes;
      b.hasFloor = e.hasFloor;
      b.lastSeq = e.lastSeq;
    }
  }
  fs.restoreSnapshot(snap);
  const present = new Set(trusted.values());
  let last = fs.floorSeq - 1;
  for (const e of snap.blocks) {
    if (present.has(e)) {
      last = Math.max(last, e.lastSeq);
      continue;
    }
    for (let s = fs.index.nextLive(e.firstSeq, e.lastSeq); s >= 0; s = fs.index.nextLive(s + 1, e.lastSeq)) {
      fs.restoreRemove(s);
    }
  }
  if (present.size < snap.blocks.length && last < fs.lastSeq) {
    // The blocks read from their records say how far the stream goes.
    fs.lastSeq = last;
    const p = fs.index.page(last);
    const ok = p !== null && p.subj[last % PAGE_SIZE]! >= 0;
    fs.lastTsMs = ok ? p.tsMs[last % PAGE_SIZE]! : 0;
    fs.lastTsNs = ok ? p.tsNs[last % PAGE_SIZE]! : 0;
  }
  for (const b of fs.blocks) {
    if (trusted.has(b)) continue;
    b.live = 0;
    b.deadBytes = 0;
    b.hasFloor = false;
    b.lastSeq = b.firstSeq - 1;
  }
  return trusted;
}

/**
 * Verifies, in the background, the checksums of the block ranges taken from the index file:
 * a message whose record turns out damaged is reported and dropped, as a load would do.
 */
export async function scrub(fs: FileStore, items: ScrubItem[]): Promise<void> {
  let slice = performance.now();
  for (const [b, end] of items) {
    if (fs.isClosed || b.gone) continue;
    const nonce = b.nonce;
    let buf: Buffer;
    try {
      buf = await readRange(fs.io, b.fd, 0, end);
    } catch {
      continue;
    }
    if (fs.isClosed || b.gone || b.nonce !== nonce) continue;
    // Offsets of intact message records, ascending (records are scanned in file order).
    const intact: number[] = [];
    const regions: [number, number][] = [];
    const v: ScanVisitor = {
      record: (r, off) => {
        if (r.kind === KIND_MSG) intact.push(off);
      },
      corrupt: (from, to) => regions.push([from, to - from]),
    };
    const st: ScanState = { off: BLOCK_HEADER_LEN, torn: false };
    const r = newParsedRecord();
    while (!st.torn && st.off < buf.length) {
      scanSome(buf, buf.length, r, v, st, RECORDS_PER_CHECK);
      if (performance.now() - slice > SLICE_MS) {
        await yieldTurn();
        slice = performance.now();
        if (fs.isClosed || b.gone || b.nonce !== nonce) break;
      }
    }
    if (fs.isClosed || b.gone || b.nonce !== nonce) continue;
    if (st.off < buf.length) regions.push([st.off, buf.length - st.off]);
    if (regions.length === 0) continue;
    const lost: number[] = [];
    for (let s = fs.index.nextLive(b.firstSeq, b.lastSeq); s >= 0; s = fs.index.nextLive(s + 1, b.lastSeq)) {
      const off = fs.index.page(s)!.aux[s % PAGE_SIZE]!;
      if (off < end && !sortedHas(intact, off)) lost.push(s);
    }
    regions.forEach(([off, len], i) => fs.reportCorrupt(b.path, off, len, i === 0 ? lost : []));
    for (const s of lost) fs.removeMsg(s);
  }
}

/** Opens each `<n>.blk`, in order, keeping those with a valid header. */
function readHeaders(fs: FileStore): void {
  const io = fs.io;
  const names = io.readdirSync(fs.msgDir);
  for (const n of names) if (n.endsWith(".tmp")) io.unlinkSync(join(fs.msgDir, n));
  const blocks = names.filter((n) => /^\d+\.blk$/.test(n)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  const head = Buffer.alloc(BLOCK_HEADER_LEN);
  for (const name of blocks) {
    const path = join(fs.msgDir, name);
    const fd = io.openSync(path, "r+");
    const size = io.sizeSync(fd);
    const got = size >= BLOCK_HEADER_LEN ? io.readSync(fd, head, 0, BLOCK_HEADER_LEN, 0) : 0;
    const hdr = got === BLOCK_HEADER_LEN ? readBlockHeader(head, 0) : null;
    if (hdr === null) {
      io.closeSync(fd);
      if (size > BLOCK_HEADER_LEN) {
        // Not a block we can place: keep it aside for inspection and report it.
        fs.reportCorrupt(path, 0, size, []);
        io.renameSync(path, `${path}.bad`);
      } else {
        // Created by a crash just before its header reached the disk: empty.
        io.unlinkSync(path);
      }
      continue;
    }
    const b = new Block(hdr[0], path, fd, hdr[1], hdr[2]);
    b.fileLen = size;
    fs.blocks.push(b);
  }
}

/** Applies one block's records to the store and tracks what a corrupt region lost. */
class BlockApplier implements ScanVisitor {
  private readonly fs: FileStore;
  private readonly b: Block;
  private readonly buf: Buffer;
  private readonly tombs = new Set<number>();
  private readonly ttl: boolean;
  private lastMsgSeq: number;
  /** Corrupt regions: [offset, length, last good sequence before, first good sequence after]. */
  private readonly regions: [number, number, number, number][] = [];

  /** File offset of buf[0]. */
  private readonly base: number;

  constructor(fs: FileStore, b: Block, buf: Buffer, base: number, lastMsgSeq: number) {
    this.fs = fs;
    this.b = b;
    this.buf = buf;
    this.base = base;
    this.lastMsgSeq = lastMsgSeq;
    const cfg = fs.storeConfig;
    this.ttl = cfg.allowMsgTtl || cfg.maxAgeMs > 0;
  }

  record(r: ParsedRecord, at: number): void {
    const { fs, b } = this;
    const off = this.base + at;
    const open = this.regions.at(-1);
    if (open !== undefined && open[3] < 0 && (r.kind === KIND_MSG || r.kind === KIND_ERASED)) open[3] = r.seq;
    switch (r.kind) {
      case KIND_MSG:
        this.lastMsgSeq = r.seq;
        if (r.seq > b.lastSeq) b.lastSeq = r.seq;
        if (r.seq < fs.floorSeq) {
          b.deadBytes += r.len;
          break;
        }
        b.live++;
        fs.restoreMsg(r.seq, this.buf.toString("latin1", r.subjOff, r.subjOff + r.subjLen), r.len, r.tsMs, r.tsNs, off);
        if (this.ttl && r.hdrLen > 0) this.restoreTtl(r);
        break;
      case KIND_ERASED:
        this.lastMsgSeq = r.seq;
        if (r.seq > b.lastSeq) b.lastSeq = r.seq;
        fs.restoreLast(r.seq, r.tsMs, r.tsNs);
        b.deadBytes += r.len;
        if (this.holds(r.seq, off)) fs.restoreRemove(r.seq);
        break;
      case KIND_TOMB:
        b.deadBytes += r.len;
        for (const s of tombstoneSeqs(this.buf, r)) {
          this.tombs.add(s);
          if (fs.blockFor(s) === b && fs.index.has(s)) fs.restoreRemove(s);
        }
        break;
      case KIND_SKIP: {
        const last = r.seq + skipCount(this.buf, r) - 1;
        if (last > b.lastSeq) b.lastSeq = last;
        fs.restoreLast(last, r.tsMs, r.tsNs);
        break;
      }
      case KIND_FLOOR:
        b.deadBytes += r.len;
        b.hasFloor = true;
        if (r.seq > fs.floorSeq) fs.floorSeq = r.seq;
        fs.restoreFloor(r.seq);
        break;
      default:
        break;
    }
  }

  /** Whether the index entry for `seq` is the record at `off` of this block. */
  private holds(seq: number, off: number): boolean {
    const p = this.fs.index.page(seq);
    return p !== null && p.subj[seq % PAGE_SIZE]! >= 0 && p.aux[seq % PAGE_SIZE] === off && this.fs.blockFor(seq) === this.b;
  }

  private restoreTtl(r: ParsedRecord): void {
    const v = ttlHeaderValue(this.buf.subarray(r.hdrOff, r.hdrOff + r.hdrLen));
    if (v === null) return;
    const ttl = parseMessageTtl(v);
    if (ttl !== null) this.fs.restoreTtl(r.seq, r.tsMs, ttl);
  }

  corrupt(from: number, to: number): void {
    this.regions.push([this.base + from, to - from, this.lastMsgSeq, -1]);
  }

  /** Reports each corrupt region with the sequences it lost (not removed by a tombstone). */
  finish(): void {
    const { fs, b } = this;
    for (const [off, len, before, afterRaw] of this.regions) {
      const after = afterRaw < 0 ? b.lastSeq + 1 : afterRaw;
      const seqs: number[] = [];
      for (let s = before + 1; s < after && seqs.length < MAX_LOST_LIST; s++) {
        if (s >= fs.floorSeq && !this.tombs.has(s) && !fs.index.has(s)) seqs.push(s);
      }
      fs.reportCorrupt(b.path, off, len, seqs);
    }
  }
}

/** Whether ascending `a` holds `x` (binary search). */
function sortedHas(a: readonly number[], x: number): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
