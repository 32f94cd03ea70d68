/**
 * NKey challenge/response (nats-server auth.go, client.go nonce handling): the server
 * puts a random `nonce` in INFO, the client signs the nonce text with its Ed25519 user
 * key and sends `nkey` and `sig` in CONNECT; the server verifies with the public key.
 * Verified with node:crypto's Ed25519 (the public key decoded by fast-jwt.ts): the pure-JS
 * verify of `@nats-io/nkeys` cost ~25 ms per login on this project's machine.
 */
import { randomBytes, verify } from "node:crypto";
import { nkeyPublicKey } from "./callout/fast-jwt.js";

/** nats-server client.go nonceRawLen: random bytes in a nonce. */
export const NONCE_RAW_LEN = 11;

/**
 * Nonces drawn per refill of the random pool. One randomBytes call per connection cost
 * about 3% of the server's CPU in a JWT login storm (bench/jwt-connect.ts profile): the
 * call into OpenSSL dominates, not the bytes. The pool holds CSPRNG output and each byte
 * goes into one nonce only, so nonces stay as unpredictable as before.
 */
const NONCE_POOL_NONCES = 256;
let noncePool: Buffer = Buffer.alloc(0);
let noncePoolAt = 0;

/** A fresh nonce: 11 random bytes, base64 raw URL encoded (15 characters), as nats-server. */
export function generateNonce(): string {
  if (noncePoolAt + NONCE_RAW_LEN > noncePool.length) {
    noncePool = randomBytes(NONCE_RAW_LEN * NONCE_POOL_NONCES);
    noncePoolAt = 0;
  }
  const nonce = noncePool.toString("base64url", noncePoolAt, noncePoolAt + NONCE_RAW_LEN);
  noncePoolAt += NONCE_RAW_LEN;
  return nonce;
}

/**
 * Decodes a signature as nats-server does: base64 raw URL encoding first, then standard
 * encoding. Returns null when neither decodes to the 64 bytes of an Ed25519 signature.
 */
export function decodeSignature(sig: string): Uint8Array | null {
  if (/^[A-Za-z0-9_-]+$/.test(sig)) {
    const b = Buffer.from(sig, "base64url");
    if (b.length === 64) return b;
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(sig)) {
    const b = Buffer.from(sig, "base64");
    if (b.length === 64) return b;
  }
  return null;
}

/**
 * Whether `sig` is a valid signature of `nonce` by the user key `publicKey` (a `U...`
 * public nkey). Never throws: a malformed key or signature is simply not valid.
 */
export function verifyNonceSignature(publicKey: string, nonce: string, sig: string): boolean {
  if (nonce === "" || sig === "") return false;
  const sigBytes = decodeSignature(sig);
  if (sigBytes === null) return false;
  const key = nkeyPublicKey(publicKey);
  if (key === null) return false;
  try {
    return verify(null, Buffer.from(nonce, "utf8"), key, sigBytes);
  } catch {
    return false;
  }
}
