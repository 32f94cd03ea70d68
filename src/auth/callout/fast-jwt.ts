/**
 * Decoding and verifying the NATS JWTs of an auth callout exchange with node:crypto's
 * Ed25519. Measured on this project's machine, @nats-io/jwt's decode (tweetnacl, pure JS)
 * took ~40 ms per signature: a response carries two (the response and the user JWT), so
 * every callout login stalled the event loop ~85 ms. Here the same checks cost well under
 * a millisecond. The checks are @nats-io/jwt's decode and claims.ts decodeClaims': JWT
 * header (`typ` JWT, `alg` ed25519-nkey, or v1 ed25519 signing only the payload), a valid
 * signature by the `iss` key, the claim type and the issuer kind. Pure: no server, no sockets.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type { ClaimsData } from "@nats-io/jwt";
import { LruMap } from "../../util/lru.js";
import { crc16 } from "../../server/server-id.js";

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** Public keys seen lately (issuers repeat: one per account or callout). */
const keyCache = new LruMap<string, KeyObject | null>(256);

/** What a JWT of some type must be issued by (nkey prefixes), as claims.ts. */
const ISSUER_PREFIXES: Record<string, string> = { user: "A", account: "O", activation: "A", operator: "O", authorization_response: "A", authorization_request: "N" };

/** A public nkey (`U...`, `A...`, `N...`) as a node KeyObject; null when it is not one. */
export function nkeyPublicKey(nkey: string): KeyObject | null {
  const known = keyCache.get(nkey);
  if (known !== undefined) return known;
  const key = decodeKey(nkey);
  keyCache.set(nkey, key);
  return key;
}

/** First characters of public Ed25519 nkeys (server, cluster, operator, account, user); not curve `X`. */
const SIGNING_PREFIXES = "NCOAU";

function decodeKey(nkey: string): KeyObject | null {
  if (!SIGNING_PREFIXES.includes(nkey.charAt(0)) || nkey.length !== 56) return null;
  const raw = base32Decode(nkey);
  if (raw === null || raw.length !== 35) return null;
  const crc = raw.readUInt16LE(33);
  if (crc16(raw.subarray(0, 33)) !== crc) return null;
  try {
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.subarray(1, 33).toString("base64url") }, format: "jwk" });
  } catch {
    return null;
  }
}

function base32Decode(s: string): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of s) {
    const v = BASE32_ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * Decodes `token` and verifies its JWT header and its signature by the `iss` key, with no
 * check of the claim type (jwt.Decode / @nats-io/jwt decode). Throws with @nats-io/jwt's
 * wording when it is not a validly signed NATS JWT.
 */
export function decodeSigned<T>(token: string): ClaimsData<T> {
  const chunks = token.split(".");
  if (chunks.length !== 3) throw new Error(`invalid jwt - ${chunks.length} chunks`);
  let header: { typ?: string; alg?: string };
  let claims: ClaimsData<T>;
  try {
    header = JSON.parse(Buffer.from(chunks[0]!, "base64url").toString()) as { typ?: string; alg?: string };
    claims = JSON.parse(Buffer.from(chunks[1]!, "base64url").toString()) as ClaimsData<T>;
  } catch {
    throw new Error("invalid jwt - not JSON");
  }
  if (header === null || typeof header !== "object" || claims === null || typeof claims !== "object") throw new Error("invalid jwt - not JSON");
  if (header.typ !== "jwt" && header.typ !== "JWT") throw new Error(`not a nats jwt - typ ${String(header.typ)}`);
  if (header.alg !== "ed25519-nkey" && header.alg !== "ed25519") throw new Error(`not a nats jwt - alg ${String(header.alg)}`);
  const key = typeof claims.iss === "string" ? nkeyPublicKey(claims.iss) : null;
  if (key === null) throw new Error("invalid issuer for claim");
  const signed = header.alg === "ed25519-nkey" ? `${chunks[0]}.${chunks[1]}` : chunks[1]!;
  if (!verify(null, Buffer.from(signed), key, Buffer.from(chunks[2]!, "base64url"))) throw new Error("sig verification failed");
  return claims;
}

/**
 * Checks that verified `claims` are of claim `type` (v2 `nats.type`, v1 `type`) and issued
 * by the right kind of key, with a subject. Throws with jwt's wording otherwise.
 */
export function checkClaimType<T>(claims: ClaimsData<T>, type: string): ClaimsData<T> {
  const nats = (claims.nats ?? {}) as { type?: string };
  const got = nats.type ?? claims.type;
  if (got !== type) throw new Error(`not ${type === "account" || type === "activation" ? "an" : "a"} ${type} claim`);
  const prefix = ISSUER_PREFIXES[type];
  if (prefix === undefined || !claims.iss.startsWith(prefix)) throw new Error("invalid issuer for claim");
  if (typeof claims.sub !== "string" || claims.sub === "") throw new Error("subject is required");
  return claims;
}

/**
 * Decodes `token`, verifies its signature and checks its claim type and issuer kind.
 * Throws with @nats-io/jwt's wording when it is not a valid one.
 */
export function decodeVerified<T>(token: string, type: string): ClaimsData<T> {
  return checkClaimType(decodeSigned<T>(token), type);
}
