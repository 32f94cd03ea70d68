/**
 * The C ingest client (bench/c/ingest.c) for bench/compare.ts: built from source at bench
 * time into a temporary folder (never committed as a binary), then run once per ingest
 * sample. It publishes pre-encoded PUB batches over a plain socket (or through libnats),
 * so the client costs far less CPU per message than either server and is not the limit.
 */
import { spawn, spawnSync } from "node:child_process";
import { track } from "./children.js";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** How the C client publishes: `raw` pre-encoded socket batches, `libnats` natsConnection_Publish. */
export type IngestMode = "raw" | "libnats";

/** One run's figures, as the C program prints them. */
export interface IngestResult {
  mode: IngestMode;
  msgs: number;
  size: number;
  subs: number;
  /** First byte out to the PONG after the last message: the server took every message in. */
  pub_s: number;
  pub_msgs_per_sec: number;
  received: number;
  sub_s: number;
  /** The client's own CPU (user + sys) over the whole run. */
  client_cpu_s: number;
}

export interface IngestClient {
  bin: string;
  run(url: string, msgs: number, sizeBytes: number, opts: { mode: IngestMode; subject: string; subs?: number; timeoutMs: number }): Promise<IngestResult>;
  /** Removes the temporary build. */
  dispose(): void;
}

// The C source sits beside this file's TypeScript source, not in dist/.
const SOURCE = fileURLToPath(new URL("../../bench/c/ingest.c", import.meta.url));

/**
 * Compiles the client with `cc -O2 ... -lnats`. Returns the client, or a reason it could
 * not be built (no compiler, libnats-dev missing, compile error).
 */
export function buildIngestClient(): IngestClient | { unavailable: string } {
  if (!existsSync("/usr/include/nats/nats.h")) return { unavailable: "libnats-dev not installed (/usr/include/nats/nats.h)" };
  if (!existsSync(SOURCE)) return { unavailable: `${SOURCE} missing` };
  const dir = mkdtempSync(join(tmpdir(), "tsnats-ingest-"));
  const bin = join(dir, "ingest");
  const r = spawnSync("cc", ["-O2", "-o", bin, SOURCE, "-lnats"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `cc failed: ${r.error?.message ?? r.stderr.trim().slice(0, 300)}` };
  }
  return {
    bin,
    run: (url, msgs, sizeBytes, opts) => runIngest(bin, url, msgs, sizeBytes, opts),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function runIngest(
  bin: string,
  url: string,
  msgs: number,
  sizeBytes: number,
  opts: { mode: IngestMode; subject: string; subs?: number; timeoutMs: number },
): Promise<IngestResult> {
  const args = [url, String(msgs), String(sizeBytes), "--subject", opts.subject];
  if (opts.mode === "raw") args.push("--raw");
  if ((opts.subs ?? 0) > 0) args.push("--subs", String(opts.subs));
  return new Promise((resolve, reject) => {
    const child = track(spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] }));
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || line === undefined) {
        reject(new Error(`ingest client ${signal !== null ? `killed (${signal})` : `exited ${code}`}: ${err.trim().slice(0, 300)}`));
        return;
      }
      resolve(JSON.parse(line) as IngestResult);
    });
  });
}
