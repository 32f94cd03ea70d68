/**
 * The `jetstream` setting: server-wide (`jetstream: enabled` or `jetstream { ... }`) and
 * per account (`accounts { A { jetstream: { max_mem, ... } } }`). nats-server opts.go
 * parseJetStream, parseJetStreamLimits and parseJetStreamForAccount, with the keys of
 * v2.9.10 and those added since (sync_interval, max_buffered_*, strict, ...).
 */
import { defaultJetStreamAccountLimits, type JetStreamAccountLimits, type JetStreamOptions, type JetStreamLimitsOptions } from "../server/options.js";
import type { MapEntry } from "./parser.js";
import { describeNode, getBool, getDurationMs, getInteger, getString, getStorageSize, parseDuration, type Issues } from "./values.js";

/** What a `jetstream` entry sets. */
export interface JetStreamConfig {
  enabled: boolean;
  storeDir?: string;
  options: Partial<JetStreamOptions>;
}

/** Keys nats-server knows that tsnats parses and ignores (one warning each). */
const JS_NOT_HONOURED = new Set(["tpm", "meta_compact", "meta_compact_size", "meta_compact_sync", "max_concurrent_io", "info_queue_limit"]);

/** nats-server opts.go parseJetStream: a boolean, "enabled"/"disabled", or a block. */
export function parseJetStream(issues: Issues, e: MapEntry): JetStreamConfig | undefined {
  const v = e.value;
  if (v.kind === "bool") return { enabled: v.value, options: {} };
  if (v.kind === "string") {
    const on = enabledString(issues, v.value, v);
    return on === undefined ? undefined : { enabled: on, options: {} };
  }
  if (v.kind !== "map") {
    issues.error(v, `Expected map, bool or string to define JetStream, got ${describeNode(v)}`);
    return undefined;
  }
  const js: JetStreamConfig = { enabled: true, options: {} };
  for (const je of v.entries.values()) {
    const key = je.key.toLowerCase();
    if (!jetStreamKey(issues, js, je, key)) issues.unknown(je);
  }
  return js;
}

/** "enabled"/"enable" and "disabled"/"disable", any case. */
function enabledString(issues: Issues, s: string, node: { pos: MapEntry["keyPos"] }): boolean | undefined {
  const l = s.toLowerCase();
  if (l === "enabled" || l === "enable") return true;
  if (l === "disabled" || l === "disable") return false;
  issues.error(node, `Expected 'enabled' or 'disabled' for string value, got '${s}'`);
  return undefined;
}

/** One key of a `jetstream {}` block; false when unknown. */
function jetStreamKey(issues: Issues, js: JetStreamConfig, je: MapEntry, key: string): boolean {
  return storageKey(issues, js, je, key) || tuningKey(issues, js.options, je, key);
}

/** Where and how much JetStream stores, and whether it is on. */
function storageKey(issues: Issues, js: JetStreamConfig, je: MapEntry, key: string): boolean {
  const o = js.options;
  switch (key) {
    case "store":
    case "store_dir":
    case "storedir":
      js.storeDir = getString(issues, je);
      break;
    case "max_memory_store":
    case "max_mem_store":
    case "max_mem":
      o.maxMemory = getStorageSize(issues, je, "max_mem_store");
      break;
    case "max_file_store":
    case "max_file":
      o.maxStore = getStorageSize(issues, je, "max_file_store");
      break;
    case "domain":
      o.domain = getString(issues, je);
      break;
    case "enable":
    case "enabled": {
      const b = getBool(issues, je);
      if (b !== undefined) js.enabled = b;
      break;
    }
    case "sync":
    case "sync_interval":
      syncInterval(issues, o, je);
      break;
    default:
      return false;
  }
  return true;
}

/** Limits, queues, encryption and the other server-wide JetStream settings. */
function tuningKey(issues: Issues, o: Partial<JetStreamOptions>, je: MapEntry, key: string): boolean {
  switch (key) {
    case "strict": {
      if (je.value.kind === "bool") o.strict = je.value.value;
      else issues.error(je.value, `Expected 'true' or 'false' for bool value, got ${describeNode(je.value)}`);
      break;
    }
    case "unique_tag":
      o.uniqueTag = getString(issues, je)?.trim().toLowerCase();
      break;
    case "max_outstanding_catchup":
      o.maxCatchup = getStorageSize(issues, je, key);
      break;
    case "max_buffered_size":
      o.maxBufferedSize = getStorageSize(issues, je, key);
      break;
    case "max_buffered_msgs":
    case "request_queue_limit":
      if (je.value.kind !== "integer") issues.error(je.value, `Expected a parseable size for "${je.key}", got ${describeNode(je.value)}`);
      else if (key === "max_buffered_msgs") o.maxBufferedMsgs = je.value.value;
      else o.requestQueueLimit = je.value.value;
      break;
    case "key":
    case "ek":
    case "encryption_key":
    case "prev_key":
    case "prev_ek":
    case "prev_encryption_key": {
      const k = getString(issues, je);
      if (key.startsWith("prev")) o.prevKey = k;
      else o.key = k;
      issues.unsupported(je, `jetstream.${je.key}`);
      break;
    }
    case "cipher":
      o.cipher = cipher(issues, je);
      break;
    case "extension_hint":
      o.extensionHint = getString(issues, je);
      break;
    case "limits":
      o.limits = parseLimits(issues, je);
      break;
    default:
      if (!JS_NOT_HONOURED.has(key)) return false;
      issues.unsupported(je, `jetstream.${je.key}`);
  }
  return true;
}

/** `sync_interval`: a duration, or "always" (fsync every write). */
function syncInterval(issues: Issues, o: Partial<JetStreamOptions>, je: MapEntry): void {
  if (je.value.kind === "string" && je.value.value.toLowerCase() === "always") {
    o.syncAlways = true;
    return;
  }
  o.syncIntervalMs = getDurationMs(issues, je, true);
}

function cipher(issues: Issues, je: MapEntry): "chacha" | "aes" | undefined {
  const s = getString(issues, je);
  if (s === undefined) return undefined;
  const l = s.toLowerCase();
  if (l === "chacha" || l === "chachapoly") return "chacha";
  if (l === "aes") return "aes";
  issues.error(je.value, `Unknown cipher type: ${JSON.stringify(s)}`);
  return undefined;
}

/** nats-server opts.go parseJetStreamLimits. */
function parseLimits(issues: Issues, e: MapEntry): JetStreamLimitsOptions | undefined {
  if (e.value.kind !== "map") {
    issues.error(e.value, `Expected a map to define JetStreamLimits, got ${describeNode(e.value)}`);
    return undefined;
  }
  const lim: JetStreamLimitsOptions = {};
  for (const le of e.value.entries.values()) {
    switch (le.key.toLowerCase()) {
      case "max_ack_pending":
        lim.maxAckPending = getInteger(issues, le);
        break;
      case "max_ha_assets":
        lim.maxHaAssets = getInteger(issues, le);
        break;
      case "max_request_batch":
        lim.maxRequestBatch = getInteger(issues, le);
        break;
      case "duplicate_window": {
        const s = getString(issues, le);
        if (s === undefined) break;
        try {
          lim.duplicateWindowMs = parseDuration(s);
        } catch (err) {
          issues.error(le.value, (err as Error).message);
        }
        break;
      }
      case "batch":
        if (le.value.kind !== "map") issues.error(le.value, `Expected a map to define batch limits, got ${describeNode(le.value)}`);
        else issues.unsupported(le, "jetstream.limits.batch");
        break;
      default:
        issues.unknown(le);
    }
  }
  return lim;
}

/** Integer limits of an account's `jetstream {}` block, by key and alias. */
const ACCOUNT_INT_LIMITS: Record<string, keyof Omit<JetStreamAccountLimits, "maxBytesRequired" | "tiers">> = {
  max_memory: "maxMemory",
  max_mem: "maxMemory",
  mem: "maxMemory",
  memory: "maxMemory",
  max_store: "maxStore",
  max_file: "maxStore",
  max_disk: "maxStore",
  store: "maxStore",
  disk: "maxStore",
  max_streams: "maxStreams",
  streams: "maxStreams",
  max_consumers: "maxConsumers",
  consumers: "maxConsumers",
  mem_max_stream_bytes: "memoryMaxStreamBytes",
  memory_max_stream_bytes: "memoryMaxStreamBytes",
  disk_max_stream_bytes: "storeMaxStreamBytes",
  store_max_stream_bytes: "storeMaxStreamBytes",
  max_ack_pending: "maxAckPending",
};

/** What an account's `jetstream` sets: on/off, and limits when a block is given. */
export interface AccountJetStream {
  enabled: boolean;
  limits?: JetStreamAccountLimits;
}

/** nats-server opts.go parseJetStreamForAccount. */
export function parseAccountJetStream(issues: Issues, e: MapEntry): AccountJetStream | undefined {
  const v = e.value;
  if (v.kind === "bool") return { enabled: v.value };
  if (v.kind === "string") {
    const on = enabledString(issues, v.value, v);
    return on === undefined ? undefined : { enabled: on };
  }
  if (v.kind !== "map") {
    issues.error(v, `Expected map, bool or string to define JetStream, got ${describeNode(v)}`);
    return undefined;
  }
  const limits = defaultJetStreamAccountLimits();
  for (const le of v.entries.values()) {
    const key = le.key.toLowerCase();
    const field = ACCOUNT_INT_LIMITS[key];
    if (field !== undefined) {
      if (le.value.kind === "integer") limits[field] = le.value.value;
      else issues.error(le.value, `Expected a parseable size for "${le.key}", got ${describeNode(le.value)}`);
    } else if (key === "max_bytes_required" || key === "max_stream_bytes" || key === "max_bytes") {
      if (le.value.kind === "bool") limits.maxBytesRequired = le.value.value;
      else issues.error(le.value, `Expected a parseable bool for "${le.key}", got ${describeNode(le.value)}`);
    } else if (key === "cluster_traffic") {
      const s = le.value.kind === "string" ? le.value.value : undefined;
      if (s !== "system" && s !== "owner" && s !== "") {
        issues.error(le.value, `Expected 'system' or 'owner' string value for "${le.key}", got ${describeNode(le.value)}`);
      } else issues.unsupported(le, `jetstream.${le.key}`);
    } else issues.unknown(le);
  }
  return { enabled: true, limits };
}
