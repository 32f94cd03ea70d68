/**
 * Authentication, permissions and accounts over real sockets: the official client
 * (@nats-io/transport-node) for the flows, raw wire for the exact error texts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import bcrypt from "bcryptjs";
import { createUser } from "@nats-io/nkeys";
import {
  connect,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
  type NatsConnection,
} from "@nats-io/transport-node";
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";

async function withServer(opts: StartServerOptions): Promise<NatsServer> {
  return startServer({ port: 0, host: "127.0.0.1", ...opts });
}

/** Connects raw, sends CONNECT (+PING), returns the connection once PONG or -ERR arrives. */
async function rawConnect(port: number, connect: Record<string, unknown>): Promise<RawConn> {
  const c = await RawConn.connect(port);
  c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...connect })}\r\nPING\r\n`);
  await c.waitFor((d) => d.includes("PONG\r\n") || d.includes("-ERR")).catch(() => undefined);
  return c;
}

describe("authentication", () => {
  const servers: NatsServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const serve = async (o: StartServerOptions): Promise<NatsServer> => {
    const s = await withServer(o);
    servers.push(s);
    return s;
  };

  test("token: right one connects, wrong one gets Authorization Violation and is closed", async () => {
    const s = await serve({ authToken: "s3cr3t" });
    const nc = await connect({ servers: s.clientURL, authenticator: tokenAuthenticator("s3cr3t") });
    await nc.flush();
    await nc.close();
    await assert.rejects(connect({ servers: s.clientURL, token: "wrong", reconnect: false }), /Authorization Violation|AUTHORIZATION_VIOLATION/i);
    const raw = await rawConnect(s.port, { auth_token: "nope" });
    await raw.waitClosed();
    assert.ok(raw.data.endsWith(AUTH_ERR), raw.data);
  });

  test("user/password, plain and bcrypt; wrong password refused", async () => {
    const hash = bcrypt.hashSync("pw2", 4);
    const s = await serve({ users: [{ user: "plain", password: "pw1" }, { user: "hashed", password: hash }] });
    for (const [u, p] of [["plain", "pw1"], ["hashed", "pw2"]] as const) {
      const nc = await connect({ servers: s.clientURL, authenticator: usernamePasswordAuthenticator(u, p) });
      await nc.flush();
      await nc.close();
    }
    for (const [u, p] of [["plain", "bad"], ["hashed", hash], ["nobody", "pw1"]] as const) {
      const raw = await rawConnect(s.port, { user: u, pass: p });
      await raw.waitClosed();
      assert.ok(raw.data.endsWith(AUTH_ERR), `${u}: ${raw.data}`);
    }
  });

  test("nkeys: INFO carries a nonce, a correct signature connects, a wrong one does not", async () => {
    const kp = createUser();
    const s = await serve({ users: [{ nkey: kp.getPublicKey() }] });
    const nc = await connect({ servers: s.clientURL, authenticator: nkeyAuthenticator(kp.getSeed()) });
    await nc.flush();
    await nc.close();
    const raw = await RawConn.connect(s.port);
    const info = JSON.parse(raw.data.slice(5, raw.data.indexOf("\r\n"))) as { nonce?: string; auth_required?: boolean };
    assert.equal(info.auth_required, true);
    assert.match(info.nonce ?? "", /^[A-Za-z0-9_-]{15}$/);
    const wrongSig = Buffer.from(createUser().sign(Buffer.from(info.nonce!))).toString("base64url");
    raw.send(`CONNECT {"verbose":false,"nkey":"${kp.getPublicKey()}","sig":"${wrongSig}"}\r\nPING\r\n`);
    await raw.waitClosed();
    assert.ok(raw.data.endsWith(AUTH_ERR), raw.data);
    // A key not in the config, even with a valid signature of the nonce, is refused.
    const other = createUser();
    await assert.rejects(
      connect({ servers: s.clientURL, authenticator: nkeyAuthenticator(other.getSeed()), reconnect: false }),
      /Authorization Violation|AUTHORIZATION_VIOLATION/i,
    );
  });

  test("no_auth_user: a client without credentials becomes that user", async () => {
    const s = await serve({
      users: [{ user: "anon", password: "x", permissions: { publish: { allow: ["public.>"] } } }],
      noAuthUser: "anon",
    });
    const raw = await rawConnect(s.port, {});
    assert.ok(raw.data.includes("PONG"), raw.data);
    raw.send("PUB private 0\r\n\r\nPING\r\n");
    await raw.waitFor((d) => d.split("PONG").length === 3);
    assert.ok(raw.data.includes(`-ERR 'Permissions Violation for Publish to "private"'`), raw.data);
    raw.close();
  });

  test("auth_timeout: a client that never sends CONNECT is cut off", async () => {
    const s = await serve({ authToken: "t", authTimeoutMs: 200 });
    const raw = await RawConn.connect(s.port);
    await raw.waitClosed(5000);
    assert.ok(raw.data.endsWith("-ERR 'Authentication Timeout'\r\n"), raw.data);
  });
});

describe("permissions", () => {
  let s: NatsServer;
  const conns: NatsConnection[] = [];
  before(async () => {
    s = await withServer({
      users: [
        { user: "admin", password: "a" },
        {
          user: "limited",
          password: "l",
          permissions: {
            publish: { allow: ["orders.>", "req.>"], deny: ["orders.secret"] },
            subscribe: { allow: ["orders.*", "q.work grp", "_INBOX.>"], deny: ["orders.hidden"] },
          },
        },
        {
          user: "responder",
          password: "r",
          permissions: { subscribe: { allow: ["svc.>"] }, allowResponses: { maxMsgs: 1, expiresMs: 0 } },
        },
      ],
    });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await s.close();
  });

  test("publish violations: exact -ERR, nothing delivered, connection stays open", async () => {
    const admin = await connect({ servers: s.clientURL, user: "admin", pass: "a" });
    conns.push(admin);
    const got: string[] = [];
    admin.subscribe(">", { callback: (_e, m) => void got.push(m.subject) });
    await admin.flush();
    const raw = await rawConnect(s.port, { user: "limited", pass: "l" });
    raw.send("PUB orders.secret 2\r\nno\r\nPUB other 2\r\nno\r\nPUB orders.new 2\r\nok\r\nPING\r\n");
    await raw.waitFor((d) => d.split("PONG").length === 3);
    assert.ok(raw.data.includes(`-ERR 'Permissions Violation for Publish to "orders.secret"'\r\n`), raw.data);
    assert.ok(raw.data.includes(`-ERR 'Permissions Violation for Publish to "other"'\r\n`), raw.data);
    assert.equal(raw.closed, false);
    await waitFor(() => got.includes("orders.new"));
    await admin.flush();
    assert.deepEqual(got, ["orders.new"]);
    raw.close();
  });

  test("subscribe violations, queue permissions, and deny filtering of wildcard deliveries", async () => {
    const raw = await rawConnect(s.port, { user: "limited", pass: "l" });
    raw.send("SUB secret.x 1\r\nSUB q.work 2\r\nSUB q.work other 3\r\nSUB q.work grp 4\r\nSUB orders.* 5\r\nPING\r\n");
    await raw.waitFor((d) => d.split("PONG").length === 3);
    assert.ok(raw.data.includes(`-ERR 'Permissions Violation for Subscription to "secret.x"'\r\n`), raw.data);
    assert.ok(raw.data.includes(`-ERR 'Permissions Violation for Subscription to "q.work"'\r\n`), raw.data);
    assert.ok(raw.data.includes(`-ERR 'Permissions Violation for Subscription to "q.work" using queue "other"'\r\n`), raw.data);
    assert.ok(!raw.data.includes(`"q.work" using queue "grp"`), raw.data);
    const admin = await connect({ servers: s.clientURL, user: "admin", pass: "a" });
    conns.push(admin);
    admin.publish("orders.hidden", "h");
    admin.publish("orders.visible", "v");
    admin.publish("q.work", "w");
    await admin.flush();
    raw.send("PING\r\n");
    await raw.waitFor((d) => d.includes("MSG orders.visible 5") && d.includes("MSG q.work 4") && d.split("PONG").length === 4);
    assert.ok(!raw.data.includes("orders.hidden"), raw.data);
    assert.equal(raw.closed, false);
    raw.close();
  });

  test("allow_responses: the reply of a received request may be answered once, others not", async () => {
    const responder = await rawConnect(s.port, { user: "responder", pass: "r" });
    responder.send("SUB svc.echo 1\r\nPING\r\n");
    await responder.waitFor((d) => d.split("PONG").length === 3);
    const admin = await connect({ servers: s.clientURL, user: "admin", pass: "a" });
    conns.push(admin);
    const replies: string[] = [];
    admin.subscribe("reply.>", { callback: (_e, m) => void replies.push(`${m.subject}:${m.string()}`) });
    await admin.flush();
    admin.publish("svc.echo", "hi", { reply: "reply.1" });
    await admin.flush();
    await responder.waitFor((d) => d.includes("MSG svc.echo 1 reply.1 2"));
    responder.send("PUB reply.1 3\r\none\r\nPUB reply.1 3\r\ntwo\r\nPUB reply.2 5\r\nthree\r\nPING\r\n");
    await responder.waitFor((d) => d.split("PONG").length === 4);
    assert.ok(responder.data.includes(`-ERR 'Permissions Violation for Publish to "reply.1"'`), responder.data);
    assert.ok(responder.data.includes(`-ERR 'Permissions Violation for Publish to "reply.2"'`), responder.data);
    await waitFor(() => replies.length === 1);
    await admin.flush();
    assert.deepEqual(replies, ["reply.1:one"]);
    responder.close();
  });

  test("the official client sees the permission error and stays connected", async () => {
    const nc = await connect({ servers: s.clientURL, user: "limited", pass: "l" });
    conns.push(nc);
    const errors: string[] = [];
    (async () => {
      for await (const st of nc.status()) if (st.type === "error") errors.push(String(st.error));
    })().catch(() => undefined);
    nc.publish("forbidden", "x");
    await nc.flush();
    await waitFor(() => errors.length > 0);
    assert.match(errors[0]!, /Permissions Violation for Publish to "forbidden"/);
    assert.equal(nc.isClosed(), false);
  });
});

describe("accounts", () => {
  let s: NatsServer;
  const conns: NatsConnection[] = [];
  const as = async (user: string): Promise<NatsConnection> => {
    const c = await connect({ servers: s.clientURL, user, pass: user });
    conns.push(c);
    return c;
  };
  before(async () => {
    s = await withServer({
      systemAccount: "SYS",
      accounts: [
        {
          name: "A",
          users: [{ user: "a", password: "a", account: "A" }],
          exports: [
            { kind: "stream", subject: "feed.>" },
            { kind: "service", subject: "svc.time", accounts: ["B"] },
          ],
        },
        {
          name: "B",
          users: [{ user: "b", password: "b", account: "B" }],
          imports: [
            { kind: "stream", account: "A", subject: "feed.>", prefix: "fromA" },
            { kind: "service", account: "A", subject: "svc.time", to: "time" },
          ],
        },
        { name: "C", users: [{ user: "c", password: "c", account: "C" }] },
        { name: "SYS", users: [{ user: "sys", password: "sys", account: "SYS" }] },
      ],
    });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await s.close();
  });

  test("subject spaces are isolated: C never sees A's messages", async () => {
    const a = await as("a");
    const c = await as("c");
    const seen: string[] = [];
    c.subscribe(">", { callback: (_e, m) => void seen.push(m.subject) });
    await c.flush();
    const own: string[] = [];
    a.subscribe("feed.>", { callback: (_e, m) => void own.push(m.subject) });
    await a.flush();
    a.publish("feed.x", "1");
    a.publish("private", "2");
    await a.flush();
    await waitFor(() => own.length === 1);
    await c.flush();
    assert.deepEqual(seen, []);
  });

  test("stream import: B sees A's feed under the prefix", async () => {
    const a = await as("a");
    const b = await as("b");
    const got: string[] = [];
    b.subscribe("fromA.>", { callback: (_e, m) => void got.push(`${m.subject}:${m.string()}`) });
    const direct: string[] = [];
    b.subscribe("feed.>", { callback: (_e, m) => void direct.push(m.subject) });
    await b.flush();
    a.publish("feed.prices", "42");
    a.publish("other", "x");
    await a.flush();
    await waitFor(() => got.length === 1);
    assert.deepEqual(got, ["fromA.feed.prices:42"]);
    assert.deepEqual(direct, []);
  });

  test("service import: B's request reaches A's responder and the reply comes back", async () => {
    const a = await as("a");
    const b = await as("b");
    a.subscribe("svc.time", { callback: (_e, m) => void m.respond(`now:${m.string()}`) });
    await a.flush();
    const r = await b.request("time", "q", { timeout: 2000 });
    assert.equal(r.string(), "now:q");
    // C did not import it: no responders.
    const c = await as("c");
    await assert.rejects(c.request("time", "q", { timeout: 1000 }));
  });

  test("system account: connect and disconnect events", async () => {
    const sys = await as("sys");
    const events: Array<{ type: string; client: { acc: string; user: string; name: string }; reason?: string }> = [];
    sys.subscribe("$SYS.ACCOUNT.*.CONNECT", { callback: (_e, m) => void events.push(m.json()) });
    sys.subscribe("$SYS.ACCOUNT.*.DISCONNECT", { callback: (_e, m) => void events.push(m.json()) });
    await sys.flush();
    const a = await connect({ servers: s.clientURL, user: "a", pass: "a", name: "audited" });
    await a.close();
    await waitFor(() => events.length === 2);
    assert.deepEqual(
      events.map((e) => [e.type, e.client.acc, e.client.user, e.client.name, e.reason]),
      [
        ["io.nats.server.advisory.v1.client_connect", "A", "a", "audited", undefined],
        ["io.nats.server.advisory.v1.client_disconnect", "A", "a", "audited", "Client Closed"],
      ],
    );
  });

  test("system account: whether anyone listens for client events is asked again when the system subscriptions change", async () => {
    // A connects and leaves while nobody listens (the server remembers that per account)...
    const early = await connect({ servers: s.clientURL, user: "a", pass: "a", name: "unheard" });
    await early.close();
    const sys = await as("sys");
    const events: string[] = [];
    const sub = sys.subscribe("$SYS.ACCOUNT.A.CONNECT", { callback: (_e, m) => void events.push(m.json<{ client: { name: string } }>().client.name) });
    await sys.flush();
    // ...then someone does: the next client of A is announced.
    const a = await connect({ servers: s.clientURL, user: "a", pass: "a", name: "heard" });
    await waitFor(() => events.length === 1);
    sub.unsubscribe();
    await sys.flush();
    const b = await connect({ servers: s.clientURL, user: "a", pass: "a", name: "unheard-again" });
    await b.flush();
    await sys.flush();
    assert.deepEqual(events, ["heard"]);
    await a.close();
    await b.close();
  });

  test("system account: $SYS.REQ.SERVER.PING and PING.VARZ", async () => {
    const sys = await as("sys");
    const ping = (await sys.request("$SYS.REQ.SERVER.PING", "", { timeout: 2000 })).json<{ server: { id: string }; statsz: { connections: number } }>();
    assert.equal(ping.server.id, s.server.id);
    assert.ok(ping.statsz.connections >= 1);
    const v = (await sys.request("$SYS.REQ.SERVER.PING.VARZ", "", { timeout: 2000 })).json<{ data: { server_id: string } }>();
    assert.equal(v.data.server_id, s.server.id);
    // Not from another account.
    const a = await as("a");
    await assert.rejects(a.request("$SYS.REQ.SERVER.PING", "", { timeout: 500 }));
  });
});
