/**
 * Auth callout in operator mode with resolvers that do not hold every account up front
 * (nats-server auth_callout.go assignAccountAndPermissions → LookupAccount → fetchAccount):
 * the account a granted user goes to is fetched when the service's answer names it, from the
 * URL resolver's account server or, with full resolvers, from a cluster peer's store
 * (`CLAIMS.LOOKUP`); a fetch that fails refuses the login with nats-server's error text.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createAccount, createUser, encodeUser, fmtCreds } from "@nats-io/jwt";
import { credsAuthenticator } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../../src/index.js";
import { CaptureLogger } from "../../helpers/capture-logger.js";
import { routePort, startNode, waitMeshed } from "../../helpers/cluster.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, rawJwtConnect, type Acct, type Op, type UserCreds } from "../jwt/fixtures.js";
import { startCalloutService, type CalloutService } from "./service.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";

/** AUTH (the callout account, `auth_users` = the service), TEST (allowed), GONE (allowed, never published). */
interface Setup {
  op: Op;
  auth: Acct;
  target: Acct;
  gone: Acct;
  authKp: ReturnType<typeof createAccount>;
  serviceCreds: Uint8Array;
  sentinel: UserCreds;
}

async function setup(): Promise<Setup> {
  const op = await makeOperator();
  const target = await makeAccount(op, "TEST");
  const gone = await makeAccount(op, "GONE");
  const authKp = createAccount();
  const serviceKey = createUser();
  const auth = await makeAccount(op, "AUTH", { authorization: { auth_users: [serviceKey.getPublicKey()], allowed_accounts: [target.pub, gone.pub] } }, { kp: authKp });
  const serviceCreds = fmtCreds(await encodeUser("svc", serviceKey, authKp), serviceKey);
  const sentinel = await makeUser(auth, "sentinel", { pub: { deny: [">"] }, sub: { deny: [">"] } });
  return { op, auth, target, gone, authKp, serviceCreds, sentinel };
}

function service(port: number, s: Setup): Promise<CalloutService> {
  return startCalloutService({
    port,
    login: { authenticator: credsAuthenticator(s.serviceCreds) },
    issuer: s.authKp,
    decide: (r) => {
      const token = r.connect_opts.auth_token;
      if (token === "to-test") return { allow: { account: s.target.pub, name: "t", signer: s.target.kp } };
      if (token === "to-gone") return { allow: { account: s.gone.pub, name: "g", signer: s.gone.kp } };
      return { error: "unknown token" };
    },
  });
}

const afterInfo = (data: string): string => data.slice(data.indexOf("\r\n") + 2);

describe("auth callout with a URL resolver", () => {
  const log = new CaptureLogger();
  let s: Setup;
  let server: NatsServer;
  let svc: CalloutService;
  const hits: string[] = [];
  const web = http.createServer((req, res) => {
    const key = (req.url ?? "").split("/").pop() ?? "";
    hits.push(key);
    if (held.has(key)) return void waiting.push(res);
    const jwt = [s.op.sys, s.auth, s.target].find((a) => a.pub === key)?.jwt;
    if (jwt === undefined) res.writeHead(404).end("not found");
    else res.writeHead(200, { "content-type": "application/jwt" }).end(jwt);
  });
  let url = "";
  /** Requests for these accounts are never answered (until the server closes). */
  const held = new Set<string>();
  const waiting: http.ServerResponse[] = [];

  before(async () => {
    s = await setup();
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/jwt/v1/accounts/`;
    server = await startServer({ port: 0, host: "127.0.0.1", logger: log, config: `operator: "${s.op.jwt}"\nsystem_account: ${s.op.sys.pub}\nresolver: URL("${url}")\n` });
    svc = await service(server.port, s);
  });
  after(async () => {
    await svc.close();
    await server.close();
    for (const res of waiting) res.destroy();
    web.closeAllConnections();
    await new Promise<void>((resolve) => web.close(() => resolve()));
  });

  test("the granted user's account is fetched when the answer names it; the login lands there", async () => {
    assert.equal(hits.includes(s.target.pub), false, "TEST not fetched before any login needs it");
    const c = await rawJwtConnect(server.port, s.sentinel, { auth_token: "to-test" });
    assert.match(afterInfo(c.data), /^PONG\r\n/);
    assert.ok(hits.includes(s.target.pub));
    assert.equal([...server.server.clients.values()].filter((cl) => cl.account.name === s.target.pub).length, 1);
    c.close();
  });

  test("an account the URL does not serve refuses the login with the fetch's error", async () => {
    const c = await rawJwtConnect(server.port, s.sentinel, { auth_token: "to-gone" });
    assert.equal(afterInfo(c.data), AUTH_ERR);
    const want = `No valid account "${s.gone.pub}" for auth callout response on account "${s.auth.pub}": could not fetch <"${url}${s.gone.pub}">: 404 Not Found`;
    await waitFor(() => log.has(want), { what: want });
    c.close();
  });

  test("a fetch slower than the auth timeout ends the login at the auth timeout", async () => {
    held.add(s.gone.pub);
    const slow = await startServer({
      port: 0,
      host: "127.0.0.1",
      logger: log,
      authTimeoutMs: 1000,
      config: `operator: "${s.op.jwt}"\nsystem_account: ${s.op.sys.pub}\nresolver: URL("${url}")\n`,
    });
    const slowSvc = await service(slow.port, s);
    try {
      const c = await rawJwtConnect(slow.port, s.sentinel, { auth_token: "to-gone" });
      // nats-server: the auth timer and the callout wait (lookup included) are both the auth timeout.
      assert.match(afterInfo(c.data), /^-ERR '(Authentication Timeout|Authorization Violation)'\r\n$/);
      // Refused at the auth timeout (1 s), while the fetch (2 s timeout) was still waiting.
      assert.equal(log.has(`could not fetch <"${url}${s.gone.pub}">: timeout`), false);
      c.close();
    } finally {
      await slowSvc.close();
      await slow.close();
      held.delete(s.gone.pub);
    }
  });
});

describe("auth callout with full resolvers in a cluster", () => {
  const log = new CaptureLogger();
  const root = mkdtempSync(join(tmpdir(), "tsnats-callout-full-"));
  let s: Setup;
  const nodes: NatsServer[] = [];
  let svc: CalloutService;
  const dirOf = (i: number): string => join(root, `n${i}`);

  before(async () => {
    s = await setup();
    // Node 0 has every account; node 1 only the system account, so it must look AUTH and TEST up.
    mkdirSync(dirOf(0), { recursive: true });
    for (const a of [s.auth, s.target]) writeFileSync(join(dirOf(0), `${a.pub}.jwt`), a.jwt);
    const config = (i: number): string =>
      `operator: "${s.op.jwt}"\nsystem_account: ${s.op.sys.pub}\n` +
      `resolver { type: full, dir: "${dirOf(i)}", interval: "1m", timeout: "1s" }\nresolver_preload { ${s.op.sys.pub}: "${s.op.sys.jwt}" }\n`;
    nodes.push(await startNode("callout-full", [], { config: config(0) }));
    nodes.push(await startNode("callout-full", [`nats-route://127.0.0.1:${routePort(nodes[0]!)}`], { config: config(1), logger: log }));
    await waitMeshed(nodes);
    svc = await service(nodes[1]!.port, s);
  });
  after(async () => {
    await svc.close();
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(root, { recursive: true, force: true });
  });

  test("the granted user's account is looked up from the peer that has it", async () => {
    const n1 = nodes[1]!;
    assert.equal(n1.server.operator!.jwtAccounts.has(s.target.pub), false);
    const c = await rawJwtConnect(n1.port, s.sentinel, { auth_token: "to-test" });
    assert.match(afterInfo(c.data), /^PONG\r\n/);
    assert.equal([...n1.server.clients.values()].filter((cl) => cl.account.name === s.target.pub).length, 1);
    c.close();
  });

  test("an account no peer has refuses the login with the lookup's error", async () => {
    const c = await rawJwtConnect(nodes[1]!.port, s.sentinel, { auth_token: "to-gone" });
    assert.equal(afterInfo(c.data), AUTH_ERR);
    const prefix = `No valid account "${s.gone.pub}" for auth callout response on account "${s.auth.pub}": `;
    await waitFor(() => log.has(`${prefix}account jwt not found`) || log.has(`${prefix}fetching jwt timed out`), { what: "lookup error logged" });
    c.close();
  });
});
