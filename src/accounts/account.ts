import { Sublist } from "../sublist/index.js";
import type { AccountImports } from "./imports.js";
import type { SubjectMappings } from "../sublist/transform.js";
import { Kind } from "../server/connection-kind.js";
import type { Subscription } from "../server/subscription.js";
import { addShadows, removeShadows, wantsShadows, type StreamImportRef } from "./shadow.js";

/** The global account every client lands in when no accounts are configured. */
export const GLOBAL_ACCOUNT = "$G";

/**
 * Told when an account's local interest changes (nats-server updateRouteSubscriptionMap,
 * updateLeafNodes): routes send RS+/RS-, leaf nodes LS+/LS- from here.
 */
export interface InterestListener {
  /**
   * `sub` entered (it is open) or left (it is closed) the account; `count` is how many
   * local subscriptions now share its subject and queue group (the queue weight). A plain
   * subject gains interest at count 1 and loses it at 0.
   */
  interestChanged(account: Account, sub: Subscription, count: number): void;
}

/**
 * Told of every subscription entering or leaving an account, whatever holds it, and of a
 * remote queue weight changing (nats-server updateLeafNodes): a leaf node forwards all the
 * interest its account has, a route's and other leaf nodes' included.
 */
export interface SubListener {
  /** `delta` > 0: added (or a queue weight grew); < 0: removed (or shrank). */
  subChanged(account: Account, sub: Subscription, delta: number): void;
}

/**
 * An isolated subject space: its own sublist, so messages never cross accounts unless
 * exported and imported (src/accounts/imports.ts).
 *
 * Subscriptions enter and leave only through `addSub`/`removeSub`: the one door where
 * interest changes, so whatever propagates interest (routes, leaf nodes, gateways)
 * listens here rather than at every call site.
 */
export class Account {
  readonly sublist = new Sublist<Subscription>();
  /** Imports/exports leaving this account; null (the common case) costs one check per PUB. */
  imports: AccountImports | null = null;
  /** Subject mappings applied to what this account's clients publish; null (the common case) costs one check per PUB. */
  mappings: SubjectMappings | null = null;
  /** `msg_trace`: the trace destination for sampled `traceparent` messages (msg-trace-external.ts); null when none. */
  traceDest: string | null = null;
  /** `msg_trace.sampling`: percent of those messages traced (1..100). */
  traceSampling = 100;
  /**
   * The stream imports this account makes; null when none. Each subscription added here then
   * gets its shadows in the exporters (accounts/shadow.ts).
   */
  streamImports: StreamImportRef[] | null = null;
  /**
   * Local subscriptions per `subject queue` key. Kept only while someone listens: a
   * server that is not part of a cluster pays nothing for it.
   */
  private interest: Map<string, number> | null = null;
  private readonly listeners: InterestListener[] = [];
  /** Null until a leaf node binds to this account. */
  private subListeners: SubListener[] | null = null;

  constructor(readonly name: string) {}

  addSub(sub: Subscription): void {
    this.sublist.insert(sub);
    if (this.interest !== null && isLocal(sub)) this.countInterest(sub, 1);
    if (this.subListeners !== null) this.subChanged(sub, sub.weight);
    if (this.streamImports !== null && wantsShadows(sub)) addShadows(this, sub, this.streamImports);
  }

  /** Returns false when `sub` was not in this account. */
  removeSub(sub: Subscription): boolean {
    if (!this.sublist.remove(sub)) return false;
    if (this.interest !== null && isLocal(sub)) this.countInterest(sub, -1);
    if (this.subListeners !== null) this.subChanged(sub, -sub.weight);
    if (sub.shadows !== null) removeShadows(sub);
    return true;
  }

  /**
   * A route's or leaf's queue subscription now stands for `weight` members (RS+/LS+ again);
   * its shadows in stream exporters stand for as many (nats-server updates the shadows' qw).
   */
  setWeight(sub: Subscription, weight: number): void {
    const delta = weight - sub.weight;
    sub.weight = weight;
    if (delta !== 0 && this.subListeners !== null) this.subChanged(sub, delta);
    if (sub.shadows !== null) for (const shadow of sub.shadows) shadow.im!.ref.exporter.setWeight(shadow, weight);
  }

  /** Removes many subscriptions at once (a closing connection). */
  removeSubs(subs: Iterable<Subscription>): void {
    if (this.interest === null && this.subListeners === null && this.streamImports === null) {
      this.sublist.removeBatch(subs);
      return;
    }
    for (const sub of subs) this.removeSub(sub);
  }

  /**
   * Sets the stream imports (config load or reload): the shadows of every subscription here
   * are rebuilt for them, unless they are the same imports as before (a reload or a JWT
   * account registered elsewhere must not make the cluster see interest go and come back).
   */
  setStreamImports(refs: StreamImportRef[] | null): void {
    if (sameImports(this.streamImports, refs)) return;
    const subs = this.sublist.all();
    for (const sub of subs) if (sub.shadows !== null) removeShadows(sub);
    this.streamImports = refs;
    if (refs === null) return;
    for (const sub of subs) if (!sub.closed && wantsShadows(sub)) addShadows(this, sub, refs);
  }

  /** Starts telling `l` about interest changes; counts what is already there. */
  addInterestListener(l: InterestListener): void {
    if (this.interest === null) {
      const interest = new Map<string, number>();
      for (const sub of this.sublist.all()) {
        if (!isLocal(sub)) continue;
        const key = interestKey(sub);
        interest.set(key, (interest.get(key) ?? 0) + 1);
      }
      this.interest = interest;
    }
    this.listeners.push(l);
  }

  removeInterestListener(l: InterestListener): void {
    const i = this.listeners.indexOf(l);
    if (i >= 0) this.listeners.splice(i, 1);
    if (this.listeners.length === 0) this.interest = null;
  }

  /** Starts telling `l` about every subscription change (a leaf node bound here). */
  addSubListener(l: SubListener): void {
    (this.subListeners ??= []).push(l);
  }

  removeSubListener(l: SubListener): void {
    if (this.subListeners === null) return;
    const i = this.subListeners.indexOf(l);
    if (i >= 0) this.subListeners.splice(i, 1);
    if (this.subListeners.length === 0) this.subListeners = null;
  }

  private subChanged(sub: Subscription, delta: number): void {
    for (const l of this.subListeners!) l.subChanged(this, sub, delta);
  }

  /** Local interest, one entry per subject and queue group with its count, for a newly connected peer. */
  localInterest(): Array<{ subject: string; queue: string | null; count: number }> {
    const byKey = new Map<string, { subject: string; queue: string | null; count: number }>();
    for (const sub of this.sublist.all()) {
      if (!isLocal(sub)) continue;
      const key = interestKey(sub);
      const entry = byKey.get(key);
      if (entry !== undefined) entry.count++;
      else byKey.set(key, { subject: sub.subject, queue: sub.queue, count: 1 });
    }
    return [...byKey.values()];
  }

  private countInterest(sub: Subscription, delta: number): void {
    const interest = this.interest!;
    const key = interestKey(sub);
    const count = (interest.get(key) ?? 0) + delta;
    if (count > 0) interest.set(key, count);
    else interest.delete(key);
    for (const l of this.listeners) l.interestChanged(this, sub, count);
  }
}

/**
 * Interest that this server propagates to its routes (and, as a spoke, to its hub): its own
 * clients', its own (JetStream's included), and that
 * of the leaf nodes it is the hub for. A hub's interest, seen on a leaf connection we
 * made as a spoke, stays here (nats-server processLeafSub forwards only when not a spoke).
 */
export function isLocal(sub: Subscription): boolean {
  const c = sub.conn;
  const kind = c.kind;
  return kind === Kind.CLIENT || kind === Kind.SYSTEM || kind === Kind.JETSTREAM || (kind === Kind.LEAF && !c.isSpoke);
}

function sameImports(a: readonly StreamImportRef[] | null, b: readonly StreamImportRef[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((r, i) => r.key === b[i]!.key && r.exporter === b[i]!.exporter);
}

function interestKey(sub: Subscription): string {
  return sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
}
