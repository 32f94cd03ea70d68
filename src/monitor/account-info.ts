/**
 * One account's detail (nats-server monitor.go accountInfo / AccountInfo), as
 * `/accountz?acc=NAME` and `$SYS.REQ.ACCOUNT.<name>.INFO` answer it: connections,
 * subscriptions, subject mappings, imports (the configured ones and the system imports
 * every account gets, see server/system-imports.ts), exports and sublist statistics.
 */
import type { Account } from "../accounts/account.js";
import type { AccountOptions } from "../accounts/config.js";
import { systemImportsOf } from "../server/system-imports.js";
import type { Server } from "../server/server.js";
import { isoTime } from "./format.js";
import type { Slicer } from "./slices.js";
import { sublistStatsJSON } from "./subsz.js";

/** nats-server jwt ResponseType spellings in exports. */
const RESPONSE_TYPE_NAMES: Readonly<Record<string, string>> = { singleton: "Singleton", stream: "Stream", chunked: "Chunked" };

/** The AccountInfo document; connections are counted in slices. */
export async function accountDetail(s: Server, acc: Account, sl: Slicer): Promise<Record<string, unknown>> {
  let conns = 0;
  for (const c of [...s.clients.values()]) {
    if (c.account === acc && !c.closed) conns++;
    if (sl.due()) await sl.pause();
  }
  let leafs = 0;
  if (s.leafs !== null) for (const l of s.leafs.leafs.values()) if (l.account === acc && !l.closed) leafs++;
  const cfg = (s.options.accounts ?? []).find((a) => a.name === acc.name);
  const st = acc.sublist.stats();
  const out: Record<string, unknown> = {
    account_name: acc.name,
    update_time: isoTime(s.startMs),
    expired: false,
    complete: true,
    jetstream_enabled: s.jetstream?.accountFor(acc) != null,
    leafnode_connections: leafs,
    client_connections: conns,
    subscriptions: st.numSubs,
  };
  const mappings = cfg?.mappings ?? (acc === s.globalAccount ? s.options.mappings : undefined) ?? [];
  if (mappings.length > 0) {
    const m: Record<string, unknown> = {};
    for (const mp of mappings) m[mp.source] = mp.destinations.map((d) => ({ subject: d.subject, weight: d.weight }));
    out.mappings = m;
  }
  const exports = exportsOf(cfg);
  if (exports.length > 0) out.exports = exports;
  const imports = [...importsOf(cfg), ...systemImportsOf(s, acc)];
  if (imports.length > 0) out.imports = imports;
  out.sublist_stats = sublistStatsJSON(st);
  return out;
}

function exportsOf(cfg: AccountOptions | undefined): Array<Record<string, unknown>> {
  return (cfg?.exports ?? []).map((e) => {
    const x: Record<string, unknown> = { subject: e.subject, type: e.kind };
    if (e.kind === "service") x.response_type = RESPONSE_TYPE_NAMES[e.responseType ?? "singleton"];
    if (e.accounts !== undefined) x.approved_accounts = [...e.accounts];
    return x;
  });
}

function importsOf(cfg: AccountOptions | undefined): Array<Record<string, unknown>> {
  return (cfg?.imports ?? []).map((i) => {
    const x: Record<string, unknown> = { subject: i.subject, account: i.account };
    if (i.kind === "service") {
      x.subject = i.to ?? i.subject;
      x.to = i.subject;
    } else if (i.to !== undefined || i.prefix !== undefined) x.to = i.to ?? i.prefix;
    return Object.assign(x, { type: i.kind, invalid: false, share: false, tracking: false });
  });
}
