/**
 * Shared by the monitor, micro, CLI and dashboard tests: an embedded tsnats server with
 * monitoring on free ports, JSON fetches from it, and the built `tsnats` CLI run as a
 * subprocess (asynchronously: the server under test lives in this process).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";

/** dist/src/cli/tsnats.js, relative to this compiled file (dist/test/micro/). */
export const TSNATS_CLI = fileURLToPath(new URL("../../src/cli/tsnats.js", import.meta.url));

export interface MonitoredServer extends NatsServer {
  /** `http://127.0.0.1:<port>` of the monitor. */
  monitorURL: string;
  get(path: string): Promise<Record<string, unknown>>;
  getText(path: string): Promise<{ status: number; type: string; body: string }>;
}

/** Starts tsnats on 127.0.0.1 with client and monitoring ports picked by the OS. */
export async function startMonitored(opts: StartServerOptions = {}): Promise<MonitoredServer> {
  const s = await startServer({ host: "127.0.0.1", port: -1, httpPort: -1, ...opts });
  if (!s.httpPort) throw new Error("monitoring did not start");
  const base = opts.httpBasePath ? `/${opts.httpBasePath.replace(/^\/+|\/+$/g, "")}` : "";
  const monitorURL = `http://127.0.0.1:${s.httpPort}${base}`;
  const getText = async (path: string): Promise<{ status: number; type: string; body: string }> => {
    const r = await fetch(`${monitorURL}${path}`);
    return { status: r.status, type: r.headers.get("content-type") ?? "", body: await r.text() };
  };
  const get = async (path: string): Promise<Record<string, unknown>> => {
    const r = await getText(path);
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}: ${r.body}`);
    return JSON.parse(r.body) as Record<string, unknown>;
  };
  return Object.assign(s, { monitorURL, get, getText });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/tsnats.js ...args`; kills it after `timeoutMs`. */
export function runCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSNATS_CLI, ...args], {
      env: { ...process.env, NATS_URL: "", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? "");
  });
}

/** Starts the CLI and returns the child, for long-running commands (sub, reply). */
export function spawnCli(args: string[]): { child: ReturnType<typeof spawn>; output: () => { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [TSNATS_CLI, ...args], { env: { ...process.env, NATS_URL: "" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  void exited.then(() => clearTimeout(killer));
  return { child, output: () => ({ stdout, stderr }), exited };
}
