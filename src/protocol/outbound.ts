/**
 * A connection's outbound buffer: protocol frames are appended here while a read batch
 * is processed, then handed to the socket in one write per batch (nats-server
 * flushClients). When the socket took the previous write synchronously (nothing left
 * in `writableLength`) the same memory is reused, so the steady state allocates nothing.
 *
 * When the socket is backed up, each write stays queued in the socket, pinning its
 * memory. The next batches then go on into the rest of the same allocation (the part
 * not handed out), and new allocations are whole chunks of BACKED_UP_CHUNK: queued data
 * fills the memory it pins. (Starting each batch in a fresh buffer grown by doubling
 * pinned up to twice the data, ~1.8x measured with slow consumers, in buffers of
 * varying sizes that the allocator could not reuse well.)
 *
 * An outbound of a plain TCP socket with no memory of its own borrows one shared scratch buffer of
 * OUTBOUND_MIN_SIZE for a batch that fits in it, and gives it back once the socket took
 * the write synchronously, so a connection's INFO and PONG allocate nothing (a fresh
 * 1 KiB ArrayBuffer per connection was ~5% of the server's CPU in a connect storm). Only
 * one outbound holds the scratch at a time; while it does, others allocate as before. When
 * the socket queues a write from the scratch, the borrower keeps it as its own allocation
 * (what it would have allocated anyway) and a new scratch is made for the next borrower.
 */

/** Smallest allocation. */
const OUTBOUND_MIN_SIZE = 1024;
/**
 * A buffer grown past this for one large batch is dropped after the write. One read
 * (256 KiB, src/server/socket-reader.ts) of PUBs becomes a little more as MSGs for a
 * subscriber, so a keep limit of 256 KiB dropped the 512 KiB buffer of a busy 1:1
 * subscriber after every batch, and it grew again from 1 KiB by doubling: ten allocations
 * (~1 MiB of native memory) per 256 KiB read, measured with 1M × 1 KiB pub→sub, and glibc
 * then kept ~30 MB of freed heap after the run.
 */
const OUTBOUND_KEEP_MAX = 1024 * 1024;
/**
 * A connection that wrote fewer times than this since the last idle look (one per ping
 * interval) gives its buffer back: idle connections hold no outbound memory.
 */
const QUIET_WRITES = 16;
/** Allocation size while the socket holds earlier writes. */
const BACKED_UP_CHUNK = 256 * 1024;
/**
 * Written chunks kept for reuse while backed up. A subscriber that stays behind keeps
 * writing chunks and the socket keeps freeing them; without reuse each one was a fresh
 * 256 KiB allocation (639 for 1M × 1 KiB pub→sub), churn that left glibc's heap
 * fragmented and tens of megabytes above its start after the run (now 93 allocations and
 * glibc's heap back at its start). This covers the 4 MiB stall threshold
 * (src/server/server.ts), past which the producer waits. Spares are kept while the
 * subscriber goes in and out of backlog (dropping them whenever it caught up left 368
 * allocations) and dropped at the idle look, once per ping interval.
 */
const SPARE_BYTES_MAX = 4 * 1024 * 1024;
/** A tail left after a queued write smaller than this is not worth writing into. */
const TAIL_MIN = 4 * 1024;
const EMPTY = Buffer.alloc(0);

/** The shared scratch when free (null until first needed, or after a borrower kept it). */
let scratch: Buffer | null = null;
/** Set while an outbound holds the scratch. */
let scratchLent = false;

export class Outbound {
  /** Where frames go: `buf[0, len)` is pending; a view into `base` after a queued write. */
  buf: Buffer = EMPTY;
  len = 0;
  /** The whole allocation `buf` lies in. */
  private base: Buffer = EMPTY;
  /** Bytes handed out by the last take(). */
  private taken = 0;
  /** Set while earlier writes from this memory may still be queued in the socket. */
  private backedUp = false;
  /**
   * May borrow the shared scratch: set by the owner for a plain TCP socket, whose
   * `writableLength` of 0 after a write means the kernel took it all. With TLS sockets a
   * gateway peer got a garbled INFO (test/gateway/tls.test.ts; the cause is not pinned down).
   */
  shareScratch = false;
  /** `base` is the shared scratch, to give back after a synchronous write. */
  private borrowed = false;
  /** Writes since the last idle look, and the largest of them. */
  private writes = 0;
  private largestWrite = 0;
  /** The allocation is dropped at the next `recycle` (the idle look found it unused). */
  private dropOnRecycle = false;
  /** Writes handed out, and writes the socket has finished (they finish in order). */
  private writesOut = 0;
  private writesDone = 0;
  /**
   * Chunks left behind while backed up, oldest first, each with the number of the last
   * write that took bytes from it: free once that write is done. Null until first needed.
   */
  private retired: { chunk: Buffer; lastWrite: number }[] | null = null;
  /** Written chunks (BACKED_UP_CHUNK or larger) ready for reuse, and their bytes. */
  private spare: Buffer[] | null = null;
  private spareBytes = 0;

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    if (this.shareScratch && this.base === EMPTY && !scratchLent && need <= OUTBOUND_MIN_SIZE) {
      scratchLent = this.borrowed = true;
      this.buf = this.base = scratch ?? Buffer.allocUnsafeSlow(OUTBOUND_MIN_SIZE);
      scratch = null;
      return;
    }
    let size = this.backedUp ? BACKED_UP_CHUNK : Math.max(OUTBOUND_MIN_SIZE, this.buf.length * 2);
    while (size < need) size *= 2;
    let bigger: Buffer | undefined;
    if (this.backedUp) {
      // The socket may still hold writes from the current allocation.
      this.retire();
      bigger = this.takeSpare(size);
    }
    // Not from Node's shared 8 KiB pool: a 1 KiB slice given back at the idle look would
    // leave its slab pinned by the small long-lived slices around it (subscription sids).
    bigger ??= Buffer.allocUnsafeSlow(size);
    this.buf.copy(bigger, 0, 0, this.len);
    if (this.borrowed) this.giveBack();
    this.buf = this.base = bigger;
  }

  /** Appends bytes `src[start, end)`. Short runs are copied by hand: Buffer#copy allocates a view. */
  append(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    let o = this.len;
    if (n < 64) {
      for (let i = start; i < end; i++) buf[o++] = src[i]!;
    } else {
      buf.set(n === src.length ? src : src.subarray(start, end), o);
      o += n;
    }
    this.len = o;
  }

  /** Appends a latin1 string (protocol text). */
  appendString(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, "latin1");
  }

  /** Appends a non-negative integer in decimal without allocating. */
  appendInt(v: number): void {
    this.ensure(16);
    const buf = this.buf;
    if (v === 0) {
      buf[this.len++] = 48;
      return;
    }
    let digits = 0;
    for (let t = v; t > 0; t = Math.floor(t / 10)) digits++;
    let o = this.len + digits;
    this.len = o;
    for (let t = v; t > 0; t = Math.floor(t / 10)) buf[--o] = 48 + (t % 10);
  }

  /** Takes the pending bytes for one socket write; follow with `release` or `recycle`. */
  take(): Buffer {
    const chunk = this.buf.subarray(0, this.len);
    this.writes++;
    this.writesOut++;
    if (this.len > this.largestWrite) this.largestWrite = this.len;
    this.taken = this.len;
    this.len = 0;
    return chunk;
  }

  /**
   * After a write the socket did not finish synchronously: the bytes handed out are the
   * socket's until written; later frames go into the rest of the allocation.
   */
  release(): void {
    if (this.borrowed) {
      // The socket holds part of the scratch: it is this outbound's now.
      this.borrowed = scratchLent = false;
    }
    this.backedUp = true;
    const rest = this.buf.length - this.taken;
    this.buf = rest >= TAIL_MIN ? this.buf.subarray(this.taken) : EMPTY;
    if (this.buf === EMPTY) this.retire();
  }

  /** The socket finished one more write (its callback): chunks it was the last of are free. */
  written(): void {
    this.writesDone++;
    const retired = this.retired;
    if (retired === null) return;
    while (retired.length > 0 && retired[0]!.lastWrite <= this.writesDone) {
      const chunk = retired.shift()!.chunk;
      if (chunk.length < BACKED_UP_CHUNK || chunk.length > OUTBOUND_KEEP_MAX || this.spareBytes + chunk.length > SPARE_BYTES_MAX) continue;
      (this.spare ??= []).push(chunk);
      this.spareBytes += chunk.length;
    }
  }

  /** A written chunk of at least `size` bytes, if one is spare. */
  private takeSpare(size: number): Buffer | undefined {
    const spare = this.spare;
    if (spare === null || spare.length === 0 || spare[spare.length - 1]!.length < size) return undefined;
    const chunk = spare.pop()!;
    this.spareBytes -= chunk.length;
    return chunk;
  }

  private dropSpare(): void {
    this.spare = null;
    this.spareBytes = 0;
  }

  /** Leaves the current allocation to the writes that took bytes from it. */
  private retire(): void {
    if (this.base !== EMPTY) (this.retired ??= []).push({ chunk: this.base, lastWrite: this.writesOut });
    this.base = EMPTY;
  }

  /**
   * After a synchronous write (the socket holds nothing): all of the allocation is free
   * again, unless it grew large for one big message.
   */
  recycle(): void {
    this.backedUp = false;
    if (this.borrowed) {
      this.giveBack();
      this.dropOnRecycle = false;
      return;
    }
    this.buf = this.base.length > OUTBOUND_KEEP_MAX || this.dropOnRecycle ? EMPTY : this.base;
    if (this.buf === EMPTY) this.base = EMPTY;
    this.dropOnRecycle = false;
  }

  /** After a write: `queued` is what the socket still holds (its `writableLength`). */
  afterWrite(queued: number): void {
    if (queued === 0) this.recycle();
    else this.release();
  }

  /** Drops the pending bytes unwritten (a connection cut off or already gone). */
  discard(): void {
    this.len = 0;
    if (this.borrowed) this.giveBack();
  }

  /** Returns the scratch; this outbound has no memory again. */
  private giveBack(): void {
    scratch = this.base;
    this.borrowed = scratchLent = false;
    this.buf = this.base = EMPTY;
  }

  /**
   * Called once per ping interval, before the PING is queued: when the interval's writes
   * were few, or none of them needed a quarter of the allocation, the allocation is
   * dropped after the next synchronous write (that PING's), and grows again from
   * OUTBOUND_MIN_SIZE when needed. Idle connections then hold no outbound memory, and a
   * connection that once took a burst does not keep its burst-sized buffer. Spare chunks
   * are dropped in any case.
   */
  idleLook(): void {
    this.dropOnRecycle = this.writes < QUIET_WRITES || this.largestWrite * 4 < this.base.length;
    this.dropSpare();
    this.writes = 0;
    this.largestWrite = 0;
  }
}
