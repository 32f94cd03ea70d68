/**
 * The `cache` resolver's bounds (nats-server dirstore.go expirationTracker with
 * evictOnLimit, as NewCacheDirAccResolver sets it up): at most `limit` JWTs, the least
 * recently used evicted first; with a `ttl`, a JWT not used for that long is removed (every
 * use renews it), checked every ttl/2. Removing is the owner's job (`evict`): the file goes
 * and the account is shut as a deleted one (nats-server removeCb). Pure bookkeeping plus
 * one coarse timer; no I/O here.
 */

/** Smallest expiry check period, so a tiny ttl does not spin. */
const MIN_CHECK_MS = 50;

export class CacheTracker {
  /** Account → when it expires (ms, 0 = never); Map order is least recently used first. */
  private readonly entries = new Map<string, number>();
  private readonly timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limit: number,
    private readonly ttlMs: number,
    private readonly evict: (account: string) => void,
  ) {
    if (ttlMs > 0) {
      this.timer = setInterval(() => this.expire(Date.now()), Math.max(MIN_CHECK_MS, Math.floor(ttlMs / 2)));
      this.timer.unref();
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** A JWT stored (or used): most recently used, its ttl renewed; over the limit, the oldest goes. */
  touch(account: string, nowMs = Date.now()): void {
    this.entries.delete(account);
    this.entries.set(account, this.ttlMs > 0 ? nowMs + this.ttlMs : 0);
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evict(oldest);
    }
  }

  /** A JWT used: renewed only when tracked (a miss stays a miss). */
  used(account: string, nowMs = Date.now()): void {
    if (this.entries.has(account)) this.touch(account, nowMs);
  }

  forget(account: string): void {
    this.entries.delete(account);
  }

  /** Removes every entry whose ttl has passed. */
  expire(nowMs: number): void {
    for (const [account, at] of [...this.entries]) {
      if (at !== 0 && at <= nowMs) {
        this.entries.delete(account);
        this.evict(account);
      }
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}
