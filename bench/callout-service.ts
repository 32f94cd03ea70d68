/**
 * The auth callout service of bench/callout-logins.ts, in its own process. It signs with
 * node:crypto (through tsnats's own request signer) rather than @nats-io/jwt, whose
 * pure-JS Ed25519 would make the service, not the server, the bottleneck (~8 logins/s here).
 * Allows everyone into `$G`. Usage: `node dist/bench/callout-service.js PORT ISSUER_SEED`.
 */
import { createPrivateKey } from "node:crypto";
import { fromSeed } from "@nats-io/jwt";
import { connect } from "@nats-io/transport-node";
import { decodeVerified } from "../src/auth/callout/fast-jwt.js";
import { signJwt } from "../src/auth/callout/request.js";

const [port = "4222", seed = ""] = process.argv.slice(2);
const kp = fromSeed(new TextEncoder().encode(seed));
const issuer = kp.getPublicKey();
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from((kp as unknown as { getRawSeed(): Uint8Array }).getRawSeed())]);
const key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
const nc = await connect({ port: Number(port), user: "auth", pass: "pwd" });
nc.subscribe("$SYS.REQ.USER.AUTH", {
  callback: (_err, m) => {
    const req = decodeVerified<{ user_nkey: string; server_id?: { id: string } }>(Buffer.from(m.data).toString(), "authorization_request");
    const iat = Math.floor(Date.now() / 1000);
    const user = req.nats.user_nkey;
    const ujwt = signJwt({ aud: "$G", iat, iss: issuer, name: "", sub: user, nats: { pub: {}, sub: {}, subs: -1, data: -1, payload: -1, type: "user", version: 2 } }, key);
    m.respond(signJwt({ aud: req.nats.server_id?.id ?? "", iat, iss: issuer, sub: user, nats: { jwt: ujwt, type: "authorization_response", version: 2 } }, key));
  },
});
await nc.flush();
process.stdout.write("ready\n");
