/**
 * bcrypt password checks (`$2a$...` hashes in the config). bcrypt is slow on purpose (~140 ms
 * per check at cost 11 here) and bcryptjs is synchronous JavaScript, so connections verify
 * in worker threads, and a flood of wrong passwords must not lock legitimate users out:
 *
 * - checks wait in a {@link FairQueue}: bounded, per remote address, round-robin, so one
 *   address cannot fill it; past the bound a login is refused at once ("busy"), which the
 *   connection answers as nats-server answers a login it could not check in time;
 * - a check whose connection has gone is dropped before it costs a worker any CPU;
 * - each worker has one check at a time, so nothing is committed to a worker in advance;
 * - verdicts are remembered in two least-recently-used maps, one for right passwords and
 *   one for wrong ones, so a stream of distinct wrong passwords evicts only wrong ones
 *   and a returning user is let in without a check.
 *
 * One verifier per server (it outlives config reloads, which build new Authenticators).
 */
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { lazyRequire } from "../util/lazy-require.js";
import { LruMap } from "../util/lru.js";
import { FairQueue } from "./fair-queue.js";

const bcryptjs = lazyRequire<typeof import("bcryptjs")>("bcryptjs");
/** Loaded with the first bcrypt check: most servers have no bcrypt passwords. */
const workerThreads = lazyRequire<typeof import("node:worker_threads")>("node:worker_threads");

/** Remembered verdicts of each kind. */
const VERDICTS_MAX = 1024;
/** Checks waiting at most, over all sources. */
export const DEFAULT_MAX_PENDING = 256;
/** Checks one remote address may have waiting. */
export const DEFAULT_MAX_PENDING_PER_SOURCE = 32;

/** How a check ended: the verdict, or why there is none. */
export type BcryptOutcome = "ok" | "wrong" | "busy" | "gone";

/** One login waiting for a check. */
export interface BcryptJob {
  given: string;
  hash: string;
  /** Who asked (the remote address): the unit of fairness. */
  source: string;
  /** True once nobody waits for the answer (the connection closed). */
  isGone: () => boolean;
}

export interface BcryptVerifierOptions {
  /** Worker threads (default: one per core beyond the event loop's, 1 to 4). */
  workers?: number;
  maxPending?: number;
  maxPendingPerSource?: number;
  /** Verdicts remembered of each kind (right, wrong). */
  verdictsMax?: number;
}

interface Pending extends BcryptJob {
  resolve: (outcome: BcryptOutcome) => void;
}

interface PoolWorker {
  worker: Worker;
  job: Pending | null;
}

/** Default pool size: leave a core to the event loop; 1 on a 2-core machine. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

function verdictKey(given: string, hash: string): string {
  return `${hash}\0${createHash("sha256").update(given).digest("base64")}`;
}

export class BcryptVerifier {
  /** Checks made by the workers, refused because the queue was full, dropped because their connection had gone. */
  checked = 0;
  busy = 0;
  dropped = 0;
  private readonly right: LruMap<string, true>;
  private readonly wrong: LruMap<string, true>;
  private readonly queue: FairQueue<Pending>;
  private readonly pool: PoolWorker[] = [];
  private readonly workerCount: number;
  private nextId = 0;

  constructor(opts: BcryptVerifierOptions = {}) {
    this.workerCount = Math.max(1, opts.workers ?? defaultWorkerCount());
    this.right = new LruMap(opts.verdictsMax ?? VERDICTS_MAX);
    this.wrong = new LruMap(opts.verdictsMax ?? VERDICTS_MAX);
    this.queue = new FairQueue<Pending>(opts.maxPending ?? DEFAULT_MAX_PENDING, opts.maxPendingPerSource ?? DEFAULT_MAX_PENDING_PER_SOURCE, (p) => {
      if (!p.isGone()) return false;
      this.dropped++;
      p.resolve("gone");
      return true;
    });
  }

  /** The remembered verdict for this password and hash, if any. */
  verdict(given: string, hash: string): boolean | undefined {
    const key = verdictKey(given, hash);
    if (this.right.get(key) === true) return true;
    if (this.wrong.get(key) === true) return false;
    return undefined;
  }

  /** Checks on this thread (config reload, tests); remembers the verdict. */
  compareSync(given: string, hash: string): boolean {
    const known = this.verdict(given, hash);
    if (known !== undefined) return known;
    let ok = false;
    try {
      ok = bcryptjs().compareSync(given, hash);
    } catch {
      ok = false;
    }
    this.remember(given, hash, ok);
    return ok;
  }

  /** Checks in a worker (started on first use), unless the verdict is remembered. */
  check(job: BcryptJob): Promise<BcryptOutcome> {
    const known = this.verdict(job.given, job.hash);
    if (known !== undefined) return Promise.resolve(known ? "ok" : "wrong");
    return new Promise<BcryptOutcome>((resolve) => {
      const p: Pending = { ...job, resolve };
      if (!this.queue.push(job.source, p)) {
        this.busy++;
        resolve("busy");
        return;
      }
      this.dispatch();
    });
  }

  /** Stops the workers (the server is closing); checks still waiting end as "gone". */
  async close(): Promise<void> {
    for (let p = this.queue.shift(); p !== undefined; p = this.queue.shift()) p.resolve("gone");
    const pool = this.pool.splice(0);
    for (const w of pool) w.job?.resolve("gone");
    // Referenced again: terminate() resolves on the worker's exit event, and an unref'd idle
    // worker let the loop run empty first, so close() never finished (seen under load).
    await Promise.all(
      pool.map((w) => {
        w.worker.ref();
        return w.worker.terminate();
      }),
    );
  }

  private remember(given: string, hash: string, ok: boolean): void {
    (ok ? this.right : this.wrong).set(verdictKey(given, hash), true);
  }

  /** Hands waiting checks to idle workers, starting workers up to the pool size. */
  private dispatch(): void {
    for (;;) {
      let w = this.pool.find((x) => x.job === null);
      if (w === undefined && this.pool.length < this.workerCount && this.queue.size > 0) w = this.startWorker();
      if (w === undefined) return;
      const p = this.queue.shift();
      if (p === undefined) return;
      // The same verdict may have arrived while this one waited (a reconnect storm of one user).
      const known = this.verdict(p.given, p.hash);
      if (known !== undefined) {
        p.resolve(known ? "ok" : "wrong");
        continue;
      }
      w.job = p;
      // Referenced while busy: a process must not exit with a check in flight.
      w.worker.ref();
      w.worker.postMessage({ id: ++this.nextId, given: p.given, hash: p.hash });
    }
  }

  private startWorker(): PoolWorker {
    const w: PoolWorker = { worker: new (workerThreads().Worker)(new URL("./bcrypt-worker.js", import.meta.url)), job: null };
    w.worker.on("message", (m: { ok: boolean }) => {
      const p = w.job;
      w.job = null;
      w.worker.unref();
      this.checked++;
      if (p !== null) {
        this.remember(p.given, p.hash, m.ok);
        p.resolve(m.ok ? "ok" : "wrong");
      }
      this.dispatch();
    });
    w.worker.on("error", () => {
      // A broken worker fails its check (as a wrong password would) and is replaced on demand.
      const i = this.pool.indexOf(w);
      if (i >= 0) this.pool.splice(i, 1);
      w.job?.resolve("wrong");
      w.job = null;
      this.dispatch();
    });
    // An idle worker must not keep an otherwise finished process alive (unref after the
    // listeners: adding a 'message' listener refs the port again).
    w.worker.unref();
    this.pool.push(w);
    return w;
  }
}
