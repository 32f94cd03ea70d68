/**
 * The JetStream API's JSON shapes (nats-server 2.10 stream.go, consumer.go,
 * jetstream_api.go), as TypeScript types with the wire's field names, each with the
 * schema that decodes and encodes it in nats-server's field order (see codec.ts).
 * Durations are nanoseconds; instants are nanoseconds since the epoch (time.ts).
 */
import type { Field, Schema } from "./codec.js";

export type Retention = "limits" | "interest" | "workqueue";
export type Discard = "old" | "new";
export type Storage = "file" | "memory";
export type Compression = "none" | "s2";
export type DeliverPolicy = "all" | "last" | "new" | "by_start_sequence" | "by_start_time" | "last_per_subject";
export type AckPolicy = "none" | "all" | "explicit";
export type ReplayPolicy = "instant" | "original";
export type ConsumerAction = "" | "create" | "update";
/** An instant in JSON: nanoseconds since the epoch, or an RFC 3339 string already formatted. */
export type Instant = number | string;

/** Enum kinds; the first value is Go's zero value. */
const RETENTION = { enum: ["limits", "interest", "workqueue"] } as const;
const DISCARD = { enum: ["old", "new"], ci: true } as const;
const STORAGE = { enum: ["file", "memory"] } as const;
const COMPRESSION = { enum: ["none", "s2"] } as const;
const DELIVER = { enum: ["all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject", "undefined"] } as const;
const ACK = { enum: ["none", "all", "explicit"] } as const;
const REPLAY = { enum: ["instant", "original"] } as const;
const ACTION = { enum: ["", "create", "update"] } as const;

export interface SubjectTransformConfig {
  src: string;
  dest: string;
}
export const SUBJECT_TRANSFORM: Schema = [
  ["src", "str"],
  ["dest", "str"],
];

export interface ExternalStream {
  api: string;
  deliver: string;
}
const EXTERNAL: Schema = [
  ["api", "str"],
  ["deliver", "str"],
];

export interface StreamSource {
  name: string;
  opt_start_seq?: number;
  opt_start_time?: number;
  filter_subject?: string;
  subject_transforms?: SubjectTransformConfig[];
  external?: ExternalStream;
}
export const STREAM_SOURCE: Schema = [
  ["name", "str"],
  ["opt_start_seq", "uint", true],
  ["opt_start_time", "timeptr", true],
  ["filter_subject", "str", true],
  ["subject_transforms", { arr: SUBJECT_TRANSFORM }, true],
  ["external", { obj: EXTERNAL }, true],
];

export interface RePublish {
  src?: string;
  dest: string;
  headers_only?: boolean;
}
const REPUBLISH: Schema = [
  ["src", "str", true],
  ["dest", "str"],
  ["headers_only", "bool", true],
];

export interface Placement {
  cluster?: string;
  tags?: string[];
}
const PLACEMENT: Schema = [
  ["cluster", "str", true],
  ["tags", "strs", true],
];

export interface StreamConsumerLimits {
  inactive_threshold?: number;
  max_ack_pending?: number;
}
const CONSUMER_LIMITS: Schema = [
  ["inactive_threshold", "dur", true],
  ["max_ack_pending", "int", true],
];

/** nats-server StreamConfig. Optional fields are the ones a request may leave out. */
export interface StreamConfig {
  name: string;
  description?: string;
  subjects?: string[];
  retention: Retention;
  max_consumers: number;
  max_msgs: number;
  max_bytes: number;
  max_age: number;
  max_msgs_per_subject: number;
  max_msg_size?: number;
  discard: Discard;
  storage: Storage;
  num_replicas: number;
  no_ack?: boolean;
  template_owner?: string;
  duplicate_window?: number;
  placement?: Placement;
  mirror?: StreamSource;
  sources?: StreamSource[];
  compression: Compression;
  first_seq?: number;
  subject_transform?: SubjectTransformConfig;
  republish?: RePublish;
  allow_direct: boolean;
  mirror_direct: boolean;
  discard_new_per_subject?: boolean;
  sealed: boolean;
  deny_delete: boolean;
  deny_purge: boolean;
  allow_rollup_hdrs: boolean;
  consumer_limits: StreamConsumerLimits;
  metadata?: Record<string, string>;
}
export const STREAM_CONFIG: Schema = [
  ["name", "str"],
  ["description", "str", true],
  ["subjects", "strs", true],
  ["retention", RETENTION],
  ["max_consumers", "int"],
  ["max_msgs", "int"],
  ["max_bytes", "int"],
  ["max_age", "dur"],
  ["max_msgs_per_subject", "int"],
  ["max_msg_size", "int", true],
  ["discard", DISCARD],
  ["storage", STORAGE],
  ["num_replicas", "int"],
  ["no_ack", "bool", true],
  ["template_owner", "str", true],
  ["duplicate_window", "dur", true],
  ["placement", { obj: PLACEMENT }, true],
  ["mirror", { obj: STREAM_SOURCE }, true],
  ["sources", { arr: STREAM_SOURCE }, true],
  ["compression", COMPRESSION],
  ["first_seq", "uint", true],
  ["subject_transform", { obj: SUBJECT_TRANSFORM }, true],
  ["republish", { obj: REPUBLISH }, true],
  ["allow_direct", "bool"],
  ["mirror_direct", "bool"],
  ["discard_new_per_subject", "bool", true],
  ["sealed", "bool"],
  ["deny_delete", "bool"],
  ["deny_purge", "bool"],
  ["allow_rollup_hdrs", "bool"],
  ["consumer_limits", { obj: CONSUMER_LIMITS }],
  ["metadata", "smap", true],
];

/** nats-server StreamState. Instants in nanoseconds. */
export interface StreamState {
  messages: number;
  bytes: number;
  first_seq: number;
  first_ts: Instant;
  last_seq: number;
  last_ts: Instant;
  num_subjects?: number;
  subjects?: Record<string, number>;
  num_deleted?: number;
  deleted?: number[];
  lost?: { msgs: number[]; bytes: number };
  consumer_count: number;
}
export const STREAM_STATE: Schema = [
  ["messages", "uint"],
  ["bytes", "uint"],
  ["first_seq", "uint"],
  ["first_ts", "time"],
  ["last_seq", "uint"],
  ["last_ts", "time"],
  ["num_subjects", "int", true],
  ["subjects", "nmap", true],
  ["num_deleted", "int", true],
  ["deleted", { nums: true }, true],
  [
    "lost",
    {
      obj: [
        ["msgs", { nums: true }],
        ["bytes", "uint"],
      ],
    },
    true,
  ],
  ["consumer_count", "int"],
];

export interface ClusterInfo {
  name?: string;
  raft_group?: string;
  leader?: string;
}
const CLUSTER_INFO: Schema = [
  ["name", "str", true],
  ["raft_group", "str", true],
  ["leader", "str", true],
];

export interface StreamSourceInfo {
  name: string;
  external?: ExternalStream;
  lag: number;
  /** Nanoseconds since the last contact; -1 when never. */
  active: number;
  error?: unknown;
  filter_subject?: string;
  subject_transforms?: SubjectTransformConfig[];
}
const STREAM_SOURCE_INFO: Schema = [
  ["name", "str"],
  ["external", { obj: EXTERNAL }, true],
  ["lag", "uint"],
  ["active", "dur"],
  ["error", "raw", true],
  ["filter_subject", "str", true],
  ["subject_transforms", { arr: SUBJECT_TRANSFORM }, true],
];

export interface StreamInfo {
  config: StreamConfig;
  created: Instant;
  state: StreamState;
  domain?: string;
  cluster?: ClusterInfo;
  mirror?: StreamSourceInfo;
  sources?: StreamSourceInfo[];
  ts: Instant;
}
export const STREAM_INFO_FIELDS: Field[] = [
  ["config", { obj: STREAM_CONFIG }],
  ["created", "time"],
  ["state", { obj: STREAM_STATE }],
  ["domain", "str", true],
  ["cluster", { obj: CLUSTER_INFO }, true],
  ["mirror", { obj: STREAM_SOURCE_INFO }, true],
  ["sources", { arr: STREAM_SOURCE_INFO }, true],
  ["alternates", "raw", true],
  ["ts", "time"],
];

/** nats-server ConsumerConfig (2.10). */
export interface ConsumerConfig {
  durable_name?: string;
  name?: string;
  description?: string;
  deliver_policy: DeliverPolicy;
  opt_start_seq?: number;
  opt_start_time?: number;
  ack_policy: AckPolicy;
  ack_wait?: number;
  max_deliver?: number;
  backoff?: number[];
  filter_subject?: string;
  filter_subjects?: string[];
  replay_policy: ReplayPolicy;
  rate_limit_bps?: number;
  sample_freq?: string;
  max_waiting?: number;
  max_ack_pending?: number;
  idle_heartbeat?: number;
  flow_control?: boolean;
  headers_only?: boolean;
  max_batch?: number;
  max_expires?: number;
  max_bytes?: number;
  deliver_subject?: string;
  deliver_group?: string;
  inactive_threshold?: number;
  num_replicas: number;
  mem_storage?: boolean;
  direct?: boolean;
  metadata?: Record<string, string>;
}
export const CONSUMER_CONFIG: Schema = [
  ["durable_name", "str", true],
  ["name", "str", true],
  ["description", "str", true],
  ["deliver_policy", DELIVER],
  ["opt_start_seq", "uint", true],
  ["opt_start_time", "timeptr", true],
  ["ack_policy", ACK],
  ["ack_wait", "dur", true],
  ["max_deliver", "int", true],
  ["backoff", "durs", true],
  ["filter_subject", "str", true],
  ["filter_subjects", "strs", true],
  ["replay_policy", REPLAY],
  ["rate_limit_bps", "uint", true],
  ["sample_freq", "str", true],
  ["max_waiting", "int", true],
  ["max_ack_pending", "int", true],
  ["idle_heartbeat", "dur", true],
  ["flow_control", "bool", true],
  ["headers_only", "bool", true],
  ["max_batch", "int", true],
  ["max_expires", "dur", true],
  ["max_bytes", "int", true],
  ["deliver_subject", "str", true],
  ["deliver_group", "str", true],
  ["inactive_threshold", "dur", true],
  ["num_replicas", "int"],
  ["mem_storage", "bool", true],
  ["direct", "bool", true],
  ["metadata", "smap", true],
];

export interface CreateConsumerRequest {
  stream_name?: string;
  config?: Partial<ConsumerConfig>;
  action?: ConsumerAction;
}
export const CREATE_CONSUMER_REQUEST: Schema = [
  ["stream_name", "str"],
  ["config", { obj: CONSUMER_CONFIG }],
  ["action", ACTION],
];

export interface SequenceInfo {
  consumer_seq: number;
  stream_seq: number;
  last_active?: Instant;
}
const SEQUENCE_INFO: Schema = [
  ["consumer_seq", "uint"],
  ["stream_seq", "uint"],
  ["last_active", "timeptr", true],
];

export interface ConsumerInfo {
  stream_name: string;
  name: string;
  created: Instant;
  config: ConsumerConfig;
  delivered: SequenceInfo;
  ack_floor: SequenceInfo;
  num_ack_pending: number;
  num_redelivered: number;
  num_waiting: number;
  num_pending: number;
  cluster?: ClusterInfo;
  push_bound?: boolean;
  ts: Instant;
}
export const CONSUMER_INFO_FIELDS: Field[] = [
  ["stream_name", "str"],
  ["name", "str"],
  ["created", "time"],
  ["config", { obj: CONSUMER_CONFIG }, true],
  ["delivered", { obj: SEQUENCE_INFO }],
  ["ack_floor", { obj: SEQUENCE_INFO }],
  ["num_ack_pending", "int"],
  ["num_redelivered", "int"],
  ["num_waiting", "int"],
  ["num_pending", "uint"],
  ["cluster", { obj: CLUSTER_INFO }, true],
  ["push_bound", "bool", true],
  ["ts", "time"],
];
export const CONSUMER_INFO: Schema = CONSUMER_INFO_FIELDS;
export const STREAM_INFO: Schema = STREAM_INFO_FIELDS;

/** JSApiConsumerGetNextRequest. */
export interface NextRequest {
  expires?: number;
  batch?: number;
  max_bytes?: number;
  no_wait?: boolean;
  idle_heartbeat?: number;
}
export const NEXT_REQUEST: Schema = [
  ["expires", "dur", true],
  ["batch", "int", true],
  ["max_bytes", "int", true],
  ["no_wait", "bool", true],
  ["idle_heartbeat", "dur", true],
];

/** StoredMsg of STREAM.MSG.GET. */
export interface StoredMsgJson {
  subject: string;
  seq: number;
  hdrs?: Buffer;
  data?: Buffer;
  time: Instant;
}
export const STORED_MSG: Schema = [
  ["subject", "str"],
  ["seq", "uint"],
  ["hdrs", "bytes", true],
  ["data", "bytes", true],
  ["time", "time"],
];

/** JetStreamAccountLimits. */
export interface AccountLimitsJson {
  max_memory: number;
  max_storage: number;
  max_streams: number;
  max_consumers: number;
  max_ack_pending: number;
  memory_max_stream_bytes: number;
  storage_max_stream_bytes: number;
  max_bytes_required: boolean;
}
export const ACCOUNT_LIMITS: Schema = [
  ["max_memory", "int"],
  ["max_storage", "int"],
  ["max_streams", "int"],
  ["max_consumers", "int"],
  ["max_ack_pending", "int"],
  ["memory_max_stream_bytes", "int"],
  ["storage_max_stream_bytes", "int"],
  ["max_bytes_required", "bool"],
];

export const API_STATS: Schema = [
  ["total", "uint"],
  ["errors", "uint"],
  ["inflight", "uint", true],
];

/** JetStreamAccountStats (JetStreamTier inlined, then domain, api). */
export const ACCOUNT_STATS_FIELDS: Field[] = [
  ["memory", "uint"],
  ["storage", "uint"],
  ["reserved_memory", "uint"],
  ["reserved_storage", "uint"],
  ["streams", "int"],
  ["consumers", "int"],
  ["limits", { obj: ACCOUNT_LIMITS }],
  ["domain", "str", true],
  ["api", { obj: API_STATS }],
  ["tiers", "raw", true],
];

/** ApiPaged. */
export const PAGED_FIELDS: Field[] = [
  ["total", "int"],
  ["offset", "int"],
  ["limit", "int"],
];

/** ApiResponse: every API response starts with these. */
export const RESPONSE_FIELDS: Field[] = [
  ["type", "str"],
  ["error", "raw", true],
];
