/**
 * Checking an auth callout service's answer (nats-server auth_callout.go processReply,
 * config mode): the authorization response JWT (optionally sealed to the server's xkey),
 * then the user JWT inside it, in nats-server's order of checks and with its error texts
 * (the ones nats-server logs as the reason for the Authorization Violation). Signatures are
 * checked with node:crypto (fast-jwt.ts says why). Pure: no server, no sockets.
 */
import type { AuthorizationResponse, User } from "@nats-io/jwt";
import type { PermissionsOptions } from "../../server/options.js";
import { timeProblem, type UserClaims } from "../jwt/claims.js";
import { decodeVerified } from "./fast-jwt.js";
import { connectionTypeAllowed, jwtPermissions, timeWindow } from "../jwt/user-checks.js";
import { AUTH_CALLOUT_SUBJECT } from "./request.js";

/** jwt.NoLimit. */
const NO_LIMIT = -1;

/** What a valid response grants the waiting connection. */
export interface CalloutGrant {
  /** The user name the connection gets: the JWT `name`, else what the client sent. */
  user: string;
  /** The user JWT's subject (the key sent in the request). */
  userKey: string;
  /** The account the user is placed in (config mode: the JWT's audience; operator mode: its issuer account). */
  account: string;
  permissions: PermissionsOptions | null;
  /** -1 = no limit. */
  maxPayload: number;
  maxSubs: number;
  /** When the connection must end (user JWT expiry, end of its time window); 0 = never. */
  expiresAtMs: number;
}

/** Where a user JWT from the service may go: the mode's rules (config or operator). */
export interface Placement {
  /** True when `iss` may sign responses (`encrypted`: the response was sealed to us). */
  signerKnown(iss: string, encrypted: boolean): boolean;
  /**
   * What `place` needs that may have to be fetched first (operator mode: the target
   * account's JWT through the resolver); resolves with the fetch's error text, else null.
   * Null when there is nothing to wait for.
   */
  prepare?(uc: UserClaims): Promise<string | null> | null;
  /**
   * The account for a user JWT, and its effective user claims (a scoped signer's template
   * applied) and default permissions; or the refusal, in nats-server's words. `fetchError`
   * is what `prepare` resolved with.
   */
  place(uc: UserClaims, calloutAccount: string, fetchError?: string | null): PlacedUser | { error: string };
}

export interface PlacedUser {
  account: string;
  user: Partial<User>;
  defaults?: Parameters<typeof jwtPermissions>[1];
  /** Account limits to combine with the user's (operator mode); -1 = none. */
  accountPayload: number;
  accountSubs: number;
}

export interface ResponseContext {
  /** The callout account's name (for error texts and the auto-deny). */
  account: string;
  serverId: string;
  /** The user key sent in the request. */
  userNkey: string;
  /** Opens a payload sealed to the server's xkey; null when requests are not encrypted. */
  open: ((sealed: Uint8Array) => Uint8Array | null) | null;
  placement: Placement;
  /** The client's user name (or nkey) as sent, kept when the JWT has no name. */
  clientUser: string;
  /** jwt connection type of the client (STANDARD, WEBSOCKET...). */
  connectionType: string;
}

/**
 * Config mode (nats-server getIssuerAccount / assignAccountAndPermissions without
 * trusted keys): everything is signed by the configured issuer, no `issuer_account`, and
 * the user JWT's audience names the configured account the user goes to.
 */
export function configPlacement(issuer: string, accountExists: (name: string) => boolean): Placement {
  return {
    signerKnown: (iss) => iss === issuer,
    place: (uc, acc) => {
      if (uc.nats.issuer_account !== undefined && uc.nats.issuer_account !== "") {
        return { error: `Error non operator mode account "${acc}": attempted to use issuer_account` };
      }
      if (uc.iss !== issuer) return { error: `Wrong issuer for auth callout response on account "${acc}", expected "${issuer}" got "${uc.iss}"` };
      const placement = typeof uc.aud === "string" ? uc.aud : "";
      // nats-server LookupAccount without a resolver: ErrMissingAccount.
      if (!accountExists(placement)) return { error: `No valid account "${placement}" for auth callout response on account "${acc}": account missing` };
      return { account: placement, user: uc.nats, accountPayload: NO_LIMIT, accountSubs: NO_LIMIT };
    },
  };
}

/** `eyJ`: how a JWT (base64 of `{"`) starts; anything else was sealed. */
const JWT_PREFIX = "eyJ";

/** Go's titleCase of the first rune, as nats-server reports the errors of these checks. */
function title(m: string): string {
  return m.length === 0 ? m : m[0]!.toUpperCase() + m.slice(1);
}

/** A response whose JWTs passed every check up to placing the user. */
export interface OpenedResponse {
  uc: UserClaims;
  /** The user's time window (when it ends). */
  validForMs: number;
}

/** The grant, or the reason the response is refused (every step at once, nothing to fetch). */
export function checkResponse(payload: Buffer, ctx: ResponseContext): CalloutGrant | { error: string } {
  const opened = openResponse(payload, ctx);
  return "error" in opened ? opened : grantFor(opened, ctx, null);
}

/**
 * nats-server processReply up to assignAccountAndPermissions: the response JWT (opened
 * when sealed), then the user JWT inside it; the opened user claims or the refusal.
 */
export function openResponse(payload: Buffer, ctx: ResponseContext): OpenedResponse | { error: string } {
  const acc = ctx.account;
  if (payload.length === 0) return { error: title(`auth callout violation: "no reason supplied" on account "${acc}"`) };
  let token = payload.toString("latin1");
  let encrypted = false;
  if (ctx.open !== null && !token.startsWith(JWT_PREFIX)) {
    encrypted = true;
    let opened: Uint8Array | null = null;
    try {
      opened = ctx.open(payload);
    } catch {
      opened = null;
    }
    if (opened === null) return { error: title(`error decrypting auth callout response on account "${acc}": xkey: message could not be decrypted`) };
    token = Buffer.from(opened).toString("latin1");
  }
  let cr;
  try {
    cr = decodeVerified<AuthorizationResponse>(token, "authorization_response");
  } catch (err) {
    return { error: title((err as Error).message) };
  }
  const tp = timeProblem(cr);
  if (tp !== null) return { error: `Authorization response had validation errors: ${tp}` };
  if (cr.sub !== ctx.userNkey) return { error: "Auth callout violation: auth callout response is not for expected user" };
  if (cr.aud !== ctx.serverId) return { error: "Auth callout violation: auth callout response is not for server" };
  if (cr.nats.error !== undefined && cr.nats.error !== "") return { error: `Auth callout service returned an error: ${cr.nats.error}` };
  if (!ctx.placement.signerKnown(cr.iss, encrypted)) return { error: "Auth callout signing key is unknown" };
  let uc: UserClaims;
  try {
    uc = decodeVerified<User>(cr.nats.jwt ?? "", "user");
  } catch (err) {
    return { error: title((err as Error).message) };
  }
  const up = timeProblem(uc);
  if (up !== null) return { error: `Error validating user JWT: ${up}` };
  if (uc.sub !== ctx.userNkey) return { error: `Expected authorized user of "${ctx.userNkey}" but got "${uc.sub}" on account "${acc}"` };
  const window = timeWindow(uc.nats.times, uc.nats.locale);
  if (!window.allowed) return { error: `Authorized user on account "${acc}" outside of valid connect times` };
  if (!connectionTypeAllowed(uc.nats.allowed_connection_types, ctx.connectionType)) {
    return { error: `Authorized user on account "${acc}" using invalid connection type` };
  }
  return { uc, validForMs: window.validForMs };
}

/**
 * nats-server assignAccountAndPermissions and what follows: the user placed in its account
 * (`fetchError`: why the account could not be fetched, from `Placement.prepare`), its
 * permissions, limits and expiry.
 */
export function grantFor(opened: OpenedResponse, ctx: ResponseContext, fetchError: string | null): CalloutGrant | { error: string } {
  const acc = ctx.account;
  const uc = opened.uc;
  const placed = ctx.placement.place(uc, acc, fetchError);
  if ("error" in placed) return placed;
  const user = placed.user;
  let expiresAtMs = (uc.exp ?? 0) > 0 ? uc.exp! * 1000 : 0;
  if (opened.validForMs > 0) {
    const end = Date.now() + opened.validForMs;
    expiresAtMs = expiresAtMs === 0 ? end : Math.min(expiresAtMs, end);
  }
  let permissions = jwtPermissions(user, placed.defaults);
  // nats-server denies publishing requests to the callout subject inside the callout account.
  if (placed.account === acc) permissions = withCalloutDeny(permissions);
  return {
    user: uc.name !== undefined && uc.name !== "" ? uc.name : ctx.clientUser,
    userKey: uc.sub,
    account: placed.account,
    permissions,
    maxPayload: minLimit(user.payload ?? NO_LIMIT, placed.accountPayload),
    maxSubs: minLimit(user.subs ?? NO_LIMIT, placed.accountSubs),
    expiresAtMs,
  };
}

/** The smaller of two limits where -1 means none. */
function minLimit(a: number, b: number): number {
  if (a === NO_LIMIT) return b;
  if (b === NO_LIMIT) return a;
  return Math.min(a, b);
}

/** Permissions with `$SYS.REQ.USER.AUTH` added to the publish deny list. */
export function withCalloutDeny(p: PermissionsOptions | null): PermissionsOptions {
  const out: PermissionsOptions = { ...(p ?? {}) };
  const pub = { ...(out.publish ?? {}) };
  pub.deny = [...(pub.deny ?? []), AUTH_CALLOUT_SUBJECT];
  out.publish = pub;
  return out;
}
