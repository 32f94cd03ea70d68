/**
 * One block (segment) file of a file store: where its bytes end on disk, the records appended
 * since the last group commit (`pending`), the removals to tombstone, and counts used to
 * decide when the block can go. Appends only ever go to the tail block; tombstones and erases
 * go to the block that holds the message.
 */
import { BLOCK_HEADER_LEN, writeBlockHeader } from "./records.js";

/** A random 32-bit block nonce. */
export function newNonce(): number {
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

const INITIAL_PENDING = 64 * 1024;
/** A pending buffer larger than this is dropped after a flush rather than kept for reuse. */
const KEEP_PENDING_MAX = 4 * 1024 * 1024;

export class Block {
  readonly index: number;
  readonly path: string;
  fd: number;
  /** Sequences below this belong to earlier blocks. */
  readonly firstSeq: number;
  /** Random per file (see writeBlockHeader). */
  nonce: number;
  /** Highest sequence recorded here (message or skip); firstSeq - 1 when none. */
  lastSeq: number;
  /** Bytes handed to the OS (the next write goes here). */
  fileLen = 0;
  pending: Buffer = Buffer.allocUnsafe(INITIAL_PENDING);
  pendingLen = 0;
  /** Removed sequences, tombstoned at the next flush. */
  tombs: number[] = [];
  /** Offsets and lengths of records to overwrite (eraseMsg), after their tombstones are written. */
  erases: number[] = [];
  /** Erases so far (a compaction in flight gives up when this moves). */
  eraseCount = 0;
  /** Live messages held here. */
  live = 0;
  /** Bytes of removed messages still in the file (what a rewrite would reclaim). */
  deadBytes = 0;
  /** Holds a floor record (its deletion may need the floor re-written elsewhere). */
  hasFloor = false;
  /** Written since its last fsync. */
  unsynced = false;
  /** Removed from the store (file unlinked or about to be). */
  gone = false;

  constructor(index: number, path: string, fd: number, firstSeq: number, nonce: number) {
    this.index = index;
    this.path = path;
    this.fd = fd;
    this.firstSeq = firstSeq;
    this.nonce = nonce;
    this.lastSeq = firstSeq - 1;
  }

  /** A new block: its header goes into the pending bytes. */
  static create(index: number, path: string, fd: number, firstSeq: number): Block {
    const b = new Block(index, path, fd, firstSeq, newNonce());
    writeBlockHeader(b.reserve(BLOCK_HEADER_LEN), 0, index, firstSeq, b.nonce);
    b.pendingLen = BLOCK_HEADER_LEN;
    return b;
  }

  /** Where the next appended record starts. */
  get end(): number {
    return this.fileLen + this.pendingLen;
  }

  /** Whether there is anything to write. */
  get dirty(): boolean {
    return this.pendingLen > 0 || this.tombs.length > 0 || this.erases.length > 0;
  }

  /** The pending buffer with room for `n` more bytes at `pendingLen`. */
  reserve(n: number): Buffer {
    const need = this.pendingLen + n;
    if (need > this.pending.length) {
      let cap = this.pending.length * 2;
      while (cap < need) cap *= 2;
      const b = Buffer.allocUnsafe(cap);
      this.pending.copy(b, 0, 0, this.pendingLen);
      this.pending = b;
    }
    return this.pending;
  }

  /** Appends an encoded record. */
  append(rec: Buffer): void {
    rec.copy(this.reserve(rec.length), this.pendingLen);
    this.pendingLen += rec.length;
  }

  /** After the pending bytes were written. */
  written(): void {
    this.fileLen += this.pendingLen;
    this.pendingLen = 0;
    this.unsynced = true;
    if (this.pending.length > KEEP_PENDING_MAX) this.pending = Buffer.allocUnsafe(INITIAL_PENDING);
  }
}
