/**
 * The full account resolver (`resolver { type: full, dir, allow_delete }`): account JWTs
 * pushed through `$SYS.REQ.CLAIMS.UPDATE` and `$SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE` by a
 * system-account user, served on LOOKUP, LIST and PACK, applied to live accounts
 * (revocations disconnect), removed with an operator-signed DELETE.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { encodeAccount, encodeGeneric } from "@nats-io/jwt";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../../src/index.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, NO_LIMITS, nowSec, rawJwtConnect, type Acct, type Op } from "./fixtures.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";

describe("operator mode, full resolver", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-jwt-full-"));
  let op: Op;
  let server: NatsServer;
  let a: Acct;
  let sys: NatsConnection;

  before(async () => {
    op = await makeOperator();
    a = await makeAccount(op, "A");
    const conf = `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver { type: full, dir: "${join(dir, "jwt")}", allow_delete: true }\nresolver_preload { ${op.sys.pub}: "${op.sys.jwt}" }\n`;
    server = await startServer({ port: 0, host: "127.0.0.1", config: conf });
    const su = await makeUser(op.sys, "admin");
    sys = await connect({ port: server.port, authenticator: credsAuthenticator(su.creds) });
  });
  after(async () => {
    await sys?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = async (subject: string, body: string): Promise<Record<string, unknown>> => (await sys.request(subject, body, { timeout: 2000 })).json();

  test("an unknown account's users are refused until its JWT is pushed", async () => {
    const u = await makeUser(a, "u");
    const before = await rawJwtConnect(server.port, u);
    assert.ok(before.data.includes(AUTH_ERR));
    before.close();
    const r = await request("$SYS.REQ.CLAIMS.UPDATE", a.jwt);
    assert.deepEqual(r.data, { account: a.pub, code: 200, message: "jwt updated" });
    assert.ok(existsSync(join(dir, "jwt", `${a.pub}.jwt`)));
    const after = await rawJwtConnect(server.port, u);
    assert.ok(after.data.includes("PONG"), after.data);
    after.close();
  });

  test("an untrusted account JWT is stored but unusable; another subject is refused", async () => {
    const other = await makeOperator();
    const stranger = await makeAccount(other, "X");
    // As nats-server: stored (claims are valid), trust is checked when a user connects.
    const r1 = await request("$SYS.REQ.CLAIMS.UPDATE", stranger.jwt);
    assert.deepEqual(r1.data, { account: stranger.pub, code: 200, message: "jwt updated" });
    const su = await rawJwtConnect(server.port, await makeUser(stranger, "s"));
    assert.ok(su.data.includes(AUTH_ERR));
    su.close();
    const r2 = await request(`$SYS.REQ.ACCOUNT.${op.sys.pub}.CLAIMS.UPDATE`, a.jwt);
    assert.deepEqual(r2.error, { account: op.sys.pub, code: 500, description: "jwt update resulted in error - subject does not match jwt content" });
  });

  test("LOOKUP, LIST and PACK serve the stored JWTs", async () => {
    await request("$SYS.REQ.CLAIMS.UPDATE", a.jwt);
    const jwt = (await sys.request(`$SYS.REQ.ACCOUNT.${a.pub}.CLAIMS.LOOKUP`, "", { timeout: 2000 })).string();
    assert.equal(jwt, a.jwt);
    const list = await request("$SYS.REQ.CLAIMS.LIST", "");
    assert.ok((list.data as string[]).includes(a.pub));
    const lines: string[] = [];
    const inbox = sys.subscribe("_INBOX.pack.>");
    sys.publish("$SYS.REQ.CLAIMS.PACK", "", { reply: "_INBOX.pack.1" });
    for await (const m of inbox) {
      if (m.data.length === 0) break;
      lines.push(m.string());
    }
    assert.ok(lines.includes(`${a.pub}|${a.jwt}`));
  });

  test("a live account update revokes a connected user", async () => {
    await request("$SYS.REQ.CLAIMS.UPDATE", a.jwt);
    const u = await makeUser(a, "victim");
    const nc = await connect({ port: server.port, authenticator: credsAuthenticator(u.creds), reconnect: false });
    const closed = nc.closed();
    const revoked = await encodeAccount("A", a.kp, { limits: NO_LIMITS, revocations: { [u.kp.getPublicKey()]: nowSec() + 1 } }, { signer: op.kp });
    const r = await request(`$SYS.REQ.ACCOUNT.${a.pub}.CLAIMS.UPDATE`, revoked);
    assert.equal((r.data as Record<string, unknown>).message, "jwt updated");
    await closed;
    await waitFor(() => nc.isClosed());
  });

  test("DELETE needs an operator self-signed request and disconnects the account", async () => {
    const b = await makeAccount(op, "B");
    await request("$SYS.REQ.CLAIMS.UPDATE", b.jwt);
    const u = await makeUser(b, "b");
    const nc = await connect({ port: server.port, authenticator: credsAuthenticator(u.creds), reconnect: false });
    const bad = await encodeGeneric("del", b.kp, "generic", { accounts: [b.pub] } as never);
    const r1 = await request("$SYS.REQ.CLAIMS.DELETE", bad);
    assert.equal((r1.error as Record<string, unknown>).description, `delete accounts request by ${b.pub} failed - not trusted`);
    const sysDel = await encodeGeneric("del", op.kp, "generic", { accounts: [op.sys.pub] } as never);
    const r2 = await request("$SYS.REQ.CLAIMS.DELETE", sysDel);
    assert.match(String((r2.error as Record<string, unknown>).description), /not allowed to delete system account/);
    const del = await encodeGeneric("del", op.kp, "generic", { accounts: [b.pub] } as never);
    const r3 = await request("$SYS.REQ.CLAIMS.DELETE", del);
    assert.deepEqual(r3.data, { code: 200, message: "deleted 1 accounts" });
    await waitFor(() => nc.isClosed());
    const again = await rawJwtConnect(server.port, u);
    assert.ok(again.data.includes(AUTH_ERR));
    again.close();
  });
});
