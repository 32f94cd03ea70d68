/**
 * JetStream in one account (nats-server jsAccount): its streams, limits, usage and API
 * counters, and stream create / update / delete with nats-server's checks
 * (jsNonClusteredStreamLimitsCheck, addStream, configUpdateCheck).
 */
import { defaultJetStreamAccountLimits, ZERO_LIMITS, type JetStreamAccountLimits } from "../server/options.js";
import type { Account } from "../accounts/account.js";
import { streamAction } from "./advisories.js";
import { jsError, JsApiError, type ApiError } from "./errors.js";
import type { JetStream } from "./jetstream.js";
import { checkStreamConfig, checkStreamUpdate, sameStreamConfig, type StreamConfigContext } from "./stream-config.js";
import { Stream } from "./stream.js";
import { subjectsCollide } from "./subjects.js";
import type { Storage, StreamConfig } from "./types.js";

/** nats-server's limits for an account with `jetstream: enabled` and no numbers: none. */
export const unlimited = defaultJetStreamAccountLimits;

/** nats-server JetStreamAccountLimits' JSON. */
function limitsJson(l: JetStreamAccountLimits): Record<string, unknown> {
  return {
    max_memory: l.maxMemory,
    max_storage: l.maxStore,
    max_streams: l.maxStreams,
    max_consumers: l.maxConsumers,
    max_ack_pending: l.maxAckPending,
    memory_max_stream_bytes: l.memoryMaxStreamBytes,
    storage_max_stream_bytes: l.storeMaxStreamBytes,
    max_bytes_required: l.maxBytesRequired,
  };
}

export class JsAccount {
  readonly streams = new Map<string, Stream>();
  apiTotal = 0;
  apiErrors = 0;
  /** Bytes stored in memory and file streams (kept from the stores' update callbacks). */
  memUsed = 0;
  storeUsed = 0;
  /** Stopped (JetStream disabled or shutting down): a create still in flight is undone. */
  private stopped = false;

  constructor(
    readonly js: JetStream,
    readonly account: Account,
    public limits: JetStreamAccountLimits,
  ) {}

  addUsage(storage: Storage, bytes: number): void {
    if (storage === "memory") {
      this.memUsed += bytes;
      this.js.memUsed += bytes;
    } else {
      this.storeUsed += bytes;
      this.js.storeUsed += bytes;
    }
  }

  /**
   * The error a publish of `size` bytes gets when it would break the account's or the
   * server's limits (nats-server wouldExceedLimits / limitsExceeded), else null.
   */
  wouldExceedLimits(storage: Storage, size: number): ApiError | null {
    const js = this.js;
    const l = this.limits;
    if (storage === "memory") {
      if (js.memUsed >= js.config.maxMemory) return jsError("JSInsufficientResourcesErr");
      const total = this.memUsed + size + 16;
      if ((l.memoryMaxStreamBytes > 0 && total > l.memoryMaxStreamBytes) || (l.maxMemory >= 0 && total > l.maxMemory)) {
        return jsError("JSAccountResourcesExceededErr");
      }
    } else {
      if (js.storeUsed >= js.config.maxStore) return jsError("JSInsufficientResourcesErr");
      const total = this.storeUsed + size + 30;
      if ((l.storeMaxStreamBytes > 0 && total > l.storeMaxStreamBytes) || (l.maxStore >= 0 && total > l.maxStore)) {
        return jsError("JSAccountResourcesExceededErr");
      }
    }
    return null;
  }

  /**
   * nats-server jsAccount.selectLimits: the flat limits, or the tier of `replicas` (`R1`,
   * `R3`...) from an account JWT's `tiered_limits`; null when that tier has none. Every
   * stream here has one replica, so `limits` (the R1 tier when tiered) is what usage is
   * checked against.
   */
  selectLimits(replicas: number): JetStreamAccountLimits | null {
    const tiers = this.limits.tiers;
    if (tiers === undefined) return this.limits;
    return tiers[`R${Math.max(1, replicas)}`] ?? null;
  }

  /** Bytes reserved by max_bytes of this account's streams on `storage`, except `except`. */
  reserved(storage: Storage, except = ""): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.cfg.storage === storage && s.cfg.max_bytes > 0 && s.name !== except) n += s.cfg.max_bytes;
    return n;
  }

  configContext(): StreamConfigContext {
    return {
      lookup: (name) => this.streams.get(name)?.cfg,
      maxDuplicatesWindowNs: this.js.config.maxDuplicatesWindowNs,
      maxBytesRequired: this.limits.maxBytesRequired,
      memoryMaxStreamBytes: Math.max(0, this.limits.memoryMaxStreamBytes),
      storageMaxStreamBytes: Math.max(0, this.limits.storeMaxStreamBytes),
    };
  }

  /** nats-server checkLimits/checkBytesLimits for a stream asking `maxBytes`. */
  private checkLimits(cfg: Pick<StreamConfig, "max_consumers" | "storage" | "name">, maxBytes: number, alsoReserved: number): void {
    const l = this.limits;
    if (cfg.max_consumers > 0 && l.maxConsumers > 0 && cfg.max_consumers > l.maxConsumers) {
      throw new JsApiError(jsError("JSMaximumConsumersLimitErr"));
    }
    const add = (maxBytes < 0 ? 1 : maxBytes) + alsoReserved;
    const current = this.reserved(cfg.storage, cfg.name);
    const js = this.js;
    if (cfg.storage === "memory") {
      if ((l.maxMemory >= 0 && current + add > l.maxMemory) || js.reserved("memory", this, cfg.name) + add > js.config.maxMemory) {
        throw new JsApiError(jsError("JSMemoryResourcesExceededErr"));
      }
    } else if ((l.maxStore >= 0 && current + add > l.maxStore) || js.reserved("file", this, cfg.name) + add > js.config.maxStore) {
      throw new JsApiError(jsError("JSStorageResourcesExceededErr"));
    }
  }

  /**
   * STREAM.CREATE: returns the new stream, or the existing one when the config is the
   * same; throws the API error otherwise.
   */
  async createStream(input: Partial<StreamConfig>): Promise<Stream> {
    if (this.selectLimits(input.num_replicas ?? 1) === null) throw new JsApiError(jsError("JSNoLimitsErr"));
    if (this.limits.maxStreams > 0 && this.streams.size >= this.limits.maxStreams && !this.streams.has(input.name ?? "")) {
      throw new JsApiError(jsError("JSMaximumStreamsLimitErr"));
    }
    this.checkLimits(
      { max_consumers: input.max_consumers ?? 0, storage: input.storage ?? "file", name: input.name ?? "" },
      input.max_bytes ?? 0,
      0,
    );
    const cfg = checkStreamConfig(input, this.configContext());
    if (cfg.num_replicas > 1) throw new JsApiError(jsError("JSStreamReplicasNotSupportedErr"));
    const existing = this.streams.get(cfg.name);
    if (existing !== undefined) {
      if (sameStreamConfig(existing.cfg, cfg)) return existing;
      throw new JsApiError(jsError("JSStreamNameExistErr"));
    }
    this.checkLimits(cfg, cfg.max_bytes, 0);
    if (this.subjectsOverlap(cfg.subjects ?? [], null)) throw new JsApiError(jsError("JSStreamSubjectOverlapErr"));
    const store = await this.js.createStore(this, cfg);
    if (this.stopped) {
      await store.stop();
      throw new JsApiError(jsError("JSNotEnabledForAccountErr"));
    }
    const stream = new Stream(this, cfg, store, this.js.clock());
    this.streams.set(cfg.name, stream);
    stream.start();
    await this.js.persistStream(this, stream);
    streamAction(this.js, this.account, cfg.name, "create");
    return stream;
  }

  /** Whether `subjects` overlap a stream other than `self` (nats-server subjectsOverlap). */
  subjectsOverlap(subjects: readonly string[], self: Stream | null): boolean {
    for (const s of this.streams.values()) {
      if (s === self) continue;
      for (const a of s.cfg.subjects ?? []) for (const b of subjects) if (subjectsCollide(a, b)) return true;
    }
    return false;
  }

  /** STREAM.UPDATE. */
  async updateStream(stream: Stream, input: Partial<StreamConfig>): Promise<void> {
    const cfg = checkStreamUpdate(stream.cfg, input, this.configContext());
    if (cfg.num_replicas !== stream.cfg.num_replicas) throw new JsApiError(jsError("JSStreamReplicasNotUpdatableErr"));
    const growth = Math.max(0, cfg.max_bytes - stream.cfg.max_bytes);
    this.checkLimits({ ...cfg, name: cfg.name }, growth, Math.max(0, stream.cfg.max_bytes));
    if (this.subjectsOverlap(cfg.subjects ?? [], stream)) throw new JsApiError(jsError("JSStreamSubjectOverlapErr"));
    stream.update(cfg);
    await this.js.persistStream(this, stream);
    streamAction(this.js, this.account, cfg.name, "modify");
  }

  /** STREAM.DELETE: stops the stream and removes its data. */
  async deleteStream(stream: Stream): Promise<void> {
    this.streams.delete(stream.name);
    await stream.stop(true);
    await this.js.unpersistStream(this, stream);
    streamAction(this.js, this.account, stream.name, "delete");
  }

  /** Streams whose subjects collide with `filter` ("" for all), by name. */
  filteredStreams(filter: string): Stream[] {
    const out: Stream[] = [];
    for (const s of this.streams.values()) {
      if (filter === "" || (s.cfg.subjects ?? []).some((subj) => subjectsCollide(filter, subj))) out.push(s);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  consumerCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.publicConsumerCount();
    return n;
  }

  /** JetStreamAccountStats as `$JS.API.INFO` reports it. */
  stats(): Record<string, unknown> {
    const tiers = this.limits.tiers;
    const usage = {
      memory: this.memUsed,
      storage: this.storeUsed,
      reserved_memory: this.reserved("memory"),
      reserved_storage: this.reserved("file"),
      streams: this.streams.size,
      consumers: this.consumerCount(),
    };
    return {
      ...usage,
      // nats-server JetStreamUsage: with tiered limits the top-level limits are zero and each
      // tier reports its own usage (every stream here is R1).
      limits: limitsJson(tiers === undefined ? this.limits : ZERO_LIMITS),
      domain: this.js.config.domain || undefined,
      tiers:
        tiers === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(tiers).map(([name, l]) => [
                name,
                { ...(name === "R1" ? usage : { memory: 0, storage: 0, reserved_memory: 0, reserved_storage: 0, streams: 0, consumers: 0 }), limits: limitsJson(l) },
              ]),
            ),
      api: { total: this.apiTotal, errors: this.apiErrors },
    };
  }

  /** Stops every stream (server shutdown, JetStream disabled), keeping their data. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of [...this.streams.values()]) await s.stop(false);
    this.streams.clear();
  }
}
