/**
 * The JetStream engine of one server (nats-server jetstream.go): reachable as
 * `server.jetstream`, started from Server.start when `-js` / `jetstream {}` is set. It
 * owns the accounts with JetStream (their streams and consumers), the API, the shared
 * timer and work queues, the stores, and the server-wide limits and usage.
 */
import { mkdirSync, statfsSync } from "node:fs";
import { totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import type { JetStreamAccountLimits } from "../server/options.js";
import type { Account } from "../accounts/account.js";
import type { Server } from "../server/server.js";
import { ApiServer, DEFAULT_REQUEST_QUEUE_LIMIT } from "./api.js";
import { registerConsumerApi } from "./api-consumer.js";
import { registerStreamApi } from "./api-stream.js";
import { JsAccount, unlimited } from "./js-account.js";
import { JsSender } from "./outbound.js";
import { TimerQueue, WorkQueue } from "./scheduler.js";
import { persistStreamMeta, recoverAccount, removeStreamFiles, streamDir } from "./persist.js";
import { DEFAULT_READ_BUDGET_BYTES, FileStore, MemoryStore, ReadBudget, type StreamStore } from "./store/index.js";
import { storeConfigOf, type Stream } from "./stream.js";
import { NS_PER_MS, systemClock, type Clock } from "./time.js";
import { CONSUMER_INFO, STREAM_INFO, type Storage, type StreamConfig } from "./types.js";
import { encode } from "./codec.js";
import type { Consumer } from "./consumer.js";

/** nats-server JetStreamStoreDir: the folder created under store_dir. */
export const JS_STORE_DIR = "jetstream";
/** nats-server JetStreamMaxStoreDefault (when the disk cannot be asked): 1 TB. */
const MAX_STORE_DEFAULT = 1024 ** 4;
/** nats-server defaultSyncInterval. */
export const DEFAULT_SYNC_INTERVAL_MS = 2 * 60 * 1000;

/** The engine's settings, resolved from ServerOptions (nats-server JetStreamConfig + limits). */
export interface JetStreamConfig {
  storeDir: string;
  maxMemory: number;
  maxStore: number;
  domain: string;
  syncIntervalMs: number;
  syncAlways: boolean;
  requestQueueLimit: number;
  maxAckPending: number;
  maxRequestBatch: number;
  maxDuplicatesWindowNs: number;
  /** Bytes of read windows all file streams share (see store/file/read-cache.ts). */
  readBudgetBytes: number;
}

/** Fills in nats-server's defaults: 75% of memory, 75% of the store's free disk. */
export function resolveJetStreamConfig(server: Server): JetStreamConfig {
  const o = server.options;
  const j = o.jetstreamOptions;
  const storeDir = join(o.storeDir !== undefined && o.storeDir !== "" ? o.storeDir : join(tmpdir(), "nats"), JS_STORE_DIR);
  return {
    storeDir,
    maxMemory: j.maxMemory >= 0 ? j.maxMemory : Math.floor((totalmem() / 4) * 3),
    maxStore: j.maxStore >= 0 ? j.maxStore : diskAvailable(storeDir),
    domain: j.domain ?? "",
    syncIntervalMs: j.syncIntervalMs > 0 ? j.syncIntervalMs : DEFAULT_SYNC_INTERVAL_MS,
    syncAlways: j.syncAlways,
    requestQueueLimit: j.requestQueueLimit > 0 ? j.requestQueueLimit : DEFAULT_REQUEST_QUEUE_LIMIT,
    maxAckPending: j.limits?.maxAckPending ?? 0,
    maxRequestBatch: j.limits?.maxRequestBatch ?? 0,
    maxDuplicatesWindowNs: (j.limits?.duplicateWindowMs ?? 0) * NS_PER_MS,
    readBudgetBytes: DEFAULT_READ_BUDGET_BYTES,
  };
}

/** nats-server diskAvailable: 75% of the free space where the store lives. */
function diskAvailable(dir: string): number {
  try {
    mkdirSync(dir, { recursive: true });
    const fs = statfsSync(dir);
    return Math.floor((fs.bavail * fs.bsize) / 4) * 3;
  } catch {
    return MAX_STORE_DEFAULT;
  }
}

/** nats-server friendlyBytes: "17.66 GB". */
export function friendlyBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const pre = ["K", "M", "G", "T", "P", "E"];
  const exp = Math.floor(Math.log(n) / Math.log(1024));
  return `${(n / 1024 ** exp).toFixed(2)} ${pre[exp - 1]}B`;
}

export class JetStream {
  readonly accounts = new Map<Account, JsAccount>();
  readonly api: ApiServer;
  readonly sender: JsSender;
  readonly timers: TimerQueue;
  readonly work: WorkQueue;
  /** The read windows of every file stream, within one budget. */
  readonly readBudget: ReadBudget;
  /** Bytes in use across all accounts, and the server's API counters. */
  memUsed = 0;
  storeUsed = 0;
  private stopped = false;
  /** The reload in progress (reloads of accounts run one after another). */
  private reloading: Promise<void> = Promise.resolve();
  /** Accounts whose API subscriptions exist. */
  private readonly apiAccounts = new Set<Account>();

  constructor(
    readonly server: Server,
    readonly config: JetStreamConfig,
    readonly clock: Clock = systemClock,
  ) {
    this.api = new ApiServer(this, config.requestQueueLimit);
    this.sender = new JsSender(server);
    this.timers = new TimerQueue();
    // Deliveries made by a turn of the work queue are flushed at its end, as a read batch's are.
    this.work = new WorkQueue(() => server.flushPending());
    this.readBudget = new ReadBudget(config.readBudgetBytes);
    registerStreamApi(this.api.router);
    registerConsumerApi(this.api.router);
  }

  /** Logs the banner, enables the accounts and subscribes the API (nats-server enableJetStream). */
  async start(): Promise<void> {
    const log = this.server.logger;
    const c = this.config;
    mkdirSync(c.storeDir, { recursive: true });
    log.notice("Starting JetStream");
    log.notice("---------------- JETSTREAM ----------------");
    log.notice(`  Max Memory:      ${friendlyBytes(c.maxMemory)}`);
    log.notice(`  Max Storage:     ${friendlyBytes(c.maxStore)}`);
    log.notice(`  Store Directory: "${c.storeDir}"`);
    if (c.domain !== "") log.notice(`  Domain:          ${c.domain}`);
    log.notice("-------------------------------------------");
    for (const jsa of this.attachAccounts().fresh) await recoverAccount(this, jsa);
  }

  /**
   * Subscribes the API in every account not seen yet and enables JetStream where the
   * config asks for it (limits follow the config), or in operator mode the account JWT. Returns the accounts newly enabled and
   * those that have JetStream but whose config no longer gives it.
   */
  private attachAccounts(): { fresh: JsAccount[]; lost: JsAccount[] } {
    const configured = this.server.options.accounts ?? [];
    const byName = new Map(configured.map((a) => [a.name, a]));
    const fresh: JsAccount[] = [];
    const keep = new Set<Account>();
    for (const account of this.server.accounts.values()) {
      if (account === this.server.systemAccount) continue;
      if (!this.apiAccounts.has(account)) {
        this.apiAccounts.add(account);
        this.api.subscribe(account);
      }
      const cfg = byName.get(account.name);
      let limits: JetStreamAccountLimits | null = null;
      if (configured.length === 0 && account === this.server.globalAccount) limits = unlimited();
      else if (cfg?.jetstream === true) limits = cfg.jetstreamLimits ?? unlimited();
      else if (this.server.operator !== null) limits = this.server.operator.jetStreamLimits(account.name);
      if (limits === null) continue;
      keep.add(account);
      const had = this.accounts.has(account);
      const jsa = this.enableAccount(account, limits);
      if (!had) fresh.push(jsa);
    }
    const lost = [...this.accounts.values()].filter((jsa) => !keep.has(jsa.account));
    return { fresh, lost };
  }

  /**
   * After a config reload: accounts added (or given `jetstream`) get JetStream, with their
   * streams on disk if any; changed limits apply; accounts that lost it are disabled (their
   * streams stop, their files stay, so giving it back restores them). Reloads run one
   * after another: a re-enable never opens a store a disable is still closing.
   */
  reloadAccounts(): Promise<void> {
    const next = this.reloading.then(async () => {
      if (this.stopped) return;
      const { fresh, lost } = this.attachAccounts();
      for (const jsa of lost) await this.disableAccount(jsa);
      for (const jsa of fresh) await recoverAccount(this, jsa);
    });
    this.reloading = next.catch(() => {});
    return next;
  }

  /**
   * Turns JetStream off for an account (nats-server DisableJetStream): from now on its API
   * requests get "JetStream not enabled for account"; its streams and consumers stop and
   * their data stays on disk (memory streams are gone).
   */
  private async disableAccount(jsa: JsAccount): Promise<void> {
    this.accounts.delete(jsa.account);
    await jsa.stop();
    this.memUsed -= jsa.memUsed;
    this.storeUsed -= jsa.storeUsed;
    this.server.logger.notice(`JetStream disabled for account '${jsa.account.name}', its streams stopped (data kept)`);
  }

  /** Turns JetStream on for `account` with `limits`. */
  enableAccount(account: Account, limits: JetStreamAccountLimits): JsAccount {
    let jsa = this.accounts.get(account);
    if (jsa === undefined) {
      jsa = new JsAccount(this, account, limits);
      this.accounts.set(account, jsa);
    } else {
      jsa.limits = limits;
    }
    return jsa;
  }

  /** The account's JetStream, or null when it has none. */
  accountFor(account: Account): JsAccount | null {
    return this.accounts.get(account) ?? null;
  }

  /** Bytes reserved by max_bytes on `storage` across accounts, except one stream. */
  reserved(storage: Storage, jsa: JsAccount, exceptStream: string): number {
    let n = 0;
    for (const a of this.accounts.values()) n += a.reserved(storage, a === jsa ? exceptStream : "");
    return n;
  }

  /** Opens (or creates) the store of a stream: memory, or a file store in its directory. */
  async createStore(jsa: JsAccount, cfg: StreamConfig): Promise<StreamStore> {
    const scfg = storeConfigOf(cfg);
    if (cfg.storage === "memory") return new MemoryStore(scfg);
    const log = this.server.logger;
    return FileStore.open(scfg, {
      dir: streamDir(this, jsa.account.name, cfg.name),
      syncAlways: this.config.syncAlways,
      syncIntervalMs: this.config.syncIntervalMs,
      readBudget: this.readBudget,
      onCorruption: (r) =>
        log.error(
          `JetStream stream '${jsa.account.name} > ${r.stream}': corrupt data in ${r.file} at ${r.offset} (${r.length} bytes, ${r.seqs.length} messages lost)`,
        ),
    });
  }

  /** Records a stream's config so a restart recovers it (file streams). */
  async persistStream(jsa: JsAccount, stream: Stream): Promise<void> {
    persistStreamMeta(this, jsa, stream);
  }

  async unpersistStream(jsa: JsAccount, stream: Stream): Promise<void> {
    if (stream.cfg.storage === "file") removeStreamFiles(this, jsa, stream.name);
  }

  /** A stream's info as the API writes it (for /jsz). */
  streamInfoJson(st: Stream): string {
    return encode(st.info(), STREAM_INFO);
  }

  /** A consumer's info as the API writes it (for /jsz). */
  consumerInfoJson(c: Consumer): string {
    return encode(c.info(), CONSUMER_INFO);
  }

  /** /varz `jetstream` (nats-server JetStreamVarz: config and stats). */
  varz(): Record<string, unknown> {
    const c = this.config;
    const config: Record<string, unknown> = { max_memory: c.maxMemory, max_storage: c.maxStore, store_dir: c.storeDir };
    if (c.syncAlways) config.sync_always = true;
    else config.sync_interval = c.syncIntervalMs * NS_PER_MS;
    if (c.domain !== "") config.domain = c.domain;
    config.compress_ok = true;
    return { config, stats: this.stats() };
  }

  /** JetStreamStats. */
  stats(): Record<string, unknown> {
    let reservedMem = 0;
    let reservedStore = 0;
    for (const a of this.accounts.values()) {
      reservedMem += a.reserved("memory");
      reservedStore += a.reserved("file");
    }
    return {
      memory: this.memUsed,
      storage: this.storeUsed,
      reserved_memory: reservedMem,
      reserved_storage: reservedStore,
      accounts: this.accounts.size,
      ha_assets: 0,
      api: { total: this.api.total, errors: this.api.errors },
    };
  }

  /** Stops the API and every stream, flushing stores (server shutdown). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.api.unsubscribeAll();
    this.work.stop();
    this.timers.stop();
    for (const jsa of this.accounts.values()) await jsa.stop();
  }
}
