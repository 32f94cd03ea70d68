/**
 * Idle memory after repeated slow-consumer episodes (issue 15, item 3), on a tsnats server
 * in a process and session of its own (as a service runs). Each episode: `--subs`
 * subscribers that never read, `--msgs` messages of `--size` bytes published, every
 * subscriber cut as a slow consumer, everyone disconnects, then `--idle-ms` of quiet; the
 * server's memory is then read from inside it: RSS, V8 heap (used / total), external,
 * ArrayBuffers. Prints one row per episode and the rise of idle RSS over episode 1.
 *
 * `--snapshots DIR` writes a V8 heap snapshot after each episode (to diff in DevTools).
 *
 * Usage: `node dist/bench/slow-consumer-memory.js [--episodes 6] [--subs 50] [--msgs 100000]
 * [--size 1024] [--idle-ms 10000] [--max-pending 67108864] [--snapshots DIR]`
 */
import { fork, type ChildProcess } from "node:child_process";
import { track } from "./children.js";
import net from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags, runMain } from "./script-args.js";
import { connectedSocket } from "../test/helpers/raw.js";

interface Options {
  episodes: number;
  subs: number;
  msgs: number;
  size: number;
  idleMs: number;
  maxPending: number;
  snapshots: string;
}

const USAGE =
  "Usage: node dist/bench/slow-consumer-memory.js [--episodes 6] [--subs 50] [--msgs 100000] [--size 1024]\n" +
  "       [--idle-ms 10000] [--max-pending BYTES] [--snapshots DIR]\n";

/** What the server process answers about itself. */
interface ServerState {
  rss: number;
  /** Highest RSS so far. */
  peakRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  clients: number;
  slowConsumers: number;
  collections: number;
}

type Request = { op: "state" } | { op: "snapshot"; file: string };

/** The server side: a tsnats server answering state requests over the IPC channel. */
async function serve(port: number, maxPending: number): Promise<void> {
  const { startServer } = await import("../src/index.js");
  const s = await startServer({ port, host: "127.0.0.1", ...(maxPending > 0 ? { maxPending } : {}) });
  process.on("message", (m: Request & { id: number }) => {
    if (m.op === "snapshot") {
      void import("node:v8").then((v8) => {
        v8.writeHeapSnapshot(m.file);
        process.send!({ id: m.id });
      });
      return;
    }
    const mu = process.memoryUsage();
    const st: ServerState = {
      rss: mu.rss,
      peakRss: process.resourceUsage().maxRSS * 1024,
      heapUsed: mu.heapUsed,
      heapTotal: mu.heapTotal,
      external: mu.external,
      arrayBuffers: mu.arrayBuffers,
      clients: s.server.clients.size,
      slowConsumers: s.server.slowConsumers,
      collections: s.server.reclaimer.collections,
    };
    process.send!({ id: m.id, st });
  });
  process.send!({ ready: true });
}

class ServerProc {
  private next = 0;
  private readonly pending = new Map<number, (v: unknown) => void>();
  constructor(readonly proc: ChildProcess) {
    proc.on("message", (m: { id?: number; st?: ServerState }) => {
      if (m.id === undefined) return;
      this.pending.get(m.id)?.(m.st);
      this.pending.delete(m.id);
    });
  }
  ask(req: Request): Promise<ServerState> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (v: unknown) => void);
      this.proc.send({ ...req, id });
    });
  }
}

async function until(what: string, ms: number, cond: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function episode(srv: ServerProc, port: number, o: Options): Promise<void> {
  const subs = await Promise.all(Array.from({ length: o.subs }, (_, i) => connectedSocket(port, `SUB sc.bench ${i + 1}\r\n`)));
  for (const s of subs) s.pause();
  const pub = await connectedSocket(port, "");
  const slowBefore = (await srv.ask({ op: "state" })).slowConsumers;
  const per = 64;
  const frame = Buffer.from(`PUB sc.bench ${o.size}\r\n${"x".repeat(o.size)}\r\n`.repeat(per), "latin1");
  for (let i = 0; i < o.msgs; i += per) {
    if (!pub.write(frame)) await new Promise((r) => pub.once("drain", r));
  }
  await until("every subscriber cut", 120_000, async () => (await srv.ask({ op: "state" })).slowConsumers - slowBefore >= o.subs);
  for (const c of [...subs, pub]) c.destroy();
  await until("everyone gone", 30_000, async () => (await srv.ask({ op: "state" })).clients === 0);
}

const MiB = 1024 * 1024;
const mb = (n: number): string => (n / MiB).toFixed(0);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--serve") return serve(Number(argv[1]), Number(argv[2]));
  const o: Options = { episodes: 6, subs: 50, msgs: 100_000, size: 1024, idleMs: 10_000, maxPending: 0, snapshots: "" };
  parseFlags(argv, USAGE, {
    "--episodes": (v) => (o.episodes = Number(v)),
    "--subs": (v) => (o.subs = Number(v)),
    "--msgs": (v) => (o.msgs = Number(v)),
    "--size": (v) => (o.size = Number(v)),
    "--idle-ms": (v) => (o.idleMs = Number(v)),
    "--max-pending": (v) => (o.maxPending = Number(v)),
    "--snapshots": (v) => (o.snapshots = v),
  });
  const { freePort } = await import("./compare-servers.js");
  const port = await freePort();
  const proc = track(fork(fileURLToPath(import.meta.url), ["--serve", String(port), String(o.maxPending)], {
    detached: true, // a session of its own, as a service runs
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  }));
  try {
    await new Promise<void>((resolve, reject) => {
      proc.once("message", () => resolve());
      proc.once("exit", (code) => reject(new Error(`server exited (${code})`)));
    });
    const srv = new ServerProc(proc);
    process.stdout.write(`# load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ${o.subs} subs, ${o.msgs} x ${o.size} B, idle ${o.idleMs} ms\n`);
    process.stdout.write("| episode | RSS MiB | peak RSS | heap used | heap total | external | arrayBuffers | collections |\n|---|---|---|---|---|---|---|---|\n");
    const rss: number[] = [];
    for (let e = 1; e <= o.episodes; e++) {
      await episode(srv, port, o);
      await new Promise((r) => setTimeout(r, o.idleMs));
      const st = await srv.ask({ op: "state" });
      rss.push(st.rss);
      process.stdout.write(`| ${e} | ${mb(st.rss)} | ${mb(st.peakRss)} | ${mb(st.heapUsed)} | ${mb(st.heapTotal)} | ${mb(st.external)} | ${mb(st.arrayBuffers)} | ${st.collections} |\n`);
      if (o.snapshots !== "") await srv.ask({ op: "snapshot", file: join(o.snapshots, `episode-${e}.heapsnapshot`) });
    }
    const worst = Math.max(...rss.slice(1));
    process.stdout.write(`# idle RSS rise over episode 1: ${(((worst - rss[0]!) / rss[0]!) * 100).toFixed(1)}% (worst later episode)\n`);
    process.stdout.write(`# load average after ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  } finally {
    proc.kill("SIGKILL");
  }
}

runMain(main);
