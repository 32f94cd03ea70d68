/**
 * The read side both stores share: loads, queries (through queries.ts), state reports,
 * callback registration and consumers, on top of {@link StoreCore}.
 */
import { ErrStoreClosed, ErrTooManyResults } from "./errors.js";
import * as q from "./queries.js";
import { PAGE_SIZE } from "./seq-index.js";
import { newStoreMsg, StoreCore } from "./store-core.js";
import type {
  ConsumerStore, ConsumerStoreConfig, DurableHandler, SimpleState, StorageRemoveMsgHandler, StorageUpdateHandler,
  StoreMsg, StreamState, StreamStore, SubjectFilter,
} from "./types.js";

export { EMPTY_BUF, newStoreMsg } from "./store-core.js";

/** Longest deleted list {@link BaseStore.state} builds (a safety valve against huge gaps). */
const MAX_DELETED_LIST = 1 << 22;

export abstract class BaseStore extends StoreCore implements StreamStore {
  /** Creates the consumer state store for this stream. */
  protected abstract newConsumerStore(name: string, cfg: ConsumerStoreConfig): ConsumerStore;
  abstract get durableSeq(): number;
  abstract waitDurable(seq: number): Promise<void>;
  abstract flushAllPending(): void;
  abstract stop(): Promise<void>;
  abstract delete(): Promise<void>;

  // ---- reads ----

  loadMsg(seq: number, out?: StoreMsg): StoreMsg | null {
    if (this.closed) throw ErrStoreClosed;
    const p = this.index.page(seq);
    if (p === null) return null;
    const i = seq % PAGE_SIZE;
    const id = p.subj[i]!;
    if (id < 0) return null;
    const m = out ?? newStoreMsg();
    m.subject = this.subjects.names[id]!;
    m.seq = seq;
    m.tsMs = p.tsMs[i]!;
    m.tsNs = p.tsNs[i]!;
    return this.getPayload(seq, p, i, m) ? m : null;
  }

  /**
   * Loads the match at `seq`, moving on (with `next`) past messages whose bytes turn out to be
   * unreadable: the file store drops those when their checksum fails.
   */
  private loadAt(seq: number, out: StoreMsg | undefined, sel: q.Selector, forward: boolean): StoreMsg | null {
    for (let s = seq; s >= 0; s = forward ? q.nextMatch(this, sel, s + 1) : q.prevMatch(this, sel, s - 1)) {
      const m = this.loadMsg(s, out);
      if (m !== null) return m;
    }
    return null;
  }

  loadNextMsg(filter: string, wc: boolean, start: number, out?: StoreMsg): StoreMsg | null {
    if (this.closed) throw ErrStoreClosed;
    const sel = this.selector(filter, wc);
    return this.loadAt(q.nextMatch(this, sel, start), out, sel, true);
  }

  loadNextMsgMulti(filter: SubjectFilter, start: number, out?: StoreMsg): StoreMsg | null {
    if (this.closed) throw ErrStoreClosed;
    const sel = q.selectMany(this, filter);
    return this.loadAt(q.nextMatch(this, sel, start), out, sel, true);
  }

  loadLastMsg(subject: string, out?: StoreMsg): StoreMsg | null {
    if (this.closed) throw ErrStoreClosed;
    const sel = this.selector(subject);
    return this.loadAt(q.lastMatch(this, sel), out, sel, false);
  }

  loadPrevMsg(filter: string, wc: boolean, start: number, out?: StoreMsg): StoreMsg | null {
    if (this.closed) throw ErrStoreClosed;
    const sel = this.selector(filter, wc);
    return this.loadAt(q.prevMatch(this, sel, start), out, sel, false);
  }

  getSeqFromTime(tsMs: number, tsNs: number): number {
    return q.seqFromTime(this, tsMs, tsNs);
  }

  filteredState(seq: number, subject: string): SimpleState {
    return q.filteredState(this, seq, this.selector(subject), false);
  }

  subjectsState(filter: string): Map<string, SimpleState> {
    return q.subjectsState(this, filter);
  }

  subjectsTotals(filter: string): Map<string, number> {
    return q.subjectsTotals(this, filter);
  }

  allLastSeqs(): number[] {
    return q.allLastSeqs(this);
  }

  multiLastSeqs(filters: readonly string[], maxSeq: number, maxAllowed: number): number[] {
    const r = q.multiLastSeqs(this, filters, maxSeq, maxAllowed);
    if (r === null) throw ErrTooManyResults;
    return r;
  }

  subjectForSeq(seq: number): string | null {
    const p = this.index.page(seq);
    if (p === null) return null;
    const id = p.subj[seq % PAGE_SIZE]!;
    return id < 0 ? null : this.subjects.names[id]!;
  }

  numPending(sseq: number, filter: string, lastPerSubject: boolean): number {
    return q.filteredState(this, sseq, this.selector(filter), lastPerSubject).msgs;
  }

  numPendingMulti(sseq: number, filter: SubjectFilter, lastPerSubject: boolean): number {
    return q.filteredState(this, sseq, q.selectMany(this, filter), lastPerSubject).msgs;
  }

  fastState(): StreamState {
    let firstTsMs = 0;
    let firstTsNs = 0;
    if (this.msgs > 0) {
      const p = this.index.page(this.firstSeq);
      if (p !== null) {
        firstTsMs = p.tsMs[this.firstSeq % PAGE_SIZE]!;
        firstTsNs = p.tsNs[this.firstSeq % PAGE_SIZE]!;
      }
    }
    const span = this.lastSeq - this.firstSeq + 1;
    return {
      msgs: this.msgs,
      bytes: this.bytes,
      firstSeq: this.firstSeq,
      firstTsMs,
      firstTsNs,
      lastSeq: this.lastSeq,
      lastTsMs: this.lastTsMs,
      lastTsNs: this.lastTsNs,
      numSubjects: this.subjects.size,
      deleted: null,
      numDeleted: this.msgs > 0 && span > this.msgs ? span - this.msgs : 0,
      lost: this.lost === null ? null : { msgs: this.lost.msgs.slice(), bytes: this.lost.bytes },
      consumerCount: this.consumers.size,
    };
  }

  state(): StreamState {
    const st = this.fastState();
    if (st.numDeleted > 0) st.deleted = this.deletedList();
    return st;
  }

  /** Interior deleted sequences in [firstSeq, lastSeq], ascending. */
  private deletedList(): number[] {
    const out: number[] = [];
    let s = this.firstSeq;
    while (s <= this.lastSeq && out.length < MAX_DELETED_LIST) {
      const next = this.index.nextLive(s, this.lastSeq);
      const end = next < 0 ? this.lastSeq + 1 : next;
      for (let d = s; d < end && out.length < MAX_DELETED_LIST; d++) out.push(d);
      if (next < 0) break;
      s = next + 1;
    }
    return out;
  }

  // ---- callbacks and consumers ----

  registerStorageUpdates(cb: StorageUpdateHandler | null): void {
    this.scb = cb;
  }

  registerStorageRemoveMsg(cb: StorageRemoveMsgHandler | null): void {
    this.rmcb = cb;
  }

  registerDurableUpdates(cb: DurableHandler | null): void {
    this.dcb = cb;
  }

  consumerStore(name: string, cfg: ConsumerStoreConfig): ConsumerStore {
    if (this.closed) throw ErrStoreClosed;
    const cs = this.newConsumerStore(name, cfg);
    this.consumers.add(cs);
    return cs;
  }

  /** Called by a consumer store when it stops or is deleted. */
  forgetConsumer(cs: ConsumerStore): void {
    this.consumers.delete(cs);
  }

}
