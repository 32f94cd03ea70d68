/**
 * /subsz: sublist statistics summed over accounts, and with `subs=1` the subscriptions
 * themselves, filtered by `test=<literal subject>` and `acc`, paged by `offset`/`limit`
 * (nats-server monitor.go Subsz).
 */
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import { isValidLiteralSubject, matchLiteral, type SublistStats, displaySubject, wireSubject } from "../sublist/index.js";
import { DEFAULT_CONN_LIST_SIZE } from "./connz.js";
import { isoTime } from "./format.js";
import { ListDocument } from "./json-stream.js";
import { BadRequestError, decodeBool, decodeInt } from "./query.js";
import { sortInSlices, type Slicer } from "./slices.js";

/** Sublist counters with nats-server's JSON names. */
export function sublistStatsJSON(st: SublistStats): Record<string, number> {
  return {
    num_subscriptions: st.numSubs,
    num_cache: st.numCache,
    num_inserts: st.numInserts,
    num_removes: st.numRemoves,
    num_matches: st.numMatches,
    cache_hit_rate: st.cacheHitRate,
    max_fanout: st.maxFanout,
    avg_fanout: st.avgFanout,
  };
}

/** Every account's counters combined; fanout is the max, and the cache-weighted mean. */
export function combinedStats(s: Server, account = ""): SublistStats {
  const out: SublistStats = { numSubs: 0, numCache: 0, numInserts: 0, numRemoves: 0, numMatches: 0, cacheHitRate: 0, maxFanout: 0, avgFanout: 0 };
  let hits = 0;
  let fanoutSum = 0;
  for (const acc of s.accounts.values()) {
    if (account !== "" && acc.name !== account) continue;
    const st = acc.sublist.stats();
    out.numSubs += st.numSubs;
    out.numCache += st.numCache;
    out.numInserts += st.numInserts;
    out.numRemoves += st.numRemoves;
    out.numMatches += st.numMatches;
    hits += st.cacheHitRate * st.numMatches;
    fanoutSum += st.avgFanout * st.numCache;
    out.maxFanout = Math.max(out.maxFanout, st.maxFanout);
  }
  out.cacheHitRate = out.numMatches > 0 ? hits / out.numMatches : 0;
  out.avgFanout = out.numCache > 0 ? fanoutSum / out.numCache : 0;
  return out;
}

/**
 * Subscriptions picked for a listing, in flat arrays: no object per subscription, since
 * 200,000 of them per request would keep the garbage collector busy.
 */
interface Picked {
  subs: Subscription[];
  /** Index into `accounts` of each subscription's account. */
  accountOf: number[];
  accounts: string[];
}

/** Subscriptions taken from a sublist walk between two checks of the slice. */
const WALK_BATCH = 1024;

/** Walks the sublists (in slices) for the subscriptions in `account` ("" = all) matching `test`. */
async function pick(s: Server, account: string, test: string, sl: Slicer): Promise<Picked> {
  const accs = [...s.accounts.values()].filter((a) => account === "" || a.name === account);
  // Sized up front (subscriptions added meanwhile grow them): 200,000 pushes would copy them over and over.
  const size = accs.reduce((n, a) => n + a.sublist.count(), 0);
  const out: Picked = { subs: new Array<Subscription>(size), accountOf: new Array<number>(size), accounts: accs.map((a) => a.name) };
  const testSubject = test !== "" ? wireSubject(test) : "";
  let n = 0;
  const batch: Subscription[] = [];
  for (let ai = 0; ai < accs.length; ai++) {
    const walk = accs[ai]!.sublist.walk();
    for (let more = true; more; ) {
      batch.length = 0;
      more = walk.take(batch, WALK_BATCH);
      for (const sub of batch) {
        if (test !== "" && !matchLiteral(testSubject, sub.subject)) continue;
        out.subs[n] = sub;
        out.accountOf[n++] = ai;
      }
      if (sl.due(batch.length)) await sl.pause();
    }
  }
  out.subs.length = n;
  out.accountOf.length = n;
  return out;
}

/**
 * Indexes into `subs` in nats-server's order: by connection id, then sid (numeric sids
 * numerically, others as text), sorted in slices over precomputed keys.
 */
async function sortedOrder(subs: Subscription[], sl: Slicer): Promise<number[]> {
  const n = subs.length;
  const cid = new Float64Array(n);
  const sidNum = new Float64Array(n);
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const sub = subs[i]!;
    cid[i] = sub.conn.id;
    const v = Number(sub.sid);
    sidNum[i] = Number.isInteger(v) ? v : Number.NaN;
    order[i] = i;
    if (sl.due()) await sl.pause();
  }
  return sortInSlices(
    order,
    (i, j) => {
      const d = cid[i]! - cid[j]!;
      if (d !== 0) return d;
      const a = sidNum[i]!;
      const b = sidNum[j]!;
      if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
      const x = subs[i]!.sid;
      const y = subs[j]!.sid;
      return x < y ? -1 : x > y ? 1 : 0;
    },
    sl,
  );
}

/**
 * The /subsz document for a query. With `subs=1` the subscriptions are gathered from the
 * sublists in slices (a trie walk that tolerates changes between slices), sorted in
 * slices by connection and sid, and only the page is written.
 */
export async function subsz(s: Server, q: URLSearchParams, sl: Slicer): Promise<Record<string, unknown> | ListDocument<number>> {
  const wantSubs = decodeBool(q, "subs");
  const offset = Math.max(0, decodeInt(q, "offset"));
  const limitArg = decodeInt(q, "limit");
  const limit = limitArg > 0 ? limitArg : DEFAULT_CONN_LIST_SIZE;
  const test = q.get("test") ?? "";
  const account = q.get("acc") ?? "";
  if (test !== "" && !isValidLiteralSubject(test)) {
    throw new BadRequestError(`invalid test subject, must be valid publish subject: ${test}`);
  }
  const head: Record<string, unknown> = {
    server_id: s.id,
    now: isoTime(Date.now()),
    ...sublistStatsJSON(combinedStats(s, account)),
  };
  if (!wantSubs) return head;
  const { subs, accountOf, accounts } = await pick(s, account, test, sl);
  const order = await sortedOrder(subs, sl);
  head.total = subs.length;
  head.offset = offset;
  head.limit = limit;
  return new ListDocument(head, "subscriptions_list", order.slice(offset, offset + limit), (i) => {
    const sub = subs[i]!;
    const d: Record<string, unknown> = { account: accounts[accountOf[i]!], subject: displaySubject(sub.subject) };
    if (sub.queue) d.qgroup = sub.queue;
    d.sid = sub.sid;
    d.msgs = sub.delivered;
    if (sub.max > 0) d.max = sub.max;
    d.cid = sub.conn.id;
    return d;
  });
}
