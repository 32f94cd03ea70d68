/**
 * Auth callout in config mode (nats-server 2.10 auth_callout_test.go's cases): a callout
 * service written with the official client answers `$SYS.REQ.USER.AUTH`; logins go
 * through it, except the `auth_users`. nats-server 2.9 (the reference binary here) has no
 * auth callout, so these run against tsnats only.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createAccount, createUser, encodeAuthorizationResponse, encodeUser, type KeyPair } from "@nats-io/jwt";
import { createCurve, createServer as createServerKey } from "@nats-io/nkeys";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../../src/index.js";
import { CaptureLogger } from "../../helpers/capture-logger.js";
import { makeCerts } from "../certs.js";
import { RawConn } from "../../helpers/raw.js";
import { waitFor } from "../../helpers/wait-for.js";
import { startCalloutService, type CalloutService, type Decision } from "./service.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";

/** Connects raw with `connect` fields, sends PING; resolves with what came back (PONG or -ERR). */
async function rawLogin(port: number, fields: Record<string, unknown>): Promise<RawConn> {
  const c = await RawConn.connect(port);
  c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, headers: true, ...fields })}\r\nPING\r\n`);
  await c.waitFor((d) => d.includes("PONG\r\n") || d.includes("-ERR"), 8000).catch(() => undefined);
  return c;
}

function config(issuer: string, extra = "", callout = ""): string {
  return `
authorization {
  timeout: 1
  users: [ { user: auth, password: pwd } ]
  auth_callout {
    issuer: ${issuer}
    auth_users: [ auth ]
    ${callout}
  }
}
${extra}`;
}

describe("auth callout, config mode", () => {
  let issuer: KeyPair;
  let server: NatsServer;
  let service: CalloutService;
  let decide: (req: { connect_opts: { user?: string; pass?: string } }) => Decision;
  const log = new CaptureLogger();

  /** The login got nats-server's Authorization Violation, and the log names `reason`. */
  async function denied(c: RawConn, reason: string): Promise<void> {
    assert.equal(c.data.slice(c.data.indexOf("\r\n") + 2), AUTH_ERR);
    await c.waitClosed();
    await waitFor(() => log.has(reason), { timeoutMs: 2000 }).catch(() => assert.fail(`no log line with ${JSON.stringify(reason)}: ${log.lines.slice(-3).join(" | ")}`));
  }

  before(async () => {
    issuer = createAccount();
    server = await startServer({ port: 0, host: "127.0.0.1", logger: log, config: config(issuer.getPublicKey(), `accounts { BAZ {} }`) });
    decide = () => ({ error: "not set" });
    service = await startCalloutService({ port: server.port, login: { user: "auth", pass: "pwd" }, issuer, decide: (r) => decide(r) });
  });
  after(async () => {
    await service.close();
    await server.close();
  });

  test("an allowed user gets the JWT's permissions, limits and account", async () => {
    decide = (r) =>
      r.connect_opts.user === "dlc" && r.connect_opts.pass === "zzz"
        ? { allow: { account: "BAZ", user: { pub: { allow: ["foo.>", "_INBOX.>"] }, sub: { allow: ["foo.>", "_INBOX.>"] }, payload: 64 } } }
        : { error: "bad password" };
    const loginAtMs = Date.now();
    const c = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    assert.match(c.data, /PONG\r\n/);
    c.send("SUB foo.> 1\r\nPUB foo.bar 2\r\nhi\r\nPUB bar 2\r\nhi\r\nPING\r\n");
    await c.waitFor((d) => d.split("PONG").length > 2);
    assert.match(c.data, /MSG foo\.bar 1 2\r\nhi\r\n/);
    assert.match(c.data, /-ERR 'Permissions Violation for Publish to "bar"'\r\n/);
    // The JWT's payload limit (64) applies.
    c.send(`PUB foo.big 65\r\n${"x".repeat(65)}\r\n`);
    await c.waitFor((d) => d.includes("Maximum Payload Violation"));
    c.close();

    // The request carried what nats-server's does.
    const seen = service.seen.at(-1)!;
    assert.equal(seen.claims.aud, "nats-authorization-request");
    assert.equal(seen.claims.sub, issuer.getPublicKey());
    assert.equal(seen.claims.iss, seen.req.server_id.id);
    assert.equal((seen.claims.nats as { type: string }).type, "authorization_request");
    assert.match(seen.req.user_nkey, /^U/);
    assert.equal(seen.req.client_info.host, "127.0.0.1");
    assert.equal(seen.req.client_info.kind, "Client");
    assert.equal(seen.req.client_info.type, "nats");
    assert.equal(seen.req.connect_opts.user, "dlc");
    assert.equal(seen.req.connect_opts.protocol, 1);
    assert.equal(seen.xkeyHeader, undefined);
    // Expires with the auth timeout (1 s), in whole seconds as nats-server's Unix().
    assert.ok(typeof seen.claims.exp === "number" && (seen.claims.exp as number) >= Math.floor((loginAtMs + 1000) / 1000), `exp ${String(seen.claims.exp)}`);
    assert.match(seen.reply, /^\$SYS\._INBOX\./);
  });

  test("the official client connects through the callout; its account is the JWT's audience", async () => {
    decide = () => ({ allow: { account: "BAZ", name: "renamed" } });
    const nc = await connect({ port: server.port, user: "someone", pass: "x" });
    const nc2 = await connect({ port: server.port, user: "other", pass: "y" });
    // Both in BAZ: they see each other, the service (in $G) does not see them.
    const sub = nc2.subscribe("hello", { max: 1 });
    const svcSub = service.nc.subscribe("hello", { max: 1, timeout: 300 });
    await nc2.flush();
    nc.publish("hello", "x");
    for await (const m of sub) assert.equal(m.string(), "x");
    await assert.rejects(
      (async () => {
        for await (const _ of svcSub) break;
      })(),
    );
    await nc.close();
    await nc2.close();
  });

  test("$SYS.REQ.USER.INFO shows the callout's user, account and permissions (nats-server TestAuthCalloutBasics)", async () => {
    decide = () => ({ allow: { account: "$G", user: { pub: { allow: ["$SYS.>"] } } } });
    const nc = await connect({ port: server.port, user: "dlc", pass: "zzz" });
    try {
      const r = await nc.request("$SYS.REQ.USER.INFO", "", { timeout: 2000 });
      const info = (r.json() as { data: { user: string; account: string; permissions: unknown } }).data;
      assert.equal(info.user, "dlc");
      assert.equal(info.account, "$G");
      assert.deepEqual(info.permissions, { publish: { allow: ["$SYS.>"], deny: ["$SYS.REQ.USER.AUTH"] } });
    } finally {
      await nc.close();
    }
  });

  test("a user placed in the callout account may not publish to the callout subject", async () => {
    decide = () => ({ allow: { account: "$G" } });
    const c = await rawLogin(server.port, { user: "x", pass: "y" });
    assert.match(c.data, /PONG/);
    c.send("PUB $SYS.REQ.USER.AUTH 0\r\n\r\nPING\r\n");
    await c.waitFor((d) => d.includes("Permissions Violation"));
    assert.match(c.data, /-ERR 'Permissions Violation for Publish to "\$SYS\.REQ\.USER\.AUTH"'\r\n/);
    c.close();
  });

  test("a denied user gets Authorization Violation and is closed", async () => {
    decide = () => ({ error: "BAD AUTH" });
    const c = await rawLogin(server.port, { user: "dlc", pass: "nope" });
    await denied(c, "Auth callout service returned an error: BAD AUTH");
    await assert.rejects(connect({ port: server.port, user: "dlc", pass: "nope", reconnect: false }), /Authorization Violation/);
  });

  test("an empty response denies", async () => {
    decide = () => ({ raw: () => new Uint8Array(0) });
    const c = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    await denied(c, 'Auth callout violation: "no reason supplied" on account "$G"');
  });

  test("garbage answers deny the login and nothing else", async () => {
    const answers: Uint8Array[] = [
      Buffer.from("eyJ not a jwt"),
      Buffer.from("a.b.c"),
      Buffer.from(`${Buffer.from('{"typ":"JWT","alg":"ed25519-nkey"}').toString("base64url")}.${Buffer.from("[1,2]").toString("base64url")}.x`),
      Buffer.from([0, 1, 2, 255, 254, 13, 10]),
      Buffer.alloc(64 * 1024, 0x41),
    ];
    for (const a of answers) {
      decide = () => ({ raw: () => a });
      const c = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
      assert.equal(c.data.slice(c.data.indexOf("\r\n") + 2), AUTH_ERR);
      await c.waitClosed();
    }
    const ok = await rawLogin(server.port, { user: "auth", pass: "pwd" });
    assert.match(ok.data, /PONG/);
    ok.close();
  });

  test("auth_users bypass the callout; a wrong password for one is refused without asking", async () => {
    const before = service.seen.length;
    const ok = await rawLogin(server.port, { user: "auth", pass: "pwd" });
    assert.match(ok.data, /PONG/);
    ok.close();
    const bad = await rawLogin(server.port, { user: "auth", pass: "wrong" });
    assert.match(bad.data, /Authorization Violation/);
    assert.equal(service.seen.length, before);
  });

  test("a response or user JWT signed by another account is refused", async () => {
    const other = createAccount();
    decide = () => ({ allow: { account: "BAZ", signer: other } });
    const c = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    await denied(c, `Wrong issuer for auth callout response on account "$G", expected "${issuer.getPublicKey()}" got "${other.getPublicKey()}"`);
    decide = () => ({ raw: async (_r, u, sid) => Buffer.from(await encodeAuthorizationResponse(u, sid, other, { jwt: await encodeUser("", u, other, {}, { aud: "BAZ" }) }, {})) });
    const c2 = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    await denied(c2, "Auth callout signing key is unknown");
  });

  test("a response for another user or another server is refused", async () => {
    decide = () => ({
      raw: async (_r, _u, sid) => {
        const stranger = createUser().getPublicKey();
        return Buffer.from(await encodeAuthorizationResponse(stranger, sid, issuer, { jwt: await encodeUser("", stranger, issuer, {}, { aud: "BAZ" }) }, {}));
      },
    });
    const c = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    await denied(c, "Auth callout violation: auth callout response is not for expected user");
    decide = () => ({ raw: async (_r, u) => Buffer.from(await encodeAuthorizationResponse(u, createServerKey().getPublicKey(), issuer, { jwt: await encodeUser("", u, issuer, {}, { aud: "BAZ" }) }, {})) });
    const c2 = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    await denied(c2, "Auth callout violation: auth callout response is not for server");
  });

  test("an expired user JWT or an unknown target account is refused", async () => {
    decide = () => ({ allow: { account: "BAZ", exp: Math.floor(Date.now() / 1000) - 5 } });
    const c = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    await denied(c, "Error validating user JWT: claim is expired");
    decide = () => ({ allow: { account: "NOPE" } });
    const c2 = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    await denied(c2, 'No valid account "NOPE" for auth callout response on account "$G": account missing');
  });

  test("a user JWT's expiry ends the connection with User Authentication Expired", async () => {
    decide = () => ({ allow: { account: "BAZ", exp: Math.floor(Date.now() / 1000) + 2 } });
    const c = await rawLogin(server.port, { user: "dlc", pass: "zzz" });
    assert.match(c.data, /PONG/);
    await c.waitFor((d) => d.includes("User Authentication Expired"), 5000);
    await c.waitClosed();
  });

  test("a silent service: the login times out, other logins are not held", async () => {
    decide = (r) => (r.connect_opts.user === "slow" ? { silent: true } : { allow: { account: "BAZ" } });
    const t0 = Date.now();
    const slow = RawConn.connect(server.port).then(async (c) => {
      c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, user: "slow", pass: "x" })}\r\nPING\r\n`);
      await c.waitFor((d) => d.includes("-ERR"), 5000);
      return c;
    });
    let slowDone = 0;
    void slow.then(() => (slowDone = Date.now()));
    const fast = await rawLogin(server.port, { user: "fast", pass: "x" });
    assert.match(fast.data, /PONG/);
    assert.equal(slowDone, 0, "the fast login did not wait for the slow one");
    const c = await slow;
    // nats-server: the auth timer and the callout wait are both `authorization.timeout`.
    assert.match(c.data, /-ERR '(Authentication Timeout|Authorization Violation)'\r\n/);
    assert.ok(Date.now() - t0 >= 900);
    await c.waitClosed();
    fast.close();
  });
});

describe("auth callout, no service", () => {
  test("every non-auth_user login times out; the server stays responsive", async () => {
    const issuer = createAccount();
    const server = await startServer({ port: 0, host: "127.0.0.1", config: config(issuer.getPublicKey()) });
    try {
      const logins = await Promise.all(Array.from({ length: 20 }, () => rawLogin(server.port, { user: "u", pass: "p" })));
      for (const c of logins) assert.match(c.data, /-ERR '(Authentication Timeout|Authorization Violation)'/);
      const ok = await rawLogin(server.port, { user: "auth", pass: "pwd" });
      assert.match(ok.data, /PONG/);
      ok.close();
    } finally {
      await server.close();
    }
  });
});

describe("auth callout, xkey", () => {
  let issuer: KeyPair;
  let server: NatsServer;
  let service: CalloutService;
  const xkp = createCurve();

  before(async () => {
    issuer = createAccount();
    server = await startServer({ port: 0, host: "127.0.0.1", config: config(issuer.getPublicKey(), "", `xkey: ${xkp.getPublicKey()}`) });
    service = await startCalloutService({
      port: server.port,
      login: { user: "auth", pass: "pwd" },
      issuer,
      xkp,
      decide: (r) => (r.connect_opts.user === "dlc" ? { allow: { account: "$G" } } : { error: "no" }),
    });
  });
  after(async () => {
    await service.close();
    await server.close();
  });

  test("requests are sealed to the service's xkey; plain responses are accepted", async () => {
    const c = await rawLogin(server.port, { user: "dlc", pass: "x" });
    assert.match(c.data, /PONG/);
    c.close();
    const seen = service.seen.at(-1)!;
    assert.match(seen.xkeyHeader ?? "", /^X/);
    assert.equal(seen.req.server_id.xkey, seen.xkeyHeader);
  });

  test("sealed responses are opened with the server's xkey", async () => {
    const sealing = await startCalloutService({ port: server.port, login: { user: "auth", pass: "pwd" }, issuer, xkp, sealResponses: true, decide: () => ({ allow: { account: "$G" } }) });
    await service.close();
    try {
      const c = await rawLogin(server.port, { user: "dlc", pass: "x" });
      assert.match(c.data, /PONG/);
      c.close();
    } finally {
      await sealing.close();
    }
  });
});

describe("auth callout, options", () => {
  test("operator mode refuses a server-level auth_callout with nats-server's error", async () => {
    const { makeOperator, operatorConfig } = await import("../jwt/fixtures.js");
    const op = await makeOperator();
    await assert.rejects(
      startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [], `authorization { auth_callout { issuer: ${createAccount().getPublicKey()}, auth_users: [ auth ] } }`) }),
      /operators do not allow authorization callouts to be configured directly/,
    );
  });
});

describe("auth callout, TLS client", () => {
  test("the request carries client_tls: version, cipher and the verified chain in PEM", async (t) => {
    const certs = makeCerts();
    if (certs === null) return t.skip("openssl not available");
    t.after(() => certs.cleanup());
    const issuer = createAccount();
    const tls = `tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}", ca_file: "${certs.caCert}", verify: true }`;
    const server = await startServer({ port: 0, host: "127.0.0.1", config: config(issuer.getPublicKey(), tls) });
    const tlsOpts = { certFile: certs.clientCert, keyFile: certs.clientKey, caFile: certs.caCert };
    const service = await startCalloutService({ port: server.port, login: { user: "auth", pass: "pwd", tls: tlsOpts }, issuer, decide: () => ({ allow: { account: "$G" } }) });
    try {
      const nc = await connect({ port: server.port, user: "someone", pass: "x", tls: tlsOpts });
      await nc.close();
      const ct = service.seen.at(-1)!.req.client_tls!;
      assert.match(ct.version ?? "", /^1\.[23]$/);
      assert.match(ct.cipher ?? "", /^TLS_/);
      assert.equal(ct.certs, undefined);
      assert.equal(ct.verified_chains?.length, 1);
      const chain = ct.verified_chains![0]!;
      assert.equal(chain.length, 2, "client certificate and its CA");
      assert.match(new X509Certificate(chain[0]!).subject, /CN=client/);
      assert.match(new X509Certificate(chain[1]!).subject, /CN=ca/);
    } finally {
      await service.close();
      await server.close();
    }
  });
});

describe("auth callout, nkey logins", () => {
  test("an nkey user not in auth_users is called out with its signature and the nonce (TestAuthCalloutVerifiedUserCalloutsWithSig)", async () => {
    const issuer = createAccount();
    const ukp = createUser();
    const cfg = `authorization {
  timeout: 1
  users: [ { user: auth, password: pwd }, { nkey: ${ukp.getPublicKey()} } ]
  auth_callout { issuer: ${issuer.getPublicKey()}, auth_users: [ auth ] }
}`;
    const server = await startServer({ port: 0, host: "127.0.0.1", config: cfg });
    const service = await startCalloutService({ port: server.port, login: { user: "auth", pass: "pwd" }, issuer, decide: () => ({ allow: { account: "$G" } }) });
    try {
      const c = await RawConn.connect(server.port);
      const nonce = (JSON.parse(c.data.slice(5, c.data.indexOf("\r\n"))) as { nonce: string }).nonce;
      const sig = Buffer.from(ukp.sign(Buffer.from(nonce))).toString("base64url");
      c.send(`CONNECT ${JSON.stringify({ verbose: false, protocol: 1, nkey: ukp.getPublicKey(), sig })}\r\nPING\r\n`);
      await c.waitFor((d) => d.includes("PONG") || d.includes("-ERR"));
      assert.match(c.data, /PONG/);
      c.close();
      const seen = service.seen.at(-1)!;
      assert.equal(seen.req.connect_opts.nkey, ukp.getPublicKey());
      assert.equal(seen.req.connect_opts.sig, sig);
      assert.equal(seen.req.client_info.nonce, nonce);
      assert.equal(seen.req.client_info.user, ukp.getPublicKey());
    } finally {
      await service.close();
      await server.close();
    }
  });
});
