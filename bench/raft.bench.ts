/**
 * Raft benchmark: a 3-node group in one process, proposals committed per second and commit
 * latency (p50/p99, from propose to applied on the leader), with the log in memory and on disk
 * with fsync before every acknowledgement; for several numbers of proposals in flight, which
 * sets how many entries each append and each fsync carries (group commit). Two transports: in
 * memory, and NATS (three tsnats servers in this process joined by routes over 127.0.0.1, each
 * member on its own server's internal subscriptions, as RaftHost runs them).
 *
 *   node dist/bench/raft.bench.js [proposalsPerCase] [dir] [memory|nats|both]
 *   (default 20000 proposals, os tmpdir, both)
 *
 * There is no nats-server Raft to run side by side here: the numbers are absolute. They depend
 * on the machine's load (printed) and, on disk, on its fsync latency.
 */
import * as fs from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { RaftDriver, type StateMachine } from "../src/raft/driver.js";
import { MemoryTransport, NatsTransport, type Transport } from "../src/raft/transport.js";
import { ServerBus } from "../src/raftnet/bus.js";
import { startServer, type NatsServer } from "../src/index.js";
import { Role, type Entry } from "../src/raft/types.js";
import { FsDisk, MemDisk, type Disk } from "../src/raft/wal/disk.js";

const perCase = Number(process.argv[2] ?? 20000);
const baseDir = process.argv[3] || tmpdir();
const transports = process.argv[4] === "memory" || process.argv[4] === "nats" ? [process.argv[4]] : ["memory", "nats"];

class Counter implements StateMachine {
  n = 0;
  apply(e: Entry): unknown {
    if (e.data.length > 0) this.n++;
    return this.n;
  }
  snapshot(): Uint8Array {
    return Buffer.from(String(this.n));
  }
  restore(): void {}
}

interface Case {
  net: "memory" | "nats";
  disk: "memory" | "fsync";
  inflight: number;
  count: number;
}

async function runCase(c: Case): Promise<string> {
  const perCase = c.count;
  const memory = new MemoryTransport();
  const servers = c.net === "nats" ? await startRoutedServers(3) : [];
  const transport = (i: number): Transport => (c.net === "nats" ? new NatsTransport(new ServerBus(servers[i]!.server)) : memory);
  const dirs: string[] = [];
  const disk = (): Disk => {
    if (c.disk === "memory") return new MemDisk();
    const d = fs.mkdtempSync(join(baseDir, "tsnats-raft-bench-"));
    dirs.push(d);
    return new FsDisk(d);
  };
  let nextId = 1;
  const conf = { voters: [1, 2, 3], learners: [] };
  const drivers = [0, 1, 2].map(
    (i) =>
      new RaftDriver({
        raft: { random: Math.random, electionTicks: 10, heartbeatTicks: 1, maxBatchEntries: 1024, maxInflight: 64 },
        group: "bench",
        disk: disk(),
        transport: transport(i),
        stateMachine: new Counter(),
        tickMs: 20,
        snapshotEntries: 50_000,
        newId: () => nextId++,
        bootstrap: conf,
      }),
  );
  drivers.forEach((d) => d.start());
  const findLeader = async (): Promise<RaftDriver> => {
    let l: RaftDriver | undefined;
    while (!(l = drivers.find((d) => d.node.role === Role.Leader && d.node.log.commit > 0))) await new Promise((r) => setTimeout(r, 10));
    return l;
  };
  let leader = await findLeader();
  // A loaded machine can starve ticks into an election: proposals then go to the new leader.
  const term0 = leader.node.term;
  const lat: number[] = [];
  const payload = Buffer.alloc(64, 1);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const submit = (start: bigint): void => {
      leader.propose(payload, (err) => {
        if (err) {
          if (leader.node.role === Role.Leader && (err as Error & { code?: string }).code !== "dropped") return reject(err);
          findLeader().then((l) => {
            leader = l;
            submit(start);
          }, reject);
          return;
        }
        lat.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (++done === perCase) return resolve();
        if (sent < perCase) one();
      });
    };
    const one = (): void => {
      sent++;
      submit(process.hrtime.bigint());
    };
    for (let i = 0; i < Math.min(c.inflight, perCase); i++) one();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const elections = leader.node.term - term0;
  drivers.forEach((d) => d.stop());
  drivers.forEach((d) => d.wal.close());
  await Promise.all(servers.map((s) => s.close()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
  const cpuUs = (cpu.user + cpu.system) / perCase;
  return `${c.net.padEnd(7)} ${c.disk.padEnd(7)} ${String(c.inflight).padStart(8)} ${Math.round(perCase / secs).toString().padStart(10)} ${pct(0.5).padStart(9)} ${pct(0.99).padStart(9)} ${cpuUs.toFixed(1).padStart(12)}${elections > 0 ? `  (${elections} new terms)` : ""}`;
}

/** `n` tsnats servers on 127.0.0.1 joined by routes (each dials the first), once fully meshed. */
async function startRoutedServers(n: number): Promise<NatsServer[]> {
  const seed = await startServer({ port: -1, host: "127.0.0.1", cluster: { name: "raft-bench", host: "127.0.0.1", port: -1, routes: [] } });
  const route = `nats-route://127.0.0.1:${seed.server.routes!.listenPort}`;
  const servers = [seed];
  for (let i = 1; i < n; i++) {
    servers.push(await startServer({ port: -1, host: "127.0.0.1", cluster: { name: "raft-bench", host: "127.0.0.1", port: -1, routes: [route] } }));
  }
  while (!servers.every((s) => s.server.routes!.remotes.size === n - 1)) await new Promise((r) => setTimeout(r, 10));
  return servers;
}

async function main(): Promise<void> {
  process.stdout.write(`raft bench: 3 nodes in one process, ${perCase} proposals of 64 B per case, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);
  process.stdout.write(`net     disk    in-flight  commits/s  p50 (ms)  p99 (ms)  cpu us/commit\n`);
  for (const net of transports as Case["net"][]) {
    for (const disk of ["memory", "fsync"] as const) {
      for (const inflight of [1, 16, 256]) {
        // With fsync and one proposal in flight each commit waits for fsyncs: run fewer.
        const count = disk === "fsync" && inflight === 1 ? Math.min(perCase, 2000) : perCase;
        process.stdout.write((await runCase({ net, disk, inflight, count })) + "\n");
      }
    }
  }
}

void main();
