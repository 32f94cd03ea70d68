/**
 * An account JWT's JetStream limits as the running account's (nats-server accounts.go
 * updateAccountClaimsWithRefresh: `jsLimits` from `ac.Limits.JetStreamLimits`, or, when
 * those enable nothing, one entry per `tiered_limits` tier). JetStream is on for the account
 * when `mem_storage` or `disk_storage` is not 0, flat or in some tier (jwt IsJSEnabled); an
 * absent number is 0, as Go decodes it; -1 is no limit, and the per-stream byte limits and
 * `max_ack_pending` are -1 unless above 0 (Go's toUnlimited). Pure.
 */
import { ZERO_LIMITS, type JetStreamAccountLimits } from "../../server/options.js";
import type { AccountClaims } from "./claims.js";

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

function toUnlimited(v: unknown): number {
  const n = num(v);
  return n > 0 ? n : -1;
}

/** One JWT JetStreamLimits object as the server's limits. */
function limitsOf(l: Record<string, unknown>): JetStreamAccountLimits {
  return {
    maxMemory: num(l.mem_storage),
    maxStore: num(l.disk_storage),
    maxStreams: num(l.streams),
    maxConsumers: num(l.consumer),
    maxAckPending: toUnlimited(l.max_ack_pending),
    memoryMaxStreamBytes: toUnlimited(l.mem_max_stream_bytes),
    storeMaxStreamBytes: toUnlimited(l.disk_max_stream_bytes),
    maxBytesRequired: l.max_bytes_required === true,
  };
}

const enables = (l: Record<string, unknown>): boolean => num(l.mem_storage) !== 0 || num(l.disk_storage) !== 0;

/** The JetStream limits `claims` give, or null when they do not enable JetStream. */
export function jetStreamLimitsOf(claims: AccountClaims): JetStreamAccountLimits | null {
  const l = (claims.nats.limits ?? {}) as Record<string, unknown>;
  if (enables(l)) return limitsOf(l);
  const tiered = l.tiered_limits;
  if (typeof tiered !== "object" || tiered === null) return null;
  const tiers: Record<string, JetStreamAccountLimits> = {};
  let on = false;
  for (const [name, t] of Object.entries(tiered as Record<string, unknown>)) {
    if (typeof t !== "object" || t === null) continue;
    tiers[name] = limitsOf(t as Record<string, unknown>);
    on ||= enables(t as Record<string, unknown>);
  }
  if (!on) return null;
  return { ...(tiers.R1 ?? ZERO_LIMITS), tiers };
}
