/**
 * /connz: open and recently closed client connections (nats-server monitor.go Connz),
 * with its query options (`sort`, `limit`, `offset`, `subs`, `auth`, `state`, `cid`,
 * `acc`, `user`), its sort orders and its error texts. Closed connections come from the
 * server's bounded ring (`Server.closedClients`) and carry the close `reason`.
 *
 * Built in slices (see slices.ts), so 100,000 connections never hold the event loop: the
 * open connections are snapshotted first (the Client objects, which keep their counters
 * and subscriptions even once closed), their light rows gathered and sorted in slices,
 * and per-subscription detail is read only for the page being written, as it is written.
 */
import { displaySubject } from "../sublist/index.js";
import type { Client } from "../server/client.js";
import type { Leaf } from "../leafnode/leaf.js";
import { MAX_CLOSED_CLIENTS, type ClosedClientInfo, type Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import { isoTime, rttString, uptime } from "./format.js";
import { ListDocument, type StreamedJson } from "./json-stream.js";
import { mapInSlices, sortInSlices, type Slicer } from "./slices.js";
import { BadRequestError, decodeBool, decodeInt, decodeState, decodeSubs, decodeUint64 } from "./query.js";

/** Page size when `limit` is absent (nats-server DefaultConnListSize). */
export const DEFAULT_CONN_LIST_SIZE = 1024;

/** One connection, open or closed, in the shape the sorters and the JSON need. */
export interface ConnRow {
  cid: number;
  ip: string;
  port: number;
  startMs: number;
  lastActivityMs: number;
  /** 0 while open. */
  stopMs: number;
  /** stopMs, or the time the rows were gathered: what idle and uptime are measured to. */
  endMs: number;
  reason: string;
  rttMs: number;
  pendingBytes: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  numSubs: number;
  name: string;
  lang: string;
  version: string;
  user: string;
  account: string;
  /** nats-server ConnInfo `kind`: an account's CONNZ lists its leaf connections too. */
  kind: "Client" | "Leafnode";
  /** The open connection, for its subscriptions (read when the row is written); null when closed. */
  client: { readonly subs: ReadonlyMap<string, Subscription> } | null;
  /** Subjects, for closed connections (the ring keeps subjects only). */
  subjects: string[];
}

/** What every open connection's row shares, client or leaf (subscriptions read when written). */
function openFields(c: Client | Leaf, now: number) {
  return {
    cid: c.id,
    ip: c.host,
    port: c.port,
    startMs: c.startMs,
    lastActivityMs: c.lastActivityMs,
    stopMs: 0,
    endMs: now,
    reason: "",
    rttMs: c.rttMs,
    pendingBytes: c.closed ? 0 : c.pendingBytes(),
    inMsgs: c.inMsgs,
    outMsgs: c.outMsgs,
    inBytes: c.inBytes,
    outBytes: c.outBytes,
    numSubs: c.subs.size,
    account: c.account.name,
    client: c,
    subjects: [] as string[],
  };
}

/** Snapshot of an open client, without its subscriptions (see {@link ConnRow.client}). */
export function openRow(c: Client, now = Date.now()): ConnRow {
  return { ...openFields(c, now), name: c.name, lang: c.lang, version: c.version, user: c.user, kind: "Client" };
}

/**
 * Snapshot of an open leaf connection (nats-server Connz with an account: the account's
 * clients and leaves). The peer's server name and version when it dialed us.
 */
export function leafRow(l: Leaf, now = Date.now()): ConnRow {
  const accepted = l.remote === null;
  return { ...openFields(l, now), name: accepted ? l.remoteName : "", lang: "", version: accepted ? l.remoteVersion : "", user: "", kind: "Leafnode" };
}

/** Snapshot of a closed client from the ring. */
export function closedRow(c: ClosedClientInfo): ConnRow {
  return {
    cid: c.cid,
    ip: c.ip,
    port: c.port,
    startMs: c.startMs,
    lastActivityMs: c.stopMs,
    stopMs: c.stopMs,
    endMs: c.stopMs,
    reason: c.reason,
    rttMs: 0,
    pendingBytes: 0,
    inMsgs: c.inMsgs,
    outMsgs: c.outMsgs,
    inBytes: c.inBytes,
    outBytes: c.outBytes,
    numSubs: c.subscriptions.length,
    name: c.name,
    lang: c.lang,
    version: c.version,
    user: c.user,
    account: c.account,
    kind: "Client",
    client: null,
    subjects: c.subscriptions,
  };
}

type Cmp = (a: ConnRow, b: ConnRow) => number;
const desc =
  (f: (r: ConnRow) => number): Cmp =>
  (a, b) =>
    f(b) - f(a) || a.cid - b.cid;

/**
 * Sort orders by their query names (nats-server SortOpt): cid and start ascending, reason
 * alphabetical, everything else largest first. `rtt` is a tsnats addition.
 */
export const CONNZ_SORTS: Readonly<Record<string, Cmp>> = {
  cid: (a, b) => a.cid - b.cid,
  start: (a, b) => a.startMs - b.startMs || a.cid - b.cid,
  subs: desc((r) => r.numSubs),
  pending: desc((r) => r.pendingBytes),
  msgs_to: desc((r) => r.outMsgs),
  msgs_from: desc((r) => r.inMsgs),
  bytes_to: desc((r) => r.outBytes),
  bytes_from: desc((r) => r.inBytes),
  last: desc((r) => r.lastActivityMs),
  idle: desc((r) => r.endMs - r.lastActivityMs),
  uptime: desc((r) => r.endMs - r.startMs),
  stop: desc((r) => r.stopMs),
  reason: (a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : a.cid - b.cid),
  rtt: desc((r) => r.rttMs),
};

/** Sorts that only make sense for closed connections. */
const CLOSED_ONLY_SORTS = new Set(["stop", "reason"]);

/** Decoded /connz query. */
export interface ConnzOptions {
  sort: string;
  subs: boolean;
  subsDetail: boolean;
  auth: boolean;
  offset: number;
  limit: number;
  cid: number;
  state: "open" | "closed" | "all";
  account: string;
  user: string;
}

/**
 * Decodes and validates the query; throws {@link BadRequestError} with nats-server's text,
 * checking the parameters in nats-server's order (HandleConnz, then Connz).
 */
export function parseConnzOptions(q: URLSearchParams): ConnzOptions {
  const auth = decodeBool(q, "auth");
  const { subs, detail } = decodeSubs(q);
  const offset = decodeInt(q, "offset");
  const limit = decodeInt(q, "limit");
  const cid = decodeUint64(q, "cid");
  const state = decodeState(q);
  const sort = q.get("sort") || "cid";
  if (!(sort in CONNZ_SORTS)) throw new BadRequestError(`invalid sorting option: ${sort}`);
  if (CLOSED_ONLY_SORTS.has(sort) && state !== "closed") {
    throw new BadRequestError(`sort by ${sort} only valid on closed connections`);
  }
  return {
    sort,
    subs,
    subsDetail: detail,
    auth,
    offset: Math.max(0, offset),
    limit: cid > 0 ? 1 : limit > 0 ? limit : DEFAULT_CONN_LIST_SIZE,
    cid,
    state,
    account: q.get("acc") ?? "",
    user: q.get("user") ?? "",
  };
}

/** Open and/or closed rows for the options, filtered, sorted and paged, in slices. */
export async function selectConnections(s: Server, o: ConnzOptions, sl: Slicer): Promise<{ total: number; rows: ConnRow[] }> {
  const now = Date.now();
  const keep = (r: ConnRow): boolean => (o.account === "" || r.account === o.account) && (o.user === "" || r.user === o.user);
  // The snapshot, taken at once: which connections are open and which closed, now (so one
  // closing while the rows are read is not listed twice). Rows are read slice by slice after.
  let open: Client[] = [];
  if (o.state !== "closed") {
    const one = o.cid > 0 ? s.clients.get(o.cid) : undefined;
    open = o.cid > 0 ? (one !== undefined ? [one] : []) : [...s.clients.values()];
  }
  // The server trims its ring in batches; nats-server's ring holds exactly MAX_CLOSED_CLIENTS.
  const closed = o.state !== "open" ? s.closedClients.slice(-MAX_CLOSED_CLIENTS) : [];
  let rows = await mapInSlices(open, (c) => openRow(c, now), sl);
  const picked = await mapInSlices(closed, (c) => (o.cid === 0 || c.cid === o.cid ? closedRow(c) : undefined), sl);
  for (const r of picked) rows.push(r);
  // nats-server: with an account, the account's connections, its leaves among them.
  if (o.account !== "" && o.state !== "closed" && o.cid === 0 && s.leafs !== null) {
    for (const l of s.leafs.leafs.values()) if (!l.closed && l.account.name === o.account) rows.push(leafRow(l, now));
  }
  if (o.account !== "" || o.user !== "") rows = await mapInSlices(rows, (r) => (keep(r) ? r : undefined), sl);
  rows = await sortInSlices(rows, CONNZ_SORTS[o.sort]!, sl);
  const total = rows.length;
  return { total, rows: rows.slice(Math.min(o.offset, total), Math.min(o.offset + o.limit, total)) };
}

/** One subscription of an open connection, as `subscriptions_list_detail` shows it. */
function subDetail(r: ConnRow, sub: Subscription): Record<string, unknown> {
  const d: Record<string, unknown> = { account: r.account, subject: displaySubject(sub.subject) };
  if (sub.queue) d.qgroup = sub.queue;
  d.sid = sub.sid;
  d.msgs = sub.delivered;
  if (sub.max > 0) d.max = sub.max;
  d.cid = r.cid;
  return d;
}

/** One `connections[]` entry, keys in nats-server's order (a streamed document when it lists subscriptions). */
export function connInfo(r: ConnRow, o: ConnzOptions): Record<string, unknown> | StreamedJson {
  const ci: Record<string, unknown> = {
    cid: r.cid,
    kind: r.kind,
  };
  if (r.kind === "Client") ci.type = "nats";
  Object.assign(ci, {
    ip: r.ip,
    port: r.port,
    start: isoTime(r.startMs),
    last_activity: isoTime(r.lastActivityMs),
  });
  if (r.stopMs > 0) {
    ci.stop = isoTime(r.stopMs);
    ci.reason = r.reason;
  }
  Object.assign(ci, {
    rtt: rttString(r.rttMs),
    uptime: uptime(r.endMs - r.startMs),
    idle: uptime(r.endMs - r.lastActivityMs),
    pending_bytes: r.pendingBytes,
    in_msgs: r.inMsgs,
    out_msgs: r.outMsgs,
    in_bytes: r.inBytes,
    out_bytes: r.outBytes,
    subscriptions: r.numSubs,
  });
  if (r.name !== "") ci.name = r.name;
  if (r.lang !== "") ci.lang = r.lang;
  if (r.version !== "") ci.version = r.version;
  if (o.auth) {
    if (r.user !== "") ci.authorized_user = r.user;
    ci.account = r.account;
  }
  if (!o.subs || r.numSubs === 0) return ci;
  // The subscriptions come last: streamed, as a connection may hold hundreds of thousands.
  const client = r.client;
  if (client === null) return new ListDocument(ci, "subscriptions_list", r.subjects, (subject) => subject);
  if (o.subsDetail) return new ListDocument(ci, "subscriptions_list_detail", client.subs.values(), (sub) => subDetail(r, sub));
  return new ListDocument(ci, "subscriptions_list", client.subs.values(), (sub) => displaySubject(sub.subject));
}

/** The /connz document for a decoded query, gathered in slices; written with {@link ListDocument.writeTo}. */
export async function connz(s: Server, o: ConnzOptions, sl: Slicer): Promise<ListDocument<ConnRow>> {
  const now = Date.now();
  const { total, rows } = await selectConnections(s, o, sl);
  const head = {
    server_id: s.id,
    now: isoTime(now),
    num_connections: rows.length,
    total,
    offset: o.offset,
    limit: o.limit,
  };
  return new ListDocument(head, "connections", rows, (r) => connInfo(r, o));
}
