/**
 * Read-side algorithms over a store's index, shared by the memory and file stores: filtered
 * state and pending counts, next/previous/last lookups, per-subject views. Each picks between
 * scanning the sequence range (typed-array loops, subject match memoized per id) and walking
 * the per-subject table, whichever is smaller, as nats-server's memstore does with its fss.
 */
import { subjectIsLiteral, subjectIsSubsetMatch } from "../../sublist/subject.js";
import { isAllFilter, MatchMemo, singleFilter } from "./filter.js";
import { PAGE_SIZE, SeqIndex } from "./seq-index.js";
import { SubjectTable } from "./subjects.js";
import type { SimpleState, SubjectFilter } from "./types.js";

/** What the queries read: the index, the subject table and the stream bounds. */
export interface IndexView {
  readonly index: SeqIndex;
  readonly subjects: SubjectTable;
  readonly memo: MatchMemo;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly msgs: number;
  /** The stream's configured subjects (a filter covering them all selects everything). */
  readonly streamSubjects: readonly string[];
}

/** A filter as the queries see it: everything, one literal subject, or a matcher. */
export interface Selector {
  all: boolean;
  /** The subject when the filter is one literal subject, else null. */
  literal: string | null;
  filter: SubjectFilter;
}

const EMPTY: SimpleState = Object.freeze({ msgs: 0, first: 0, last: 0 }) as SimpleState;

/** Builds the selector for one filter subject ("" or ">" for all). */
export function selectOne(v: IndexView, filter: string): Selector {
  if (isAllFilter(filter) || coversStream(v, [filter])) return { all: true, literal: null, filter: singleFilter("") };
  return { all: false, literal: subjectIsLiteral(filter) ? filter : null, filter: singleFilter(filter) };
}

/** Builds the selector for a multi-subject filter. */
export function selectMany(v: IndexView, filter: SubjectFilter): Selector {
  const subs = filter.subjects;
  if (subs.length === 0 || subs.some(isAllFilter) || coversStream(v, subs)) {
    return { all: true, literal: null, filter };
  }
  if (subs.length === 1 && subjectIsLiteral(subs[0]!)) return { all: false, literal: subs[0]!, filter };
  return { all: false, literal: null, filter };
}

/** Whether every stream subject falls inside one of `filters` (nats-server filterIsAll). */
function coversStream(v: IndexView, filters: readonly string[]): boolean {
  const subs = v.streamSubjects;
  if (subs.length === 0) return false;
  return subs.every((s) => filters.some((f) => subjectIsSubsetMatch(s, f)));
}

/** Recomputes the stale first/last sequence of subject `id` by scanning the index. */
export function refreshSubject(v: IndexView, id: number): void {
  const st = v.subjects;
  if (st.isFirstStale(id)) {
    const from = Math.max(st.first[id]! + 1, v.firstSeq);
    const s = v.index.nextWithSubject(from, Math.min(st.last[id]!, v.lastSeq), id);
    if (s >= 0) st.setFirst(id, s);
    if (st.msgs[id] === 1 && s >= 0) st.setLast(id, s);
  }
  if (st.isLastStale(id)) {
    const s = v.index.prevWithSubject(st.first[id]!, Math.min(st.last[id]! - 1, v.lastSeq), id);
    if (s >= 0) st.setLast(id, s);
  }
}

/** Whether the message in slot `i` of `subj` matches the selector (memoized). */
function slotMatches(v: IndexView, sel: Selector, id: number): boolean {
  return v.memo.test(id, v.subjects.names[id]!, sel.filter);
}

/** State of the messages matching `sel` with sequence >= `sseq`. nats-server filteredStateLocked. */
export function filteredState(v: IndexView, sseq: number, sel: Selector, lastPerSubject: boolean): SimpleState {
  const start = Math.max(sseq, v.firstSeq);
  if (start > v.lastSeq || v.msgs === 0) return { ...EMPTY };
  if (sel.all) return allState(v, start, lastPerSubject);
  if (sel.literal !== null) return literalState(v, start, sel.literal, lastPerSubject);
  const range = v.lastSeq - start + 1;
  if (v.subjects.size < range) {
    const r = stateBySubjects(v, start, sel, lastPerSubject);
    if (r !== null) return r;
  }
  return stateByScan(v, start, sel, lastPerSubject);
}

function allState(v: IndexView, start: number, lastPerSubject: boolean): SimpleState {
  if (start <= v.firstSeq) {
    return { msgs: lastPerSubject ? v.subjects.size : v.msgs, first: v.firstSeq, last: v.lastSeq };
  }
  if (lastPerSubject) return stateBySubjects(v, start, { all: true, literal: null, filter: singleFilter("") }, true)!;
  const first = v.index.nextLive(start, v.lastSeq);
  if (first < 0) return { ...EMPTY };
  return { msgs: v.index.countLive(start, v.lastSeq), first, last: v.index.prevLive(v.lastSeq, first) };
}

function literalState(v: IndexView, start: number, subject: string, lastPerSubject: boolean): SimpleState {
  const id = v.subjects.get(subject);
  if (id < 0) return { ...EMPTY };
  refreshSubject(v, id);
  const st = v.subjects;
  const first = st.first[id]!;
  const last = st.last[id]!;
  if (start > last) return { ...EMPTY };
  if (lastPerSubject) return { msgs: 1, first: last, last };
  if (start <= first) return { msgs: st.msgs[id]!, first, last };
  let msgs = 0;
  let found = 0;
  for (const no of v.index.pagesBetween(start, last)) {
    const p = v.index.pageByNo(no)!;
    const base = no * PAGE_SIZE;
    const hi = Math.min(last - base, PAGE_SIZE - 1);
    const subj = p.subj;
    for (let i = Math.max(start - base, 0); i <= hi; i++) {
      if (subj[i] !== id) continue;
      if (found === 0) found = base + i;
      msgs++;
    }
  }
  return { msgs, first: found, last };
}

/** Per-subject totals; null when a subject straddles `start` (then a scan is needed). */
function stateBySubjects(v: IndexView, start: number, sel: Selector, lastPerSubject: boolean): SimpleState | null {
  const st = v.subjects;
  const out: SimpleState = { msgs: 0, first: 0, last: 0 };
  let partial = false;
  st.forEach((id, name) => {
    if (partial || (!sel.all && !sel.filter.matches(name))) return;
    refreshSubject(v, id);
    const first = st.first[id]!;
    const last = st.last[id]!;
    if (last < start) return;
    if (lastPerSubject) {
      out.msgs++;
      if (out.first === 0 || last < out.first) out.first = last;
      if (last > out.last) out.last = last;
      return;
    }
    if (first < start) {
      partial = true;
      return;
    }
    out.msgs += st.msgs[id]!;
    if (out.first === 0 || first < out.first) out.first = first;
    if (last > out.last) out.last = last;
  });
  return partial ? null : out;
}

function stateByScan(v: IndexView, start: number, sel: Selector, lastPerSubject: boolean): SimpleState {
  const out: SimpleState = { msgs: 0, first: 0, last: 0 };
  const st = v.subjects;
  try {
    for (const no of v.index.pagesBetween(start, v.lastSeq)) {
      const p = v.index.pageByNo(no)!;
      const base = no * PAGE_SIZE;
      const subj = p.subj;
      for (let i = Math.max(start - base, 0); i < PAGE_SIZE; i++) {
        const id = subj[i]!;
        if (id < 0 || !slotMatches(v, sel, id)) continue;
        const seq = base + i;
        if (lastPerSubject) {
          if (st.isLastStale(id)) refreshSubject(v, id);
          if (st.last[id] !== seq) continue;
        }
        out.msgs++;
        if (out.first === 0) out.first = seq;
        out.last = seq;
      }
    }
  } finally {
    v.memo.reset();
  }
  return out;
}

/** The first sequence >= `start` matching `sel`, or -1. nats-server loadNextMsgLocked. */
export function nextMatch(v: IndexView, sel: Selector, start: number): number {
  const from = Math.max(start, v.firstSeq);
  if (from > v.lastSeq || v.msgs === 0) return -1;
  if (sel.all) return v.index.nextLive(from, v.lastSeq);
  if (sel.literal !== null) {
    const id = v.subjects.get(sel.literal);
    if (id < 0) return -1;
    refreshSubject(v, id);
    const last = v.subjects.last[id]!;
    if (from > last) return -1;
    return v.index.nextWithSubject(Math.max(from, v.subjects.first[id]!), last, id);
  }
  let end = v.lastSeq;
  let bound = -1;
  if (v.subjects.size < end - from + 1) {
    // The earliest subject starting at or after `from` bounds the scan.
    const st = v.subjects;
    let any = false;
    st.forEach((id, name) => {
      if (!sel.filter.matches(name)) return;
      refreshSubject(v, id);
      if (st.last[id]! < from) return;
      any = true;
      const f = st.first[id]!;
      if (f >= from && (bound < 0 || f < bound)) bound = f;
    });
    if (!any) return -1;
    if (bound >= 0) end = bound;
  }
  const found = scanForward(v, sel, from, end);
  return found >= 0 ? found : bound;
}

function scanForward(v: IndexView, sel: Selector, from: number, to: number): number {
  try {
    for (const no of v.index.pagesBetween(from, to)) {
      const p = v.index.pageByNo(no)!;
      const base = no * PAGE_SIZE;
      const hi = Math.min(to - base, PAGE_SIZE - 1);
      const subj = p.subj;
      for (let i = Math.max(from - base, 0); i <= hi; i++) {
        const id = subj[i]!;
        if (id >= 0 && slotMatches(v, sel, id)) return base + i;
      }
    }
    return -1;
  } finally {
    v.memo.reset();
  }
}

/** The last sequence <= `start` matching `sel`, or -1. */
export function prevMatch(v: IndexView, sel: Selector, start: number): number {
  const from = Math.min(start, v.lastSeq);
  if (from < v.firstSeq || v.msgs === 0) return -1;
  if (sel.all) return v.index.prevLive(from, v.firstSeq);
  if (sel.literal !== null) {
    const id = v.subjects.get(sel.literal);
    if (id < 0) return -1;
    refreshSubject(v, id);
    if (from < v.subjects.first[id]!) return -1;
    return v.index.prevWithSubject(v.subjects.first[id]!, Math.min(from, v.subjects.last[id]!), id);
  }
  try {
    const nos = v.index.pagesBetween(v.firstSeq, from);
    for (let k = nos.length - 1; k >= 0; k--) {
      const no = nos[k]!;
      const p = v.index.pageByNo(no)!;
      const base = no * PAGE_SIZE;
      const subj = p.subj;
      for (let i = Math.min(from - base, PAGE_SIZE - 1); i >= 0; i--) {
        const id = subj[i]!;
        if (id >= 0 && slotMatches(v, sel, id)) return base + i;
      }
    }
    return -1;
  } finally {
    v.memo.reset();
  }
}

/** The last message's sequence on a subject (wildcards allowed), or -1. */
export function lastMatch(v: IndexView, sel: Selector): number {
  if (v.msgs === 0) return -1;
  if (sel.all || sel.literal !== null || v.subjects.size > 1024) return prevMatch(v, sel, v.lastSeq);
  const st = v.subjects;
  let best = -1;
  st.forEach((id, name) => {
    if (!sel.filter.matches(name)) return;
    refreshSubject(v, id);
    if (st.last[id]! > best) best = st.last[id]!;
  });
  return best;
}

/** Per-subject state of the subjects matching `filter` ("" for all). */
export function subjectsState(v: IndexView, filter: string): Map<string, SimpleState> {
  const out = new Map<string, SimpleState>();
  const sel = selectOne(v, filter);
  const st = v.subjects;
  if (sel.literal !== null) {
    const id = st.get(sel.literal);
    if (id >= 0) {
      refreshSubject(v, id);
      out.set(sel.literal, { msgs: st.msgs[id]!, first: st.first[id]!, last: st.last[id]! });
    }
    return out;
  }
  st.forEach((id, name) => {
    if (!sel.all && !sel.filter.matches(name)) return;
    refreshSubject(v, id);
    out.set(name, { msgs: st.msgs[id]!, first: st.first[id]!, last: st.last[id]! });
  });
  return out;
}

/** Message count per subject matching `filter`. */
export function subjectsTotals(v: IndexView, filter: string): Map<string, number> {
  const out = new Map<string, number>();
  const sel = selectOne(v, filter);
  const st = v.subjects;
  st.forEach((id, name) => {
    if (sel.all || sel.filter.matches(name)) out.set(name, st.msgs[id]!);
  });
  return out;
}

/** The last sequence of every subject, ascending: one pass over the index. */
export function allLastSeqs(v: IndexView): number[] {
  const out: number[] = [];
  if (v.msgs === 0) return out;
  const st = v.subjects;
  for (const no of v.index.pagesBetween(v.firstSeq, v.lastSeq)) {
    const p = v.index.pageByNo(no)!;
    const base = no * PAGE_SIZE;
    const subj = p.subj;
    for (let i = 0; i < PAGE_SIZE; i++) {
      const id = subj[i]!;
      if (id < 0) continue;
      if (st.isLastStale(id)) refreshSubject(v, id);
      if (st.last[id] === base + i) out.push(base + i);
    }
  }
  return out;
}

/**
 * Last sequence <= `maxSeq` per subject matching any of `filters`, ascending; null when more
 * than `maxAllowed` subjects match. nats-server multiLastSeqsLocked.
 */
export function multiLastSeqs(v: IndexView, filters: readonly string[], maxSeq: number, maxAllowed: number): number[] | null {
  if (v.msgs === 0) return [];
  const sel = selectMany(v, { subjects: filters, matches: () => true });
  if (maxSeq === 0 && maxAllowed <= 0 && sel.all) return allLastSeqs(v);
  const upto = maxSeq === 0 ? v.lastSeq : maxSeq;
  const seen = new Set<number>();
  const st = v.subjects;
  for (const f of filters) {
    const one = selectOne(v, f);
    const visit = (id: number): void => {
      refreshSubject(v, id);
      if (st.last[id]! <= upto) {
        seen.add(st.last[id]!);
      } else if (st.msgs[id]! > 1) {
        const s = v.index.prevWithSubject(st.first[id]!, upto, id);
        if (s >= 0) seen.add(s);
      }
    };
    if (one.literal !== null) {
      const id = st.get(one.literal);
      if (id >= 0) visit(id);
    } else {
      st.forEach((id, name) => {
        if (one.all || one.filter.matches(name)) visit(id);
      });
    }
    if (maxAllowed > 0 && seen.size > maxAllowed) return null;
  }
  return Float64Array.from(seen).sort().reduce<number[]>((a, s) => (a.push(s), a), []);
}

/**
 * First sequence whose timestamp is >= (ms, ns), or lastSeq+1: a binary search over the
 * sequences that hold messages (timestamps grow with sequences). nats-server GetSeqFromTime.
 */
export function seqFromTime(v: IndexView, ms: number, ns: number): number {
  if (v.msgs === 0) return v.lastSeq + 1;
  const before = (seq: number): boolean => {
    const p = v.index.page(seq)!;
    const i = seq % PAGE_SIZE;
    const m = p.tsMs[i]!;
    return m < ms || (m === ms && p.tsNs[i]! < ns);
  };
  let lo = v.index.nextLive(v.firstSeq, v.lastSeq);
  let hi = v.index.prevLive(v.lastSeq, v.firstSeq);
  if (lo < 0 || hi < 0 || before(hi)) return v.lastSeq + 1;
  if (!before(lo)) return lo;
  // Invariant: lo and hi hold messages, lo is before the time and hi is not.
  for (;;) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (mid === lo) return hi;
    const live = v.index.nextLive(mid, hi);
    if (live !== hi) {
      if (before(live)) lo = live;
      else hi = live;
      continue;
    }
    // Nothing between mid and hi: look below mid.
    const p = v.index.prevLive(mid - 1, lo + 1);
    if (p < 0 || before(p)) return hi;
    hi = p;
  }
}
