/**
 * The JSON shapes nats-server gives store state in API responses and /jsz: field names from
 * `server/store.go` (StreamState, SimpleState, ConsumerState, SequencePair, LostStreamData),
 * times as Go marshals time.Time (RFC 3339, nanoseconds, UTC).
 */
import { tsToIso } from "./time.js";
import type { ConsumerState, SimpleState, StreamState } from "./types.js";

/** nats-server StreamState JSON; `subjects` is the optional per-subject count map. */
export function streamStateToJSON(s: StreamState, subjects?: Map<string, number>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    messages: s.msgs,
    bytes: s.bytes,
    first_seq: s.firstSeq,
    first_ts: tsToIso(s.firstTsMs, s.firstTsNs),
    last_seq: s.lastSeq,
    last_ts: tsToIso(s.lastTsMs, s.lastTsNs),
  };
  if (s.numSubjects > 0) out.num_subjects = s.numSubjects;
  if (subjects !== undefined && subjects.size > 0) out.subjects = Object.fromEntries(subjects);
  if (s.numDeleted > 0) out.num_deleted = s.numDeleted;
  if (s.deleted !== null && s.deleted.length > 0) out.deleted = s.deleted;
  if (s.lost !== null && (s.lost.msgs.length > 0 || s.lost.bytes > 0)) out.lost = { msgs: s.lost.msgs, bytes: s.lost.bytes };
  out.consumer_count = s.consumerCount;
  return out;
}

/** nats-server SimpleState JSON. */
export function simpleStateToJSON(s: SimpleState): Record<string, number> {
  return { messages: s.msgs, first_seq: s.first, last_seq: s.last };
}

/** nats-server ConsumerState JSON (pending timestamps in nanoseconds, as Go's int64). */
export function consumerStateToJSON(s: ConsumerState): Record<string, unknown> {
  const out: Record<string, unknown> = {
    delivered: { consumer_seq: s.delivered.consumer, stream_seq: s.delivered.stream },
    ack_floor: { consumer_seq: s.ackFloor.consumer, stream_seq: s.ackFloor.stream },
  };
  if (s.pending.size > 0) {
    const p: Record<string, unknown> = {};
    for (const [k, v] of s.pending) p[k] = { Sequence: v.sequence, Timestamp: Math.round(v.timestampMs * 1e6) };
    out.pending = p;
  }
  if (s.redelivered.size > 0) out.redelivered = Object.fromEntries(s.redelivered);
  return out;
}
