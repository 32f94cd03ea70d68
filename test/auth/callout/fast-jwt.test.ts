/** fast-jwt.ts against @nats-io/jwt: the same tokens pass, tampered or mistyped ones fail. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createAccount, createServer, createUser, decode, encodeAuthorizationResponse, encodeUser } from "@nats-io/jwt";
import { decodeVerified, nkeyPublicKey } from "../../../src/auth/callout/fast-jwt.js";

test("decodes what @nats-io/jwt encodes, and refuses what it refuses", async () => {
  const acc = createAccount();
  const ukp = createUser();
  const ujwt = await encodeUser("u", ukp, acc, { pub: { allow: ["a"] } });
  const mine = decodeVerified<{ pub: unknown }>(ujwt, "user");
  assert.deepEqual(mine, decode(ujwt));
  const resp = await encodeAuthorizationResponse(ukp.getPublicKey(), createServer().getPublicKey(), acc, { jwt: ujwt }, {});
  assert.equal(decodeVerified<{ jwt: string }>(resp, "authorization_response").nats.jwt, ujwt);

  const [h, p, s] = ujwt.split(".");
  const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as { name: string };
  claims.name = "mallory";
  const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
  assert.throws(() => decode(forged), /sig verification failed/);
  assert.throws(() => decodeVerified(forged, "user"), /sig verification failed/);
  assert.throws(() => decodeVerified(ujwt, "authorization_response"), /not a authorization_response claim/);
  assert.throws(() => decodeVerified("a.b", "user"), /invalid jwt - 2 chunks/);
  assert.throws(() => decodeVerified(`${h}.${p}.${"A".repeat(86)}`, "user"), /sig verification failed/);
});

test("nkey public keys: checksum and length are checked", () => {
  const pub = createUser().getPublicKey();
  assert.notEqual(nkeyPublicKey(pub), null);
  assert.equal(nkeyPublicKey(pub.slice(0, -1) + (pub.endsWith("A") ? "B" : "A")), null);
  assert.equal(nkeyPublicKey("UABC"), null);
  assert.equal(nkeyPublicKey("not base32!"), null);
});
