/**
 * The `$SYS.REQ` services every account can call (nats-server events.go
 * registerSystemImports): each account other than the system account imports
 *
 * - `$SYS.REQ.ACCOUNT.PING.CONNZ` and `$SYS.REQ.SERVER.PING.CONNZ` as `$SYS.REQ.ACCOUNT.<acc>.CONNZ`,
 * - `$SYS.REQ.ACCOUNT.PING.STATZ` as `$SYS.REQ.ACCOUNT.<acc>.STATZ`,
 *
 * so a client sees its own account's connections and counters from every server of the
 * cluster; and every account, the system account included, gets `$SYS.REQ.USER.INFO`,
 * answered by the server the client is connected to with the client's own user, account
 * and permissions (nats-server userInfoReq, an import that shares the requester's
 * identity); across a leaf node, the other server answers too, for the leaf connection.
 *
 * These are not entries in the accounts' import tables: that would make every publish of
 * every account walk the import path. A client's publish looks here only when its subject
 * starts with `$` (one byte compare in Client.processMsg). Requests are re-published in
 * the system account with a reply under this server's `$SYS._R_.<id>.` prefix; the answers
 * (local or through routes) come back on one internal subscription and go to the
 * requester's reply in its own account.
 */
import type { Account } from "../accounts/account.js";
import { RESPONSE_THRESHOLD_MS } from "../accounts/imports.js";
import type { PubArg } from "../protocol/pub-arg.js";
import type { Client } from "./client.js";
import type { Leaf } from "../leafnode/leaf.js";
import type { Server } from "./server.js";
import type { Subscription } from "./subscription.js";

const USER_INFO = "$SYS.REQ.USER.INFO";
const ACCOUNT_PING_CONNZ = "$SYS.REQ.ACCOUNT.PING.CONNZ";
const SERVER_PING_CONNZ = "$SYS.REQ.SERVER.PING.CONNZ";
const ACCOUNT_PING_STATZ = "$SYS.REQ.ACCOUNT.PING.STATZ";
/** Subject lengths outside this range are not system imports (cheap first test). */
const MIN_LEN = USER_INFO.length;
const MAX_LEN = ACCOUNT_PING_CONNZ.length;
/** Pending answers above which expired ones are swept. */
const SWEEP_SIZE = 256;
const CRLF = Buffer.from("\r\n");

/**
 * The import subjects a server tells its leaf peers it has interest in for every account
 * but the system account (nats-server: the imports are subscriptions of the account, so
 * they travel as LS+), so requests from the other side of a leaf reach this server too.
 */
export const LEAF_IMPORT_SUBJECTS: readonly string[] = [ACCOUNT_PING_CONNZ, SERVER_PING_CONNZ, ACCOUNT_PING_STATZ, USER_INFO];

/** The system imports of `acc`, as /accountz and `$SYS.REQ.ACCOUNT.<acc>.INFO` list them. */
export function systemImportsOf(server: Server, acc: Account): Array<Record<string, unknown>> {
  const sys = server.systemAccount;
  const row = (subject: string, to: string, share: boolean): Record<string, unknown> => ({
    subject,
    account: sys.name,
    to,
    type: "service",
    invalid: false,
    share,
    tracking: false,
  });
  const user = row(USER_INFO, `$SYS.REQ.USER.${acc.name}.INFO`, true);
  if (acc === sys) return [user];
  const connz = `$SYS.REQ.ACCOUNT.${acc.name}.CONNZ`;
  return [row(ACCOUNT_PING_STATZ, `$SYS.REQ.ACCOUNT.${acc.name}.STATZ`, false), row(ACCOUNT_PING_CONNZ, connz, false), row(SERVER_PING_CONNZ, connz, false), user];
}

/** Where the answers to one forwarded request go. */
interface PendingAnswer {
  account: Account;
  reply: string;
  sinceMs: number;
}

/** See the module comment. Owned by SystemEvents. */
export class SystemImports {
  private readonly replyPrefix: string;
  private readonly pending = new Map<string, PendingAnswer>();
  private sub: Subscription | null = null;
  private seq = 0;

  constructor(private readonly server: Server) {
    this.replyPrefix = `$SYS._R_.${server.id.slice(-8)}.`;
  }

  /** Subscribes for the answers in `sys` (again after a reload moved the system account). */
  listen(sys: Account): void {
    if (this.sub !== null) this.server.unsubscribeInternal(this.sub);
    this.sub = this.server.subscribeInternal(sys, `${this.replyPrefix}>`, (subject, _reply, hdr, data) => this.answer(subject, hdr, data));
  }

  /**
   * Client.processMsg calls this for a publish whose subject starts with `$`; returns how
   * many services took it (1 or 0), for the no-responders decision.
   */
  request(c: Client, pa: PubArg): number {
    const n = pa.subjectEnd - pa.subjectStart;
    if (n < MIN_LEN || n > MAX_LEN || pa.replyEnd === pa.replyStart) return 0;
    const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
    const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
    if (subject === USER_INFO) {
      void this.server.events.answerUserInfo(c, reply);
      return 1;
    }
    return this.forward(c.account, subject, reply, pa);
  }

  /**
   * A publish that came over leaf connection `leaf` (Leaf.processMsg): the account-mapped
   * services answer it as they answer a local client (nats-server handles a leaf's message
   * with the account's imports). USER.INFO is answered too, as nats-server 2.10's import
   * does for the connection the request came in on: with the leaf's user and account here
   * (the requester's own server answers with the requester's).
   */
  requestFromLeaf(leaf: Leaf, pa: PubArg): number {
    const n = pa.subjectEnd - pa.subjectStart;
    if (n < MIN_LEN || n > MAX_LEN || pa.replyEnd === pa.replyStart) return 0;
    const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
    const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
    if (subject === USER_INFO) {
      void this.server.events.answerUserInfo(leaf, reply);
      return 1;
    }
    return this.forward(leaf.account, subject, reply, pa);
  }

  /** Re-publishes an account-mapped request in the system account; 0 when `subject` is none. */
  private forward(acc: Account, subject: string, reply: string, pa: PubArg): number {
    if (acc === this.server.systemAccount) return 0;
    let mapped: string;
    if (subject === ACCOUNT_PING_CONNZ || subject === SERVER_PING_CONNZ) mapped = `$SYS.REQ.ACCOUNT.${acc.name}.CONNZ`;
    else if (subject === ACCOUNT_PING_STATZ) mapped = `$SYS.REQ.ACCOUNT.${acc.name}.STATZ`;
    else return 0;
    const routed = this.replyPrefix + String(++this.seq);
    this.pending.set(routed, { account: acc, reply, sinceMs: Date.now() });
    if (this.pending.size > SWEEP_SIZE) this.sweep();
    const payload = Buffer.from(pa.payloadBuf.subarray(pa.payloadStart, pa.payloadEnd));
    this.server.publishInternal(this.server.systemAccount, mapped, routed, payload, pa.hdr);
    return 1;
  }

  /** An answer from some server: to the requester's reply, in its account. */
  private answer(subject: string, hdr: number, data: Buffer): void {
    const p = this.pending.get(subject);
    if (p === undefined) return;
    this.server.publishInternal(p.account, p.reply, "", Buffer.concat([data, CRLF]), hdr);
  }

  /** Requests are answered by every server (streamed); they are forgotten after nats-server's threshold. */
  private sweep(): void {
    const cutoff = Date.now() - RESPONSE_THRESHOLD_MS;
    for (const [k, v] of this.pending) if (v.sinceMs < cutoff) this.pending.delete(k);
  }
}
