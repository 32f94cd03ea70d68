/**
 * Account connection events in a tsnats cluster (nats-server events.go accConnsUpdate,
 * remoteConnsUpdate; accounts.go updateRemoteServer): every change of an account's local
 * connections is announced on `$SYS.SERVER.ACCOUNT.<acc>.CONNS` and
 * `$SYS.ACCOUNT.<acc>.SERVER.CONNS` with nats-server's JSON; the other servers' counts make
 * the JWT's `conn` and `leaf` limits cluster-wide, and are dropped when their server shuts
 * down. Also the leaf side of operator-mode limits: a live update lowering `conn` closes the
 * newest connection, leaf or client; the JWT's `subs` and `payload` apply to a leaf.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { NatsServer } from "../../src/index.js";
import { routePort, startNode, waitMeshed } from "../helpers/cluster.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, NO_LIMITS, operatorConfig, rawJwtConnect, type Acct, type Op, type UserCreds } from "../auth/jwt/fixtures.js";

const MAX_ERR = "-ERR 'maximum account active connections exceeded'\r\n";

describe("account connection events in a tsnats cluster", () => {
  let op: Op;
  let lim: Acct; // conn 2, leaf 1
  let u: UserCreds;
  let admin: UserCreds;
  const nodes: NatsServer[] = [];
  const raws: RawConn[] = [];
  const ncs: NatsConnection[] = [];

  before(async () => {
    op = await makeOperator();
    lim = await makeAccount(op, "LIM", { limits: { ...NO_LIMITS, conn: 2, leaf: 1 } });
    u = await makeUser(lim, "u");
    admin = await makeUser(op.sys, "admin");
    const config = operatorConfig(op, [lim]);
    nodes.push(await startNode("conns", [], { config, leafnodes: { host: "127.0.0.1", port: -1 } }));
    const seed = `nats-route://127.0.0.1:${routePort(nodes[0]!)}`;
    nodes.push(await startNode("conns", [seed], { config, leafnodes: { host: "127.0.0.1", port: -1 } }));
    await waitMeshed(nodes);
  });
  after(async () => {
    for (const r of raws) r.close();
    await Promise.all(ncs.map((nc) => nc.close().catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.close()));
  });

  const raw = async (port: number, extra: Record<string, unknown> = {}): Promise<RawConn> => {
    const c = await rawJwtConnect(port, u, extra);
    raws.push(c);
    return c;
  };
  const account = (n: NatsServer) => n.server.accounts.get(lim.pub)!;
  const remote = (n: NatsServer): number => n.server.accountConns.remoteClients(account(n));
  const sysConn = async (n: NatsServer): Promise<NatsConnection> => {
    const nc = await connect({ port: n.port, authenticator: credsAuthenticator(admin.creds), reconnect: false });
    ncs.push(nc);
    return nc;
  };

  test("a connection is announced on both subjects with nats-server's account_connections JSON", async () => {
    const sys = await sysConn(nodes[0]!);
    const got: Array<{ subject: string; data: Record<string, unknown> }> = [];
    const subs = [`$SYS.ACCOUNT.${lim.pub}.SERVER.CONNS`, `$SYS.SERVER.ACCOUNT.${lim.pub}.CONNS`].map((s) =>
      sys.subscribe(s, { callback: (_e, m) => void got.push({ subject: m.subject, data: m.json() }) }),
    );
    await sys.flush();
    await waitFor(() => nodes[1]!.server.systemAccount.sublist.hasInterest(`$SYS.ACCOUNT.${lim.pub}.SERVER.CONNS`), { what: "event interest on node 1" });
    const c = await raw(nodes[1]!.port);
    assert.ok(c.data.includes("PONG"), c.data);
    await waitFor(() => got.length >= 2, { what: "two events" });
    assert.deepEqual(got.map((g) => g.subject).sort(), [`$SYS.ACCOUNT.${lim.pub}.SERVER.CONNS`, `$SYS.SERVER.ACCOUNT.${lim.pub}.CONNS`]);
    const ev = got[0]!.data;
    assert.deepEqual(Object.keys(ev), ["type", "id", "timestamp", "server", "acc", "conns", "leafnodes", "total_conns", "num_subscriptions", "sent", "received", "slow_consumers"]);
    assert.equal(ev.type, "io.nats.server.advisory.v1.account_connections");
    assert.equal((ev.server as { id: string }).id, nodes[1]!.server.id);
    assert.equal(ev.acc, lim.pub);
    assert.equal(ev.conns, 1);
    assert.equal(ev.leafnodes, 0);
    assert.equal(ev.total_conns, 1);
    await waitFor(() => remote(nodes[0]!) === 1, { what: "node 0 counts node 1's client" });
    c.close();
    await waitFor(() => remote(nodes[0]!) === 0, { what: "node 0 sees it go" });
    await waitFor(() => got.some((g) => g.data.conns === 0), { what: "the event of zero" });
    for (const sub of subs) sub.unsubscribe();
  });

  test("conn 2 holds across the cluster: one client on each server, a third is refused on either", async () => {
    const a = await raw(nodes[0]!.port);
    const b = await raw(nodes[1]!.port);
    assert.ok(a.data.includes("PONG") && b.data.includes("PONG"));
    await waitFor(() => remote(nodes[0]!) === 1 && remote(nodes[1]!) === 1, { what: "both servers count the other's client" });
    for (const n of nodes) {
      const c = await raw(n.port);
      await c.waitClosed();
      assert.ok(c.data.endsWith(MAX_ERR), c.data);
    }
    b.close();
    await waitFor(() => remote(nodes[0]!) === 0, { what: "node 0 sees node 1's client go" });
    const again = await raw(nodes[0]!.port);
    assert.ok(again.data.includes("PONG"), again.data);
    again.close();
    a.close();
    await waitFor(() => remote(nodes[1]!) === 0, { what: "node 1 sees both go" });
  });

  test("leaf 1 holds across the cluster: a leaf on one hub, a second leaf on the other is refused", async () => {
    const leafPort = (n: NatsServer): number => n.server.leafs!.listenPort;
    const first = await raw(leafPort(nodes[0]!), { name: "spoke-1" });
    assert.ok(first.data.includes("PONG"), first.data);
    await waitFor(() => nodes[1]!.server.accountConns.remoteLeafs(account(nodes[1]!)) === 1, { what: "node 1 counts node 0's leaf" });
    const second = await raw(leafPort(nodes[1]!), { name: "spoke-2" });
    await second.waitClosed();
    assert.ok(second.data.endsWith(MAX_ERR), second.data);
    // The leaf counts against `conn` too (nats-server: the account's clients include leaves).
    const client = await raw(nodes[1]!.port);
    assert.ok(client.data.includes("PONG"), client.data);
    await waitFor(() => remote(nodes[0]!) === 1, { what: "node 0 counts the client" });
    const third = await raw(nodes[0]!.port);
    await third.waitClosed();
    assert.ok(third.data.endsWith(MAX_ERR), third.data);
    first.close();
    client.close();
    await waitFor(() => nodes[1]!.server.accountConns.remoteLeafs(account(nodes[1]!)) === 0 && remote(nodes[0]!) === 0, { what: "counts back to 0" });
  });

  test("bad events are ignored: no JSON, our own id, negative counts", async () => {
    const sys = await sysConn(nodes[0]!);
    const subject = `$SYS.SERVER.ACCOUNT.${lim.pub}.CONNS`;
    sys.publish(subject, "not json");
    sys.publish(subject, JSON.stringify({ server: { id: nodes[1]!.server.id }, acc: lim.pub, conns: -5, leafnodes: -1 }));
    sys.publish(subject, JSON.stringify({ server: { id: nodes[0]!.server.id }, acc: lim.pub, conns: 7 }));
    await sys.flush();
    const probe = await raw(nodes[0]!.port);
    assert.ok(probe.data.includes("PONG"), probe.data);
    assert.equal(remote(nodes[0]!), 0);
    probe.close();
  });

  test("a server that shuts down is forgotten: its clients no longer count", async () => {
    const extra = await startNode("conns", [`nats-route://127.0.0.1:${routePort(nodes[0]!)}`], { config: operatorConfig(op, [lim]) });
    await waitMeshed([...nodes, extra]);
    const c = await raw(extra.port);
    const c2 = await raw(extra.port);
    assert.ok(c.data.includes("PONG") && c2.data.includes("PONG"));
    await waitFor(() => remote(nodes[0]!) === 2, { what: "node 0 counts the two" });
    const refused = await raw(nodes[0]!.port);
    await refused.waitClosed();
    assert.ok(refused.data.endsWith(MAX_ERR), refused.data);
    await extra.close();
    await waitFor(() => remote(nodes[0]!) === 0, { what: "node 0 forgets the stopped server" });
    const ok = await raw(nodes[0]!.port);
    assert.ok(ok.data.includes("PONG"), ok.data);
    ok.close();
  });
});

describe("operator-mode limits on a hub's leaf connections", () => {
  let op: Op;
  let acc: Acct;
  let admin: UserCreds;
  let hub: NatsServer;
  const raws: RawConn[] = [];
  const ncs: NatsConnection[] = [];

  before(async () => {
    op = await makeOperator();
    acc = await makeAccount(op, "L", { limits: { ...NO_LIMITS, conn: 3, subs: 2, payload: 16 } });
    admin = await makeUser(op.sys, "admin");
    const { startServer } = await import("../../src/index.js");
    hub = await startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [acc]), leafnodes: { host: "127.0.0.1", port: -1 } });
  });
  after(async () => {
    for (const r of raws) r.close();
    await Promise.all(ncs.map((nc) => nc.close().catch(() => undefined)));
    await hub.close();
  });

  const rawLeaf = async (u: UserCreds, name: string): Promise<RawConn> => {
    const c = await rawJwtConnect(hub.server.leafs!.listenPort, u, { name });
    raws.push(c);
    return c;
  };
  const update = async (a: Acct, jwt: string): Promise<void> => {
    const nc = await connect({ port: hub.port, authenticator: credsAuthenticator(admin.creds), reconnect: false });
    ncs.push(nc);
    const reply = (await nc.request(`$SYS.REQ.ACCOUNT.${a.pub}.CLAIMS.UPDATE`, jwt, { timeout: 2000 })).json<{ data?: { code?: number } }>();
    assert.equal(reply.data?.code, 200, JSON.stringify(reply));
  };

  test("subs: an LS+ past the account's limit is answered and ignored; the leaf stays", async () => {
    const u = await makeUser(acc, "subs");
    const leaf = await rawLeaf(u, "subs-leaf");
    assert.ok(leaf.data.includes("PONG"), leaf.data);
    leaf.send("LS+ a\r\nLS+ b\r\nLS+ c\r\nPING\r\n");
    await leaf.waitFor((d) => d.split("PONG").length > 2);
    assert.ok(leaf.data.includes("-ERR 'maximum subscriptions exceeded'\r\n"), leaf.data);
    const l = [...hub.server.leafs!.leafs.values()].find((x) => x.remoteName === "subs-leaf")!;
    assert.deepEqual([...l.subs.keys()].sort(), ["a", "b"]);
    assert.equal(l.closed, false);
    leaf.close();
  });

  test("payload: an LMSG past the account's limit is a Maximum Payload Violation (nats-server 2.14)", async () => {
    const u = await makeUser(acc, "pay");
    const leaf = await rawLeaf(u, "pay-leaf");
    leaf.send("LMSG x 4\r\nabcd\r\nPING\r\n");
    await leaf.waitFor((d) => d.split("PONG").length > 2);
    leaf.send(`LMSG x 17\r\n${"y".repeat(17)}\r\n`);
    await leaf.waitClosed();
    assert.ok(leaf.data.endsWith("-ERR 'Maximum Payload Violation'\r\n"), leaf.data);
  });

  test("a live update lowering conn closes the newest connections, leaves included", async () => {
    const u = await makeUser(acc, "many");
    const client = await rawJwtConnect(hub.port, u);
    raws.push(client);
    const leaf = await rawLeaf(u, "newest-leaf");
    assert.ok(client.data.includes("PONG") && leaf.data.includes("PONG"));
    const lowered = await makeAccount(op, "L", { limits: { ...NO_LIMITS, conn: 1, subs: 2, payload: 16 } }, { kp: acc.kp });
    await update(acc, lowered.jwt);
    await leaf.waitClosed();
    assert.ok(leaf.data.endsWith(MAX_ERR), leaf.data);
    client.send("PING\r\n");
    await client.waitFor((d) => d.split("PONG").length > 2);
  });
});

describe("account connection events across gateways", () => {
  test("conn 2 holds across a supercluster: a client in each cluster, a third is refused", async () => {
    const { startSuperCluster } = await import("../helpers/supercluster.js");
    const op = await makeOperator();
    const lim = await makeAccount(op, "LIM", { limits: { ...NO_LIMITS, conn: 2 } });
    const u = await makeUser(lim, "u");
    const sc = await startSuperCluster(["east", "west"], [1, 1], { config: operatorConfig(op, [lim]) });
    const raws: RawConn[] = [];
    try {
      const [east, west] = [sc.clusters[0]![0]!, sc.clusters[1]![0]!];
      const remote = (n: NatsServer): number => n.server.accountConns.remoteClients(n.server.accounts.get(lim.pub)!);
      const a = await rawJwtConnect(east.port, u);
      raws.push(a);
      await waitFor(() => remote(west) === 1, { timeoutMs: 10_000, what: "west counts east's client" });
      const b = await rawJwtConnect(west.port, u);
      raws.push(b);
      assert.ok(a.data.includes("PONG") && b.data.includes("PONG"));
      await waitFor(() => remote(east) === 1, { timeoutMs: 10_000, what: "east counts west's client" });
      const third = await rawJwtConnect(east.port, u);
      raws.push(third);
      await third.waitClosed();
      assert.ok(third.data.endsWith(MAX_ERR), third.data);
    } finally {
      for (const r of raws) r.close();
      await sc.close();
    }
  });
});
