/**
 * Checking an auth callout service's answer (nats-server auth_callout.go processReply,
 * config mode): the authorization response JWT (optionally sealed to the server's xkey),
 * then the user JWT inside it, in nats-server's order of checks and with its error texts
 * (the ones nats-server logs as the reason for the Authorization Violation). Decoding and
 * signature checks are the official @nats-io/jwt's (claims.ts). Pure: no server, no sockets.
 */
import type { AuthorizationResponse, User } from "@nats-io/jwt";
import type { PermissionsOptions } from "../../server/options.js";
import { decodeClaims, decodeUserClaims, timeProblem, type UserClaims } from "../jwt/claims.js";
import { connectionTypeAllowed, jwtPermissions, timeWindow } from "../jwt/user-checks.js";
import { AUTH_CALLOUT_SUBJECT } from "./request.js";

/** jwt.NoLimit. */
const NO_LIMIT = -1;

/** What a valid response grants the waiting connection. */
export interface CalloutGrant {
  /** The user name the connection gets: the JWT `name`, else what the client sent. */
  user: string;
  /** The account the user is placed in (the user JWT's audience, config mode). */
  account: string;
  permissions: PermissionsOptions | null;
  /** -1 = no limit. */
  maxPayload: number;
  maxSubs: number;
  /** When the connection must end (user JWT expiry, end of its time window); 0 = never. */
  expiresAtMs: number;
}

export interface ResponseContext {
  /** The callout account's name (for error texts and the auto-deny). */
  account: string;
  /** The configured issuer: the response and the user JWT must be signed by it. */
  issuer: string;
  serverId: string;
  /** The user key sent in the request. */
  userNkey: string;
  /** Opens a payload sealed to the server's xkey; null when requests are not encrypted. */
  open: ((sealed: Uint8Array) => Uint8Array | null) | null;
  /** True when an account with this name is configured. */
  accountExists: (name: string) => boolean;
  /** The client's user name (or nkey) as sent, kept when the JWT has no name. */
  clientUser: string;
  /** jwt connection type of the client (STANDARD, WEBSOCKET...). */
  connectionType: string;
}

/** `eyJ`: how a JWT (base64 of `{"`) starts; anything else was sealed. */
const JWT_PREFIX = "eyJ";

/** Go's titleCase of the first rune, as nats-server reports the errors of these checks. */
function title(m: string): string {
  return m.length === 0 ? m : m[0]!.toUpperCase() + m.slice(1);
}

/** The grant, or the reason the response is refused. */
export function checkResponse(payload: Buffer, ctx: ResponseContext): CalloutGrant | { error: string } {
  const acc = ctx.account;
  if (payload.length === 0) return { error: title(`auth callout violation: "no reason supplied" on account "${acc}"`) };
  let token = payload.toString("latin1");
  if (ctx.open !== null && !token.startsWith(JWT_PREFIX)) {
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
    cr = decodeClaims<AuthorizationResponse>(token, "authorization_response");
  } catch (err) {
    return { error: title((err as Error).message) };
  }
  const tp = timeProblem(cr);
  if (tp !== null) return { error: `Authorization response had validation errors: ${tp}` };
  if (cr.sub !== ctx.userNkey) return { error: "Auth callout violation: auth callout response is not for expected user" };
  if (cr.aud !== ctx.serverId) return { error: "Auth callout violation: auth callout response is not for server" };
  if (cr.nats.error !== undefined && cr.nats.error !== "") return { error: `Auth callout service returned an error: ${cr.nats.error}` };
  if (cr.iss !== ctx.issuer) return { error: "Auth callout signing key is unknown" };
  let uc: UserClaims;
  try {
    uc = decodeUserClaims(cr.nats.jwt ?? "");
  } catch (err) {
    return { error: title((err as Error).message) };
  }
  const up = timeProblem(uc);
  if (up !== null) return { error: `Error validating user JWT: ${up}` };
  if (uc.sub !== ctx.userNkey) return { error: `Expected authorized user of "${ctx.userNkey}" but got "${uc.sub}" on account "${acc}"` };
  const user: Partial<User> = uc.nats;
  const window = timeWindow(user.times, user.locale);
  if (!window.allowed) return { error: `Authorized user on account "${acc}" outside of valid connect times` };
  if (!connectionTypeAllowed(user.allowed_connection_types, ctx.connectionType)) {
    return { error: `Authorized user on account "${acc}" using invalid connection type` };
  }
  if (user.issuer_account !== undefined && user.issuer_account !== "") {
    return { error: `Error non operator mode account "${acc}": attempted to use issuer_account` };
  }
  if (uc.iss !== ctx.issuer) return { error: `Wrong issuer for auth callout response on account "${acc}", expected "${ctx.issuer}" got "${uc.iss}"` };
  const placement = typeof uc.aud === "string" ? uc.aud : "";
  if (!ctx.accountExists(placement)) return { error: `No valid account "${placement}" for auth callout response on account "${acc}": account not found` };
  let expiresAtMs = (uc.exp ?? 0) > 0 ? uc.exp! * 1000 : 0;
  if (window.validForMs > 0) {
    const end = Date.now() + window.validForMs;
    expiresAtMs = expiresAtMs === 0 ? end : Math.min(expiresAtMs, end);
  }
  let permissions = jwtPermissions(user, undefined);
  // nats-server denies publishing requests to the callout subject inside the callout account.
  if (placement === acc) permissions = withCalloutDeny(permissions);
  return {
    user: uc.name !== undefined && uc.name !== "" ? uc.name : ctx.clientUser,
    account: placement,
    permissions,
    maxPayload: user.payload ?? NO_LIMIT,
    maxSubs: user.subs ?? NO_LIMIT,
    expiresAtMs,
  };
}

/** Permissions with `$SYS.REQ.USER.AUTH` added to the publish deny list. */
export function withCalloutDeny(p: PermissionsOptions | null): PermissionsOptions {
  const out: PermissionsOptions = { ...(p ?? {}) };
  const pub = { ...(out.publish ?? {}) };
  pub.deny = [...(pub.deny ?? []), AUTH_CALLOUT_SUBJECT];
  out.publish = pub;
  return out;
}
