/**
 * Auth callout in operator mode (nats-server 2.10 TestAuthCalloutOperatorModeBasics and
 * friends): the AUTH account's JWT enables external authorization for its users except the
 * service's own; a sentinel user of AUTH logs in with a token the service maps to a user JWT
 * issued by an allowed account, and the connection lands in that account.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAccount, createCurve, createUser, encodeUser, fmtCreds, type KeyPair } from "@nats-io/jwt";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../../src/index.js";
import { CaptureLogger } from "../../helpers/capture-logger.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, operatorConfig, rawJwtConnect, type Acct, type UserCreds } from "../jwt/fixtures.js";
import { startCalloutService, type CalloutService } from "./service.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";

describe("auth callout, operator mode", () => {
  const log = new CaptureLogger();
  let server: NatsServer;
  let service: CalloutService;
  let auth: Acct;
  let target: Acct;
  let notAllowed: Acct;
  let sentinel: UserCreds;
  let targetUser: UserCreds;
  let targetSigner: KeyPair;
  const xkp = createCurve();
  const ncs: NatsConnection[] = [];

  before(async () => {
    const op = await makeOperator();
    targetSigner = createAccount();
    target = await makeAccount(op, "TEST", { signing_keys: [targetSigner.getPublicKey()] });
    notAllowed = await makeAccount(op, "OTHER");
    const authKp = createAccount();
    // The service's own user is made first: its key goes in the AUTH account's auth_users.
    const serviceKey = createUser();
    auth = await makeAccount(op, "AUTH", { authorization: { auth_users: [serviceKey.getPublicKey()], allowed_accounts: [target.pub], xkey: xkp.getPublicKey() } }, { kp: authKp });
    const serviceJwt = await encodeUser("auth-service", serviceKey, authKp);
    sentinel = await makeUser(auth, "sentinel", { pub: { deny: [">"] }, sub: { deny: [">"] } });
    targetUser = await makeUser(target, "t");
    server = await startServer({ port: 0, host: "127.0.0.1", logger: log, config: operatorConfig(op, [auth, target, notAllowed]) });
    service = await startCalloutService({
      port: server.port,
      login: { authenticator: credsAuthenticator(fmtCreds(serviceJwt, serviceKey)) },
      issuer: authKp,
      xkp,
      decide: (r) => {
        const token = r.connect_opts.auth_token;
        if (token === "to-test") return { allow: { account: target.pub, name: "dlc", signer: target.kp, user: { pub: { allow: ["t.>"] }, sub: { allow: ["t.>", "_INBOX.>"] } } } };
        if (token === "to-test-sk") return { allow: { account: target.pub, name: "sk", signer: targetSigner, user: { issuer_account: target.pub } } };
        if (token === "to-other") return { allow: { account: notAllowed.pub, signer: notAllowed.kp } };
        return { error: "unknown token" };
      },
    });
  });
  after(async () => {
    await Promise.all(ncs.map((nc) => nc.close().catch(() => undefined)));
    await service.close();
    await server.close();
  });

  test("the service's own user is not called out; requests are sealed to the account's xkey", async () => {
    assert.equal(service.seen.length, 0);
    const nc = await connect({ port: server.port, authenticator: credsAuthenticator(sentinel.creds), token: "to-test" });
    ncs.push(nc);
    const seen = service.seen.at(-1)!;
    assert.equal(seen.claims.sub, auth.pub);
    assert.match(seen.xkeyHeader ?? "", /^X/);
    assert.equal(seen.req.connect_opts.jwt, sentinel.jwt);
  });

  test("users of the callout account may not publish to the callout subject (the service's own too)", async () => {
    const info = await service.nc.request("$SYS.REQ.USER.INFO", "", { timeout: 2000 });
    const data = (info.json() as { data: { account: string; permissions: unknown } }).data;
    assert.equal(data.account, auth.pub);
    assert.deepEqual(data.permissions, { publish: { deny: ["$SYS.REQ.USER.AUTH"] } });
    const t = await rawJwtConnect(server.port, targetUser);
    t.send("PUB $SYS.REQ.USER.AUTH 0\r\n\r\nPING\r\n");
    await t.waitFor((d) => d.split("PONG").length > 2);
    assert.doesNotMatch(t.data, /Permissions Violation/, "an account without a callout is not restricted");
    t.close();
  });

  test("a sentinel login with a good token lands in the allowed account with the JWT's permissions", async () => {
    const t = await connect({ port: server.port, authenticator: credsAuthenticator(targetUser.creds) });
    ncs.push(t);
    const sub = t.subscribe("t.hello", { max: 1 });
    await t.flush();
    const nc = await connect({ port: server.port, authenticator: credsAuthenticator(sentinel.creds), token: "to-test" });
    ncs.push(nc);
    nc.publish("t.hello", "hi");
    for await (const m of sub) assert.equal(m.string(), "hi");

    const c = await rawJwtConnect(server.port, sentinel, { auth_token: "to-test" });
    assert.match(c.data, /PONG/);
    c.send("PUB x 0\r\n\r\nPING\r\n");
    await c.waitFor((d) => d.includes("Permissions Violation"));
    c.close();
  });

  test("a user JWT signed by a signing key of the allowed account is accepted", async () => {
    const c = await rawJwtConnect(server.port, sentinel, { auth_token: "to-test-sk" });
    assert.match(c.data, /PONG/);
    c.close();
  });

  test("an account not in allowed_accounts, or an error, is refused", async () => {
    const c = await rawJwtConnect(server.port, sentinel, { auth_token: "to-other" });
    assert.equal(c.data.slice(c.data.indexOf("\r\n") + 2), AUTH_ERR);
    await waitFor(() => log.has(`not permitted as valid account option for auth callout for account "${auth.pub}"`), { timeoutMs: 2000 });
    const c2 = await rawJwtConnect(server.port, sentinel, { auth_token: "nope" });
    assert.equal(c2.data.slice(c2.data.indexOf("\r\n") + 2), AUTH_ERR);
    await waitFor(() => log.has("Auth callout service returned an error: unknown token"), { timeoutMs: 2000 });
  });

  test("a bad user JWT is refused before any callout", async () => {
    const before = service.seen.length;
    const c = await rawJwtConnect(server.port, sentinel, { auth_token: "to-test", sig: "bad" });
    assert.equal(c.data.slice(c.data.indexOf("\r\n") + 2), AUTH_ERR);
    assert.equal(service.seen.length, before);
  });
});
