/**
 * Whether anyone listens for one kind of per-account system event (a client's connect or
 * disconnect, an account's connection count), remembered per account until the system
 * account's sublist changes. Asking the sublist each time built the subject and split it
 * into tokens twice per connection in a connect storm, for subjects nobody listened on.
 */
import type { Account } from "../accounts/account.js";

export class AccountEventInterest {
  private sublist: Account["sublist"] | null = null;
  private gen = -1;
  private known = new WeakMap<Account, boolean>();

  /** `listens` asks the system account's sublist; its answer must depend on nothing else. */
  constructor(private readonly listens: (sys: Account, account: Account) => boolean) {}

  has(sys: Account, account: Account): boolean {
    const sl = sys.sublist;
    if (sl !== this.sublist || sl.genId !== this.gen) {
      this.sublist = sl;
      this.gen = sl.genId;
      this.known = new WeakMap();
    }
    let v = this.known.get(account);
    if (v === undefined) {
      v = this.listens(sys, account);
      this.known.set(account, v);
    }
    return v;
  }
}
