/**
 * Clusters of tsnats servers in one process, seen through the official client: messages,
 * wildcards, requests and queue groups across nodes, gossip from one seed, client
 * failover and interest coming back with a restarted node.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection, type ServerInfo } from "@nats-io/transport-node";
import type { NatsServer } from "../../src/index.js";
import { routePort, startCluster, startNode, waitInterest, waitMeshed, type TestCluster } from "../helpers/cluster.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";

const conns: NatsConnection[] = [];
async function nc(s: NatsServer | string, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const c = await connect({ servers: typeof s === "string" ? s : s.clientURL, ...opts });
  conns.push(c);
  return c;
}
after(async () => {
  await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
});

describe("a cluster of three from one seed", () => {
  let cl: TestCluster;
  before(async () => {
    cl = await startCluster(3, "c3");
  });
  after(async () => {
    await cl.close();
  });

  test("gossip meshes every node and clients learn every client URL", async () => {
    for (const n of cl.nodes) assert.equal(n.server.routes!.remotes.size, 2);
    const c = await nc(cl.nodes[2]!);
    const urls = (c.info as ServerInfo).connect_urls ?? [];
    for (const n of cl.nodes) assert.ok(urls.includes(`127.0.0.1:${n.port}`), `${urls.join(",")} lacks ${n.port}`);
    assert.equal((c.info as ServerInfo & { cluster?: string }).cluster, "c3");
  });

  test("each subscriber on each node gets each message once, wildcards included", async () => {
    const clients = await Promise.all(cl.nodes.map((n) => nc(n)));
    const got: string[] = [];
    clients.forEach((c, i) => {
      for (const subject of ["w.a.b", "w.*.b", "w.>"]) c.subscribe(subject, { callback: (_e, m) => {
        got.push(`${i}:${subject}:${m.string()}`);
      } });
    });
    await Promise.all(clients.map((c) => c.flush()));
    await waitInterest(cl.nodes, "w.a.b");
    await waitFor(() => cl.nodes.every((n) => n.server.accounts.get("$G")!.sublist.match("w.a.b").psubs.length === 9));
    clients.forEach((c, i) => c.publish("w.a.b", `from${i}`));
    await waitFor(() => got.length === 27, { what: `27 deliveries, got ${got.length}` });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 27);
    assert.equal(new Set(got).size, 27);
  });

  test("requests are answered across nodes, both ways", async () => {
    const [a, b, c] = await Promise.all(cl.nodes.map((n) => nc(n)));
    b!.subscribe("svc.b", { callback: (_e, m) => {
        m.respond(`b:${m.string()}`);
      } });
    c!.subscribe("svc.c", { callback: (_e, m) => {
        m.respond(`c:${m.string()}`);
      } });
    await Promise.all([b!.flush(), c!.flush()]);
    await waitInterest(cl.nodes, "svc.b");
    await waitInterest(cl.nodes, "svc.c");
    assert.equal((await a!.request("svc.b", "1", { timeout: 2000 })).string(), "b:1");
    assert.equal((await a!.request("svc.c", "2", { timeout: 2000 })).string(), "c:2");
    assert.equal((await c!.request("svc.b", "3", { timeout: 2000 })).string(), "b:3");
  });

  test("a queue group gets every message exactly once, local members first", async () => {
    const clients = await Promise.all(cl.nodes.map((n) => nc(n)));
    const got: Array<{ node: number; data: string }> = [];
    clients.forEach((c, i) => {
      for (let k = 0; k < 2; k++) {
        c.subscribe("work", {
          queue: "workers",
          callback: (_e, m) => {
            got.push({ node: i, data: m.string() });
          },
        });
      }
    });
    await Promise.all(clients.map((c) => c.flush()));
    await waitFor(() => cl.nodes.every((n) => n.server.accounts.get("$G")!.sublist.match("work").qsubs[0]?.length === 4));
    const total = 300;
    for (let i = 0; i < total; i++) clients[i % 3]!.publish("work", `${i % 3}:${i}`);
    await Promise.all(clients.map((c) => c.flush()));
    await waitFor(() => got.length >= total, { what: `${total} queue deliveries, got ${got.length}` });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(got.length, total);
    assert.equal(new Set(got.map((g) => g.data)).size, total);
    // Every node had members, so every message stayed on the node it was published on.
    for (const g of got) assert.equal(String(g.node), g.data.split(":")[0]);
  });

  test("a queue group with members on other nodes only still gets each message once", async () => {
    const clients = await Promise.all(cl.nodes.map((n) => nc(n)));
    const got: number[] = [];
    clients[1]!.subscribe("remote.work", { queue: "q", callback: () => {
        got.push(1);
      } });
    clients[2]!.subscribe("remote.work", { queue: "q", callback: () => {
        got.push(2);
      } });
    clients[2]!.subscribe("remote.work", { queue: "q", callback: () => {
        got.push(2);
      } });
    await Promise.all(clients.map((c) => c.flush()));
    await waitFor(() => cl.nodes[0]!.server.accounts.get("$G")!.sublist.match("remote.work").qsubs[0]?.length === 2);
    // Node 2's weight is 2: it announced two members in one RS+.
    await waitFor(() => cl.nodes[0]!.server.accounts.get("$G")!.sublist.match("remote.work").qsubs[0]!.some((s) => s.weight === 2));
    for (let i = 0; i < 300; i++) clients[0]!.publish("remote.work", String(i));
    await clients[0]!.flush();
    await waitFor(() => got.length >= 300);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 300);
    const toTwo = got.filter((n) => n === 2).length;
    assert.ok(toTwo > 120 && toTwo < 280, `weighted spread: ${toTwo} of 300 to the node with two members`);
  });

  test("interest leaves the cluster when the subscriber goes", async () => {
    const c = await nc(cl.nodes[1]!);
    const sub = c.subscribe("gone.soon");
    await c.flush();
    await waitInterest(cl.nodes, "gone.soon");
    sub.unsubscribe();
    await c.flush();
    await waitFor(() => cl.nodes.every((n) => !n.server.accounts.get("$G")!.sublist.hasInterest("gone.soon")));
  });
});

describe("nodes that stop and come back", () => {
  test("a client fails over to another node and keeps its subscriptions", async () => {
    const cl = await startCluster(3, "fo");
    try {
      const sub = await nc(cl.nodes[0]!);
      const victim = cl.nodes[1]!;
      const pub = await nc(victim, { reconnectTimeWait: 50, maxReconnectAttempts: -1 });
      // The client learned the other nodes from INFO connect_urls.
      await waitFor(() => ((pub.info as ServerInfo).connect_urls ?? []).length === 3);
      const got: string[] = [];
      sub.subscribe("fo.x", { callback: (_e, m) => {
        got.push(m.string());
      } });
      const echo = pub.subscribe("fo.echo", { callback: (_e, m) => {
        m.respond("still here");
      } });
      await sub.flush();
      await pub.flush();
      await waitInterest(cl.nodes, "fo.x");
      pub.publish("fo.x", "before");
      await waitFor(() => got.includes("before"));
      await victim.close();
      await waitFor(() => pub.info?.server_id !== victim.server.id && !pub.isClosed(), { what: "reconnected elsewhere" });
      await waitFor(async () => {
        pub.publish("fo.x", "after");
        await pub.flush();
        return got.includes("after");
      });
      await waitInterest([cl.nodes[0]!, cl.nodes[2]!], "fo.echo");
      assert.equal((await sub.request("fo.echo", "", { timeout: 2000 })).string(), "still here");
      echo.unsubscribe();
    } finally {
      await cl.close();
    }
  });

  test("a restarted node gets the cluster's interest again and its clients' interest reaches the others", async () => {
    const cl = await startCluster(3, "rs");
    try {
      const a = await nc(cl.nodes[0]!);
      const got: string[] = [];
      a.subscribe("rs.x", { callback: (_e, m) => {
        got.push(m.string());
      } });
      await a.flush();
      const old = cl.nodes[2]!;
      const clientPort = old.port;
      const clusterPort = routePort(old);
      await old.close();
      await waitFor(() => cl.nodes[0]!.server.routes!.remotes.size === 1);
      const back = await startNode("rs", [cl.seedRoute], { port: clientPort, cluster: { port: clusterPort } });
      cl.nodes[2] = back;
      await waitMeshed(cl.nodes);
      await waitInterest([back], "rs.x");
      const c = await nc(back);
      c.publish("rs.x", "from the restarted node");
      await waitFor(() => got.includes("from the restarted node"));
      const sub = c.subscribe("rs.y", { callback: (_e, m) => {
        m.respond("y");
      } });
      await c.flush();
      await waitInterest(cl.nodes, "rs.y");
      assert.equal((await a.request("rs.y", "", { timeout: 2000 })).string(), "y");
      sub.unsubscribe();
    } finally {
      await cl.close();
    }
  });

  test("clients get INFO updates as nodes join and leave", async () => {
    const cl = await startCluster(2, "upd");
    try {
      const c = await nc(cl.nodes[0]!);
      await waitFor(() => ((c.info as ServerInfo).connect_urls ?? []).length === 2);
      // nats-server sendAsyncInfoToClients: not to protocol 0 clients.
      const proto0 = await RawConn.connect(cl.nodes[0]!.port);
      proto0.send(`CONNECT {"protocol":0,"verbose":false}\r\nPING\r\n`);
      await proto0.waitFor((d) => d.includes("PONG\r\n"));
      const third = await startNode("upd", [cl.seedRoute]);
      cl.nodes.push(third);
      await waitMeshed(cl.nodes);
      await waitFor(() => ((c.info as ServerInfo).connect_urls ?? []).includes(`127.0.0.1:${third.port}`), { what: "joined URL" });
      proto0.send("PING\r\n");
      await proto0.waitFor((d) => d.split("PONG\r\n").length === 3);
      assert.equal(proto0.data.split("INFO ").length - 1, 1, "a protocol 0 client gets no async INFO");
      proto0.close();
      await third.close();
      cl.nodes.pop();
      await waitFor(() => !((c.info as ServerInfo).connect_urls ?? []).includes(`127.0.0.1:${third.port}`), { what: "left URL" });
    } finally {
      await cl.close();
    }
  });

  test("lame duck mode tells the cluster: the others stop advertising the node", async () => {
    const cl = await startCluster(2, "ldm", { lameDuckDurationMs: 3000, lameDuckGracePeriodMs: 1000 });
    try {
      const c = await nc(cl.nodes[0]!);
      const duck = cl.nodes[1]!;
      await waitFor(() => ((c.info as ServerInfo).connect_urls ?? []).includes(`127.0.0.1:${duck.port}`));
      const done = duck.server.enterLameDuckMode();
      await waitFor(() => !((c.info as ServerInfo).connect_urls ?? []).includes(`127.0.0.1:${duck.port}`), { what: "duck URL removed" });
      await done;
    } finally {
      await cl.close();
    }
  });
});

describe("cluster authorization", () => {
  test("routes with the cluster's user and password mesh; wrong credentials never do", async () => {
    const auth = { username: "ruser", password: "s3cret" };
    const seed = await startNode("auth", [], { cluster: auth });
    const port = routePort(seed);
    const good = await startNode("auth", [`nats-route://ruser:s3cret@127.0.0.1:${port}`], { cluster: auth });
    const bad = await startNode("auth", [`nats-route://ruser:wrong@127.0.0.1:${port}`], { cluster: auth });
    try {
      await waitMeshed([seed, good]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(bad.server.routes!.remotes.size, 0);
      assert.equal(seed.server.routes!.remotes.size, 1);
    } finally {
      await Promise.all([seed.close(), good.close(), bad.close()]);
    }
  });
});
