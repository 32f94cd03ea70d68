/**
 * Seeded fuzz of the route and leaf node verbs. Node A of a two-node cluster also serves
 * leaf nodes, and leaf L hangs off it. For a bounded time, many connections to A's route
 * and leafnode ports send a handshake (often a valid one, so the verbs after it are
 * served) followed by valid and mutated RS+/RS-/RMSG/LS+/LS-/LMSG/PING/PONG lines.
 * Meanwhile messages flow B -> A over the real route and L -> A over the real leaf link.
 * A must survive, keep its route to B and its leaf L, deliver every good message in
 * order, and keep its memory bounded. The seed is printed; replay with FUZZ_SEED=<seed>.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { startCluster, waitInterest } from "../helpers/cluster.js";
import { mutate } from "../helpers/mutate.js";
import { prng } from "../helpers/prng.js";
import { waitFor } from "../helpers/wait-for.js";

const ROUTE_VERBS = [
  "RS+ $G fuzz.a\r\n",
  "RS+ $G fuzz.> q 3\r\n",
  "RS- $G fuzz.a\r\n",
  "RS- $G fuzz.> q\r\n",
  "RMSG $G fuzz.a 5\r\nhello\r\n",
  "RMSG $G fuzz.b + r.1 q 3\r\nabc\r\n",
  "RMSG $G fuzz.c | q 2\r\nhi\r\n",
  "HMSG $G fuzz.h 12 14\r\nNATS/1.0\r\n\r\nxx\r\n",
  "LS+ $G fuzz.l\r\n",
  "PING\r\n",
  "PONG\r\n",
];

const LEAF_VERBS = [
  "LS+ fuzz.a\r\n",
  "LS+ fuzz.> q 2\r\n",
  "LS- fuzz.a\r\n",
  "LS- fuzz.> q\r\n",
  "LMSG fuzz.a 5\r\nhello\r\n",
  "LMSG fuzz.b + r.1 q 3\r\nabc\r\n",
  "LMSG fuzz.c r.2 2\r\nhi\r\n",
  "HLMSG fuzz.h 12 14\r\nNATS/1.0\r\n\r\nxx\r\n",
  "RS+ $G fuzz.x\r\n",
  "PING\r\n",
  "PONG\r\n",
];

/** A handshake for the port's kind: usually valid, with a fresh server ID; sometimes broken. */
function handshake(rand: () => number, kind: "route" | "leaf", n: number): string {
  const id = `NFUZZ${n}X${Math.floor(rand() * 1e9)}`;
  if (rand() < 0.15) return mutate(rand, `CONNECT {"name":"${id}","cluster":"fz"}\r\n`).toString("latin1");
  if (kind === "leaf") return `CONNECT {"name":"${id}","server_id":"${id}","headers":true}\r\n`;
  return `CONNECT {"verbose":false,"name":"${id}","cluster":"fz","headers":true}\r\nINFO {"server_id":"${id}","cluster":"fz","host":"127.0.0.1","port":1,"headers":true}\r\n`;
}

test("fuzzed route and leaf verbs never hurt the server, its links or other traffic", { timeout: 120_000 }, async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const rand = prng(seed);
  console.log(`link fuzz seed ${seed}`);
  const cl = await startCluster(2, "fz", { leafnodes: { host: "127.0.0.1", port: -1 } });
  const [a, b] = [cl.nodes[0]!, cl.nodes[1]!];
  const leafPort = a.server.leafs!.listenPort;
  const routePort = a.server.routes!.listenPort;
  const leaf = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { remotes: [{ urls: [`nats-leaf://127.0.0.1:${leafPort}`] }] } });
  const conns: NatsConnection[] = [];
  try {
    await waitFor(() => a.server.leafs!.leafs.size === 1, { what: "leaf L linked" });
    const bRoute = a.server.routes!.routeFor(b.server.id, "$G")!;
    // B's whole pool (and its pinned routes) stays; only the fuzz connections go.
    const routesBefore = a.server.routes!.all.size;
    const lLink = [...a.server.leafs!.leafs.values()][0]!;
    const sub = await connect({ servers: a.clientURL });
    const viaRoute = await connect({ servers: b.clientURL });
    const viaLeaf = await connect({ servers: leaf.clientURL });
    conns.push(sub, viaRoute, viaLeaf);
    const got = { route: [] as number[], leaf: [] as number[] };
    sub.subscribe("good.route", { callback: (_e, m) => void got.route.push(Number(m.string())) });
    sub.subscribe("good.leaf", { callback: (_e, m) => void got.leaf.push(Number(m.string())) });
    await sub.flush();
    await waitInterest([b], "good.route");
    await waitInterest([leaf], "good.leaf");
    const rssBefore = process.memoryUsage().rss;

    const deadline = Date.now() + 3000;
    let fuzzConns = 0;
    const fuzzer = async (kind: "route" | "leaf"): Promise<void> => {
      const verbs = kind === "route" ? ROUTE_VERBS : LEAF_VERBS;
      while (Date.now() < deadline && fuzzConns < 1000) {
        const n = ++fuzzConns;
        const sock = net.connect(kind === "route" ? routePort : leafPort, "127.0.0.1");
        sock.on("error", () => {});
        sock.on("data", () => {});
        await new Promise<void>((resolve) => {
          sock.once("connect", () => resolve());
          sock.once("close", () => resolve());
        });
        if (!sock.destroyed) sock.write(handshake(rand, kind, n));
        const lines = 1 + Math.floor(rand() * 20);
        for (let i = 0; i < lines && !sock.destroyed; i++) {
          const base = verbs[Math.floor(rand() * verbs.length)]!;
          sock.write(rand() < 0.5 ? Buffer.from(base, "latin1") : mutate(rand, base));
          if (rand() < 0.3) await new Promise((r) => setImmediate(r));
        }
        if (rand() < 0.5) sock.destroy();
        else sock.end();
      }
    };
    let sent = 0;
    const publisher = async (): Promise<void> => {
      while (Date.now() < deadline && sent < 10_000) {
        viaRoute.publish("good.route", String(sent));
        viaLeaf.publish("good.leaf", String(sent));
        sent++;
        if (sent % 50 === 0) await Promise.all([viaRoute.flush(), viaLeaf.flush()]);
      }
      await Promise.all([viaRoute.flush(), viaLeaf.flush()]);
    };
    await Promise.all([fuzzer("route"), fuzzer("route"), fuzzer("route"), fuzzer("leaf"), fuzzer("leaf"), fuzzer("leaf"), publisher()]);

    const what = (k: "route" | "leaf"): string => `${k}: ${got[k].length}/${sent} (seed ${seed})`;
    await waitFor(() => got.route.length === sent && got.leaf.length === sent, { timeoutMs: 20_000, what: `${what("route")} ${what("leaf")}` });
    const inOrder = Array.from({ length: sent }, (_, i) => i);
    assert.deepEqual(got.route, inOrder, `route traffic in order (seed ${seed})`);
    assert.deepEqual(got.leaf, inOrder, `leaf traffic in order (seed ${seed})`);
    assert.equal(bRoute.closed, false, `the route to B survived (seed ${seed})`);
    assert.equal(lLink.closed, false, `the leaf link survived (seed ${seed})`);
    // Every fuzz connection goes, in time: only B's routes and L's link stay.
    await waitFor(() => a.server.routes!.all.size === routesBefore && a.server.leafs!.leafs.size === 1, {
      timeoutMs: 20_000,
      what: `fuzz links gone: ${a.server.routes!.all.size} routes, ${a.server.leafs!.leafs.size} leafs (seed ${seed})`,
    });
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    assert.ok(grownMb < 300, `rss grew by ${grownMb.toFixed(0)} MB (seed ${seed})`);
    console.log(`link fuzz: ${fuzzConns} connections, ${sent} good messages each way, rss +${grownMb.toFixed(0)} MB`);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await leaf.close();
    await cl.close();
  }
});
