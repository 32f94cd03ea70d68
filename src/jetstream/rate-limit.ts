/**
 * A push consumer's `rate_limit_bps` (nats-server setRateLimit): a token bucket of bytes
 * filled at bps / 8 per second, holding at most `burst` bytes (the stream's max_msg_size,
 * else the server's max_payload). A message may take the bucket below zero (a reservation,
 * as Go's rate.Limiter ReserveN); the next one then waits until it is back at zero. Pure:
 * the caller passes the time.
 */
export class RateLimiter {
  private tokens: number;
  private lastMs: number;
  private readonly bytesPerMs: number;

  constructor(bps: number, private readonly burst: number, nowMs: number) {
    this.bytesPerMs = bps / 8 / 1000;
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** 0 when a message may go now, else the time (ms since the epoch) to try again. */
  readyAt(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 0 ? 0 : nowMs + Math.ceil(-this.tokens / this.bytesPerMs);
  }

  /** Takes `size` bytes for a message that went. */
  take(size: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= size;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + (nowMs - this.lastMs) * this.bytesPerMs);
      this.lastMs = nowMs;
    }
  }
}
