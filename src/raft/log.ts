/**
 * The in-memory view of one group's log: a snapshot point, the entries after it, and three
 * marks — `stable` (durable on this node), `commit` and `applied`. The core owns it; the WAL
 * mirrors the durable part (etcd raft's raftLog = storage + unstable, folded into one array).
 */
import assert from "node:assert/strict";
import type { Entry } from "./types.js";

export class RaftLog {
  snapIndex = 0;
  snapTerm = 0;
  /** entries[i].index === snapIndex + 1 + i */
  entries: Entry[] = [];
  stable = 0;
  commit = 0;
  applied = 0;

  constructor(snapIndex: number, snapTerm: number, entries: Entry[]) {
    this.snapIndex = snapIndex;
    this.snapTerm = snapTerm;
    this.entries = entries.slice();
    for (let i = 0; i < entries.length; i++) assert.equal(entries[i]!.index, snapIndex + 1 + i, "log entries not contiguous");
    this.stable = this.lastIndex();
    this.commit = snapIndex;
    this.applied = snapIndex;
  }

  firstIndex(): number {
    return this.snapIndex + 1;
  }

  lastIndex(): number {
    return this.snapIndex + this.entries.length;
  }

  lastTerm(): number {
    const n = this.entries.length;
    return n === 0 ? this.snapTerm : this.entries[n - 1]!.term;
  }

  /** The term of entry `i`, or -1 when it was compacted away or does not exist yet. */
  term(i: number): number {
    if (i === this.snapIndex) return this.snapTerm;
    if (i < this.snapIndex || i > this.lastIndex()) return -1;
    return this.entries[i - this.snapIndex - 1]!.term;
  }

  entry(i: number): Entry {
    const e = this.entries[i - this.snapIndex - 1];
    assert.ok(e !== undefined && e.index === i, `entry ${i} not in log`);
    return e;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi] inclusive, at most `maxEntries` and about `maxBytes` (at least one). */
  slice(lo: number, hi: number, maxEntries: number, maxBytes: number): Entry[] {
    assert.ok(lo > this.snapIndex, "slice of compacted entries");
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= hi && out.length < maxEntries; i++) {
      const e = this.entry(i);
      bytes += e.data.length + 24;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** The first entry of `ents` whose term differs from ours at its index (0: none). */
  findConflict(ents: Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term` (etcd findConflictByTerm): where a
   * leader and follower whose logs diverge should probe next, skipping a whole term at a time.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.snapIndex; i--) if (this.term(i) <= term) return i;
    return i;
  }

  /** Appends `ents`, replacing any suffix from their first index. Never touches committed entries. */
  truncateAndAppend(ents: Entry[]): void {
    if (ents.length === 0) return;
    const first = ents[0]!.index;
    assert.ok(first > this.commit, `truncate at ${first} below commit ${this.commit}`);
    assert.ok(first <= this.lastIndex() + 1, `gap: append ${first} after ${this.lastIndex()}`);
    if (first <= this.lastIndex()) {
      this.entries.length = first - this.snapIndex - 1;
      if (this.stable >= first) this.stable = first - 1;
    }
    for (const e of ents) this.entries.push(e);
  }

  commitTo(i: number): void {
    if (i <= this.commit) return;
    assert.ok(i <= this.lastIndex(), `commit ${i} beyond last ${this.lastIndex()}`);
    this.commit = i;
  }

  /** Marks entries up to `i` durable if entry `i` still has `term` (it may have been replaced). */
  stableTo(i: number, term: number): void {
    if (i > this.stable && this.matchTerm(i, term)) this.stable = i;
  }

  /** Committed, durable entries not yet handed to the state machine. */
  toApply(): Entry[] {
    const hi = Math.min(this.commit, this.stable);
    if (hi <= this.applied) return [];
    return this.entries.slice(this.applied - this.snapIndex, hi - this.snapIndex);
  }

  /** Entries not yet durable. */
  unstable(): Entry[] {
    return this.entries.slice(this.stable - this.snapIndex);
  }

  /** Drops entries up to `index` (already in a snapshot the application took). */
  compact(index: number): void {
    if (index <= this.snapIndex) return;
    assert.ok(index <= this.applied, `compact ${index} beyond applied ${this.applied}`);
    this.snapTerm = this.term(index);
    this.entries.splice(0, index - this.snapIndex);
    this.snapIndex = index;
  }

  /** Replaces the whole log by a snapshot point (a follower installing the leader's snapshot). */
  restore(index: number, term: number): void {
    this.snapIndex = index;
    this.snapTerm = term;
    this.entries = [];
    this.stable = index;
    this.commit = index;
    this.applied = index;
  }
}
