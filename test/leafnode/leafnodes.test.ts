/**
 * Leaf nodes between tsnats servers in one process: messages, queue groups and requests
 * across the link both ways, a leaf bound to one hub account, redial after the hub
 * restarts, loop detection, a hub cluster carrying a leaf's interest. Bad input on the
 * leafnode port is in leaf-wire.test.ts, side by side with nats-server.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";
import { startCluster } from "../helpers/cluster.js";
import { CaptureLogger } from "../helpers/capture-logger.js";
import { waitFor } from "../helpers/wait-for.js";
import { freePort } from "../helpers/nats-server.js";

const servers: NatsServer[] = [];
const conns: NatsConnection[] = [];
after(async () => {
  await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.close()));
});

async function server(opts: StartServerOptions): Promise<NatsServer> {
  const s = await startServer({ port: -1, host: "127.0.0.1", ...opts });
  servers.push(s);
  return s;
}
async function nc(s: NatsServer, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const c = await connect({ servers: s.clientURL, ...opts });
  conns.push(c);
  return c;
}
function hub(opts: StartServerOptions = {}): Promise<NatsServer> {
  return server({ leafnodes: { host: "127.0.0.1", port: -1 }, ...opts });
}
function leafOf(h: NatsServer, url = `nats-leaf://127.0.0.1:${h.server.leafs!.listenPort}`, opts: StartServerOptions = {}): Promise<NatsServer> {
  return server({ leafnodes: { remotes: [{ urls: [url] }], reconnectMs: 100 }, ...opts });
}
/** Waits until `subject` has interest on `s` (a subscription across the link has arrived). */
function interest(s: NatsServer, subject: string, account = "$G"): Promise<unknown> {
  return waitFor(() => s.server.accounts.get(account)!.sublist.hasInterest(subject), { what: `interest in ${subject}` });
}
function linked(h: NatsServer, l: NatsServer): Promise<unknown> {
  return waitFor(() => h.server.leafs!.leafs.size > 0 && l.server.leafs!.leafs.size > 0, { what: "leaf connected" });
}

describe("a leaf and its hub", () => {
  test("messages, requests and a queue group cross the link both ways, each once", async () => {
    const h = await hub();
    const l = await leafOf(h);
    await linked(h, l);
    const [hc, lc] = [await nc(h), await nc(l)];
    const got: string[] = [];
    hc.subscribe("x", { callback: (_e, m) => void got.push(`hub<-${m.string()}`) });
    lc.subscribe("x", { callback: (_e, m) => void got.push(`leaf<-${m.string()}`) });
    hc.subscribe("svc.hub", { callback: (_e, m) => void m.respond("hub") });
    lc.subscribe("svc.leaf", { callback: (_e, m) => void m.respond("leaf") });
    await Promise.all([hc.flush(), lc.flush()]);
    await Promise.all([interest(h, "x"), interest(l, "x"), interest(h, "svc.leaf"), interest(l, "svc.hub")]);
    await waitFor(() => h.server.accounts.get("$G")!.sublist.match("x").psubs.length === 2);
    await waitFor(() => l.server.accounts.get("$G")!.sublist.match("x").psubs.length === 2);
    hc.publish("x", "H");
    lc.publish("x", "L");
    await waitFor(() => got.length === 4);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got.sort(), ["hub<-H", "hub<-L", "leaf<-H", "leaf<-L"]);
    assert.equal((await hc.request("svc.leaf", "", { timeout: 2000 })).string(), "leaf");
    assert.equal((await lc.request("svc.hub", "", { timeout: 2000 })).string(), "hub");

    // A queue group with members only on the other side of the link, both ways.
    const q: string[] = [];
    for (let i = 0; i < 2; i++) lc.subscribe("jobs.l", { queue: "w", callback: (_e, m) => void q.push(m.string()) });
    hc.subscribe("jobs.h", { queue: "w", callback: (_e, m) => void q.push(m.string()) });
    await Promise.all([hc.flush(), lc.flush()]);
    await Promise.all([interest(h, "jobs.l"), interest(l, "jobs.h")]);
    for (let i = 0; i < 100; i++) {
      hc.publish("jobs.l", `l${i}`);
      lc.publish("jobs.h", `h${i}`);
    }
    await waitFor(() => q.length >= 200, { what: `200 queue deliveries, ${q.length}` });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(q.length, 200);
    assert.equal(new Set(q).size, 200);
  });

  test("a queue group with members on both sides gets each message once", async () => {
    const h = await hub();
    const l = await leafOf(h);
    await linked(h, l);
    const [hc, lc] = [await nc(h), await nc(l)];
    const got: string[] = [];
    hc.subscribe("both", { queue: "g", callback: (_e, m) => void got.push(`h:${m.string()}`) });
    lc.subscribe("both", { queue: "g", callback: (_e, m) => void got.push(`l:${m.string()}`) });
    await Promise.all([hc.flush(), lc.flush()]);
    await waitFor(() => h.server.accounts.get("$G")!.sublist.match("both").qsubs[0]?.length === 2);
    await waitFor(() => l.server.accounts.get("$G")!.sublist.match("both").qsubs[0]?.length === 2);
    for (let i = 0; i < 200; i++) (i % 2 === 0 ? hc : lc).publish("both", String(i));
    await Promise.all([hc.flush(), lc.flush()]);
    await waitFor(() => got.length >= 200);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 200);
    assert.equal(new Set(got.map((g) => g.split(":")[1])).size, 200);
  });

  test("the leaf redials after the hub restarts and its interest comes back", async () => {
    const h1 = await hub();
    const leafPort = h1.server.leafs!.listenPort;
    const clientPort = h1.port;
    const l = await leafOf(h1);
    await linked(h1, l);
    const lc = await nc(l);
    lc.subscribe("back", { callback: (_e, m) => void m.respond("leaf is back") });
    await lc.flush();
    await interest(h1, "back");
    await h1.close();
    await waitFor(() => l.server.leafs!.leafs.size === 0);
    const h2 = await hub({ port: clientPort, leafnodes: { host: "127.0.0.1", port: leafPort } });
    await linked(h2, l);
    await interest(h2, "back");
    const hc = await nc(h2);
    assert.equal((await hc.request("back", "", { timeout: 2000 })).string(), "leaf is back");
  });

  test("a leaf bound to one hub account sees only that account", async () => {
    const h = await hub({
      config: `accounts { A: { users: [ { user: a, password: pa } ] }, B: { users: [ { user: b, password: pb } ] } }`,
      leafnodes: { host: "127.0.0.1", port: -1 },
    });
    const l = await leafOf(h, `nats-leaf://a:pa@127.0.0.1:${h.server.leafs!.listenPort}`);
    await linked(h, l);
    assert.equal([...h.server.leafs!.leafs.values()][0]!.account.name, "A");
    const lc = await nc(l);
    const got: string[] = [];
    lc.subscribe("news", { callback: (_e, m) => void got.push(m.string()) });
    await lc.flush();
    await interest(h, "news", "A");
    assert.equal(h.server.accounts.get("B")!.sublist.hasInterest("news"), false);
    const ca = await nc(h, { user: "a", pass: "pa" });
    const cb = await nc(h, { user: "b", pass: "pb" });
    cb.publish("news", "for B");
    ca.publish("news", "for A");
    await Promise.all([ca.flush(), cb.flush()]);
    await waitFor(() => got.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got, ["for A"]);
  });

  test("a leaf client's account pings reach the hub's system imports, and a hub client's reach the leaf's", async () => {
    const h = await hub({ config: `accounts { A: { users: [ { user: a, password: pa } ] } }`, leafnodes: { host: "127.0.0.1", port: -1 } });
    const l = await leafOf(h, `nats-leaf://a:pa@127.0.0.1:${h.server.leafs!.listenPort}`);
    await linked(h, l);
    const lc = await nc(l, { name: "leaf-side" });
    const hc = await nc(h, { user: "a", pass: "pa", name: "hub-side" });
    // Each side told the other of the system import subjects (LS+), as nats-server's import subscriptions.
    await Promise.all([interest(h, "$SYS.REQ.ACCOUNT.PING.CONNZ", "A"), interest(l, "$SYS.REQ.ACCOUNT.PING.STATZ")]);
    type Answer = { server: { id: string }; data: { account_statz: Array<{ acc: string; conns: number }> } };
    for (const from of [lc, hc]) {
      const answers: Answer[] = [];
      for await (const m of await from.requestMany("$SYS.REQ.ACCOUNT.PING.STATZ", "", { maxWait: 500 })) answers.push(m.json<Answer>());
      const byServer = new Map(answers.map((a) => [a.server.id, a.data.account_statz.map((r) => `${r.acc}:${r.conns}`)]));
      assert.deepEqual(byServer, new Map([[h.server.id, ["A:1"]], [l.server.id, ["$G:1"]]]));
    }
    // USER.INFO (nats-server 2.10's import, LS+ like the others): the requester's server
    // answers with the requester, the hub with the leaf connection's user and account.
    await interest(l, "$SYS.REQ.USER.INFO");
    type Info = { server: { id: string }; data: { user: string; account: string } };
    const infos: Info[] = [];
    for await (const m of await lc.requestMany("$SYS.REQ.USER.INFO", "", { maxWait: 500 })) infos.push(m.json<Info>());
    const who = new Map(infos.map((i) => [i.server.id, `${i.data.user}@${i.data.account}`]));
    assert.deepEqual(who, new Map([[l.server.id, "@$G"], [h.server.id, "a@A"]]));
  });

  test("a wrong password never binds", async () => {
    const log = new CaptureLogger();
    const h = await hub({ leafnodes: { host: "127.0.0.1", port: -1, username: "leaf", password: "right" }, logger: log });
    const l = await leafOf(h, `nats-leaf://leaf:wrong@127.0.0.1:${h.server.leafs!.listenPort}`);
    await waitFor(() => log.has("authentication error"));
    assert.equal(h.server.leafs!.leafs.size, 0);
    assert.equal(l.server.leafs!.leafs.size, 0);
  });

  test("a loop is detected by the account's $LDS subject and the link dropped", async () => {
    const log = new CaptureLogger();
    const ports = [await freePort(), await freePort(), await freePort()];
    // A → B → C → A, each the leaf of the next.
    for (let i = 0; i < 3; i++) {
      await server({
        logger: i === 0 ? log : false,
        leafnodes: { host: "127.0.0.1", port: ports[i]!, remotes: [{ urls: [`nats-leaf://127.0.0.1:${ports[(i + 1) % 3]}`] }], reconnectMs: 100 },
      });
    }
    await waitFor(() => log.has("Loop detected for leafnode account"), { timeoutMs: 10_000, what: "loop detected" });
  });
});

describe("a hub cluster", () => {
  test("a leaf's interest reaches the whole cluster, and messages from every node reach it", async () => {
    const cl = await startCluster(2, "hubs", { leafnodes: { host: "127.0.0.1", port: -1 } });
    try {
      const l = await leafOf(cl.nodes[0]!);
      await linked(cl.nodes[0]!, l);
      const lc = await nc(l);
      const got: string[] = [];
      lc.subscribe("far", { callback: (_e, m) => void got.push(m.string()) });
      lc.subscribe("svc.far", { callback: (_e, m) => void m.respond("leaf") });
      await lc.flush();
      await interest(cl.nodes[1]!, "far");
      await interest(cl.nodes[1]!, "svc.far");
      const c1 = await nc(cl.nodes[1]!);
      c1.publish("far", "from node 1");
      await waitFor(() => got.length === 1);
      assert.equal((await c1.request("svc.far", "", { timeout: 2000 })).string(), "leaf");
      const c1sub: string[] = [];
      c1.subscribe("near", { callback: (_e, m) => void c1sub.push(m.string()) });
      await c1.flush();
      await interest(l, "near");
      lc.publish("near", "from the leaf");
      await waitFor(() => c1sub.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got, ["from node 1"]);
      assert.deepEqual(c1sub, ["from the leaf"]);
      // The hub cluster's leafnode URLs reached the leaf, for failover.
      const remote = l.server.leafs!.remotes[0]!;
      await waitFor(() => remote.urls.length === 2, { what: "both hub URLs known" });
    } finally {
      await cl.close();
    }
  });
});
