/**
 * The checks a published message passes before a stream proposes to store it (nats-server
 * stream.go processJetStreamMsg): sealed stream, expected stream / last sequence / last
 * subject sequence / last msg id headers, duplicates, rollup permission, size limits,
 * account and server limits. Each refusal is answered with nats-server's error in a
 * publish ack; a duplicate with the earlier sequence and `"duplicate": true`.
 */
import { encode } from "./codec.js";
import { jsError, type ApiError } from "./errors.js";
import { getHeader } from "./headers.js";
import type { MsgOp } from "./stream-log.js";

/** Header names of published messages (nats-server stream.go). */
export const JS_MSG_ID = "Nats-Msg-Id";
export const JS_EXPECTED_STREAM = "Nats-Expected-Stream";
export const JS_EXPECTED_LAST_SEQ = "Nats-Expected-Last-Sequence";
export const JS_EXPECTED_LAST_SUBJ_SEQ = "Nats-Expected-Last-Subject-Sequence";
export const JS_EXPECTED_LAST_MSG_ID = "Nats-Expected-Last-Msg-Id";
export const JS_MSG_ROLLUP = "Nats-Rollup";
/** Largest header block a stream stores (math.MaxUint16). */
export const MAX_HEADER_SIZE = 65535;

const PUB_ACK_ERROR = [
  ["error", "raw", true],
  ["stream", "str"],
  ["seq", "uint"],
] as const;

/** nats-server errMsgIdDuplicate: what a duplicate's processing returns (a trace's `js` error). */
export const ERR_MSG_ID_DUPLICATE = "msgid is duplicate";

/** Go's ApiError.Error(): `description (err_code)`, as a trace's `js` event reports a refusal. */
export function apiErrorText(e: ApiError): string {
  return `${e.description} (${e.err_code})`;
}

/** `{"error":{...},"stream":"S","seq":0}`: a refused publish (JSPubAckResponse). */
export function pubAckError(stream: string, error: ApiError): string {
  return encode({ error, stream, seq: 0 }, PUB_ACK_ERROR);
}

/**
 * The publish ack prefix nats-server keeps per stream, `{"stream":"S", "seq":` (with its
 * space), or with the domain `{"stream":"S", "domain":"D", "seq":`.
 */
export function pubAckPrefix(stream: string, domain: string): string {
  const s = JSON.stringify(stream);
  return domain === "" ? `{"stream":${s}, "seq":` : `{"stream":${s}, "domain":${JSON.stringify(domain)}, "seq":`;
}

/** What a stream exposes to the checks. */
export interface IngestView {
  readonly name: string;
  readonly sealed: boolean;
  readonly allowRollup: boolean;
  readonly denyPurge: boolean;
  readonly maxMsgSize: number;
  /** Last sequence assigned (stored or skipped). */
  lastSeq(): number;
  /** Sequence of the last message on `subject`, 0 when none. */
  lastSeqForSubject(subject: string): number;
  lastMsgId(): string;
  /** Sequence stored for `id` within the duplicate window, 0 when none. */
  duplicateOf(id: string): number;
}

/** Why a message is not stored: a refusal (error ack), a duplicate, or a silent drop. */
export type IngestRefusal =
  | { kind: "error"; error: ApiError }
  | { kind: "duplicate"; seq: number }
  /** Silently dropped (an invalid rollup value, as nats-server does). */
  | { kind: "drop" };

/** An empty message operation, to be filled by {@link checkInbound}. */
export function newMsgOp(): MsgOp {
  return { op: "msg", subject: "", hdr: null, msg: EMPTY, msgId: "", rollup: "", reply: "", seq: 0, tsMs: 0, tsNs: 0 };
}

const EMPTY = Buffer.alloc(0);

function parseSeq(v: string | null): number | null {
  if (v === null) return null;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Runs the header checks of one message (nats-server order). Returns null when it is to be
 * stored, with the operation filled into `op` (the caller's reused one: a message to store
 * allocates nothing here), else the refusal.
 */
export function checkInbound(view: IngestView, subject: string, reply: string, hdr: Buffer | null, msg: Buffer, op: MsgOp): IngestRefusal | null {
  if (view.sealed) return { kind: "error", error: jsError("JSStreamSealedErr") };
  let msgId = "";
  let rollup: MsgOp["rollup"] = "";
  if (hdr !== null && hdr.length > 0) {
    const expStream = getHeader(hdr, JS_EXPECTED_STREAM);
    if (expStream !== null && expStream !== "" && expStream !== view.name) {
      return { kind: "error", error: jsError("JSStreamNotMatchErr") };
    }
    msgId = getHeader(hdr, JS_MSG_ID) ?? "";
    if (msgId !== "") {
      const dup = view.duplicateOf(msgId);
      if (dup > 0) return { kind: "duplicate", seq: dup };
    }
    const subjSeq = parseSeq(getHeader(hdr, JS_EXPECTED_LAST_SUBJ_SEQ));
    if (subjSeq !== null) {
      const last = view.lastSeqForSubject(subject);
      if (last !== subjSeq) return { kind: "error", error: jsError("JSStreamWrongLastSequenceErrF", { seq: last }) };
    }
    const lastSeq = parseSeq(getHeader(hdr, JS_EXPECTED_LAST_SEQ));
    if (lastSeq !== null && lastSeq !== view.lastSeq()) {
      return { kind: "error", error: jsError("JSStreamWrongLastSequenceErrF", { seq: view.lastSeq() }) };
    }
    const lastId = getHeader(hdr, JS_EXPECTED_LAST_MSG_ID);
    if (lastId !== null && lastId !== "" && lastId !== view.lastMsgId()) {
      return { kind: "error", error: jsError("JSStreamWrongLastMsgIDErrF", { id: view.lastMsgId() }) };
    }
    const r = getHeader(hdr, JS_MSG_ROLLUP);
    if (r !== null && r !== "") {
      if (!view.allowRollup || view.denyPurge) {
        return { kind: "error", error: jsError("JSStreamRollupFailedF", { err: "rollup not permitted" }) };
      }
      if (r === "sub" || r === "all") rollup = r;
      else return { kind: "drop" };
    }
  }
  const hdrLen = hdr === null ? 0 : hdr.length;
  if (view.maxMsgSize >= 0 && hdrLen + msg.length > view.maxMsgSize) {
    return { kind: "error", error: jsError("JSStreamMessageExceedsMaximumErr") };
  }
  if (hdrLen > MAX_HEADER_SIZE) return { kind: "error", error: jsError("JSStreamHeaderExceedsMaximumErr") };
  op.subject = subject;
  op.hdr = hdrLen > 0 ? hdr : null;
  op.msg = msg;
  op.msgId = msgId;
  op.rollup = rollup;
  op.reply = reply;
  op.seq = 0;
  op.tsMs = 0;
  op.tsNs = 0;
  return null;
}
