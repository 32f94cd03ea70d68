/**
 * `startCluster`, the public test topology: every server-to-server connection goes through
 * the proxy of its link, and each fault (latency, cut, pause, stop and restart) shows in
 * the traffic of official clients.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection, type ServerInfo } from "@nats-io/transport-node";
import { startCluster, type TsnatsError, type Topology } from "../../src/index.js";
import { waitFor } from "../helpers/wait-for.js";

const conns: NatsConnection[] = [];
async function nc(url: string, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const c = await connect({ servers: url, ...opts });
  conns.push(c);
  return c;
}

/** Collects the payloads a subscription receives, as strings. */
function collect(c: NatsConnection, subject: string): string[] {
  const got: string[] = [];
  c.subscribe(subject, { callback: (_e, m) => {
    got.push(m.string());
  } });
  return got;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("startCluster", () => {
  let t: Topology;
  before(async () => {
    t = await startCluster({ nodes: 3, leafs: [{ hub: 1 }] });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await t.close();
  });

  test("every server-to-server connection goes through its link; clients learn the proxies", async () => {
    assert.deepEqual(t.all.map((n) => n.name), ["n0", "n1", "n2", "leaf0"]);
    for (const n of t.nodes) assert.equal(n.server.server.routes!.remotes.size, 2);
    const pairs: Array<[string, string]> = [["n0", "n1"], ["n0", "n2"], ["n1", "n2"], ["leaf0", "n1"]];
    // One pool per route link (3 pooled routes and the system account's pinned one), one
    // connection per leaf link: the redials of the start (found duplicate) have closed, and
    // no route was made around the proxies from gossip or leafnode_urls.
    const want = ([a]: [string, string]): number => (a === "leaf0" ? 1 : 4);
    await waitFor(() => pairs.every((p) => t.link(p[0], p[1]).connections === want(p)), {
      what: `one connection per link: ${pairs.map(([a, b]) => t.link(a, b).connections).join(",")}`,
    });
    const c = await nc(t.node("n0").clientURL);
    const urls = (c.info as ServerInfo).connect_urls ?? [];
    for (const n of t.nodes) assert.ok(urls.includes(n.clientAdvertise), `${urls.join(",")} lacks ${n.clientAdvertise}`);
  });

  test("messages cross the links; latency delays them by at least its one-way time", async () => {
    const [c0, c2, cl] = await Promise.all([nc(t.node("n0").clientURL), nc(t.node("n2").clientURL), nc(t.node("leaf0").clientURL)]);
    const on2 = collect(c2, "lat.x");
    const onLeaf = collect(cl, "lat.x");
    c2.subscribe("lat.svc", { callback: (_e, m) => {
      m.respond(m.data);
    } });
    await Promise.all([c2.flush(), cl.flush()]);
    await t.waitInterest("lat.x", { nodes: ["n0"] });
    await t.waitInterest("lat.svc", { nodes: ["n0"] });
    const before02 = t.link("n0", "n2").bytes.aToB;
    c0.publish("lat.x", "fast");
    await waitFor(() => on2.length === 1 && onLeaf.length === 1, { what: "one message on n2 and leaf0" });
    assert.ok(t.link("n0", "n2").bytes.aToB > before02);

    t.setLatency("n0", "n2", 100);
    try {
      const t0 = performance.now();
      await c0.request("lat.svc", "ping", { timeout: 10_000 });
      const rtt = performance.now() - t0;
      assert.ok(rtt >= 195, `round trip ${rtt.toFixed(0)} ms through 2 × 100 ms`);
      t.setLatency("n0", "n2", 0);
      t.setLatency("n0", "n2", 150, true);
      const t1 = performance.now();
      c0.publish("lat.x", "slow");
      await waitFor(() => on2.length === 2, { what: "the delayed message" });
      assert.ok(performance.now() - t1 >= 145, `one way ${(performance.now() - t1).toFixed(0)} ms through 150 ms`);
    } finally {
      t.setLatency("n0", "n2", 0);
    }
    assert.deepEqual(on2, ["fast", "slow"]);
  });

  test("a cut holds the traffic of two servers only; heal delivers it in order, once", async () => {
    const [c0, c1, c2] = await Promise.all(["n0", "n1", "n2"].map((n) => nc(t.node(n).clientURL)));
    const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const on1 = collect(c1!, "cut.x");
    const on2 = collect(c2!, "cut.x");
    await Promise.all([c1!.flush(), c2!.flush()]);
    await t.waitInterest("cut.x", { nodes: ["n0"] });
    await waitFor(() => t.node("n0").server.server.accounts.get("$G")!.sublist.match("cut.x").psubs.length === 2);
    const link = t.link("n0", "n2");
    const bytesBefore = link.bytes;
    t.cut("n0", "n2");
    try {
      assert.equal(t.link("n2", "n0").isCut, true);
      for (const m of sent) c0!.publish("cut.x", m);
      await c0!.flush();
      await waitFor(() => on1.length === 20, { what: `20 on n1, got ${on1.length}` });
      await sleep(200);
      assert.equal(on2.length, 0, "nothing crosses a cut");
      assert.deepEqual(link.bytes, bytesBefore, "not one byte crosses a cut");
    } finally {
      t.heal("n0", "n2");
    }
    await waitFor(() => on2.length === 20, { what: `20 on n2 after the heal, got ${on2.length}` });
    await sleep(100);
    assert.deepEqual(on1, sent);
    assert.deepEqual(on2, sent);
  });

  test("pause holds a server's clients and links, new connections too; resume releases them", async () => {
    const [c0, c1, c2] = await Promise.all(["n0", "n1", "n2"].map((n) => nc(t.node(n).clientURL)));
    const on1 = collect(c1!, "pause.x");
    const on2 = collect(c2!, "pause.x");
    await Promise.all([c1!.flush(), c2!.flush()]);
    await t.waitInterest("pause.x", { nodes: ["n0"] });
    await waitFor(() => t.node("n0").server.server.accounts.get("$G")!.sublist.match("pause.x").psubs.length === 2);
    t.pause("n1");
    try {
      assert.equal(t.link("n0", "n1").isCut, true);
      assert.equal(t.link("n0", "n2").isCut, false);
      let late: NatsConnection | null = null;
      const lateConnect = nc(t.node("n1").clientURL, { timeout: 20_000 }).then((c) => (late = c));
      for (let i = 0; i < 10; i++) c0!.publish("pause.x", `p${i}`);
      await c0!.flush();
      await waitFor(() => on2.length === 10, { what: `10 on n2, got ${on2.length}` });
      await sleep(200);
      assert.equal(on1.length, 0, "a paused server delivers nothing");
      assert.equal(late, null, "a new connection to a paused server waits");
      t.resume("n1");
      await lateConnect;
    } finally {
      t.resume("n1");
    }
    await waitFor(() => on1.length === 10, { what: `10 on n1 after resume, got ${on1.length}` });
    assert.deepEqual(on1, on2);
  });

  test("stop and start: same ports, routes and the leaf come back, clients reconnect", async () => {
    const n2 = t.node("n2");
    const ports = { client: n2.server.port, route: n2.server.server.routes!.listenPort, leaf: n2.server.server.leafs!.listenPort };
    const c0 = await nc(t.node("n0").clientURL);
    const c2 = await nc(n2.clientURL, { reconnectTimeWait: 100, maxReconnectAttempts: -1 });
    const on2 = collect(c2, "restart.x");
    await c2.flush();
    await t.stop("n2");
    assert.equal(n2.running, false);
    await waitFor(() => t.node("n0").server.server.routes!.remotes.size === 1 && t.node("n1").server.server.routes!.remotes.size === 1, {
      what: "n0 and n1 lose their route to n2",
    });
    await t.start("n2");
    assert.deepEqual({ client: n2.server.port, route: n2.server.server.routes!.listenPort, leaf: n2.server.server.leafs!.listenPort }, ports);
    await t.ready();
    // The client reconnects through the proxy and subscribes again; its interest reaches n0.
    await t.waitInterest("restart.x", { nodes: ["n0"], timeoutMs: 15_000 });
    c0.publish("restart.x", "back");
    await waitFor(() => on2.length === 1, { what: "the message through the restarted node" });
    assert.deepEqual(on2, ["back"]);
  });

  test("a leaf node's link to its hub is cut and healed like a route", async () => {
    const [c0, cl] = await Promise.all([nc(t.node("n0").clientURL), nc(t.node("leaf0").clientURL)]);
    const onLeaf = collect(cl, "leafcut.x");
    await cl.flush();
    await t.waitInterest("leafcut.x", { nodes: ["n0"] });
    t.cut("leaf0", "n1");
    try {
      for (let i = 0; i < 5; i++) c0.publish("leafcut.x", `l${i}`);
      await c0.flush();
      await sleep(300);
      assert.equal(onLeaf.length, 0, "nothing crosses the cut to the leaf");
    } finally {
      t.heal("leaf0", "n1");
    }
    await waitFor(() => onLeaf.length === 5, { what: `5 on the leaf after the heal, got ${onLeaf.length}` });
    assert.deepEqual(onLeaf, ["l0", "l1", "l2", "l3", "l4"]);
  });

  test("a caller that is not a server of the topology passes through the ingress untouched", async () => {
    const s = net.connect(t.node("n0").routeIngress!.port, "127.0.0.1");
    let got = "";
    s.on("data", (d: Buffer) => (got += d.toString()));
    s.on("error", () => {});
    try {
      s.write('CONNECT {"lang":"node","version":"1.0.0","verbose":false,"pedantic":false}\r\n');
      await waitFor(() => got.includes("-ERR"), { what: `an error from the route port, got ${JSON.stringify(got)}` });
      assert.match(got, /^INFO .*\r\n-ERR 'attempted to connect to route port'\r\n/s);
    } finally {
      s.destroy();
    }
  });

  test("a link can be named either way round, and a node must exist", () => {
    assert.equal(t.link("n2", "n0"), t.link("n0", "n2"));
    assert.throws(() => t.link("n0", "n9"), (e: TsnatsError) => e.code === "ERR_TOPOLOGY");
    assert.throws(() => t.link("n0", "n0"), (e: TsnatsError) => e.code === "ERR_TOPOLOGY");
  });
});
