/**
 * The write side both stores share (nats-server keeps it twice, in memstore.go and filestore.go):
 * sequence assignment, limits and discard policies, per-subject state, removal, purge,
 * compact, truncate, age and TTL expiry, and recovery. A store subclass supplies where the
 * message bytes live through a handful of hooks ({@link StoreCore.putPayload} and friends);
 * everything here is in-memory, synchronous and bounded. The read side is base-store.ts.
 */
import {
  ErrMaxBytes, ErrMaxMsgs, ErrMaxMsgsPerSubject, ErrMsgTooLarge, ErrSequenceMismatch, ErrStoreClosed,
} from "./errors.js";
import { subjectIsLiteral } from "../../sublist/subject.js";
import { MatchMemo } from "./filter.js";
import * as q from "./queries.js";
import { Page, PAGE_SIZE, SeqIndex } from "./seq-index.js";
import { SubjectTable } from "./subjects.js";
import { compareTs, msOf, nsOf, type StoreClock } from "./time.js";
import { TtlHeap } from "./ttl-heap.js";
import type {
  ConsumerStore, DurableHandler, LostStreamData, StorageRemoveMsgHandler, StorageType, StorageUpdateHandler,
  StoredPos, StoreMsg, StreamStoreConfig,
} from "./types.js";

/** Most removals one expiry pass makes before yielding the event loop. */
const EXPIRY_BATCH = 10_000;
/** nats-server never runs its age check more often than this. */
const MIN_EXPIRY_DELAY_MS = 250;
/** Emptied subject entries that trigger a sweep, and how many one turn deletes. */
const SWEEP_AT = 4096;
const SWEEP_BATCH = 20_000;
const ROLLUP_HDR = Buffer.from("\r\nNats-Rollup:", "latin1");

/** A fresh message holder for loads. */
export function newStoreMsg(): StoreMsg {
  return { subject: "", hdr: EMPTY_BUF, msg: EMPTY_BUF, seq: 0, tsMs: 0, tsNs: 0 };
}
export const EMPTY_BUF = Buffer.alloc(0);

export abstract class StoreCore implements q.IndexView {
  abstract readonly type: StorageType;
  readonly index: SeqIndex;
  readonly subjects = new SubjectTable();
  readonly memo = new MatchMemo();
  firstSeq = 0;
  lastSeq = 0;
  msgs = 0;
  bytes = 0;
  lastTsMs = 0;
  lastTsNs = 0;
  streamSubjects: readonly string[];
  protected cfg: StreamStoreConfig;
  protected readonly clock: StoreClock;
  protected closed = false;
  protected scb: StorageUpdateHandler | null = null;
  protected rmcb: StorageRemoveMsgHandler | null = null;
  protected dcb: DurableHandler | null = null;
  protected readonly ttls = new TtlHeap();
  /** Messages with `Nats-TTL: never`: exempt from max_age. */
  protected readonly neverExpire = new Set<number>();
  protected lost: LostStreamData | null = null;
  protected readonly consumers = new Set<ConsumerStore>();
  private expiryTimer: NodeJS.Timeout | null = null;
  private sweepScheduled = false;
  /** True inside a bulk removal: stores skip per-message upkeep (a memory slab repack). */
  protected bulkRemoving = false;
  /** Running totals of purgeEx's page loop (fields, so the loop allocates nothing). */
  private readonly bulk = { purged: 0, bytes: 0, lowSeq: 0, lowSubject: "", max: 0 };
  private expiryAt = 0;
  /** Reused selector for literal subjects (valid until the next selector() call). */
  private readonly literalScratch: q.Selector = {
    all: false,
    literal: "",
    filter: { subjects: [], matches: (subj) => subj === this.literalScratch.literal },
  };
  /** Selectors by filter subject: consumers ask with the same few filters over and over. */
  private readonly selectors = new Map<string, q.Selector>();

  protected constructor(cfg: StreamStoreConfig, clock: StoreClock, withData: boolean) {
    this.cfg = { ...cfg };
    this.streamSubjects = cfg.subjects.slice();
    this.clock = clock;
    this.index = new SeqIndex(withData);
  }

  // ---- hooks for the concrete store ----

  /** Bytes a message counts for (nats-server memStoreMsgSize / fileStoreMsgSize). */
  protected abstract msgSize(subjectLen: number, hdrLen: number, msgLen: number): number;
  /** Throws ErrStoreResources / ErrStoreIo when the store cannot take writes now. */
  protected abstract checkWritable(): void;
  /** Keeps the message bytes; may throw before anything changed (e.g. over the byte budget). */
  protected abstract putPayload(seq: number, tsMs: number, tsNs: number, subject: string, hdr: Buffer | null,
    msg: Buffer, page: Page, slot: number, size: number): void;
  /** Fills `out.hdr` and `out.msg` for a present message; false when its bytes are unreadable. */
  protected abstract getPayload(seq: number, page: Page, slot: number, out: StoreMsg): boolean;
  /** A bulk removal (compact, truncate) cleared this slot; no tombstone needed. */
  protected abstract slotCleared(seq: number, page: Page, slot: number): void;
  /** Forgets (and with `erase`, overwrites) one message's bytes; called before the slot is cleared. */
  protected abstract dropPayload(seq: number, page: Page, slot: number, erase: boolean): void;
  /** Persists a bulk removal: everything below `seq` ("floor") or above it ("truncate") is gone. */
  protected abstract bulkRemoved(kind: "floor" | "truncate", seq: number): void;
  /** Every message is gone (purge, truncate(0)); called after the index was cleared. */
  protected abstract cleared(): void;
  /** Persists that sequences [seq, seq+num) were used up without a message. */
  protected abstract skipped(seq: number, num: number): void;

  // ---- writes ----

  storeMsg(subject: string, hdr: Buffer | null, msg: Buffer, ttlSec: number, out?: StoredPos): number {
    const now = this.clock.now();
    let ms = msOf(now);
    let ns = nsOf(now);
    // Keep store time non-decreasing, so time lookups can binary-search.
    if (compareTs(ms, ns, this.lastTsMs, this.lastTsNs) < 0) {
      ms = this.lastTsMs;
      ns = this.lastTsNs;
    }
    const seq = this.storeInternal(subject, hdr, msg, 0, ms, ns, ttlSec, true);
    if (out !== undefined) {
      out.seq = seq;
      out.tsMs = ms;
      out.tsNs = ns;
    }
    return seq;
  }

  storeRawMsg(subject: string, hdr: Buffer | null, msg: Buffer, seq: number, tsMs: number, tsNs: number,
    ttlSec: number, discardNewCheck: boolean): void {
    this.storeInternal(subject, hdr, msg, seq, tsMs, tsNs, ttlSec, discardNewCheck);
  }

  /** nats-server storeRawMsg: checks, append, subject tracking, limits, TTL. Returns the sequence. */
  private storeInternal(subject: string, hdr: Buffer | null, msg: Buffer, reqSeq: number, tsMs: number,
    tsNs: number, ttlSec: number, discardNewCheck: boolean): number {
    if (this.closed) throw ErrStoreClosed;
    const hlen = hdr === null ? 0 : hdr.length;
    const cfg = this.cfg;
    if (cfg.maxMsgSize > 0 && hlen + msg.length > cfg.maxMsgSize) throw ErrMsgTooLarge;
    const size = this.msgSize(subject.length, hlen, msg.length);
    if (discardNewCheck && cfg.discard === "new") this.checkDiscardNew(subject, hdr, size);
    let seq = reqSeq;
    if (seq !== this.lastSeq + 1) {
      if (seq > 0) throw ErrSequenceMismatch;
      seq = this.lastSeq + 1;
    }
    this.checkWritable();
    const page = this.index.pageFor(seq);
    const slot = seq % PAGE_SIZE;
    try {
      this.putPayload(seq, tsMs, tsNs, subject, hdr, msg, page, slot, size);
    } catch (err) {
      this.index.dropIfEmpty(page);
      throw err;
    }
    const id = this.subjects.add(subject, seq);
    page.subj[slot] = id;
    page.size[slot] = size;
    page.tsMs[slot] = tsMs;
    page.tsNs[slot] = tsNs;
    page.live++;
    if (this.msgs === 0) this.firstSeq = seq;
    this.msgs++;
    this.bytes += size;
    this.lastSeq = seq;
    this.lastTsMs = tsMs;
    this.lastTsNs = tsNs;
    const maxp = cfg.maxMsgsPerSubject;
    if (maxp > 0 && this.subjects.msgs[id]! > maxp) this.enforcePerSubject(id);
    this.enforceLimits();
    if (ttlSec < 0) this.neverExpire.add(seq);
    else if (ttlSec > 0 && cfg.allowMsgTtl) {
      this.ttls.push(tsMs + ttlSec * 1000, seq);
      this.scheduleExpiry(tsMs + ttlSec * 1000);
    }
    if (cfg.maxAgeMs > 0 && this.expiryTimer === null) this.scheduleExpiry(tsMs + cfg.maxAgeMs);
    const cb = this.scb;
    if (cb !== null) cb(1, size, seq, subject);
    return seq;
  }

  /** Discard new refusals, exactly as nats-server orders them. */
  private checkDiscardNew(subject: string, hdr: Buffer | null, size: number): void {
    const cfg = this.cfg;
    const id = this.subjects.get(subject);
    const atSubjectLimit = id >= 0 && cfg.maxMsgsPerSubject > 0 && this.subjects.msgs[id]! >= cfg.maxMsgsPerSubject;
    // A rollup purges the subject after storing, so it may pass the per-subject limit.
    if (atSubjectLimit && cfg.discardNewPerSubject && (hdr === null || hdr.indexOf(ROLLUP_HDR) < 0)) {
      throw ErrMaxMsgsPerSubject;
    }
    // At the per-subject limit the new message replaces the subject's oldest: that is fine.
    if (cfg.maxMsgs > 0 && this.msgs >= cfg.maxMsgs && !atSubjectLimit) throw ErrMaxMsgs;
    if (cfg.maxBytes > 0 && this.bytes + size > cfg.maxBytes) {
      if (!atSubjectLimit) throw ErrMaxBytes;
      q.refreshSubject(this, id);
      const first = this.subjects.first[id]!;
      const p = this.index.page(first);
      if (p === null || p.subj[first % PAGE_SIZE]! < 0 || p.size[first % PAGE_SIZE]! < size) throw ErrMaxBytes;
    }
  }

  skipMsg(seq: number): number {
    const s = this.checkSkip(seq);
    this.skipped(s, 1);
    this.afterSkip(s);
    return s;
  }

  skipMsgs(seq: number, num: number): void {
    if (num <= 0) return;
    const s = this.checkSkip(seq);
    this.skipped(s, num);
    this.afterSkip(s + num - 1);
  }

  private checkSkip(seq: number): number {
    if (this.closed) throw ErrStoreClosed;
    if (seq !== this.lastSeq + 1) {
      if (seq > 0) throw ErrSequenceMismatch;
      return this.lastSeq + 1;
    }
    this.checkWritable();
    return seq;
  }

  private afterSkip(last: number): void {
    this.lastSeq = last;
    if (this.lastTsMs === 0) {
      const now = this.clock.now();
      this.lastTsMs = msOf(now);
      this.lastTsNs = nsOf(now);
    }
    if (this.msgs === 0) this.firstSeq = last + 1;
  }

  // ---- limits ----

  private enforcePerSubject(id: number): void {
    const maxp = this.cfg.maxMsgsPerSubject;
    while (this.subjects.msgs[id]! > maxp) {
      q.refreshSubject(this, id);
      if (!this.removeInternal(this.subjects.first[id]!, false, true)) break;
    }
  }

  private enforceLimits(): void {
    const cfg = this.cfg;
    if (cfg.discard !== "old") return;
    while (cfg.maxMsgs > 0 && this.msgs > cfg.maxMsgs) this.removeInternal(this.firstSeq, false, true);
    while (cfg.maxBytes > 0 && this.bytes > cfg.maxBytes) this.removeInternal(this.firstSeq, false, true);
  }

  updateConfig(cfg: StreamStoreConfig): void {
    if (this.closed) throw ErrStoreClosed;
    const oldMaxp = this.cfg.maxMsgsPerSubject;
    this.cfg = { ...cfg };
    this.streamSubjects = cfg.subjects.slice();
    this.selectors.clear();
    this.enforceLimits();
    const maxp = cfg.maxMsgsPerSubject;
    if (maxp > 0 && (oldMaxp <= 0 || maxp < oldMaxp)) {
      const over: number[] = [];
      this.subjects.forEach((id) => {
        if (this.subjects.msgs[id]! > maxp) over.push(id);
      });
      for (const id of over) this.enforcePerSubject(id);
    }
    if (!cfg.allowMsgTtl) this.ttls.clear();
    this.runExpiry();
  }

  // ---- removal ----

  removeMsg(seq: number): boolean {
    if (this.closed) throw ErrStoreClosed;
    return this.removeInternal(seq, false, true);
  }

  eraseMsg(seq: number): boolean {
    if (this.closed) throw ErrStoreClosed;
    return this.removeInternal(seq, true, true);
  }

  /** Removes one message; `notify` reports it to the storage-update callback. */
  protected removeInternal(seq: number, erase: boolean, notify: boolean): boolean {
    const p = this.index.page(seq);
    if (p === null) return false;
    const i = seq % PAGE_SIZE;
    const id = p.subj[i]!;
    if (id < 0) return false;
    const size = p.size[i]!;
    this.dropPayload(seq, p, i, erase);
    p.subj[i] = -1;
    p.live--;
    this.msgs--;
    this.bytes -= size;
    const subject = this.subjects.names[id]!;
    this.subjects.remove(id, seq);
    if (this.neverExpire.size > 0) this.neverExpire.delete(seq);
    if (seq === this.firstSeq) {
      const next = this.index.nextLive(seq + 1, this.lastSeq);
      this.firstSeq = next < 0 ? this.lastSeq + 1 : next;
    }
    this.index.dropIfEmpty(p);
    if (this.subjects.unswept >= SWEEP_AT) this.maybeSweep();
    const cb = this.scb;
    if (notify && cb !== null) cb(-1, -size, seq, subject);
    return true;
  }

  purge(): number {
    if (this.closed) throw ErrStoreClosed;
    return this.purgeAll(this.lastSeq + 1);
  }

  /** Drops everything and sets the next sequence to `floor`. */
  private purgeAll(floor: number): number {
    const purged = this.msgs;
    const bytes = this.bytes;
    this.bulkRemoved("floor", floor);
    this.index.clear();
    this.cleared();
    this.subjects.clear();
    this.ttls.clear();
    this.neverExpire.clear();
    this.msgs = 0;
    this.bytes = 0;
    this.firstSeq = floor;
    if (this.lastSeq < floor - 1) this.lastSeq = floor - 1;
    const cb = this.scb;
    if (cb !== null) cb(-purged, -bytes, 0, "");
    return purged;
  }

  purgeEx(subject: string, seq: number, keep: number): number {
    if (this.closed) throw ErrStoreClosed;
    if (seq === 1) return 0;
    let filter = subject;
    if (filter === "" || filter === ">") {
      if (keep === 0 && seq === 0) return this.purge();
      if (seq > 1) return this.compact(seq);
      filter = ">";
    }
    const sel = this.selector(filter);
    const ss = q.filteredState(this, 1, sel, false);
    if (ss.msgs === 0) return 0;
    let maxp = 0;
    if (keep > 0) {
      if (keep >= ss.msgs) return 0;
      maxp = ss.msgs - keep;
    }
    const last = seq >= 1 ? Math.min(seq - 1, ss.last) : ss.last;
    const st = this.subjects;
    const litId = sel.literal !== null ? st.get(sel.literal) : -1;
    const bulk = this.bulk;
    bulk.purged = 0;
    bulk.bytes = 0;
    bulk.lowSeq = 0;
    bulk.max = maxp > 0 ? maxp : Infinity;
    this.bulkRemoving = true;
    try {
      for (const no of this.index.pagesBetween(ss.first, last)) {
        const p = this.index.pageByNo(no);
        if (p === null) continue;
        const base = no * PAGE_SIZE;
        this.purgePage(p, base, Math.max(ss.first - base, 0), Math.min(last - base, PAGE_SIZE - 1), sel, litId);
        this.index.dropIfEmpty(p);
        if (bulk.purged >= bulk.max) break;
      }
    } finally {
      this.bulkRemoving = false;
      this.memo.reset();
    }
    const purged = bulk.purged;
    const bytes = bulk.bytes;
    const lowSeq = bulk.lowSeq;
    const lowSubject = lowSeq > 0 ? bulk.lowSubject : "";
    this.msgs -= purged;
    this.bytes -= bytes;
    if (!this.index.has(this.firstSeq)) {
      const next = this.index.nextLive(this.firstSeq, this.lastSeq);
      this.firstSeq = next < 0 ? this.lastSeq + 1 : next;
    }
    this.maybeSweep();
    const cb = this.scb;
    if (cb !== null && purged > 0) {
      if (purged === 1) cb(-1, -bytes, lowSeq, lowSubject);
      else cb(-purged, -bytes, 0, "");
    }
    return purged;
  }

  /** purgeEx over slots [lo, hi] of one page: a small tight loop V8 optimizes well. */
  private purgePage(p: Page, base: number, lo: number, hi: number, sel: q.Selector, litId: number): void {
    const bulk = this.bulk;
    const st = this.subjects;
    const subj = p.subj;
    const all = sel.all;
    for (let i = lo; i <= hi; i++) {
      const id = subj[i]!;
      if (id < 0) continue;
      if (!all && (litId >= 0 ? id !== litId : !this.memo.test(id, st.names[id]!, sel.filter))) continue;
      const seq = base + i;
      if (bulk.lowSeq === 0) {
        bulk.lowSeq = seq;
        bulk.lowSubject = st.names[id]!;
      }
      bulk.bytes += p.size[i]!;
      this.dropPayload(seq, p, i, false);
      this.clearSlotOnly(p, i, seq, id);
      if (++bulk.purged >= bulk.max) return;
    }
  }

  compact(seq: number): number {
    if (this.closed) throw ErrStoreClosed;
    if (seq === 0) return this.purge();
    if (this.firstSeq > seq) return 0;
    if (seq > this.lastSeq) return this.purgeAll(seq);
    this.bulkRemoved("floor", seq);
    const [purged, bytes] = this.clearRange(this.firstSeq, seq - 1);
    const next = this.index.nextLive(seq, this.lastSeq);
    this.firstSeq = next < 0 ? this.lastSeq + 1 : next;
    this.maybeSweep();
    const cb = this.scb;
    if (cb !== null) cb(-purged, -bytes, 0, "");
    return purged;
  }

  /** Removes every message in [from, to] (a bulk removal: no tombstones, no callbacks); returns [count, bytes]. */
  private clearRange(from: number, to: number): [number, number] {
    let purged = 0;
    let bytes = 0;
    for (const no of this.index.pagesBetween(from, to)) {
      const p = this.index.pageByNo(no)!;
      const base = no * PAGE_SIZE;
      const hi = Math.min(to - base, PAGE_SIZE - 1);
      for (let i = Math.max(from - base, 0); i <= hi; i++) {
        const id = p.subj[i]!;
        if (id < 0) continue;
        purged++;
        bytes += p.size[i]!;
        this.clearSlot(p, i, base + i, id);
      }
      this.index.dropIfEmpty(p);
    }
    this.msgs -= purged;
    this.bytes -= bytes;
    return [purged, bytes];
  }

  /** Clears one slot during a bulk removal (the caller adjusts the totals). */
  private clearSlot(p: Page, i: number, seq: number, id: number): void {
    this.slotCleared(seq, p, i);
    this.clearSlotOnly(p, i, seq, id);
  }

  /** Clears a slot's index entry (the caller dealt with the message bytes and the totals). */
  private clearSlotOnly(p: Page, i: number, seq: number, id: number): void {
    p.subj[i] = -1;
    p.live--;
    if (p.data !== null) p.data[i] = null;
    this.subjects.remove(id, seq);
    if (this.neverExpire.size > 0) this.neverExpire.delete(seq);
  }

  truncate(seq: number): void {
    if (this.closed) throw ErrStoreClosed;
    let purged = 0;
    let bytes = 0;
    if (seq === 0) {
      purged = this.msgs;
      bytes = this.bytes;
      this.bulkRemoved("truncate", 0);
      this.index.clear();
      this.cleared();
      this.subjects.clear();
      this.ttls.clear();
      this.neverExpire.clear();
      this.msgs = 0;
      this.bytes = 0;
      this.firstSeq = 0;
      this.lastSeq = 0;
      const now = this.clock.now();
      this.lastTsMs = msOf(now);
      this.lastTsNs = nsOf(now);
    } else {
      const lp = this.index.page(seq);
      if (lp !== null && lp.subj[seq % PAGE_SIZE]! >= 0) {
        this.lastTsMs = lp.tsMs[seq % PAGE_SIZE]!;
        this.lastTsNs = lp.tsNs[seq % PAGE_SIZE]!;
      }
      this.bulkRemoved("truncate", seq);
      [purged, bytes] = this.clearRange(seq + 1, this.lastSeq);
      this.lastSeq = seq;
      this.maybeSweep();
      if (this.msgs === 0) this.firstSeq = seq + 1;
    }
    const cb = this.scb;
    if (cb !== null) cb(-purged, -bytes, 0, "");
  }

  /** Deletes emptied subject entries in the background once enough have piled up. */
  protected maybeSweep(): void {
    if (this.sweepScheduled || this.subjects.unswept < SWEEP_AT) return;
    this.sweepScheduled = true;
    const step = (): void => {
      if (this.closed || this.subjects.sweep(SWEEP_BATCH) === 0) {
        this.sweepScheduled = false;
        return;
      }
      setImmediate(step);
    };
    setImmediate(step);
  }

  // ---- expiry (max_age, per-message TTL) ----

  /** Arms the expiry timer for `atMs` unless it already fires earlier. */
  protected scheduleExpiry(atMs: number): void {
    if (this.closed) return;
    if (this.expiryTimer !== null && this.expiryAt <= atMs) return;
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    const delay = Math.max(atMs - this.clock.now(), MIN_EXPIRY_DELAY_MS);
    this.expiryAt = atMs;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.runExpiry();
    }, delay);
    this.expiryTimer.unref();
  }

  /**
   * Removes what max_age and per-message TTLs say is due now (at most a batch per call, then
   * it continues on a later turn), and re-arms the timer. The timer calls it; tests driving a
   * fake clock call it directly.
   */
  runExpiry(): void {
    if (this.closed) return;
    const now = this.clock.now();
    let budget = EXPIRY_BATCH;
    const maxAge = this.cfg.maxAgeMs;
    let seq = this.firstSeq;
    if (maxAge > 0) {
      const cutoff = now - maxAge;
      while (budget > 0 && this.msgs > 0) {
        seq = this.index.nextLive(seq, this.lastSeq);
        if (seq < 0) break;
        const p = this.index.page(seq)!;
        if (p.tsMs[seq % PAGE_SIZE]! > cutoff) break;
        if (!this.neverExpire.has(seq)) {
          this.expire(seq);
          budget--;
        }
        seq++;
      }
    }
    const ttls = this.ttls;
    while (budget > 0 && ttls.size > 0 && ttls.peekAt() <= now) {
      const s = ttls.peekSeq();
      ttls.pop();
      if (this.index.has(s)) {
        this.expire(s);
        budget--;
      }
    }
    if (budget === 0) {
      setImmediate(() => this.runExpiry());
      return;
    }
    let next = ttls.peekAt();
    if (maxAge > 0 && this.msgs > 0) {
      const f = this.index.nextLive(Math.max(seq, this.firstSeq), this.lastSeq);
      if (f >= 0) next = Math.min(next, this.index.page(f)!.tsMs[f % PAGE_SIZE]! + maxAge);
    }
    if (next !== Infinity) this.scheduleExpiry(next);
  }

  private expire(seq: number): void {
    const rm = this.rmcb;
    if (rm !== null) rm(seq);
    else this.removeInternal(seq, false, true);
  }

  protected cancelExpiry(): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  /** The selector for `filter` (`wc` false: taken literally, as nats-server's subjectsEqual). */
  protected selector(filter: string, wc = true): q.Selector {
    if (filter !== "" && filter !== ">" && (!wc || subjectIsLiteral(filter))) {
      // The common case (last-by-subject, a literal consumer filter): no lookup, no allocation.
      const sel = this.literalScratch;
      sel.literal = filter;
      return sel;
    }
    const key = wc ? filter : "\u0000" + filter;
    let sel = this.selectors.get(key);
    if (sel === undefined) {
      sel = q.selectOne(this, filter);
      if (this.selectors.size >= 256) this.selectors.clear();
      this.selectors.set(key, sel);
    }
    return sel;
  }

  /** Marks the store closed and stops its timers; subclasses add their own teardown. */
  protected closeBase(): void {
    this.closed = true;
    this.cancelExpiry();
  }

  /** Whether stop() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The configuration in force. */
  get storeConfig(): StreamStoreConfig {
    return this.cfg;
  }

  // ---- recovery (used by the file store while it opens; no limits, no callbacks) ----

  /** Inserts a recovered message (a second copy of `seq` replaces the first). */
  restoreMsg(seq: number, subject: string, size: number, tsMs: number, tsNs: number, aux: number): void {
    if (this.index.has(seq)) this.removeInternal(seq, false, false);
    const page = this.index.pageFor(seq);
    const slot = seq % PAGE_SIZE;
    page.subj[slot] = this.subjects.add(subject, seq);
    page.size[slot] = size;
    page.tsMs[slot] = tsMs;
    page.tsNs[slot] = tsNs;
    page.aux[slot] = aux;
    page.live++;
    this.msgs++;
    this.bytes += size;
    if (seq > this.lastSeq) this.restoreLast(seq, tsMs, tsNs);
  }

  /** Removes a recovered message named by a tombstone. */
  restoreRemove(seq: number): void {
    this.removeInternal(seq, false, false);
  }

  /** Applies a recovered floor: every message below `floor` is gone. */
  restoreFloor(floor: number): void {
    this.clearRange(0, floor - 1);
    if (this.lastSeq < floor - 1) this.lastSeq = floor - 1;
  }

  /** Notes a recovered sequence (message or skip) and its time. */
  restoreLast(seq: number, tsMs: number, tsNs: number): void {
    if (seq < this.lastSeq) return;
    this.lastSeq = seq;
    this.lastTsMs = tsMs;
    this.lastTsNs = tsNs;
  }

  /** Recovered TTL state of one message (`Nats-TTL` seconds, -1 never). */
  restoreTtl(seq: number, tsMs: number, ttlSec: number): void {
    if (ttlSec < 0) this.neverExpire.add(seq);
    else if (ttlSec > 0 && this.cfg.allowMsgTtl) this.ttls.push(tsMs + ttlSec * 1000, seq);
  }

  /** Ends recovery: sets the first sequence and starts expiry. */
  restoreDone(): void {
    const first = this.index.nextLive(0, this.lastSeq);
    this.firstSeq = first >= 0 ? first : this.lastSeq + 1;
    if (this.lastSeq === 0 && this.msgs === 0) this.firstSeq = 0;
    this.runExpiry();
  }

  /** Sets up a new, empty store whose first sequence is configured (nats-server first_seq). */
  protected initFirstSeq(): void {
    const first = this.cfg.firstSeq;
    if (first > 1) {
      this.bulkRemoved("floor", first);
      this.firstSeq = first;
      this.lastSeq = first - 1;
    } else {
      this.firstSeq = 0;
    }
  }
}
