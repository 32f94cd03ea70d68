/**
 * Store errors, as sentinels like nats-server's `server/store.go` errors: one shared
 * instance per error (cheap to throw on a hot refusal path such as discard new) with a
 * stable `code` to match on and nats-server's message text.
 */
import { TsnatsError } from "../../errors.js";

/** An error from a stream or consumer store; match on `code`. */
export class StoreError extends TsnatsError {
  override name = "StoreError";
}

function sentinel(code: string, message: string): StoreError {
  return new StoreError(code, message);
}

/** The store has been stopped. */
export const ErrStoreClosed = sentinel("ERR_STORE_CLOSED", "store is closed");
/** A message that was expected is not there. */
export const ErrStoreMsgNotFound = sentinel("ERR_STORE_MSG_NOT_FOUND", "no message found");
/** Past the last sequence. */
export const ErrStoreEOF = sentinel("ERR_STORE_EOF", "stream store EOF");
/** Discard new: the message limit is reached. */
export const ErrMaxMsgs = sentinel("ERR_STORE_MAX_MSGS", "maximum messages exceeded");
/** Discard new: the byte limit is reached. */
export const ErrMaxBytes = sentinel("ERR_STORE_MAX_BYTES", "maximum bytes exceeded");
/** Discard new per subject: the subject's message limit is reached. */
export const ErrMaxMsgsPerSubject = sentinel("ERR_STORE_MAX_MSGS_PER_SUBJECT", "maximum messages per subject exceeded");
/** Header plus payload over max_msg_size, or over what a record can hold. */
export const ErrMsgTooLarge = sentinel("ERR_STORE_MSG_TOO_LARGE", "message too large");
/** storeRawMsg/skipMsg with a sequence other than lastSeq+1. */
export const ErrSequenceMismatch = sentinel("ERR_STORE_SEQUENCE_MISMATCH", "expected sequence does not match store");
/** Consumer ack update with ack policy none. */
export const ErrNoAckPolicy = sentinel("ERR_STORE_NO_ACK_POLICY", "ack policy is none");
/** multiLastSeqs found more than maxAllowed subjects. */
export const ErrTooManyResults = sentinel("ERR_STORE_TOO_MANY_RESULTS", "too many matching results for request");
/** A consumer state update older than the stored one. */
export const ErrStoreOldUpdate = sentinel("ERR_STORE_OLD_UPDATE", "old update ignored");
/** A consumer state update that is inconsistent (ack floor above delivered, pending out of range). */
export const ErrBadConsumerState = sentinel("ERR_STORE_BAD_CONSUMER_STATE", "bad consumer state");
/**
 * Out of space: the disk is full (ENOSPC, EDQUOT) or the store's byte budget is used up.
 * The API layer answers it with nats-server's JSInsufficientResourcesErr (503, 10023,
 * "insufficient resources"). Nothing stored before is affected; reads keep working.
 */
export const ErrStoreResources = sentinel("ERR_STORE_RESOURCES", "insufficient resources");
/**
 * An I/O error (EIO, a failed fsync): the file store stops accepting writes, since it can no
 * longer tell what reached the disk; reads keep working. Reopening the store recovers.
 */
export const ErrStoreIo = sentinel("ERR_STORE_IO", "store i/o error");

/** Whether an errno-style error means "no space left". */
export function isNoSpaceError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT" || code === "EFBIG";
}
