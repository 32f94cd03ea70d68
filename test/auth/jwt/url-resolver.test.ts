/**
 * `resolver: URL(...)`: account JWTs fetched over HTTP from a tiny node:http server in the
 * test (nats-server URLAccResolver): on demand at login, once per account, with imports'
 * exporters; a failing fetch is an Authorization Violation; a login waiting for a fetch
 * holds up nobody else.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { startServer, type NatsServer } from "../../../src/index.js";
import { UrlResolver } from "../../../src/auth/jwt/url-resolver.js";
import { waitFor } from "../../helpers/wait-for.js";
import { RawConn } from "../../helpers/raw.js";
import { makeAccount, makeOperator, makeUser, rawJwtConnect, type Acct, type Op } from "./fixtures.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";
const PREFIX = "/jwt/v1/accounts/";

/** An account server: serves `jwts`, counts requests per account, can hold answers back. */
class AccountServer {
  readonly jwts = new Map<string, string>();
  readonly hits = new Map<string, number>();
  /** Accounts whose answers wait for release(). */
  readonly held = new Set<string>();
  private waiting: Array<() => void> = [];
  private readonly http = http.createServer((req, res) => this.serve(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}${PREFIX}`;
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const key = (req.url ?? "").slice(PREFIX.length);
    this.hits.set(key, (this.hits.get(key) ?? 0) + 1);
    const answer = (): void => {
      const jwt = this.jwts.get(key);
      if (jwt === undefined) res.writeHead(404).end("not found");
      else res.writeHead(200, { "content-type": "application/jwt" }).end(jwt);
    };
    if (this.held.has(key)) this.waiting.push(answer);
    else answer();
  }

  release(key: string): void {
    this.held.delete(key);
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }

  async close(): Promise<void> {
    this.release("");
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

describe("operator mode, URL resolver", () => {
  let op: Op;
  let a: Acct;
  let b: Acct;
  let exporter: Acct;
  let importer: Acct;
  const accounts = new AccountServer();
  let url = "";
  let server: NatsServer;

  before(async () => {
    op = await makeOperator();
    a = await makeAccount(op, "A");
    b = await makeAccount(op, "B");
    exporter = await makeAccount(op, "EXP", { exports: [{ name: "feed", subject: "feed.>", type: "stream" }] });
    importer = await makeAccount(op, "IMP", { imports: [{ name: "feed", subject: "feed.>", account: exporter.pub, type: "stream" }] });
    for (const acc of [op.sys, a, b, exporter, importer]) accounts.jwts.set(acc.pub, acc.jwt);
    url = await accounts.start();
    // No trailing slash: added as nats-server does.
    server = await startServer({ port: 0, host: "127.0.0.1", config: `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver: URL("${url.slice(0, -1)}")\n` });
  });
  after(async () => {
    await server.close();
    await accounts.close();
  });

  test("the system account is fetched at start; a user's account when it first logs in, once", async () => {
    assert.equal(accounts.hits.get(op.sys.pub), 1);
    assert.equal(accounts.hits.get(a.pub), undefined);
    const u = await makeUser(a, "alice");
    for (let i = 0; i < 3; i++) {
      const c = await rawJwtConnect(server.port, u);
      assert.ok(c.data.includes("PONG\r\n"), c.data);
      c.close();
    }
    assert.equal(accounts.hits.get(a.pub), 1);
  });

  test("an account the URL does not know (404) is an Authorization Violation, asked again next time", async () => {
    const stranger = await makeAccount(op, "X");
    const u = await makeUser(stranger, "x");
    for (let i = 1; i <= 2; i++) {
      const c = await rawJwtConnect(server.port, u);
      await c.waitClosed();
      assert.ok(c.data.endsWith(AUTH_ERR), c.data);
      assert.equal(accounts.hits.get(stranger.pub), i);
    }
    // Published since: the next login finds it.
    accounts.jwts.set(stranger.pub, stranger.jwt);
    const c = await rawJwtConnect(server.port, u);
    assert.ok(c.data.includes("PONG\r\n"), c.data);
    c.close();
  });

  test("a login waiting for its account's fetch holds up nobody else; it goes on when the answer comes", async () => {
    accounts.held.add(b.pub);
    const waiting = await RawConn.connect(server.port);
    const nonce = (JSON.parse(waiting.data.slice(5, waiting.data.indexOf("\r\n"))) as { nonce: string }).nonce;
    const ub = await makeUser(b, "bob");
    const sig = Buffer.from(ub.kp.sign(Buffer.from(nonce))).toString("base64url");
    // CONNECT and a PING that waits with it (parsing suspended).
    waiting.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, jwt: ub.jwt, sig })}\r\nPING\r\n`);
    await waitFor(() => accounts.hits.get(b.pub) === 1, { what: "B's fetch started" });
    const other = await rawJwtConnect(server.port, await makeUser(a, "carol"));
    assert.ok(other.data.includes("PONG\r\n"), other.data);
    other.close();
    assert.ok(!waiting.data.includes("PONG"), waiting.data);
    accounts.release(b.pub);
    await waiting.waitFor((d) => d.includes("PONG\r\n"));
    waiting.close();
    assert.equal(accounts.hits.get(b.pub), 1);
  });

  test("an importer's exporter is fetched with it: the import works", async () => {
    const sub = await rawJwtConnect(server.port, await makeUser(importer, "i"));
    sub.send("SUB feed.> 1\r\nPING\r\n");
    await sub.waitFor((d) => d.split("PONG\r\n").length === 3);
    assert.equal(accounts.hits.get(exporter.pub), 1);
    const pub = await rawJwtConnect(server.port, await makeUser(exporter, "e"));
    pub.send("PUB feed.x 2\r\nhi\r\nPING\r\n");
    await sub.waitFor((d) => d.includes("MSG feed.x 1 2\r\nhi\r\n"));
    pub.close();
    sub.close();
  });
});

describe("UrlResolver", () => {
  test("concurrent prefetches of one account share one request; failures name the URL and status", async () => {
    const accounts = new AccountServer();
    const url = await accounts.start();
    const errors: string[] = [];
    const r = new UrlResolver(url, undefined, (m) => errors.push(m));
    try {
      accounts.jwts.set("ACC", "a.b.c");
      accounts.held.add("ACC");
      const all = Promise.all([r.prefetch("ACC"), r.prefetch("ACC"), r.prefetch("ACC")]);
      await waitFor(() => accounts.hits.get("ACC") === 1);
      accounts.release("ACC");
      await all;
      assert.equal(accounts.hits.get("ACC"), 1);
      assert.equal(r.fetch("ACC"), "a.b.c");
      await r.prefetch("ACC");
      assert.equal(accounts.hits.get("ACC"), 1, "known: no request");
      await r.prefetch("NOPE");
      assert.equal(r.fetch("NOPE"), undefined);
      assert.deepEqual(errors, [`could not fetch <"${url}NOPE">: 404 Not Found`]);
    } finally {
      r.close();
      await accounts.close();
    }
  });

  test("an unreachable URL fails the fetch without throwing", async () => {
    const errors: string[] = [];
    const r = new UrlResolver("http://127.0.0.1:1/jwt", undefined, (m) => errors.push(m));
    await r.prefetch("ACC");
    r.close();
    assert.equal(r.fetch("ACC"), undefined);
    assert.match(errors[0] ?? "", /^could not fetch <"http:\/\/127\.0\.0\.1:1\/jwt\/ACC">: /);
  });
});
