/**
 * A few read windows over block files, so reads cost one positional read per window rather
 * than one per message (nats-server keeps whole blocks cached for the same reason):
 * - a read that starts where the previous one ended (give or take a few removed records),
 *   a consumer going through the stream in order, fetches READ_AHEAD bytes from there;
 * - any other read (a KV get, a direct get) fetches the RANDOM_WINDOW-aligned window around
 *   its record, so gets of recent keys, packed at the end of the tail block, stay in memory.
 * At most MAX_WINDOWS are kept, the least recently used one goes first.
 *
 * A window is never written to once filled: loaded messages point into it (subarrays) and
 * stay valid after it is dropped. It is tied to the block's file descriptor and nonce,
 * which change when the block is rewritten, and it only covers bytes below the block's
 * `fileLen`, which never change once written except by an erase (its record is already out
 * of the index) or a rewrite (new nonce): a stale window is never served.
 */
import type { Block } from "./block.js";
import type { StoreFs } from "./io.js";

/** Bytes fetched by a sequential read. */
const READ_AHEAD = 64 * 1024;
/** Size and alignment of the window fetched by any other read. */
const RANDOM_WINDOW = 32 * 1024;
const MAX_WINDOWS = 4;
/** A read this close after the previous one's end still counts as sequential. */
const SEQ_SLACK = 4096;

interface Window {
  block: Block;
  fd: number;
  nonce: number;
  start: number;
  buf: Buffer;
}

export class ReadCache {
  /** Where the record asked for starts in the buffer {@link read} returned. */
  at = 0;
  /** Most recently used first. */
  private windows: Window[] = [];
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
    const ws = this.windows;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      if (w.block !== b || off < w.start || off + len > w.start + w.buf.length) continue;
      if (w.fd !== b.fd || w.nonce !== b.nonce) continue;
      if (i > 0) {
        ws.splice(i, 1);
        ws.unshift(w);
      }
      this.at = off - w.start;
      return w.buf;
    }
    const start = sequential ? off : off - (off % RANDOM_WINDOW);
    const end = Math.max(off + len, Math.min(start + (sequential ? READ_AHEAD : RANDOM_WINDOW), b.fileLen));
    const buf = Buffer.allocUnsafe(end - start);
    const n = this.io.readSync(b.fd, buf, 0, end - start, start);
    if (n < off + len - start) return null;
    ws.unshift({ block: b, fd: b.fd, nonce: b.nonce, start, buf: n === buf.length ? buf : buf.subarray(0, n) });
    if (ws.length > MAX_WINDOWS) ws.pop();
    this.at = off - start;
    return ws[0]!.buf;
  }

  /** Forgets every window (a block's bytes changed under them). */
  invalidate(): void {
    this.windows = [];
    this.lastBlock = null;
    this.lastEnd = -1;
  }
}
