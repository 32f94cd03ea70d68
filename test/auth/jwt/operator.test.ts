/**
 * Operator mode with a MEMORY resolver: user JWTs (.creds through the official client,
 * raw CONNECTs for the exact errors) against account JWTs preloaded in the config. Each
 * claim the server honours has a passing and a failing case.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAccount, createUser, encodeActivation, type KeyPair } from "@nats-io/jwt";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../../src/index.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, nowSec, operatorConfig, rawJwtConnect, type Acct, type Op, type UserCreds } from "./fixtures.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";

describe("operator mode, MEMORY resolver", () => {
  let op: Op;
  let server: NatsServer;
  let acc: Acct; // plain account
  let signed: Acct; // has a signing key and a scoped one
  let signingKp: KeyPair;
  let scopedKp: KeyPair;
  let limited: Acct; // conn 1, subs 1, payload 16
  let revoking: Acct; // revokes one user
  let revokedUser: UserCreds;
  let noBearer: Acct;
  let exporter: Acct;
  let importer: Acct;
  let untrusted: Acct;
  let defaults: Acct;
  const ncs: NatsConnection[] = [];

  before(async () => {
    op = await makeOperator();
    acc = await makeAccount(op, "A");
    signingKp = createAccount();
    scopedKp = createAccount();
    signed = await makeAccount(op, "S", {
      signing_keys: [signingKp.getPublicKey(), { kind: "user_scope", key: scopedKp.getPublicKey(), role: "r", template: { pub: { allow: ["scoped.{{name()}}"], deny: [] }, sub: { allow: ["_INBOX.>"], deny: [] }, subs: -1, payload: -1, data: -1 } }],
    });
    limited = await makeAccount(op, "L", { limits: { conn: 1, subs: 1, payload: 16, data: -1, leaf: -1, imports: -1, exports: -1, wildcards: true, disallow_bearer: false } });
    const rk = createUser();
    revoking = await makeAccount(op, "R", { revocations: { [rk.getPublicKey()]: nowSec() + 5 } });
    revokedUser = await makeUser(revoking, "revoked");
    // makeUser makes a new key; re-sign one for the revoked key.
    const { encodeUser, fmtCreds } = await import("@nats-io/jwt");
    const rjwt = await encodeUser("revoked", rk, revoking.kp);
    revokedUser = { kp: rk, jwt: rjwt, creds: fmtCreds(rjwt, rk) };
    noBearer = await makeAccount(op, "NB", { limits: { disallow_bearer: true } as never });
    const importerKp = createAccount();
    exporter = await makeAccount(op, "EXP", {
      exports: [
        { name: "pub", subject: "feed.>", type: "stream" },
        { name: "priv", subject: "svc.private", type: "service", token_req: true },
        { name: "priv2", subject: "svc.notoken", type: "service", token_req: true },
      ],
    });
    const token = await encodeActivation("act", importerKp, exporter.kp, "service", { subject: "svc.private" });
    importer = await makeAccount(
      op,
      "IMP",
      {
        imports: [
          { name: "feed", subject: "feed.>", account: exporter.pub, type: "stream" },
          { name: "priv", subject: "svc.private", account: exporter.pub, type: "service", token },
          { name: "priv2", subject: "svc.notoken", account: exporter.pub, type: "service" },
        ],
      },
      { kp: importerKp },
    );
    const otherOp = await makeOperator();
    untrusted = await makeAccount(otherOp, "U");
    defaults = await makeAccount(op, "D", { default_permissions: { pub: { allow: ["ok.>"] }, sub: {} } as never });
    server = await startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [acc, signed, limited, revoking, noBearer, exporter, importer, untrusted, defaults]) });
  });
  after(async () => {
    await Promise.all(ncs.map((nc) => nc.close().catch(() => undefined)));
    await server.close();
  });

  const login = async (u: UserCreds): Promise<NatsConnection> => {
    const nc = await connect({ servers: server.clientURL, authenticator: credsAuthenticator(u.creds), reconnect: false });
    ncs.push(nc);
    return nc;
  };
  const refused = async (u: UserCreds | null, extra: Record<string, unknown> = {}): Promise<void> => {
    const c = await rawJwtConnect(server.port, u, extra);
    await c.waitClosed();
    assert.ok(c.data.endsWith(AUTH_ERR), c.data);
  };
  const accepted = async (u: UserCreds, extra: Record<string, unknown> = {}): Promise<void> => {
    const c = await rawJwtConnect(server.port, u, extra);
    assert.ok(c.data.includes("PONG\r\n"), c.data);
    c.close();
  };

  test("INFO asks for auth and carries a nonce", async () => {
    const c = await rawJwtConnect(server.port, null);
    assert.match(c.data, /"auth_required":true/);
    assert.match(c.data, /"nonce":"[A-Za-z0-9_-]{15}"/);
    c.close();
  });

  test(".creds connect, publish and subscribe in the account", async () => {
    const u = await makeUser(acc, "alice");
    const nc = await login(u);
    const sub = nc.subscribe("hello", { max: 1 });
    nc.publish("hello", "world");
    for await (const m of sub) assert.equal(m.string(), "world");
    // Another account does not see it.
    const other = await login(await makeUser(signed, "bob", {}, { signer: signingKp }));
    const osub = other.subscribe("hello");
    await other.flush();
    nc.publish("hello", "x");
    await nc.flush();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(osub.getProcessed(), 0);
  });

  test("no JWT, wrong nonce signature, missing signature: Authorization Violation", async () => {
    const u = await makeUser(acc, "alice");
    await refused(null);
    await refused(u, { sig: Buffer.alloc(64).toString("base64url") });
    await refused(u, { sig: undefined });
    await refused({ ...u, jwt: u.jwt.slice(0, -3) + "AAA" });
  });

  test("verified JWTs are cached by their exact text: the same claims under another signature are refused", async () => {
    const u = await makeUser(acc, "cached");
    await accepted(u); // verified once, now cached
    const [h, p] = u.jwt.split(".");
    // A real Ed25519 signature of the same header and claims, by a key that is not the issuer.
    const otherSig = Buffer.from(createAccount().sign(Buffer.from(`${h}.${p}`))).toString("base64url");
    await refused({ ...u, jwt: `${h}.${p}.${otherSig}` });
    await refused({ ...u, jwt: `${h}.${p}.${Buffer.alloc(64).toString("base64url")}` });
    await accepted(u);
    // The nonce signature is still checked on every login, cached JWT or not.
    await refused(u, { sig: Buffer.from(createUser().sign(Buffer.from("x"))).toString("base64url") });
  });

  test("account not known to the resolver, or signed by an untrusted operator", async () => {
    const stranger = { kp: createAccount(), jwt: "", pub: "" };
    await refused(await makeUser(stranger, "x"));
    await refused(await makeUser(untrusted, "x"));
  });

  test("user signed by a signing key of the account; an unknown signer is refused", async () => {
    await accepted(await makeUser(signed, "s1", {}, { signer: signingKp }));
    await refused(await makeUser(signed, "s2", {}, { signer: createAccount() }));
  });

  test("scoped signing key: the template's permissions apply; own permissions are refused", async () => {
    const u = await makeUser(signed, "carol", {}, { signer: scopedKp, scoped: true });
    const c = await rawJwtConnect(server.port, u);
    c.send("PUB scoped.carol 1\r\nx\r\nPUB scoped.dave 1\r\nx\r\nPING\r\n");
    await c.waitFor((d) => d.split("PONG").length > 2);
    assert.match(c.data, /Permissions Violation for Publish to "scoped.dave"/);
    assert.doesNotMatch(c.data, /"scoped.carol"/);
    c.close();
    await refused(await makeUser(signed, "eve", { pub: { allow: ["x"], deny: [] } }, { signer: scopedKp }));
  });

  test("expiry: an expired user is refused; one that expires is disconnected with User Authentication Expired", async () => {
    await refused(await makeUser(acc, "old", {}, { exp: nowSec() - 10 }));
    const u = await makeUser(acc, "soon", {}, { exp: nowSec() + 2 });
    const c = await rawJwtConnect(server.port, u);
    assert.ok(c.data.includes("PONG"), c.data);
    await c.waitClosed(5000);
    assert.ok(c.data.endsWith("-ERR 'User Authentication Expired'\r\n"), c.data);
  });

  test("revocations: a revoked user is refused, another user of the account is not", async () => {
    await refused(revokedUser);
    await accepted(await makeUser(revoking, "fine"));
  });

  test("permissions: pub/sub allow and deny from the user JWT", async () => {
    const u = await makeUser(acc, "perm", { pub: { allow: ["a.>"], deny: ["a.no"] }, sub: { allow: ["b.*"], deny: [] } });
    const c = await rawJwtConnect(server.port, u);
    c.send("PUB a.yes 0\r\n\r\nPUB a.no 0\r\n\r\nSUB b.x 1\r\nSUB c.x 2\r\nPING\r\n");
    await c.waitFor((d) => d.split("PONG").length > 2);
    assert.match(c.data, /Permissions Violation for Publish to "a.no"/);
    assert.match(c.data, /Permissions Violation for Subscription to "c.x"/);
    assert.doesNotMatch(c.data, /"a.yes"|"b.x"/);
    c.close();
  });

  test("account default_permissions apply to users without their own", async () => {
    const c = await rawJwtConnect(server.port, await makeUser(defaults, "d"));
    c.send("PUB ok.1 0\r\n\r\nPUB nope 0\r\n\r\nPING\r\n");
    await c.waitFor((d) => d.split("PONG").length > 2);
    assert.match(c.data, /Permissions Violation for Publish to "nope"/);
    assert.doesNotMatch(c.data, /"ok.1"/);
    c.close();
  });

  test("allowed_connection_types: STANDARD allowed, WEBSOCKET-only refused", async () => {
    await accepted(await makeUser(acc, "std", { allowed_connection_types: ["STANDARD"] }));
    await refused(await makeUser(acc, "ws", { allowed_connection_types: ["WEBSOCKET"] }));
    await refused(await makeUser(acc, "unknown", { allowed_connection_types: ["NOPE" as never] }));
  });

  test("src: the client's address must be in one of the networks", async () => {
    await accepted(await makeUser(acc, "lo", { src: ["127.0.0.0/8"] }));
    await refused(await makeUser(acc, "ten", { src: ["10.0.0.0/8"] }));
  });

  test("times: inside a window connects, outside is refused", async () => {
    const hh = (d: Date): string => d.toISOString().slice(11, 19);
    const now = Date.now();
    const inside = { start: hh(new Date(now - 3600_000)), end: hh(new Date(now + 3600_000)) };
    const outside = { start: hh(new Date(now + 3600_000)), end: hh(new Date(now + 7200_000)) };
    await accepted(await makeUser(acc, "in", { times: [inside], locale: "UTC" }));
    await refused(await makeUser(acc, "out", { times: [outside], locale: "UTC" }));
  });

  test("account limits: connections, subscriptions, payload", async () => {
    const first = await rawJwtConnect(server.port, await makeUser(limited, "l1"));
    assert.ok(first.data.includes("PONG"), first.data);
    const second = await rawJwtConnect(server.port, await makeUser(limited, "l2"));
    await second.waitClosed();
    assert.ok(second.data.endsWith("-ERR 'maximum account active connections exceeded'\r\n"), second.data);
    first.send("SUB a 1\r\nSUB b 2\r\nPING\r\n");
    await first.waitFor((d) => d.includes("maximum subscriptions exceeded"));
    first.send("PUB a 17\r\n01234567890123456\r\n");
    await first.waitClosed();
    assert.match(first.data, /Maximum Payload Violation/);
  });

  test("bearer tokens connect without a signature unless the account disallows them", async () => {
    await accepted(await makeUser(acc, "b", { bearer_token: true }), { sig: undefined });
    await refused(await makeUser(acc, "nb", { bearer_token: false }), { sig: undefined });
    await refused(await makeUser(noBearer, "b2", { bearer_token: true }), { sig: undefined });
  });

  test("imports: public stream export, private service with activation token, none without", async () => {
    const exp = await login(await makeUser(exporter, "e"));
    const imp = await login(await makeUser(importer, "i"));
    exp.subscribe("svc.private", { callback: (_e, m) => void m.respond("pong") });
    exp.subscribe("svc.notoken", { callback: (_e, m) => void m.respond("pong") });
    await exp.flush();
    const feed = imp.subscribe("feed.x", { max: 1 });
    await imp.flush();
    exp.publish("feed.x", "news");
    for await (const m of feed) assert.equal(m.string(), "news");
    assert.equal((await imp.request("svc.private", "", { timeout: 2000 })).string(), "pong");
    await assert.rejects(imp.request("svc.notoken", "", { timeout: 500 }));
  });

  test("the system account is the operator's", async () => {
    const nc = await login(await makeUser(op.sys, "sys"));
    const r = await nc.request("$SYS.REQ.SERVER.PING", "", { timeout: 2000 });
    assert.match(r.string(), /"server"/);
  });
});

describe("operator mode, account expiry", () => {
  test("clients of an expiring account get Account Authentication Expired", async () => {
    const op = await makeOperator();
    const acc = await makeAccount(op, "E", {}, { exp: nowSec() + 2 });
    const server = await startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [acc]) });
    try {
      const c = await rawJwtConnect(server.port, await makeUser(acc, "u"));
      assert.ok(c.data.includes("PONG"), c.data);
      await c.waitClosed(5000);
      assert.ok(c.data.endsWith("-ERR 'Account Authentication Expired'\r\n"), c.data);
      await waitFor(() => server.port > 0);
    } finally {
      await server.close();
    }
  });
});
