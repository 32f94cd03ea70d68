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

/** Records replayed between checks of the time slice. */
const RECORDS_PER_CHECK = 512;
const SLICE_MS = 5;
/** Longest run of sequences listed as lost for one corrupt region. */
const MAX_LOST_LIST = 100_000;

/** Loads every block of `fs.msgDir` into `fs` (which is in recovering mode). */
export async function openBlocks(fs: FileStore): Promise<void> {
  readHeaders(fs);
  let slice = performance.now();
  const blocks = [...fs.blocks];
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k]!;
    const buf = await readRange(fs.io, b.fd, 0, b.fileLen);
    const ap = new BlockApplier(fs, b, buf);
    const st: ScanState = { off: BLOCK_HEADER_LEN, torn: false };
    const r = newParsedRecord();
    while (!st.torn && st.off < buf.length) {
      scanSome(buf, buf.length, r, ap, st, RECORDS_PER_CHECK);
      if (performance.now() - slice > SLICE_MS) {
        await yieldTurn();
        slice = performance.now();
      }
    }
    if (st.off < b.fileLen) {
      // A torn tail: the write was cut short by a crash; it was never acknowledged.
      fs.io.ftruncateSync(b.fd, st.off);
      const next = blocks[k + 1];
      if (next !== undefined && b.lastSeq < next.firstSeq - 1) {
        // Only tombstones are appended to a block that is not the last: a cut that loses
        // messages is damage, not a crash.
        const seqs: number[] = [];
        for (let s = b.lastSeq + 1; s < next.firstSeq && seqs.length < MAX_LOST_LIST; s++) seqs.push(s);
        fs.reportCorrupt(b.path, st.off, b.fileLen - st.off, seqs);
      }
      b.fileLen = st.off;
    }
    ap.finish();
    if (b.firstSeq - 1 > fs.lastSeq) fs.lastSeq = b.firstSeq - 1;
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
    const b = new Block(hdr[0], path, fd, hdr[1]);
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

  constructor(fs: FileStore, b: Block, buf: Buffer) {
    this.fs = fs;
    this.b = b;
    this.buf = buf;
    this.lastMsgSeq = b.firstSeq - 1;
    const cfg = fs.storeConfig;
    this.ttl = cfg.allowMsgTtl || cfg.maxAgeMs > 0;
  }

  record(r: ParsedRecord, off: number): void {
    const { fs, b } = this;
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
    this.regions.push([from, to - from, this.lastMsgSeq, -1]);
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
