/**
 * Route pooling and pinned accounts (nats-server 2.10 route.go): three tsnats nodes with
 * `pool_size: 3` and accounts A and B pinned keep 3 pooled routes plus one per pinned
 * account (A, B and the system account) per pair; every account's traffic goes on its own
 * connection; a restarted seed gets its whole pool back; a node with another pool size joins
 * with pools of the larger size (2.11), and one with `pool_size: -1` gets one route that carries all.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { computeRoutePoolIdx } from "../../src/cluster/pool.js";
import { CaptureLogger } from "../helpers/capture-logger.js";
import { routePort, waitInterest } from "../helpers/cluster.js";
import { freePort } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

const ACCOUNTS = ["A", "B", "C", "E", "G", "H"];
const PINNED = ["A", "B", "$SYS"];
const POOL = 3;
/** Routes per peer: the pool, and one per pinned account. */
const PER_PEER = POOL + PINNED.length;

const accountsBlock = `accounts {\n${ACCOUNTS.map((a) => `  ${a}: { users: [{ user: ${a.toLowerCase()}, password: pw }] }`).join("\n")}\n}`;

function nodeConfig(poolSize: number, pinned: string[]): string {
  return `${accountsBlock}\ncluster { pool_size: ${poolSize}, accounts: [${pinned.join(", ")}] }`;
}

async function startPoolNode(name: string, port: number, routes: string[], opts: { poolSize?: number; pinned?: string[]; logger?: CaptureLogger } = {}): Promise<NatsServer> {
  return startServer({
    port: -1,
    host: "127.0.0.1",
    httpPort: -1,
    serverName: name,
    config: nodeConfig(opts.poolSize ?? POOL, opts.pinned ?? ["A", "B"]),
    cluster: { name: "pool", host: "127.0.0.1", port, routes },
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
  });
}

interface RoutezRoute {
  rid: number;
  remote_id: string;
  account?: string;
  in_msgs: number;
  subscriptions_list?: string[];
}

async function routez(n: NatsServer): Promise<{ num_routes: number; routes: RoutezRoute[] }> {
  return (await (await fetch(`http://127.0.0.1:${n.httpPort}/routez?subs=1`)).json()) as { num_routes: number; routes: RoutezRoute[] };
}

/** Every node has the full pool and every pinned route to every other, all registered. */
function fullyPooled(nodes: readonly NatsServer[]): boolean {
  return nodes.every((n) => {
    const m = n.server.routes!;
    if (m.remotes.size !== nodes.length - 1) return false;
    for (const other of nodes) {
      if (other === n) continue;
      const conns = m.pools.get(other.server.id);
      if (conns === undefined || conns.length !== POOL || conns.some((r) => r === null)) return false;
      if (PINNED.some((a) => !m.pinned.get(a)?.has(other.server.id))) return false;
    }
    return true;
  });
}

function clientOf(n: NatsServer, account: string): Promise<NatsConnection> {
  return connect({ servers: n.clientURL, user: account.toLowerCase(), pass: "pw" });
}

describe("route pooling with pinned accounts", () => {
  let seedPort = 0;
  let nodes: NatsServer[] = [];
  const conns: NatsConnection[] = [];

  before(async () => {
    seedPort = await freePort();
    const seedRoute = `nats-route://127.0.0.1:${seedPort}`;
    nodes = [await startPoolNode("p0", seedPort, [])];
    nodes.push(await startPoolNode("p1", -1, [seedRoute]), await startPoolNode("p2", -1, [seedRoute]));
    await waitFor(() => fullyPooled(nodes), { timeoutMs: 20_000, what: "every pool and pinned route up" });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.close()));
  });

  test("an account's pool index is FNV-1a of its name modulo the pool size, as route.go computes it", () => {
    // FNV-1a 32-bit test vectors (a pool as large as the hash space keeps the hash itself).
    assert.equal(computeRoutePoolIdx(0xffffffff, "a"), 0xe40c292c);
    assert.equal(computeRoutePoolIdx(0xffffffff, "foobar"), 0xbf9cf968);
    assert.equal(computeRoutePoolIdx(1, "anything"), 0);
    assert.deepEqual(
      ACCOUNTS.map((a) => computeRoutePoolIdx(POOL, a)),
      [0, 0, 1, 1, 2, 0],
    );
  });

  test("/routez lists every connection of every pool, pinned ones with their account; /varz says pool_size", async () => {
    for (const n of nodes) {
      const rz = await routez(n);
      assert.equal(rz.num_routes, 2 * PER_PEER);
      const pinned = rz.routes.filter((r) => r.account !== undefined).map((r) => r.account!).sort();
      assert.deepEqual(pinned, [...PINNED, ...PINNED].sort());
      const varz = (await (await fetch(`http://127.0.0.1:${n.httpPort}/varz`)).json()) as { routes: number; remotes: number; cluster: { pool_size?: number } };
      assert.equal(varz.cluster.pool_size, POOL);
      assert.equal(varz.routes, 2 * PER_PEER);
      assert.equal(varz.remotes, 2);
    }
  });

  test("messages, queue groups (exactly once) and requests across nodes in every account", async () => {
    for (const account of ACCOUNTS) {
      const cs = await Promise.all(nodes.map((n) => clientOf(n, account)));
      conns.push(...cs);
      const plain: string[] = [];
      const queued: string[] = [];
      cs.forEach((c, i) => {
        c.subscribe("pool.msg", { callback: (_e, m) => void plain.push(`${i}<-${m.string()}`) });
        c.subscribe("pool.q", { queue: "workers", callback: (_e, m) => void queued.push(m.string()) });
        c.subscribe(`pool.svc.${i}`, { callback: (_e, m) => void m.respond(`${account}:${i}:${m.string()}`) });
      });
      await Promise.all(cs.map((c) => c.flush()));
      for (let i = 0; i < nodes.length; i++) await waitInterest(nodes, `pool.svc.${i}`, account);
      await waitFor(() => nodes.every((n) => n.server.accounts.get(account)!.sublist.match("pool.msg").psubs.length === 3), { what: `${account}: pool.msg everywhere` });
      await waitFor(() => nodes.every((n) => n.server.accounts.get(account)!.sublist.match("pool.q").qsubs.length >= 1), { what: `${account}: queue interest` });

      cs.forEach((c, i) => c.publish("pool.msg", String(i)));
      const total = 300;
      for (let k = 0; k < total; k++) cs[k % 3]!.publish("pool.q", String(k));
      await Promise.all(cs.map((c) => c.flush()));
      await waitFor(() => plain.length >= 9 && queued.length >= total, { what: `${account}: ${plain.length}/9 messages, ${queued.length}/${total} queued` });
      for (let from = 0; from < 3; from++) {
        for (let to = 0; to < 3; to++) {
          const r = await cs[from]!.request(`pool.svc.${to}`, String(from), { timeout: 5000 });
          assert.equal(r.string(), `${account}:${to}:${from}`);
        }
      }
      // A last round trip through every node, then nothing more may have come.
      await Promise.all(cs.map((c) => c.flush()));
      assert.equal(plain.length, 9, `${account}: ${plain.join(" ")}`);
      assert.equal(new Set(plain).size, 9);
      assert.equal(queued.length, total, `${account}: queue deliveries`);
      assert.equal(new Set(queued).size, total);
    }
  });

  test("each account's interest and messages take one connection: its pinned route or its pool index", async () => {
    const [p0, p1] = nodes as [NatsServer, NatsServer];
    const rz = await routez(p0);
    const toP1 = rz.routes.filter((r) => r.remote_id === p1.server.id);
    assert.equal(toP1.length, PER_PEER);
    // Which connection carries each account's `pool.svc.1` interest (p1's responder).
    const carriers = new Map<string, number>();
    for (const account of ACCOUNTS) {
      const on = toP1.filter((r) => (r.subscriptions_list ?? []).includes("pool.svc.1") && (r.account === undefined || r.account === account));
      // A pinned route lists only its account's subjects, so match each account by its route.
      const m = p0.server.routes!;
      const route = m.routeFor(p1.server.id, account)!;
      assert.ok(route.subs.has(`${account} pool.svc.1`), `${account}'s interest is on its route`);
      carriers.set(account, route.id);
      assert.ok(on.some((r) => r.rid === route.id));
      if (PINNED.includes(account)) assert.equal(route.accountName, account);
      else {
        assert.equal(route.accountName, "");
        assert.equal(route.poolIdx, computeRoutePoolIdx(POOL, account));
      }
      // No other connection to p1 holds this account's interest.
      for (const r of [...(m.pools.get(p1.server.id) ?? []), ...PINNED.map((a) => m.pinned.get(a)!.get(p1.server.id)!)]) {
        if (r !== null && r !== route) assert.ok(!r.subs.has(`${account} pool.svc.1`), `${account} only on one connection`);
      }
    }
    // Pinned accounts have their own connection; pooled ones share by index.
    assert.notEqual(carriers.get("A"), carriers.get("B"));
    assert.equal(carriers.get("C"), carriers.get("E"));
    assert.notEqual(carriers.get("C"), carriers.get("G"));
    assert.notEqual(carriers.get("H"), carriers.get("A"));
    // The peer sees the same split: p1's route for an account is the other end of ours.
    for (const account of ACCOUNTS) {
      const there = p1.server.routes!.routeFor(p0.server.id, account)!;
      const here = p0.server.routes!.routeFor(p1.server.id, account)!;
      assert.equal(there.port, here.socket.localPort, `${account}: one TCP connection`);
    }
  });

  test("a restarted seed gets every pool and pinned route back, and traffic flows again", async () => {
    const old = nodes[0]!;
    await old.close();
    nodes[0] = await startPoolNode("p0", seedPort, []);
    assert.equal(routePort(nodes[0]), seedPort);
    await waitFor(() => fullyPooled(nodes), { timeoutMs: 30_000, what: "pools re-formed after the restart" });
    for (const account of ["A", "G"]) {
      const c0 = await clientOf(nodes[0]!, account);
      const c2 = await clientOf(nodes[2]!, account);
      conns.push(c0, c2);
      c2.subscribe("after.restart", { callback: (_e, m) => void m.respond(`ok ${account}`) });
      await c2.flush();
      await waitInterest(nodes, "after.restart", account);
      assert.equal((await c0.request("after.restart", "", { timeout: 5000 })).string(), `ok ${account}`);
    }
  });

  test("a node with another pool size joins as with nats-server 2.11: pools of the larger size, every account's traffic flows", async () => {
    const odd = await startPoolNode("odd", -1, [`nats-route://127.0.0.1:${seedPort}`], { poolSize: 5 });
    try {
      await waitFor(
        () =>
          odd.server.routes!.remotes.size === 3 &&
          nodes.every((n) => {
            const theirs = n.server.routes!.pools.get(odd.server.id);
            const ours = odd.server.routes!.pools.get(n.server.id);
            return theirs?.length === 5 && theirs.every((r) => r !== null) && ours?.length === 5 && ours.every((r) => r !== null);
          }),
        { timeoutMs: 15_000, what: "pools of 5 between the odd node and every other" },
      );
      // The nodes of pool size 3 pool among themselves as before.
      assert.ok(nodes.every((n) => nodes.every((o) => o === n || n.server.routes!.pools.get(o.server.id)?.length === POOL)));
      for (const account of ACCOUNTS) {
        const co = await clientOf(odd, account);
        const c1 = await clientOf(nodes[1]!, account);
        conns.push(co, c1);
        c1.subscribe("odd.svc", { callback: (_e, m) => void m.respond(`n1 ${account}`) });
        co.subscribe("odd.back", { callback: (_e, m) => void m.respond(`odd ${account}`) });
        await Promise.all([c1.flush(), co.flush()]);
        await waitInterest([odd, nodes[1]!], "odd.svc", account);
        await waitInterest([odd, nodes[1]!], "odd.back", account);
        assert.equal((await co.request("odd.svc", "", { timeout: 5000 })).string(), `n1 ${account}`);
        assert.equal((await c1.request("odd.back", "", { timeout: 5000 })).string(), `odd ${account}`);
        // Each side sends an account's interest on its own index for it (2.11).
        if (!PINNED.includes(account)) {
          const onOdd = odd.server.routes!.pools.get(nodes[1]!.server.id)!;
          assert.ok(onOdd[computeRoutePoolIdx(POOL, account)]!.subs.has(`${account} odd.svc`), `${account} from the node of 3`);
          const onN1 = nodes[1]!.server.routes!.pools.get(odd.server.id)!;
          assert.ok(onN1[computeRoutePoolIdx(5, account)]!.subs.has(`${account} odd.back`), `${account} from the node of 5`);
        }
      }
    } finally {
      await odd.close();
    }
  });

  test("a node with pool_size -1 gets one route per peer that carries every account, pinned ones too", async () => {
    const flat = await startPoolNode("flat", -1, [`nats-route://127.0.0.1:${seedPort}`], { poolSize: -1, pinned: [] });
    try {
      await waitFor(() => flat.server.routes!.remotes.size === 3 && nodes.every((n) => n.server.routes!.remotes.has(flat.server.id)), {
        timeoutMs: 15_000,
        what: "flat meshed",
      });
      for (const n of nodes) {
        const conns = n.server.routes!.pools.get(flat.server.id)!;
        assert.equal(conns.length, 1);
        assert.equal(conns[0]!.noPool, true);
        for (const a of PINNED) assert.ok(!n.server.routes!.pinned.get(a)!.has(flat.server.id));
      }
      assert.equal(flat.server.routes!.all.size, 3);
      for (const account of ["A", "C"]) {
        const cf = await clientOf(flat, account);
        const c1 = await clientOf(nodes[1]!, account);
        conns.push(cf, c1);
        cf.subscribe("flat.svc", { callback: (_e, m) => void m.respond(`flat ${account}`) });
        c1.subscribe("p1.svc", { callback: (_e, m) => void m.respond(`p1 ${account}`) });
        await Promise.all([cf.flush(), c1.flush()]);
        await waitInterest([...nodes, flat], "flat.svc", account);
        await waitInterest([...nodes, flat], "p1.svc", account);
        assert.equal((await c1.request("flat.svc", "", { timeout: 5000 })).string(), `flat ${account}`);
        assert.equal((await cf.request("p1.svc", "", { timeout: 5000 })).string(), `p1 ${account}`);
      }
    } finally {
      await flat.close();
    }
  });
});
