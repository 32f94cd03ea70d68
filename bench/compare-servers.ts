/**
 * Server processes for bench/compare.ts: find nats-server, spawn a server on a free port,
 * time spawn-to-ready (port accepting and sending INFO; also the "Server is ready" log
 * line when the server prints one), wait until it is idle, and stop it. Also times
 * `startServer()` in a fresh Node process (cold import + start), when the public API has it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { readCpuSeconds } from "../src/bench/proc.js";
import { track } from "./children.js";

/** A server implementation under comparison: `argv` contains `{port}` where the port goes. */
export interface ServerSpec {
  name: string;
  argv: string[];
}

export interface RunningServer {
  spec: ServerSpec;
  pid: number;
  port: number;
  /** Spawn until a TCP client received INFO. */
  startMs: number;
  /** Spawn until the "Server is ready" log line, when one was seen before the port answered. */
  readyLineMs: number | null;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 2;

/** /usr/sbin/nats-server, else `nats-server` on PATH, else null. */
export function findNatsServer(): string | null {
  if (existsSync("/usr/sbin/nats-server")) return "/usr/sbin/nats-server";
  const r = spawnSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" });
  const p = r.status === 0 ? r.stdout.trim() : "";
  return p !== "" ? p : null;
}

/** The built tsnats-server entry next to this file's dist/ tree. */
export function defaultTsnatsServerPath(): string {
  return fileURLToPath(new URL("../src/cli/tsnats-server.cjs", import.meta.url));
}

/** A port that was free a moment ago (bind 0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves true when a connection to the port receives the server's INFO. */
function probeInfo(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    let done = false;
    const end = (ok: boolean): void => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(ok);
    };
    s.on("data", (d: Buffer) => end(d.subarray(0, 4).toString("latin1") === "INFO"));
    s.on("error", () => end(false));
    s.on("close", () => end(false));
    s.setTimeout(1000, () => end(false));
  });
}

/** Spawns `spec` on a free port and waits until it serves clients. */
export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const port = await freePort();
  const argv = spec.argv.map((a) => a.replaceAll("{port}", String(port)));
  const t0 = performance.now();
  // In a session of its own (setsid), as a service runs: with autogroup scheduling it gets its
  // own share of the CPU instead of competing thread by thread with the load generator.
  // Killed with the bench on any way out (children.ts).
  const child: ChildProcess = track(spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], detached: true }));
  let readyLineMs: number | null = null;
  let output = "";
  let exited: string | null = null;
  const onOut = (d: Buffer): void => {
    if (output.length < 64 * 1024) output += d.toString("utf8");
    if (readyLineMs === null && output.includes("Server is ready")) readyLineMs = performance.now() - t0;
  };
  child.stdout?.on("data", onOut);
  child.stderr?.on("data", onOut);
  child.on("error", (e) => (exited = e.message));
  child.on("exit", (code, sig) => {
    exited ??= `exited with ${code ?? sig}`;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited !== null) throw new Error(`${spec.name} (${argv.join(" ")}) ${exited}:\n${output.slice(-2000)}`);
    if (await probeInfo(port)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${spec.name} not ready on port ${port} after ${READY_TIMEOUT_MS}ms:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const startMs = performance.now() - t0;
  return {
    spec,
    pid: child.pid ?? 0,
    port,
    startMs,
    readyLineMs,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Waits (bounded) until the server's CPU time stops moving, so backlog from one run
 * (e.g. after a timeout) does not bleed into the next.
 */
export async function waitIdle(pid: number, maxMs = 5000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = readCpuSeconds(pid);
  let quiet = 0;
  while (last !== null && Date.now() < deadline && quiet < 2) {
    await new Promise((r) => setTimeout(r, 100));
    const now = readCpuSeconds(pid);
    if (now === null) return;
    quiet = now - last <= 0.02 ? quiet + 1 : 0;
    last = now;
  }
}

/** What timing `startServer()` in a fresh Node process gave, or why it was skipped. */
export type InProcessStart = { importMs: number; startMs: number } | { skipped: string };

/**
 * Imports dist/src/index.js in a fresh Node process and times `startServer()` (cold: the
 * import is part of what a user waits for). Skips with a reason when the module or the
 * export does not exist yet.
 */
export function timeInProcessStart(): Promise<InProcessStart> {
  const indexPath = fileURLToPath(new URL("../src/index.js", import.meta.url));
  if (!existsSync(indexPath)) return Promise.resolve({ skipped: "dist/src/index.js not built" });
  const script = `
const t0 = performance.now();
const m = await import(${JSON.stringify(new URL("../src/index.js", import.meta.url).href)});
const t1 = performance.now();
if (typeof m.startServer !== "function") { console.log(JSON.stringify({ skipped: "index.js has no startServer export" })); process.exit(0); }
const s = await m.startServer({ port: -1, host: "127.0.0.1" });
const t2 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, startMs: t2 - t1 }));
try { const stop = s && (s.shutdown ?? s.close ?? s.stop); if (typeof stop === "function") await stop.call(s); } catch {}
process.exit(0);
`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), READY_TIMEOUT_MS);
    child.on("exit", () => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line === undefined) {
        resolve({ skipped: `startServer() failed: ${(err.trim().split("\n").pop() ?? "no output").slice(0, 200)}` });
        return;
      }
      resolve(JSON.parse(line) as InProcessStart);
    });
  });
}

/**
 * Cold start as a user sees it: spawn → the "Server is ready" line, on a free port, then
 * the process is killed (no shutdown in the figure). Null when the line never came.
 * `argv` without "Server is ready" in its output (a baseline like `node -e 0`) is timed
 * to its exit instead.
 */
export async function timeSpawnToReady(spec: ServerSpec): Promise<number | null> {
  const port = await freePort();
  const argv = spec.argv.map((a) => a.replaceAll("{port}", String(port)));
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = track(spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] }));
    let output = "";
    let readyMs: number | null = null;
    const onOut = (d: Buffer): void => {
      if (readyMs !== null || output.length > 64 * 1024) return;
      output += d.toString("utf8");
      if (output.includes("Server is ready")) {
        readyMs = performance.now() - t0;
        child.kill("SIGKILL");
      }
    };
    child.stdout.on("data", onOut);
    child.stderr.on("data", onOut);
    const timer = setTimeout(() => child.kill("SIGKILL"), READY_TIMEOUT_MS);
    child.on("error", () => undefined);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(readyMs ?? (code === 0 ? performance.now() - t0 : null));
    });
  });
}
