/**
 * Reloading `pool_size` and the pinned `accounts` (nats-server 2.10 reload.go
 * clusterOption): a newly pinned account gets its dedicated routes, a new pool size
 * re-forms every pool with that many connections, and an account no longer pinned goes
 * back to its pooled route; traffic flows after each step.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadConfigFile } from "../../src/config/index.js";
import { startServer, type NatsServer } from "../../src/index.js";
import { reloadConfig } from "../../src/server/reload.js";
import { waitInterest } from "../helpers/cluster.js";
import { freePort } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

interface NodeSpec {
  file: string;
  port: number;
  routePort: number;
  routes: number[];
}

function writeConfig(n: NodeSpec, poolSize: number, pinned: string[]): void {
  writeFileSync(
    n.file,
    `listen: "127.0.0.1:${n.port}"
accounts {
  A: { users: [{ user: a, password: pw }] }
  C: { users: [{ user: c, password: pw }] }
}
cluster {
  name: reload
  listen: "127.0.0.1:${n.routePort}"
  routes: [${n.routes.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ")}]
  pool_size: ${poolSize}
  accounts: [${pinned.join(", ")}]
}
`,
  );
}

/** Both nodes have `size` pooled routes and exactly the `pinned` dedicated ones to each other. */
function formed(nodes: readonly NatsServer[], size: number, pinned: readonly string[]): boolean {
  return nodes.every((n, i) => {
    const m = n.server.routes!;
    const other = nodes[1 - i]!.server.id;
    const conns = m.pools.get(other);
    if (conns === undefined || conns.length !== size || conns.some((r) => r === null || r.closed)) return false;
    if ([...m.pinned.keys()].sort().join() !== [...pinned].sort().join()) return false;
    return pinned.every((a) => m.pinned.get(a)!.get(other)?.registered === true) && m.all.size === size + pinned.length;
  });
}

describe("reloading pool_size and pinned accounts", () => {
  let dir = "";
  const specs: NodeSpec[] = [];
  const nodes: NatsServer[] = [];
  const conns: NatsConnection[] = [];

  const reload = (i: number, poolSize: number, pinned: string[]): void => {
    writeConfig(specs[i]!, poolSize, pinned);
    const r = reloadConfig(nodes[i]!.server);
    assert.ok(r.ok, r.errors.join("; "));
  };
  const reloadAll = (poolSize: number, pinned: string[]): void => {
    for (let i = 0; i < specs.length; i++) reload(i, poolSize, pinned);
  };

  /** A request in `account` from node 0 answered on node 1. */
  async function roundTrip(account: string, subject: string): Promise<void> {
    const c1 = await connect({ servers: nodes[1]!.clientURL, user: account.toLowerCase(), pass: "pw" });
    const c0 = await connect({ servers: nodes[0]!.clientURL, user: account.toLowerCase(), pass: "pw" });
    conns.push(c0, c1);
    c1.subscribe(subject, { callback: (_e, m) => void m.respond(`${account} ok`) });
    await c1.flush();
    await waitInterest(nodes, subject, account);
    assert.equal((await c0.request(subject, "", { timeout: 5000 })).string(), `${account} ok`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tsnats-pool-reload-"));
    const [p0, p1, r0, r1] = [await freePort(), await freePort(), await freePort(), await freePort()];
    specs.push({ file: join(dir, "n0.conf"), port: p0, routePort: r0, routes: [] }, { file: join(dir, "n1.conf"), port: p1, routePort: r1, routes: [r0] });
    for (const s of specs) {
      writeConfig(s, 3, ["A"]);
      nodes.push(await startServer(loadConfigFile(s.file).options));
    }
    await waitFor(() => formed(nodes, 3, ["A", "$SYS"]), { timeoutMs: 15_000, what: "the first pools" });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("a newly pinned account gets its dedicated route, and its traffic takes it", async () => {
    // The seed first: the other node hears of it (INFO route_acc_add_reqid) before its own reload.
    reload(0, 3, ["A", "C"]);
    await waitFor(() => nodes[1]!.server.routes!.pinned.has("C"), { what: "node 1 told that C is pinned" });
    reload(1, 3, ["A", "C"]);
    await waitFor(() => formed(nodes, 3, ["A", "C", "$SYS"]), { timeoutMs: 15_000, what: "C's pinned routes" });
    await roundTrip("C", "pinned.c");
    const route = nodes[0]!.server.routes!.routeFor(nodes[1]!.server.id, "C")!;
    assert.equal(route.accountName, "C");
    assert.ok(route.subs.has("C pinned.c"));
  });

  test("a new pool size re-forms every pool with that many routes", async () => {
    reloadAll(2, ["A", "C"]);
    await waitFor(() => formed(nodes, 2, ["A", "C", "$SYS"]), { timeoutMs: 20_000, what: "pools of 2" });
    await roundTrip("A", "pool2.a");
    await roundTrip("C", "pool2.c");
    const varz = nodes[0]!.server.options.cluster!.poolSize;
    assert.equal(varz, 2);
  });

  test("an account no longer pinned loses its dedicated route and goes back to its pool index", async () => {
    reloadAll(2, ["A"]);
    await waitFor(() => formed(nodes, 2, ["A", "$SYS"]), { timeoutMs: 15_000, what: "C unpinned" });
    await roundTrip("C", "unpinned.c");
    const route = nodes[0]!.server.routes!.routeFor(nodes[1]!.server.id, "C")!;
    assert.equal(route.accountName, "");
    assert.ok(route.subs.has("C unpinned.c"));
  });
});
