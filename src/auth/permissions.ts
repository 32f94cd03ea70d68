/**
 * Per-user publish/subscribe permissions and the per-connection publish cache
 * (nats-server client.go setPermissions, pubAllowedFullCheck, canSubscribe, queueMatches).
 *
 * Pure: built once per user from {@link PermissionsOptions}; the matchers are shared by all
 * of that user's connections, each connection owns a {@link ConnectionPermissions} with its
 * bounded publish cache and its allow_responses reply table. A connection whose user has no
 * permissions gets no object at all, so the hot path pays one null check.
 */
import { Sublist, subjectIsSubsetMatch, wireSubject } from "../sublist/index.js";
import type { PermissionsOptions, ResponsePermission } from "../server/options.js";

/** nats-server client.go maxPermCacheSize: publish cache entries per connection. */
export const MAX_PERM_CACHE_SIZE = 128;
/** nats-server client.go pruneSize: entries dropped when the cache is full. */
export const PERM_CACHE_PRUNE_SIZE = 32;
/** Longest subject kept in the one-entry byte cache. */
const LAST_SUBJECT_MAX = 256;
/** nats-server client.go replyPermLimit: reply entries kept before expired ones are swept. */
export const REPLY_PERM_LIMIT = 4096;

/** One allow/deny entry, stored in a sublist so wildcards match as subscriptions do. */
class PermEntry {
  constructor(
    readonly subject: string,
    readonly queue: string | null,
  ) {}
}

/** `"subject"` or `"subject queue"` (nats-server queueSubjectsFromString). */
export function splitPermSubject(s: string): { subject: string; queue: string | null } {
  const fields = s.trim().split(/\s+/);
  return { subject: fields[0] ?? "", queue: fields.length > 1 ? (fields[1] ?? null) : null };
}

function sublistOf(subjects: readonly string[] | undefined, withQueues: boolean): Sublist<PermEntry> | null {
  if (subjects === undefined) return null;
  const sl = new Sublist<PermEntry>();
  for (const given of subjects) {
    const s = wireSubject(given);
    if (withQueues) {
      const { subject, queue } = splitPermSubject(s);
      sl.insert(new PermEntry(subject, queue));
    } else sl.insert(new PermEntry(s, null));
  }
  return sl;
}

/** nats-server queueMatches: the queue is named (or wildcard-matched) by one of the entries. */
function queueMatches(queue: string, qsubs: readonly (readonly PermEntry[])[]): boolean {
  if (qsubs.length === 0) return true;
  for (const group of qsubs) {
    const qname = group[0]?.queue ?? "";
    if (queue === qname) return true;
    if ((qname.includes("*") || qname.includes(">")) && subjectIsSubsetMatch(queue, qname)) return true;
  }
  return false;
}

/**
 * The compiled permissions of one user. Immutable; shared by that user's connections.
 * Semantics as nats-server: no allow list means everything is allowed, a deny entry wins
 * over an allow entry; a publish `allow: []` (set by allow_responses) allows nothing.
 */
export class Permissions {
  readonly pubAllow: Sublist<PermEntry> | null;
  readonly pubDeny: Sublist<PermEntry> | null;
  readonly subAllow: Sublist<PermEntry> | null;
  readonly subDeny: Sublist<PermEntry> | null;
  /** Deny subjects as written, to spot wildcard subscriptions that overlap them. */
  readonly subDenyList: readonly string[];
  readonly responses: ResponsePermission | null;

  constructor(readonly options: PermissionsOptions) {
    const pub = options.publish;
    const sub = options.subscribe;
    // As nats-server's config does: response permissions turn off "publish anything".
    this.pubAllow = sublistOf(pub?.allow ?? (options.allowResponses ? [] : undefined), false);
    this.pubDeny = pub?.deny && pub.deny.length > 0 ? sublistOf(pub.deny, false) : null;
    this.subAllow = sub?.allow && sub.allow.length > 0 ? sublistOf(sub.allow, true) : null;
    this.subDeny = sub?.deny && sub.deny.length > 0 ? sublistOf(sub.deny, true) : null;
    this.subDenyList = (sub?.deny ?? []).map(wireSubject);
    this.responses = options.allowResponses ?? null;
  }

  /** True when the publish side restricts anything (else the cache is never consulted). */
  get restrictsPublish(): boolean {
    return this.pubAllow !== null || this.pubDeny !== null;
  }

  /** The uncached publish decision (allow list, then deny list). */
  publishAllowed(subject: string): boolean {
    let allowed = true;
    if (this.pubAllow !== null) allowed = this.pubAllow.match(subject).psubs.length > 0;
    if (allowed && this.pubDeny !== null) allowed = this.pubDeny.match(subject).psubs.length === 0;
    return allowed;
  }

  /**
   * nats-server canSubscribe. `allow = ["foo"]` permits any queue on foo; `["foo v1"]`
   * permits only queue v1 (no plain subscription); a queue named in deny is refused.
   */
  subscribeAllowed(subject: string, queue: string | null): boolean {
    let allowed = true;
    if (this.subAllow !== null) {
      const r = this.subAllow.match(subject);
      allowed = r.psubs.length > 0;
      if (queue !== null && r.qsubs.length > 0) allowed = queueMatches(queue, r.qsubs);
    }
    if (allowed && this.subDeny !== null) {
      const r = this.subDeny.match(subject);
      allowed = r.psubs.length === 0;
      if (queue !== null && r.qsubs.length > 0) allowed = !queueMatches(queue, r.qsubs);
    }
    return allowed;
  }

  /**
   * True when a wildcard subscription may receive messages on subjects its deny list
   * forbids (`sub: foo.*` with `deny: foo.bar`): deliveries to it must then be filtered
   * (nats-server loadMsgDenyFilter).
   */
  needsDeliveryFilter(subject: string): boolean {
    if (this.subDeny === null || !(subject.includes("*") || subject.includes(">"))) return false;
    for (const d of this.subDenyList) {
      if (subjectIsSubsetMatch(splitPermSubject(d).subject, subject)) return true;
    }
    return false;
  }

  /** Whether a message on `subject` may be delivered to this user (deny list only). */
  deliveryAllowed(subject: string): boolean {
    return this.subDeny === null || this.subDeny.match(subject).psubs.length === 0;
  }
}

/** An allow_responses entry: a reply subject this connection may publish to, for a while. */
interface ReplyGrant {
  sinceMs: number;
  count: number;
}

/**
 * One connection's view of its user's permissions: the bounded publish cache
 * (subject → allowed) and the reply subjects granted by allow_responses.
 * `now` is injected so expiry is testable without waiting.
 */
export class ConnectionPermissions {
  private readonly pubCache = new Map<string, boolean>();
  /** One-entry cache by subject bytes, so a repeated subject costs no string (client.go readCache idea). */
  private readonly lastSubject = Buffer.allocUnsafe(LAST_SUBJECT_MAX);
  private lastLen = -1;
  private lastAllowed = false;
  /** Whether the last canPublish decision may be cached (reply grants may not). */
  private lastCacheable = false;
  /** Reply subjects seen on delivered requests; null without allow_responses. */
  private readonly replies: Map<string, ReplyGrant> | null;

  constructor(
    readonly perms: Permissions,
    private readonly now: () => number = Date.now,
  ) {
    this.replies = perms.responses !== null ? new Map() : null;
  }

  /** Whether subscribing is allowed (not cached: SUB is not the hot path). */
  canSubscribe(subject: string, queue: string | null): boolean {
    return this.perms.subscribeAllowed(subject, queue);
  }

  /**
   * nats-server pubAllowedFullCheck: a cached lookup, then the sublists; a denied subject
   * may still be an allowed response (counted and expired, never cached).
   */
  canPublish(subject: string): boolean {
    const perms = this.perms;
    this.lastCacheable = true;
    if (!perms.restrictsPublish) return true;
    const cached = this.pubCache.get(subject);
    if (cached !== undefined) return cached;
    const allowed = perms.publishAllowed(subject);
    if (!allowed && this.replies !== null) {
      this.lastCacheable = false;
      return this.useReply(subject);
    }
    const cache = this.pubCache;
    cache.set(subject, allowed);
    if (cache.size > MAX_PERM_CACHE_SIZE) {
      // Maps iterate in insertion order: drop the oldest entries.
      let n = 0;
      for (const k of cache.keys()) {
        cache.delete(k);
        if (++n >= PERM_CACHE_PRUNE_SIZE) break;
      }
    }
    return allowed;
  }

  /**
   * {@link canPublish} for a subject given as bytes `buf[start, end)` (the PUB control
   * line): when the subject repeats, the answer comes without making a string.
   */
  canPublishBytes(buf: Buffer, start: number, end: number): boolean {
    const n = end - start;
    if (n === this.lastLen) {
      const last = this.lastSubject;
      let i = 0;
      while (i < n && last[i] === buf[start + i]) i++;
      if (i === n) return this.lastAllowed;
    }
    const allowed = this.canPublish(buf.toString("latin1", start, end));
    if (this.lastCacheable && n <= LAST_SUBJECT_MAX) {
      buf.copy(this.lastSubject, 0, start, end);
      this.lastLen = n;
      this.lastAllowed = allowed;
    } else this.lastLen = -1;
    return allowed;
  }

  /** Number of cached publish decisions (for tests and /connz). */
  get cacheSize(): number {
    return this.pubCache.size;
  }

  /** True when deliveries of requests to this connection must record their reply subject. */
  get tracksReplies(): boolean {
    return this.replies !== null;
  }

  /** Records that a request with this reply subject was delivered here (allow_responses). */
  grantReply(reply: string): void {
    const replies = this.replies;
    if (replies === null || reply === "") return;
    replies.set(reply, { sinceMs: this.now(), count: 0 });
    if (replies.size > REPLY_PERM_LIMIT) this.pruneReplies();
  }

  private useReply(subject: string): boolean {
    const replies = this.replies!;
    const grant = replies.get(subject);
    if (grant === undefined) return false;
    const rp = this.perms.responses!;
    grant.count++;
    if (rp.maxMsgs > 0 && grant.count > rp.maxMsgs) {
      replies.delete(subject);
      return false;
    }
    if (rp.expiresMs > 0 && this.now() - grant.sinceMs > rp.expiresMs) {
      replies.delete(subject);
      return false;
    }
    if (rp.maxMsgs > 0 && grant.count >= rp.maxMsgs) replies.delete(subject);
    return true;
  }

  /** Drops expired and used-up grants (nats-server pruneReplyPerms). */
  private pruneReplies(): void {
    const rp = this.perms.responses!;
    const now = this.now();
    for (const [k, g] of this.replies!) {
      if ((rp.maxMsgs > 0 && g.count >= rp.maxMsgs) || (rp.expiresMs > 0 && now - g.sinceMs > rp.expiresMs)) {
        this.replies!.delete(k);
      }
    }
  }

  /** Number of live reply grants (for tests). */
  get replyCount(): number {
    return this.replies?.size ?? 0;
  }
}
