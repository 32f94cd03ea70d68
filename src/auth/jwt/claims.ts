/**
 * Decoding and validating NATS JWTs (user, account, activation): the Ed25519 signature is
 * verified with node:crypto (fast-jwt.ts), and the checks jwt.Decode*Claims and
 * Claims.Validate make on top of it (claim type, issuer kind, expiry, not-before) are here.
 * `@nats-io/jwt` gives the claim shapes. Measured with bench/jwt-connect.ts: @nats-io/jwt's
 * pure-JS verify took ~25 ms per JWT, so every JWT login stalled the event loop that long.
 *
 * Verified claims are kept by their exact token string (a bounded LRU): clients reconnect
 * with the same JWT, and the account JWT behind each login is the same. The key is the whole
 * token, signature included, so a token whose signature differs is verified anew; what
 * depends on the time (expiry, not-before, revocations) is checked by the callers on every use.
 */
import type { Account as AccountNats, Activation, ClaimsData, User } from "@nats-io/jwt";
import { LruMap } from "../../util/lru.js";
import { checkClaimType, decodeSigned } from "../callout/fast-jwt.js";

/** nats-server ErrMissingAccount and ErrAccountValidation: why an account lookup failed. */
export const ERR_MISSING_ACCOUNT = "account missing";
export const ERR_ACCOUNT_VALIDATION = "account validation failed";

/** Distinct verified JWTs kept (a few hundred bytes each). */
const VERIFIED_CACHE_SIZE = 4096;
/** Verified claims by exact token; the claims are frozen, being shared by every caller. */
const verifiedCache = new LruMap<string, ClaimsData<unknown>>(VERIFIED_CACHE_SIZE);

/** The token's claims, its signature verified now or when it was first seen. */
function verifiedClaims<T>(token: string): ClaimsData<T> {
  const hit = verifiedCache.get(token);
  if (hit !== undefined) return hit as ClaimsData<T>;
  const claims = deepFreeze(decodeSigned<T>(token));
  verifiedCache.set(token, claims as ClaimsData<unknown>);
  return claims;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

export type UserClaims = ClaimsData<User>;
export type AccountClaims = ClaimsData<AccountNats>;
export type ActivationClaims = ClaimsData<Activation>;

/**
 * Decodes `token`, verifying its signature, and checks its claim type (v2 `nats.type`,
 * v1 `type`) and issuer kind. Throws with jwt's wording when it is not one.
 */
export function decodeClaims<T>(token: string, type: string): ClaimsData<T> {
  // jwt.Decode's first check, with its words.
  if (token.split(".").length !== 3) throw new Error("expected 3 chunks");
  return checkClaimType(verifiedClaims<T>(token), type);
}

export function decodeUserClaims(token: string): UserClaims {
  return decodeClaims<User>(token, "user");
}

export function decodeAccountClaims(token: string): AccountClaims {
  return decodeClaims<AccountNats>(token, "account");
}

export function decodeActivationClaims(token: string): ActivationClaims {
  return decodeClaims<Activation>(token, "activation");
}

/** Seconds since the epoch (JWT times are in seconds). */
export function nowSeconds(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000);
}

/** jwt ClaimsData.Validate: "claim is expired" / "claim is not yet valid", or null. */
export function timeProblem(c: { exp?: number; nbf?: number }, nowMs = Date.now()): string | null {
  const now = nowSeconds(nowMs);
  if (c.exp !== undefined && c.exp > 0 && c.exp < now) return "claim is expired";
  if (c.nbf !== undefined && c.nbf > 0 && c.nbf > now) return "claim is not yet valid";
  return null;
}

/** nats-server accounts.go isRevoked: revoked when the key (or `*`) was revoked at or after `iat`. */
export function isRevoked(revocations: Record<string, number> | undefined, subject: string, issuedAt: number): boolean {
  if (revocations === undefined) return false;
  const t = revocations[subject];
  if (t !== undefined && t >= issuedAt) return true;
  const all = revocations["*"];
  return all !== undefined && all >= issuedAt;
}

/**
 * A signing key entry: a plain key, or a scoped one (`kind: "user_scope"`) whose template
 * replaces the permissions and limits of the users it signs.
 */
export interface ScopedSigner {
  key: string;
  role: string;
  template: Partial<User>;
}

/** The account's signers: its own key (unscoped) and its signing keys (jwt SigningKeys). */
export function accountSigners(a: AccountClaims): Map<string, ScopedSigner | null> {
  const out = new Map<string, ScopedSigner | null>([[a.sub, null]]);
  for (const k of a.nats.signing_keys ?? []) {
    if (typeof k === "string") out.set(k, null);
    else if (k !== null && typeof k === "object" && typeof k.key === "string") {
      out.set(k.key, { key: k.key, role: k.role ?? "", template: (k.template ?? {}) as Partial<User> });
    }
  }
  return out;
}

/** jwt.DecodeGeneric: any verified JWT; `data` is its `nats` map (v2), else the top-level claims. */
export function decodeGenericJwt(token: string): { sub: string; iss: string; iat: number; jti: string; data: Record<string, unknown> } {
  const claims = verifiedClaims<Record<string, unknown>>(token) as unknown as Record<string, unknown>;
  const nats = claims.nats;
  const data = typeof nats === "object" && nats !== null ? (nats as Record<string, unknown>) : claims;
  return { sub: String(claims.sub ?? ""), iss: String(claims.iss ?? ""), iat: typeof claims.iat === "number" ? claims.iat : 0, jti: String(claims.jti ?? ""), data };
}
