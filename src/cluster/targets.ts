/**
 * The routes and leaf nodes one message goes to (nats-server client.go `in.rts`,
 * addSubToRouteTargets): while the delivery step walks a match result, every subscription
 * held by a link is collected here, so each link gets one RMSG/LMSG carrying the names of
 * the queue groups it was chosen for, however many of its subscriptions matched.
 *
 * Reused for every message: nothing is allocated once the arrays have grown. Nested
 * deliveries (a server callback publishing while a message is being delivered) work on
 * the entries above `base`, which the caller saves and restores around the callback.
 */
import type { PubArg } from "../protocol/pub-arg.js";
import type { Connection } from "../server/connection.js";
import type { Subscription } from "../server/subscription.js";
import type { Link } from "./link.js";

const SPACE = 32;

export class LinkTargets {
  /** Links collected so far for the message being delivered (from `base` to `count`). */
  private readonly links: Link[] = [];
  /** Per link: the first subscription of it that matched (routes take the account from it). */
  private readonly firsts: Subscription[] = [];
  count = 0;
  /** Where the current delivery's entries start (nested deliveries move it up). */
  base = 0;
  /** Queue subscriptions chosen on links, in order; `qbase` as `base`. */
  private readonly qsubs: Subscription[] = [];
  qcount = 0;
  qbase = 0;
  /** Scratch for one link's queue names, each followed by a space. */
  private qbuf: Buffer = Buffer.allocUnsafe(256);
  /**
   * Per entry: the message as a stream importer's shadow delivers it (its own subject), or
   * null for the message being delivered. Such an entry is never merged with another.
   */
  private readonly derived: Array<PubArg | null> = [];

  /** Adds `link` as a target for its subscription `sub`; a queue subscription adds its group. */
  add(link: Link, sub: Subscription): void {
    let i = this.base;
    const n = this.count;
    while (i < n && (this.links[i] !== link || this.derived[i] !== null)) i++;
    if (i === n) {
      this.links[n] = link;
      this.firsts[n] = sub;
      this.derived[n] = null;
      this.count = n + 1;
    }
    if (sub.queue !== null) this.qsubs[this.qcount++] = sub;
  }

  /**
   * Adds a leaf node's subscription `origin` reached through its shadow in a stream exporter
   * (accounts/shadow.ts): the link gets `pa`, the message under the importer's subject, in
   * the same batch as the other links (so a traced copy gets its hop like any other).
   */
  addShadow(link: Link, origin: Subscription, pa: PubArg): void {
    const n = this.count;
    this.links[n] = link;
    this.firsts[n] = origin;
    this.derived[n] = pa;
    this.count = n + 1;
  }

  /** Writes the message to every collected link and forgets them. */
  flush(producer: Connection | null, pa: PubArg): void {
    const base = this.base;
    const n = this.count;
    for (let i = base; i < n; i++) {
      const link = this.links[i]!;
      if (link.closed) continue;
      const d = this.derived[i]!;
      if (d !== null) {
        this.derived[i] = null;
        link.sendMsg(producer, this.firsts[i]!, d, this.qbuf, this.originQueue(this.firsts[i]!));
      } else link.sendMsg(producer, this.firsts[i]!, pa, this.qbuf, this.queueNames(link));
    }
    this.count = base;
    this.qcount = this.qbase;
  }

  /**
   * As {@link flush}, for a traced message (msg-trace-deliver.ts): `each` gives the copy for
   * one link (with its hop id), or null to skip the link.
   */
  flushEach(producer: Connection | null, pa: PubArg, each: (link: Link, pa: PubArg) => PubArg | null): void {
    const base = this.base;
    const n = this.count;
    for (let i = base; i < n; i++) {
      const link = this.links[i]!;
      const d = this.derived[i]!;
      this.derived[i] = null;
      if (link.closed) continue;
      const out = each(link, d ?? pa);
      if (out === null) continue;
      link.sendMsg(producer, this.firsts[i]!, out, this.qbuf, d !== null ? this.originQueue(this.firsts[i]!) : this.queueNames(link));
    }
    this.count = base;
    this.qcount = this.qbase;
  }

  /** Fills `qbuf` with a shadow's subscription's queue name, if any; returns its length. */
  private originQueue(origin: Subscription): number {
    const q = origin.queue;
    if (q === null) return 0;
    if (q.length + 1 > this.qbuf.length) this.grow(q.length + 1);
    const len = this.qbuf.write(q, 0, "latin1");
    this.qbuf[len] = SPACE;
    return len + 1;
  }

  /** Fills `qbuf` with the queue names chosen on `link`; returns their length. */
  private queueNames(link: Link): number {
    let len = 0;
    for (let j = this.qbase; j < this.qcount; j++) {
      const sub = this.qsubs[j]!;
      if (sub.conn !== link) continue;
      const q = sub.queue!;
      if (len + q.length + 1 > this.qbuf.length) this.grow(len + q.length + 1);
      len += this.qbuf.write(q, len, "latin1");
      this.qbuf[len++] = SPACE;
    }
    return len;
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(need, this.qbuf.length * 2));
    this.qbuf.copy(bigger);
    this.qbuf = bigger;
  }
}
