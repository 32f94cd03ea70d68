/**
 * /accountz: the account names, or with `acc=NAME` one account's detail
 * (nats-server monitor.go Accountz / AccountInfo, built in account-info.ts).
 */
import type { Server } from "../server/server.js";
import { accountDetail } from "./account-info.js";
import { isoTime } from "./format.js";
import { BadRequestError } from "./query.js";
import type { Slicer } from "./slices.js";

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
  out.account_detail = await accountDetail(s, acc, sl);
  return out;
}
