/**
 * Connection set-up rate with a C client (bench/c/connect-storm.c), tsnats against
 * nats-server in the same run: N connections each do the whole handshake (accept → INFO →
 * CONNECT → PING/PONG), are held, then all close. Both servers stay up, each in a session
 * of its own, and `--rounds` alternate between them (ratio of medians, per-round ratios,
 * load beside each figure). Also prints the server's CPU per connection set-up and
 * close (from /proc), which load on a shared machine disturbs less than the rate.
 *
 * Before the rounds each server takes `--warmup` connections (default twice `--conns`),
 * in storms of at most `--conns`, not counted. A warm-up of 200 (the old one) left
 * tsnats's first two rounds at 0.6-0.7 of nats-server while V8 compiled the connection
 * path (server CPU per connection 410 → 150 µs over the first three rounds), so a median of
 * 5 rounds measured the compiler as much as the set-up; nats-server's first storm is
 * slower too (Go's heap growing). `--warmup 200` measures the old way.
 * Usage: `node dist/bench/connect-storm.js [--conns 1000] [--parallel 4] [--rounds 5]
 * [--warmup N] [--nats-server PATH] [--tsnats-cmd CMD]` (CMD with `{port}`).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readCpuSeconds } from "../src/bench/proc.js";
import { track } from "./children.js";
import { defaultTsnatsServerPath, findNatsServer, startServer, waitIdle, type RunningServer, type ServerSpec } from "./compare-servers.js";
import { parseFlags, runMain } from "./script-args.js";

const USAGE = "Usage: node dist/bench/connect-storm.js [--conns 1000] [--parallel 4] [--rounds 5] [--warmup N] [--nats-server PATH] [--tsnats-cmd CMD]\n";
const SOURCE = fileURLToPath(new URL("../../bench/c/connect-storm.c", import.meta.url));
const RUN_TIMEOUT_MS = 120_000;

interface StormResult {
  conns: number;
  failed: number;
  setup_s: number;
  conns_per_sec: number;
  close_s: number;
  client_cpu_s: number;
}

function build(dir: string): string {
  const bin = join(dir, "connect-storm");
  const r = spawnSync("cc", ["-O2", "-o", bin, SOURCE, "-lpthread"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) throw new Error(`cc failed: ${r.error?.message ?? r.stderr.trim().slice(0, 300)}`);
  return bin;
}

function storm(bin: string, port: number, conns: number, parallel: number): Promise<StormResult> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(bin, ["127.0.0.1", String(port), String(conns), "--parallel", String(parallel)], { stdio: ["ignore", "pipe", "pipe"] }));
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || line === undefined) reject(new Error(`connect-storm ${sig ?? code}: ${err.trim().slice(0, 300)} ${out.trim()}`));
      else resolve(JSON.parse(line) as StormResult);
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const o = { conns: 1000, parallel: 4, rounds: 5, warmup: -1, natsServer: "", tsnatsCmd: "" };
  parseFlags(process.argv.slice(2), USAGE, {
    "--conns": (v) => (o.conns = Number(v)),
    "--parallel": (v) => (o.parallel = Number(v)),
    "--rounds": (v) => (o.rounds = Number(v)),
    "--warmup": (v) => (o.warmup = Number(v)),
    "--nats-server": (v) => (o.natsServer = v),
    "--tsnats-cmd": (v) => (o.tsnatsCmd = v),
  });
  const warmup = o.warmup < 0 ? 2 * o.conns : o.warmup;
  if (!existsSync(SOURCE)) throw new Error(`${SOURCE} missing`);
  const dir = mkdtempSync(join(tmpdir(), "tsnats-connect-storm-"));
  const running: RunningServer[] = [];
  try {
    const bin = build(dir);
    const tsnatsArgv = o.tsnatsCmd !== "" ? o.tsnatsCmd.split(" ") : [process.execPath, defaultTsnatsServerPath(), "-a", "127.0.0.1", "-p", "{port}"];
    const specs: ServerSpec[] = [{ name: "tsnats", argv: tsnatsArgv }];
    const ns = o.natsServer !== "" ? o.natsServer : findNatsServer();
    if (ns !== null) specs.push({ name: "nats-server", argv: [ns, "-a", "127.0.0.1", "-p", "{port}"] });
    for (const spec of specs) {
      const srv = await startServer(spec);
      running.push(srv);
      await waitIdle(srv.pid);
      for (let left = warmup; left > 0; left -= o.conns) {
        await storm(bin, srv.port, Math.min(left, o.conns), o.parallel);
        await waitIdle(srv.pid);
      }
    }
    process.stdout.write(`warm-up: ${warmup} connections per server, not counted\n`);
    const rates: Record<string, number[]> = {};
    const cpuUs: Record<string, number[]> = {};
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? running : [...running].reverse();
      for (const srv of order) {
        await waitIdle(srv.pid);
        const cpu0 = readCpuSeconds(srv.pid) ?? 0;
        const res = await storm(bin, srv.port, o.conns, o.parallel);
        await waitIdle(srv.pid); // the closes are the server's work too
        const cpu = ((readCpuSeconds(srv.pid) ?? 0) - cpu0) / o.conns;
        (rates[srv.spec.name] ??= []).push(res.conns_per_sec);
        (cpuUs[srv.spec.name] ??= []).push(cpu * 1e6);
        process.stdout.write(
          `round ${r + 1} ${srv.spec.name.padEnd(11)}: ${res.conns_per_sec.toFixed(0)} conns/s, server CPU ${(cpu * 1e6).toFixed(0)} µs per connection (set-up + close), client CPU ${res.client_cpu_s.toFixed(2)} s, load ${loadavg()[0]!.toFixed(2)}\n`,
        );
      }
    }
    const ts = rates.tsnats;
    const nr = rates["nats-server"];
    if (ts !== undefined && nr !== undefined) {
      const each = ts.map((t, i) => (t / nr[i]!).toFixed(2)).join(" ");
      process.stdout.write(`rate ratio tsnats/nats-server (medians of ${o.rounds}): ${(median(ts) / median(nr)).toFixed(2)}  per round: ${each}\n`);
      process.stdout.write(`CPU per connection tsnats/nats-server (medians): ${(median(cpuUs.tsnats!) / median(cpuUs["nats-server"]!)).toFixed(2)}  load ${loadavg()[0]!.toFixed(2)}\n`);
    }
  } finally {
    for (const srv of running) await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
