/**
 * Cross-gateway throughput, tsnats against nats-server in the same run
 * (`node dist/bench/gateway.bench.js`): for each implementation two server processes in
 * clusters A and B linked by a gateway; a raw-socket publisher on A and a raw-socket
 * subscriber on B, 16 B and 1 KiB messages. Reports delivered msgs/s and server CPU per
 * message (both processes, from /proc), with tsnats/nats-server ratios. Rounds alternate
 * which implementation goes first.
 *
 * Options: --rounds N (2), --msgs16 N (400,000), --msgs1k N (100,000).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { readCpuSeconds } from "../src/bench/proc.js";
import { defaultTsnatsServerPath, findNatsServer, freePort, startServer, type RunningServer } from "./compare-servers.js";

interface Impl {
  name: string;
  argv: (conf: string) => string[];
}

interface Sample {
  impl: string;
  size: number;
  msgsPerSec: number;
  cpuUsPerMsg: number;
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/** A and B for one implementation: B listens, A dials it; resolves with both processes. */
async function startPair(impl: Impl, dir: string): Promise<[RunningServer, RunningServer]> {
  const gwB = await freePort();
  const gwA = await freePort();
  const confB = join(dir, `${impl.name}-b.conf`);
  const confA = join(dir, `${impl.name}-a.conf`);
  writeFileSync(confB, `gateway { name: B, listen: "127.0.0.1:${gwB}" }\n`);
  writeFileSync(confA, `gateway { name: A, listen: "127.0.0.1:${gwA}", gateways: [ { name: B, url: "nats://127.0.0.1:${gwB}" } ] }\n`);
  const b = await startServer({ name: `${impl.name}-B`, argv: impl.argv(confB) });
  const a = await startServer({ name: `${impl.name}-A`, argv: impl.argv(confA) });
  return [a, b];
}

/** A raw client: CONNECT, then resolves once the server answered PING. */
async function rawClient(port: number, lines = ""): Promise<net.Socket> {
  const s = net.connect(port, "127.0.0.1");
  s.setNoDelay(true);
  await new Promise((r) => s.once("connect", r));
  let seen = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      seen += d.toString("latin1");
      if (seen.includes("PONG")) {
        s.off("data", onData);
        resolve();
      }
    };
    s.on("data", onData);
    s.once("error", reject);
    s.write(`CONNECT {"verbose":false,"pedantic":false}\r\n${lines}PING\r\n`);
  });
  return s;
}

/** Publishes `n` messages of `size` bytes on `pub` while `sub` counts bytes; returns seconds. */
async function transfer(pub: net.Socket, sub: net.Socket, subject: string, n: number, size: number): Promise<number> {
  const frame = Buffer.from(`PUB ${subject} ${size}\r\n${"x".repeat(size)}\r\n`, "latin1");
  const delivered = `MSG ${subject} 1 ${size}\r\n`.length + size + 2;
  const want = delivered * n;
  let got = 0;
  const done = new Promise<void>((resolve) => {
    const onData = (d: Buffer): void => {
      got += d.length;
      if (got >= want) {
        sub.off("data", onData);
        resolve();
      }
    };
    sub.on("data", onData);
  });
  const batch = Math.max(1, Math.floor(64 * 1024 / frame.length));
  const chunk = Buffer.concat(Array.from({ length: batch }, () => frame));
  const t0 = performance.now();
  for (let sent = 0; sent < n; sent += batch) {
    const k = Math.min(batch, n - sent);
    const ok = pub.write(k === batch ? chunk : chunk.subarray(0, k * frame.length));
    if (!ok) await new Promise((r) => pub.once("drain", r));
  }
  await done;
  return (performance.now() - t0) / 1000;
}

async function runOne(impl: Impl, dir: string, size: number, n: number): Promise<Sample> {
  const [a, b] = await startPair(impl, dir);
  try {
    const sub = await rawClient(b.port, "SUB gw.bench 1\r\n");
    const pub = await rawClient(a.port);
    // Until the subscription crossed: one message gets through.
    const deadline = Date.now() + 15_000;
    let warm = false;
    const onWarm = (): void => void (warm = true);
    sub.once("data", onWarm);
    while (!warm && Date.now() < deadline) {
      pub.write("PUB gw.bench.warm 0\r\n\r\nPUB gw.bench 0\r\n\r\n");
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!warm) throw new Error(`${impl.name}: gateway link not up`);
    await new Promise((r) => setTimeout(r, 200));
    sub.removeAllListeners("data");
    const cpu0 = (readCpuSeconds(a.pid) ?? 0) + (readCpuSeconds(b.pid) ?? 0);
    const secs = await transfer(pub, sub, "gw.bench", n, size);
    const cpu1 = (readCpuSeconds(a.pid) ?? 0) + (readCpuSeconds(b.pid) ?? 0);
    pub.destroy();
    sub.destroy();
    return { impl: impl.name, size, msgsPerSec: n / secs, cpuUsPerMsg: ((cpu1 - cpu0) * 1e6) / n };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const ns = findNatsServer();
  if (ns === null) throw new Error("nats-server not found");
  const impls: Impl[] = [
    { name: "tsnats", argv: (c) => [process.execPath, defaultTsnatsServerPath(), "-a", "127.0.0.1", "-p", "{port}", "-c", c] },
    { name: "nats-server", argv: (c) => [ns, "-a", "127.0.0.1", "-p", "{port}", "-c", c] },
  ];
  const rounds = arg("--rounds", 2);
  const sizes: Array<[number, number]> = [
    [16, arg("--msgs16", 400_000)],
    [1024, arg("--msgs1k", 100_000)],
  ];
  const dir = mkdtempSync(join(tmpdir(), "tsnats-gwbench-"));
  const samples: Sample[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [size, n] of sizes) {
        const order = r % 2 === 0 ? impls : [...impls].reverse();
        for (const impl of order) samples.push(await runOne(impl, dir, size, n));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out: string[] = [`cross-gateway pub (A) -> sub (B), ${rounds} rounds, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`];
  out.push("size     impl          msgs/s (median)   server CPU µs/msg");
  for (const [size] of sizes) {
    const row = (impl: string): { rate: number; cpu: number } => {
      const s = samples.filter((x) => x.impl === impl && x.size === size);
      return { rate: median(s.map((x) => x.msgsPerSec)), cpu: median(s.map((x) => x.cpuUsPerMsg)) };
    };
    const t = row("tsnats");
    const n = row("nats-server");
    out.push(`${String(size).padEnd(8)} tsnats        ${Math.round(t.rate).toString().padStart(12)}   ${t.cpu.toFixed(2).padStart(10)}`);
    out.push(`${String(size).padEnd(8)} nats-server   ${Math.round(n.rate).toString().padStart(12)}   ${n.cpu.toFixed(2).padStart(10)}`);
    out.push(`${String(size).padEnd(8)} ratio         ${(t.rate / n.rate).toFixed(2).padStart(12)}   ${(n.cpu / t.cpu).toFixed(2).padStart(10)} (nats-server CPU / tsnats CPU)`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

await main();
