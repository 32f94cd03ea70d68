/**
 * The per-message index of a stream: for each sequence, its subject id, accounted size and
 * timestamp, plus one store-specific column (the memory store's header length, the file
 * store's byte offset in its block) and, for the memory store, the message bytes. Columns are
 * typed arrays in pages of 4096 sequences, so scans are integer loops and removing a run of
 * messages drops whole pages. Pages with no live message are dropped, and a sorted list of the
 * page numbers present lets scans jump over gaps of any size (skipMsgs, compact past the end).
 */

export const PAGE_BITS = 12;
export const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

/** Bytes of one page's columns, which share one buffer: tsMs, aux (8 bytes), subj, size, tsNs (4). */
export const PAGE_BYTES = PAGE_SIZE * 28;

/** One page of 4096 consecutive sequences. A slot with `subj[i] < 0` holds no message. */
export class Page {
  readonly no: number;
  readonly tsMs: Float64Array;
  /** Store-specific number per message (file: offset in the block; memory: header length). */
  readonly aux: Float64Array;
  readonly subj: Int32Array;
  readonly size: Uint32Array;
  readonly tsNs: Uint32Array;
  /** The buffer holding the columns (PAGE_BYTES from `memOffset`), for the index file. */
  readonly mem: ArrayBuffer;
  readonly memOffset: number;
  /** Message bytes kept in their own buffer (memory store only: large messages). */
  readonly data: (Buffer | null)[] | null;
  /** Memory store: the page's messages packed into 64 KiB chunks (see memory-store.ts). */
  chunks: Buffer[] | null = null;
  /** Bytes used in the last chunk. */
  chunkFill = 0;
  /** Bytes of the chunks used, and of those the removed messages'. */
  slabUsed = 0;
  slabDead = 0;
  /** Live messages in this page. */
  live = 0;

  /**
   * A page with fresh columns, or with columns viewing `mem` at `offset` (8-aligned): the index
   * file maps its pages that way, without copying.
   */
  constructor(no: number, withData: boolean, mem?: ArrayBuffer, offset = 0) {
    this.no = no;
    this.mem = mem ?? new ArrayBuffer(PAGE_BYTES);
    this.memOffset = mem === undefined ? 0 : offset;
    let o = this.memOffset;
    this.tsMs = new Float64Array(this.mem, o, PAGE_SIZE);
    this.aux = new Float64Array(this.mem, (o += PAGE_SIZE * 8), PAGE_SIZE);
    this.subj = new Int32Array(this.mem, (o += PAGE_SIZE * 8), PAGE_SIZE);
    this.size = new Uint32Array(this.mem, (o += PAGE_SIZE * 4), PAGE_SIZE);
    this.tsNs = new Uint32Array(this.mem, o + PAGE_SIZE * 4, PAGE_SIZE);
    if (mem === undefined) this.subj.fill(-1);
    this.data = withData ? new Array<Buffer | null>(PAGE_SIZE).fill(null) : null;
  }
}

export class SeqIndex {
  private readonly pages = new Map<number, Page>();
  /** Page numbers present, ascending. */
  private order: number[] = [];
  private readonly withData: boolean;
  /** One-entry lookup cache: consecutive loads mostly hit the same page. */
  private lastPage: Page | null = null;

  constructor(withData: boolean) {
    this.withData = withData;
  }

  /** The page holding `seq`, or null. */
  page(seq: number): Page | null {
    const no = Math.floor(seq / PAGE_SIZE);
    const lp = this.lastPage;
    if (lp !== null && lp.no === no) return lp;
    const p = this.pages.get(no) ?? null;
    if (p !== null) this.lastPage = p;
    return p;
  }

  /** The page for `seq`, created if missing (appends only move forward, so it goes last). */
  pageFor(seq: number): Page {
    const p = this.page(seq);
    if (p !== null) return p;
    const no = Math.floor(seq / PAGE_SIZE);
    const np = new Page(no, this.withData);
    this.pages.set(no, np);
    const order = this.order;
    if (order.length === 0 || order[order.length - 1]! < no) order.push(no);
    else order.splice(lowerBound(order, no), 0, no);
    this.lastPage = np;
    return np;
  }

  /** Slot of `seq` inside its page. */
  static slot(seq: number): number {
    return seq % PAGE_SIZE;
  }

  /** Whether `seq` holds a message. */
  has(seq: number): boolean {
    const p = this.page(seq);
    return p !== null && p.subj[seq % PAGE_SIZE]! >= 0;
  }

  /** Drops `p` once it holds nothing. */
  dropIfEmpty(p: Page): void {
    if (p.live > 0) return;
    this.pages.delete(p.no);
    const i = lowerBound(this.order, p.no);
    if (this.order[i] === p.no) this.order.splice(i, 1);
    if (this.lastPage === p) this.lastPage = null;
  }

  /** Removes every page. */
  clear(): void {
    this.pages.clear();
    this.order = [];
    this.lastPage = null;
  }

  /** The first sequence >= `seq` (and <= `max`) holding a message, or -1. */
  nextLive(seq: number, max: number): number {
    let s = seq;
    while (s <= max) {
      const p = this.page(s);
      if (p === null || p.live === 0) {
        const next = this.nextPageStart(s);
        if (next < 0) return -1;
        s = next;
        continue;
      }
      const base = p.no * PAGE_SIZE;
      const end = Math.min(max - base, PAGE_MASK);
      const subj = p.subj;
      for (let i = s - base; i <= end; i++) if (subj[i]! >= 0) return base + i;
      s = base + PAGE_SIZE;
    }
    return -1;
  }

  /** The last sequence <= `seq` (and >= `min`) holding a message, or -1. */
  prevLive(seq: number, min: number): number {
    let s = seq;
    while (s >= min) {
      const p = this.page(s);
      if (p === null || p.live === 0) {
        const prev = this.prevPageEnd(s);
        if (prev < 0) return -1;
        s = prev;
        continue;
      }
      const base = p.no * PAGE_SIZE;
      const start = Math.max(min - base, 0);
      const subj = p.subj;
      for (let i = s - base; i >= start; i--) if (subj[i]! >= 0) return base + i;
      s = base - 1;
    }
    return -1;
  }

  /** First sequence of the first present page after the page of `seq`, or -1. */
  nextPageStart(seq: number): number {
    const no = Math.floor(seq / PAGE_SIZE);
    const i = upperBound(this.order, no);
    return i < this.order.length ? this.order[i]! * PAGE_SIZE : -1;
  }

  /** Last sequence of the last present page before the page of `seq`, or -1. */
  prevPageEnd(seq: number): number {
    const no = Math.floor(seq / PAGE_SIZE);
    const i = lowerBound(this.order, no) - 1;
    return i >= 0 ? this.order[i]! * PAGE_SIZE + PAGE_MASK : -1;
  }

  /** The first sequence in [from, to] holding a message of subject `id`, or -1. */
  nextWithSubject(from: number, to: number, id: number): number {
    for (const no of this.pagesBetween(from, to)) {
      const p = this.pages.get(no)!;
      const base = no * PAGE_SIZE;
      const hi = Math.min(to - base, PAGE_MASK);
      const subj = p.subj;
      for (let i = Math.max(from - base, 0); i <= hi; i++) if (subj[i] === id) return base + i;
    }
    return -1;
  }

  /** The last sequence in [from, to] holding a message of subject `id`, or -1. */
  prevWithSubject(from: number, to: number, id: number): number {
    const nos = this.pagesBetween(from, to);
    for (let k = nos.length - 1; k >= 0; k--) {
      const no = nos[k]!;
      const p = this.pages.get(no)!;
      const base = no * PAGE_SIZE;
      const lo = Math.max(from - base, 0);
      const subj = p.subj;
      for (let i = Math.min(to - base, PAGE_MASK); i >= lo; i--) if (subj[i] === id) return base + i;
    }
    return -1;
  }

  /** Live messages with sequence in [from, to]. Whole pages count by their live total. */
  countLive(from: number, to: number): number {
    let n = 0;
    for (const no of this.pagesBetween(from, to)) {
      const p = this.pages.get(no)!;
      const base = no * PAGE_SIZE;
      if (base >= from && base + PAGE_MASK <= to) {
        n += p.live;
        continue;
      }
      const lo = Math.max(from - base, 0);
      const hi = Math.min(to - base, PAGE_MASK);
      const subj = p.subj;
      for (let i = lo; i <= hi; i++) if (subj[i]! >= 0) n++;
    }
    return n;
  }

  /** Page numbers overlapping [from, to], ascending (a copy: callers may drop pages). */
  pagesBetween(from: number, to: number): number[] {
    const lo = lowerBound(this.order, Math.floor(from / PAGE_SIZE));
    const hi = upperBound(this.order, Math.floor(to / PAGE_SIZE));
    return this.order.slice(lo, hi);
  }

  /** The page with number `no` (from {@link pagesBetween}), if still present. */
  pageByNo(no: number): Page | null {
    return this.pages.get(no) ?? null;
  }

  /** Every page, ascending (for the index file). */
  allPages(): Page[] {
    return this.order.map((no) => this.pages.get(no)!);
  }

  /** Adds a page read back from the index file (pages arrive in ascending order). */
  addPage(p: Page): void {
    this.pages.set(p.no, p);
    this.order.push(p.no);
  }

  /** A page whose columns view `mem` at `offset` (from the index file). */
  mapPage(no: number, mem: ArrayBuffer, offset: number): Page {
    return new Page(no, this.withData, mem, offset);
  }

  /** Number of pages held (for tests and memory estimates). */
  get pageCount(): number {
    return this.pages.size;
  }
}

/** First index i with a[i] >= x. */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with a[i] > x. */
export function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
