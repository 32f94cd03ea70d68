/**
 * What survives a restart (nats-server jetstream.go / filestore.go layout): under
 * `<store_dir>/jetstream/<account>/streams/<stream>/` a file stream keeps `meta.json`
 * (creation time and config) beside the store's `msgs/`, and each durable consumer keeps
 * `obs/<name>/meta.json` beside its state log. Metadata is written to a temporary file,
 * fsynced and renamed, so a crash leaves the old or the new file, never half of one.
 * Memory streams are not recovered, as in nats-server.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { decode, encode } from "./codec.js";
import { restoreState, selectStartingSeq, start as startConsumer } from "./consumer-create.js";
import { Consumer } from "./consumer.js";
import type { JetStream } from "./jetstream.js";
import type { JsAccount } from "./js-account.js";
import { Stream } from "./stream.js";
import { parseTime } from "./time.js";
import { CONSUMER_CONFIG, STREAM_CONFIG, type ConsumerConfig, type StreamConfig } from "./types.js";

export const META_FILE = "meta.json";
const STREAMS_DIR = "streams";

/** Where a stream's files live. */
export function streamDir(js: JetStream, account: string, stream: string): string {
  return join(js.config.storeDir, account, STREAMS_DIR, stream);
}

/** Writes `text` to `path` atomically: temp file, fsync, rename, fsync of the directory. */
export function writeAtomic(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  try {
    const dfd = openSync(dir, "r");
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Directories cannot be fsynced on every platform; the rename is still atomic.
  }
}

/** `{"created":"...","config":{...}}` in nats-server's config JSON. */
function metaText(createdNs: number, configJson: string): string {
  return `{"created":${JSON.stringify(new Date(Math.floor(createdNs / 1e6)).toISOString())},"created_ns":${Math.round(createdNs)},"config":${configJson}}\n`;
}

export function persistStreamMeta(js: JetStream, jsa: JsAccount, stream: Stream): void {
  if (stream.cfg.storage !== "file") return;
  writeAtomic(streamDir(js, jsa.account.name, stream.name), META_FILE, metaText(stream.createdNs, encode(stream.cfg, STREAM_CONFIG)));
}

export function persistConsumerMeta(js: JetStream, c: Consumer): void {
  if (c.stream.cfg.storage !== "file" || !c.durable) return;
  const dir = join(streamDir(js, c.stream.account.name, c.stream.name), "obs", c.name);
  writeAtomic(dir, META_FILE, metaText(c.createdNs, encode(c.cfg, CONSUMER_CONFIG)));
}

export function removeStreamFiles(js: JetStream, jsa: JsAccount, stream: string): void {
  rmSync(streamDir(js, jsa.account.name, stream), { recursive: true, force: true });
}

interface Meta {
  createdNs: number;
  config: unknown;
}

function readMeta(path: string): Meta | null {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as { created?: string; created_ns?: number; config?: unknown };
    const createdNs = typeof v.created_ns === "number" ? v.created_ns : (parseTime(v.created ?? "") ?? 0);
    return { createdNs, config: v.config };
  } catch {
    return null;
  }
}

/**
 * Recovers the file streams of `jsa` and their durable consumers. Problems are logged and
 * the stream skipped: one bad stream never keeps the server from starting.
 */
export async function recoverAccount(js: JetStream, jsa: JsAccount): Promise<void> {
  const base = join(js.config.storeDir, jsa.account.name, STREAMS_DIR);
  if (!existsSync(base)) return;
  const log = js.server.logger;
  for (const name of readdirSync(base).sort()) {
    const dir = join(base, name);
    const meta = readMeta(join(dir, META_FILE));
    if (meta === null) {
      log.warn(`JetStream could not read the metadata of stream '${jsa.account.name} > ${name}', skipping it`);
      continue;
    }
    try {
      const cfg = decode<StreamConfig>(meta.config, STREAM_CONFIG);
      const store = await js.createStore(jsa, cfg);
      const stream = new Stream(jsa, cfg, store, meta.createdNs);
      jsa.streams.set(cfg.name, stream);
      stream.start();
      recoverConsumers(js, stream, join(dir, "obs"));
      const st = store.fastState();
      log.notice(`  Restored ${st.msgs} messages for stream '${jsa.account.name} > ${cfg.name}'`);
    } catch (err) {
      log.error(`JetStream could not recover stream '${jsa.account.name} > ${name}': ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function recoverConsumers(js: JetStream, stream: Stream, obsDir: string): void {
  if (!existsSync(obsDir)) return;
  for (const name of readdirSync(obsDir).sort()) {
    const meta = readMeta(join(obsDir, name, META_FILE));
    if (meta === null) {
      // An ephemeral's state, or a consumer deleted mid-way: nothing to restore.
      rmSync(join(obsDir, name), { recursive: true, force: true });
      continue;
    }
    const cfg = decode<ConsumerConfig>(meta.config, CONSUMER_CONFIG);
    const store = stream.store.consumerStore(name, { ackPolicy: cfg.ack_policy, maxDeliver: cfg.max_deliver ?? -1 });
    const c = new Consumer(stream, cfg, name, store, meta.createdNs);
    if (store.hasState()) restoreState(c);
    else selectStartingSeq(c);
    startConsumer(c);
    js.server.logger.notice(`  Restored consumer '${stream.account.name} > ${stream.name} > ${name}'`);
  }
}
