/**
 * The authorization request nats-server 2.10 sends its auth callout service (auth_callout.go
 * processClientOrLeafCallout, jwt AuthorizationRequestClaims): a JWT of type
 * `authorization_request` for audience `nats-authorization-request`, issued by the server's
 * own nkey (the `N...` server id) and naming the callout issuer as subject. Signed here with
 * node:crypto's Ed25519 (the server key is a node KeyObject, see server-id.ts); the
 * service verifies it with any NATS JWT library. Pure: no server, no sockets.
 */
import { createHash, sign, type KeyObject } from "node:crypto";
import type { ConnectOptions } from "../../protocol/connect.js";

/** nats-server AuthCalloutSubject / AuthRequestSubject / AuthRequestXKeyHeader. */
export const AUTH_CALLOUT_SUBJECT = "$SYS.REQ.USER.AUTH";
export const AUTH_REQUEST_AUDIENCE = "nats-authorization-request";
export const AUTH_REQUEST_XKEY_HEADER = "Nats-Server-Xkey";

/** jwt ServerID. */
export interface RequestServer {
  name: string;
  host: string;
  id: string;
  version: string;
  cluster?: string;
  tags?: string[];
  xkey?: string;
}

/** jwt ClientInformation (what the server knows of the connection). */
export interface RequestClientInfo {
  host?: string;
  id?: number;
  user?: string;
  name?: string;
  kind?: string;
  type?: string;
  nonce?: string;
}

/** jwt ConnectOptions: the CONNECT's credentials and identity, as sent. */
export type RequestConnectOpts = Pick<ConnectOptions, "jwt" | "nkey" | "sig" | "auth_token" | "user" | "pass" | "name" | "lang" | "version"> & {
  protocol: number;
};

/** jwt ClientTLS: PEM certificates of the client (verified chains when verified). */
export interface RequestClientTls {
  version?: string;
  cipher?: string;
  certs?: string[];
  verified_chains?: string[][];
}

export interface AuthorizationRequest {
  /** The callout issuer (config mode) or the account (operator mode): the JWT subject. */
  subject: string;
  /** The fresh user key the response must be for (replay protection). */
  userNkey: string;
  server: RequestServer;
  clientInfo: RequestClientInfo;
  connectOpts: RequestConnectOpts;
  clientTls?: RequestClientTls;
  /** Seconds since the epoch after which the request is void (now + auth timeout). */
  expires: number;
}

/** The claims object as jwt encodes it (empty fields left out, as Go's omitempty). */
export function requestClaims(r: AuthorizationRequest, issuer: string, issuedAt: number): Record<string, unknown> {
  const nats: Record<string, unknown> = {
    server_id: compact({ ...r.server }),
    user_nkey: r.userNkey,
    client_info: compact({ ...r.clientInfo }),
    connect_opts: compact({ ...r.connectOpts }),
  };
  if (r.clientTls !== undefined) nats.client_tls = compact({ ...r.clientTls });
  nats.type = "authorization_request";
  nats.version = 2;
  return { aud: AUTH_REQUEST_AUDIENCE, exp: r.expires, iat: issuedAt, iss: issuer, sub: r.subject, nats };
}

/** Drops undefined, "" and empty-array fields (protocol 0 stays: it is not omitempty). */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) delete o[k];
  }
  return o;
}

const JWT_HEADER = Buffer.from(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" })).toString("base64url");

/**
 * Encodes and signs claims as a v2 NATS JWT: `jti` is a hash of the claims (as jwt's
 * hash of the unsigned claims), the signature covers `header.payload`.
 */
export function signJwt(claims: Record<string, unknown>, key: KeyObject): string {
  const jti = createHash("sha256").update(JSON.stringify(claims)).digest("base64url").toUpperCase();
  const payload = Buffer.from(JSON.stringify({ jti, ...claims })).toString("base64url");
  const signed = `${JWT_HEADER}.${payload}`;
  const sig = sign(null, Buffer.from(signed), key).toString("base64url");
  return `${signed}.${sig}`;
}

/** Signs an authorization request with the server key (`issuer` is the server id). */
export function encodeAuthorizationRequest(r: AuthorizationRequest, issuer: string, key: KeyObject, nowMs = Date.now()): string {
  return signJwt(requestClaims(r, issuer, Math.floor(nowMs / 1000)), key);
}
