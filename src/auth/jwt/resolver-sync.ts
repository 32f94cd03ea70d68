/**
 * Full resolvers of a cluster keeping each other's account JWTs (nats-server accounts.go
 * DirAccResolver.Start and Server.fetch, dirstore.go Merge/saveIfNewer):
 * - every `interval` a node asks one peer (queue group `responder`) with
 *   `$SYS.REQ.CLAIMS.PACK`, its store hash as the body; the peer answers nothing new when
 *   the hashes match, else `<account>|<jwt>` messages and an empty one; each is merged
 *   when newer than the stored JWT (claims-requests.ts serves the other side);
 * - a login for an account the store lacks asks the cluster with
 *   `$SYS.REQ.ACCOUNT.<account>.CLAIMS.LOOKUP` and takes the first JWT answered, within
 *   the resolver's `timeout`; empty answers (newer servers' "not here") end the wait once
 *   every peer gave one;
 * - updates pushed to one node reach the others as the same request (every node
 *   subscribes `CLAIMS.UPDATE` in the system account, routed like any interest).
 * Replies come to one `$SYS._INBOX.<random>.` prefix per server.
 */
import { randomBytes } from "node:crypto";
import type { Account } from "../../accounts/account.js";
import type { Server } from "../../server/server.js";
import type { Subscription } from "../../server/subscription.js";
import { decodeGenericJwt } from "./claims.js";

export const PACK_SUBJECT = "$SYS.REQ.CLAIMS.PACK";
const ACCOUNT_KEY = /^A[A-Z2-7]{55}$/;
const CRLF = Buffer.from("\r\n");

/** What the sync needs of operator mode: the store and applying a JWT to it. */
export interface SyncedStore {
  /** The stored JWT of `account`, if any. */
  fetch(account: string): string | undefined;
  /** Stores (and applies to a live account) a JWT already found newer; null or why not. */
  apply(jwt: string): string | null;
  /** nats-server DirJWTStore.Hash of the store. */
  hash(): Buffer;
}

interface PendingLookup {
  account: string;
  empties: number;
  /** Ends the wait: null when a JWT was stored, else nats-server's error text. */
  done: (error: string | null) => void;
  timer: NodeJS.Timeout;
}

/** nats-server Server.fetch's errors. */
export const LOOKUP_TIMED_OUT = "fetching jwt timed out";
export const LOOKUP_NOT_FOUND = "account jwt not found";

export class ResolverSync {
  private readonly inbox = `$SYS._INBOX.${randomBytes(6).toString("base64url").replace(/[-_]/g, "x")}.`;
  private readonly sub: Subscription;
  /** The periodic PACK request; null for a cache resolver (lookups only). */
  private readonly ticker: NodeJS.Timeout | null;
  private readonly lookups = new Map<string, PendingLookup>();
  private readonly inflight = new Map<string, Promise<string | null>>();
  private nextId = 0;

  constructor(
    private readonly server: Server,
    private readonly sys: Account,
    private readonly store: SyncedStore,
    intervalMs: number,
    private readonly timeoutMs: number,
  ) {
    this.sub = server.subscribeInternal(sys, `${this.inbox}>`, (subject, _reply, hdr, data) => {
      this.onReply(subject.slice(this.inbox.length), (hdr > 0 ? data.subarray(hdr) : data).toString("utf8").trim());
    });
    this.ticker = intervalMs > 0 ? setInterval(() => this.sendPack(), intervalMs) : null;
    this.ticker?.unref();
  }

  /** Whether a lookup can reach anyone (routes up). */
  get clustered(): boolean {
    return (this.server.routes?.remotes.size ?? 0) > 0;
  }

  /** Asks one peer for what this store lacks or has older (the periodic exchange). */
  sendPack(): void {
    if (!this.clustered) return;
    this.server.publishToPeers(this.sys, PACK_SUBJECT, `${this.inbox}pack`, Buffer.concat([this.store.hash(), CRLF]));
  }

  /**
   * Asks the cluster for `account`'s JWT; resolves once it is stored (null), or nobody had
   * it, or after the timeout (nats-server's error text). Concurrent lookups of one account
   * share one request. Never rejects.
   */
  lookup(account: string): Promise<string | null> {
    if (!this.clustered || this.store.fetch(account) !== undefined) return Promise.resolve(null);
    let p = this.inflight.get(account);
    if (p !== undefined) return p;
    const token = `l${++this.nextId}`;
    p = new Promise<string | null>((resolve) => {
      const done = (error: string | null): void => {
        const l = this.lookups.get(token);
        if (l !== undefined) clearTimeout(l.timer);
        this.lookups.delete(token);
        this.inflight.delete(account);
        resolve(error);
      };
      const timer = setTimeout(() => {
        this.server.logger.debug(`Account JWT lookup of ${account}: ${LOOKUP_TIMED_OUT}`);
        done(LOOKUP_TIMED_OUT);
      }, this.timeoutMs);
      timer.unref();
      this.lookups.set(token, { account, empties: 0, done, timer });
    });
    this.inflight.set(account, p);
    this.server.publishToPeers(this.sys, `$SYS.REQ.ACCOUNT.${account}.CLAIMS.LOOKUP`, `${this.inbox}${token}`, CRLF);
    return p;
  }

  private onReply(token: string, body: string): void {
    if (token === "pack") {
      if (body !== "") this.merge(body);
      return;
    }
    const l = this.lookups.get(token);
    if (l === undefined) return;
    if (body === "") {
      if (++l.empties >= (this.server.routes?.remotes.size ?? 0)) l.done(LOOKUP_NOT_FOUND);
      return;
    }
    this.storeIfNewer(l.account, body);
    l.done(this.store.fetch(l.account) !== undefined ? null : LOOKUP_NOT_FOUND);
  }

  /** dirstore.go Merge: `<account>|<jwt>` lines, each stored when newer. */
  private merge(pack: string): void {
    for (const line of pack.split("\n")) {
      if (line === "") continue;
      const [key, jwt, extra] = line.split("|");
      if (key === undefined || jwt === undefined || extra !== undefined || !ACCOUNT_KEY.test(key)) {
        this.server.logger.error(`DirResolver - Merging resulted in error: line in package didn't contain 2 entries`);
        return;
      }
      this.storeIfNewer(key, jwt);
    }
  }

  /**
   * dirstore.go saveIfNewer: kept when the store has no JWT for `account`, or one with
   * another `jti` issued no later; the new JWT must be `account`'s.
   */
  storeIfNewer(account: string, jwt: string): boolean {
    let next: { sub: string; iat: number; jti: string };
    try {
      next = decodeGenericJwt(jwt);
    } catch (err) {
      this.server.logger.error(`DirResolver - Merging resulted in error: ${(err as Error).message}`);
      return false;
    }
    if (next.sub !== account) return false;
    const existing = this.store.fetch(account);
    if (existing !== undefined) {
      try {
        const old = decodeGenericJwt(existing);
        if (old.jti === next.jti || old.iat > next.iat) return false;
      } catch {
        // An undecodable stored JWT is replaced.
      }
    }
    const err = this.store.apply(jwt);
    if (err !== null) this.server.logger.error(`DirResolver - Update for account ${account} resulted in error ${err}`);
    return err === null;
  }

  close(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    for (const l of [...this.lookups.values()]) l.done("fetching jwt failed due to shutdown");
    this.server.unsubscribeInternal(this.sub);
  }
}
