/**
 * claims.ts decoding: node:crypto verification agrees with @nats-io/jwt, and the cache of
 * verified tokens (by exact text) never lets a token with another signature through.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createAccount, createOperator, createUser, decode, encodeAccount, encodeUser } from "@nats-io/jwt";
import { decodeAccountClaims, decodeGenericJwt, decodeUserClaims } from "../../../src/auth/jwt/claims.js";

test("user and account JWTs decode as @nats-io/jwt decodes them; wrong types are refused", async () => {
  const op = createOperator();
  const acc = createAccount();
  const ajwt = await encodeAccount("A", acc, {}, { signer: op });
  const ujwt = await encodeUser("u", createUser(), acc, { pub: { allow: ["a"] } });
  assert.deepEqual(decodeUserClaims(ujwt), decode(ujwt));
  assert.deepEqual(decodeAccountClaims(ajwt), decode(ajwt));
  assert.equal(decodeGenericJwt(ujwt).iss, acc.getPublicKey());
  assert.throws(() => decodeAccountClaims(ujwt), /not an account claim/);
  assert.throws(() => decodeUserClaims("a.b"), /expected 3 chunks/);
});

test("a cached token does not vouch for the same claims under another signature", async () => {
  const acc = createAccount();
  const ujwt = await encodeUser("u", createUser(), acc, {});
  const first = decodeUserClaims(ujwt);
  assert.equal(decodeUserClaims(ujwt), first, "second decode comes from the cache");
  const [h, p] = ujwt.split(".");
  const forgedSig = Buffer.from(createAccount().sign(Buffer.from(`${h}.${p}`))).toString("base64url");
  for (let i = 0; i < 2; i++) {
    assert.throws(() => decodeUserClaims(`${h}.${p}.${forgedSig}`), /sig verification failed/);
    assert.throws(() => decodeGenericJwt(`${h}.${p}.${forgedSig}`), /sig verification failed/);
  }
  // Shared claims are frozen: no caller can change what the next login sees.
  assert.throws(() => {
    (first.nats as { pub?: unknown }).pub = { allow: [">"] };
  }, TypeError);
});
