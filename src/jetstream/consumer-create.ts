/**
 * Creating, updating and restoring consumers (nats-server consumer.go
 * addConsumerWithAssignment, updateConfig, selectStartingSeqNo).
 */
import { nuid } from "@nats-io/nuid";
import { wireSubject } from "../sublist/index.js";
import { consumerAction } from "./advisories.js";
import {
  applyConsumerDefaults,
  checkConsumerConfig,
  consumerUpdateError,
  DEFAULT_INACTIVE_THRESHOLD_NS,
  filtersOf,
  isDurable,
  sameConsumerConfig,
  type ConsumerLimits,
} from "./consumer-config.js";
import { Consumer } from "./consumer.js";
import { jsError, jsFail, JsApiError } from "./errors.js";
import { persistConsumerMeta } from "./persist.js";
import { MAX_NAME_LEN } from "./stream-config.js";
import type { Stream } from "./stream.js";
import { isValidName, subjectsCollide } from "./subjects.js";
import { NS_PER_MS } from "./time.js";
import type { ConsumerAction, ConsumerConfig } from "./types.js";

/** The limits a consumer of `stream` is checked against. */
export function consumerLimits(stream: Stream): ConsumerLimits {
  const o = stream.jsa.js.config;
  return {
    serverMaxAckPending: o.maxAckPending,
    serverMaxRequestBatch: o.maxRequestBatch,
    accountMaxAckPending: stream.jsa.limits.maxAckPending,
  };
}

/** Whether the filters of a new work-queue consumer overlap another's (partitionUnique). */
function partitionUnique(stream: Stream, name: string, filters: readonly string[]): boolean {
  for (const c of stream.consumers.values()) {
    if (c.name === name) continue;
    const other = c.filters;
    if (other.length === 0) return false;
    for (const f of filters) for (const g of other) if (subjectsCollide(f, g)) return false;
  }
  return true;
}

/** nats-server createConsumerName: eight random characters. */
function createConsumerName(): string {
  return nuid.next().slice(-8);
}

/**
 * Adds (or updates, per `action`) a consumer on `stream`; throws the API error
 * nats-server gives. Returns the consumer.
 */
export function addConsumer(stream: Stream, input: Partial<ConsumerConfig>, action: ConsumerAction): Consumer {
  if (stream.closed) throw new JsApiError(jsError("JSStreamInvalidErr"));
  const lim = consumerLimits(stream);
  const cfg = applyConsumerDefaults(input, stream.cfg, lim);
  checkConsumerConfig(cfg, stream.cfg, lim);
  const cname = cfg.durable_name || cfg.name || "";
  if (cname !== "") {
    const existing = stream.consumers.get(cname);
    if (existing !== undefined) return updateExisting(stream, existing, cfg, action);
  }
  if (action === "update") throw new JsApiError(jsError("JSConsumerDoesNotExist"));
  const jsaMax = stream.jsa.limits.maxConsumers;
  let maxc = stream.cfg.max_consumers;
  if (maxc <= 0 || (jsaMax > 0 && jsaMax < maxc)) maxc = jsaMax;
  if (maxc > 0 && stream.publicConsumerCount() >= maxc) throw new JsApiError(jsError("JSMaximumConsumersLimitErr"));
  if (stream.cfg.retention === "workqueue" && cfg.direct !== true) checkWorkQueue(stream, cname, cfg);
  let name = cname;
  if (name === "") {
    do name = createConsumerName();
    while (stream.consumers.has(name));
    cfg.name = name;
  }
  if (isDurable(cfg) && name.length > MAX_NAME_LEN) throw jsFail("JSConsumerNameTooLongErrF", { max: MAX_NAME_LEN });
  if (!isValidName(name)) throw new JsApiError(jsError("JSConsumerBadDurableNameErr"));
  const c = build(stream, cfg, name);
  persistConsumerMeta(stream.jsa.js, c);
  consumerAction(stream.jsa.js, stream.account, stream.name, name, "create");
  return c;
}

function checkWorkQueue(stream: Stream, name: string, cfg: ConsumerConfig): void {
  if (cfg.ack_policy !== "explicit") throw new JsApiError(jsError("JSConsumerWQRequiresExplicitAckErr"));
  if (stream.consumers.size > 0) {
    const filters = filtersOf(cfg);
    if (filters.length === 0) throw new JsApiError(jsError("JSConsumerWQMultipleUnfilteredErr"));
    if (!partitionUnique(stream, name, filters)) throw new JsApiError(jsError("JSConsumerWQConsumerNotUniqueErr"));
  }
  if (cfg.deliver_policy !== "all") throw new JsApiError(jsError("JSConsumerWQConsumerNotDeliverAllErr"));
}

function updateExisting(stream: Stream, c: Consumer, cfg: ConsumerConfig, action: ConsumerAction): Consumer {
  if (action === "create" && !sameConsumerConfig(withStamps(c, cfg), c.cfg)) throw new JsApiError(jsError("JSConsumerAlreadyExists"));
  if (stream.cfg.retention === "workqueue" && !partitionUnique(stream, c.name, filtersOf(cfg))) {
    throw new JsApiError(jsError("JSConsumerWQConsumerNotUniqueErr"));
  }
  const next = withStamps(c, cfg);
  const deliverInterest = c.isPush && stream.account.sublist.hasInterest(wireSubject(c.cfg.deliver_subject!));
  const err = consumerUpdateError(c.cfg, next, deliverInterest);
  if (err !== null) throw err;
  applyUpdate(c, next);
  return c;
}

/** The stamps creation added to the stored config (name, default inactive threshold). */
function withStamps(c: Consumer, cfg: ConsumerConfig): ConsumerConfig {
  const out = { ...cfg };
  if (!out.name && c.cfg.name) out.name = c.cfg.name;
  if (!isDurable(out) && !out.inactive_threshold && c.cfg.inactive_threshold) out.inactive_threshold = c.cfg.inactive_threshold;
  return out;
}

/** nats-server updateConfig: applies what an update may change. */
function applyUpdate(c: Consumer, cfg: ConsumerConfig): void {
  const old = c.cfg;
  c.cfg = cfg;
  if ((cfg.deliver_subject ?? "") !== (old.deliver_subject ?? "")) {
    c.active = false;
    c.refreshInterest();
  }
  if (JSON.stringify(filtersOf(cfg)) !== JSON.stringify(filtersOf(old))) {
    c.setFilters(cfg);
    c.stream.indexConsumer(c);
  }
  if (c.waiting !== null) c.waiting.max = cfg.max_waiting ?? c.waiting.max;
  c.dthreshMs = inactiveThresholdMs(cfg);
  c.store?.updateConfig({ ackPolicy: cfg.ack_policy, maxDeliver: cfg.max_deliver ?? -1 });
  persistConsumerMeta(c.js, c);
  c.recountPending();
  c.kick();
  c.scheduleTimer();
}

/** nats-server updateInactiveThreshold: ephemerals always have one (5s default). */
export function inactiveThresholdMs(cfg: ConsumerConfig): number {
  const t = cfg.inactive_threshold ?? 0;
  return t > 0 ? t / NS_PER_MS : 0;
}

/** Builds and starts a new consumer with its store, start sequence and subscriptions. */
function build(stream: Stream, cfg: ConsumerConfig, name: string): Consumer {
  if (!isDurable(cfg) && !cfg.inactive_threshold) cfg.inactive_threshold = DEFAULT_INACTIVE_THRESHOLD_NS;
  const store = cfg.direct === true ? null : stream.store.consumerStore(name, { ackPolicy: cfg.ack_policy, maxDeliver: cfg.max_deliver ?? -1 });
  const c = new Consumer(stream, cfg, name, store, stream.jsa.js.clock());
  if (store !== null && store.hasState()) restoreState(c);
  else selectStartingSeq(c);
  start(c);
  return c;
}

/** Registers a consumer built or restored, subscribes it and arms its timers. */
export function start(c: Consumer): void {
  c.dthreshMs = inactiveThresholdMs(c.cfg);
  c.inactiveSinceMs = Date.now();
  if (c.waiting !== null) c.waiting.lastMs = Date.now();
  const hb = c.cfg.idle_heartbeat ?? 0;
  if (c.isPush && hb > 0) c.hbAtMs = Date.now() + hb / NS_PER_MS;
  c.stream.addConsumer(c);
  c.subscribe();
  c.recountPending();
  if (c.isPush) c.refreshInterest();
  c.kick();
  c.scheduleTimer();
}

/** Picks the first stream sequence to deliver (nats-server selectStartingSeqNo). */
export function selectStartingSeq(c: Consumer): void {
  const store = c.stream.store;
  const st = store.fastState();
  const cfg = c.cfg;
  let sseq: number;
  if (cfg.opt_start_seq) {
    sseq = cfg.opt_start_seq;
  } else {
    switch (cfg.deliver_policy) {
      case "all":
        sseq = st.firstSeq;
        break;
      case "last":
        sseq = c.filters.length === 0 ? st.lastSeq : Math.max(1, ...c.filters.map((f) => store.filteredState(1, wireSubject(f)).last));
        break;
      case "last_per_subject":
        sseq = lastPerSubjectStart(c, st.firstSeq, st.lastSeq);
        break;
      case "by_start_time": {
        const ns = cfg.opt_start_time ?? 0;
        sseq = store.getSeqFromTime(Math.floor(ns / NS_PER_MS), Math.round(ns % NS_PER_MS));
        break;
      }
      default:
        sseq = st.lastSeq + 1;
    }
  }
  if (st.firstSeq === 0) sseq = 1;
  else if (sseq < st.firstSeq) sseq = st.firstSeq;
  else if (sseq > st.lastSeq) sseq = st.lastSeq + 1;
  c.sseq = sseq;
  c.dseq = 1;
  c.adflr = 0;
  c.asflr = sseq - 1;
  c.store?.setStarting(sseq - 1);
}

function lastPerSubjectStart(c: Consumer, firstSeq: number, lastSeq: number): number {
  if (c.stream.cfg.max_msgs_per_subject === 1) return firstSeq;
  const seqs = c.stream.store.multiLastSeqs(c.filters.map(wireSubject), 0, 0);
  c.lssResume = lastSeq + 1;
  if (seqs.length === 0) return lastSeq;
  c.lss = seqs;
  return seqs[0]!;
}

/** Restores a durable consumer's state from its store (nats-server readStoredState). */
export function restoreState(c: Consumer): void {
  const st = c.store!.state();
  c.sseq = st.delivered.stream + 1;
  c.dseq = st.delivered.consumer + 1;
  c.adflr = st.ackFloor.consumer;
  c.asflr = st.ackFloor.stream;
  c.pending.clear();
  for (const [seq, p] of st.pending) c.pending.set(seq, { dseq: p.sequence, tsMs: p.timestampMs });
  c.rdc.clear();
  for (const [seq, n] of st.redelivered) c.rdc.set(seq, n);
  const last = c.stream.store.fastState().lastSeq;
  for (const seq of [...c.rdc.keys()]) if (seq <= c.asflr || seq > last) c.rdc.delete(seq);
}
