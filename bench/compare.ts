/**
 * tsnats against nats-server, side by side (`npm run bench:compare`).
 *
 * Starts both servers on free ports and runs every scenario on each, alternating which
 * goes first, for several rounds: pub-only, pub->sub 1:1, fan-out 1->4 and 1->32, queue group of 4
 * (16 B and 1 KiB), request/reply (latency with 1 in flight, throughput with a window),
 * idle connections (1,000 and 10,000: setup rate, server RSS per connection, delivery),
 * start-to-ready of each server, and `startServer()` in-process. Around each run it reads
 * the server's CPU time from /proc, giving CPU per message. Prints medians, min–max and
 * tsnats/nats-server ratios, and writes every sample to bench/results/*.csv.
 *
 * Options: --rounds N (3), --quick (1 round, counts / 20, 1,000 connections only),
 * --only a,b (scenario names or prefixes), --timeout SECONDS (30 per run),
 * --tsnats-cmd "CMD ... {port} ..." (or env TSNATS_CMD; e.g. a second nats-server while
 * tsnats-server is being written), --nats-server PATH.
 */
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseServerUrl, type BenchOptions, type ServerAddress } from "../src/bench/args.js";
import { runConnections } from "../src/bench/connections.js";
import { readCpuSeconds, readRssBytes } from "../src/bench/proc.js";
import { runBench } from "../src/bench/runner.js";
import {
  defaultTsnatsServerPath,
  findNatsServer,
  startServer,
  timeInProcessStart,
  timeSpawnToReady,
  waitIdle,
  type RunningServer,
  type ServerSpec,
} from "./compare-servers.js";
import { formatSummary, formatTable, median, toCsv, type Row } from "./compare-report.js";
import { buildIngestClient, type IngestClient, type IngestMode } from "./ingest-client.js";

/** One benchmark scenario; `msgs` is sized for a few seconds at nats-server speed on 2 cores. */
export interface Scenario {
  name: string;
  kind: "pubsub" | "request" | "connections";
  pubs: number;
  subs: number;
  queue: boolean;
  msgs: number;
  sizeBytes: number;
  window: number;
  connections: number;
}

function ps(name: string, subs: number, queue: boolean, sizeBytes: number, msgs: number): Scenario {
  return { name, kind: "pubsub", pubs: 1, subs, queue, msgs, sizeBytes, window: 1, connections: 0 };
}

/**
 * Message counts from nats-server 2.9.10 on a 2-core machine driven by `tsnats bench`
 * (~11M msgs/s pub 16 B, ~3M 1:1 16 B, ~7M delivered/s fan-out 16 B, ~2.6M queue 16 B,
 * ~540k 1:1 1 KiB): each run takes about 2 s there.
 */
export const SCENARIOS: readonly Scenario[] = [
  ps("pub-16B", 0, false, 16, 20_000_000),
  ps("pub-1KiB", 0, false, 1024, 3_000_000),
  ps("pubsub-16B", 1, false, 16, 6_000_000),
  ps("pubsub-1KiB", 1, false, 1024, 1_000_000),
  ps("fanout4-16B", 4, false, 16, 2_500_000),
  ps("fanout4-1KiB", 4, false, 1024, 500_000),
  // Issue 15 §5: 32 libnats subscribers (C client) reading as fast as they can.
  ps("fanout32-16B", 32, false, 16, 100_000),
  ps("queue4-16B", 4, true, 16, 5_000_000),
  ps("queue4-1KiB", 4, true, 1024, 1_500_000),
  { name: "request-latency", kind: "request", pubs: 1, subs: 1, queue: false, msgs: 20_000, sizeBytes: 128, window: 1, connections: 0 },
  { name: "request-window64", kind: "request", pubs: 1, subs: 1, queue: false, msgs: 400_000, sizeBytes: 128, window: 64, connections: 0 },
  { name: "connections-1000", kind: "connections", pubs: 0, subs: 0, queue: false, msgs: 0, sizeBytes: 0, window: 1, connections: 1000 },
  { name: "connections-10000", kind: "connections", pubs: 0, subs: 0, queue: false, msgs: 0, sizeBytes: 0, window: 1, connections: 10_000 },
];

interface CompareOptions {
  rounds: number;
  quick: boolean;
  only: string[];
  timeoutMs: number;
  tsnatsCmd: string;
  natsServer: string;
  /** Who drives the pub-only rows: the C client (raw batches or libnats), or the Node bench. */
  ingest: IngestMode | "node";
  /** Idle time before the "memory given back" RSS readings; 0 skips them. */
  idleWaitMs: number;
}

const QUICK_DIVISOR = 20;
/** Spawns per server in the cold-start scenario (5 with --quick). */
const COLD_START_SPAWNS = 20;
/** Fan-outs wider than this are driven by the C client too (32 subscribers in one Node process would be the limit). */
const C_FANOUT_MIN_SUBS = 4;

/** The C ingest client and how it publishes. */
interface IngestDriver {
  client: IngestClient;
  mode: IngestMode;
}

function parseArgs(argv: string[]): CompareOptions {
  const o: CompareOptions = {
    rounds: 5,
    quick: false,
    only: [],
    timeoutMs: 30_000,
    tsnatsCmd: process.env.TSNATS_CMD ?? "",
    natsServer: "",
    ingest: "raw",
    idleWaitMs: 10_000,
  };
  let roundsSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--rounds") {
      o.rounds = Math.max(1, Math.min(20, Number.parseInt(v(), 10) || 1));
      roundsSet = true;
    } else if (a === "--only") o.only = v().split(",").filter((s) => s !== "");
    else if (a === "--timeout") o.timeoutMs = Math.max(1, Number.parseInt(v(), 10) || 30) * 1000;
    else if (a === "--tsnats-cmd") o.tsnatsCmd = v();
    else if (a === "--nats-server") o.natsServer = v();
    else if (a === "--ingest-client") {
      const m = v();
      if (m !== "raw" && m !== "libnats" && m !== "node") throw new Error("--ingest-client is raw, libnats or node");
      o.ingest = m;
    } else if (a === "--idle-wait") o.idleWaitMs = Math.max(0, Number.parseFloat(v()) || 0) * 1000;
    else if (a === "-h" || a === "--help") {
      process.stdout.write(
        "Usage: node dist/bench/compare.js [--rounds N] [--quick] [--only name,prefix] [--timeout SECONDS]\n" +
          "       [--tsnats-cmd 'CMD ARGS with {port}'] [--nats-server PATH]\n" +
          "       [--ingest-client raw|libnats|node] [--idle-wait SECONDS]\n" +
          "Pub-only rows are driven by the C client in bench/c (built with cc and libnats at start;\n" +
          "raw = pre-encoded PUB batches on a socket, the default). Servers run in their own session.\n" +
          `Scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}, startup, cold-start\n`,
      );
      process.exit(0);
    } else throw new Error(`unknown option '${a}'`);
  }
  if (o.quick && !roundsSet) o.rounds = 1;
  if (o.quick) o.idleWaitMs = Math.min(o.idleWaitMs, 2000);
  return o;
}

function selected(o: CompareOptions): Scenario[] {
  // A full name selects that scenario only (connections-1000 is not also connections-10000).
  const matches = (name: string, p: string): boolean => (SCENARIOS.some((s) => s.name === p) ? name === p : name.startsWith(p));
  let list = SCENARIOS.filter((s) => o.only.length === 0 || o.only.some((p) => matches(s.name, p)));
  if (o.quick) {
    list = list
      .filter((s) => s.connections <= 1000)
      .map((s) => ({ ...s, msgs: Math.max(100, Math.ceil(s.msgs / QUICK_DIVISOR)) }));
  }
  return list;
}

function gitRevision(): string {
  try {
    const rev = execSync("git rev-parse --short HEAD", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execSync("git status --porcelain", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() !== "";
    return dirty ? `${rev}+dirty` : rev;
  } catch {
    return "unknown";
  }
}

function benchOptions(s: Scenario, server: ServerAddress, timeoutMs: number): BenchOptions {
  return {
    subject: `bench.${s.name}`,
    pubs: s.pubs,
    subs: s.subs,
    msgs: s.msgs,
    sizeBytes: s.sizeBytes,
    queue: s.queue,
    request: s.kind === "request",
    window: s.window,
    url: `nats://127.0.0.1:${server.port}`,
    server,
    json: false,
    timeoutMs,
    connections: 0,
    serverPid: 0,
  };
}

function address(port: number): ServerAddress {
  const a = parseServerUrl(`nats://127.0.0.1:${port}`);
  if (typeof a === "string") throw new Error(a);
  return a;
}

/** Runs one message scenario against a running server and returns its rows. */
async function runMessages(s: Scenario, srv: RunningServer, round: number, timeoutMs: number, ingest: IngestDriver | null): Promise<Row[]> {
  if (ingest !== null && s.kind === "pubsub" && (s.subs === 0 || s.subs > C_FANOUT_MIN_SUBS)) return runIngest(s, srv, round, timeoutMs, ingest);
  await waitIdle(srv.pid);
  const cpu0 = readCpuSeconds(srv.pid);
  const r = await runBench(benchOptions(s, address(srv.port), timeoutMs));
  const cpu1 = readCpuSeconds(srv.pid);
  const row = (metric: string, value: number): Row => ({ scenario: s.name, server: srv.spec.name, round, metric, value });
  const rows: Row[] = [];
  let msgsForCpu: number;
  if (r.mode === "request") {
    rows.push(row("req_per_sec", r.pubStats.msgsPerSec));
    if (r.latency !== null) {
      rows.push(row("p50_us", r.latency.p50Us), row("p90_us", r.latency.p90Us), row("p99_us", r.latency.p99Us));
    }
    msgsForCpu = r.received * 2;
  } else if (s.subs === 0) {
    rows.push(row("msgs_per_sec", r.pubStats.msgsPerSec), row("mb_per_sec", r.pubStats.bytesPerSec / 2 ** 20));
    msgsForCpu = r.pubStats.msgs;
  } else {
    rows.push(
      row("msgs_per_sec", r.subStats.msgsPerSec),
      row("pub_msgs_per_sec", r.pubStats.msgsPerSec),
      row("mb_per_sec", r.subStats.bytesPerSec / 2 ** 20),
    );
    msgsForCpu = r.received;
  }
  if (cpu0 !== null && cpu1 !== null && msgsForCpu > 0) rows.push(row("cpu_ns_per_msg", ((cpu1 - cpu0) * 1e9) / msgsForCpu));
  rows.push(row("complete", r.timedOut || r.errors.length > 0 ? 0 : 1));
  if (r.timedOut || r.errors.length > 0) {
    process.stdout.write(`  ! ${s.name} on ${srv.spec.name}: ${r.timedOut ? `timed out (${r.received}/${r.expected})` : ""} ${r.errors.join("; ")}\n`);
  }
  return rows;
}

/**
 * A pub-only scenario driven by the C client: throughput from its first byte to the PONG
 * after the last message, server CPU from /proc around the run, and the client's own CPU
 * per message (far below the server's when the client is not the limit).
 */
async function runIngest(s: Scenario, srv: RunningServer, round: number, timeoutMs: number, ingest: IngestDriver): Promise<Row[]> {
  await waitIdle(srv.pid);
  const row = (metric: string, value: number): Row => ({ scenario: s.name, server: srv.spec.name, round, metric, value });
  const cpu0 = readCpuSeconds(srv.pid);
  try {
    const mode = ingest.mode;
    const r = await ingest.client.run(`nats://127.0.0.1:${srv.port}`, s.msgs, s.sizeBytes, { mode, subject: `bench.${s.name}`, subs: s.subs, timeoutMs });
    const cpu1 = readCpuSeconds(srv.pid);
    // With subscribers, a message is a delivery (as the Node bench counts fan-out).
    const msgs = s.subs > 0 ? r.received : r.msgs;
    const perSec = s.subs > 0 ? (r.sub_s > 0 ? r.received / r.sub_s : 0) : r.pub_msgs_per_sec;
    const rows = [row("msgs_per_sec", perSec), row("mb_per_sec", (perSec * s.sizeBytes) / 2 ** 20)];
    if (s.subs > 0) rows.push(row("pub_msgs_per_sec", r.pub_msgs_per_sec), row("delivered_fraction", r.received / (r.msgs * s.subs)));
    if (cpu0 !== null && cpu1 !== null && msgs > 0) rows.push(row("cpu_ns_per_msg", ((cpu1 - cpu0) * 1e9) / msgs));
    rows.push(row("client_cpu_ns_per_msg", (r.client_cpu_s * 1e9) / Math.max(1, msgs)), row("complete", msgs === r.msgs * Math.max(1, s.subs) ? 1 : 0));
    return rows;
  } catch (e) {
    process.stdout.write(`  ! ${s.name} on ${srv.spec.name}: ${(e as Error).message}\n`);
    return [row("complete", 0)];
  }
}

/** Runs a connections scenario on a fresh server (so its RSS baseline is clean); also yields startup rows. */
async function runConns(s: Scenario, spec: ServerSpec, round: number, timeoutMs: number, idleWaitMs: number): Promise<Row[]> {
  const srv = await startServer(spec);
  try {
    const row = (scenario: string, metric: string, value: number): Row => ({ scenario, server: spec.name, round, metric, value });
    const rows: Row[] = [row("startup", "start_ms", srv.startMs)];
    if (srv.readyLineMs !== null) rows.push(row("startup", "ready_line_ms", srv.readyLineMs));
    await waitIdle(srv.pid, 1000);
    const r = await runConnections({ server: address(srv.port), subject: "bench.conns", count: s.connections, serverPid: srv.pid, timeoutMs });
    rows.push(row(s.name, "conns_per_sec", r.connsPerSec));
    if (r.rssPerConnBytes !== null) rows.push(row(s.name, "rss_per_conn_bytes", r.rssPerConnBytes));
    if (r.rssBeforeBytes !== null) rows.push(row(s.name, "rss_idle_bytes", r.rssBeforeBytes));
    if (r.rssAfterBytes !== null) rows.push(row(s.name, "rss_held_bytes", r.rssAfterBytes));
    if (idleWaitMs > 0) {
      // Memory given back: every connection is closed; the server has been idle this long.
      await new Promise((resolve) => setTimeout(resolve, idleWaitMs));
      const rss = readRssBytes(srv.pid);
      if (rss !== null) rows.push(row(s.name, "rss_closed_idle_bytes", rss));
    }
    rows.push(row(s.name, "delivered_fraction", r.opened > 0 ? r.delivered / r.opened : 0));
    rows.push(row(s.name, "complete", r.timedOut || r.failed > 0 || r.delivered < r.opened ? 0 : 1));
    if (r.timedOut || r.failed > 0) {
      process.stdout.write(`  ! ${s.name} on ${spec.name}: opened ${r.opened}/${r.count}, delivered ${r.delivered} ${r.errors.join("; ")}\n`);
    }
    return rows;
  } finally {
    await srv.stop();
  }
}

function specs(o: CompareOptions): [ServerSpec, ServerSpec] {
  const natsPath = o.natsServer !== "" ? o.natsServer : findNatsServer();
  if (natsPath === null) throw new Error("nats-server not found (looked at /usr/sbin/nats-server and PATH); install it or pass --nats-server PATH");
  const nats: ServerSpec = { name: "nats-server", argv: [natsPath, "-p", "{port}", "-a", "127.0.0.1"] };
  let tsArgv: string[];
  if (o.tsnatsCmd !== "") {
    tsArgv = o.tsnatsCmd.split(/\s+/).filter((x) => x !== "");
    if (!tsArgv.some((a) => a.includes("{port}"))) throw new Error("--tsnats-cmd must contain {port}");
  } else {
    const entry = defaultTsnatsServerPath();
    if (!existsSync(entry)) {
      throw new Error(`${entry} not built yet; build it, or compare against another server with --tsnats-cmd "nats-server -p {port} -a 127.0.0.1"`);
    }
    tsArgv = [process.execPath, entry, "-p", "{port}", "-a", "127.0.0.1"];
  }
  return [nats, { name: "tsnats", argv: tsArgv }];
}

/** Builds the C ingest client unless the Node bench was asked for; says why not in `notes`. */
function ingestDriver(o: CompareOptions, notes: string[]): IngestDriver | null {
  if (o.ingest === "node") return null;
  const built = buildIngestClient();
  if ("unavailable" in built) {
    notes.push(`pub-only rows driven by the Node bench: C ingest client unavailable (${built.unavailable})`);
    return null;
  }
  process.on("exit", () => built.dispose());
  return { client: built, mode: o.ingest };
}

/** One round: both servers started in `order`, every scenario on each, then the idle-memory reading. */
async function runRound(o: CompareOptions, scenarios: Scenario[], order: ServerSpec[], round: number, ingest: IngestDriver | null): Promise<Row[]> {
  const rows: Row[] = [];
  const running = new Map<string, RunningServer>();
  try {
    for (const spec of order) {
      const srv = await startServer(spec);
      running.set(spec.name, srv);
      rows.push({ scenario: "startup", server: spec.name, round, metric: "start_ms", value: srv.startMs });
      if (srv.readyLineMs !== null) rows.push({ scenario: "startup", server: spec.name, round, metric: "ready_line_ms", value: srv.readyLineMs });
      await waitIdle(srv.pid, 1000);
      const rss = readRssBytes(srv.pid);
      if (rss !== null) rows.push({ scenario: "memory", server: spec.name, round, metric: "rss_start_bytes", value: rss });
    }
    let lastLoadMs = 0;
    for (const s of scenarios) {
      for (const spec of order) {
        process.stdout.write(`round ${round}/${o.rounds}  ${s.name.padEnd(18)} ${spec.name}  load ${loadavg()[0]!.toFixed(2)}\n`);
        if (s.kind === "connections") {
          // A fresh server each time: a clean RSS baseline, and one more startup sample.
          rows.push(...(await runConns(s, spec, round, o.timeoutMs, o.idleWaitMs)));
        } else {
          rows.push(...(await runMessages(s, running.get(spec.name)!, round, o.timeoutMs, ingest)));
          lastLoadMs = Date.now();
        }
      }
    }
    if (lastLoadMs > 0 && o.idleWaitMs > 0) {
      // Memory given back after the message runs: both servers idle for the same time.
      const wait = lastLoadMs + o.idleWaitMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      for (const srv of running.values()) {
        const rss = readRssBytes(srv.pid);
        if (rss !== null) rows.push({ scenario: "memory", server: srv.spec.name, round, metric: "rss_after_load_idle_bytes", value: rss });
      }
    }
  } finally {
    for (const srv of running.values()) await srv.stop();
  }
  return rows;
}

/**
 * The spec started as tools start a server, `-c FILE`: its `-p {port} -a 127.0.0.1` become
 * `-c conf` (the file says `port: -1`, a free port). A --tsnats-cmd that puts {port}
 * elsewhere is kept as given.
 */
function withConfigFile(spec: ServerSpec, conf: string): ServerSpec {
  const argv: string[] = [];
  for (let i = 0; i < spec.argv.length; i++) {
    const a = spec.argv[i]!;
    const next = spec.argv[i + 1];
    if ((a === "-p" && next === "{port}") || (a === "-a" && next === "127.0.0.1")) i++;
    else argv.push(a);
  }
  if (argv.some((a) => a.includes("{port}"))) return spec;
  return { name: spec.name, argv: [...argv, "-c", conf] };
}

/**
 * Cold start: COLD_START_SPAWNS spawns → "Server is ready" of each server, alternating, one
 * after the other (nothing else runs), and two floors shown as notes: `node -e 0` (Node
 * alone) and a bare Node TCP server that listens and prints the same line (what any server
 * on Node costs). Servers are launched with a config file, as tools launch them.
 */
async function runColdStart(o: CompareOptions, specsToRun: ServerSpec[], notes: string[]): Promise<Row[]> {
  const n = o.quick ? 5 : COLD_START_SPAWNS;
  const floors: ServerSpec[] = [
    { name: "`node -e 0`", argv: [process.execPath, "-e", "0"] },
    {
      name: "a bare Node TCP server (listen, print the ready line)",
      argv: [process.execPath, "-e", `require("node:net").createServer().listen(0, "127.0.0.1", () => process.stderr.write("Server is ready\\n"))`],
    },
  ];
  const rows: Row[] = [];
  const floorMs = floors.map((): number[] => []);
  const dir = mkdtempSync(join(tmpdir(), "tsnats-cold-start-"));
  const conf = join(dir, "server.conf");
  writeFileSync(conf, "host: 127.0.0.1\nport: -1\n");
  const servers = specsToRun.map((spec) => withConfigFile(spec, conf));
  process.stdout.write(`cold start: ${n} spawns of each server (${servers.map((s) => s.argv.slice(1).join(" ")).join(" | ")})  load ${loadavg()[0]!.toFixed(2)}\n`);
  try {
    for (let i = 0; i < n; i++) {
      for (const spec of i % 2 === 0 ? servers : [...servers].reverse()) {
        const ms = await timeSpawnToReady(spec);
        if (ms !== null) rows.push({ scenario: "cold-start", server: spec.name, round: i + 1, metric: "ready_line_ms", value: ms });
      }
      for (const [k, floor] of floors.entries()) {
        const ms = await timeSpawnToReady(floor);
        if (ms !== null) floorMs[k]!.push(ms);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [k, floor] of floors.entries()) {
    const ms = floorMs[k]!;
    if (ms.length > 0) notes.push(`cold start: ${floor.name} takes ${median(ms).toFixed(1)} ms (median of ${ms.length})`);
  }
  // Node reads and parses every certificate in it before running any script (~37 ms measured here).
  if (process.env.NODE_EXTRA_CA_CERTS !== undefined) notes.push("cold start: NODE_EXTRA_CA_CERTS is set, which slows every Node start");
  return rows;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const [natsSpec, tsSpec] = specs(o);
  const scenarios = selected(o);
  const rev = gitRevision();
  const load0 = loadavg();
  const notes: string[] = [];
  const ingest = ingestDriver(o, notes);
  process.stdout.write(
    `tsnats vs nats-server  rev ${rev}  ${cpus().length} cpus  load ${load0.map((x) => x.toFixed(2)).join(" ")}  rounds ${o.rounds}${o.quick ? " (quick)" : ""}\n` +
      `  A: ${natsSpec.argv.join(" ")}\n  B: ${tsSpec.argv.join(" ")}\n` +
      `  pub-only client: ${ingest !== null ? `C (bench/c/ingest.c, ${ingest.mode})` : "Node (tsnats bench)"}\n`,
  );
  const rows: Row[] = [];
  if (o.only.length === 0 || o.only.includes("cold-start")) rows.push(...(await runColdStart(o, [natsSpec, tsSpec], notes)));
  for (let round = 1; round <= o.rounds; round++) {
    const order = round % 2 === 1 ? [natsSpec, tsSpec] : [tsSpec, natsSpec];
    rows.push(...(await runRound(o, scenarios, order, round, ingest)));
    if (o.only.length === 0 || o.only.includes("startup")) {
      const inproc = await timeInProcessStart();
      if ("skipped" in inproc) {
        if (!notes.some((n) => n.startsWith("startServer()"))) notes.push(`startServer() in-process: skipped (${inproc.skipped})`);
      } else {
        rows.push({ scenario: "startup", server: tsSpec.name, round, metric: "inproc_import_ms", value: inproc.importMs });
        rows.push({ scenario: "startup", server: tsSpec.name, round, metric: "inproc_start_ms", value: inproc.startMs });
      }
    }
  }
  const load1 = loadavg();
  process.stdout.write(`\n${formatTable(rows, natsSpec.name, tsSpec.name)}\n${formatSummary(rows, natsSpec.name, tsSpec.name)}`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(`rev ${rev}  load before ${load0.map((x) => x.toFixed(2)).join(" ")}  after ${load1.map((x) => x.toFixed(2)).join(" ")}\n`);
  const dir = fileURLToPath(new URL("../../bench/results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = `${dir}compare-${stamp}-${rev}.csv`;
  writeFileSync(file, toCsv(rows, { rev, loadavg: load0[0] ?? 0, date: new Date().toISOString(), tsnats: tsSpec.argv.join(" ") }));
  process.stdout.write(`wrote ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:compare: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
