/**
 * An account JWT's JetStream limits as the running account's (nats-server accounts.go
 * updateAccountClaimsWithRefresh: `jsLimits` from `ac.Limits.JetStreamLimits`). JetStream is
 * on for the account when `mem_storage` or `disk_storage` is not 0 (jwt IsJSEnabled); an
 * absent number is 0, as Go decodes it; -1 is no limit. Pure.
 */
import type { JetStreamAccountLimits } from "../../server/options.js";
import type { AccountClaims } from "./claims.js";

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

/** The JetStream limits `claims` give, or null when they do not enable JetStream. */
export function jetStreamLimitsOf(claims: AccountClaims): JetStreamAccountLimits | null {
  const l = (claims.nats.limits ?? {}) as Record<string, unknown>;
  const mem = num(l.mem_storage);
  const disk = num(l.disk_storage);
  if (mem === 0 && disk === 0) return null;
  return {
    maxMemory: mem,
    maxStore: disk,
    maxStreams: num(l.streams),
    maxConsumers: num(l.consumer),
    maxAckPending: num(l.max_ack_pending),
    memoryMaxStreamBytes: num(l.mem_max_stream_bytes),
    storeMaxStreamBytes: num(l.disk_max_stream_bytes),
    maxBytesRequired: l.max_bytes_required === true,
  };
}
