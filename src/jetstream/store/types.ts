/**
 * The storage interfaces of JetStream: one {@link StreamStore} per stream (memory or file) and
 * one {@link ConsumerStore} per consumer. Modeled on nats-server `server/store.go` (method set,
 * semantics, error meanings, JSON field names); see `README.md` in this folder for the design
 * choices (timestamps, sync vs async, durability).
 *
 * Conventions:
 * - Sequences are JS numbers (exact up to 2^53). 0 means "none" as in nats-server.
 * - Timestamps are a pair: `tsMs` (integer milliseconds since the Unix epoch) and `tsNs`
 *   (nanoseconds within that millisecond, 0..999_999). Nanoseconds since the epoch do not fit
 *   a double exactly; the pair does, costs no allocation, and round-trips exactly through the
 *   file format (an int64 of nanoseconds). See `time.ts` for conversions ($JS.ACK tokens,
 *   RFC 3339 JSON times, bigint).
 * - Everything is synchronous except durability and the big maintenance jobs: appends assign
 *   their sequence and update the in-memory state at once; the file store writes them at the
 *   end of the event-loop turn (group commit) and reports durability through
 *   {@link StreamStore.registerDurableUpdates} / {@link StreamStore.waitDurable}.
 * - Not-found is a `null` result, never an exception (it is common on consumer paths);
 *   refusals and failures throw a {@link StoreError} constant from `errors.ts`.
 */
import type { StoreError } from "./errors.js";

/** nats-server StorageType, as it appears in stream config JSON. */
export type StorageType = "file" | "memory";
/** nats-server DiscardPolicy JSON values. */
export type DiscardPolicy = "old" | "new";
/** nats-server RetentionPolicy JSON values (the store only uses it to pick a block size). */
export type RetentionPolicy = "limits" | "interest" | "workqueue";
/** nats-server AckPolicy JSON values (the consumer store's behaviour depends on it). */
export type AckPolicy = "none" | "all" | "explicit";

/**
 * The part of a stream's configuration the store enforces. Units are in the names; a limit
 * of 0 or below means unlimited (nats-server uses -1).
 */
export interface StreamStoreConfig {
  /** Stream name; used in logs and corruption reports. */
  name: string;
  /** Stream subjects: lets a filter equal to them take the "all messages" fast path. */
  subjects: string[];
  retention: RetentionPolicy;
  maxMsgs: number;
  maxBytes: number;
  /** Messages older than this are removed (0: never). */
  maxAgeMs: number;
  maxMsgsPerSubject: number;
  /** Largest header+payload accepted (nats-server checks this in the stream; ErrMsgTooLarge). */
  maxMsgSize: number;
  discard: DiscardPolicy;
  /** With discard new: refuse a message whose subject is at max_msgs_per_subject. */
  discardNewPerSubject: boolean;
  /** Per-message TTL (nats-server 2.11 `allow_msg_ttl`, the `Nats-TTL` header). */
  allowMsgTtl: boolean;
  /** First sequence of a new, empty stream (nats-server `first_seq`); 0 or 1 for the default. */
  firstSeq: number;
}

/** A stored message. Loads fill a caller-supplied object to avoid allocating one per call. */
export interface StoreMsg {
  subject: string;
  /** Header bytes (`NATS/1.0\r\n...`), empty when the message had none. */
  hdr: Buffer;
  msg: Buffer;
  seq: number;
  /** Store timestamp, whole milliseconds since the epoch. */
  tsMs: number;
  /** Nanoseconds within {@link tsMs}, 0..999_999. */
  tsNs: number;
}

/** Where {@link StreamStore.storeMsg} put a message. */
export interface StoredPos {
  seq: number;
  tsMs: number;
  tsNs: number;
}

/** nats-server SimpleState: state of the messages matching one filter. JSON: messages, first_seq, last_seq. */
export interface SimpleState {
  msgs: number;
  first: number;
  last: number;
}

/** nats-server LostStreamData: messages lost to corruption. JSON: msgs, bytes. */
export interface LostStreamData {
  msgs: number[];
  bytes: number;
}

/**
 * nats-server StreamState. JSON names (see `streamStateToJSON` in `state-json.ts`): messages,
 * bytes, first_seq, first_ts, last_seq, last_ts, num_subjects, subjects, num_deleted, deleted,
 * lost, consumer_count.
 */
export interface StreamState {
  msgs: number;
  bytes: number;
  firstSeq: number;
  firstTsMs: number;
  firstTsNs: number;
  lastSeq: number;
  lastTsMs: number;
  lastTsNs: number;
  numSubjects: number;
  /** Interior deleted sequences, ascending; only from {@link StreamStore.state}. */
  deleted: number[] | null;
  numDeleted: number;
  lost: LostStreamData | null;
  consumerCount: number;
}

/**
 * Called after each change of stored messages: +1/+bytes with the sequence and subject for a
 * store, -1/-bytes with them for a single removal, and totals with seq 0 and subject "" for a
 * bulk removal (purge, compact, truncate). nats-server StorageUpdateHandler. Interest and
 * work-queue retention and consumers learn of removals by limits, age and TTL this way.
 */
export type StorageUpdateHandler = (msgsDelta: number, bytesDelta: number, seq: number, subject: string) => void;

/**
 * When registered, age and TTL expiry ask the owner to remove a message (so a replicated log
 * can order the removal) instead of removing it directly. nats-server StorageRemoveMsgHandler.
 */
export type StorageRemoveMsgHandler = (seq: number) => void;

/**
 * Called after a group commit: every sequence up to `durableSeq` is durable under the store's
 * sync policy. When a write failed, `err` is set and every append with sequence >= `failedFrom`
 * was dropped (removed from the store and reported as removals; the sequences are not reused):
 * whoever waits to acknowledge those must answer with an error. Appends between `durableSeq`
 * and `failedFrom` are still on their way to durability.
 */
export type DurableHandler = (durableSeq: number, failedFrom: number, err: StoreError | null) => void;

/**
 * A compiled set of filter subjects for the multi-filter loads (nats-server passes a
 * SimpleSublist). Build it once per consumer with {@link makeFilter} in `filter.ts`.
 */
export interface SubjectFilter {
  readonly subjects: readonly string[];
  /** Whether `subject` (literal) matches any of the filters. */
  matches(subject: string): boolean;
}

/**
 * One stream's message store. Every method is synchronous and bounded (no single call holds
 * the event loop for long) unless it returns a Promise.
 */
export interface StreamStore {
  readonly type: StorageType;

  /**
   * Appends a message; assigns the next sequence and the store time. `ttlSec` is the message
   * TTL from `Nats-TTL` (0: none, -1: never expires even under max_age). Enforces the limits:
   * discard old removes the oldest messages; discard new throws ErrMaxMsgs / ErrMaxBytes /
   * ErrMaxMsgsPerSubject. Throws ErrMsgTooLarge, ErrStoreClosed, ErrStoreResources (disk full
   * or the store's byte budget) and ErrStoreIo. Returns the sequence; fills `out` if given.
   * The message is visible to loads at once; it is durable when {@link durableSeq} reaches it.
   */
  storeMsg(subject: string, hdr: Buffer | null, msg: Buffer, ttlSec: number, out?: StoredPos): number;
  /**
   * Appends with a given sequence and time (for a replicated log to drive the store). `seq`
   * must be lastSeq+1 (or 0 for "next"), else ErrSequenceMismatch. `discardNewCheck` false
   * skips the discard-new refusals (the leader already decided), as in nats-server.
   */
  storeRawMsg(subject: string, hdr: Buffer | null, msg: Buffer, seq: number, tsMs: number, tsNs: number,
    ttlSec: number, discardNewCheck: boolean): void;
  /** Uses up sequence `seq` (or the next one if 0) without storing anything; returns it. */
  skipMsg(seq: number): number;
  /** Uses up `num` sequences starting at `seq` (must be lastSeq+1, or 0 for next). */
  skipMsgs(seq: number, num: number): void;
  /** Writes everything pending to the OS now (not fsync). nats-server FlushAllPending. */
  flushAllPending(): void;

  /** The message with sequence `seq`, or null (deleted, or past the end: compare with lastSeq). */
  loadMsg(seq: number, out?: StoreMsg): StoreMsg | null;
  /**
   * The first message with sequence >= `start` whose subject matches `filter` (wildcards
   * allowed when `wc`; "" or ">" for all). Null when none up to the last sequence: then the
   * scan covered everything through {@link state}().lastSeq.
   */
  loadNextMsg(filter: string, wc: boolean, start: number, out?: StoreMsg): StoreMsg | null;
  /** As {@link loadNextMsg} for several filters. */
  loadNextMsgMulti(filter: SubjectFilter, start: number, out?: StoreMsg): StoreMsg | null;
  /** The last message on `subject` (wildcards allowed; "" or ">" for the last message). */
  loadLastMsg(subject: string, out?: StoreMsg): StoreMsg | null;
  /** The last message with sequence <= `start` matching `filter` ("" for any). */
  loadPrevMsg(filter: string, wc: boolean, start: number, out?: StoreMsg): StoreMsg | null;

  /** Removes one message; false if it was not there. */
  removeMsg(seq: number): boolean;
  /** Removes one message and overwrites its bytes (in memory and on disk). */
  eraseMsg(seq: number): boolean;
  /** Removes everything; the next sequence stays lastSeq+1. Returns how many were purged. */
  purge(): number;
  /**
   * Removes messages matching `subject` ("" or ">" all) with sequence < `seq` (0: no bound),
   * keeping the newest `keep` (0: none kept). nats-server PurgeEx.
   */
  purgeEx(subject: string, seq: number, keep: number): number;
  /** Removes every message with sequence < `seq`; past the end it moves the next sequence to `seq`. */
  compact(seq: number): number;
  /** Removes every message with sequence > `seq`; lastSeq becomes `seq` (0 resets the store). */
  truncate(seq: number): void;

  /** First sequence whose time is >= the given time, or lastSeq+1. */
  getSeqFromTime(tsMs: number, tsNs: number): number;
  /** State of the messages matching `subject` with sequence >= `seq`. */
  filteredState(seq: number, subject: string): SimpleState;
  /** Per-subject state of the subjects matching `filter` ("" for all). */
  subjectsState(filter: string): Map<string, SimpleState>;
  /** Message count per subject matching `filter`. */
  subjectsTotals(filter: string): Map<string, number>;
  /** The last sequence of every subject, ascending. */
  allLastSeqs(): number[];
  /**
   * The last sequence <= `maxSeq` (0: lastSeq) of every subject matching any filter,
   * ascending; throws ErrTooManyResults past `maxAllowed` (0: no bound).
   */
  multiLastSeqs(filters: readonly string[], maxSeq: number, maxAllowed: number): number[];
  /** Subject of message `seq`, or null. */
  subjectForSeq(seq: number): string | null;
  /**
   * Messages matching `filter` with sequence >= `sseq` (with `lastPerSubject`, only the last
   * one per subject). nats-server also returns validThrough: it is always lastSeq here.
   */
  numPending(sseq: number, filter: string, lastPerSubject: boolean): number;
  /** As {@link numPending} for several filters. */
  numPendingMulti(sseq: number, filter: SubjectFilter, lastPerSubject: boolean): number;
  /** Full state, with the interior deleted sequences listed. */
  state(): StreamState;
  /** State without the deleted list (cheap; nats-server FastState). */
  fastState(): StreamState;

  /**
   * Removes what max_age and per-message TTLs say is due now. The store's own timer calls it;
   * callers may too (tests with a fake clock, or after changing the clock).
   */
  runExpiry(): void;
  /** Applies new limits (enforcing them at once, as nats-server does). */
  updateConfig(cfg: StreamStoreConfig): void;
  registerStorageUpdates(cb: StorageUpdateHandler | null): void;
  registerStorageRemoveMsg(cb: StorageRemoveMsgHandler | null): void;
  registerDurableUpdates(cb: DurableHandler | null): void;
  /** Highest sequence durable under the sync policy (memory store: lastSeq). */
  readonly durableSeq: number;
  /** Resolves when `seq` is durable; rejects with the write error if its batch failed. */
  waitDurable(seq: number): Promise<void>;

  /** Creates or reopens the state store of a consumer of this stream. */
  consumerStore(name: string, cfg: ConsumerStoreConfig): ConsumerStore;
  /** Flushes and closes; the store refuses further calls with ErrStoreClosed. */
  stop(): Promise<void>;
  /** Stops and removes all data (the stream directory for a file store). */
  delete(): Promise<void>;
}

/** What the consumer store needs of the consumer's configuration. */
export interface ConsumerStoreConfig {
  ackPolicy: AckPolicy;
  /** nats-server max_deliver; 0 or below: unlimited. */
  maxDeliver: number;
}

/** A delivered, not yet acknowledged message: its consumer sequence and delivery time. */
export interface Pending {
  /** Consumer (delivery) sequence of the first delivery. */
  sequence: number;
  /** Last delivery time, milliseconds since the epoch. */
  timestampMs: number;
}

/** nats-server SequencePair. JSON: consumer_seq, stream_seq. */
export interface SequencePair {
  consumer: number;
  stream: number;
}

/**
 * nats-server ConsumerState. JSON: delivered, ack_floor, pending (stream seq → {Sequence,
 * Timestamp}), redelivered (stream seq → count). `pending` only with an ack policy.
 */
export interface ConsumerState {
  delivered: SequencePair;
  ackFloor: SequencePair;
  pending: Map<number, Pending>;
  /** Stream sequence → times redelivered (delivery count - 1), only counts > 0. */
  redelivered: Map<number, number>;
}

/** Stores one consumer's delivery and ack state. nats-server ConsumerStore. */
export interface ConsumerStore {
  /** Sets the starting stream sequence of a new consumer (delivered = ack floor = sseq). */
  setStarting(sseq: number): void;
  /** Moves the starting stream sequence forward (consumer with no deliveries yet). */
  updateStarting(sseq: number): void;
  /** Whether the consumer has delivered anything or has a start set. */
  hasState(): boolean;
  /**
   * Records a delivery: consumer sequence `dseq` of stream sequence `sseq`, delivery count
   * `dc` (1 for the first), at `tsMs`. ErrNoAckPolicy for a redelivery with ack none.
   */
  updateDelivered(dseq: number, sseq: number, dc: number, tsMs: number): void;
  /** Records an ack. ErrNoAckPolicy with ack none; ErrStoreMsgNotFound if not pending. */
  updateAcks(dseq: number, sseq: number): void;
  /** Replaces the state (validated; ErrStoreOldUpdate when older than the current one). */
  update(state: ConsumerState): void;
  /** The consumer's ack policy or max_deliver changed. */
  updateConfig(cfg: ConsumerStoreConfig): void;
  /** A copy of the state. */
  state(): ConsumerState;
  /** Resolves when every update so far is durable under the stream's sync policy. */
  waitDurable(): Promise<void>;
  /** Flushes and closes this consumer's store. */
  stop(): Promise<void>;
  /** Removes this consumer's stored state. */
  delete(): Promise<void>;
}
