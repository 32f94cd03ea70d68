/**
 * Leaf nodes in operator mode (nats-server processClientOrLeafAuthentication for a LEAF):
 * a tsnats leaf with a `.creds` file under a tsnats hub lands in the user's account; bad
 * signatures, expired or revoked users and users not allowed LEAFNODE connections are
 * refused with nats-server's errors; the account's `limits.leaf` holds at connect (a live
 * update lowering it only refuses new leaves, as nats-server 2.9.10); an update revoking a
 * user closes its leaf; a user JWT that expires closes its leaf. Also a config user's
 * `allowed_connection_types` on the leafnodes port, and a URL resolver fetching the leaf's
 * account before the CONNECT is answered. Raw leaf CONNECTs check exact bytes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { encodeAccount, encodeUser, fmtCreds, createUser } from "@nats-io/jwt";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, NO_LIMITS, nowSec, operatorConfig, rawJwtConnect, type Acct, type Op, type UserCreds } from "../auth/jwt/fixtures.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";
const MAX_ERR = "-ERR 'maximum account active connections exceeded'\r\n";

describe("a tsnats hub in operator mode", () => {
  let op: Op;
  let hub: NatsServer;
  let acc: Acct; // no limits
  let one: Acct; // limits.leaf 1
  let two: Acct; // limits.leaf 2, lowered to 1 live
  let rev: Acct; // a user revoked live
  let admin: UserCreds;
  let dir = "";
  const servers: NatsServer[] = [];
  const ncs: NatsConnection[] = [];
  const raws: RawConn[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tsnats-leafjwt-"));
    op = await makeOperator();
    acc = await makeAccount(op, "A");
    one = await makeAccount(op, "ONE", { limits: { ...NO_LIMITS, leaf: 1 } });
    two = await makeAccount(op, "TWO", { limits: { ...NO_LIMITS, leaf: 2 } });
    rev = await makeAccount(op, "REV");
    admin = await makeUser(op.sys, "admin");
    hub = await startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [acc, one, two, rev]), leafnodes: { host: "127.0.0.1", port: -1 } });
    servers.push(hub);
  });
  after(async () => {
    for (const r of raws) r.close();
    await Promise.all(ncs.map((nc) => nc.close().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const leafPort = (): number => hub.server.leafs!.listenPort;
  /** A raw leaf CONNECT with the user's JWT and signed nonce; resolves on PONG or -ERR. */
  const rawLeaf = async (u: UserCreds, extra: Record<string, unknown> = {}): Promise<RawConn> => {
    const c = await rawJwtConnect(leafPort(), u, { name: `raw-${raws.length}`, ...extra });
    raws.push(c);
    return c;
  };
  const refused = async (u: UserCreds, extra: Record<string, unknown> = {}): Promise<void> => {
    const c = await rawLeaf(u, extra);
    await c.waitClosed();
    assert.ok(c.data.endsWith(AUTH_ERR), c.data);
  };
  const leafsOf = (a: Acct): number => [...hub.server.leafs!.leafs.values()].filter((l) => l.account.name === a.pub && !l.closed).length;
  /** Sends an account JWT update as the system account's user (`$SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE`). */
  const update = async (a: Acct, jwt: string): Promise<void> => {
    const nc = await connect({ servers: hub.clientURL, authenticator: credsAuthenticator(admin.creds), reconnect: false });
    ncs.push(nc);
    const reply = (await nc.request(`$SYS.REQ.ACCOUNT.${a.pub}.CLAIMS.UPDATE`, jwt, { timeout: 2000 })).json<{ data?: { code?: number } }>();
    assert.equal(reply.data?.code, 200, JSON.stringify(reply));
  };

  test("a tsnats leaf with a credentials file is bound to the user's account; messages cross both ways", async () => {
    const user = await makeUser(acc, "leaf");
    const creds = join(dir, "leaf.creds");
    writeFileSync(creds, user.creds);
    const leaf = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { remotes: [{ urls: [`nats-leaf://127.0.0.1:${leafPort()}`], credentials: creds }], reconnectMs: 100 } });
    servers.push(leaf);
    await waitFor(() => leafsOf(acc) === 1 && leaf.server.leafs!.leafs.size === 1, { what: "leaf bound to A" });
    const hc = await connect({ servers: hub.clientURL, authenticator: credsAuthenticator((await makeUser(acc, "c")).creds) });
    const lc = await connect({ servers: leaf.clientURL });
    ncs.push(hc, lc);
    hc.subscribe("svc.hub", { callback: (_e, m) => void m.respond("hub") });
    lc.subscribe("svc.leaf", { callback: (_e, m) => void m.respond("leaf") });
    await Promise.all([hc.flush(), lc.flush()]);
    await waitFor(async () => (await lc.request("svc.hub", "", { timeout: 300 }).catch(() => null))?.string() === "hub", { what: "leaf -> hub request" });
    await waitFor(async () => (await hc.request("svc.leaf", "", { timeout: 300 }).catch(() => null))?.string() === "leaf", { what: "hub -> leaf request" });
    await leaf.close();
    await waitFor(() => leafsOf(acc) === 0, { what: "leaf gone" });
  });

  test("bad signature, expired, revoked, not allowed LEAFNODE, no JWT: Authorization Violation", async () => {
    const good = await makeUser(acc, "good");
    await refused(good, { sig: "AAAA" });
    await refused({ ...good, jwt: (await makeUser(acc, "expired", {}, { exp: nowSec() - 10 })).jwt });
    await refused(await makeUser(acc, "std", { allowed_connection_types: ["STANDARD"] }));
    const c = await RawConn.connect(leafPort());
    raws.push(c);
    c.send(`CONNECT {"name":"nojwt"}\r\nPING\r\n`);
    await c.waitClosed();
    assert.ok(c.data.endsWith(AUTH_ERR), c.data);
    const ok = await rawLeaf(await makeUser(acc, "leafonly", { allowed_connection_types: ["LEAFNODE"] }));
    await ok.waitFor((d) => d.includes("PONG\r\n"));
    assert.ok(!ok.data.includes("-ERR"), ok.data);
    ok.close();
    await waitFor(() => leafsOf(acc) === 0, { what: "raw leaf gone" });
  });

  test("limits.leaf 1: a second leaf of the account is refused with nats-server's error", async () => {
    const first = await rawLeaf(await makeUser(one, "l1"));
    await first.waitFor((d) => d.includes("PONG\r\n"));
    const second = await rawLeaf(await makeUser(one, "l2"));
    await second.waitClosed();
    assert.ok(second.data.endsWith(MAX_ERR), second.data);
    assert.ok(!second.data.includes(AUTH_ERR), second.data);
    assert.equal(leafsOf(one), 1);
    // Another account's leaves are not counted.
    const elsewhere = await rawLeaf(await makeUser(acc, "elsewhere"));
    await elsewhere.waitFor((d) => d.includes("PONG\r\n"));
    first.close();
    elsewhere.close();
    await waitFor(() => leafsOf(one) === 0 && leafsOf(acc) === 0, { what: "leaves gone" });
  });

  test("a live account update lowering limits.leaf refuses new leaves, keeps open ones (as nats-server 2.9.10); revoking a user closes its leaf", async () => {
    const older = await rawLeaf(await makeUser(two, "older"));
    await older.waitFor((d) => d.includes("PONG\r\n"));
    const newer = await rawLeaf(await makeUser(two, "newer"));
    await newer.waitFor((d) => d.includes("PONG\r\n"));
    assert.equal(leafsOf(two), 2);
    await update(two, await encodeAccount("TWO", two.kp, { limits: { ...NO_LIMITS, leaf: 1 } }, { signer: op.kp }));
    const third = await rawLeaf(await makeUser(two, "third"));
    await third.waitClosed();
    assert.ok(third.data.endsWith(MAX_ERR), third.data);
    assert.equal(older.closed || newer.closed, false);
    assert.equal(leafsOf(two), 2);
    older.close();
    newer.close();

    const kp = createUser();
    const jwt = await encodeUser("victim", kp, rev.kp);
    const victim = await rawLeaf({ kp, jwt, creds: fmtCreds(jwt, kp) });
    await victim.waitFor((d) => d.includes("PONG\r\n"));
    await update(rev, await encodeAccount("REV", rev.kp, { limits: NO_LIMITS, revocations: { [kp.getPublicKey()]: nowSec() + 5 } }, { signer: op.kp }));
    await victim.waitClosed();
    assert.ok(victim.data.endsWith("-ERR 'User Authentication Revoked'\r\n"), victim.data);
  });

  test("a leaf whose user JWT expires is closed with User Authentication Expired", async () => {
    const c = await rawLeaf(await makeUser(acc, "short", {}, { exp: nowSec() + 2 }));
    await c.waitFor((d) => d.includes("PONG\r\n"));
    await c.waitClosed(6000);
    assert.ok(c.data.endsWith("-ERR 'User Authentication Expired'\r\n"), c.data);
  });
});

describe("config users on the leafnodes port", () => {
  test("allowed_connection_types without LEAFNODE refuses the leaf; with it, the leaf is accepted", async () => {
    const config = `authorization { users: [ { user: std, password: p, allowed_connection_types: ["STANDARD"] }, { user: lf, password: p, allowed_connection_types: ["LEAFNODE"] } ] }`;
    const s = await startServer({ port: -1, host: "127.0.0.1", config, leafnodes: { host: "127.0.0.1", port: -1 } });
    try {
      const login = async (user: string): Promise<RawConn> => {
        const c = await RawConn.connect(s.server.leafs!.listenPort);
        c.send(`CONNECT {"user":"${user}","pass":"p","name":"${user}"}\r\nPING\r\n`);
        await c.waitFor((d) => d.includes("PONG\r\n") || d.includes("-ERR"));
        return c;
      };
      const std = await login("std");
      await std.waitClosed();
      assert.ok(std.data.endsWith(AUTH_ERR), std.data);
      const lf = await login("lf");
      assert.ok(lf.data.includes("PONG\r\n") && !lf.data.includes("-ERR"), lf.data);
      lf.close();
    } finally {
      await s.close();
    }
  });
});

describe("a tsnats hub in operator mode with a URL resolver", () => {
  test("a leaf's account JWT is fetched before its CONNECT is answered; an unknown account is refused", async () => {
    const op = await makeOperator();
    const a = await makeAccount(op, "A");
    const stranger = await makeAccount(op, "X");
    const jwts = new Map([op.sys, a].map((x) => [x.pub, x.jwt]));
    const hits: string[] = [];
    const web = http.createServer((req, res) => {
      const key = (req.url ?? "").split("/").pop() ?? "";
      hits.push(key);
      const jwt = jwts.get(key);
      if (jwt === undefined) res.writeHead(404).end("not found");
      else res.writeHead(200, { "content-type": "application/jwt" }).end(jwt);
    });
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/jwt/v1/accounts/`;
    const config = `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver: URL("${url}")\n`;
    const s = await startServer({ port: 0, host: "127.0.0.1", config, leafnodes: { host: "127.0.0.1", port: -1 } });
    try {
      assert.equal(hits.includes(a.pub), false);
      const ok = await rawJwtConnect(s.server.leafs!.listenPort, await makeUser(a, "leaf"), { name: "url-leaf" });
      await ok.waitFor((d) => d.includes("PONG\r\n"));
      assert.ok(!ok.data.includes("-ERR"), ok.data);
      assert.ok(hits.includes(a.pub));
      assert.equal([...s.server.leafs!.leafs.values()][0]?.account.name, a.pub);
      ok.close();
      const no = await rawJwtConnect(s.server.leafs!.listenPort, await makeUser(stranger, "x"), { name: "stranger" });
      await no.waitClosed();
      assert.ok(no.data.endsWith(AUTH_ERR), no.data);
    } finally {
      await s.close();
      web.closeAllConnections();
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });
});
