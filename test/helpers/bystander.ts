/**
 * The bystander latency probe: how long an innocent client waits while something else
 * loads the server (a flood of SUBs, monitoring dumps, an auth flood...).
 *
 * ```ts
 * const by = await startBystander("nats://127.0.0.1:4222");
 * await runTheLoad();
 * const stats = await by.stop(); // { p50Ms, p90Ms, maxMs, timeouts, ... }
 * ```
 *
 * Two raw connections (the bench's `RawConnection`: no client library in the way): a
 * responder subscribed to `<prefix>.req` that answers every request, and a requester that
 * sends one request every `intervalMs` and subscribes to its replies. Latency is measured
 * from when a request was *due*, not when it went out: if the probe's own event loop is
 * held (it shares a process with an in-process server in tests), the requests it could not
 * send count as late rather than vanishing (no coordinated omission). A request not
 * answered within `timeoutMs` is a timeout; its late reply is ignored.
 *
 * Works against any NATS server (tsnats or nats-server): only core protocol is used.
 * `startBystanderProcess` runs the same probe in a child process, for loads that this
 * process generates itself; `measureDuring(url, load)` wraps that around one load.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseServerUrl, type ServerAddress } from "../../src/bench/args.js";
import { RawConnection } from "../../src/bench/raw-conn.js";

export interface BystanderOptions {
  /** Time between requests (default 10 ms). */
  intervalMs?: number;
  /** A request unanswered this long is a timeout (default 1000 ms). */
  timeoutMs?: number;
  /** Subject prefix (default a unique `_BYSTANDER.<n>`). */
  prefix?: string;
  /** Payload size in bytes (default 16). */
  payloadBytes?: number;
}

export interface BystanderStats {
  /** Requests sent. */
  sent: number;
  /** Requests answered within the timeout. */
  answered: number;
  timeouts: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Every answered request's latency in ms, in send order. */
  samplesMs: number[];
}

export interface Bystander {
  /** Latency statistics so far, without stopping. */
  snapshot(): BystanderStats;
  /** Stops sending, waits (≤ timeoutMs) for the requests in flight, closes, and reports. */
  stop(): Promise<BystanderStats>;
}

let probes = 0;

/** Starts the probe against `url` (`nats://[user:pass@]host:port`); resolves once both connections are up. */
export async function startBystander(url: string | ServerAddress, opts: BystanderOptions = {}): Promise<Bystander> {
  const parsed = typeof url === "string" ? parseServerUrl(url) : url;
  if (typeof parsed === "string") throw new Error(parsed);
  const server = parsed;
  const intervalMs = opts.intervalMs ?? 10;
  const timeoutMs = opts.timeoutMs ?? 1000;
  const prefix = opts.prefix ?? `_BYSTANDER.${process.pid}.${++probes}`;
  const payload = "x".repeat(opts.payloadBytes ?? 16);
  const reqSubject = `${prefix}.req`;
  const replyPrefix = `${prefix}.reply.`;

  const responder = new RawConnection(server, "bystander-responder", new Uint8Array(64 * 1024), (line, n) => {
    // "MSG <prefix>.req <sid> <reply> <size>": answer to <reply>.
    const parts = Buffer.from(line.buffer, line.byteOffset, n).toString("latin1").split(" ");
    if (parts.length === 5) responder.socket.write(`PUB ${parts[3]} ${payload.length}\r\n${payload}\r\n`);
  });
  const outstanding = new Map<number, number>();
  const samples: number[] = [];
  let timeouts = 0;
  const requester = new RawConnection(server, "bystander-requester", new Uint8Array(64 * 1024), (line, n) => {
    const subject = Buffer.from(line.buffer, line.byteOffset, n).toString("latin1").split(" ")[1] ?? "";
    const seq = Number(subject.slice(replyPrefix.length));
    const due = outstanding.get(seq);
    if (due === undefined) return;
    outstanding.delete(seq);
    samples.push(performance.now() - due);
  });
  responder.socket.write(`SUB ${reqSubject} 1\r\n`);
  requester.socket.write(`SUB ${replyPrefix}* 1\r\n`);
  await Promise.all([responder.ready(), requester.ready()]);
  await Promise.all([responder.flush(), requester.flush()]);

  const start = performance.now();
  let seq = 0;
  const expire = (now: number): void => {
    for (const [s, due] of outstanding) {
      if (now - due < timeoutMs) break; // insertion order = due order
      outstanding.delete(s);
      timeouts++;
    }
  };
  let timer: NodeJS.Timeout | null = null;
  const tick = (): void => {
    const now = performance.now();
    expire(now);
    // Every request due by now, each stamped with the time it was due.
    for (let due = start + seq * intervalMs; due <= now; due = start + seq * intervalMs) {
      outstanding.set(seq, due);
      requester.socket.write(`PUB ${reqSubject} ${replyPrefix}${seq} ${payload.length}\r\n${payload}\r\n`);
      seq++;
    }
    timer = setTimeout(tick, Math.max(0, start + seq * intervalMs - performance.now()));
  };
  tick();

  const snapshot = (): BystanderStats => summarize(seq, samples, timeouts);
  return {
    snapshot,
    async stop(): Promise<BystanderStats> {
      if (timer !== null) clearTimeout(timer);
      const deadline = performance.now() + timeoutMs;
      while (outstanding.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expire(Number.POSITIVE_INFINITY);
      responder.close();
      requester.close();
      return snapshot();
    },
  };
}

/**
 * The same probe in a child process: use it when this process generates the load (reading
 * big HTTP responses, opening thousands of sockets), which would otherwise delay the
 * probe's own event loop and be blamed on the server. Only `stop()` is available.
 */
export async function startBystanderProcess(url: string, opts: BystanderOptions = {}): Promise<Pick<Bystander, "stop">> {
  const child = fork(fileURLToPath(new URL("./bystander-child.js", import.meta.url)), [url, JSON.stringify(opts)], { stdio: "inherit" });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`bystander process exited (${code})`)));
  });
  return {
    stop: () =>
      new Promise<BystanderStats>((resolve, reject) => {
        child.once("message", (m) => resolve(m as BystanderStats));
        child.once("exit", (code) => reject(new Error(`bystander process exited (${code})`)));
        child.send("stop");
      }),
  };
}

/**
 * Runs `load` while a bystander (in a child process) probes `url`, with a short quiet
 * margin before and after; returns the probe's figures and how long the load took.
 */
export async function measureDuring(
  url: string,
  load: () => Promise<void>,
  opts: BystanderOptions & { marginMs?: number } = {},
): Promise<{ stats: BystanderStats; loadMs: number }> {
  const marginMs = opts.marginMs ?? 200;
  const by = await startBystanderProcess(url, opts);
  await new Promise((r) => setTimeout(r, marginMs));
  const t0 = performance.now();
  await load();
  const loadMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, marginMs));
  return { stats: await by.stop(), loadMs };
}

/** The q-quantile (0..1) of sorted values, nearest rank; 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function summarize(sent: number, samples: number[], timeouts: number): BystanderStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    sent,
    answered: samples.length,
    timeouts,
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? 0,
    samplesMs: [...samples],
  };
}

/** One line for logs and reports: `p50 1.2 ms, p90 3.4 ms, max 20.1 ms, 0 timeouts (500 sent)`. */
export function formatStats(s: BystanderStats): string {
  const f = (v: number): string => v.toFixed(1);
  return `p50 ${f(s.p50Ms)} ms, p90 ${f(s.p90Ms)} ms, max ${f(s.maxMs)} ms, ${s.timeouts} timeouts (${s.sent} sent)`;
}
