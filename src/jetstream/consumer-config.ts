/**
 * Consumer configuration: defaults (nats-server consumer.go setConsumerConfigDefaults),
 * validation (checkConsumerCfg) and what an update may change (checkNewConsumerConfig).
 * Pure functions of the request, the stream's config and the limits.
 */
import { isValidSubject, subjectIsLiteral } from "../sublist/index.js";
import { encode } from "./codec.js";
import { jsError, jsFail, JsApiError, type JsErrorName } from "./errors.js";
import { MAX_DESCRIPTION_LEN, MAX_METADATA_LEN, metadataLen } from "./stream-config.js";
import { subjectsCollide } from "./subjects.js";
import { formatDuration, NS_PER_MS, NS_PER_SEC } from "./time.js";
import { CONSUMER_CONFIG, type ConsumerConfig, type StreamConfig } from "./types.js";

/** JsAckWaitDefault. */
export const DEFAULT_ACK_WAIT_NS = 30 * NS_PER_SEC;
/** JsDeleteWaitTimeDefault: ephemerals go away after this long without interest. */
export const DEFAULT_INACTIVE_THRESHOLD_NS = 5 * NS_PER_SEC;
/** JsDefaultMaxAckPending. */
export const DEFAULT_MAX_ACK_PENDING = 1000;
/** JSWaitQueueDefaultMax. */
export const DEFAULT_MAX_WAITING = 512;

/** Server and account limits a consumer config is checked against. */
export interface ConsumerLimits {
  /** Server `limits.max_ack_pending` (0 = none). */
  serverMaxAckPending: number;
  /** Server `limits.max_request_batch` (0 = none). */
  serverMaxRequestBatch: number;
  /** Account max_ack_pending (0 or -1 = none). */
  accountMaxAckPending: number;
}

function fail(name: JsErrorName): JsApiError {
  return new JsApiError(jsError(name));
}

function policy(message: string): JsApiError {
  return jsFail("JSConsumerInvalidPolicyErrF", { err: message });
}

/** The filters of a config: filter_subject or filter_subjects (gatherSubjectFilters). */
export function filtersOf(cfg: Pick<ConsumerConfig, "filter_subject" | "filter_subjects">): string[] {
  if (cfg.filter_subject) return [cfg.filter_subject];
  return cfg.filter_subjects ?? [];
}

/** Whether the config names a durable (nats-server isDurableConsumer). */
export function isDurable(cfg: Pick<ConsumerConfig, "durable_name">): boolean {
  return !!cfg.durable_name;
}

/** Fills in nats-server's defaults; mutates and returns `cfg`. */
export function applyConsumerDefaults(input: Partial<ConsumerConfig>, stream: StreamConfig, lim: ConsumerLimits): ConsumerConfig {
  const cfg: ConsumerConfig = {
    ...input,
    deliver_policy: input.deliver_policy === undefined || (input.deliver_policy as string) === "undefined" ? "all" : input.deliver_policy,
    ack_policy: input.ack_policy ?? "none",
    replay_policy: input.replay_policy ?? "instant",
    num_replicas: input.num_replicas ?? 0,
  };
  const acks = cfg.ack_policy === "explicit" || cfg.ack_policy === "all";
  if (!cfg.deliver_subject && !cfg.max_waiting) cfg.max_waiting = DEFAULT_MAX_WAITING;
  if (!cfg.ack_wait && acks) cfg.ack_wait = DEFAULT_ACK_WAIT_NS;
  if (!cfg.max_deliver) cfg.max_deliver = -1;
  if ((cfg.backoff ?? []).length > 0) cfg.ack_wait = cfg.backoff![0];
  if (!cfg.max_ack_pending) cfg.max_ack_pending = stream.consumer_limits.max_ack_pending;
  if (!cfg.inactive_threshold) cfg.inactive_threshold = stream.consumer_limits.inactive_threshold;
  if (acks && !cfg.max_ack_pending) {
    let pending = DEFAULT_MAX_ACK_PENDING;
    if (lim.serverMaxAckPending > 0 && lim.serverMaxAckPending < pending) pending = lim.serverMaxAckPending;
    if (lim.accountMaxAckPending > 0 && lim.accountMaxAckPending < pending) pending = lim.accountMaxAckPending;
    cfg.max_ack_pending = pending;
  }
  if (!cfg.deliver_subject && !cfg.max_batch && lim.serverMaxRequestBatch > 0) cfg.max_batch = lim.serverMaxRequestBatch;
  return cfg;
}

/** Throws the API error for the first rule `cfg` breaks (nats-server checkConsumerCfg). */
export function checkConsumerConfig(cfg: ConsumerConfig, stream: StreamConfig, lim: ConsumerLimits): void {
  const replicas = cfg.num_replicas;
  if (replicas > 0 && replicas > stream.num_replicas) throw fail("JSConsumerReplicasExceedsStream");
  if (replicas < 0) throw fail("JSReplicasCountCannotBeNegative");
  if (stream.retention !== "limits" && replicas !== 0 && replicas !== stream.num_replicas) {
    throw fail("JSConsumerReplicasShouldMatchStream");
  }
  const backoff = cfg.backoff ?? [];
  if (backoff.length > 0 && cfg.max_deliver !== -1 && backoff.length > (cfg.max_deliver ?? 0)) {
    throw fail("JSConsumerMaxDeliverBackoffErr");
  }
  if ((cfg.description ?? "").length > MAX_DESCRIPTION_LEN) throw jsFail("JSConsumerDescriptionTooLongErrF", { max: MAX_DESCRIPTION_LEN });
  if (cfg.deliver_subject) checkPush(cfg, stream);
  else checkPull(cfg, stream, lim);
  const map = cfg.max_ack_pending ?? 0;
  if (lim.serverMaxAckPending > 0 && map > lim.serverMaxAckPending) {
    throw jsFail("JSConsumerMaxPendingAckExcessErrF", { limit: lim.serverMaxAckPending });
  }
  if (lim.accountMaxAckPending > 0 && map > lim.accountMaxAckPending) {
    throw jsFail("JSConsumerMaxPendingAckExcessErrF", { limit: lim.accountMaxAckPending });
  }
  const cl = stream.consumer_limits;
  if ((cl.max_ack_pending ?? 0) > 0 && map > cl.max_ack_pending!) {
    throw jsFail("JSConsumerMaxPendingAckExcessErrF", { limit: cl.max_ack_pending! });
  }
  if ((cl.inactive_threshold ?? 0) > 0 && (cfg.inactive_threshold ?? 0) > cl.inactive_threshold!) {
    throw jsFail("JSConsumerInactiveThresholdExcess", { limit: formatDuration(cl.inactive_threshold!) });
  }
  if (cfg.direct === true) {
    if (!cfg.deliver_subject) throw fail("JSConsumerDirectRequiresPushErr");
    if (isDurable(cfg)) throw fail("JSConsumerDirectRequiresEphemeralErr");
  }
  checkFilters(cfg);
  checkDeliverPolicy(cfg);
  if (cfg.sample_freq) {
    const n = Number(cfg.sample_freq.replace(/%$/, ""));
    if (!Number.isInteger(n) || n < 0) throw jsFail("JSConsumerInvalidSamplingErrF", { err: `strconv.Atoi: parsing "${cfg.sample_freq}": invalid syntax` });
  }
  if (cfg.flow_control === true && !cfg.idle_heartbeat) throw fail("JSConsumerWithFlowControlNeedsHeartbeats");
  if (cfg.durable_name && cfg.name && cfg.name !== cfg.durable_name) throw fail("JSConsumerCreateDurableAndNameMismatch");
  if (metadataLen(cfg.metadata) > MAX_METADATA_LEN) throw jsFail("JSConsumerMetadataLengthErrF", { limit: `${MAX_METADATA_LEN / 1024}KB` });
}

function checkPush(cfg: ConsumerConfig, stream: StreamConfig): void {
  const ds = cfg.deliver_subject!;
  if (!subjectIsLiteral(ds)) throw fail("JSConsumerDeliverToWildcardsErr");
  if (!isValidSubject(ds)) throw fail("JSConsumerInvalidDeliverSubject");
  if (deliveryFormsCycle(stream, ds)) throw fail("JSConsumerDeliverCycleErr");
  if (cfg.max_waiting) throw fail("JSConsumerPushMaxWaitingErr");
  if ((cfg.max_ack_pending ?? 0) > 0 && cfg.ack_policy === "none") throw fail("JSConsumerMaxPendingAckPolicyRequiredErr");
  const hb = cfg.idle_heartbeat ?? 0;
  if (hb > 0 && hb < 100 * NS_PER_MS) throw fail("JSConsumerSmallHeartbeatErr");
}

function checkPull(cfg: ConsumerConfig, stream: StreamConfig, lim: ConsumerLimits): void {
  if (cfg.ack_policy === "none" && stream.retention === "workqueue") throw fail("JSConsumerPullRequiresAckErr");
  if ((cfg.rate_limit_bps ?? 0) > 0) throw fail("JSConsumerPullWithRateLimitErr");
  if ((cfg.max_waiting ?? 0) < 0) throw fail("JSConsumerMaxWaitingNegativeErr");
  if ((cfg.idle_heartbeat ?? 0) > 0) throw fail("JSConsumerHBRequiresPushErr");
  if (cfg.flow_control === true) throw fail("JSConsumerFCRequiresPushErr");
  if ((cfg.max_batch ?? 0) < 0) throw fail("JSConsumerMaxRequestBatchNegativeErr");
  const me = cfg.max_expires ?? 0;
  if (me !== 0 && me < NS_PER_MS) throw fail("JSConsumerMaxRequestExpiresToSmall");
  if (lim.serverMaxRequestBatch > 0 && (cfg.max_batch ?? 0) > lim.serverMaxRequestBatch) {
    throw jsFail("JSConsumerMaxRequestBatchExceededF", { limit: lim.serverMaxRequestBatch });
  }
}

/** A push consumer delivering into its own stream's subjects would loop. */
export function deliveryFormsCycle(stream: StreamConfig, deliverSubject: string): boolean {
  return (stream.subjects ?? []).some((s) => subjectsCollide(s, deliverSubject));
}

function checkFilters(cfg: ConsumerConfig): void {
  if (cfg.filter_subject && (cfg.filter_subjects ?? []).length > 0) throw fail("JSConsumerDuplicateFilterSubjects");
  const badSubject = (): JsApiError => jsFail("JSStreamInvalidConfigF", { err: "invalid subject" });
  if (cfg.filter_subject && !isValidSubject(cfg.filter_subject)) throw badSubject();
  for (const f of cfg.filter_subjects ?? []) if (f === "") throw fail("JSConsumerEmptyFilter");
  const filters = filtersOf(cfg);
  filters.forEach((f, i) => {
    if (!isValidSubject(f)) throw badSubject();
    filters.forEach((g, j) => {
      if (i !== j && subjectsCollide(f, g)) throw fail("JSConsumerOverlappingSubjectFilters");
    });
  });
}

function checkDeliverPolicy(cfg: ConsumerConfig): void {
  const badStart = (dp: string, start: string): JsApiError =>
    policy(`consumer delivery policy is deliver ${dp}, but optional start ${start} is also set`);
  const notSet = (dp: string, what: string): JsApiError => policy(`consumer delivery policy is deliver ${dp}, but optional ${what} is not set`);
  const seq = cfg.opt_start_seq ?? 0;
  const time = cfg.opt_start_time !== undefined;
  const plain: Record<string, string> = { all: "all", last: "last", last_per_subject: "last per subject", new: "new" };
  const dp = cfg.deliver_policy;
  if (dp in plain) {
    if (seq > 0) throw badStart(plain[dp]!, "sequence");
    if (time) throw badStart(plain[dp]!, "time");
    if (dp === "last_per_subject" && filtersOf(cfg).length === 0) throw notSet("last per subject", "filter subject");
  } else if (dp === "by_start_sequence") {
    if (seq === 0) throw notSet("by start sequence", "start sequence");
    if (time) throw badStart("by start sequence", "time");
  } else if (dp === "by_start_time") {
    if (!time) throw notSet("by start time", "start time");
    if (seq !== 0) throw badStart("by start time", "start sequence");
  }
}

/** Whether two consumer configs are identical (reflect.DeepEqual on the struct). */
export function sameConsumerConfig(a: ConsumerConfig, b: ConsumerConfig): boolean {
  return encode(a, CONSUMER_CONFIG) === encode(b, CONSUMER_CONFIG);
}

/**
 * Why `next` may not replace `cur` (nats-server checkNewConsumerConfig), or null.
 * `deliverHasInterest` tells whether the current push deliver subject is in use.
 */
export function consumerUpdateError(cur: ConsumerConfig, next: ConsumerConfig, deliverHasInterest: boolean): JsApiError | null {
  if (sameConsumerConfig(cur, next)) return null;
  const plain = (msg: string): JsApiError => jsFail("JSConsumerCreateErrF", { err: msg });
  if (cur.deliver_policy !== next.deliver_policy) return plain("deliver policy can not be updated");
  if ((cur.opt_start_seq ?? 0) !== (next.opt_start_seq ?? 0)) return plain("start sequence can not be updated");
  if (cur.opt_start_time !== next.opt_start_time) return plain("start time can not be updated");
  if (cur.ack_policy !== next.ack_policy) return plain("ack policy can not be updated");
  if (cur.replay_policy !== next.replay_policy) return plain("replay policy can not be updated");
  if ((cur.idle_heartbeat ?? 0) !== (next.idle_heartbeat ?? 0)) return plain("heart beats can not be updated");
  if ((cur.flow_control ?? false) !== (next.flow_control ?? false)) return plain("flow control can not be updated");
  if ((cur.deliver_subject ?? "") !== (next.deliver_subject ?? "")) {
    if (!cur.deliver_subject) return plain("can not update pull consumer to push based");
    if (!next.deliver_subject) return plain("can not update push consumer to pull based");
    if (deliverHasInterest) return fail("JSConsumerNameExistErr");
  }
  if ((cur.max_waiting ?? 0) !== (next.max_waiting ?? 0)) return plain("max waiting can not be updated");
  const backoff = next.backoff ?? [];
  if (backoff.length > 0 && next.max_deliver !== -1 && backoff.length > (next.max_deliver ?? 0)) {
    return fail("JSConsumerMaxDeliverBackoffErr");
  }
  return null;
}
