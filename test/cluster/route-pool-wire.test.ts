/**
 * The pool handshake byte by byte, with this test playing a nats-server 2.10 peer (route.go
 * INFO fields `route_pool_size`, `route_pool_idx`, `route_account`): a route it dials is
 * placed at the index it names and carries only that index's accounts (a larger pool size
 * is taken, as 2.11 does); a pinned route
 * leaves the account out of RS+ and RMSG; a wrong pool size, index or account is refused
 * with route.go's errors; and tsnats dialing holds its INFO until it knows its slot, then
 * fills the pool; the pinned accounts' routes are dialed with its first.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { computeRoutePoolIdx } from "../../src/cluster/pool.js";
import { probeLinkPort } from "../helpers/link-probe.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";

const CONFIG = `accounts {
  A: { users: [{ user: a, password: pw }] }
  C: { users: [{ user: c, password: pw }] }
  G: { users: [{ user: g, password: pw }] }
}
cluster { pool_size: 3, accounts: [A] }`;

const CONNECT = (name: string): string => `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, name, cluster: "w", headers: true })}\r\n`;
const INFO = (id: string, extra: Record<string, unknown>): string =>
  `INFO ${JSON.stringify({ server_id: id, server_name: id, cluster: "w", host: "127.0.0.1", port: 1, headers: true, ...extra })}\r\n`;

function infoOf(line: string): Record<string, unknown> {
  const m = /^INFO (.*)\r\n/m.exec(line);
  assert.ok(m !== null, `an INFO in ${JSON.stringify(line)}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

describe("the route pool on the wire, against a scripted 2.10 peer", () => {
  let s: NatsServer;
  let port = 0;
  const clients: NatsConnection[] = [];
  const raws: RawConn[] = [];
  const client = async (account: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: s.clientURL, user: account.toLowerCase(), pass: "pw" });
    clients.push(nc);
    return nc;
  };

  before(async () => {
    s = await startServer({ port: -1, host: "127.0.0.1", config: CONFIG, cluster: { name: "w", host: "127.0.0.1", port: -1 } });
    port = s.server.routes!.listenPort;
  });
  after(async () => {
    for (const r of raws) r.close();
    await Promise.all(clients.map((c) => c.close()));
    await s.close();
  });

  test("our INFO advertises the pool size; a route the peer dialed sits at the index it names", async () => {
    const idxC = computeRoutePoolIdx(3, "C");
    assert.notEqual(idxC, computeRoutePoolIdx(3, "G"));
    const raw = await RawConn.connect(port);
    raws.push(raw);
    const info = infoOf(raw.data);
    assert.equal(info.route_pool_size, 3);
    assert.equal(info.route_pool_idx, undefined);
    assert.equal(info.route_account, undefined);
    raw.send(CONNECT("PEER1") + INFO("PEER1", { route_pool_size: 3, route_pool_idx: idxC }));
    await waitFor(() => s.server.routes!.pools.get("PEER1")?.[idxC]?.registered === true, { what: "registered at C's index" });

    // G's interest goes to G's index (not here), C's comes here, with the account named.
    const [g, c] = [await client("G"), await client("C")];
    g.subscribe("g.sub");
    await g.flush();
    c.subscribe("c.sub");
    await c.flush();
    await raw.waitFor((d) => d.includes("RS+ C c.sub\r\n"));
    assert.ok(!raw.data.includes("g.sub"), raw.data);

    const got: string[] = [];
    c.subscribe("c.in", { callback: (_e, m) => void got.push(m.string()) });
    await c.flush();
    await raw.waitFor((d) => d.includes("RS+ C c.in\r\n"));
    raw.send("RMSG C c.in 2\r\nhi\r\n");
    await waitFor(() => got.length === 1, { what: "C's subscriber got the routed message" });
    raw.send("RS+ C c.out\r\n");
    await waitFor(() => s.server.accounts.get("C")!.sublist.hasInterest("c.out"), { what: "the peer's interest" });
    c.publish("c.out", "yo");
    await raw.waitFor((d) => d.includes("RMSG C c.out 2\r\nyo\r\n"));
  });

  test("a pinned route leaves the account out of RS+ and RMSG, both ways", async () => {
    const raw = await RawConn.connect(port);
    raws.push(raw);
    raw.send(CONNECT("PEER1") + INFO("PEER1", { route_pool_size: 3, route_account: "A" }));
    await waitFor(() => s.server.routes!.pinned.get("A")?.get("PEER1")?.registered === true, { what: "A's pinned route" });
    const a = await client("A");
    const got: string[] = [];
    a.subscribe("a.sub", { callback: (_e, m) => void got.push(m.string()) });
    await a.flush();
    await raw.waitFor((d) => d.includes("RS+ a.sub\r\n"));
    raw.send("RMSG a.sub 2\r\nhi\r\nHMSG a.sub 12 14\r\nNATS/1.0\r\n\r\nho\r\n");
    await waitFor(() => got.length === 2, { what: "A's subscriber got both routed messages" });
    assert.deepEqual(got, ["hi", "ho"]);
    raw.send("RS+ a.remote q 1\r\n");
    await waitFor(() => s.server.accounts.get("A")!.sublist.match("a.remote").qsubs.length === 1, { what: "the pinned queue interest" });
    a.publish("a.remote", "x");
    await raw.waitFor((d) => /RMSG a\.remote \| q 1\r\nx\r\n/.test(d));
    // The pooled route at A's index got none of it.
    const pooled = s.server.routes!.pools.get("PEER1")?.[computeRoutePoolIdx(3, "A")];
    assert.ok(pooled === null || pooled === undefined || ![...pooled.subs.keys()].some((k) => k.startsWith("A ")));
  });

  test("a peer with a larger pool size is taken, as nats-server 2.11 does: its index past ours carries none of our accounts", async () => {
    const raw = await RawConn.connect(port);
    raws.push(raw);
    raw.send(CONNECT("PEER2") + INFO("PEER2", { route_pool_size: 5, route_pool_idx: 4 }));
    await waitFor(() => s.server.routes!.pools.get("PEER2")?.[4]?.registered === true, { what: "registered at index 4" });
    assert.equal(s.server.routes!.pools.get("PEER2")!.length, 5);
    const g = await client("G");
    g.subscribe("g.wide");
    await g.flush();
    raw.send("PING\r\n");
    await raw.waitFor((d) => d.includes("PONG\r\n"));
    assert.ok(!raw.data.includes("RS+"), raw.data);
    // Its traffic arrives here all the same, each message naming its account.
    const got: string[] = [];
    g.subscribe("g.in", { callback: (_e, m) => void got.push(m.string()) });
    await g.flush();
    raw.send("RMSG G g.in 2\r\nhi\r\n");
    await waitFor(() => got.length === 1, { what: "G's subscriber got the message from index 4" });
  });

  const refusals: Array<[string, string[], string]> = [
    ["an index past the pool", [CONNECT("PEER3"), INFO("PEER3", { route_pool_size: 3, route_pool_idx: 7 })], "-ERR 'Invalid route pool index: 7 - pool size is 3'"],
    ["an unknown pinned account", [CONNECT("PEER4"), INFO("PEER4", { route_pool_size: 3, route_account: "NOPE" })], `-ERR 'Unable to lookup account "NOPE": account missing'`],
    ["an account we do not pin", [CONNECT("PEER5"), INFO("PEER5", { route_pool_size: 3, route_account: "C" })], `-ERR 'No route for account "C"'`],
    ["a pinned route from a peer without pooling", [CONNECT("PEER6"), INFO("PEER6", { route_account: "A" })], `-ERR 'Not possible to have a dedicated route for account "A" between those servers'`],
  ];
  for (const [name, lines, err] of refusals) {
    test(`${name} is refused: ${err}`, async () => {
      assert.deepEqual(await probeLinkPort(port, lines), { errs: [err], closed: true });
    });
  }
});

/** A route listener that records each connection tsnats opens to it. */
class FakePeer {
  readonly conns: Array<{ socket: net.Socket; data: string }> = [];
  private readonly server = net.createServer((socket) => {
    const c = { socket, data: "" };
    socket.on("data", (d: Buffer) => (c.data += d.toString("latin1")));
    socket.on("error", () => {});
    this.conns.push(c);
  });
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

test("dialing a 2.10 peer: the pinned routes come with the first, whose INFO waits for the peer's, then the pool fills index by index", async () => {
  const peer = new FakePeer();
  await peer.listen();
  const s = await startServer({
    port: -1,
    host: "127.0.0.1",
    config: CONFIG,
    cluster: { name: "w", host: "127.0.0.1", port: -1, routes: [`nats-route://127.0.0.1:${peer.port}`] },
  });
  try {
    // 2.10 solicitRoutes: the pinned accounts' routes are dialed with the pool's first,
    // before the peer has answered anything; they name their account at once.
    await waitFor(() => peer.conns.length === 3 && peer.conns.every((c) => c.data.includes("CONNECT ")), { what: "three connections at once" });
    const early = peer.conns.filter((c) => c.data.includes("INFO ")).map((c) => infoOf(c.data).route_account);
    assert.deepEqual(early.sort(), ["$SYS", "A"]);
    // Pooled routes send CONNECT and hold their INFO.
    const answered = new Set<number>();
    const pooledIdx: Array<number | undefined> = [];
    const pinnedAccounts: unknown[] = [];
    while (pooledIdx.length < 3) {
      let next = -1;
      await waitFor(
        () => {
          next = peer.conns.findIndex((c, i) => !answered.has(i) && c.data.includes("CONNECT ") && !c.data.includes("INFO "));
          return next >= 0;
        },
        { what: `pooled connection ${pooledIdx.length}` },
      );
      const c = peer.conns[next]!;
      answered.add(next);
      c.socket.write(INFO("FAKE", { route_pool_size: 3 }));
      await waitFor(() => c.data.includes("INFO "), { what: `connection ${next}'s INFO` });
      const info = infoOf(c.data);
      assert.equal(info.route_pool_size, 3);
      assert.equal(info.route_account, undefined);
      pooledIdx.push(info.route_pool_idx as number | undefined);
    }
    // The first takes index 0 (left out, as omitempty does), the next ones 1 and 2.
    assert.deepEqual(pooledIdx, [undefined, 1, 2]);
    await waitFor(() => peer.conns.length === 5, { what: "the pinned routes" });
    peer.conns.forEach((c, i) => {
      if (!answered.has(i)) pinnedAccounts.push(infoOf(c.data).route_account);
    });
    assert.deepEqual(pinnedAccounts.sort(), ["$SYS", "A"]);
  } finally {
    await s.close();
    await peer.close();
  }
});

test("dialing a peer with a larger pool size (nats-server 2.11): the pool fills to its size", async () => {
  const peer = new FakePeer();
  await peer.listen();
  const s = await startServer({
    port: -1,
    host: "127.0.0.1",
    config: CONFIG,
    cluster: { name: "w", host: "127.0.0.1", port: -1, routes: [`nats-route://127.0.0.1:${peer.port}`] },
  });
  try {
    const answered = new Set<number>();
    const pooledIdx: Array<number | undefined> = [];
    while (pooledIdx.length < 5) {
      let next = -1;
      await waitFor(
        () => {
          next = peer.conns.findIndex((c, i) => !answered.has(i) && c.data.includes("CONNECT ") && !c.data.includes("INFO "));
          return next >= 0;
        },
        { what: `pooled connection ${pooledIdx.length}` },
      );
      const c = peer.conns[next]!;
      answered.add(next);
      c.socket.write(INFO("FAKE5", { route_pool_size: 5 }));
      await waitFor(() => c.data.includes("INFO "), { what: `connection ${next}'s INFO` });
      pooledIdx.push(infoOf(c.data).route_pool_idx as number | undefined);
    }
    assert.deepEqual(pooledIdx, [undefined, 1, 2, 3, 4]);
    assert.equal(s.server.routes!.pools.get("FAKE5")!.length, 5);
  } finally {
    await s.close();
    await peer.close();
  }
});
