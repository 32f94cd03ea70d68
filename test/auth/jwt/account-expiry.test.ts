/**
 * Expired account JWTs (nats-server Account.expiredTimeout, lookupAccount → updateAccount,
 * dirstore.go expiration): at the account JWT's `exp` its clients get `Account
 * Authentication Expired`; logins are refused while it stays expired; a renewed JWT (pushed
 * to MEMORY or full, served by a URL resolver) brings the account back. A full resolver
 * drops the file of an expired JWT and refuses new accounts past its `limit`.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { encodeAccount } from "@nats-io/jwt";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../../src/index.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, NO_LIMITS, nowSec, operatorConfig, rawJwtConnect, type Acct, type Op } from "./fixtures.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";
const EXPIRED_ERR = "-ERR 'Account Authentication Expired'\r\n";
const root = mkdtempSync(join(tmpdir(), "tsnats-jwt-exp-"));
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * An account JWT expiring in 2-3 s (over a second after the first login, so the login after
 * expiry is past nats-server's one-second "too soon" and fetches again), and the same
 * account renewed without expiry.
 */
async function shortAccount(op: Op): Promise<{ acc: Acct; renewed: string }> {
  const acc = await makeAccount(op, "SHORT", {}, { exp: nowSec() + 3 });
  const renewed = await encodeAccount("SHORT", acc.kp, { limits: NO_LIMITS }, { signer: op.kp });
  return { acc, renewed };
}

/** A connected user of `acc` is told its account expired; a new login is then refused. */
async function expires(server: NatsServer, acc: Acct): Promise<void> {
  const c = await rawJwtConnect(server.port, await makeUser(acc, "u"));
  assert.ok(c.data.includes("PONG\r\n"), c.data);
  await c.waitClosed(6000);
  assert.ok(c.data.endsWith(EXPIRED_ERR), c.data);
  const refused = await rawJwtConnect(server.port, await makeUser(acc, "late"));
  await refused.waitClosed();
  assert.ok(refused.data.endsWith(AUTH_ERR), refused.data);
}

/** A login to `acc` works (PONG). */
async function logsIn(server: NatsServer, acc: Acct): Promise<void> {
  const c = await rawJwtConnect(server.port, await makeUser(acc, "back"));
  assert.ok(c.data.includes("PONG\r\n"), c.data);
  c.close();
}

async function sysConn(server: NatsServer, op: Op): Promise<NatsConnection> {
  return connect({ port: server.port, authenticator: credsAuthenticator((await makeUser(op.sys, "admin")).creds), reconnect: false });
}

describe("operator mode, expired account JWTs", () => {
  test("MEMORY: an expired account comes back with a pushed renewed JWT", async () => {
    const op = await makeOperator();
    const { acc, renewed } = await shortAccount(op);
    const server = await startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [acc]) });
    const sys = await sysConn(server, op);
    try {
      await expires(server, acc);
      const r = (await sys.request(`$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.UPDATE`, renewed, { timeout: 2000 })).json<Record<string, unknown>>();
      assert.deepEqual(r.data, { account: acc.pub, code: 200, message: "jwt updated" });
      await logsIn(server, acc);
    } finally {
      await sys.close();
      await server.close();
    }
  });

  test("URL: the JWT of an expired account is fetched again at the next login", async () => {
    const op = await makeOperator();
    const { acc, renewed } = await shortAccount(op);
    const jwts = new Map([[op.sys.pub, op.sys.jwt], [acc.pub, acc.jwt]]);
    let hits = 0;
    const web = http.createServer((req, res) => {
      const key = (req.url ?? "").split("/").pop() ?? "";
      if (key === acc.pub) hits++;
      const jwt = jwts.get(key);
      if (jwt === undefined) res.writeHead(404).end();
      else res.writeHead(200).end(jwt);
    });
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/jwt/v1/accounts/`;
    const server = await startServer({ port: 0, host: "127.0.0.1", config: `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver: URL("${url}")\n` });
    try {
      await expires(server, acc);
      assert.equal(hits, 2, "fetched at the first login, again at the login after expiry");
      jwts.set(acc.pub, renewed);
      await logsIn(server, acc);
      assert.equal(hits, 3);
    } finally {
      await server.close();
      web.closeAllConnections();
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });

  test("full: an expired JWT's file is removed; a pushed renewed JWT brings the account back", async () => {
    const op = await makeOperator();
    const { acc, renewed } = await shortAccount(op);
    const dir = join(root, "full");
    const conf = `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver { type: full, dir: "${dir}" }\nresolver_preload { ${op.sys.pub}: "${op.sys.jwt}", ${acc.pub}: "${acc.jwt}" }\n`;
    const server = await startServer({ port: 0, host: "127.0.0.1", config: conf });
    const sys = await sysConn(server, op);
    try {
      const file = join(dir, `${acc.pub}.jwt`);
      assert.ok(existsSync(file));
      await expires(server, acc);
      await waitFor(() => !existsSync(file), { what: "expired JWT removed from the full resolver" });
      assert.ok(existsSync(join(dir, `${op.sys.pub}.jwt`)));
      const r = (await sys.request("$SYS.REQ.CLAIMS.UPDATE", renewed, { timeout: 2000 })).json<Record<string, unknown>>();
      assert.deepEqual(r.data, { account: acc.pub, code: 200, message: "jwt updated" });
      assert.ok(existsSync(file));
      await logsIn(server, acc);
    } finally {
      await sys.close();
      await server.close();
    }
  });

  test("full: past `limit` a new account is refused with jwt store is full, updates still apply", async () => {
    const op = await makeOperator();
    const a = await makeAccount(op, "A");
    const b = await makeAccount(op, "B");
    const dir = join(root, "full-limit");
    const conf = `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver { type: full, dir: "${dir}", limit: 2 }\nresolver_preload { ${op.sys.pub}: "${op.sys.jwt}" }\n`;
    const server = await startServer({ port: 0, host: "127.0.0.1", config: conf });
    const sys = await sysConn(server, op);
    const update = async (jwt: string): Promise<Record<string, unknown>> => (await sys.request("$SYS.REQ.CLAIMS.UPDATE", jwt, { timeout: 2000 })).json();
    try {
      assert.deepEqual((await update(a.jwt)).data, { account: a.pub, code: 200, message: "jwt updated" });
      assert.deepEqual((await update(b.jwt)).error, { account: b.pub, code: 500, description: "jwt update resulted in error - jwt store is full" });
      assert.ok(!existsSync(join(dir, `${b.pub}.jwt`)));
      const a2 = await encodeAccount("A", a.kp, { limits: { ...NO_LIMITS, conn: 5 } }, { signer: op.kp });
      assert.deepEqual((await update(a2)).data, { account: a.pub, code: 200, message: "jwt updated" });
      await logsIn(server, a);
    } finally {
      await sys.close();
      await server.close();
    }
  });
});
