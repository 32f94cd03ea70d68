/**
 * JetStream, tsnats against nats-server in the same run (`node dist/bench/compare-js.js`).
 *
 * Each server runs as its own process in its own session (setsid, as a service runs),
 * with a fresh store directory, and gets the same scenarios, alternating which goes first:
 *   - async publish of 16 B and 1 KiB messages to a file stream and a memory stream, with a
 *     window of outstanding publish acks, measured after a warm-up (see warmup());
 *   - the same to a file stream with `sync_interval: always`;
 *   - a pull consumer draining a stream of N messages (batches of 1,000, two requests in flight);
 *   - KV put and get (direct get), with a window, after a warm-up.
 * Reported: messages per second and the server's CPU time per message (from /proc, so a
 * busy machine or a slow client moves it less than wall time), as tsnats / nats-server
 * ratios (for throughput higher is better; for CPU lower is better). Load is printed.
 *
 * Options: --rounds N (1), --scale F (1.0; multiplies message counts), --only a,b,
 * --servers tsnats (run one side only, e.g. to profile), --cpu-prof DIR (tsnats writes a
 * V8 CPU profile per scenario into DIR).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { track } from "./children.js";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { connect, createInbox, type NatsConnection } from "@nats-io/transport-node";
import { readCpuSeconds } from "../src/bench/proc.js";
import { defaultTsnatsServerPath, findNatsServer, freePort } from "./compare-servers.js";

export interface Scenario {
  name: string;
  /** Server config line for the jetstream block, besides store_dir. */
  sync: "default" | "always";
  /** Runs it; calls `mark()` where the measured part starts when not the whole run. */
  run: (nc: NatsConnection, n: number, mark: () => void) => Promise<void>;
  /** Messages the server handles per counted message (CPU per message divides by n times this). */
  perMsg: number;
  msgs: number;
}

interface Server {
  name: string;
  pid: number;
  port: number;
  dir: string;
  proc: ChildProcess;
}

/**
 * nats-server 2.9 (Debian's) has no `sync_interval`: in the sync-always scenarios it runs
 * with its default (periodic) sync, so those rows compare tsnats's fsync-per-batch
 * durability against nats-server's weaker default.
 */
async function startServer(name: string, argv: string[], syncWanted: Scenario["sync"]): Promise<Server> {
  const sync = name === "nats-server" ? "default" : syncWanted;
  const dir = mkdtempSync(join(tmpdir(), `bench-js-${name}-`));
  const port = await freePort();
  const conf = join(dir, "server.conf");
  writeFileSync(conf, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, "store")}"${sync === "always" ? ", sync_interval: always" : ""} }\n`);
  const log = openSync(join(dir, "server.log"), "w");
  const proc = track(spawn(argv[0]!, [...argv.slice(1), "-c", conf], { stdio: ["ignore", log, log], detached: true }));
  closeSync(log);
  for (let i = 0; i < 500; i++) {
    try {
      const nc = await connect({ port, reconnect: false, timeout: 200 });
      await nc.close();
      return { name, pid: proc.pid!, port, dir, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  proc.kill("SIGKILL");
  throw new Error(`${name} did not start`);
}

async function stopServer(s: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    if (s.proc.exitCode !== null) return resolve();
    s.proc.once("exit", () => resolve());
    s.proc.kill("SIGTERM");
    setTimeout(() => s.proc.kill("SIGKILL"), 5000).unref();
  });
  rmSync(s.dir, { recursive: true, force: true });
}

async function api(nc: NatsConnection, subject: string, body: unknown): Promise<Record<string, any>> {
  const r = (await nc.request(`$JS.API.${subject}`, JSON.stringify(body), { timeout: 30_000 })).json<Record<string, any>>();
  if (r.error) throw new Error(`${subject}: ${r.error.description}`);
  return r;
}

/** Publishes n messages keeping `window` acks outstanding; resolves when every ack came. */
/** How long a publish window may go without an ack before the run fails. */
const STALL_MS = 60_000;

async function publishWindow(nc: NatsConnection, n: number, window: number, subject: (i: number) => string, payload: Uint8Array): Promise<void> {
  const inbox = createInbox();
  let acked = 0;
  let sent = 0;
  let seen = -1;
  let stall: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    // A run that stops getting acks fails instead of hanging the bench.
    stall = setInterval(() => {
      if (acked === seen) reject(new Error(`no publish ack for ${STALL_MS} ms (${acked}/${n} acked)`));
      seen = acked;
    }, STALL_MS);
    const pump = (): void => {
      while (sent < n && sent - acked < window) nc.publish(subject(sent++), payload, { reply: inbox });
    };
    nc.subscribe(inbox, {
      callback: (err, m) => {
        if (err) return reject(err);
        if (m.data[2] === 101) return reject(new Error(`publish failed: ${m.string()}`)); // {"error"
        if (++acked === n) resolve();
        else if (sent - acked <= window / 2) pump();
      },
    });
    pump();
  }).finally(() => clearInterval(stall));
}

/**
 * Messages published before the measured part: a warm-up both servers get, so the figures
 * are the steady state (tsnats compiles its hot paths while running; nats-server has no such
 * cost), and the smaller sync-always runs are not dominated by it.
 */
function warmup(n: number): number {
  return Math.min(10_000, n);
}

function pubScenario(name: string, storage: "file" | "memory", size: number, sync: Scenario["sync"], msgs: number): Scenario {
  return {
    name,
    sync,
    msgs,
    perMsg: 1,
    run: async (nc, n, mark) => {
      await api(nc, "STREAM.CREATE.B", { name: "B", subjects: ["b.>"], storage });
      await publishWindow(nc, warmup(n), 1000, () => "b.x", new Uint8Array(size));
      mark();
      await publishWindow(nc, n, 1000, () => "b.x", new Uint8Array(size));
    },
  };
}

/** Fills a stream without acks, then drains it with a pull consumer (ack none). */
const drain: Scenario = {
  name: "pull-drain-16B",
  sync: "default",
  msgs: 1_000_000,
  perMsg: 1,
  run: async (nc, n, mark) => {
    await api(nc, "STREAM.CREATE.D", { name: "D", subjects: ["d"], storage: "file" });
    await publishWindow(nc, n, 5000, () => "d", new Uint8Array(16));
    await api(nc, "CONSUMER.DURABLE.CREATE.D.C", { stream_name: "D", config: { durable_name: "C", ack_policy: "none" } });
    mark(); // the drain alone, without the fill
    const inbox = createInbox();
    let got = 0;
    await new Promise<void>((resolve) => {
      const ask = (): void => nc.publish("$JS.API.CONSUMER.MSG.NEXT.D.C", JSON.stringify({ batch: 1000, expires: 5e9 }), { reply: inbox });
      nc.subscribe(inbox, {
        callback: (_e, m) => {
          if (m.headers !== undefined && m.data.length === 0) return;
          if (++got === n) resolve();
          else if (got % 1000 === 0) ask();
        },
      });
      ask();
      ask();
    });
  },
};

/** KV puts (one subject per key, a thousand keys) and as many direct gets, with windows. */
async function kvPutGet(nc: NatsConnection, n: number): Promise<void> {
  await publishWindow(nc, n, 500, (i) => `$KV.bench.k${i % 1000}`, new Uint8Array(64));
  const inbox = createInbox();
  let got = 0;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < n && sent - got < 500) nc.publish(`$JS.API.DIRECT.GET.KV_bench.$KV.bench.k${sent++ % 1000}`, "", { reply: inbox });
    };
    const sub = nc.subscribe(inbox, {
      callback: () => {
        if (++got === n) {
          sub.unsubscribe();
          resolve();
        } else if (sent - got <= 250) pump();
      },
    });
    pump();
  });
}

const kv: Scenario = {
  name: "kv-put-get",
  sync: "default",
  msgs: 100_000,
  perMsg: 2,
  run: async (nc, n, mark) => {
    await api(nc, "STREAM.CREATE.KV_bench", {
      name: "KV_bench",
      subjects: ["$KV.bench.>"],
      max_msgs_per_subject: 1,
      allow_direct: true,
      allow_rollup_hdrs: true,
      deny_delete: true,
      discard: "new",
      storage: "file",
    });
    await kvPutGet(nc, warmup(n));
    mark();
    await kvPutGet(nc, n);
  },
};

export const SCENARIOS: Scenario[] = [
  pubScenario("pub-16B-file", "file", 16, "default", 300_000),
  pubScenario("pub-1KiB-file", "file", 1024, "default", 150_000),
  pubScenario("pub-16B-memory", "memory", 16, "default", 300_000),
  pubScenario("pub-1KiB-memory", "memory", 1024, "default", 150_000),
  pubScenario("pub-16B-file-sync-always", "file", 16, "always", 50_000),
  pubScenario("pub-1KiB-file-sync-always", "file", 1024, "always", 50_000),
  drain,
  kv,
];

interface Sample {
  rate: number;
  cpuUsPerMsg: number;
}

async function runOne(sc: Scenario, name: string, argv: string[], n: number): Promise<Sample> {
  const s = await startServer(name, argv, sc.sync);
  try {
    const nc = await connect({ port: s.port, reconnect: false });
    let cpu0 = readCpuSeconds(s.pid) ?? 0;
    let t0 = performance.now();
    await sc.run(nc, n, () => {
      cpu0 = readCpuSeconds(s.pid) ?? 0;
      t0 = performance.now();
    });
    const ms = performance.now() - t0;
    const cpu = (readCpuSeconds(s.pid) ?? 0) - cpu0;
    await nc.close();
    return { rate: (n / ms) * 1000, cpuUsPerMsg: (cpu * 1e6) / (n * sc.perMsg) };
  } catch (err) {
    const log = readFileSync(join(s.dir, "server.log"), "utf8");
    process.stderr.write(`${name} failed in ${sc.name}; the end of its log:\n${log.slice(-4000)}\n`);
    throw err;
  } finally {
    await stopServer(s);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? 0;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (k: string): string | undefined => {
    const i = args.indexOf(`--${k}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rounds = Number(opt("rounds") ?? "1");
  const scale = Number(opt("scale") ?? "1");
  const only = (opt("only") ?? "").split(",").filter((x) => x !== "");
  const ns = findNatsServer();
  if (ns === null) throw new Error("nats-server not found");
  const prof = opt("cpu-prof");
  const profArgs = prof !== undefined ? ["--cpu-prof", "--cpu-prof-dir", prof] : [];
  const pick = (opt("servers") ?? "nats-server,tsnats").split(",");
  const servers = ([
    ["nats-server", [ns]],
    ["tsnats", [process.execPath, ...profArgs, defaultTsnatsServerPath()]],
  ] as Array<[string, string[]]>).filter(([name]) => pick.includes(name));
  process.stdout.write(`# load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}, rounds ${rounds}, scale ${scale}\n`);
  process.stdout.write(`| scenario | nats-server msg/s | tsnats msg/s | ratio | nats-server CPU µs/msg | tsnats CPU µs/msg | CPU ratio |\n|---|---|---|---|---|---|---|\n`);
  for (const sc of SCENARIOS) {
    if (only.length > 0 && !only.some((o) => sc.name.startsWith(o))) continue;
    const n = Math.max(1000, Math.round(sc.msgs * scale));
    const res = new Map<string, Sample[]>();
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? servers : [...servers].reverse();
      for (const [name, argv] of order) {
        const s = await runOne(sc, name, argv, n);
        res.set(name, [...(res.get(name) ?? []), s]);
      }
    }
    const ref = res.get("nats-server") ?? [{ rate: NaN, cpuUsPerMsg: NaN }];
    const ours = res.get("tsnats") ?? [{ rate: NaN, cpuUsPerMsg: NaN }];
    const rRef = median(ref.map((s) => s.rate));
    const rOurs = median(ours.map((s) => s.rate));
    const cRef = median(ref.map((s) => s.cpuUsPerMsg));
    const cOurs = median(ours.map((s) => s.cpuUsPerMsg));
    process.stdout.write(
      `| ${sc.name} (${n}) | ${Math.round(rRef)} | ${Math.round(rOurs)} | ${(rOurs / rRef).toFixed(2)} | ${cRef.toFixed(2)} | ${cOurs.toFixed(2)} | ${(cOurs / cRef).toFixed(2)} |\n`,
    );
  }
  process.stdout.write(`# load average after ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
