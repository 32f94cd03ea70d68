/** NKey nonce signing as the official client does it, verified by src/auth/nkeys.ts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createUser } from "@nats-io/nkeys";
import { decodeSignature, generateNonce, verifyNonceSignature } from "../../src/auth/nkeys.js";

test("nonces are 15 base64url characters and differ", () => {
  const a = generateNonce();
  assert.match(a, /^[A-Za-z0-9_-]{15}$/);
  assert.notEqual(a, generateNonce());
});

test("nonces drawn across pool refills are all distinct", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(generateNonce());
  assert.equal(seen.size, 1000);
});

test("a signature of the nonce by the user key verifies; others do not", () => {
  const kp = createUser();
  const other = createUser();
  const nonce = generateNonce();
  const sig = Buffer.from(kp.sign(Buffer.from(nonce))).toString("base64url");
  assert.equal(verifyNonceSignature(kp.getPublicKey(), nonce, sig), true);
  // Standard base64 is accepted too, as nats-server falls back to it.
  assert.equal(verifyNonceSignature(kp.getPublicKey(), nonce, Buffer.from(kp.sign(Buffer.from(nonce))).toString("base64")), true);
  assert.equal(verifyNonceSignature(other.getPublicKey(), nonce, sig), false);
  assert.equal(verifyNonceSignature(kp.getPublicKey(), generateNonce(), sig), false);
  assert.equal(verifyNonceSignature(kp.getPublicKey(), nonce, ""), false);
  assert.equal(verifyNonceSignature("not-a-key", nonce, sig), false);
  assert.equal(verifyNonceSignature(kp.getPublicKey(), nonce, "!!!"), false);
});

test("decodeSignature wants 64 bytes", () => {
  assert.equal(decodeSignature(Buffer.alloc(10).toString("base64url")), null);
  assert.equal(decodeSignature(Buffer.alloc(64).toString("base64url"))?.length, 64);
});
