/**
 * The ordered log that drives a stream's state (nats-server's entries of a stream's Raft
 * group: streamMsgOp, deleteMsgOp, purgeStreamOp). Everything that changes what a stream
 * stores is an operation: the stream validates a request (the proposal: expected headers,
 * duplicates, permissions), then proposes an operation, and the log hands it back to
 * `apply` in order. On a single server the log applies at once; a replicated log will
 * apply each operation on every replica once it is committed, without the stream code
 * changing.
 */

/** Store a published (or sourced) message. `reply` is where the leader sends the ack. */
export interface MsgOp {
  op: "msg";
  subject: string;
  hdr: Buffer | null;
  msg: Buffer;
  /** `Nats-Msg-Id`, "" when none: recorded in the duplicate window when applied. */
  msgId: string;
  /** `Nats-Rollup`: purge the subject ("sub") or the stream ("all") after storing. */
  rollup: "" | "sub" | "all";
  reply: string;
  /**
   * Mirrors: the upstream's sequence and time, kept as they are (sequences between the
   * last stored one and `seq` are skipped). 0 = the next sequence, stored now.
   */
  seq: number;
  tsMs: number;
  tsNs: number;
}

/** Use up the next sequence without storing (interest retention with no interest). */
export interface SkipOp {
  op: "skip";
  msgId: string;
  reply: string;
}

/** STREAM.MSG.DELETE, or a message acknowledged away (interest / work-queue retention). */
export interface DeleteOp {
  op: "delete";
  seq: number;
  /** Overwrite the bytes (nats-server EraseMsg) instead of only removing. */
  erase: boolean;
}

/** STREAM.PURGE with its options. */
export interface PurgeOp {
  op: "purge";
  filter: string;
  /** Purge below this sequence (0: no bound). */
  seq: number;
  /** Keep this many newest messages (0: none). */
  keep: number;
}

export type StreamOp = MsgOp | SkipOp | DeleteOp | PurgeOp;

/** What `apply` of a delete or purge reports back to the proposer. */
export interface ApplyResult {
  /** Messages removed (purge), or 1/0 (delete). */
  removed: number;
}

/** Applies committed operations; the stream implements it. */
export interface StreamApplier {
  apply(op: StreamOp): ApplyResult;
}

/** The log a stream proposes to. */
export interface StreamLog {
  /** Proposes `op`; a single-server log applies it before returning and returns the result. */
  propose(op: StreamOp): ApplyResult | null;
}

/** Single server: every proposal is committed at once, in call order. */
export class DirectStreamLog implements StreamLog {
  /** Operations applied, for /jsz and tests. */
  applied = 0;

  constructor(private readonly applier: StreamApplier) {}

  propose(op: StreamOp): ApplyResult {
    this.applied++;
    return this.applier.apply(op);
  }
}

/** A consumer's state changes, replicated the same way (nats-server updateDeliveredOp, updateAcksOp). */
export type ConsumerOp =
  | { op: "delivered"; dseq: number; sseq: number; dc: number; tsMs: number }
  | { op: "ack"; dseq: number; sseq: number };
