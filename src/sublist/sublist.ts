/**
 * The subject trie that routes every published message: insert/remove subscriptions, match a
 * literal subject to its plain subscribers and queue groups, with a bounded result cache.
 *
 * Modelled on nats-server v2.9.10 `server/sublist.go` (facts, not code): a level holds a map of
 * literal tokens plus one `*` and one `>` child; results are immutable and shared; the cache is
 * patched in place when a subscription is inserted and loses only the affected entries when one
 * is removed, so request/reply churn on `_INBOX` subjects does not evict hot subjects.
 * Single-threaded: no locks, every method runs to completion.
 */
import { TsnatsError } from "../errors.js";
import { isValidSubject, matchLiteral, subjectIsLiteral, TSEP } from "./subject.js";

/** Upper bound of the result cache (nats-server `slCacheMax`). */
export const SL_CACHE_MAX = 1024;
/** Size the cache is swept down to once it grows past {@link SL_CACHE_MAX} (nats-server `slCacheSweep`). */
export const SL_CACHE_SWEEP = 256;
/**
 * {@link Sublist.removeBatch} patches the cache per subscription up to this many wildcard
 * subscriptions (each costs a scan of the cache), and clears the whole cache above it, as
 * nats-server's RemoveBatch always does.
 */
export const SL_BATCH_PATCH_MAX = 16;

/** What the sublist needs from a subscription. The sublist keys on object identity. */
export interface SublistSub {
  readonly subject: string;
  /** Queue group name, or null (or "") for a plain subscription. */
  readonly queue: string | null;
}

/**
 * Result of {@link Sublist.match}. Shared and frozen: the caller must not modify it and may keep
 * it (e.g. in a per-connection L1 cache) until {@link Sublist.genId} changes.
 */
export interface SublistResult<S> {
  /** Plain subscribers: each gets the message. */
  readonly psubs: readonly S[];
  /** One array per queue group, all members across all matching subjects: one member gets it. */
  readonly qsubs: readonly (readonly S[])[];
}

/** Counters with the meaning of nats-server's /subsz fields. */
export interface SublistStats {
  /** Subscriptions currently in the sublist (`num_subscriptions`). */
  numSubs: number;
  /** Subjects in the result cache (`num_cache`). */
  numCache: number;
  /** Inserts since creation (`num_inserts`). */
  numInserts: number;
  /** Removes since creation (`num_removes`). */
  numRemoves: number;
  /** Calls to match since creation (`num_matches`). */
  numMatches: number;
  /** Share of matches answered by the cache, 0..1 (`cache_hit_rate`). */
  cacheHitRate: number;
  /** Largest fanout (plain subs + queue groups) among cached results (`max_fanout`). */
  maxFanout: number;
  /** Mean fanout among cached results (`avg_fanout`). */
  avgFanout: number;
}

/** Options for {@link Sublist}. */
export interface SublistOptions {
  /** Keep a bounded result cache (default true). nats-server disables it for extreme interest churn. */
  cache?: boolean;
}

/** The one empty result, returned for every subject without interest. */
export const EMPTY_RESULT: SublistResult<never> = Object.freeze({
  psubs: Object.freeze([]) as readonly never[],
  qsubs: Object.freeze([]) as readonly (readonly never[])[],
});

/** A trie node: the subscriptions whose subject ends here, and the level below. */
class SublistNode<S> {
  next: SublistLevel<S> | null = null;
  readonly psubs: Set<S> = new Set();
  /** Queue name → members; null when the node has no queue subscription. */
  qsubs: Map<string, Set<S>> | null = null;

  isEmpty(): boolean {
    return this.psubs.size === 0 && this.qsubs === null && (this.next === null || this.next.numNodes() === 0);
  }

  hasSubs(): boolean {
    return this.psubs.size > 0 || this.qsubs !== null;
  }
}

/** A trie level: children by literal token, plus the `*` and `>` children. */
class SublistLevel<S> {
  readonly nodes: Map<string, SublistNode<S>> = new Map();
  pwc: SublistNode<S> | null = null;
  fwc: SublistNode<S> | null = null;

  numNodes(): number {
    return this.nodes.size + (this.pwc !== null ? 1 : 0) + (this.fwc !== null ? 1 : 0);
  }
}

/** A cached result plus the second-chance bit the sweep uses to keep hot subjects. */
class CacheEntry<S> {
  result: SublistResult<S>;
  used = false;

  constructor(result: SublistResult<S>) {
    this.result = result;
  }
}

/** Mutable accumulator for one trie walk; frozen into a {@link SublistResult} at the end. */
class ResultBuilder<S> {
  readonly psubs: S[] = [];
  readonly qsubs: S[][] = [];
  readonly qnames: string[] = [];

  addNode(n: SublistNode<S>): void {
    for (const sub of n.psubs) this.psubs.push(sub);
    if (n.qsubs === null) return;
    for (const [qname, members] of n.qsubs) {
      let slot = this.qnames.indexOf(qname);
      if (slot < 0) {
        slot = this.qnames.length;
        this.qnames.push(qname);
        this.qsubs.push([]);
      }
      const group = this.qsubs[slot] as S[];
      for (const sub of members) group.push(sub);
    }
  }

  toResult(): SublistResult<S> {
    if (this.psubs.length === 0 && this.qsubs.length === 0) return EMPTY_RESULT;
    for (const group of this.qsubs) Object.freeze(group);
    return Object.freeze({ psubs: Object.freeze(this.psubs), qsubs: Object.freeze(this.qsubs) });
  }
}

function queueOf(sub: SublistSub): string | null {
  return sub.queue !== null && sub.queue !== "" ? sub.queue : null;
}

/** A copy of `r` with `sub` added; `r` is left as is since others may hold it. */
function addSubToResult<S extends SublistSub>(r: SublistResult<S>, sub: S): SublistResult<S> {
  const queue = queueOf(sub);
  if (queue === null) {
    return Object.freeze({ psubs: Object.freeze([...r.psubs, sub]), qsubs: r.qsubs });
  }
  const qsubs = r.qsubs.slice();
  let slot = -1;
  for (let i = 0; i < qsubs.length; i++) {
    const first = (qsubs[i] as readonly S[])[0];
    if (first !== undefined && queueOf(first) === queue) {
      slot = i;
      break;
    }
  }
  if (slot < 0) qsubs.push(Object.freeze([sub]));
  else qsubs[slot] = Object.freeze([...(qsubs[slot] as readonly S[]), sub]);
  return Object.freeze({ psubs: r.psubs, qsubs: Object.freeze(qsubs) });
}

/** Recursive descent for match (nats-server matchLevel): `toks[start..]` below level `l`. */
function matchLevel<S>(l: SublistLevel<S> | null, toks: readonly string[], start: number, out: ResultBuilder<S>): void {
  let pwc: SublistNode<S> | null = null;
  let n: SublistNode<S> | null = null;
  for (let i = start; i < toks.length; i++) {
    if (l === null) return;
    if (l.fwc !== null) out.addNode(l.fwc);
    pwc = l.pwc;
    if (pwc !== null) matchLevel(pwc.next, toks, i + 1, out);
    n = l.nodes.get(toks[i] as string) ?? null;
    l = n !== null ? n.next : null;
  }
  if (n !== null) out.addNode(n);
  if (pwc !== null) out.addNode(pwc);
}

/** Same walk as {@link matchLevel}, stopping at the first subscription found. */
function levelHasInterest<S>(l: SublistLevel<S> | null, toks: readonly string[], start: number): boolean {
  let pwc: SublistNode<S> | null = null;
  let n: SublistNode<S> | null = null;
  for (let i = start; i < toks.length; i++) {
    if (l === null) return false;
    if (l.fwc !== null && l.fwc.hasSubs()) return true;
    pwc = l.pwc;
    if (pwc !== null && levelHasInterest(pwc.next, toks, i + 1)) return true;
    n = l.nodes.get(toks[i] as string) ?? null;
    l = n !== null ? n.next : null;
  }
  return (n !== null && n.hasSubs()) || (pwc !== null && pwc.hasSubs());
}

/** Tokens of a subject to match, or null if it has an empty token (matches nothing). */
function matchTokens(subject: string): string[] | null {
  const toks = subject.split(TSEP);
  for (const t of toks) {
    if (t.length === 0) return null;
  }
  return toks;
}

/** The child of `l` for token `t`, by wildcard slot or literal map. */
function childOf<S>(l: SublistLevel<S>, t: string): SublistNode<S> | null {
  if (t.length === 1) {
    if (t === "*") return l.pwc;
    if (t === ">") return l.fwc;
  }
  return l.nodes.get(t) ?? null;
}

function collectNode<S>(n: SublistNode<S>, out: S[]): void {
  for (const sub of n.psubs) out.push(sub);
  if (n.qsubs !== null) {
    for (const members of n.qsubs.values()) {
      for (const sub of members) out.push(sub);
    }
  }
  if (n.next !== null) collectLevel(n.next, out);
}

function collectLevel<S>(l: SublistLevel<S>, out: S[]): void {
  for (const n of l.nodes.values()) collectNode(n, out);
  if (l.pwc !== null) collectNode(l.pwc, out);
  if (l.fwc !== null) collectNode(l.fwc, out);
}

/** See {@link Sublist.walk}: a depth-first walk with an explicit stack of trie nodes. */
export class SublistWalk<S> {
  private readonly stack: Array<SublistNode<S>> = [];

  constructor(root: SublistLevel<S>) {
    this.pushLevel(root);
  }

  /**
   * Appends the subscriptions of the next nodes to `out`, stopping once it has appended
   * `max` or more; returns true while more remain.
   */
  take(out: S[], max: number): boolean {
    const stack = this.stack;
    const push = (sub: S): void => {
      out.push(sub);
    };
    const start = out.length;
    while (stack.length > 0 && out.length - start < max) {
      const n = stack.pop()!;
      n.psubs.forEach(push);
      if (n.qsubs !== null) for (const members of n.qsubs.values()) members.forEach(push);
      if (n.next !== null) this.pushLevel(n.next);
    }
    return stack.length > 0;
  }

  private pushLevel(l: SublistLevel<S>): void {
    for (const n of l.nodes.values()) this.stack.push(n);
    if (l.pwc !== null) this.stack.push(l.pwc);
    if (l.fwc !== null) this.stack.push(l.fwc);
  }
}

function levelDepth<S>(l: SublistLevel<S> | null, depth: number): number {
  if (l === null || l.numNodes() === 0) return depth;
  let max = depth + 1;
  const visit = (n: SublistNode<S> | null): void => {
    if (n !== null) max = Math.max(max, levelDepth(n.next, depth + 1));
  };
  for (const n of l.nodes.values()) visit(n);
  visit(l.pwc);
  visit(l.fwc);
  return max;
}

/**
 * Subscriptions by subject, matched against published subjects. One per account. Owns no
 * subscription: it stores the caller's objects and returns them by identity; the same subject
 * may be subscribed any number of times, and inserting the very same object twice is a no-op.
 */
export class Sublist<S extends SublistSub> {
  /** Subject → cached result; null when caching is disabled. */
  protected cache: Map<string, CacheEntry<S>> | null;
  private readonly root: SublistLevel<S> = new SublistLevel();
  private generation = 0;
  private numSubs = 0;
  private inserts = 0;
  private removes = 0;
  private matches = 0;
  private cacheHits = 0;

  constructor(opts: SublistOptions = {}) {
    this.cache = opts.cache === false ? null : new Map();
  }

  /**
   * Bumped by every insert and remove. A connection may keep its own small cache of results
   * and must drop it when this value differs from the one it saw (nats-server `genid`).
   */
  get genId(): number {
    return this.generation;
  }

  /** Whether this sublist keeps a result cache. */
  get cacheEnabled(): boolean {
    return this.cache !== null;
  }

  /**
   * Adds a subscription. Throws TsnatsError `ERR_INVALID_SUBJECT` if `sub.subject` is not a valid
   * subscription subject ({@link isValidSubject}); the sublist is then unchanged.
   */
  insert(sub: S): void {
    const subject = sub.subject;
    if (!isValidSubject(subject)) {
      throw new TsnatsError("ERR_INVALID_SUBJECT", `sublist: invalid subject '${subject}'`);
    }
    let l = this.root;
    let n: SublistNode<S> | null = null;
    for (const t of subject.split(TSEP)) {
      n = childOf(l, t);
      if (n === null) {
        n = new SublistNode<S>();
        if (t === "*") l.pwc = n;
        else if (t === ">") l.fwc = n;
        else l.nodes.set(t, n);
      }
      if (n.next === null) n.next = new SublistLevel<S>();
      l = n.next;
    }
    if (n === null) return; // unreachable: a valid subject has at least one token
    const queue = queueOf(sub);
    if (queue === null) {
      if (n.psubs.has(sub)) return;
      n.psubs.add(sub);
    } else {
      if (n.qsubs === null) n.qsubs = new Map();
      let members = n.qsubs.get(queue);
      if (members === undefined) {
        members = new Set();
        n.qsubs.set(queue, members);
      }
      if (members.has(sub)) return;
      members.add(sub);
    }
    this.numSubs++;
    this.inserts++;
    this.generation++;
    this.cacheInsert(subject, sub);
  }

  /**
   * Removes a subscription (by identity). Returns false if it was not in the sublist, including
   * when its subject is invalid. Empty trie nodes are pruned.
   */
  remove(sub: S): boolean {
    if (!this.removeFromTrie(sub)) return false;
    this.generation++;
    this.cacheRemove(sub.subject, sub);
    return true;
  }

  /**
   * Removes many subscriptions at once, e.g. all of a closing connection's. Returns how many were
   * found. Bumps {@link genId} once. With few wildcard subscriptions the cache is patched per
   * subscription (keeping unrelated hot subjects cached); with more it is cleared, as
   * nats-server's RemoveBatch does, since every wildcard removal costs a scan of the cache.
   */
  removeBatch(subs: Iterable<S>): number {
    const removed: S[] = [];
    let wildcards = 0;
    for (const sub of subs) {
      if (!this.removeFromTrie(sub)) continue;
      removed.push(sub);
      if (!subjectIsLiteral(sub.subject)) wildcards++;
    }
    if (removed.length === 0) return 0;
    this.generation++;
    if (this.cache !== null) {
      if (wildcards > SL_BATCH_PATCH_MAX) this.cache.clear();
      else for (const sub of removed) this.cacheRemove(sub.subject, sub);
    }
    return removed.length;
  }

  /**
   * Plain and queue subscribers whose subject matches the literal `subject`. A cache hit costs
   * one map lookup and allocates nothing. Subjects with an empty token match nothing. The
   * result is frozen and shared: see {@link SublistResult}.
   */
  match(subject: string): SublistResult<S> {
    this.matches++;
    const cache = this.cache;
    if (cache !== null) {
      const entry = cache.get(subject);
      if (entry !== undefined) {
        this.cacheHits++;
        entry.used = true;
        return entry.result;
      }
    }
    const toks = matchTokens(subject);
    if (toks === null) return EMPTY_RESULT;
    const builder = new ResultBuilder<S>();
    matchLevel(this.root, toks, 0, builder);
    const result = builder.toResult();
    if (cache !== null) {
      cache.set(subject, new CacheEntry(result));
      if (cache.size > SL_CACHE_MAX) this.sweepCache(cache);
    }
    return result;
  }

  /**
   * Whether any subscription matches `subject`, without building or caching a result (for
   * no-responders and interest checks). Does not count as a match in {@link stats}.
   */
  hasInterest(subject: string): boolean {
    if (this.cache !== null) {
      const entry = this.cache.get(subject);
      if (entry !== undefined) return entry.result !== EMPTY_RESULT;
    }
    const toks = matchTokens(subject);
    return toks !== null && levelHasInterest(this.root, toks, 0);
  }

  /** Number of subscriptions. */
  count(): number {
    return this.numSubs;
  }

  /** Number of subjects in the result cache. */
  cacheCount(): number {
    return this.cache !== null ? this.cache.size : 0;
  }

  /** Every subscription, appended to `out` if given (nats-server All). */
  all(out: S[] = []): S[] {
    collectLevel(this.root, out);
    return out;
  }

  /**
   * A resumable walk over every subscription, for callers that collect a big sublist in
   * slices between event-loop turns (the monitor). Changes between two steps are
   * tolerated: a subscription added or removed meanwhile may or may not be seen.
   */
  walk(): SublistWalk<S> {
    return new SublistWalk(this.root);
  }

  /** Depth of the trie; 0 when empty. Diagnostic, used to check that removal prunes. */
  numLevels(): number {
    return levelDepth(this.root, 0);
  }

  /** Counters for /subsz. Walks the cache for fanout, so not for the hot path. */
  stats(): SublistStats {
    let maxFanout = 0;
    let totalFanout = 0;
    const cache = this.cache;
    if (cache !== null) {
      for (const entry of cache.values()) {
        const fanout = entry.result.psubs.length + entry.result.qsubs.length;
        totalFanout += fanout;
        if (fanout > maxFanout) maxFanout = fanout;
      }
    }
    const numCache = cache !== null ? cache.size : 0;
    return {
      numSubs: this.numSubs,
      numCache,
      numInserts: this.inserts,
      numRemoves: this.removes,
      numMatches: this.matches,
      cacheHitRate: this.matches > 0 ? this.cacheHits / this.matches : 0,
      maxFanout,
      avgFanout: numCache > 0 ? totalFanout / numCache : 0,
    };
  }

  /**
   * Brings cached results up to date after `sub` was inserted: the new subscriber is added to a
   * copy of every cached result whose subject it matches (nats-server addToCache). A literal
   * subscription touches one entry; a wildcard one scans the cache (≤ {@link SL_CACHE_MAX}).
   */
  protected cacheInsert(subject: string, sub: S): void {
    const cache = this.cache;
    if (cache === null) return;
    if (subjectIsLiteral(subject)) {
      const entry = cache.get(subject);
      if (entry !== undefined) entry.result = addSubToResult(entry.result, sub);
      return;
    }
    for (const key of cache.keys()) {
      if (!matchLiteral(key, subject)) continue;
      const entry = cache.get(key) as CacheEntry<S>;
      entry.result = addSubToResult(entry.result, sub);
    }
  }

  /**
   * Drops the cached results `sub` appeared in (nats-server removeFromCache); the next match
   * rebuilds them. Other entries, e.g. hot subjects a removed `_INBOX` subscription never
   * matched, stay.
   */
  protected cacheRemove(subject: string, _sub: S): void {
    const cache = this.cache;
    if (cache === null) return;
    if (subjectIsLiteral(subject)) {
      cache.delete(subject);
      return;
    }
    for (const key of cache.keys()) {
      if (matchLiteral(key, subject)) cache.delete(key);
    }
  }

  /**
   * Shrinks the cache to {@link SL_CACHE_SWEEP} entries. Second chance: entries hit since the
   * last sweep survive the first pass (and lose their bit), so hot subjects stay cached while
   * one-off subjects (reply inboxes) go; a second pass evicts oldest-first if still too big.
   * nats-server drops entries in random (map) order; at most two passes over 1025 entries,
   * once per 768 misses.
   */
  private sweepCache(cache: Map<string, CacheEntry<S>>): void {
    for (const [key, entry] of cache) {
      if (cache.size <= SL_CACHE_SWEEP) return;
      if (entry.used) entry.used = false;
      else cache.delete(key);
    }
    for (const key of cache.keys()) {
      if (cache.size <= SL_CACHE_SWEEP) return;
      cache.delete(key);
    }
  }

  /** Takes `sub` out of the trie and prunes empty nodes; no cache or genId work. */
  private removeFromTrie(sub: S): boolean {
    const subject = sub.subject;
    if (!isValidSubject(subject)) return false;
    const toks = subject.split(TSEP);
    const levels: SublistLevel<S>[] = [];
    const nodes: SublistNode<S>[] = [];
    let l: SublistLevel<S> | null = this.root;
    for (const t of toks) {
      const n: SublistNode<S> | null = l === null ? null : childOf(l, t);
      if (l === null || n === null) return false;
      levels.push(l);
      nodes.push(n);
      l = n.next;
    }
    const n = nodes[nodes.length - 1];
    if (n === undefined || !removeFromNode(n, sub)) return false;
    this.numSubs--;
    this.removes++;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i] as SublistNode<S>;
      if (!node.isEmpty()) break;
      const level = levels[i] as SublistLevel<S>;
      const t = toks[i] as string;
      if (node === level.pwc) level.pwc = null;
      else if (node === level.fwc) level.fwc = null;
      else level.nodes.delete(t);
    }
    return true;
  }
}

/** Removes `sub` from node `n`; false if it was not there. */
function removeFromNode<S extends SublistSub>(n: SublistNode<S>, sub: S): boolean {
  const queue = queueOf(sub);
  if (queue === null) return n.psubs.delete(sub);
  if (n.qsubs === null) return false;
  const members = n.qsubs.get(queue);
  if (members === undefined || !members.delete(sub)) return false;
  if (members.size === 0) {
    n.qsubs.delete(queue);
    if (n.qsubs.size === 0) n.qsubs = null;
  }
  return true;
}
