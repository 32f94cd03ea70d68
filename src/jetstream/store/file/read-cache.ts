/**
 * A few read windows over block files, so reads cost one positional read per window rather
 * than one per message (nats-server keeps whole blocks cached for the same reason):
 * - a read that starts where the previous one ended (give or take a few removed records),
 *   a consumer going through the stream in order, fetches READ_AHEAD bytes from there;
 * - any other read (a KV get, a direct get) fetches the RANDOM_WINDOW-aligned window around
 *   its record, so gets of recent keys, packed at the end of the tail block, stay in memory.
 * At most MAX_WINDOWS are kept per store, the least recently used one goes first; and every
 * store's windows together stay within one {@link ReadBudget} (server-wide), so a thousand
 * streams cannot pin a thousand times four windows.
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
/** What one store's windows can hold at most: its budget when it shares none. */
export const STORE_WINDOW_BYTES = MAX_WINDOWS * READ_AHEAD;
/** Server-wide default: every file store's read windows together (JetStream engine). */
export const DEFAULT_READ_BUDGET_BYTES = 64 * 1024 * 1024;

/** One window: a copy of `buf.length` bytes of a block file from `start`. */
export class ReadWindow {
  /** Neighbours in the budget's least-recently-used list. */
  newer: ReadWindow | null = null;
  older: ReadWindow | null = null;
  constructor(
    readonly owner: ReadCache,
    readonly block: Block,
    readonly fd: number,
    readonly nonce: number,
    readonly start: number,
    readonly buf: Buffer,
  ) {}
}

/**
 * The bytes every store's read windows may hold together, with one least-recently-used list
 * across all of them (intrusive links: a hit moves its window to the front without
 * allocating). Loading a window past the budget evicts the oldest ones, from any store.
 */
export class ReadBudget {
  /** Bytes held by windows now. */
  bytes = 0;
  /** Windows held now. */
  windows = 0;
  /** Windows dropped to stay within the budget (not those invalidated by their store). */
  evictions = 0;
  private newest: ReadWindow | null = null;
  private oldest: ReadWindow | null = null;

  constructor(readonly maxBytes: number = DEFAULT_READ_BUDGET_BYTES) {}

  /** Adds a freshly loaded window (most recent), evicting the oldest others past the budget. */
  add(w: ReadWindow): void {
    this.link(w);
    this.bytes += w.buf.length;
    this.windows++;
    while (this.bytes > this.maxBytes && this.oldest !== null && this.oldest !== w) {
      const old = this.oldest;
      this.remove(old);
      old.owner.evicted(old);
      this.evictions++;
    }
  }

  /** Marks `w` most recently used. */
  touch(w: ReadWindow): void {
    if (this.newest === w) return;
    this.unlink(w);
    this.link(w);
  }

  /** Takes `w` out (its store dropped it). */
  remove(w: ReadWindow): void {
    this.unlink(w);
    this.bytes -= w.buf.length;
    this.windows--;
  }

  private link(w: ReadWindow): void {
    w.older = this.newest;
    w.newer = null;
    if (this.newest !== null) this.newest.newer = w;
    this.newest = w;
    if (this.oldest === null) this.oldest = w;
  }

  private unlink(w: ReadWindow): void {
    if (w.newer !== null) w.newer.older = w.older;
    else this.newest = w.older;
    if (w.older !== null) w.older.newer = w.newer;
    else this.oldest = w.newer;
    w.newer = null;
    w.older = null;
  }
}

export class ReadCache {
  /** Where the record asked for starts in the buffer {@link read} returned. */
  at = 0;
  /** Most recently used first. */
  private windows: ReadWindow[] = [];
  private lastBlock: Block | null = null;
  private lastEnd = -1;

  constructor(
    private readonly io: StoreFs,
    private readonly budget: ReadBudget = new ReadBudget(STORE_WINDOW_BYTES),
  ) {}

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
      this.budget.touch(w);
      this.at = off - w.start;
      return w.buf;
    }
    const start = sequential ? off : off - (off % RANDOM_WINDOW);
    const end = Math.max(off + len, Math.min(start + (sequential ? READ_AHEAD : RANDOM_WINDOW), b.fileLen));
    const buf = Buffer.allocUnsafe(end - start);
    const n = this.io.readSync(b.fd, buf, 0, end - start, start);
    if (n < off + len - start) return null;
    const w = new ReadWindow(this, b, b.fd, b.nonce, start, n === buf.length ? buf : buf.subarray(0, n));
    ws.unshift(w);
    if (ws.length > MAX_WINDOWS) this.budget.remove(ws.pop()!);
    this.budget.add(w);
    this.at = off - start;
    return w.buf;
  }

  /** Forgets every window (a block's bytes changed under them, or the store closes). */
  invalidate(): void {
    for (const w of this.windows) this.budget.remove(w);
    this.windows = [];
    this.lastBlock = null;
    this.lastEnd = -1;
  }

  /** Bytes this store's windows hold now. */
  heldBytes(): number {
    let n = 0;
    for (const w of this.windows) n += w.buf.length;
    return n;
  }

  /** The budget dropped `w` (called by {@link ReadBudget.add} only). */
  evicted(w: ReadWindow): void {
    const i = this.windows.indexOf(w);
    if (i >= 0) this.windows.splice(i, 1);
  }
}
