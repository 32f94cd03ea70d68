/**
 * Route pooling next to a real nats-server 2.10 (opt-in: CI and Debian have only 2.9).
 * Mixed clusters, 2 tsnats + 1 nats-server and 1 tsnats + 2 nats-server, every node with
 * `pool_size: 3` and account A pinned (plus the system account's route, as 2.10 does):
 * traffic in a pinned and two pooled accounts, queue groups, requests, both sides' /routez
 * describing the same connections (each account's interest on exactly one of them), a node
 * restart and a reload of the pinned accounts on either side. Apart: a pool-size mismatch is
 * refused with 2.10's error (tsnats itself takes it, as 2.11 does), and routes to a 2.10
 * that compresses (`s2_fast`) come up uncompressed ("off") whichever side dials.
 *
 * Runs only when `NATS_SERVER_210` names a nats-server 2.10.x binary (README, "Cluster").
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadConfigFile } from "../../src/config/index.js";
import { startServer, type NatsServer } from "../../src/index.js";
import { reloadConfig } from "../../src/server/reload.js";
import { CaptureLogger } from "../helpers/capture-logger.js";
import { monitorJson, warmUp } from "../helpers/interop.js";
import { freePort, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

/** The 2.10 binary named by NATS_SERVER_210, or why the tests skip. */
function natsServer210(): { bin: string | null; skip: string | false } {
  const bin = process.env.NATS_SERVER_210;
  const how = "set NATS_SERVER_210 to a nats-server 2.10.x binary to run (see README, Cluster)";
  if (bin === undefined || bin === "") return { bin: null, skip: how };
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (r.status !== 0 || !/v2\.10\./.test(r.stdout)) return { bin: null, skip: `${bin} is not nats-server 2.10.x: ${how}` };
  return { bin, skip: false };
}

const { bin, skip } = natsServer210();
const ACCOUNTS = ["A", "B", "C"] as const;
type Json = Record<string, unknown>;

interface Spec {
  name: string;
  kind: "tsnats" | "go";
  routePort: number;
  monitorPort: number;
  routes: number[];
  poolSize: number;
  pinned: string[];
  compression?: string;
}

function configText(s: Spec): string {
  const users = (a: string): string => `${a} { users: [{ user: ${a.toLowerCase()}, password: pw }] }`;
  const cluster = [
    `name: p210`,
    `listen: "127.0.0.1:${s.routePort}"`,
    `pool_size: ${s.poolSize}`,
    `accounts: [${s.pinned.join(", ")}]`,
    `routes: [${s.routes.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ")}]`,
  ];
  if (s.compression !== undefined) cluster.push(`compression: ${s.compression}`);
  return [
    `server_name: ${s.name}`,
    `http: "127.0.0.1:${s.monitorPort}"`,
    `accounts { ${[...ACCOUNTS, "SYS"].map(users).join("\n")} }`,
    `system_account: SYS`,
    `cluster { ${cluster.join("\n")} }`,
    "",
  ].join("\n");
}

/** A node of either kind, started from a config file it can be restarted and reloaded from. */
class Node {
  clientURL = "";
  id = "";
  ts: NatsServer | null = null;
  go: RunningNatsServer | null = null;
  readonly log = new CaptureLogger(false);

  constructor(
    readonly spec: Spec,
    readonly file: string,
  ) {}

  async start(): Promise<void> {
    writeFileSync(this.file, configText(this.spec));
    if (this.spec.kind === "tsnats") {
      const r = loadConfigFile(this.file);
      assert.deepEqual(r.errors, []);
      this.ts = await startServer({ ...r.options, port: 0, host: "127.0.0.1", logger: this.log });
      this.clientURL = this.ts.clientURL;
    } else {
      this.go = await startNatsServer(bin!, ["-c", this.file]);
      this.clientURL = `nats://127.0.0.1:${this.go.port}`;
    }
    // The monitoring port may open a moment after the client port.
    this.id = await waitFor(async () => (await monitorJson<{ server_id: string }>(this.spec, "/varz")).server_id, { what: `${this.spec.name}'s /varz` });
  }

  async stop(): Promise<void> {
    await this.ts?.close();
    await this.go?.stop();
    this.ts = this.go = null;
  }

  /** Rewrites the config with `pinned` and reloads it (SIGHUP for nats-server). */
  async reloadPinned(pinned: string[]): Promise<void> {
    this.spec.pinned = pinned;
    writeFileSync(this.file, configText(this.spec));
    if (this.ts !== null) {
      const r = reloadConfig(this.ts.server);
      assert.ok(r.ok, r.errors.join("; "));
    } else {
      this.go!.proc.kill("SIGHUP");
    }
  }

  routez(subs = false): Promise<{ routes?: Json[] }> {
    return monitorJson(this.spec, `/routez${subs ? "?subs=1" : ""}`);
  }
}

/** Per peer ID: how many pooled routes, which pinned accounts' routes (sorted). */
type Shape = Map<string, { pooled: number; pinned: string[] }>;

async function shape(n: Node): Promise<Shape> {
  const out: Shape = new Map();
  for (const r of (await n.routez()).routes ?? []) {
    const id = String(r.remote_id);
    const e = out.get(id) ?? { pooled: 0, pinned: [] };
    if (typeof r.account === "string" && r.account !== "") e.pinned.push(r.account);
    else e.pooled++;
    out.set(id, e);
  }
  for (const e of out.values()) e.pinned.sort();
  return out;
}

/** Every pair of nodes has 3 pooled routes and one per account either side pins (+ SYS), seen from both sides. */
async function formed(nodes: readonly Node[]): Promise<string | true> {
  const shapes = await Promise.all(nodes.map(shape));
  for (let i = 0; i < nodes.length; i++) {
    for (let j = 0; j < nodes.length; j++) {
      if (i === j) continue;
      const want = [...new Set(["SYS", ...nodes[i]!.spec.pinned, ...nodes[j]!.spec.pinned])].sort();
      const got = shapes[i]!.get(nodes[j]!.id);
      if (got === undefined || got.pooled !== 3 || got.pinned.join() !== want.join()) {
        return `${nodes[i]!.spec.name} -> ${nodes[j]!.spec.name}: ${JSON.stringify(got)}, want pinned ${want.join()}`;
      }
    }
    if (shapes[i]!.size !== nodes.length - 1) return `${nodes[i]!.spec.name} has ${shapes[i]!.size} peers`;
  }
  return true;
}

async function waitFormed(nodes: readonly Node[], what: string): Promise<void> {
  let last: string | true = "";
  try {
    await waitFor(
      async () => {
        last = await formed(nodes);
        return last === true;
      },
      { timeoutMs: 20_000, intervalMs: 100, what },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${String(last)}`);
  }
}

/** One connection per node in `account`. */
async function connectAll(nodes: readonly Node[], account: string): Promise<NatsConnection[]> {
  return Promise.all(nodes.map((n) => connect({ servers: n.clientURL, user: account.toLowerCase(), pass: "pw" })));
}

async function closeAll(conns: readonly NatsConnection[]): Promise<void> {
  await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
}

/** Every node's message in `account` reaches every node's subscriber exactly once. */
async function meshOnce(nodes: readonly Node[], account: string, subject: string): Promise<void> {
  const conns = await connectAll(nodes, account);
  try {
    const got: string[] = [];
    conns.forEach((c, i) => c.subscribe(`${subject}.*`, { callback: (_e, m) => void got.push(`${i}<-${m.string()}`) }));
    await warmUp(conns, `${subject}.warm`);
    got.length = 0;
    conns.forEach((c, i) => c.publish(`${subject}.x`, nodes[i]!.spec.name));
    await Promise.all(conns.map((c) => c.flush()));
    const want = conns.length * conns.length;
    await waitFor(() => got.length >= want, { what: `${want} deliveries in ${account}` });
    // A round trip through every node after the last delivery: a duplicate would have arrived by now.
    await Promise.all(conns.map((c) => c.flush()));
    assert.equal(got.length, want, got.join(" "));
    assert.equal(new Set(got).size, want);
  } finally {
    await closeAll(conns);
  }
}

/** Requests in `account` from every node to every node are answered. */
async function requestsEverywhere(nodes: readonly Node[], account: string): Promise<void> {
  const conns = await connectAll(nodes, account);
  try {
    conns.forEach((c, i) => c.subscribe(`svc.${account}.${i}`, { callback: (_e, m) => void m.respond(`${nodes[i]!.spec.name}:${m.string()}`) }));
    await warmUp(conns, `svc.${account}.warm`);
    for (let from = 0; from < conns.length; from++) {
      for (let to = 0; to < conns.length; to++) {
        const r = await conns[from]!.request(`svc.${account}.${to}`, String(from), { timeout: 5000 });
        assert.equal(r.string(), `${nodes[to]!.spec.name}:${from}`);
      }
    }
  } finally {
    await closeAll(conns);
  }
}

interface Cluster {
  nodes: Node[];
  dir: string;
}

async function specFor(name: string, kind: Spec["kind"], routes: number[]): Promise<Spec> {
  return {
    name,
    kind,
    routePort: await freePort(),
    monitorPort: await freePort(),
    routes,
    poolSize: 3,
    pinned: ["A"],
    // nats-server compresses between its own nodes; with tsnats the link must stay uncompressed.
    compression: kind === "go" ? "s2_fast" : undefined,
  };
}

/** Starts `kinds` in order, the first the seed, each later one routed to the one before it. */
async function startCluster(kinds: Spec["kind"][]): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-pool210-"));
  const nodes: Node[] = [];
  for (const [i, kind] of kinds.entries()) {
    const routes = i === 0 ? [] : [nodes[i - 1]!.spec.routePort];
    const n = new Node(await specFor(`${kind === "go" ? "N" : "T"}${i + 1}`, kind, routes), join(dir, `n${i}.conf`));
    await n.start();
    nodes.push(n);
  }
  return { nodes, dir };
}

function mixedSuite(title: string, kinds: Spec["kind"][]): void {
  describe(title, { skip }, () => {
    let c: Cluster;
    before(async () => {
      c = await startCluster(kinds);
      await waitFormed(c.nodes, "pools of 3 with A and SYS pinned");
    });
    after(async () => {
      await Promise.all(c?.nodes.map((n) => n.stop()) ?? []);
      if (c !== undefined) rmSync(c.dir, { recursive: true, force: true });
    });

    test("both sides' /routez agree, routes to tsnats are uncompressed, each account's interest is on one connection", async () => {
      for (const n of c.nodes) {
        if (n.spec.kind !== "go") continue;
        for (const r of (await n.routez()).routes ?? []) {
          const peer = c.nodes.find((x) => x.id === r.remote_id)!;
          assert.equal(r.compression, peer.spec.kind === "tsnats" ? "off" : "s2_fast", `${n.spec.name} -> ${peer.spec.name}`);
        }
      }
      const conns = await connectAll(c.nodes, "A");
      const more = [...(await connectAll(c.nodes, "B")), ...(await connectAll(c.nodes, "C"))];
      try {
        const all = [...conns, ...more];
        // Each node subscribes in each account to a subject naming both.
        c.nodes.forEach((n, i) => {
          for (const [k, acc] of ACCOUNTS.entries()) all[k * c.nodes.length + i]!.subscribe(`probe.${acc}.${n.spec.name}`, { callback: () => undefined });
        });
        await Promise.all(all.map((x) => x.flush()));
        for (const viewer of c.nodes) {
          await waitFor(
            async () => {
              const routes = (await viewer.routez(true)).routes ?? [];
              for (const owner of c.nodes) {
                if (owner === viewer) continue;
                const toOwner = routes.filter((r) => r.remote_id === owner.id);
                for (const acc of ACCOUNTS) {
                  const subject = `probe.${acc}.${owner.spec.name}`;
                  const carrying = toOwner.filter((r) => ((r.subscriptions_list as string[] | undefined) ?? []).includes(subject));
                  if (carrying.length !== 1) return false;
                  // The pinned account's interest is on its dedicated route, the others' on pooled ones.
                  if ((carrying[0]!.account ?? "") !== (acc === "A" ? "A" : "")) return false;
                }
              }
              return true;
            },
            { timeoutMs: 10_000, intervalMs: 100, what: `${viewer.spec.name}'s routes each carry an account's interest once` },
          );
        }
      } finally {
        await closeAll([...conns, ...more]);
      }
    });

    test("messages in a pinned and in pooled accounts reach every node exactly once", async () => {
      for (const acc of ACCOUNTS) await meshOnce(c.nodes, acc, `mesh.${acc}`);
    });

    test("a queue group spread over all nodes gets each message exactly once", async () => {
      for (const acc of ["A", "B"]) {
        const conns = await connectAll(c.nodes, acc);
        try {
          const got: string[] = [];
          conns.forEach((x, i) => x.subscribe("jobs", { queue: "workers", callback: (_e, m) => void got.push(`${i}:${m.string()}`) }));
          await warmUp(conns, "jobs.warm");
          // Every node must have heard every member (a queue member's RS+ travels separately from the warm-up's).
          await meshOnce(c.nodes, acc, "jobs.sync");
          const total = 300;
          for (let i = 0; i < total; i++) conns[i % conns.length]!.publish("jobs", String(i));
          await Promise.all(conns.map((x) => x.flush()));
          await waitFor(() => got.length >= total, { what: `${total} queue deliveries in ${acc}, have ${got.length}` });
          await Promise.all(conns.map((x) => x.flush()));
          assert.equal(got.length, total);
          assert.equal(new Set(got.map((g) => g.split(":")[1])).size, total);
        } finally {
          await closeAll(conns);
        }
      }
    });

    test("requests are answered in every direction in every account", async () => {
      for (const acc of ACCOUNTS) await requestsEverywhere(c.nodes, acc);
    });

    test("a restarted node gets its pools and pinned routes back", async () => {
      for (const kind of ["go", "tsnats"] as const) {
        const n = c.nodes.filter((x) => x.spec.kind === kind).at(-1)!;
        await n.stop();
        await n.start();
        await waitFormed(c.nodes, `after ${n.spec.name}'s restart`);
        await meshOnce(c.nodes, "B", `restart.${kind}`);
        await meshOnce(c.nodes, "A", `restart.${kind}`);
      }
    });

    test("pinning an account by reload, tsnats nodes first and nats-server nodes first", async () => {
      // As with nats-server alone, every node's config gets the account; the order varies.
      const ts = c.nodes.filter((x) => x.spec.kind === "tsnats");
      const go = c.nodes.filter((x) => x.spec.kind === "go");
      for (const n of [...ts, ...go]) await n.reloadPinned(["A", "B"]);
      await waitFormed(c.nodes, "B pinned everywhere (tsnats reloaded first)");
      await meshOnce(c.nodes, "B", "reload.b");
      await requestsEverywhere(c.nodes, "B");
      for (const n of [...go, ...ts]) await n.reloadPinned(["A", "B", "C"]);
      await waitFormed(c.nodes, "C pinned everywhere (nats-server reloaded first)");
      await meshOnce(c.nodes, "C", "reload.c");
      await requestsEverywhere(c.nodes, "C");
      await meshOnce(c.nodes, "B", "reload.c");
      // nats-server answered every announcement (route_acc_add_reqid) in time.
      for (const n of ts) assert.ok(!n.log.has("Timed out waiting for confirmation"), n.spec.name);
    });
  });
}

mixedSuite("2 tsnats + 1 nats-server 2.10, pool_size 3, A pinned", ["go", "tsnats", "tsnats"]);
mixedSuite("1 tsnats + 2 nats-server 2.10, pool_size 3, A pinned", ["tsnats", "go", "go"]);

describe("tsnats and one nats-server 2.10 alone", { skip }, () => {
  const dir = bin !== null ? mkdtempSync(join(tmpdir(), "tsnats-pool210-pair-")) : "";
  const started: Node[] = [];
  after(async () => {
    await Promise.all(started.map((n) => n.stop()));
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  async function pair(tsDials: boolean, tsPool: number): Promise<[Node, Node]> {
    const g = new Node(await specFor(`G${started.length}`, "go", []), join(dir, `g${started.length}.conf`));
    const t = new Node(await specFor(`T${started.length}`, "tsnats", []), join(dir, `t${started.length}.conf`));
    t.spec.poolSize = tsPool;
    (tsDials ? t : g).spec.routes = [(tsDials ? g : t).spec.routePort];
    started.push(g, t);
    await g.start();
    await t.start();
    return [t, g];
  }

  for (const tsDials of [true, false]) {
    test(`compression "off" when ${tsDials ? "tsnats dials" : "tsnats accepts"} a nats-server configured for s2_fast`, async () => {
      const [t, g] = await pair(tsDials, 3);
      await waitFormed([t, g], "the pair's pools");
      const routes = (await g.routez()).routes ?? [];
      assert.equal(routes.length, 5);
      for (const r of routes) assert.equal(r.compression, "off");
      for (const acc of ACCOUNTS) await meshOnce([t, g], acc, `pair.${tsDials}`);
      await t.stop();
      await g.stop();
    });
  }

  for (const tsDials of [true, false]) {
    test(`a pool size mismatch is refused with 2.10's error when ${tsDials ? "tsnats dials" : "nats-server dials"}`, async () => {
      const [t, g] = await pair(tsDials, 4);
      // tsnats takes another pool size (as 2.11 does); 2.10 refuses it with its -ERR, in its
      // own terms, whichever side dialed.
      const error = "Mismatch route pool size: 3 vs 4";
      await waitFor(() => t.log.has(error), { timeoutMs: 10_000, what: `${error}: ${t.log.lines.filter((l) => l.includes("Mismatch")).join(" | ")}` });
      assert.equal(((await g.routez()).routes ?? []).length, 0);
      await t.stop();
      await g.stop();
    });
  }
});
