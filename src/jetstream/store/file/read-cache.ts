/**
 * A read-ahead window over one block file, so a consumer reading a stream in order costs one
 * positional read per window rather than one per message (nats-server keeps a whole block's
 * cache for the same reason). A read that starts where the previous one ended (give or take
 * a few removed records) fetches READ_AHEAD bytes; any other read fetches just its record.
 *
 * A window is never written to once filled: loaded messages point into it (subarrays) and
 * stay valid after the window moves on. It is tied to the block's file descriptor and nonce,
 * which change when the block is rewritten, and it only covers bytes below the block's
 * `fileLen`, which never change once written except by an erase (its record is already out
 * of the index) or a rewrite (new nonce): a stale window is never served.
 */
import type { Block } from "./block.js";
import type { StoreFs } from "./io.js";

/** Bytes fetched by a sequential read. */
const READ_AHEAD = 128 * 1024;
/** A read this close after the previous one's end still counts as sequential. */
const SEQ_SLACK = 4096;
const EMPTY = Buffer.alloc(0);

export class ReadCache {
  /** Where the record asked for starts in the buffer {@link read} returned. */
  at = 0;
  private block: Block | null = null;
  private fd = -1;
  private nonce = 0;
  private start = 0;
  private buf: Buffer = EMPTY;
  private lastBlock: Block | null = null;
  private lastEnd = -1;

  constructor(private readonly io: StoreFs) {}

  /**
   * The bytes `[off, off + len)` of block `b` (which must lie below `b.fileLen`): returns a
   * buffer holding them at {@link at}, or null when the file is shorter (a failed read).
   */
  read(b: Block, off: number, len: number): Buffer | null {
    const sequential = b === this.lastBlock && off >= this.lastEnd && off - this.lastEnd <= SEQ_SLACK;
    this.lastBlock = b;
    this.lastEnd = off + len;
    if (b === this.block && b.fd === this.fd && b.nonce === this.nonce && off >= this.start && off + len <= this.start + this.buf.length) {
      this.at = off - this.start;
      return this.buf;
    }
    const want = sequential ? Math.max(len, Math.min(READ_AHEAD, b.fileLen - off)) : len;
    const buf = Buffer.allocUnsafe(want);
    const n = this.io.readSync(b.fd, buf, 0, want, off);
    if (n < len) return null;
    this.at = 0;
    if (!sequential) return buf;
    this.block = b;
    this.fd = b.fd;
    this.nonce = b.nonce;
    this.start = off;
    this.buf = n === want ? buf : buf.subarray(0, n);
    return this.buf;
  }

  /** Forgets the window (a block's bytes changed under it). */
  invalidate(): void {
    this.block = null;
    this.buf = EMPTY;
    this.lastBlock = null;
    this.lastEnd = -1;
  }
}
