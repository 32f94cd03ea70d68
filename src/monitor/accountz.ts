/**
 * /accountz: the account names, or with `acc=NAME` one account's detail
 * (nats-server monitor.go Accountz / AccountInfo). Imports and exports arrive with
 * account support (issue 3); until then the lists are empty.
 */
import type { Server } from "../server/server.js";
import { isoTime } from "./format.js";
import { BadRequestError } from "./query.js";
import type { Slicer } from "./slices.js";
import { sublistStatsJSON } from "./subsz.js";

/** The /accountz document; with `acc=` its connections are counted in slices. */
export async function accountz(s: Server, q: URLSearchParams, sl: Slicer): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    server_id: s.id,
    now: isoTime(Date.now()),
    system_account: s.options.systemAccount ?? (s.accounts.has("$SYS") ? "$SYS" : ""),
  };
  const name = q.get("acc") ?? "";
  if (name === "") {
    out.accounts = [...s.accounts.keys()].sort();
    return out;
  }
  const acc = s.accounts.get(name);
  if (!acc) throw new BadRequestError(`Account ${name} does not exist`);
  let conns = 0;
  for (const c of [...s.clients.values()]) {
    if (c.account === acc && !c.closed) conns++;
    if (sl.due()) await sl.pause();
  }
  const st = acc.sublist.stats();
  out.account_detail = {
    account_name: acc.name,
    update_time: isoTime(s.startMs),
    expired: false,
    complete: true,
    jetstream_enabled: s.jetstream?.accountFor(acc) != null,
    leafnode_connections: 0,
    client_connections: conns,
    subscriptions: st.numSubs,
    imports: [],
    exports: [],
    sublist_stats: sublistStatsJSON(st),
  };
  return out;
}
