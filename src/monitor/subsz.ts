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
import { BadRequestError, decodeBool, decodeInt } from "./query.js";

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

/** The /subsz document for a query. */
export function subsz(s: Server, q: URLSearchParams): Record<string, unknown> {
  const wantSubs = decodeBool(q, "subs");
  const offset = Math.max(0, decodeInt(q, "offset"));
  const limitArg = decodeInt(q, "limit");
  const limit = limitArg > 0 ? limitArg : DEFAULT_CONN_LIST_SIZE;
  const test = q.get("test") ?? "";
  const account = q.get("acc") ?? "";
  if (test !== "" && !isValidLiteralSubject(test)) {
    throw new BadRequestError(`invalid test subject, must be valid publish subject: ${test}`);
  }
  const out: Record<string, unknown> = {
    server_id: s.id,
    now: isoTime(Date.now()),
    ...sublistStatsJSON(combinedStats(s, account)),
  };
  if (!wantSubs) return out;
  const subs: Array<{ account: string; sub: Subscription }> = [];
  for (const acc of s.accounts.values()) {
    if (account !== "" && acc.name !== account) continue;
    for (const sub of acc.sublist.all()) {
      if (test === "" || matchLiteral(wireSubject(test), sub.subject)) subs.push({ account: acc.name, sub });
    }
  }
  subs.sort((a, b) => a.sub.conn.id - b.sub.conn.id || compareSid(a.sub.sid, b.sub.sid));
  out.total = subs.length;
  out.offset = offset;
  out.limit = limit;
  out.subscriptions_list = subs.slice(offset, offset + limit).map(({ account: acc, sub }) => {
    const d: Record<string, unknown> = { account: acc, subject: displaySubject(sub.subject) };
    if (sub.queue) d.qgroup = sub.queue;
    d.sid = sub.sid;
    d.msgs = sub.delivered;
    if (sub.max > 0) d.max = sub.max;
    d.cid = sub.conn.id;
    return d;
  });
  return out;
}

/** Numeric sids in numeric order, others after them in text order. */
function compareSid(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
