/**
 * The `data` of `$SYS.REQ.SERVER.<id|PING>.<KIND>` and `$SYS.REQ.ACCOUNT.<acc>.<KIND>` replies
 * (nats-server events.go zReq and the monitor handlers it calls): the request body is the
 * endpoint's options as JSON (nats-server's `<Kind>EventOptions`: the HTTP query options under
 * their JSON names, plus the server filters `server_name`, `cluster`, `host`, `exact_match`,
 * `tags`, `domain`), translated into the query the HTTP endpoint takes, so both share one
 * builder. Big documents are built in slices under the monitor's heavy-request gate.
 *
 * Loaded on the first system request (events.ts imports it lazily).
 */
import type { Account } from "../accounts/account.js";
import { Kind } from "../server/connection-kind.js";
import type { Server } from "../server/server.js";
import { accountDetail } from "./account-info.js";
import { leafz, routez } from "./cluster.js";
import { connz, parseConnzOptions } from "./connz.js";
import { isoTime } from "./format.js";
import { gatewayz } from "./gatewayz.js";
import { ListDocument, StringSink } from "./json-stream.js";
import { jsz, parseJszOptions } from "./jsz.js";
import { heavyGateOf, type Slicer } from "./slices.js";
import { subsz } from "./subsz.js";
import { DEBUG_KINDS, debugData } from "./system-debug.js";

/**
 * nats-server's answer: `data` (JSON text), the server's statsz (its own envelope), an event
 * sent as it is (CONNS), or an API
 * error (events.go ApiError) with `"data": null` (a builder failed) or without data (bad options).
 */
export type SystemAnswer = { data: string } | { statsz: true } | { event: Record<string, unknown> } | { error: { code: number; description: string }; data: "null" | null };

/** Kinds answered on `$SYS.REQ.SERVER.PING.<KIND>` and `$SYS.REQ.SERVER.<id>.<KIND>`. */
export const SERVER_KINDS = ["STATSZ", "VARZ", "CONNZ", "SUBSZ", "ROUTEZ", "GATEWAYZ", "LEAFZ", "ACCOUNTZ", "JSZ", "HEALTHZ", "IDZ", ...DEBUG_KINDS] as const;
/** Kinds answered on `$SYS.REQ.ACCOUNT.<acc>.<KIND>` (CONNS answers with an event, see accountConns). */
export const ACCOUNT_KINDS = ["SUBSZ", "CONNZ", "LEAFZ", "JSZ", "INFO", "STATZ", "CONNS"] as const;

type FieldType = "bool" | "int" | "string" | "strings";
type Fields = Readonly<Record<string, readonly [query: string, type: FieldType]>>;

/** The server filters every `<Kind>EventOptions` embeds (events.go EventFilterOptions). */
const FILTER_FIELDS: Fields = {
  server_name: ["", "string"],
  cluster: ["", "string"],
  host: ["", "string"],
  exact_match: ["", "bool"],
  tags: ["", "strings"],
  domain: ["", "string"],
};

/**
 * Each kind's options: JSON name → (HTTP query name, type). `subscriptions_detail` is
 * special-cased (it is `subs=detail` on HTTP).
 */
const OPTION_FIELDS: Readonly<Record<string, Fields>> = {
  CONNZ: {
    sort: ["sort", "string"],
    auth: ["auth", "bool"],
    subscriptions: ["subs", "bool"],
    subscriptions_detail: ["subs", "bool"],
    offset: ["offset", "int"],
    limit: ["limit", "int"],
    cid: ["cid", "int"],
    mqtt_client: ["mqtt_client", "string"],
    state: ["state", "int"],
    user: ["user", "string"],
    acc: ["acc", "string"],
    filter_subject: ["filter_subject", "string"],
  },
  SUBSZ: { offset: ["offset", "int"], limit: ["limit", "int"], subscriptions: ["subs", "bool"], account: ["acc", "string"], test: ["test", "string"] },
  ROUTEZ: { subscriptions: ["subs", "bool"], subscriptions_detail: ["subs", "bool"] },
  LEAFZ: { subscriptions: ["subs", "bool"], account: ["acc", "string"] },
  ACCOUNTZ: { account: ["acc", "string"] },
  JSZ: {
    account: ["acc", "string"],
    accounts: ["accounts", "bool"],
    streams: ["streams", "bool"],
    consumer: ["consumers", "bool"],
    config: ["config", "bool"],
    leader_only: ["leader-only", "bool"],
    offset: ["offset", "int"],
    limit: ["limit", "int"],
  },
  GATEWAYZ: { name: ["gw_name", "string"], accounts: ["accs", "bool"], account_name: ["acc_name", "string"] },
  HEALTHZ: { "js-enabled": ["", "bool"], "js-enabled-only": ["", "bool"], "js-server-only": ["", "bool"], account: ["", "string"], stream: ["", "string"], consumer: ["", "string"] },
  STATZ: { accounts: ["", "strings"], include_unused: ["", "bool"] },
  // system-debug.ts reads these from the raw options.
  PROFILEZ: { name: ["", "string"], debug: ["", "int"], duration: ["", "int"] },
  IPQUEUESZ: { all: ["", "bool"], filter: ["", "string"] },
  RAFTZ: { account: ["", "string"], group: ["", "string"] },
};

/** Go's struct names, for the unmarshal error texts. */
const GO_STRUCT: Readonly<Record<string, string>> = {
  INFO: "AccInfoEventOptions",
  STATZ: "AccountStatzEventOptions",
  STATSZ: "StatszEventOptions",
  IDZ: "IDZEventOptions",
};

/** /connz `state` as the JSON options give it (Go ConnState: 0 open, 1 closed, 2 all). */
const CONN_STATES = ["open", "closed", "all"];

/** A request option that Go's json.Unmarshal would reject: answered with code 400. */
class OptionsError extends Error {}

/** Decoded request: the HTTP query for the builder, plus the raw options. */
interface Decoded {
  query: URLSearchParams;
  raw: Record<string, unknown>;
}

/**
 * Decodes the request body as Go's json.Unmarshal into the kind's options would, with its
 * error texts for the common mistakes. An empty body means no options.
 */
function decodeOptions(kind: string, body: Buffer): Decoded {
  const query = new URLSearchParams();
  if (body.length === 0) return { query, raw: {} };
  const text = body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OptionsError(goSyntaxError(text));
  }
  const struct = GO_STRUCT[kind] ?? `${kind.charAt(0)}${kind.slice(1).toLowerCase()}EventOptions`;
  if (parsed === null) return { query, raw: {} };
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new OptionsError(`json: cannot unmarshal ${goType(parsed)} into Go value of type server.${struct}`);
  }
  const raw = parsed as Record<string, unknown>;
  const fields: Fields = { ...FILTER_FIELDS, ...(OPTION_FIELDS[kind] ?? {}) };
  for (const [name, value] of Object.entries(raw)) {
    const spec = fields[name];
    if (spec === undefined || value === null) continue; // Go ignores unknown fields and null
    const [q, type] = spec;
    const got = goType(value);
    const want = type === "bool" ? "bool" : type === "int" ? "number" : type === "string" ? "string" : "array";
    const ok = got === want && (type !== "int" || Number.isInteger(value)) && (type !== "strings" || (value as unknown[]).every((v) => typeof v === "string"));
    if (!ok) {
      const goName = type === "bool" ? "bool" : type === "int" ? "int" : type === "string" ? "string" : "[]string";
      throw new OptionsError(`json: cannot unmarshal ${got} into Go struct field ${struct}.${name} of type ${goName}`);
    }
    if (q === "") continue;
    if (name === "subscriptions_detail") {
      if (value === true) query.set("subs", "detail");
    } else if (kind === "CONNZ" && name === "state") {
      query.set("state", CONN_STATES[value as number] ?? "open");
    } else if (!(name === "subscriptions" && query.get("subs") === "detail")) {
      query.set(q, String(value));
    }
  }
  return { query, raw };
}

/** The JSON type word Go uses in unmarshal errors. */
function goType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "object") return "object";
  return typeof v;
}

/** Go encoding/json's syntax error text for the most common broken bodies. */
function goSyntaxError(text: string): string {
  const t = text.trimStart();
  if (t === "") return "unexpected end of JSON input";
  const c = t.charAt(0);
  if (!/[{["\-0-9tfn]/.test(c)) return `invalid character '${c}' looking for beginning of value`;
  return "unexpected end of JSON input";
}

/** Whether the server filters in the options exclude this server (events.go filterRequest). */
function filteredOut(server: Server, o: Record<string, unknown>): boolean {
  const name = (o.server_name as string | undefined) ?? "";
  const host = (o.host as string | undefined) ?? "";
  const cluster = (o.cluster as string | undefined) ?? "";
  const myHost = server.options.host;
  const myCluster = server.clusterName() ?? "";
  const differs = (want: string, have: string): boolean => want !== "" && (o.exact_match === true ? want !== have : !have.includes(want));
  if (differs(name, server.name) || differs(host, myHost) || differs(cluster, myCluster)) return true;
  const tags = (o.tags as string[] | undefined) ?? [];
  if (tags.length > 0) return true; // tsnats servers carry no tags
  const domain = (o.domain as string | undefined) ?? "";
  return domain !== "" && (server.options.jetstreamOptions.domain ?? "") !== domain;
}

/**
 * The answer to one server-level request, or null when this server stays silent (filtered
 * out). STATSZ is answered by events.ts itself (its envelope differs); here only its filter.
 */
export async function serverRequest(server: Server, kind: string, body: Buffer): Promise<SystemAnswer | null> {
  let d: Decoded;
  try {
    d = decodeOptions(kind, body);
  } catch (e) {
    return { error: { code: 400, description: (e as Error).message }, data: null };
  }
  if (body.length > 0 && filteredOut(server, d.raw)) return null;
  if (kind === "STATSZ") return { statsz: true };
  try {
    if ((DEBUG_KINDS as readonly string[]).includes(kind)) return { data: await debugData(kind, d.raw) };
    return { data: await serverData(server, kind, d.query) };
  } catch (e) {
    return { error: { code: 500, description: (e as Error).message }, data: "null" };
  }
}

async function serverData(server: Server, kind: string, q: URLSearchParams): Promise<string> {
  switch (kind) {
    case "VARZ":
      return JSON.stringify((await import("./index.js")).serverVarz(server));
    case "CONNZ":
    case "SUBSZ":
    case "ACCOUNTZ":
      return heavyJson(server, kind, q);
    case "ROUTEZ": {
      const subs = q.get("subs");
      return JSON.stringify(routez(server, { subs: subs === "true" || subs === "detail", detail: subs === "detail" }));
    }
    case "LEAFZ":
      return JSON.stringify(leafz(server, q.get("subs") === "true", q.get("acc") ?? ""));
    case "GATEWAYZ":
      return JSON.stringify(gatewayz(server, q));
    case "JSZ":
      return JSON.stringify(jsz(server, parseJszOptions(q)));
    case "HEALTHZ":
      return JSON.stringify({ status: "ok" });
    default:
      return JSON.stringify({ server_id: server.id, server_name: server.name });
  }
}

/** CONNZ, SUBSZ and ACCOUNTZ: built in slices, one at a time with the HTTP endpoints'. */
function heavyJson(server: Server, kind: string, q: URLSearchParams): Promise<string> {
  return heavyGateOf(server).run(async (sl) => {
    if (kind === "ACCOUNTZ") return JSON.stringify(await (await import("./accountz.js")).accountz(server, q, sl));
    const doc = kind === "CONNZ" ? await connz(server, parseConnzOptions(q), sl) : await subsz(server, q, sl);
    if (!(doc instanceof ListDocument)) return JSON.stringify(doc);
    const sink = new StringSink();
    await doc.writeTo(sink, false, sl);
    return sink.text();
  });
}

/**
 * The answer to `$SYS.REQ.ACCOUNT.<name>.<kind>`, or null for no reply (STATZ of an
 * account without connections, unless `include_unused`; the `PING` token of STATZ, which
 * `$SYS.REQ.ACCOUNT.PING.STATZ` answers for every account).
 */
export async function accountRequest(server: Server, name: string, kind: string, body: Buffer): Promise<SystemAnswer | null> {
  let d: Decoded;
  try {
    d = decodeOptions(kind, body);
  } catch (e) {
    return { error: { code: 400, description: (e as Error).message }, data: null };
  }
  if (body.length > 0 && filteredOut(server, d.raw)) return null;
  const q = d.query;
  try {
    switch (kind) {
      case "SUBSZ":
        q.set("subs", "true");
        q.set("acc", name);
        return { data: await heavyJson(server, kind, q) };
      case "CONNZ":
        q.set("acc", name);
        return { data: await heavyJson(server, kind, q) };
      case "LEAFZ":
        return { data: JSON.stringify(leafz(server, q.get("subs") === "true", name)) };
      case "JSZ":
        return { data: JSON.stringify(jszAccount(server, name, q)) };
      case "INFO": {
        const acc = server.accounts.get(name);
        if (acc === undefined) throw new Error(`Account ${name} does not exist`);
        return { data: JSON.stringify(await heavyGateOf(server).run((sl) => accountDetail(server, acc, sl))) };
      }
      case "STATZ": {
        if (name === "PING") return null;
        const unused = d.raw.include_unused === true;
        const stz = await accountStatz(server, [name], unused);
        return (stz.account_statz as unknown[]).length === 0 && !unused ? null : { data: JSON.stringify(stz) };
      }
    }
  } catch (e) {
    return { error: { code: 500, description: (e as Error).message }, data: "null" };
  }
  return null;
}

/** `$SYS.REQ.ACCOUNT.PING.STATZ`: every account with local connections (or all, `include_unused`). */
export async function accountPingStatz(server: Server, body: Buffer): Promise<SystemAnswer | null> {
  let d: Decoded;
  try {
    d = decodeOptions("STATZ", body);
  } catch (e) {
    return { error: { code: 400, description: (e as Error).message }, data: null };
  }
  if (body.length > 0 && filteredOut(server, d.raw)) return null;
  const unused = d.raw.include_unused === true;
  const names = (d.raw.accounts as string[] | undefined) ?? [];
  const stz = await accountStatz(server, names, unused);
  return (stz.account_statz as unknown[]).length === 0 && !unused ? null : { data: JSON.stringify(stz) };
}

/** nats-server JszAccount: one account's JetStream detail, or its error texts. */
function jszAccount(server: Server, name: string, q: URLSearchParams): Record<string, unknown> {
  if (server.jetstream === null) throw new Error("jetstream not enabled");
  const acc = server.accounts.get(name);
  if (acc === undefined) throw new Error(`account "${name}" not found`);
  if (server.jetstream.accountFor(acc) == null) throw new Error(`account "${name}" not jetstream enabled`);
  q.set("acc", name);
  const doc = jsz(server, parseJszOptions(q));
  return ((doc.account_details as Array<Record<string, unknown>> | undefined) ?? [])[0] ?? {};
}

/** Per-account counters over the connections open now (nats-server Account.statz). */
interface AccountStat {
  conns: number;
  leafnodes: number;
  sentMsgs: number;
  sentBytes: number;
  recvMsgs: number;
  recvBytes: number;
  slow: number;
}

/**
 * nats-server AccountStatz (`{server_id, now, account_statz: [...]}`): per account, its
 * local client and leaf connections and their traffic. The clients are walked in slices.
 */
export async function accountStatz(server: Server, names: readonly string[], unused: boolean): Promise<Record<string, unknown>> {
  const stats = await heavyGateOf(server).run((sl) => gatherAccountStats(server, sl));
  const chosen: Account[] = names.length > 0 ? names.map((n) => server.accounts.get(n)).filter((a) => a !== undefined) : [...server.accounts.values()];
  const rows: Array<Record<string, unknown>> = [];
  for (const acc of chosen) {
    const st = stats.get(acc);
    if (!unused && (st === undefined || st.conns + st.leafnodes === 0)) continue;
    rows.push(accountStatRow(acc, st));
  }
  return { server_id: server.id, now: isoTime(Date.now()), account_statz: rows };
}

/** One account's AccountStat (events.go), as STATZ rows and CONNS events carry it. */
export function accountStatRow(acc: Account, st: AccountStat | undefined): Record<string, unknown> {
  const s = st ?? { conns: 0, leafnodes: 0, sentMsgs: 0, sentBytes: 0, recvMsgs: 0, recvBytes: 0, slow: 0 };
  return {
    acc: acc.name,
    conns: s.conns,
    leafnodes: s.leafnodes,
    total_conns: s.conns + s.leafnodes,
    num_subscriptions: acc.sublist.count(),
    sent: { msgs: s.sentMsgs, bytes: s.sentBytes },
    received: { msgs: s.recvMsgs, bytes: s.recvBytes },
    slow_consumers: s.slow,
  };
}

/** One pass over the open client and leaf connections, summed by account. */
export async function gatherAccountStats(server: Server, sl: Slicer): Promise<Map<Account, AccountStat>> {
  const out = new Map<Account, AccountStat>();
  const add = (acc: Account, leaf: boolean, c: { outMsgs: number; outBytes: number; inMsgs: number; inBytes: number }): void => {
    let st = out.get(acc);
    if (st === undefined) out.set(acc, (st = { conns: 0, leafnodes: 0, sentMsgs: 0, sentBytes: 0, recvMsgs: 0, recvBytes: 0, slow: 0 }));
    if (leaf) st.leafnodes++;
    else st.conns++;
    st.sentMsgs += c.outMsgs;
    st.sentBytes += c.outBytes;
    st.recvMsgs += c.inMsgs;
    st.recvBytes += c.inBytes;
  };
  for (const c of [...server.clients.values()]) {
    if (!c.closed && c.kind === Kind.CLIENT) add(c.account, false, c);
    if (sl.due()) await sl.pause();
  }
  if (server.leafs !== null) for (const l of server.leafs.leafs.values()) if (!l.closed) add(l.account, true, l);
  return out;
}
