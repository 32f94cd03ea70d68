/**
 * RaftHost in servers of one process joined by routes: the NATS transport carries a group's
 * traffic across routes, the KV service answers clients, and junk on the Raft subjects is
 * dropped without harm.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RaftHost } from "../../src/raftnet/host.js";
import type { RaftDriver } from "../../src/raft/driver.js";
import { NatsTransport } from "../../src/raft/transport.js";
import { Role } from "../../src/raft/types.js";
import { KvRegister, KvService } from "../../src/testkit/raft-kv.js";
import { startCluster, type TestCluster } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait-for.js";

describe("Raft groups hosted by servers joined by routes", { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let dir = "";
  const drivers: RaftDriver[] = [];
  const machines: KvRegister[] = [];
  let nc: NatsConnection;

  before(async () => {
    dir = fs.mkdtempSync(join(tmpdir(), "tsnats-raft-host-"));
    cluster = await startCluster(3, "raft-host");
    cluster.nodes.forEach((n, i) => {
      const sm = new KvRegister();
      const d = new RaftHost(n.server).open({
        group: "g",
        dir: join(dir, `n${i + 1}`),
        id: i + 1,
        bootstrap: { voters: [1, 2, 3], learners: [] },
        stateMachine: sm,
        tickMs: 30,
      });
      new KvService(n.server, d, sm);
      drivers.push(d);
      machines.push(sm);
    });
    nc = await connect({ servers: `127.0.0.1:${cluster.nodes[0]!.port}` });
  });

  after(async () => {
    await nc?.close();
    await cluster?.close();
    if (dir !== "") fs.rmSync(dir, { recursive: true, force: true });
  });

  const leader = (): Promise<RaftDriver> =>
    waitFor(() => drivers.find((d) => d.node.role === Role.Leader && d.node.log.commit > 0), { timeoutMs: 30_000, what: "a leader" }) as Promise<RaftDriver>;

  test("elects a leader and replicates over routes", async () => {
    const l = await leader();
    const result = await new Promise<unknown>((resolve, reject) => l.propose(Buffer.from(JSON.stringify({ t: "w", k: "x", v: "1", e: null, id: 1 })), (err, r) => (err ? reject(err) : resolve(r))));
    assert.equal((result as { swapped: boolean }).swapped, true);
    await waitFor(() => machines.every((m) => m.map.get("x") === "1"), { timeoutMs: 20_000, what: "every member applied the write" });
  });

  test("a client writes, compare-and-sets and reads through any member, following the leader hint", async () => {
    const l = await leader();
    const ask = async (id: number, body: unknown) => (await nc.request(`$TSKV.g.${id}`, JSON.stringify(body), { timeout: 10_000 })).json<Record<string, unknown>>();
    const follower = drivers.find((d) => d !== l)!;
    const refused = await ask(follower.id, { op: "w", k: "y", v: "a", id: 2 });
    assert.equal(refused.error, "not_leader");
    assert.equal(refused.leader, l.id);
    assert.equal(typeof (await ask(l.id, { op: "w", k: "y", v: "a", id: 3 })).index, "number");
    assert.equal((await ask(l.id, { op: "c", k: "y", v: "b", e: "zzz", id: 4 })).swapped, false);
    assert.equal((await ask(l.id, { op: "c", k: "y", v: "b", e: "a", id: 5 })).swapped, true);
    assert.deepEqual(await ask(l.id, { op: "r", k: "y" }), { value: "b" });
    assert.deepEqual(await ask(l.id, { op: "r", k: "nope" }), { value: null });
    assert.deepEqual(await ask(l.id, { op: "w" }), { error: "bad request" });
    for (const junk of ["null", "42", "[", '"s"']) {
      const m = await nc.request(`$TSKV.g.${l.id}`, junk, { timeout: 10_000 });
      assert.deepEqual(m.json(), { error: "bad request" });
    }
    const state = await ask(follower.id, { op: "state" });
    assert.equal(state.leader, l.id);
  });

  test("junk and messages with headers on a Raft subject are dropped; the group carries on", async () => {
    const s = cluster.nodes[1]!.server;
    const target = NatsTransport.subject("g", drivers[1]!.id);
    s.publishInternal(s.systemAccount, target, "", Buffer.from("not a raft message\r\n"), -1);
    s.publishInternal(s.systemAccount, target, "", Buffer.from("NATS/1.0\r\n\r\n\r\n"), 12);
    s.publishInternal(s.systemAccount, target, "", Buffer.from("\r\n"), -1);
    const l = await leader();
    await new Promise<void>((resolve, reject) => l.propose(Buffer.from(JSON.stringify({ t: "w", k: "z", v: "ok", id: 6 })), (err) => (err ? reject(err) : resolve())));
    await waitFor(() => machines.every((m) => m.map.get("z") === "ok"), { timeoutMs: 20_000, what: "every member applied the write" });
  });

  test("server shutdown stops its group", async () => {
    const n = cluster.nodes[2]!;
    const d = drivers[2]!;
    await n.close();
    // Requests after the stop fail at once (they would wait forever otherwise).
    const readErr = await new Promise<Error | null>((resolve) => d.read((e) => resolve(e)));
    assert.equal((readErr as Error & { code: string }).code, "stopped");
    const proposeErr = await new Promise<Error | null>((resolve) => d.propose(Buffer.from("x"), (e) => resolve(e)));
    assert.equal((proposeErr as Error & { code: string }).code, "stopped");
  });
});
