/**
 * One consumer (nats-server consumer.go): its delivery state (next stream sequence, next
 * delivery sequence, ack floors, pending acks, redelivery counts and queue), how acks,
 * naks, progress and terms change it, and when it wakes (ack deadlines, pull request
 * expiry, heartbeats, inactivity). Delivery itself is in consumer-deliver.ts. Each state
 * change is handed to the consumer store as an operation (delivered, acked), the split a
 * replicated consumer will propose instead.
 */
import type { Subscription } from "../server/subscription.js";
import { wireSubject } from "../sublist/index.js";
import { ackKind, AckKind, ackPrefix, parseAckReply, type AckInfo } from "./ack.js";
import { ackMetric, consumerAction, maxDeliveries, nakAdvisory, termAdvisory } from "./advisories.js";
import { filtersOf, isDurable } from "./consumer-config.js";
import { deliverBatch, processNextRequest, processWaiting, sendHeartbeat } from "./consumer-deliver.js";
import type { JetStream } from "./jetstream.js";
import type { TimerTarget, WorkTarget } from "./scheduler.js";
import { makeFilter, tsToIso, type ConsumerStore, type StoreMsg, type SubjectFilter } from "./store/index.js";
import type { Stream } from "./stream.js";
import { subjectHasWildcard } from "./subjects.js";
import { NS_PER_MS, parseDurationText } from "./time.js";
import type { ConsumerConfig, ConsumerInfo } from "./types.js";
import { WaitQueue } from "./wait-queue.js";

/** A delivered, unacknowledged message. */
export interface PendingAck {
  dseq: number;
  /** Last delivery time (ms since the epoch); the ack deadline counts from it. */
  tsMs: number;
}

/**
 * In-process delivery for a stream's own mirror / source consumers: called with each
 * message instead of publishing it. Returns false to refuse it (it is then redelivered).
 */
export type ConsumerSink = (sm: StoreMsg, dc: number, pending: number) => boolean;

/** Reasons nats-server gives when it terminates a pending message itself. */
export const TERM_UNACKED_LIMITS = "Unacknowledged message was deleted";
/** ackWaitDelay: acks are given a millisecond of grace. */
const ACK_WAIT_DELAY_MS = 1;
/** How often an unbound push consumer checks for a subscriber on its deliver subject. */
export const INTEREST_POLL_MS = 100;

export class Consumer implements TimerTarget, WorkTarget {
  readonly js: JetStream;
  /** Display-form filters (filter_subject or filter_subjects); empty = all. */
  filters: string[] = [];
  /** The filters for store scans (wire form); null when unfiltered. */
  storeFilter: SubjectFilter | null = null;
  singleFilter = "";
  singleFilterWild = false;

  /** Next stream sequence to look at; next delivery (consumer) sequence. */
  sseq = 1;
  dseq = 1;
  /** Ack floors: consumer and stream sequence below which everything is acked. */
  adflr = 0;
  asflr = 0;
  readonly pending = new Map<number, PendingAck>();
  /** Stream sequence → times redelivered (nats-server rdc holds delivery count - 1). */
  readonly rdc = new Map<number, number>();
  /** Stream sequences to redeliver, in order, and their set. */
  rdq: number[] = [];
  readonly rdqSet = new Set<number>();
  /** Messages still to deliver (num_pending), kept incrementally; valid from `npf` on. */
  npc = 0;
  npf = 0;
  /** Deliver-last-per-subject: the sequences to deliver first, then resume at `lssResume`. */
  lss: number[] = [];
  lssResume = 0;
  lastDeliveredMs = 0;
  lastAckMs = 0;

  /** Pull consumers: waiting requests. */
  waiting: WaitQueue | null = null;
  /** Push consumers: a subscriber is on the deliver subject. */
  active = false;
  private interestGen = -1;
  /** Flow control (push): bytes in flight, limits, the outstanding request subject. */
  pbytes = 0;
  maxpb = 0;
  pblimit = 0;
  fcid = "";
  fcsz = 0;
  /** Push idle heartbeat: next time one is due (ms). */
  hbAtMs = 0;
  /** Replay original: stream time of the last delivered message (ms), and when it went. */
  replayLastTsMs = 0;
  replayLastAtMs = 0;
  replayNextAtMs = 0;
  /** Inactive threshold in ms (0 = never deleted for inactivity), and when it was last active. */
  dthreshMs = 0;
  inactiveSinceMs = 0;

  timerAt = 0;
  workQueued = false;
  closed = false;
  /** Set for mirror/source consumers: messages go to this function, not to a subject. */
  sink: ConsumerSink | null = null;
  /** Called once when the consumer stops (its owner, e.g. a source, retries). */
  onClosed: (() => void) | null = null;
  private subs: Subscription[] = [];
  private readonly ackInfo: AckInfo = { dc: 0, sseq: 0, dseq: 0 };
  readonly ackReplyPrefix: string;

  constructor(
    readonly stream: Stream,
    public cfg: ConsumerConfig,
    readonly name: string,
    readonly store: ConsumerStore | null,
    /** Creation time, ns since the epoch. */
    readonly createdNs: number,
  ) {
    this.js = stream.jsa.js;
    this.ackReplyPrefix = ackPrefix(stream.name, name);
    this.setFilters(cfg);
    if (!cfg.deliver_subject) this.waiting = new WaitQueue(cfg.max_waiting ?? 512);
  }

  get isPush(): boolean {
    return !!this.cfg.deliver_subject;
  }

  get ackNone(): boolean {
    return this.cfg.ack_policy === "none";
  }

  /** Compiles the filters of `cfg` for matching and store scans. */
  setFilters(cfg: ConsumerConfig): void {
    this.filters = filtersOf(cfg);
    const wire = this.filters.map(wireSubject);
    if (wire.length === 0 || (wire.length === 1 && wire[0] === ">")) {
      this.storeFilter = null;
      this.singleFilter = "";
      this.singleFilterWild = false;
    } else if (wire.length === 1) {
      this.storeFilter = null;
      this.singleFilter = wire[0]!;
      this.singleFilterWild = subjectHasWildcard(this.singleFilter);
    } else {
      this.storeFilter = makeFilter(wire);
      this.singleFilter = "";
    }
  }

  /** Whether a literal subject passes the filters (nats-server isFilteredMatch). */
  matches(subject: string): boolean {
    if (this.storeFilter !== null) return this.storeFilter.matches(subject);
    if (this.singleFilter === "") return true;
    return this.singleFilterWild ? makeFilter([this.singleFilter]).matches(subject) : subject === this.singleFilter;
  }

  /** Subscribes acks, pull requests and flow control replies (nats-server setLeader). */
  subscribe(): void {
    const server = this.js.server;
    const account = this.stream.account;
    const s = wireSubject(this.stream.name);
    const n = wireSubject(this.name);
    if (!this.ackNone) {
      this.subs.push(server.subscribeInternal(account, `$JS.ACK.${s}.${n}.*.*.*.*.*`, (subj, reply, h, d) => this.onAck(subj, reply, h, d)));
    }
    this.subs.push(
      server.subscribeInternal(account, `$JS.API.CONSUMER.MSG.NEXT.${s}.${n}`, (_subj, reply, h, d) => {
        if (reply !== "") processNextRequest(this, reply, h > 0 ? d.subarray(h) : d);
      }),
    );
    if (this.cfg.flow_control === true) {
      this.pblimit = 32 * 1024 * 1024;
      this.maxpb = this.pblimit / 16;
      this.subs.push(server.subscribeInternal(account, `$JS.FC.${s}.${n}.*`, (subj) => this.onFlowControlReply(subj)));
    }
  }

  // ---- signals from the stream ----

  /** A new message at `seq` matching our filters. */
  onStreamMsg(seq: number, _subject: string): void {
    if (seq > this.npf) this.npc++;
    if (seq < this.sseq) return;
    this.kick();
  }

  /** A message was removed by the store (limits, age, delete). */
  onStreamRemoved(seq: number, subject: string): void {
    if (seq >= this.sseq && this.matches(subject)) this.npc--;
    const p = this.pending.get(seq);
    if (p !== undefined) this.processTerm(seq, p.dseq, this.deliveryCount(seq), TERM_UNACKED_LIMITS);
  }

  /** After a purge or config change: recount, and skip what is gone. */
  onPurge(): void {
    const st = this.stream.store.fastState();
    if (st.firstSeq > this.sseq) this.sseq = st.firstSeq;
    for (const seq of [...this.pending.keys()]) {
      if (seq < st.firstSeq) {
        this.pending.delete(seq);
        this.rdc.delete(seq);
        this.removeFromRedeliverQueue(seq);
      }
    }
    if (this.pending.size === 0) {
      this.adflr = this.dseq - 1;
      this.asflr = this.sseq - 1;
    } else if (this.asflr < st.firstSeq - 1) {
      this.asflr = st.firstSeq - 1;
    }
    this.recountPending();
    this.kick();
  }

  /** Recomputes num_pending from the store (nats-server streamNumPending). */
  recountPending(): void {
    const store = this.stream.store;
    const lastPer = this.cfg.deliver_policy === "last_per_subject";
    let n: number;
    if (this.storeFilter !== null) n = store.numPendingMulti(this.sseq, this.storeFilter, lastPer);
    else n = store.numPending(this.sseq, this.singleFilter, lastPer);
    if (this.lss.length > 0) n = Math.max(n, this.lss.length);
    this.npc = n;
    this.npf = store.fastState().lastSeq;
  }

  numPending(): number {
    return this.npc < 0 ? 0 : this.npc;
  }

  /** Queues delivery work when something can be delivered. */
  kick(): void {
    if (this.closed) return;
    if (this.isPush ? this.pushReady() : (this.waiting?.length ?? 0) > 0) this.js.work.kick(this);
  }

  /** Push consumers deliver while a subscriber is there and flow control allows. */
  pushReady(): boolean {
    if (this.sink !== null) return true;
    this.refreshInterest();
    return this.active && (this.maxpb === 0 || this.pbytes <= this.maxpb);
  }

  /** Re-checks interest on the deliver subject when the account's subscriptions changed. */
  refreshInterest(): void {
    if (this.sink !== null) {
      this.active = true;
      return;
    }
    const sl = this.stream.account.sublist;
    if (sl.genId === this.interestGen) return;
    this.interestGen = sl.genId;
    const was = this.active;
    this.active = sl.hasInterest(wireSubject(this.cfg.deliver_subject!));
    if (this.active !== was) {
      this.inactiveSinceMs = this.active ? 0 : Date.now();
      this.scheduleTimer();
    }
  }

  runWork(): boolean {
    if (this.closed) return false;
    return deliverBatch(this);
  }

  // ---- acks ----

  private onAck(subject: string, reply: string, hdrLen: number, data: Buffer): void {
    if (this.closed || !parseAckReply(subject, this.ackInfo)) return;
    const { sseq, dseq, dc } = this.ackInfo;
    const body = hdrLen > 0 ? data.subarray(hdrLen) : data;
    let replyNow = sseq !== 0;
    switch (ackKind(body)) {
      case AckKind.Ack:
        replyNow = this.processAckMsg(sseq, dseq, dc, true) && replyNow;
        break;
      case AckKind.Next:
        this.processAckMsg(sseq, dseq, dc, true);
        if (reply !== "") processNextRequest(this, reply, body.subarray(4));
        replyNow = false;
        break;
      case AckKind.Nak:
        this.processNak(sseq, dseq, dc, body.subarray(4));
        break;
      case AckKind.Progress:
        this.progressUpdate(sseq);
        break;
      case AckKind.Term:
        replyNow = this.processTerm(sseq, dseq, dc, body.subarray(5).toString("utf8").trim()) && replyNow;
        break;
      case AckKind.Unknown:
        break;
    }
    if (reply !== "" && replyNow) this.replyWhenDurable(reply);
  }

  /**
   * Answers an ack's reply (the client's "ack ack") once the consumer's state change is
   * durable under the stream's sync policy, so an acknowledged ack survives a crash.
   */
  private replyWhenDurable(reply: string): void {
    const send = (): void => void this.js.sender.send(this.stream.account, reply, "", null, null);
    if (this.store === null || this.stream.cfg.storage === "memory") return send();
    this.store.waitDurable().then(send, () => {
      // The write failed: no answer, so the client retries its ack.
    });
  }

  /**
   * Processes an ack (nats-server processAckMsg); returns false when it was ignored (past
   * what was delivered, or closed), in which case the ack is not acknowledged.
   */
  processAckMsg(sseq: number, dseq: number, dc: number, sample: boolean): boolean {
    if (this.closed || sseq >= this.sseq) return false;
    const wasFull = this.ackPendingFull();
    if (this.cfg.ack_policy === "explicit") {
      const p = this.pending.get(sseq);
      if (p !== undefined) {
        if (sample) this.sampleAck(sseq, p.dseq, dc, p.tsMs);
        this.pending.delete(sseq);
        dseq = p.dseq;
        this.advanceFloor(sseq, dseq);
      }
      this.rdc.delete(sseq);
      this.removeFromRedeliverQueue(sseq);
    } else if (this.cfg.ack_policy === "all") {
      if (dseq <= this.adflr || sseq <= this.asflr) return true;
      const floorFrom = this.asflr;
      this.adflr = dseq;
      this.asflr = sseq;
      for (const seq of [...this.pending.keys()]) {
        if (seq <= sseq) {
          this.pending.delete(seq);
          this.rdc.delete(seq);
          this.removeFromRedeliverQueue(seq);
        }
      }
      this.storeAcks(dseq, sseq);
      if (this.stream.cfg.retention !== "limits") {
        for (let seq = floorFrom + 1; seq <= sseq; seq++) this.stream.ackMsg(this, seq);
      }
      if (wasFull) this.kick();
      return true;
    } else {
      return this.stream.cfg.retention !== "limits";
    }
    this.storeAcks(dseq, sseq);
    this.stream.ackMsg(this, sseq);
    if (wasFull) this.kick();
    return true;
  }

  /** Moves the ack floors after `sseq`/`dseq` was acked (explicit policy). */
  private advanceFloor(sseq: number, dseq: number): void {
    if (this.pending.size === 0) {
      this.adflr = this.dseq - 1;
      this.asflr = this.sseq - 1;
    } else if (dseq === this.adflr + 1) {
      this.adflr = dseq;
      this.asflr = sseq;
      for (let ss = sseq + 1; ss < this.sseq; ss++) {
        const p = this.pending.get(ss);
        if (p !== undefined) {
          this.adflr = p.dseq - 1;
          this.asflr = ss - 1;
          break;
        }
      }
    }
  }

  private storeAcks(dseq: number, sseq: number): void {
    this.lastAckMs = Date.now();
    try {
      this.store?.updateAcks(dseq, sseq);
    } catch {
      // Not pending in the store (an old or repeated ack): nothing to record.
    }
  }

  storeDelivered(dseq: number, sseq: number, dc: number, tsMs: number): void {
    this.lastDeliveredMs = tsMs;
    try {
      this.store?.updateDelivered(dseq, sseq, dc, tsMs);
    } catch {
      // Redelivery bookkeeping the store refuses (ack none): the in-memory state rules.
    }
  }

  private sampleAck(sseq: number, dseq: number, dc: number, deliveredMs: number): void {
    const freq = Number((this.cfg.sample_freq ?? "").replace(/%$/, ""));
    if (!(freq > 0) || (freq < 100 && Math.random() * 100 > freq)) return;
    ackMetric(this.js, this.stream.account, this.stream.name, this.name, dseq, sseq, (Date.now() - deliveredMs) * NS_PER_MS, dc);
  }

  ackPendingFull(): boolean {
    const max = this.cfg.max_ack_pending ?? 0;
    return max > 0 && this.pending.size >= max;
  }

  /** -NAK, optionally with a delay (`-NAK {"delay": ns}` or `-NAK 1s`). */
  private processNak(sseq: number, dseq: number, dc: number, arg: Buffer): void {
    if (dseq <= this.adflr || dseq >= this.dseq) return;
    const p = this.pending.get(sseq);
    if (p === undefined) return;
    nakAdvisory(this.js, this.stream.account, this.stream.name, this.name, dseq, sseq, dc);
    const text = arg.toString("utf8").trim();
    if (text !== "") {
      const delayMs = parseNakDelay(text);
      if (delayMs !== null) {
        this.removeFromRedeliverQueue(sseq);
        p.tsMs = Date.now() - this.ackWaitMs(0) + delayMs;
        this.storeDelivered(p.dseq, sseq, dc, p.tsMs);
        this.scheduleTimer(Date.now() + Math.max(delayMs, 0));
        return;
      }
      this.js.server.logger.warn(
        `JetStream consumer '${this.stream.account.name} > ${this.stream.name} > ${this.name}' bad NAK delay value: ${JSON.stringify(text)}`,
      );
    }
    if (!this.rdqSet.has(sseq)) this.addToRedeliverQueue(sseq);
    this.kick();
  }

  /** +TERM: acked without further delivery, with an advisory. Returns what the ack returned. */
  processTerm(sseq: number, dseq: number, dc: number, reason: string): boolean {
    const acked = this.processAckMsg(sseq, dseq, dc, false);
    termAdvisory(this.js, this.stream.account, this.stream.name, this.name, dseq, sseq, dc, reason);
    return acked;
  }

  /** +WPI: restarts the ack wait of a pending message. */
  private progressUpdate(sseq: number): void {
    const p = this.pending.get(sseq);
    if (p === undefined) return;
    p.tsMs = Date.now();
    this.pending.delete(sseq);
    this.pending.set(sseq, p); // keep the map in deadline order
    this.storeDelivered(p.dseq, sseq, 1, p.tsMs);
    this.scheduleTimer();
  }

  private onFlowControlReply(subject: string): void {
    if (subject !== this.fcid) return;
    if (this.maxpb < this.pblimit) this.maxpb = Math.min(this.maxpb * 2, this.pblimit);
    this.pbytes = Math.max(0, this.pbytes - this.fcsz);
    this.fcid = "";
    this.fcsz = 0;
    this.kick();
  }

  // ---- redelivery ----

  deliveryCount(seq: number): number {
    return (this.rdc.get(seq) ?? 0) + 1;
  }

  addToRedeliverQueue(seq: number): void {
    this.rdq.push(seq);
    this.rdqSet.add(seq);
  }

  removeFromRedeliverQueue(seq: number): void {
    if (!this.rdqSet.delete(seq)) return;
    const i = this.rdq.indexOf(seq);
    if (i >= 0) this.rdq.splice(i, 1);
  }

  /** The ack wait for a delivery: backoff[i] when given, else ack_wait, in ms plus grace. */
  ackWaitMs(backoffNs: number): number {
    const ns = backoffNs > 0 ? backoffNs : (this.cfg.ack_wait ?? 0);
    return ns / NS_PER_MS + ACK_WAIT_DELAY_MS;
  }

  /** The deadline of pending `seq` (nats-server checkPending with backoff). */
  private deadlineMs(seq: number, p: PendingAck): number {
    const backoff = this.cfg.backoff ?? [];
    if (backoff.length === 0) return p.tsMs + this.ackWaitMs(0);
    const i = Math.min(this.rdc.get(seq) ?? 0, backoff.length - 1);
    return p.tsMs + backoff[i]! / NS_PER_MS;
  }

  /** Whether `seq` reached max_deliver; drops it from pending when so (hasMaxDeliveries). */
  hasMaxDeliveries(seq: number): boolean {
    const max = this.cfg.max_deliver ?? -1;
    if (max <= 0) return false;
    const dc = this.deliveryCount(seq);
    if (dc < max) return false;
    if (dc === max) maxDeliveries(this.js, this.stream.account, this.stream.name, this.name, seq, dc);
    const p = this.pending.get(seq);
    if (p !== undefined) {
      this.pending.delete(seq);
      this.storeDelivered(p.dseq, seq, dc, p.tsMs);
      this.kick();
    }
    this.rdc.set(seq, dc);
    return true;
  }

  /** Moves expired pending messages to the redelivery queue (nats-server checkPending). */
  checkPending(nowMs: number): number {
    const firstSeq = this.stream.store.fastState().firstSeq;
    let next = Infinity;
    const expired: number[] = [];
    for (const [seq, p] of this.pending) {
      if (seq < firstSeq || seq <= this.asflr) {
        this.pending.delete(seq);
        this.rdc.delete(seq);
        this.removeFromRedeliverQueue(seq);
        continue;
      }
      const due = this.deadlineMs(seq, p);
      if (due <= nowMs) {
        if (!this.rdqSet.has(seq) && !this.hasMaxDeliveries(seq)) expired.push(seq);
      } else if (due < next) {
        next = due;
      }
    }
    if (expired.length > 0) {
      expired.sort((a, b) => a - b);
      for (const seq of expired) {
        this.addToRedeliverQueue(seq);
        const p = this.pending.get(seq)!;
        p.tsMs = nowMs;
        const due = this.deadlineMs(seq, p);
        if (due < next) next = due;
      }
      this.kick();
    }
    if (this.pending.size === 0) {
      this.rdq = [];
      this.rdqSet.clear();
      this.adflr = this.dseq - 1;
      this.asflr = this.sseq - 1;
    }
    return next;
  }

  // ---- timers ----

  /** Asks the engine's timer queue for a wake-up at the next deadline (or `atMs`). */
  scheduleTimer(atMs = 0): void {
    if (this.closed) return;
    const at = atMs > 0 ? atMs : this.nextDeadline(Date.now());
    if (at < Infinity) this.js.timers.schedule(this, Math.ceil(at));
  }

  private nextDeadline(now: number): number {
    let at = Infinity;
    for (const [seq, p] of this.pending) {
      if (this.rdqSet.has(seq)) continue;
      at = Math.min(at, this.deadlineMs(seq, p));
    }
    if (this.waiting !== null) {
      for (const wr of this.waiting.all()) {
        if (wr.expiresMs > 0) at = Math.min(at, wr.expiresMs);
        if (wr.hbAtMs > 0) at = Math.min(at, wr.hbAtMs);
      }
    }
    if (this.hbAtMs > 0) at = Math.min(at, this.hbAtMs);
    if (this.replayNextAtMs > 0) at = Math.min(at, this.replayNextAtMs);
    if (this.isPush && !this.active) at = Math.min(at, now + INTEREST_POLL_MS);
    if (this.dthreshMs > 0) at = Math.min(at, this.inactivityDeadline(now));
    return at;
  }

  private inactivityDeadline(now: number): number {
    if (this.isPush) return this.active ? Infinity : (this.inactiveSinceMs || now) + this.dthreshMs;
    return Math.max(this.waiting!.lastMs, this.inactiveSinceMs) + this.dthreshMs;
  }

  onTimer(nowMs: number): void {
    if (this.closed) return;
    if (this.pending.size > 0) this.checkPending(nowMs);
    if (this.waiting !== null && this.waiting.length > 0) processWaiting(this, false, nowMs);
    if (this.isPush) {
      this.refreshInterest();
      if (this.hbAtMs > 0 && nowMs >= this.hbAtMs) sendHeartbeat(this, this.cfg.deliver_subject!, nowMs);
    }
    if (this.replayNextAtMs > 0 && nowMs >= this.replayNextAtMs) {
      this.replayNextAtMs = 0;
      this.kick();
    }
    if (this.dthreshMs > 0 && nowMs >= this.inactivityDeadline(nowMs)) {
      if (this.isPush || this.waiting!.length === 0) {
        void this.stop(true, true);
        return;
      }
    }
    this.kick();
    this.scheduleTimer();
  }

  // ---- info and lifecycle ----

  /** nats-server needAck: whether this consumer still has to see `seq` (interest retention). */
  needAck(seq: number, subject: string): boolean {
    if (!this.matches(subject)) return false;
    if (seq <= this.asflr) return this.rdc.has(seq);
    if (this.cfg.ack_policy === "explicit" && seq < this.sseq) return this.pending.has(seq) || this.rdc.has(seq);
    return true;
  }

  info(): ConsumerInfo {
    const info: ConsumerInfo = {
      stream_name: this.stream.name,
      name: this.name,
      created: this.createdNs,
      config: this.cfg,
      delivered: { consumer_seq: this.dseq - 1, stream_seq: this.sseq - 1 },
      ack_floor: { consumer_seq: this.adflr, stream_seq: this.asflr },
      num_ack_pending: this.pending.size,
      num_redelivered: this.rdc.size,
      num_waiting: 0,
      num_pending: this.numPending(),
      cluster: { leader: this.js.server.name },
      ts: this.js.clock(),
    };
    if (this.lastDeliveredMs > 0) info.delivered.last_active = tsToIso(Math.floor(this.lastDeliveredMs), 0);
    if (this.lastAckMs > 0) info.ack_floor.last_active = tsToIso(Math.floor(this.lastAckMs), 0);
    if (this.waiting !== null) {
      processWaiting(this, false, Date.now());
      info.num_waiting = this.waiting.length;
    }
    if (this.isPush) {
      this.refreshInterest();
      if (this.active) info.push_bound = true;
    }
    return info;
  }

  get durable(): boolean {
    return isDurable(this.cfg);
  }

  /** Stops delivery; with `deleteState` removes the stored state, with `advisory` announces it. */
  async stop(deleteState: boolean, advisory: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.js.timers.cancel(this);
    const server = this.js.server;
    for (const s of this.subs) server.unsubscribeInternal(s);
    this.subs = [];
    this.stream.removeConsumer(this);
    if (advisory) consumerAction(this.js, this.stream.account, this.stream.name, this.name, "delete");
    if (this.store !== null) {
      if (deleteState) await this.store.delete();
      else await this.store.stop();
    }
    this.onClosed?.();
  }
}

/** A NAK delay: JSON `{"delay": ns}` or a Go duration ("1s", "500ms"); null when neither. */
export function parseNakDelay(text: string): number | null {
  if (text.startsWith("{")) {
    try {
      const v = JSON.parse(text) as { delay?: unknown };
      return typeof v.delay === "number" ? v.delay / NS_PER_MS : 0;
    } catch {
      return null;
    }
  }
  const ns = parseDurationText(text);
  return ns === null ? null : ns / NS_PER_MS;
}
