/**
 * bcrypt password checks (`$2a$...` hashes in the config). bcrypt is slow on purpose:
 * ~140 ms per check at cost 11 here, and bcryptjs is synchronous JavaScript. Run on the
 * event loop, every such CONNECT (or wrong password) would stall every client, so
 * connections verify in a worker thread (`bcryptCompare`), and verdicts are remembered
 * (bounded), so a reconnect storm of one user pays once.
 */
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { lazyRequire } from "../util/lazy-require.js";

const bcryptjs = lazyRequire<typeof import("bcryptjs")>("bcryptjs");

/** Verdicts by hash and SHA-256 of the password given; cleared when full. */
const verdicts = new Map<string, boolean>();
const VERDICTS_MAX = 1024;

function verdictKey(given: string, hash: string): string {
  return `${hash}\0${createHash("sha256").update(given).digest("base64")}`;
}

function remember(given: string, hash: string, ok: boolean): boolean {
  if (verdicts.size >= VERDICTS_MAX) verdicts.clear();
  verdicts.set(verdictKey(given, hash), ok);
  return ok;
}

/** The remembered verdict for this password and hash, if any. */
export function bcryptVerdict(given: string, hash: string): boolean | undefined {
  return verdicts.get(verdictKey(given, hash));
}

/** Checks on this thread (config reload, tests); remembers the verdict. */
export function bcryptCompareSync(given: string, hash: string): boolean {
  const known = bcryptVerdict(given, hash);
  if (known !== undefined) return known;
  let ok = false;
  try {
    ok = bcryptjs().compareSync(given, hash);
  } catch {
    ok = false;
  }
  return remember(given, hash, ok);
}

let worker: Worker | null = null;
let nextId = 0;
const waiting = new Map<number, { given: string; hash: string; resolve: (ok: boolean) => void }>();

/** Checks in the worker thread, started on first use; remembers the verdict. */
export function bcryptCompare(given: string, hash: string): Promise<boolean> {
  const known = bcryptVerdict(given, hash);
  if (known !== undefined) return Promise.resolve(known);
  const w = (worker ??= startWorker());
  const id = ++nextId;
  return new Promise((resolve) => {
    waiting.set(id, { given, hash, resolve });
    w.postMessage({ id, given, hash });
  });
}

function startWorker(): Worker {
  const w = new Worker(new URL("./bcrypt-worker.js", import.meta.url));
  w.on("message", (m: { id: number; ok: boolean }) => {
    const job = waiting.get(m.id);
    if (job === undefined) return;
    waiting.delete(m.id);
    job.resolve(remember(job.given, job.hash, m.ok));
  });
  w.on("error", () => {
    // A broken worker fails the checks in flight (as a wrong password would); the next
    // check starts a new one.
    worker = null;
    for (const job of waiting.values()) job.resolve(false);
    waiting.clear();
  });
  // The worker must not keep an otherwise finished process alive (unref after the
  // listeners: adding a 'message' listener refs the port again).
  w.unref();
  return w;
}
