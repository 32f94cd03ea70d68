/**
 * The dashboard's memory: once a second, the server's message and byte counters are
 * turned into per-second rates and kept for the last {@link HISTORY_SECONDS}, so a page
 * opened now shows the last minutes at once. Costs a few number copies per second.
 *
 * Busiest subjects come from the per-subscription delivery counters the server already
 * keeps (`Subscription.delivered`): the sampler diffs them between ticks, so the hot
 * path is untouched. That ranks subjects by messages *delivered* to subscriptions
 * (wildcard subscriptions show as their pattern); messages nobody subscribes to do not
 * appear. The scan walks every subscription, so it runs only while a dashboard is open.
 */
import { displaySubject } from "../sublist/index.js";
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import type { UsageSampler } from "./usage.js";

/** Seconds of rate history kept (5 minutes at one sample a second). */
export const HISTORY_SECONDS = 300;
/** Subscriptions on reply inboxes (`_INBOX.`), left out of the busiest subjects. */
const INBOX_PREFIX = "_INBOX.";

/** How many busiest subjects the dashboard shows. */
export const TOP_SUBJECTS = 10;
/** After a dashboard request, subject sampling stays on this long. */
export const ACTIVE_WINDOW_MS = 30_000;
const SAMPLE_INTERVAL_MS = 1000;

/** Rates over one sample interval. */
export interface RateSample {
  /** Epoch ms at the end of the interval. */
  t: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  connections: number;
  slowConsumers: number;
}

/** One row of the busiest-subjects table. */
export interface SubjectRate {
  subject: string;
  /** Messages delivered per second over the last interval, all subscriptions summed. */
  msgsPerSec: number;
  /** Messages delivered since the subscriptions were made (sum of their counters). */
  delivered: number;
  subscriptions: number;
  /** Queue groups among them, if any. */
  queues: string[];
}

/** Previous delivery counts per subscription; a new map is built each tick. */
export type DeliveredSnapshot = Map<Subscription, number>;

/**
 * Pure step of the subject ranking: given the previous snapshot and the current
 * subscriptions, returns the next snapshot and the top `n` subjects by rate. A
 * subscription missing from `prev` counts from zero only when `prev` is non-empty
 * (so turning sampling on does not report history as one burst).
 */
export function rankSubjects(
  prev: DeliveredSnapshot | null,
  subs: Iterable<Subscription>,
  dtSec: number,
  n = TOP_SUBJECTS,
): { next: DeliveredSnapshot; top: SubjectRate[] } {
  const next: DeliveredSnapshot = new Map();
  const bySubject = new Map<string, SubjectRate>();
  for (const sub of subs) {
    const delivered = sub.delivered;
    next.set(sub, delivered);
    // Reply inboxes are plumbing, one per requester: they would crowd out real subjects.
    if (sub.subject.startsWith(INBOX_PREFIX)) continue;
    const before = prev === null ? delivered : (prev.get(sub) ?? 0);
    const delta = Math.max(0, delivered - before);
    let row = bySubject.get(sub.subject);
    if (!row) {
      row = { subject: displaySubject(sub.subject), msgsPerSec: 0, delivered: 0, subscriptions: 0, queues: [] };
      bySubject.set(sub.subject, row);
    }
    row.msgsPerSec += dtSec > 0 ? delta / dtSec : 0;
    row.delivered += delivered;
    row.subscriptions++;
    if (sub.queue && !row.queues.includes(sub.queue)) row.queues.push(sub.queue);
  }
  const top = [...bySubject.values()]
    .filter((r) => r.delivered > 0)
    .sort((a, b) => b.msgsPerSec - a.msgsPerSec || b.delivered - a.delivered || (a.subject < b.subject ? -1 : 1))
    .slice(0, n);
  for (const r of top) r.msgsPerSec = Math.round(r.msgsPerSec * 10) / 10;
  return { next, top };
}

/** Samples the server once a second; see the module comment. */
export class Sampler {
  readonly history: RateSample[] = [];
  subjects: SubjectRate[] = [];
  private activeUntilMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastT: number;
  private lastIn = 0;
  private lastOut = 0;
  private lastInBytes = 0;
  private lastOutBytes = 0;
  private delivered: DeliveredSnapshot | null = null;

  constructor(
    private readonly server: Server,
    private readonly usage: UsageSampler,
    private readonly clock: () => number = Date.now,
  ) {
    this.lastT = clock();
    this.lastIn = server.inMsgs;
    this.lastOut = server.outMsgs;
    this.lastInBytes = server.inBytes;
    this.lastOutBytes = server.outBytes;
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.tick(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** A dashboard asked for data: keep the costlier sampling on for a while. */
  markActive(): void {
    this.activeUntilMs = this.clock() + ACTIVE_WINDOW_MS;
  }

  get active(): boolean {
    return this.clock() < this.activeUntilMs;
  }

  /** One sample; public so tests can drive it without waiting. */
  tick(): void {
    const s = this.server;
    const now = this.clock();
    const dtSec = Math.max(0.001, (now - this.lastT) / 1000);
    const rate = (v: number): number => Math.round((v / dtSec) * 10) / 10;
    this.history.push({
      t: now,
      inMsgs: rate(s.inMsgs - this.lastIn),
      outMsgs: rate(s.outMsgs - this.lastOut),
      inBytes: rate(s.inBytes - this.lastInBytes),
      outBytes: rate(s.outBytes - this.lastOutBytes),
      connections: s.clients.size,
      slowConsumers: s.slowConsumers,
    });
    if (this.history.length > HISTORY_SECONDS) this.history.shift();
    this.lastT = now;
    this.lastIn = s.inMsgs;
    this.lastOut = s.outMsgs;
    this.lastInBytes = s.inBytes;
    this.lastOutBytes = s.outBytes;
    this.usage.sample();
    if (this.active) {
      const r = rankSubjects(this.delivered, allSubscriptions(s), dtSec);
      this.delivered = r.next;
      this.subjects = r.top;
    } else if (this.delivered !== null) {
      this.delivered = null;
      this.subjects = [];
    }
  }
}

function* allSubscriptions(s: Server): Generator<Subscription> {
  for (const c of s.clients.values()) yield* c.subs.values();
}
