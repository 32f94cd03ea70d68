/**
 * Config tree → `ServerOptionsInput` (nats-server opts.go processConfigFileLine).
 *
 * Every problem is collected: errors (the config must be rejected) and warnings (it
 * works, but something is off or not supported yet). Top-level keys match case-
 * insensitively, with nats-server's aliases. A key no nats-server version knows is an
 * error (`unknown field "x"`), unless it only defines a `$variable` that is used.
 *
 * Versions: the reference is nats-server v2.9.10; keys newer versions added are taken
 * as the newest nats-server takes them. Where the two disagree on a config, tsnats
 * accepts what either accepts, and turns the newer version's extra refusals into
 * warnings (e.g. a cluster name with spaces, insecure cipher suites), so a config that
 * runs on one of them loads in tsnats.
 * Blocks tsnats does not serve yet (cluster, gateway, leafnodes, websocket, mqtt) are
 * parsed and validated into typed options, and produce one warning each.
 */
import { readFileSync } from "node:fs";
import type { ServerOptionsInput } from "../server/options.js";
import { checkAccounts, parseAccounts } from "./accounts.js";
import { checkClientAuthorization, parseAuthorization } from "./blocks.js";
import { parseCluster, parseGateway } from "./cluster.js";
import type { ConfigIssue } from "./issues.js";
import { parseJetStream } from "./jetstream.js";
import { parseLeafNodes } from "./leafnodes.js";
import { parseMappings } from "./mappings.js";
import { OPERATOR_MODE_KEYS, parseOperatorModeKey } from "./operator.js";
import { parseConfig, type MapEntry, type MapNode } from "./parser.js";
import { parseTls } from "./tls.js";
import { describeNode, getBool, getDurationMs, getInteger, getString, getStringList, Issues, parseListen } from "./values.js";
import { parseMqtt, parseWebsocket } from "./websocket.js";

/** Settings that are parsed but have no ServerOptions field yet. */
export interface ConfigExtra {
  /** `trace_verbose` (tsnats traces, but not verbosely yet). */
  traceVerbose?: boolean;
}

/** Outcome of reading a config: options plus every error and warning, with positions. */
export interface ConfigResult {
  options: ServerOptionsInput;
  warnings: ConfigIssue[];
  errors: ConfigIssue[];
  extra: ConfigExtra;
}

/** nats-server opts.go: max_payload and max_control_line are int32. */
const MAX_INT32 = 2 ** 31 - 1;
/** nats-server opts.go: minimum `lame_duck_duration`. */
const MIN_LAME_DUCK_DURATION_MS = 30_000;

/**
 * Top-level keys (and aliases) nats-server knows that tsnats does not implement yet:
 * accepted with a warning, so a config written for nats-server still loads. Keys marked
 * 2.10+ and later are unknown to v2.9.10 (which rejects them) but valid in newer versions.
 */
export const UNSUPPORTED_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([
  "disable_sublist_cache",
  "no_sublist_cache",
  "logfile_size_limit",
  "log_size_limit",
  "remote_syslog",
  "prof_port",
  "max_sub_tokens",
  "max_subscription_tokens",
  "ocsp",
  "no_system_account",
  "no_system",
  "no_sys_acc",
  "connect_error_reports",
  "reconnect_error_reports",
  "default_js_domain",
  // 2.10+
  "ocsp_cache",
  "logfile_max_num",
  "log_max_num",
  // 2.11+
  "trace_headers",
  "prof_block_rate",
  "default_sentinel",
  "no_fast_producer_stall",
  "max_closed_clients",
  // 2.12+
  "server_metadata",
  "feature_flags",
  "proxy_protocol",
  "write_timeout",
  "proxies",
]);

/** Blocks parsed into typed options whose subsystem tsnats does not serve yet. */
export const NOT_SERVED_YET: ReadonlySet<string> = new Set(["mqtt"]);

/**
 * Reads, parses and maps a config file, following `include`s relative to it and
 * falling back to the process environment for `$VAR`s. Never throws: an unreadable
 * file is reported as an error.
 */
export function loadConfigFile(path: string): ConfigResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      options: {},
      warnings: [],
      errors: [{ file: path, line: 0, col: 0, message: `error opening config file: ${why}` }],
      extra: {},
    };
  }
  return loadConfigText(text, path);
}

/**
 * Loads config text as if it were the file `file` (relative includes resolve from its
 * folder; for text with no file, pass a name such as "<config>" and they resolve from
 * the working directory).
 */
export function loadConfigText(text: string, file: string): ConfigResult {
  const parsed = parseConfig(text, { file, readFile: (p) => readFileSync(p, "utf8") });
  const result = configToOptions(parsed.tree, file, true);
  result.errors.unshift(...parsed.errors);
  return result;
}

/** State of one mapping run: the options so far and the entries later checks need. */
interface MapContext {
  issues: Issues;
  o: ServerOptionsInput;
  extra: ConfigExtra;
  storeDirEntry?: MapEntry;
  accountsEntry?: MapEntry;
  authEntry?: MapEntry;
}

/**
 * Maps a parsed config tree to options; `file` becomes `options.configFile`. With
 * `checkFiles`, the TLS certificates and keys named are loaded and checked too.
 */
export function configToOptions(tree: MapNode, file: string, checkFiles = false): ConfigResult {
  const ctx: MapContext = { issues: new Issues(checkFiles), o: { configFile: file }, extra: {} };
  for (const e of tree.entries.values()) {
    const key = e.key.toLowerCase();
    if (mapSimple(ctx.issues, ctx.o, key, e) || mapListener(ctx, key, e) || mapLimit(ctx, key, e)) continue;
    if (mapAuth(ctx, key, e) || mapBlock(ctx, key, e)) continue;
    if (OPERATOR_MODE_KEYS.has(key)) parseOperatorModeKey(ctx.issues, ctx.o, e, key);
    else if (UNSUPPORTED_TOP_LEVEL_KEYS.has(key)) unsupportedKey(ctx.issues, e, key);
    else ctx.issues.unknown(e);
  }
  const { issues, o } = ctx;
  checkAccounts(issues, o, ctx.accountsEntry, ctx.authEntry);
  checkCalloutAccounts(issues, o, ctx.authEntry);
  return { options: dropUndefined(o), warnings: issues.warnings, errors: issues.errors, extra: ctx.extra };
}

/** `listen`, `http`, `https`: host and port in one value. */
function mapListener(ctx: MapContext, key: string, e: MapEntry): boolean {
  if (key !== "listen" && key !== "http" && key !== "https") return false;
  const hp = parseListen(ctx.issues, e);
  if (!hp) return true;
  const o = ctx.o;
  if (key === "listen") {
    if (hp.host !== undefined) o.host = hp.host;
    o.port = hp.port;
  } else {
    if (hp.host !== undefined) o.httpHost = hp.host;
    if (key === "http") o.httpPort = hp.port;
    else o.httpsPort = hp.port;
  }
  return true;
}

/** Limits and durations with checks of their own. */
function mapLimit(ctx: MapContext, key: string, e: MapEntry): boolean {
  const { issues, o } = ctx;
  switch (key) {
    case "max_payload":
    case "max_control_line": {
      const n = getInteger(issues, e);
      if (n !== undefined && n > MAX_INT32) issues.error(e.value, `${e.key} value is too big`);
      else if (n !== undefined) o[key === "max_payload" ? "maxPayload" : "maxControlLine"] = n;
      return true;
    }
    case "ping_interval":
      o.pingIntervalMs = getDurationMs(issues, e, true);
      return true;
    case "write_deadline":
      o.writeDeadlineMs = getDurationMs(issues, e, true);
      return true;
    case "lame_duck_duration": {
      const ms = getDurationMs(issues, e, false);
      if (ms !== undefined && ms < MIN_LAME_DUCK_DURATION_MS) {
        issues.error(e.value, `invalid lame_duck_duration of ${formatMs(ms)}, minimum is 30 seconds`);
      } else o.lameDuckDurationMs = ms;
      return true;
    }
    case "lame_duck_grace_period": {
      const ms = getDurationMs(issues, e, false);
      if (ms !== undefined && ms < 0) issues.error(e.value, "invalid lame_duck_grace_period, needs to be positive");
      else o.lameDuckGracePeriodMs = ms;
      return true;
    }
    case "server_tags":
      o.serverTags = getStringList(issues, e);
      return true;
    case "trace_verbose": {
      const b = getBool(issues, e);
      if (b !== undefined) {
        o.trace = b;
        ctx.extra.traceVerbose = b;
        issues.unsupported(e);
      }
      return true;
    }
    default:
      return false;
  }
}

/** Authentication and accounts. */
function mapAuth(ctx: MapContext, key: string, e: MapEntry): boolean {
  const { issues, o } = ctx;
  switch (key) {
    case "system_account":
    case "system":
      if (e.value.kind === "string") o.systemAccount = e.value.value;
      else issues.error(e.value, "system account name must be a string");
      return true;
    case "accounts":
      ctx.accountsEntry = e;
      o.accounts = parseAccounts(issues, e);
      return true;
    case "mappings":
    case "maps":
      o.mappings = parseMappings(issues, e);
      return true;
    case "allow_non_tls":
      o.allowNonTls = getBool(issues, e);
      return true;
    case "authorization": {
      ctx.authEntry = e;
      const auth = parseAuthorization(issues, e);
      if (!auth) return true;
      checkClientAuthorization(issues, e, auth);
      o.username = auth.username;
      o.password = auth.password;
      o.authToken = auth.token;
      o.authTimeoutMs = auth.timeoutMs;
      o.users = auth.users;
      if (auth.callout) o.authCallout = auth.callout;
      return true;
    }
    case "tls":
      o.tls = parseTls(issues, e);
      return true;
    case "no_system_account":
    case "no_system":
    case "no_sys_acc":
      o.noSystemAccount = getBool(issues, e);
      issues.unsupported(e);
      return true;
    default:
      return false;
  }
}

/** Blocks with a subsystem behind them: cluster, gateway, leaf nodes, websocket, mqtt, JetStream. */
function mapBlock(ctx: MapContext, key: string, e: MapEntry): boolean {
  const { issues, o } = ctx;
  switch (key) {
    case "cluster":
      o.cluster = parseCluster(issues, e);
      break;
    case "gateway":
      o.gateway = parseGateway(issues, e);
      break;
    case "leaf":
    case "leafnodes":
      o.leafnodes = parseLeafNodes(issues, e);
      break;
    case "websocket":
    case "ws":
      o.websocket = parseWebsocket(issues, e);
      break;
    case "mqtt":
      o.mqtt = parseMqtt(issues, e);
      break;
    case "store_dir":
    case "storedir":
      if (ctx.storeDirEntry) issues.error(e.value, "Duplicate 'store_dir' configuration");
      ctx.storeDirEntry = e;
      o.storeDir = getString(issues, e);
      return true;
    case "jetstream": {
      const js = parseJetStream(issues, e);
      if (!js) return true;
      o.jetstream = js.enabled;
      if (js.storeDir !== undefined) {
        if (ctx.storeDirEntry) issues.error(e.value, "Duplicate 'store_dir' configuration");
        o.storeDir = js.storeDir;
      }
      if (Object.keys(js.options).length > 0) o.jetstreamOptions = js.options;
      return true;
    }
    default:
      return false;
  }
  const block = key === "leaf" ? "leafnodes" : key === "ws" ? "websocket" : key;
  if (NOT_SERVED_YET.has(block)) issues.unsupported(e);
  return true;
}

/** A known key tsnats ignores: its value is type-checked where nats-server checks it, then one warning. */
function unsupportedKey(issues: Issues, e: MapEntry, key: string): void {
  const v = e.value;
  if (key === "server_metadata" || key === "feature_flags" || key === "default_js_domain") {
    const want = key === "feature_flags" ? "bool" : "string";
    if (v.kind !== "map") issues.error(v, `error parsing ${key.replace("_", " ")}: unsupported type ${describeNode(v)}`);
    else {
      for (const me of v.entries.values()) {
        if (me.value.kind !== want) issues.error(me.value, `error parsing ${key} "${me.key}": expected ${want}, got ${describeNode(me.value)}`);
      }
    }
  }
  issues.unsupported(e);
}

/** nats-server 2.10+: every `auth_callout.allowed_accounts` entry must be a configured account. */
function checkCalloutAccounts(issues: Issues, o: ServerOptionsInput, authEntry: MapEntry | undefined): void {
  const allowed = o.authCallout?.allowedAccounts;
  if (!allowed || !authEntry) return;
  const names = new Set((o.accounts ?? []).map((a) => a.name));
  for (const a of allowed) {
    if (!names.has(a)) issues.error(authEntry.value, `auth_callout allowed account "${a}" not found in configured accounts`);
  }
}

type StringKey = "host" | "serverName" | "clientAdvertise" | "httpBasePath" | "logFile" | "pidFile" | "portsFileDir" | "noAuthUser";
type IntKey = "port" | "httpPort" | "httpsPort" | "maxPending" | "maxConnections" | "maxSubscriptions" | "pingMax" | "maxTracedMsgLen";
type BoolKey = "debug" | "trace" | "logtime" | "logtimeUtc" | "syslog" | "noHeaderSupport";

/** Plain scalar keys: config name (and aliases) → option field. */
const STRING_KEYS: Record<string, StringKey> = {
  host: "host",
  net: "host",
  server_name: "serverName",
  client_advertise: "clientAdvertise",
  http_base_path: "httpBasePath",
  log_file: "logFile",
  logfile: "logFile",
  pid_file: "pidFile",
  pidfile: "pidFile",
  ports_file_dir: "portsFileDir",
  no_auth_user: "noAuthUser",
};
const INT_KEYS: Record<string, IntKey> = {
  port: "port",
  http_port: "httpPort",
  monitor_port: "httpPort",
  https_port: "httpsPort",
  max_pending: "maxPending",
  max_connections: "maxConnections",
  max_conn: "maxConnections",
  max_subscriptions: "maxSubscriptions",
  max_subs: "maxSubscriptions",
  ping_max: "pingMax",
  max_traced_msg_len: "maxTracedMsgLen",
};
const BOOL_KEYS: Record<string, BoolKey> = {
  debug: "debug",
  trace: "trace",
  logtime: "logtime",
  logtime_utc: "logtimeUtc", // nats-server 2.10+; tsnats supports it
  syslog: "syslog",
  no_header_support: "noHeaderSupport",
};

function mapSimple(issues: Issues, o: ServerOptionsInput, key: string, e: MapEntry): boolean {
  const s = STRING_KEYS[key];
  if (s) {
    o[s] = getString(issues, e);
    return true;
  }
  const i = INT_KEYS[key];
  if (i) {
    o[i] = getInteger(issues, e);
    return true;
  }
  const b = BOOL_KEYS[key];
  if (b) {
    o[b] = getBool(issues, e);
    return true;
  }
  return false;
}

/** Go-like rendering of a duration for messages (`10s`, `1.5s`, `500ms`). */
function formatMs(ms: number): string {
  return ms >= 1000 || ms === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Leaves out keys whose value failed to map, so `resolveOptions` keeps its defaults. */
function dropUndefined(o: ServerOptionsInput): ServerOptionsInput {
  for (const k of Object.keys(o) as Array<keyof ServerOptionsInput>) {
    if (o[k] === undefined) delete o[k];
  }
  return o;
}

