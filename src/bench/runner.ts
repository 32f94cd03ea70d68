/**
 * Runs one pub/sub or request/reply benchmark: subscribers (or the responder) first, each
 * in its own worker thread, confirmed by PING/PONG; then publishers (or the requester)
 * get `go` together. Ends when every publisher has flushed and every expected message
 * arrived, or at the timeout, in which case it reports what arrived and says so.
 */
import { Worker } from "node:worker_threads";
import type { BenchOptions } from "./args.js";
import { groupStats, latencyStats, type ClientSample, type GroupStats, type LatencyStats } from "./stats.js";
import type { ControlMessage, WorkerConfig, WorkerMessage } from "./worker.js";

/** What a run measured; `pubs`/`subs` hold requester/responder in request mode. */
export interface BenchResult {
  mode: "pubsub" | "request";
  subject: string;
  msgs: number;
  sizeBytes: number;
  queue: boolean;
  window: number;
  pubs: ClientSample[];
  subs: ClientSample[];
  pubStats: GroupStats;
  subStats: GroupStats;
  /** Messages the subscribers should have received in total. */
  expected: number;
  /** Messages the subscribers did receive in total. */
  received: number;
  timedOut: boolean;
  errors: string[];
  latency: LatencyStats | null;
}

/** How often the main thread looks at the shared progress counters. */
const POLL_INTERVAL_MS = 5;
/** Bound on waiting for connections/subscriptions and for final samples. */
const SETUP_TIMEOUT_MS = 10_000;
const QUEUE_GROUP = "tsnats-bench";

/** Splits `total` among `n` clients as evenly as possible (nats.go bench MsgsPerClient). */
export function msgsPerClient(total: number, n: number): number[] {
  if (n <= 0) return [];
  const base = Math.floor(total / n);
  const extra = total % n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

class ClientHandle {
  readonly worker: Worker;
  ready = false;
  done = false;
  sample: ClientSample;
  latenciesNs: Float64Array | null = null;

  constructor(cfg: WorkerConfig) {
    this.sample = { role: cfg.role, id: cfg.id, msgs: 0, bytes: 0, startNs: 0, endNs: 0, error: "" };
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: cfg });
    this.worker.on("message", (m: WorkerMessage) => {
      if (m.type === "ready") this.ready = true;
      else {
        this.done = true;
        this.sample = m.sample;
        this.latenciesNs = m.latenciesNs;
      }
    });
    this.worker.on("error", (e) => this.markFailed(e.message));
    this.worker.on("exit", () => this.markFailed("worker exited"));
  }

  send(m: ControlMessage): void {
    this.worker.postMessage(m);
  }

  private markFailed(error: string): void {
    if (this.done) return;
    this.done = true;
    this.sample = { ...this.sample, error };
  }
}

/** Waits until `pred()` holds or `deadline` (ms since epoch) passes; returns whether it held. */
async function until(pred: () => boolean, deadline: number): Promise<boolean> {
  while (!pred()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  return true;
}

/**
 * Runs the benchmark described by `o` (pub/sub or request mode). `beforeGo` runs once every
 * client is connected, before the publishers start (e.g. until a cluster spread the
 * subscribers' interest to the publishers' server).
 */
export async function runBench(o: BenchOptions, beforeGo?: () => Promise<void>): Promise<BenchResult> {
  const request = o.request;
  const nPubs = request ? 1 : o.pubs;
  const nSubs = request ? 1 : o.subs;
  const progress = new SharedArrayBuffer(8 * (nPubs + nSubs));
  const counts = new Float64Array(progress);
  const inbox = `_INBOX.bench.${process.pid}.${Date.now().toString(36)}`;
  const queue = o.queue ? QUEUE_GROUP : "";
  const expected = request ? o.msgs : o.queue ? (nSubs > 0 ? o.msgs : 0) : o.msgs * nSubs;
  const base = { server: o.server, subject: o.subject, sizeBytes: o.sizeBytes, window: o.window, inbox, progress };

  const subs: ClientHandle[] = [];
  const pubs: ClientHandle[] = [];
  const all = (): ClientHandle[] => [...subs, ...pubs];
  try {
    for (let i = 0; i < nSubs; i++) {
      const role = request ? "rep" : "sub";
      const msgs = request || o.queue ? 0 : o.msgs;
      subs.push(new ClientHandle({ ...base, role, id: i + 1, queue, msgs, slot: i }));
    }
    const shares = msgsPerClient(o.msgs, nPubs);
    for (let i = 0; i < nPubs; i++) {
      const role = request ? "req" : "pub";
      pubs.push(new ClientHandle({ ...base, server: o.pubServer ?? o.server, role, id: i + 1, queue: "", msgs: shares[i]!, slot: nSubs + i }));
    }
    const setupDeadline = Date.now() + SETUP_TIMEOUT_MS;
    const setupOk = await until(() => all().every((c) => c.ready || c.done), setupDeadline);
    const failed = all().filter((c) => c.done && c.sample.error !== "");
    if (!setupOk || failed.length > 0) {
      const why = failed.map((c) => `${c.sample.role}${c.sample.id}: ${c.sample.error}`);
      if (!setupOk) why.push("timed out connecting");
      return result(o, expected, pubs, subs, false, why);
    }

    if (beforeGo !== undefined) await beforeGo();
    for (const p of pubs) p.send({ type: "go" });
    const deadline = Date.now() + o.timeoutMs;
    const received = (): number => {
      let n = 0;
      for (let i = 0; i < nSubs; i++) n += counts[i]!;
      return n;
    };
    const finished = (): boolean => {
      if (request) return pubs.every((p) => p.done);
      if (!pubs.every((p) => p.done)) return false;
      return received() >= expected || subs.every((s) => s.done);
    };
    const ok = await until(finished, deadline);
    for (const c of all()) if (!c.done) c.send({ type: "stop" });
    await until(() => all().every((c) => c.done), Date.now() + SETUP_TIMEOUT_MS);
    return result(o, expected, pubs, subs, !ok, []);
  } finally {
    await Promise.all(all().map((c) => c.worker.terminate()));
  }
}

function result(
  o: BenchOptions,
  expected: number,
  pubs: ClientHandle[],
  subs: ClientHandle[],
  timedOut: boolean,
  setupErrors: string[],
): BenchResult {
  const pubSamples = pubs.map((c) => c.sample);
  const subSamples = subs.map((c) => c.sample);
  const errors = [...setupErrors];
  for (const s of [...pubSamples, ...subSamples]) {
    if (s.error !== "" && !setupErrors.some((e) => e.includes(s.error))) errors.push(`${s.role}${s.id}: ${s.error}`);
  }
  const lat = pubs[0]?.latenciesNs;
  return {
    mode: o.request ? "request" : "pubsub",
    subject: o.subject,
    msgs: o.msgs,
    sizeBytes: o.sizeBytes,
    queue: o.queue,
    window: o.window,
    pubs: pubSamples,
    subs: subSamples,
    pubStats: groupStats(pubSamples),
    subStats: groupStats(subSamples),
    expected,
    received: o.request ? pubSamples.reduce((a, s) => a + s.msgs, 0) : subSamples.reduce((a, s) => a + s.msgs, 0),
    timedOut,
    errors,
    latency: o.request && lat ? latencyStats(lat) : null,
  };
}
