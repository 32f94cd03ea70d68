/**
 * Store micro-benchmark: appends (16 B and 1 KiB) to the memory store and to the file store
 * with group commit under the default periodic sync and under `sync_interval: always`, loads
 * by sequence, and last-by-subject with a million distinct subjects. Absolute figures; the
 * ratio against nats-server is measured through the JetStream API (bench/ of the jetstream
 * work). Appends model async publishers: a window of at most 10,000 unacknowledged messages
 * (acknowledged = durable), refilled every event-loop turn.
 *
 * Run: node dist/bench/store.bench.js [scale]   (scale 1 = 200k small / 50k large messages)
 * Prints wall-clock and CPU-time rates and the machine load, since the machine may be shared.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { defaultStreamStoreConfig, FileStore, MemoryStore, newStoreMsg } from "../src/jetstream/store/index.js";
import type { StreamStore } from "../src/jetstream/store/index.js";

const scale = Number(process.argv[2] ?? 1);
const WINDOW = 10_000;
const root = mkdtempSync(join(tmpdir(), "tsnats-store-bench-"));
const cfg = defaultStreamStoreConfig({ name: "BENCH", subjects: ["bench.>"] });

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function report(name: string, ops: number, wallMs: number, cpu: number, bytes = 0): void {
  const perWall = (ops / wallMs) * 1000;
  const perCpu = (ops / cpu) * 1000;
  const mb = bytes > 0 ? `  ${((bytes / wallMs) * 1000 / 1e6).toFixed(1)} MB/s` : "";
  process.stdout.write(`${name.padEnd(44)} ${Math.round(perWall).toString().padStart(10)} /s wall`
    + `${Math.round(perCpu).toString().padStart(10)} /s cpu${mb}\n`);
}

/** Appends `count` messages keeping at most WINDOW not yet durable; resolves when all are durable. */
async function appendWindowed(s: StreamStore, count: number, payload: Buffer): Promise<void> {
  let sent = 0;
  let i = 0;
  const subjects = Array.from({ length: 16 }, (_, k) => `bench.${k}`);
  while (sent < count) {
    const room = Math.min(WINDOW - (s.state().lastSeq - s.durableSeq), count - sent, 2000);
    for (let k = 0; k < room; k++) s.storeMsg(subjects[i++ & 15]!, null, payload, 0);
    sent += Math.max(room, 0);
    await new Promise((r) => setImmediate(r));
  }
  await s.waitDurable(s.state().lastSeq);
}

async function appendCase(name: string, make: () => Promise<StreamStore>, count: number, size: number): Promise<StreamStore> {
  const s = await make();
  const payload = Buffer.alloc(size, 0x61);
  const t0 = performance.now();
  const c0 = cpuMs();
  await appendWindowed(s, count, payload);
  report(`append ${size} B, ${name}`, count, performance.now() - t0, cpuMs() - c0, count * size);
  return s;
}

function loadCase(name: string, s: StreamStore, ops: number): void {
  const last = s.state().lastSeq;
  const out = newStoreMsg();
  let x = 12345;
  const t0 = performance.now();
  const c0 = cpuMs();
  for (let i = 0; i < ops; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s.loadMsg(1 + (x % last), out);
  }
  report(`load by seq, ${name}`, ops, performance.now() - t0, cpuMs() - c0);
}

async function lastBySubjectCase(name: string, s: StreamStore, subjects: number, ops: number): Promise<void> {
  const body = Buffer.alloc(16, 0x62);
  for (let i = 0; i < subjects; i++) {
    s.storeMsg(`bench.k.${i}`, null, body, 0);
    if (i % 10_000 === 0) await new Promise((r) => setImmediate(r));
  }
  await s.waitDurable(s.state().lastSeq);
  const out = newStoreMsg();
  let x = 999;
  const t0 = performance.now();
  const c0 = cpuMs();
  for (let i = 0; i < ops; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s.loadLastMsg(`bench.k.${x % subjects}`, out);
  }
  report(`last by subject (${subjects} subjects), ${name}`, ops, performance.now() - t0, cpuMs() - c0);
}

async function main(): Promise<void> {
  let n = 0;
  const file = (syncAlways: boolean) => (): Promise<StreamStore> =>
    FileStore.open(cfg, { dir: join(root, `s${n++}`), syncAlways });
  const mem = (): Promise<StreamStore> => Promise.resolve(new MemoryStore(cfg));
  process.stdout.write(`store bench, scale ${scale}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  const small = Math.round(200_000 * scale);
  const large = Math.round(50_000 * scale);
  for (const [name, make] of [["memory", mem], ["file, periodic sync", file(false)], ["file, sync always", file(true)]] as const) {
    const a = await appendCase(name, make, small, 16);
    if (name !== "file, sync always") loadCase(name, a, 200_000);
    await a.stop();
    const b = await appendCase(name, make, large, 1024);
    await b.stop();
  }
  for (const [name, make] of [["memory", mem], ["file", file(false)]] as const) {
    const s = await make();
    await lastBySubjectCase(name, s, Math.round(1_000_000 * scale), 200_000);
    await s.stop();
  }
  process.stdout.write(`load average after ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
}

main().finally(() => rmSync(root, { recursive: true, force: true }));
