/**
 * Superclusters of tsnats in one process: 2 clusters of 2 servers (and a third cluster for
 * the no-loop rule), linked by gateways that mesh by gossip from one configured URL.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { startGatewayNode, startSuperCluster, waitGatewayInterest, type SuperCluster } from "../helpers/supercluster.js";
import { waitFor } from "../helpers/wait-for.js";

function nc(s: NatsServer): Promise<NatsConnection> {
  return connect({ servers: `127.0.0.1:${s.server.listenPort}` });
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("a supercluster of two clusters of two", () => {
  let sc: SuperCluster;
  let conns: NatsConnection[] = [];
  let a1: NatsConnection, a2: NatsConnection, b1: NatsConnection, b2: NatsConnection;

  before(async () => {
    sc = await startSuperCluster(["A", "B"], [2, 2]);
    conns = await Promise.all(sc.all.map((s) => nc(s)));
    [a1, a2, b1, b2] = conns as [NatsConnection, NatsConnection, NatsConnection, NatsConnection];
  });

  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await sc.close();
  });

  test("gateways mesh from one configured URL: every server dials every other cluster", () => {
    for (const n of sc.all) {
      const gm = n.server.gateways!;
      assert.equal(gm.out.size, 1);
      const other = gm.name === "A" ? "B" : "A";
      assert.ok(gm.out.has(other));
    }
    // Only B's seed was configured: the others learned A or B by gossip.
    assert.equal(sc.clusters[0]![1]!.server.gateways!.remotes.get("B")!.implicit, true);
  });

  test("messages cross in both directions, to every server of the other cluster", async () => {
    const got: string[] = [];
    for (const [i, c] of conns.entries()) c.subscribe("x.>", { callback: (_e, m) => void got.push(`${i}:${m.string()}`) });
    await Promise.all(conns.map((c) => c.flush()));
    await waitGatewayInterest(sc, "A", "x.>");
    await waitGatewayInterest(sc, "B", "x.>");
    a1.publish("x.1", "fromA");
    b2.publish("x.2", "fromB");
    await Promise.all([a1.flush(), b2.flush()]);
    await waitFor(() => got.length >= 8, { what: `8 deliveries, got ${got.length}` });
    await pause(100);
    assert.deepEqual(got.sort(), ["0:fromA", "0:fromB", "1:fromA", "1:fromB", "2:fromA", "2:fromB", "3:fromA", "3:fromB"]);
  });

  test("request/reply across clusters, from every server", async () => {
    b2.subscribe("svc.echo", { callback: (_e, m) => void m.respond(`b2:${m.string()}`) });
    await b2.flush();
    await waitGatewayInterest(sc, "B", "svc.echo");
    for (const [i, c] of [a1, a2, b1].entries()) {
      const r = await c.request("svc.echo", `q${i}`, { timeout: 3000 });
      assert.equal(r.string(), `b2:q${i}`);
    }
  });

  test("a reply subject made just now still finds its way back (_GR_ mapping)", async () => {
    a2.subscribe("svc.a2", { callback: (_e, m) => void m.respond("from-a2") });
    await a2.flush();
    await waitGatewayInterest(sc, "A", "svc.a2");
    // A new connection's inbox is new: A may not know of it yet, the mapped reply routes it home.
    const fresh = await nc(sc.clusters[1]![0]!);
    try {
      assert.equal((await fresh.request("svc.a2", "", { timeout: 3000 })).string(), "from-a2");
      // a2 remembered the plain reply it handed its client, for the response.
      assert.ok(sc.clusters[0]![1]!.server.gateways!.replies.size > 0);
    } finally {
      await fresh.close();
    }
  });

  test("queue groups: each message once, served by the local cluster first", async () => {
    const got: string[] = [];
    for (const [i, c] of conns.entries()) c.subscribe("work", { queue: "w", callback: (_e, m) => void got.push(`${i}:${m.string()}`) });
    await Promise.all(conns.map((c) => c.flush()));
    await waitGatewayInterest(sc, "A", "work", "w");
    await waitGatewayInterest(sc, "B", "work", "w");
    for (let i = 0; i < 100; i++) (i % 2 === 0 ? a1 : b1).publish("work", String(i));
    await Promise.all([a1.flush(), b1.flush()]);
    await waitFor(() => got.length >= 100, { what: `100 queue deliveries, got ${got.length}` });
    await pause(150);
    assert.equal(got.length, 100);
    assert.equal(new Set(got.map((g) => g.split(":")[1])).size, 100);
    for (const g of got) {
      const [node, n] = g.split(":").map(Number) as [number, number];
      // Published in A (even) stays in A (nodes 0, 1); in B (odd) stays in B (nodes 2, 3).
      assert.equal(node < 2, n % 2 === 0, `message ${n} went to node ${node}`);
    }
  });

  test("a queue group with members in the other cluster only gets each message once", async () => {
    const got: string[] = [];
    b1.subscribe("far.work", { queue: "fw", callback: (_e, m) => void got.push(m.string()) });
    b2.subscribe("far.work", { queue: "fw", callback: (_e, m) => void got.push(m.string()) });
    await Promise.all([b1.flush(), b2.flush()]);
    await waitGatewayInterest(sc, "B", "far.work", "fw");
    for (let i = 0; i < 60; i++) (i % 2 === 0 ? a1 : a2).publish("far.work", String(i));
    await Promise.all([a1.flush(), a2.flush()]);
    await waitFor(() => got.length >= 60, { what: `60 deliveries, got ${got.length}` });
    await pause(150);
    assert.equal(got.length, 60);
    assert.equal(new Set(got).size, 60);
  });

  test("interest leaves the other cluster when the subscriber goes", async () => {
    const sub = b2.subscribe("gone.soon");
    await b2.flush();
    await waitGatewayInterest(sc, "B", "gone.soon");
    sub.unsubscribe();
    await b2.flush();
    await waitFor(() => sc.clusters[0]!.every((n) => !n.server.gateways!.out.get("B")!.outsim!.interest("$G", "gone.soon")));
  });

  test("no interest anywhere: nothing crosses (interest-only mode)", async () => {
    const before = sc.clusters[1]!.reduce((k, n) => k + n.server.inMsgs, 0);
    for (let i = 0; i < 50; i++) a1.publish(`nobody.${i}`, "x");
    await a1.flush();
    await pause(100);
    assert.equal(sc.clusters[1]!.reduce((k, n) => k + n.server.inMsgs, 0), before);
  });
});

describe("three clusters", () => {
  test("a message from a gateway never goes back out to gateways: one copy per cluster", async () => {
    const sc = await startSuperCluster(["A", "B", "C"], [1, 1, 1]);
    const [ca, cb, cc] = await Promise.all(sc.all.map((s) => nc(s)));
    try {
      const got: string[] = [];
      cb!.subscribe("tri", { callback: (_e, m) => void got.push(`B:${m.string()}`) });
      cc!.subscribe("tri", { callback: (_e, m) => void got.push(`C:${m.string()}`) });
      await Promise.all([cb!.flush(), cc!.flush()]);
      await waitGatewayInterest(sc, "B", "tri");
      await waitGatewayInterest(sc, "C", "tri");
      for (let i = 0; i < 20; i++) ca!.publish("tri", String(i));
      await ca!.flush();
      await waitFor(() => got.length >= 40, { what: `40 deliveries, got ${got.length}` });
      await pause(200);
      assert.equal(got.length, 40);
      assert.equal(new Set(got).size, 40);
    } finally {
      await Promise.all([ca, cb, cc].map((c) => c!.close()));
      await sc.close();
    }
  });
});

describe("optimistic mode", () => {
  test("RS- for subjects nobody wants, then the account switches to interest-only", async () => {
    const sc = await startSuperCluster(["A", "B"], [1, 1], { gateway: { optimistic: true } } as never);
    const [ca, cb] = await Promise.all(sc.all.map((s) => nc(s)));
    try {
      const out = sc.clusters[0]![0]!.server.gateways!.out.get("B")!;
      // B has a subscriber in $G, so no A-: one RS- per subject nobody wants.
      const got: string[] = [];
      cb!.subscribe("wanted", { callback: (_e, m) => void got.push(m.string()) });
      await cb!.flush();
      ca!.publish("unwanted.0", "x");
      await ca!.flush();
      await waitFor(() => out.outsim!.accounts.get("$G")?.ni?.has("unwanted.0") === true, { what: "RS- for unwanted.0" });
      // Optimistic: a subject B never said no to still crosses.
      ca!.publish("wanted", "hello");
      await ca!.flush();
      await waitFor(() => got.length === 1);
      // 1000 RS- later, B sends every subscription instead and the account is interest-only.
      for (let i = 1; i <= 1001; i++) ca!.publish(`unwanted.${i}`, "x");
      await ca!.flush();
      await waitFor(() => out.outsim!.accounts.get("$G")?.mode === 2, { timeoutMs: 10_000, what: "interest-only mode" });
      assert.equal(out.outsim!.interest("$G", "wanted"), true);
      assert.equal(out.outsim!.interest("$G", "unwanted.5000"), false);
      ca!.publish("wanted", "still");
      await ca!.flush();
      await waitFor(() => got.length === 2);
    } finally {
      await Promise.all([ca, cb].map((c) => c!.close()));
      await sc.close();
    }
  });
});

describe("a gateway that restarts", () => {
  test("the other cluster redials it and interest is sent again both ways", async () => {
    const start = (gwPort: number): Promise<NatsServer> => startGatewayNode("A", null, [], { gateway: { port: gwPort } } as never);
    let a = await start(-1);
    const aPort = a.server.gateways!.listenPort;
    const b = await startGatewayNode("B", null, [{ name: "A", urls: [`nats://127.0.0.1:${aPort}`] }]);
    const cb = await nc(b);
    try {
      const got: string[] = [];
      cb.subscribe("back.again", { callback: (_e, m) => void got.push(m.string()) });
      await cb.flush();
      await waitFor(() => a.server.gateways!.out.get("B")?.outsim!.interest("$G", "back.again") === true, { timeoutMs: 10_000 });
      await a.close();
      await waitFor(() => b.server.gateways!.out.size === 0 && b.server.gateways!.inbound.size === 0);
      a = await start(aPort);
      // B dials the configured A again; A learns B from that dial and dials back.
      await waitFor(() => a.server.gateways!.out.get("B")?.outsim!.interest("$G", "back.again") === true, { timeoutMs: 15_000, what: "B's interest after A came back" });
      const ca = await nc(a);
      const echo: string[] = [];
      ca.subscribe("to.a", { callback: (_e, m) => void echo.push(m.string()) });
      await ca.flush();
      await waitFor(() => b.server.gateways!.out.get("A")?.outsim!.interest("$G", "to.a") === true, { timeoutMs: 10_000, what: "A's interest in B" });
      ca.publish("back.again", "hello B");
      cb.publish("to.a", "hello A");
      await Promise.all([ca.flush(), cb.flush()]);
      await waitFor(() => got.length === 1 && echo.length === 1);
      await ca.close();
    } finally {
      await cb.close();
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("leaf nodes behind a gateway", () => {
  test("a leaf's messages and interest cross the gateway both ways", async () => {
    const a = await startGatewayNode("A", null, [], { leafnodes: { host: "127.0.0.1", port: -1 } } as never);
    const b = await startGatewayNode("B", null, [{ name: "A", urls: [`nats://127.0.0.1:${a.server.gateways!.listenPort}`] }]);
    const leaf = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { remotes: [{ urls: [`nats://127.0.0.1:${a.server.leafs!.listenPort}`] }], reconnectMs: 100 } } as never);
    const [cl, cb] = await Promise.all([nc(leaf), nc(b)]);
    try {
      await waitFor(() => a.server.leafs!.leafs.size === 1 && b.server.gateways!.out.has("A") && a.server.gateways!.out.has("B"), { timeoutMs: 10_000 });
      const atLeaf: string[] = [];
      const atB: string[] = [];
      cl.subscribe("leaf.in", { callback: (_e, m) => void atLeaf.push(m.string()) });
      cb.subscribe("leaf.out", { callback: (_e, m) => void atB.push(m.string()) });
      await Promise.all([cl.flush(), cb.flush()]);
      await waitFor(() => b.server.gateways!.out.get("A")!.outsim!.interest("$G", "leaf.in"), { what: "the leaf's interest in B" });
      await waitFor(() => a.server.gateways!.out.get("B")!.outsim!.interest("$G", "leaf.out"));
      // The hub tells the leaf what B wants: its outbound gateway's interest.
      cb.publish("leaf.in", "to the leaf");
      await cb.flush();
      await waitFor(() => atLeaf.length === 1, { what: "B -> leaf" });
      await waitFor(async () => {
        cl.publish("leaf.out", "from the leaf");
        await cl.flush();
        await pause(50);
        return atB.length > 0;
      }, { what: "leaf -> B" });
      assert.equal(atLeaf[0], "to the leaf");
      // Requests both ways: the mapped replies travel through the hub.
      cl.subscribe("leaf.svc", { callback: (_e, m) => void m.respond("leaf answers") });
      cb.subscribe("b.svc", { callback: (_e, m) => void m.respond("b answers") });
      await Promise.all([cl.flush(), cb.flush()]);
      await waitFor(() => b.server.gateways!.out.get("A")!.outsim!.interest("$G", "leaf.svc"));
      await waitFor(() => a.server.gateways!.out.get("B")!.outsim!.interest("$G", "b.svc"));
      assert.equal((await cb.request("leaf.svc", "", { timeout: 3000 })).string(), "leaf answers");
      await waitFor(async () => (await cl.request("b.svc", "", { timeout: 1000 }).then((m) => m.string()).catch(() => "")) === "b answers", {
        what: "leaf -> B request",
      });
    } finally {
      await Promise.all([cl.close(), cb.close()]);
      await Promise.all([leaf.close(), a.close(), b.close()]);
    }
  });
});
