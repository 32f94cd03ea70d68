/**
 * Subject filters for store scans: literal, wildcard, or several at once (a consumer's
 * filter_subjects). Scans memoize the match per subject id, so a scan over a million
 * messages matches each distinct subject once.
 */
import { matchLiteral, subjectIsLiteral } from "../../sublist/subject.js";
import type { SubjectFilter } from "./types.js";

/** Whether `filter` selects every subject ("" or ">"). */
export function isAllFilter(filter: string): boolean {
  return filter === "" || filter === ">";
}

/** A {@link SubjectFilter} over several subjects (each literal or wildcard). */
export function makeFilter(subjects: readonly string[]): SubjectFilter {
  const list = subjects.slice();
  const all = list.length === 0 || list.some(isAllFilter);
  const literals = new Set(list.filter((s) => subjectIsLiteral(s)));
  const wildcards = list.filter((s) => !subjectIsLiteral(s));
  return {
    subjects: list,
    matches(subject: string): boolean {
      if (all || literals.has(subject)) return true;
      for (const w of wildcards) if (matchLiteral(subject, w)) return true;
      return false;
    },
  };
}

/** A filter for one subject: wildcard or literal, "" or ">" for all. */
export function singleFilter(filter: string): SubjectFilter {
  return makeFilter(isAllFilter(filter) ? [] : [filter]);
}

/**
 * Per-scan memo of filter results by subject id: 0 unknown, 1 match, 2 no match. Owned by a
 * store and reused across calls (reset touches only the ids seen), so scans allocate nothing.
 */
export class MatchMemo {
  private memo = new Uint8Array(1024);
  private touched: number[] = [];

  /** Whether subject `id` (named `name`) matches `filter`; memoized until {@link reset}. */
  test(id: number, name: string, filter: SubjectFilter): boolean {
    if (id >= this.memo.length) this.grow(id + 1);
    const m = this.memo[id]!;
    if (m !== 0) return m === 1;
    const ok = filter.matches(name);
    this.memo[id] = ok ? 1 : 2;
    this.touched.push(id);
    return ok;
  }

  /** Clears the memo (call when the scan ends). */
  reset(): void {
    const memo = this.memo;
    const t = this.touched;
    if (t.length > memo.length >>> 2) memo.fill(0);
    else for (let i = 0; i < t.length; i++) memo[t[i]!] = 0;
    t.length = 0;
  }

  private grow(min: number): void {
    let cap = this.memo.length * 2;
    while (cap < min) cap *= 2;
    const m = new Uint8Array(cap);
    m.set(this.memo);
    this.memo = m;
  }
}
