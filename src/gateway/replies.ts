/**
 * The two short-lived memories behind `_GR_.` reply routing (nats-server gateway.go rsubs,
 * trackGWReply, gwReplyMapping):
 *
 * - `RecentSubs`: subscriptions made in the last two seconds. A request whose reply
 *   subject matches one may reach a remote cluster before that cluster heard of the new
 *   subscription, so its reply is sent mapped (`_GR_.<cluster>.<server>.reply`) and the
 *   answer comes straight back to this server whatever the interest says.
 * - `ReplyMap`: on the responder's side, the plain reply a client was given for a mapped
 *   one, for two seconds, so the response it publishes goes back by the mapped subject.
 *
 * Both expire in the order they were made (one TTL), so one timer and a queue do.
 */
import type { Account } from "../accounts/account.js";
import type { Subscription } from "../server/subscription.js";
import { Sublist } from "../sublist/index.js";
import { GW_SUBJECT_OFFSET } from "./gateway-proto.js";

/** gateway.go defaultGatewayRecentSubExpiration. */
export const RECENT_SUB_TTL_MS = 2000;

interface Expiring {
  exp: number;
  expire: () => void;
}

/** A FIFO of things that expire after the same TTL, swept by one timer. */
class ExpiryQueue {
  private items: Expiring[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  push(expire: () => void): void {
    this.items.push({ exp: this.now() + this.ttlMs, expire });
    if (this.timer === null) this.arm(this.ttlMs);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.sweep(), Math.max(1, ms));
    this.timer.unref();
  }

  /** Expires what is due; re-arms for the next one. */
  sweep(): void {
    this.timer = null;
    const now = this.now();
    while (this.head < this.items.length && this.items[this.head]!.exp <= now) this.items[this.head++]!.expire();
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.items.length) this.arm(this.items[this.head]!.exp - now);
    else {
      this.items = [];
      this.head = 0;
    }
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.items = [];
    this.head = 0;
  }
}

/** Subscriptions of the last TTL, per account. */
export class RecentSubs {
  private readonly lists = new Map<Account, Sublist<Subscription>>();
  private readonly queue: ExpiryQueue;

  constructor(ttlMs = RECENT_SUB_TTL_MS, now: () => number = Date.now) {
    this.queue = new ExpiryQueue(ttlMs, now);
  }

  add(account: Account, sub: Subscription): void {
    let sl = this.lists.get(account);
    if (sl === undefined) {
      sl = new Sublist<Subscription>();
      this.lists.set(account, sl);
    }
    sl.insert(sub);
    this.queue.push(() => this.remove(account, sub));
  }

  remove(account: Account, sub: Subscription): void {
    const sl = this.lists.get(account);
    if (sl === undefined || !sl.remove(sub)) return;
    if (sl.count() === 0) this.lists.delete(account);
  }

  /** nats-server shouldMapReplyForGatewaySend. */
  matches(account: Account, reply: string): boolean {
    const sl = this.lists.get(account);
    if (sl === undefined) return false;
    const r = sl.match(reply);
    return r.psubs.length + r.qsubs.length > 0;
  }

  stop(): void {
    this.queue.stop();
    this.lists.clear();
  }
}

/** Plain reply → mapped reply, per account, for the TTL. */
export class ReplyMap {
  private readonly maps = new Map<Account, Map<string, string>>();
  private readonly queue: ExpiryQueue;
  /** How many mappings are held: 0 lets a publish skip the lookup. */
  size = 0;

  constructor(ttlMs = RECENT_SUB_TTL_MS, now: () => number = Date.now) {
    this.queue = new ExpiryQueue(ttlMs, now);
  }

  /** Remembers `routed` (a `_GR_.` subject) under its plain reply. */
  track(account: Account, routed: string): void {
    let m = this.maps.get(account);
    if (m === undefined) {
      m = new Map();
      this.maps.set(account, m);
    }
    const plain = routed.slice(GW_SUBJECT_OFFSET);
    if (!m.has(plain)) this.size++;
    m.set(plain, routed);
    this.queue.push(() => this.expire(account, plain, routed));
  }

  lookup(account: Account, subject: string): string | null {
    return this.maps.get(account)?.get(subject) ?? null;
  }

  private expire(account: Account, plain: string, routed: string): void {
    const m = this.maps.get(account);
    // A newer mapping of the same reply has its own entry in the queue.
    if (m === undefined || m.get(plain) !== routed) return;
    m.delete(plain);
    this.size--;
    if (m.size === 0) this.maps.delete(account);
  }

  stop(): void {
    this.queue.stop();
    this.maps.clear();
    this.size = 0;
  }
}
