/**
 * Raft over NATS routes between real tsnats server processes (src/testkit/raft-kv-server.ts):
 * a 3- and a 5-node group serving the KV register while the test SIGKILLs nodes (the leader
 * first), SIGSTOPs them, cuts links between them (LinkProxy on the routes) and flips a bit in a
 * stopped node's log. Afterwards every fault is healed and the group must make progress and
 * converge; every acknowledged write must be in every node's applied log, and the clients'
 * history must be linearizable.
 *
 * Default: a fixed fault schedule per group size (about 30 s each). RAFTNET_ROUNDS=N adds N
 * random fault rounds per group (RAFTNET_SEED fixes the randomness); RAFTNET_KEEP=1 keeps the
 * nodes' directories (logs, Raft logs) for a post-mortem.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { prng } from "../helpers/prng.js";
import { waitFor } from "../helpers/wait-for.js";
import { KvCluster, type KvState } from "./kv-cluster.js";
import { Workload } from "./workload.js";

const ROUNDS = Number(process.env.RAFTNET_ROUNDS ?? 0);
const SEED = Number(process.env.RAFTNET_SEED ?? Date.now() % 1_000_000_007);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  cluster: KvCluster;
  work: Workload;
  rng: () => number;
  log: string[];
  t0: number;
}

/** Records a fault with the time since the workload started. */
function note(run: Run, what: string): void {
  run.log.push(`${((Date.now() - run.t0) / 1000).toFixed(1)}s ${what}`);
}

/** Waits until `more` further operations completed (the group is live again). */
async function progressed(run: Run, more: number, timeoutMs = 30_000): Promise<void> {
  const target = run.work.completed + more;
  await waitFor(() => run.work.completed >= target, { timeoutMs, intervalMs: 50, what: `${more} more operations (${run.log.join("; ")})` });
}

async function leaderOrAny(run: Run): Promise<number> {
  const l = await run.cluster.leader();
  return l !== 0 ? l : 1 + Math.floor(run.rng() * run.cluster.nodes.length);
}

function others(run: Run, exclude: number[]): number[] {
  return run.cluster.nodes.map((n) => n.id).filter((id) => !exclude.includes(id));
}

function pick(run: Run, from: number[]): number {
  return from[Math.floor(run.rng() * from.length)]!;
}

/** Kills `ids` together, waits, restarts them. */
async function killAndRestart(run: Run, ids: number[], downMs: number): Promise<void> {
  note(run, `kill ${ids.join(",")}`);
  await Promise.all(ids.map((id) => run.cluster.kill(id)));
  await sleep(downMs);
  await Promise.all(ids.map((id) => run.cluster.startNode(id)));
}

async function pauseAndResume(run: Run, id: number, ms: number): Promise<void> {
  note(run, `pause ${id}`);
  run.cluster.pause(id);
  await sleep(ms);
  run.cluster.resume(id);
}

/** Cuts every link between `side` and the other nodes for `ms`. */
async function partition(run: Run, side: number[], ms: number): Promise<void> {
  note(run, `partition ${side.join(",")} | ${others(run, side).join(",")}`);
  const rest = others(run, side);
  for (const a of side) for (const b of rest) run.cluster.cut(a, b);
  await sleep(ms);
  for (const a of side) for (const b of rest) run.cluster.heal(a, b);
}

async function cutOne(run: Run, a: number, b: number, ms: number): Promise<void> {
  note(run, `cut ${a}-${b}`);
  run.cluster.cut(a, b);
  await sleep(ms);
  run.cluster.heal(a, b);
}

/** Kills `id`, flips a bit in its log, restarts it, and checks that it noticed. */
async function flipBit(run: Run, id: number): Promise<void> {
  await run.cluster.kill(id);
  const what = run.cluster.flipLogBit(id, run.rng);
  note(run, `flip ${id}: ${what ?? "no log yet"}`);
  const before = run.cluster.logText(id).length;
  await run.cluster.startNode(id);
  if (what === null) return;
  // The node logs the damage right after it says the member is open (startNode waits for that).
  const damaged = /log damaged, not voting until caught up/;
  await waitFor(() => damaged.test(run.cluster.logText(id).slice(before)), { timeoutMs: 10_000, intervalMs: 20 }).catch(() => undefined);
  assert.match(run.cluster.logText(id).slice(before), damaged, `node ${id} must detect the flipped bit (${what})`);
  // It catches up from the leader. Until then it does not vote: damaging another node meanwhile
  // could leave a majority unable to elect anyone (docs/raft.md, the recovering rule).
  await waitFor(async () => (await run.cluster.state(id))?.recovering === false, {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: `node ${id} caught up after its log was damaged (${run.log.join("; ")})`,
  });
}

/** One random fault (RAFTNET_ROUNDS): half of them aimed at the leader. */
async function randomFault(run: Run): Promise<void> {
  const n = run.cluster.nodes.length;
  const minority = Math.floor((n - 1) / 2);
  const leader = await leaderOrAny(run);
  const victim = run.rng() < 0.5 ? leader : pick(run, others(run, []));
  switch (Math.floor(run.rng() * 5)) {
    case 0:
      return killAndRestart(run, [victim, ...others(run, [victim]).slice(0, Math.floor(run.rng() * minority))], 500 + run.rng() * 1500);
    case 1:
      return pauseAndResume(run, victim, 500 + run.rng() * 2500);
    case 2:
      return partition(run, [victim, ...others(run, [victim]).slice(0, Math.floor(run.rng() * minority))], 500 + run.rng() * 2500);
    case 3:
      return cutOne(run, victim, pick(run, others(run, [victim])), 500 + run.rng() * 2500);
    default:
      return flipBit(run, victim);
  }
}

/** Heals everything, waits for progress and convergence, and runs the checkers. */
async function verify(run: Run, report: (msg: string) => void): Promise<void> {
  await run.work.stop();
  await run.cluster.healAll();
  await run.work.progress(30_000);
  note(run, "progress");
  let states: KvState[] = [];
  await waitFor(
    async () => {
      const all = await Promise.all(run.cluster.nodes.map((n) => run.cluster.state(n.id)));
      if (all.some((s) => s === null)) return false;
      states = all as KvState[];
      const first = states[0]!;
      return states.every((s) => !s.recovering && s.applied === first.applied && s.ids.length === first.ids.length && JSON.stringify(s.map) === JSON.stringify(first.map));
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `every node converges (${run.log.join("; ")})` },
  );
  const ids = JSON.stringify(states[0]!.ids);
  for (const s of states) assert.equal(JSON.stringify(s.ids), ids, `node ${s.id} applied the same writes in the same order`);
  assert.deepEqual(run.work.checkDurable(states), [], "every acknowledged write is applied, once, on every node");
  const verdict = run.work.check();
  assert.deepEqual(verdict, { ok: true }, `the history is linearizable (${run.log.join("; ")})`);
  note(run, "checked");
  const unknown = run.work.ops.length - run.work.completed;
  const acked = run.work.acked.size;
  assert.ok(acked > 0, "some writes were acknowledged");
  report(`${run.cluster.nodes.length} nodes: ${run.work.completed} ops acknowledged (${acked} writes), ${unknown} unknown, ${run.work.refused} refused; faults: ${run.log.join("; ")}`);
}

function suite(n: number, schedule: (run: Run) => Promise<void>): void {
  describe(`a ${n}-node Raft KV group of tsnats server processes`, { timeout: 240_000 + ROUNDS * 20_000 }, () => {
    let run: Run;
    let dir = "";
    before(async () => {
      dir = fs.mkdtempSync(join(tmpdir(), `tsnats-raftnet-${n}-`));
      const cluster = await KvCluster.start({ n, baseDir: dir, tickMs: 50, snapshotEntries: 300 });
      const rng = prng(SEED + n);
      run = { cluster, work: new Workload(cluster, rng), rng, log: [], t0: 0 };
    });
    after(async () => {
      await run?.work.stop();
      await run?.cluster.close();
      if (dir === "") return;
      if (process.env.RAFTNET_KEEP) process.stderr.write(`kept ${dir}\n`);
      else fs.rmSync(dir, { recursive: true, force: true });
    });

    test("faults, then every acknowledged write is there and the history is linearizable", async (t) => {
      run.t0 = Date.now();
      run.log.push(`RAFTNET_SEED=${SEED}`);
      run.work.start(4);
      await waitFor(async () => (await run.cluster.leader()) !== 0, { timeoutMs: 30_000, intervalMs: 100, what: "a leader" });
      await progressed(run, 20);
      note(run, "warmed up");
      await schedule(run);
      for (let i = 0; i < ROUNDS; i++) {
        await randomFault(run);
        await progressed(run, 10);
      }
      note(run, "heal all");
      await verify(run, (msg) => t.diagnostic(msg));
    });
  });
}

suite(3, async (run) => {
  const l1 = await leaderOrAny(run);
  await killAndRestart(run, [l1], 700);
  await progressed(run, 10);
  await pauseAndResume(run, await leaderOrAny(run), 1500);
  await progressed(run, 10);
  await partition(run, [await leaderOrAny(run)], 2000);
  await progressed(run, 10);
  const l2 = await leaderOrAny(run);
  await cutOne(run, l2, pick(run, others(run, [l2])), 1500);
  await progressed(run, 10);
  await flipBit(run, pick(run, others(run, [await leaderOrAny(run)])));
  await progressed(run, 10);
  await flipBit(run, await leaderOrAny(run));
});

suite(5, async (run) => {
  const l1 = await leaderOrAny(run);
  await killAndRestart(run, [l1, pick(run, others(run, [l1]))], 1000);
  await progressed(run, 10);
  const l2 = await leaderOrAny(run);
  await partition(run, [l2, pick(run, others(run, [l2]))], 2000);
  await progressed(run, 10);
  const l3 = await leaderOrAny(run);
  const [p, f] = others(run, [l3]);
  run.cluster.pause(p!);
  note(run, `pause ${p}`);
  await flipBit(run, f!);
  await sleep(1000);
  run.cluster.resume(p!);
  await progressed(run, 10);
  const l4 = await leaderOrAny(run);
  const [a, b] = others(run, [l4]);
  run.cluster.cut(l4, a!);
  note(run, `cut ${l4}-${a}`);
  await killAndRestart(run, [b!], 1000);
  run.cluster.heal(l4, a!);
});
