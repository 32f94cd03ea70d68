/**
 * A seeded random walk over the store API compared, step by step, with a plain reference
 * model (a Map of sequence → subject). Catches index and query bugs the table misses. On a
 * failure the message names the seed and the step; `STORE_MODEL_SEED` replays one seed,
 * `STORE_SOAK_SEEDS=<n>` runs n seeds.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultStreamStoreConfig, makeFilter } from "../../../src/jetstream/store/index.js";
import type { StreamStore } from "../../../src/jetstream/store/index.js";
import { matchLiteral } from "../../../src/sublist/subject.js";
import { prng } from "../../helpers/prng.js";
import { FakeClock, type StoreFactory } from "./store-table.js";

const SUBJECTS = ["foo.a", "foo.b", "foo.c.d", "bar", "baz.x", "baz.y"];
const FILTERS = ["", ">", "foo.a", "foo.*", "foo.>", "bar", "*.b", "baz.*", "nope", "*.*"];

const matches = (subj: string, filter: string): boolean => filter === "" || matchLiteral(subj, filter);

/** The reference: what a store must hold after the same operations. */
class Model {
  msgs = new Map<number, string>();
  first = 0;
  last = 0;

  seqs(): number[] {
    return [...this.msgs.keys()].sort((a, b) => a - b);
  }
  fixFirst(): void {
    const s = this.seqs();
    this.first = s.length > 0 ? s[0]! : this.last + 1;
  }
  store(subj: string): number {
    this.last++;
    this.msgs.set(this.last, subj);
    if (this.msgs.size === 1) this.first = this.last;
    return this.last;
  }
  remove(seq: number): boolean {
    const ok = this.msgs.delete(seq);
    if (ok) this.fixFirst();
    return ok;
  }
  purge(): number {
    const n = this.msgs.size;
    this.msgs.clear();
    this.first = this.last + 1;
    return n;
  }
  compact(seq: number): number {
    if (seq === 0) return this.purge();
    if (this.first > seq) return 0;
    if (seq > this.last) {
      const n = this.purge();
      this.first = seq;
      this.last = seq - 1;
      return n;
    }
    let n = 0;
    for (const s of this.seqs()) if (s < seq && this.msgs.delete(s)) n++;
    this.fixFirst();
    return n;
  }
  purgeEx(subject: string, seq: number, keep: number): number {
    if (seq === 1) return 0;
    let filter = subject;
    if (filter === "" || filter === ">") {
      if (keep === 0 && seq === 0) return this.purge();
      if (seq > 1) return this.compact(seq);
      filter = ">";
    }
    const matching = this.seqs().filter((s) => matches(this.msgs.get(s)!, filter));
    if (matching.length === 0) return 0;
    let maxp = Infinity;
    if (keep > 0) {
      if (keep >= matching.length) return 0;
      maxp = matching.length - keep;
    }
    let n = 0;
    for (const s of matching) {
      if (seq >= 1 && s >= seq) break;
      if (n >= maxp) break;
      this.msgs.delete(s);
      n++;
    }
    this.fixFirst();
    return n;
  }
  truncate(seq: number): void {
    for (const s of this.seqs()) if (s > seq) this.msgs.delete(s);
    this.last = seq;
    if (seq === 0) this.first = 0;
    else if (this.msgs.size === 0) this.first = seq + 1;
  }
  pending(sseq: number, filter: string, lps: boolean): number {
    const lastOf = new Map<string, number>();
    for (const s of this.seqs()) lastOf.set(this.msgs.get(s)!, s);
    let n = 0;
    for (const s of this.seqs()) {
      const subj = this.msgs.get(s)!;
      if (s < sseq || !matches(subj, filter)) continue;
      if (lps && lastOf.get(subj) !== s) continue;
      n++;
    }
    return n;
  }
}

function check(s: StreamStore, m: Model, r: () => number, where: string): void {
  const st = s.state();
  assert.equal(st.msgs, m.msgs.size, `${where}: msgs`);
  assert.equal(st.lastSeq, m.last, `${where}: last`);
  if (m.msgs.size > 0) {
    assert.equal(st.firstSeq, m.first, `${where}: first`);
    const seqs = m.seqs();
    const deleted: number[] = [];
    for (let x = seqs[0]!; x <= m.last; x++) if (!m.msgs.has(x)) deleted.push(x);
    assert.deepEqual(st.deleted ?? [], deleted, `${where}: deleted`);
  }
  assert.equal(st.numSubjects, new Set(m.msgs.values()).size, `${where}: subjects`);
  const seqs = m.seqs();
  for (let k = 0; k < 3; k++) {
    const filter = FILTERS[Math.floor(r() * FILTERS.length)]!;
    const start = Math.floor(r() * (m.last + 3));
    const lps = r() < 0.3;
    assert.equal(s.numPending(start, filter, lps), m.pending(start, filter, lps), `${where}: numPending(${start},${filter},${lps})`);
    const next = seqs.find((x) => x >= start && matches(m.msgs.get(x)!, filter)) ?? null;
    assert.equal(s.loadNextMsg(filter, true, start)?.seq ?? null, next, `${where}: loadNext(${filter},${start})`);
    const prev = [...seqs].reverse().find((x) => x <= start && matches(m.msgs.get(x)!, filter)) ?? null;
    assert.equal(s.loadPrevMsg(filter, true, start)?.seq ?? null, prev, `${where}: loadPrev(${filter},${start})`);
    const last = [...seqs].reverse().find((x) => matches(m.msgs.get(x)!, filter)) ?? null;
    assert.equal(s.loadLastMsg(filter)?.seq ?? null, last, `${where}: loadLast(${filter})`);
    const fs = s.filteredState(start, filter);
    assert.equal(fs.msgs, m.pending(start, filter, false), `${where}: filteredState(${start},${filter})`);
    const f2 = FILTERS[Math.floor(r() * FILTERS.length)]!;
    const multi = makeFilter(filter === "" || f2 === "" ? [] : [filter, f2]);
    const inMulti = (subj: string): boolean => filter === "" || f2 === "" || matches(subj, filter) || matches(subj, f2);
    const nm = seqs.find((x) => x >= start && inMulti(m.msgs.get(x)!)) ?? null;
    assert.equal(s.loadNextMsgMulti(multi, start)?.seq ?? null, nm, `${where}: loadNextMulti(${filter}|${f2},${start})`);
  }
  const lastOf = new Map<string, number>();
  for (const x of seqs) lastOf.set(m.msgs.get(x)!, x);
  assert.deepEqual(s.allLastSeqs(), [...lastOf.values()].sort((a, b) => a - b), `${where}: allLastSeqs`);
  for (const subj of SUBJECTS) {
    const c = seqs.filter((x) => m.msgs.get(x) === subj);
    const got = s.subjectsState(subj).get(subj);
    if (c.length === 0) assert.equal(got, undefined, `${where}: subjectsState(${subj})`);
    else assert.deepEqual(got, { msgs: c.length, first: c[0], last: c.at(-1) }, `${where}: subjectsState(${subj})`);
  }
}

/** One random walk of `steps` operations from `seed`. */
export async function walk(f: StoreFactory, seed: number, steps: number, reopen?: (s: StreamStore) => Promise<StreamStore>): Promise<void> {
  const r = prng(seed);
  const clock = new FakeClock();
  let s = await f(defaultStreamStoreConfig({ name: "M", subjects: ["foo.>", "bar", "baz.*"] }), clock);
  const m = new Model();
  try {
    for (let i = 0; i < steps; i++) {
      const where = `seed ${seed} step ${i}`;
      const op = r();
      clock.t += 1;
      if (op < 0.55) {
        const subj = SUBJECTS[Math.floor(r() * SUBJECTS.length)]!;
        assert.equal(s.storeMsg(subj, null, Buffer.from(`m${i}`), 0), m.store(subj), `${where}: store`);
      } else if (op < 0.75) {
        const seq = m.first + Math.floor(r() * (m.last - m.first + 2));
        assert.equal(s.removeMsg(seq), m.remove(seq), `${where}: remove ${seq}`);
      } else if (op < 0.82) {
        const subj = FILTERS[Math.floor(r() * FILTERS.length)]!;
        const seq = r() < 0.5 ? 0 : Math.floor(r() * (m.last + 2));
        const keep = r() < 0.5 ? 0 : Math.floor(r() * 5);
        assert.equal(s.purgeEx(subj, seq, keep), m.purgeEx(subj, seq, keep), `${where}: purgeEx(${subj},${seq},${keep})`);
      } else if (op < 0.86) {
        const seq = Math.floor(r() * (m.last + 5));
        assert.equal(s.compact(seq), m.compact(seq), `${where}: compact(${seq})`);
      } else if (op < 0.89) {
        const seq = m.msgs.size > 0 ? m.first + Math.floor(r() * (m.last - m.first + 1)) : m.last;
        s.truncate(seq);
        m.truncate(seq);
      } else if (op < 0.91) {
        assert.equal(s.purge(), m.purge(), `${where}: purge`);
      } else if (op < 0.94) {
        assert.equal(s.skipMsg(0), m.last + 1, `${where}: skip`);
        m.last++;
        if (m.msgs.size === 0) m.first = m.last + 1;
      } else if (reopen !== undefined && op < 0.96) {
        s = await reopen(s);
      }
      check(s, m, r, where);
    }
  } finally {
    await s.stop();
  }
}

export function modelCheck(kind: string, f: StoreFactory, reopen?: (s: StreamStore) => Promise<StreamStore>): void {
  describe(`${kind} store: random walk against a reference model`, () => {
    const only = process.env.STORE_MODEL_SEED;
    const count = Number(process.env.STORE_SOAK_SEEDS ?? 8);
    const seeds = only !== undefined ? [Number(only)] : Array.from({ length: count }, (_, i) => i + 1);
    for (const seed of seeds) {
      test(`seed ${seed}`, () => walk(f, seed, 400, reopen));
    }
  });
}
