/**
 * A link's one-entry caches (nats-server client.go `in.pacache`, keyed by account and
 * subject): the account named by the last routed message and the last match result, so a
 * stream of messages on one subject costs a byte compare, not a string and a lookup.
 */
import type { Account } from "../accounts/account.js";
import type { PubArg } from "../protocol/pub-arg.js";
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import type { SublistResult } from "../sublist/index.js";

/** Subjects longer than this are matched without caching. */
const CACHED_SUBJECT_MAX = 256;
const NAME_MAX = 256;

export class MatchCache {
  private accountName: Buffer | null = null;
  private accountLen = -1;
  private lastAccount: Account | null = null;

  private subject: Buffer | null = null;
  private subjectLen = -1;
  private gen = -1;
  private resultAccount: Account | null = null;
  private result: SublistResult<Subscription> | null = null;

  /** The account a routed message names (`pa.account*`), or null when the server has none by that name. */
  account(server: Server, pa: PubArg): Account | null {
    const arg = pa.arg;
    const start = pa.accountStart;
    const n = pa.accountEnd - start;
    if (n === this.accountLen && this.lastAccount !== null) {
      const cached = this.accountName!;
      let i = 0;
      while (i < n && cached[i] === arg[start + i]) i++;
      if (i === n) return this.lastAccount;
    }
    const found = server.accounts.get(arg.toString("latin1", start, pa.accountEnd)) ?? null;
    if (found !== null && n <= NAME_MAX) {
      const cached = (this.accountName ??= Buffer.allocUnsafe(NAME_MAX));
      for (let i = 0; i < n; i++) cached[i] = arg[start + i]!;
      this.accountLen = n;
      this.lastAccount = found;
    }
    return found;
  }

  /** `account`'s match result for the message's subject. */
  match(account: Account, pa: PubArg): SublistResult<Subscription> {
    const sl = account.sublist;
    const arg = pa.arg;
    const start = pa.subjectStart;
    const n = pa.subjectEnd - start;
    if (n === this.subjectLen && this.gen === sl.genId && this.resultAccount === account) {
      const cached = this.subject!;
      let i = 0;
      while (i < n && cached[i] === arg[start + i]) i++;
      if (i === n) return this.result!;
    }
    const r = sl.match(arg.toString("latin1", start, pa.subjectEnd));
    if (n <= CACHED_SUBJECT_MAX) {
      const cached = (this.subject ??= Buffer.allocUnsafe(CACHED_SUBJECT_MAX));
      for (let i = 0; i < n; i++) cached[i] = arg[start + i]!;
      this.subjectLen = n;
      this.gen = sl.genId;
      this.resultAccount = account;
      this.result = r;
    }
    return r;
  }
}
