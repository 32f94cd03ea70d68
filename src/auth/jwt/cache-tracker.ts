/**
 * A directory resolver's bounds (nats-server dirstore.go expirationTracker). The `cache`
 * resolver (evictOnLimit, as NewCacheDirAccResolver sets it up): at most `limit` JWTs, the
 * least recently used evicted first. The `full` one (NewDirAccResolver: no ttl, no
 * eviction) refuses new accounts past `limit` (see admits) and drops JWTs whose `exp` passed.
 * Either: with a `ttl`, a JWT not used for that long is removed (every
 * use renews it), checked every ttl/2; without one (`ttl` 0), a JWT is removed when its own
 * `exp` passes (dirstore.go track: the ttl takes precedence over the JWT's expiry), on one
 * timer armed for the earliest expiry. Removing is the owner's job (`evict`): the file goes
 * and the account is shut as a deleted one (nats-server removeCb). Pure bookkeeping plus
 * one coarse timer; no I/O here.
 */

/** Smallest expiry check period, so a tiny ttl does not spin. */
const MIN_CHECK_MS = 50;

export class CacheTracker {
  /** Account → when it expires (ms, 0 = never); Map order is least recently used first. */
  private readonly entries = new Map<string, number>();
  private readonly timer: NodeJS.Timeout | null = null;
  /** ttl 0: the one-shot timer for the earliest JWT expiry, and when it fires (ms). */
  private expTimer: NodeJS.Timeout | null = null;
  private expTimerAtMs = 0;

  constructor(
    private readonly limit: number,
    private readonly ttlMs: number,
    /** Past the limit, evict the least recently used (cache) rather than refuse (full). */
    private readonly evictOnLimit: boolean,
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

  /** Whether `account` may be stored: known, under the limit, or the oldest is evicted instead. */
  admits(account: string): boolean {
    return this.evictOnLimit || this.entries.has(account) || this.entries.size < this.limit;
  }

  /**
   * A JWT stored: most recently used, expiring after the ttl, or (ttl 0) at the JWT's own
   * expiry `jwtExpMs` (0: never); over the limit, the oldest goes.
   */
  touch(account: string, nowMs = Date.now(), jwtExpMs = 0): void {
    this.entries.delete(account);
    const at = this.ttlMs > 0 ? nowMs + this.ttlMs : jwtExpMs;
    this.entries.set(account, at);
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evict(oldest);
    }
    if (this.ttlMs === 0 && at > 0) this.armExpiry(nowMs);
  }

  /**
   * A JWT used: most recently used, its ttl renewed (dirstore.go updateTrack: the JWT's own
   * expiry is kept), only when tracked (a miss stays a miss).
   */
  used(account: string, nowMs = Date.now()): void {
    const at = this.entries.get(account);
    if (at === undefined) return;
    this.entries.delete(account);
    this.entries.set(account, this.ttlMs > 0 ? nowMs + this.ttlMs : at);
  }

  /** ttl 0: (re)arms the one timer for the earliest JWT expiry still tracked. */
  private armExpiry(nowMs: number): void {
    let next = 0;
    for (const at of this.entries.values()) if (at !== 0 && (next === 0 || at < next)) next = at;
    if (next === 0 || (this.expTimer !== null && this.expTimerAtMs <= next)) return;
    if (this.expTimer !== null) clearTimeout(this.expTimer);
    this.expTimerAtMs = next;
    this.expTimer = setTimeout(() => {
      this.expTimer = null;
      const now = Date.now();
      this.expire(now);
      this.armExpiry(now);
    }, Math.min(Math.max(next - nowMs, 0), 2 ** 31 - 1));
    this.expTimer.unref();
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
    if (this.expTimer !== null) clearTimeout(this.expTimer);
    this.expTimer = null;
  }
}
