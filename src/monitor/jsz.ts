/**
 * /jsz (nats-server monitor.go Jsz): JetStream's config and usage, and with `accounts`,
 * `streams`, `consumers`, `config` (or `acc=<name>`) the per-account, per-stream and
 * per-consumer details, paged with `offset` and `limit` over accounts. Answers
 * nats-server's "disabled" document when JetStream is off.
 */
import type { JsAccount } from "../jetstream/js-account.js";
import type { Server } from "../server/server.js";
import { isoTime } from "./format.js";
import { decodeBool, decodeInt } from "./query.js";

/** nats-server's uint64 of -1, which it prints for "no reservation" (a Go conversion quirk). */
const U64_MAX = 18446744073709551615;

export interface JszOptions {
  account: string;
  accounts: boolean;
  streams: boolean;
  consumers: boolean;
  config: boolean;
  offset: number;
  limit: number;
}

export function parseJszOptions(q: URLSearchParams): JszOptions {
  const o: JszOptions = {
    account: q.get("acc") ?? "",
    accounts: decodeBool(q, "accounts"),
    streams: decodeBool(q, "streams"),
    consumers: decodeBool(q, "consumers"),
    config: decodeBool(q, "config"),
    offset: Math.max(0, decodeInt(q, "offset")),
    limit: decodeInt(q, "limit") || 1024,
  };
  if (o.consumers) o.streams = true;
  if (o.streams && o.account === "") o.accounts = true;
  return o;
}

export function jsz(s: Server, o: JszOptions = parseJszOptions(new URLSearchParams())): Record<string, unknown> {
  const js = s.jetstream;
  if (js === null) return { server_id: s.id, now: isoTime(Date.now()), disabled: true, config: { max_memory: 0, max_storage: 0 }, ...emptyStats() };
  const accounts = [...js.accounts.values()].sort((a, b) => (a.account.name < b.account.name ? -1 : 1));
  let streams = 0;
  let consumers = 0;
  let messages = 0;
  let bytes = 0;
  for (const jsa of accounts) {
    for (const st of jsa.streams.values()) {
      const state = st.store.fastState();
      streams++;
      messages += state.msgs;
      bytes += state.bytes;
      consumers += st.publicConsumerCount();
    }
  }
  const out: Record<string, unknown> = {
    server_id: s.id,
    now: isoTime(Date.now()),
    config: js.varz().config,
    ...js.stats(),
    streams,
    consumers,
    messages,
    bytes,
  };
  let shown = accounts.filter((a) => a.account.name === o.account);
  if (shown.length === 0) shown = o.accounts ? accounts.slice(o.offset, o.offset + o.limit) : [];
  if (shown.length > 0) out.account_details = shown.map((jsa) => accountDetail(jsa, o));
  out.total = accounts.length;
  return out;
}

function emptyStats(): Record<string, unknown> {
  return { memory: 0, storage: 0, reserved_memory: 0, reserved_storage: 0, accounts: 0, ha_assets: 0, api: { total: 0, errors: 0 }, streams: 0, consumers: 0, messages: 0, bytes: 0 };
}

function accountDetail(jsa: JsAccount, o: JszOptions): Record<string, unknown> {
  const l = jsa.limits;
  const d: Record<string, unknown> = {
    name: jsa.account.name,
    id: jsa.account.name,
    memory: jsa.memUsed,
    storage: jsa.storeUsed,
    reserved_memory: l.maxMemory < 0 ? U64_MAX : l.maxMemory,
    reserved_storage: l.maxStore < 0 ? U64_MAX : l.maxStore,
    accounts: 0,
    ha_assets: 0,
    api: { total: jsa.apiTotal, errors: jsa.apiErrors },
  };
  if (!o.streams) return d;
  const names = [...jsa.streams.keys()].sort();
  d.stream_detail = names.map((n) => {
    const st = jsa.streams.get(n)!;
    const info = JSON.parse(jsa.js.streamInfoJson(st)) as Record<string, unknown>;
    const sd: Record<string, unknown> = { name: n, created: info.created, cluster: info.cluster };
    if (o.config) sd.config = info.config;
    sd.state = info.state;
    if (o.consumers) {
      const list = [...st.consumers.values()].filter((c) => c.cfg.direct !== true).sort((a, b) => (a.name < b.name ? -1 : 1));
      if (list.length > 0) {
        sd.consumer_detail = list.map((c) => {
          const ci = JSON.parse(jsa.js.consumerInfoJson(c)) as Record<string, unknown>;
          if (!o.config) delete ci.config;
          return ci;
        });
      }
    }
    if (info.mirror !== undefined) sd.mirror = info.mirror;
    if (info.sources !== undefined) sd.sources = info.sources;
    return sd;
  });
  return d;
}
