/**
 * One stream (nats-server stream.go): captures its subjects through internal
 * subscriptions, checks each message (stream-ingest.ts), proposes it to its log and, once
 * applied, stores it, acks the publisher, republishes and wakes the consumers. Deletes and
 * purges go through the same log. Retention: limits (the store enforces them), interest
 * (a message goes once every consumer that wants it has acked it) and work queue (once
 * one consumer acked it).
 */
import { nuid } from "@nats-io/nuid";
import type { Account } from "../accounts/account.js";
import type { Subscription } from "../server/subscription.js";
import { LEN_CR_LF, type PubArg } from "../protocol/pub-arg.js";
import { AckQueue, SubjectMemo } from "./stream-capture.js";
import { displaySubject, Sublist, wireSubject } from "../sublist/index.js";
import { SubjectTransform } from "../sublist/transform.js";
import { DedupeWindow } from "./dedupe.js";
import { jsError, jsErrorUnless, type ApiError } from "./errors.js";
import { buildHeader } from "./headers.js";
import type { JsAccount } from "./js-account.js";
import {
  ErrStoreResources,
  StoreError,
  newStoreMsg,
  tsToIso,
  type StoreMsg,
  type StoredPos,
  type StreamStore,
  type StreamStoreConfig,
} from "./store/index.js";
import { apiErrorText, checkInbound, ERR_MSG_ID_DUPLICATE, newMsgOp, pubAckError, pubAckPrefix, type IngestRefusal, type IngestView } from "./stream-ingest.js";
import { DirectStreamLog, type ApplyResult, type MsgOp, type StreamApplier, type StreamLog, type StreamOp } from "./stream-log.js";
import { NS_PER_MS } from "./time.js";
import type { StreamConfig, StreamInfo, StreamState } from "./types.js";
import type { Consumer } from "./consumer.js";
import { DirectGet } from "./direct-get.js";
import { SourceManager } from "./sources.js";

/** A consumer's entry in the stream's subject index, to find who wants a new message. */
interface ConsumerSub {
  readonly subject: string;
  readonly queue: null;
  readonly consumer: Consumer;
}

/** The store's view of a stream config (units in names, as the store wants them). */
export function storeConfigOf(cfg: StreamConfig): StreamStoreConfig {
  return {
    name: cfg.name,
    subjects: (cfg.subjects ?? []).map(wireSubject),
    retention: cfg.retention,
    maxMsgs: cfg.max_msgs,
    maxBytes: cfg.max_bytes,
    maxAgeMs: Math.floor(cfg.max_age / NS_PER_MS),
    maxMsgsPerSubject: cfg.max_msgs_per_subject,
    maxMsgSize: cfg.max_msg_size ?? -1,
    discard: cfg.discard,
    discardNewPerSubject: cfg.discard_new_per_subject === true,
    allowMsgTtl: false,
    firstSeq: cfg.first_seq ?? 0,
  };
}

export class Stream implements StreamApplier, IngestView {
  readonly name: string;
  readonly account: Account;
  readonly consumers = new Map<string, Consumer>();
  readonly log: StreamLog;
  /** Consumers by filter subject, to find the ones a new message concerns. */
  private readonly consumerIndex = new Sublist<ConsumerSub>();
  private readonly consumerSubs = new Map<Consumer, ConsumerSub[]>();
  private ingestSubs: Subscription[] = [];
  /**
   * What became of the last message processInbound took, for a message trace's `js` event
   * (msg-trace-jetstream.ts): the error as nats-server's processJetStreamMsg returns it ("" when
   * stored), and whether interest retention skipped it.
   */
  traceError = "";
  traceNoInterest = false;
  private readonly dedupe: DedupeWindow;
  private lastId = "";
  private ackPrefix: string;
  private inputTransform: SubjectTransform | null = null;
  private republishTransform: SubjectTransform | null = null;
  /** Publish acks waiting for their message to become durable, in sequence order. */
  private readonly waitingAcks = new AckQueue();
  /** The last captured subject, so a run of one subject makes one string. */
  private readonly subjects = new SubjectMemo();
  private ackPrefixBytes: Buffer;
  private readonly scratch: StoreMsg = newStoreMsg();
  /** The operation captured messages are checked into and proposed (views valid during the call). */
  private readonly msgOp: MsgOp = newMsgOp();
  private opBusy = false;
  private readonly pos: StoredPos = { seq: 0, tsMs: 0, tsNs: 0 };
  readonly direct: DirectGet;
  readonly sources: SourceManager;
  closed = false;

  constructor(
    readonly jsa: JsAccount,
    public cfg: StreamConfig,
    readonly store: StreamStore,
    /** Creation time, nanoseconds since the epoch. */
    readonly createdNs: number,
  ) {
    this.name = cfg.name;
    this.account = jsa.account;
    this.dedupe = new DedupeWindow((cfg.duplicate_window ?? 0) / NS_PER_MS);
    this.ackPrefix = pubAckPrefix(cfg.name, jsa.js.config.domain);
    this.ackPrefixBytes = Buffer.from(this.ackPrefix, "utf8");
    this.log = new DirectStreamLog(this);
    this.direct = new DirectGet(this);
    this.sources = new SourceManager(this);
    this.compileTransforms();
    store.registerStorageUpdates((md, bd, seq, subj) => this.onStorageUpdate(md, bd, seq, subj));
    store.registerDurableUpdates((seq, failedFrom, err) => this.onDurable(seq, failedFrom, err));
  }

  get sealed(): boolean {
    return this.cfg.sealed;
  }
  get allowRollup(): boolean {
    return this.cfg.allow_rollup_hdrs;
  }
  get denyPurge(): boolean {
    return this.cfg.deny_purge;
  }
  get maxMsgSize(): number {
    return this.cfg.max_msg_size ?? -1;
  }
  lastSeq(): number {
    return this.store.fastState().lastSeq;
  }
  lastSeqForSubject(subject: string): number {
    return this.store.loadLastMsg(subject, this.scratch)?.seq ?? 0;
  }
  lastMsgId(): string {
    return this.lastId;
  }
  duplicateOf(id: string): number {
    return this.dedupe.lookup(id, Date.now());
  }

  /** Subscribes to the stream's subjects, direct gets and upstreams. */
  start(): void {
    const server = this.jsa.js.server;
    for (const subject of this.cfg.subjects ?? []) {
      this.ingestSubs.push(
        server.subscribeJetStream(this.account, wireSubject(subject), this.onPublish, this.name),
      );
    }
    this.direct.update();
    this.sources.start();
  }

  private unsubscribe(): void {
    const server = this.jsa.js.server;
    for (const s of this.ingestSubs) server.unsubscribeInternal(s);
    this.ingestSubs = [];
  }

  private compileTransforms(): void {
    const st = this.cfg.subject_transform;
    this.inputTransform = st !== undefined && st.dest !== "" ? SubjectTransform.create(wireSubject(st.src || ">"), wireSubject(st.dest)) : null;
    const rp = this.cfg.republish;
    this.republishTransform = rp !== undefined ? SubjectTransform.create(wireSubject(rp.src || ">"), wireSubject(rp.dest)) : null;
  }

  /**
   * The capture subscriptions' handler: one published message, as the publisher's PubArg.
   * Header and payload are views of the read buffer, valid during this call only: the
   * store copies them once, into its block or chunk.
   */
  private readonly onPublish = (pa: PubArg): void => {
    if (this.closed) return;
    const buf = pa.payloadBuf;
    const start = pa.payloadStart;
    const hl = pa.hdr > 0 ? pa.hdr : 0;
    const hdr = hl > 0 ? buf.subarray(start, start + hl) : null;
    const msg = buf.subarray(start + hl, pa.payloadEnd - LEN_CR_LF);
    const reply = pa.replyEnd > pa.replyStart ? pa.arg.toString("latin1", pa.replyStart, pa.replyEnd) : "";
    this.processInbound(this.subjects.of(pa), reply, hdr, msg);
  };

  /** Checks one message and, when it passes, proposes storing it. Also used by sources. */
  processInbound(subject: string, reply: string, hdr: Buffer | null, msg: Buffer): void {
    this.traceError = "";
    this.traceNoInterest = false;
    if (this.inputTransform !== null) subject = this.inputTransform.apply(subject) ?? subject;
    const canRespond = this.cfg.no_ack !== true && reply !== "";
    // The reused operation, unless this is a nested call (a message proposed while another is applied).
    const op = this.opBusy ? newMsgOp() : this.msgOp;
    const d = checkInbound(this, subject, reply, hdr, msg, op);
    if (d !== null) {
      this.traceError = d.kind === "error" ? apiErrorText(d.error) : d.kind === "duplicate" ? ERR_MSG_ID_DUPLICATE : "";
      this.refuse(d, reply, canRespond);
      return;
    }
    const limitErr = this.jsa.wouldExceedLimits(this.cfg.storage, subject.length + (hdr?.length ?? 0) + msg.length);
    if (limitErr !== null) {
      this.traceError = apiErrorText(limitErr);
      if (canRespond) this.sendAck(reply, pubAckError(this.name, limitErr));
      return;
    }
    if (!canRespond) op.reply = "";
    if (this.noInterestFor(subject)) {
      this.traceNoInterest = true;
      this.log.propose({ op: "skip", msgId: op.msgId, reply: op.reply });
      return;
    }
    const nested = this.opBusy;
    this.opBusy = true;
    try {
      this.log.propose(op);
    } finally {
      this.opBusy = nested;
    }
  }

  /** Answers a message the checks refused (nothing for a silent drop). */
  private refuse(d: IngestRefusal, reply: string, canRespond: boolean): void {
    if (d.kind === "drop") return;
    if (d.kind === "error") {
      if (canRespond) this.sendAck(reply, pubAckError(this.name, d.error));
      return;
    }
    if (d.kind === "duplicate" && canRespond) this.sendAck(reply, `${this.ackPrefix}${d.seq},"duplicate": true}`);
  }

  /** Applies one committed operation (see stream-log.ts). */
  apply(op: StreamOp): ApplyResult {
    switch (op.op) {
      case "msg":
        return this.applyMsg(op);
      case "skip": {
        const seq = this.store.skipMsg(0);
        this.recordId(op.msgId, seq);
        if (op.reply !== "") this.ackStored(seq, op.reply);
        return { removed: 0 };
      }
      case "delete": {
        const ok = op.erase ? this.store.eraseMsg(op.seq) : this.store.removeMsg(op.seq);
        return { removed: ok ? 1 : 0 };
      }
      case "purge": {
        const n = this.purgeStore(op.filter, op.seq, op.keep);
        for (const c of this.consumers.values()) c.onPurge();
        return { removed: n };
      }
    }
  }

  private applyMsg(op: MsgOp): ApplyResult {
    let seq: number;
    try {
      if (op.seq > 0) seq = this.storeMirrored(op);
      else seq = this.store.storeMsg(op.subject, op.hdr, op.msg, 0, this.pos);
    } catch (err) {
      this.traceError = err instanceof Error ? err.message : String(err);
      if (op.reply !== "") this.sendAck(op.reply, pubAckError(this.name, this.storeError(err)));
      return { removed: 0 };
    }
    this.recordId(op.msgId, seq);
    if (op.rollup === "sub") this.purgeStore(op.subject, seq, 0);
    else if (op.rollup === "all") this.purgeStore("", seq, 0);
    if (op.rollup !== "") for (const c of this.consumers.values()) c.onPurge();
    if (this.republishTransform !== null) this.republish(op, seq);
    if (op.reply !== "") this.ackStored(seq, op.reply);
    this.signalConsumers(op.subject, seq);
    return { removed: 0 };
  }

  /** A mirrored message keeps its upstream sequence and time; gaps become skipped sequences. */
  private storeMirrored(op: MsgOp): number {
    const last = this.store.fastState().lastSeq;
    if (op.seq <= last) return last;
    if (op.seq > last + 1) this.store.skipMsgs(last + 1, op.seq - last - 1);
    this.store.storeRawMsg(op.subject, op.hdr, op.msg, op.seq, op.tsMs, op.tsNs, 0, false);
    this.pos.seq = op.seq;
    this.pos.tsMs = op.tsMs;
    this.pos.tsNs = op.tsNs;
    return op.seq;
  }

  private recordId(msgId: string, seq: number): void {
    this.lastId = msgId;
    if (msgId !== "") this.dedupe.record(msgId, seq, Date.now());
  }

  /** The API error a store refusal is answered with (nats-server JSStreamStoreFailedF). */
  private storeError(err: unknown): ApiError {
    if (err === ErrStoreResources) return jsError("JSInsufficientResourcesErr");
    if (err instanceof StoreError) return jsError("JSStreamStoreFailedF", { err: err.message });
    this.jsa.js.server.logger.error(`JetStream failed to store a msg on stream '${this.account.name} > ${this.name}': ${String(err)}`);
    return jsErrorUnless("JSStreamStoreFailedF", err);
  }

  /** Purge below `seq` of `filter`, keeping none (rollup) or by request. */
  private purgeStore(filter: string, seq: number, keep: number): number {
    if (filter === "" && seq === 0 && keep === 0) return this.store.purge();
    return this.store.purgeEx(filter, seq, keep);
  }

  /** Acks `seq` now if it is durable under the sync policy, else once it is. */
  private ackStored(seq: number, reply: string): void {
    if (this.store.durableSeq >= seq && this.waitingAcks.length === 0) this.sendPubAck(reply, seq);
    else this.waitingAcks.push(seq, reply);
  }

  private sendPubAck(reply: string, seq: number): void {
    this.jsa.js.sender.sendPubAck(this.account, reply, this.ackPrefixBytes, seq);
  }

  /**
   * After a group commit: acks what is now durable; with an error, the appends from
   * `failedFrom` on were dropped by the store and their publishers get the error.
   */
  private onDurable(durableSeq: number, failedFrom: number, err: StoreError | null): void {
    const q = this.waitingAcks;
    while (q.length > 0 && q.headSeq() <= durableSeq) this.sendPubAck(q.headReply(), q.shift());
    if (err === null || q.length === 0) return;
    const refusal = pubAckError(this.name, this.storeError(err));
    q.dropFrom(failedFrom, (reply) => this.sendAck(reply, refusal));
  }

  private sendAck(reply: string, json: string): void {
    this.jsa.js.sender.send(this.account, reply, "", null, json);
  }

  /** nats-server republish: the stored message with Nats-Stream/Subject/Sequence/Time-Stamp/Last-Sequence. */
  private republish(op: MsgOp, seq: number): void {
    const subject = this.republishTransform!.apply(op.subject);
    if (subject === null) return;
    const prev = this.store.loadPrevMsg(op.subject, false, seq - 1, this.scratch);
    const headersOnly = this.cfg.republish?.headers_only === true;
    const extra: Array<[string, string | number]> = [
      ["Nats-Stream", this.name],
      ["Nats-Subject", op.subject],
      ["Nats-Sequence", seq],
      ["Nats-Time-Stamp", tsToIso(this.pos.tsMs, this.pos.tsNs)],
      ["Nats-Last-Sequence", prev?.seq ?? 0],
    ];
    if (headersOnly) extra.push(["Nats-Msg-Size", op.msg.length]);
    const hdr = buildHeader(op.hdr, extra);
    this.jsa.js.sender.send(this.account, subject, "", hdr, headersOnly ? null : op.msg);
  }

  // ---- consumers ----

  /** An interest-retention stream with no consumer for `subject`: the message is skipped, not stored. */
  noInterestFor(subject: string): boolean {
    return this.cfg.retention === "interest" && !this.hasConsumerInterest(subject);
  }

  private hasConsumerInterest(subject: string): boolean {
    return this.consumers.size > 0 && this.consumerIndex.hasInterest(subject);
  }

  /** Registers a consumer under its filters (all subjects when it has none). */
  addConsumer(c: Consumer): void {
    this.consumers.set(c.name, c);
    this.indexConsumer(c);
  }

  /** Re-indexes a consumer whose filters changed. */
  indexConsumer(c: Consumer): void {
    for (const s of this.consumerSubs.get(c) ?? []) this.consumerIndex.remove(s);
    const filters = c.filters.length > 0 ? c.filters : [">"];
    const subs = filters.map((f) => ({ subject: wireSubject(f), queue: null, consumer: c }));
    for (const s of subs) this.consumerIndex.insert(s);
    this.consumerSubs.set(c, subs);
  }

  removeConsumer(c: Consumer): void {
    if (this.consumers.get(c.name) !== c) return;
    this.consumers.delete(c.name);
    for (const s of this.consumerSubs.get(c) ?? []) this.consumerIndex.remove(s);
    this.consumerSubs.delete(c);
    if (this.cfg.retention !== "limits") this.checkInterestState();
  }

  private signalConsumers(subject: string, seq: number): void {
    if (this.consumers.size === 0) return;
    const r = this.consumerIndex.match(subject);
    const subs = r.psubs;
    for (let i = 0; i < subs.length; i++) subs[i]!.consumer.onStreamMsg(seq, subject);
  }

  /** Called by a consumer when it acked `seq` (interest and work-queue retention). */
  ackMsg(c: Consumer, seq: number): void {
    if (this.cfg.retention === "limits" || this.closed) return;
    if (this.cfg.retention === "interest") {
      const sm = this.store.loadMsg(seq, this.scratch);
      if (sm === null) return;
      for (const other of this.consumers.values()) {
        if (other !== c && other.needAck(seq, sm.subject)) return;
      }
    }
    this.log.propose({ op: "delete", seq, erase: false });
  }

  /**
   * After a consumer left an interest or work-queue stream: removes messages no remaining
   * consumer needs (nats-server checkInterestState), a bounded number per call.
   */
  checkInterestState(): void {
    const st = this.store.fastState();
    let removed = 0;
    for (let seq = st.firstSeq; seq > 0 && seq <= st.lastSeq && removed < 100_000; seq++) {
      const sm = this.store.loadNextMsg("", false, seq, this.scratch);
      if (sm === null) break;
      seq = sm.seq;
      let needed = false;
      for (const c of this.consumers.values()) {
        if (c.needAck(seq, sm.subject)) {
          needed = true;
          break;
        }
      }
      if (!needed) {
        this.log.propose({ op: "delete", seq, erase: false });
        removed++;
      }
    }
  }

  private onStorageUpdate(msgsDelta: number, bytesDelta: number, seq: number, subject: string): void {
    this.jsa.addUsage(this.cfg.storage, bytesDelta);
    if (msgsDelta < 0) {
      if (seq > 0) for (const c of this.consumers.values()) c.onStreamRemoved(seq, subject);
      else for (const c of this.consumers.values()) c.onPurge();
    }
  }

  // ---- config and state ----

  /** Applies an updated config (already validated by checkStreamUpdate). */
  update(cfg: StreamConfig): void {
    const old = this.cfg;
    this.cfg = cfg;
    this.store.updateConfig(storeConfigOf(cfg));
    this.dedupe.windowMs = (cfg.duplicate_window ?? 0) / NS_PER_MS;
    this.compileTransforms();
    if (JSON.stringify(old.subjects) !== JSON.stringify(cfg.subjects)) {
      this.unsubscribe();
      const server = this.jsa.js.server;
      for (const subject of cfg.subjects ?? []) {
        this.ingestSubs.push(server.subscribeJetStream(this.account, wireSubject(subject), this.onPublish, this.name));
      }
    }
    this.direct.update();
    this.sources.update(old);
    for (const c of this.consumers.values()) c.onPurge();
  }

  /** nats-server StreamState JSON, `subjects` when asked (already paged). */
  state(details = false): StreamState {
    const s = details ? this.store.state() : this.store.fastState();
    const out: StreamState = {
      messages: s.msgs,
      bytes: s.bytes,
      first_seq: s.firstSeq,
      first_ts: tsToIso(s.firstTsMs, s.firstTsNs),
      last_seq: s.lastSeq,
      last_ts: tsToIso(s.lastTsMs, s.lastTsNs),
      consumer_count: this.publicConsumerCount(),
    };
    if (s.numSubjects > 0) out.num_subjects = s.numSubjects;
    if (s.numDeleted > 0) out.num_deleted = s.numDeleted;
    if (details && s.deleted !== null && s.deleted.length > 0) out.deleted = s.deleted;
    if (s.lost !== null && (s.lost.msgs.length > 0 || s.lost.bytes > 0)) out.lost = s.lost;
    return out;
  }

  publicConsumerCount(): number {
    let n = 0;
    for (const c of this.consumers.values()) if (!c.cfg.direct) n++;
    return n;
  }

  info(details = false): StreamInfo {
    const js = this.jsa.js;
    const info: StreamInfo = {
      config: this.cfg,
      created: this.createdNs,
      state: this.state(details),
      cluster: { leader: js.server.name },
      ts: js.clock(),
    };
    if (js.config.domain !== "") info.domain = js.config.domain;
    const mirror = this.sources.mirrorInfo();
    if (mirror !== null) info.mirror = mirror;
    const sources = this.sources.sourcesInfo();
    if (sources.length > 0) info.sources = sources;
    return info;
  }

  /** Per-subject message counts for STREAM.INFO's subjects_filter, with display subjects. */
  subjectsTotals(filter: string): Map<string, number> {
    const raw = this.store.subjectsTotals(wireSubject(filter));
    const out = new Map<string, number>();
    for (const [k, v] of raw) out.set(displaySubject(k), v);
    return out;
  }

  /** Stops the stream: subscriptions, consumers, sources; with `deleteData` removes it all. */
  async stop(deleteData: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.direct.stop();
    this.sources.stop();
    for (const c of [...this.consumers.values()]) await c.stop(deleteData, false);
    this.consumers.clear();
    if (deleteData) await this.store.delete();
    else await this.store.stop();
  }

  /** A fresh id for ephemeral consumer names and the like. */
  static newName(): string {
    return nuid.next().slice(-8);
  }
}
