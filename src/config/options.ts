/**
 * Config tree → `Partial<ServerOptions>` (nats-server opts.go processConfigFileLine).
 *
 * Every problem is collected: errors (the config must be rejected) and warnings (it
 * works, but something is off or not supported yet). Top-level keys match case-
 * insensitively, with nats-server's aliases. A key nats-server v2.9.10 does not know is
 * an error (`unknown field "x"`), unless it only defines a `$variable` that is used.
 * Blocks nats-server knows and tsnats does not implement yet are parsed and produce one
 * warning each.
 */
import { parseMappings } from "./mappings.js";
import { readFileSync } from "node:fs";
import type { ServerOptions } from "../server/options.js";
import { checkAccounts, DECENTRALIZED_AUTH_KEYS, decentralizedAuthError, parseAccounts } from "./accounts.js";
import { parseAuthorization, parseJetStream, parseTls } from "./blocks.js";
import type { ConfigIssue } from "./issues.js";
import { parseConfig, type MapEntry, type MapNode } from "./parser.js";
import { getBool, getDurationMs, getInteger, getString, getStringList, Issues, parseListen } from "./values.js";

/** Settings that are parsed but have no ServerOptions field yet. */
export interface ConfigExtra {
  /** `trace_verbose` (tsnats traces, but not verbosely yet). */
  traceVerbose?: boolean;
}

/** Outcome of reading a config: options plus every error and warning, with positions. */
export interface ConfigResult {
  options: Partial<ServerOptions>;
  warnings: ConfigIssue[];
  errors: ConfigIssue[];
  extra: ConfigExtra;
}

/** nats-server opts.go: max_payload and max_control_line are int32. */
const MAX_INT32 = 2 ** 31 - 1;
/** nats-server opts.go: minimum `lame_duck_duration`. */
const MIN_LAME_DUCK_DURATION_MS = 30_000;

/**
 * Top-level keys (and aliases) nats-server v2.9.10 knows that tsnats does not implement
 * yet: accepted with a warning, so a config written for nats-server still loads.
 */
export const UNSUPPORTED_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([
  "cluster",
  "gateway",
  "leaf",
  "leafnodes",
  "websocket",
  "ws",
  "mqtt",
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
]);

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
  const result = configToOptions(parsed.tree, file);
  result.errors.unshift(...parsed.errors);
  return result;
}

/** Maps a parsed config tree to options; `file` becomes `options.configFile`. */
export function configToOptions(tree: MapNode, file: string): ConfigResult {
  const issues = new Issues();
  const o: Partial<ServerOptions> = { configFile: file };
  const extra: ConfigExtra = {};
  let storeDirEntry: MapEntry | undefined;
  let accountsEntry: MapEntry | undefined;
  let authEntry: MapEntry | undefined;
  for (const e of tree.entries.values()) {
    const key = e.key.toLowerCase();
    if (mapSimple(issues, o, key, e)) continue;
    switch (key) {
      case "listen": {
        const hp = parseListen(issues, e);
        if (hp) {
          if (hp.host !== undefined) o.host = hp.host;
          o.port = hp.port;
        }
        break;
      }
      case "http": {
        const hp = parseListen(issues, e);
        if (hp) {
          if (hp.host !== undefined) o.httpHost = hp.host;
          o.httpPort = hp.port;
        }
        break;
      }
      case "https": {
        const hp = parseListen(issues, e);
        if (hp) {
          if (hp.host !== undefined) o.httpHost = hp.host;
          o.httpsPort = hp.port;
        }
        break;
      }
      case "max_payload":
      case "max_control_line": {
        const n = getInteger(issues, e);
        if (n !== undefined && n > MAX_INT32) issues.error(e.value, `${e.key} value is too big`);
        else if (n !== undefined) o[key === "max_payload" ? "maxPayload" : "maxControlLine"] = n;
        break;
      }
      case "ping_interval":
        o.pingIntervalMs = getDurationMs(issues, e, true);
        break;
      case "write_deadline":
        o.writeDeadlineMs = getDurationMs(issues, e, true);
        break;
      case "lame_duck_duration": {
        const ms = getDurationMs(issues, e, false);
        if (ms !== undefined && ms < MIN_LAME_DUCK_DURATION_MS) {
          issues.error(e.value, `invalid lame_duck_duration of ${formatMs(ms)}, minimum is 30 seconds`);
        } else o.lameDuckDurationMs = ms;
        break;
      }
      case "lame_duck_grace_period": {
        const ms = getDurationMs(issues, e, false);
        if (ms !== undefined && ms < 0) issues.error(e.value, "invalid lame_duck_grace_period, needs to be positive");
        else o.lameDuckGracePeriodMs = ms;
        break;
      }
      case "server_tags":
        o.serverTags = getStringList(issues, e);
        break;
      case "trace_verbose": {
        const b = getBool(issues, e);
        if (b !== undefined) {
          o.trace = b;
          extra.traceVerbose = b;
          issues.unsupported(e);
        }
        break;
      }
      case "system_account":
      case "system":
        if (e.value.kind === "string") o.systemAccount = e.value.value;
        else issues.error(e.value, "system account name must be a string");
        break;
      case "accounts":
        accountsEntry = e;
        o.accounts = parseAccounts(issues, e);
        break;
      case "mappings":
      case "maps":
        o.mappings = parseMappings(issues, e);
        break;
      case "allow_non_tls":
        o.allowNonTls = getBool(issues, e);
        break;
      case "authorization": {
        authEntry = e;
        const auth = parseAuthorization(issues, e);
        if (auth) {
          o.username = auth.username;
          o.password = auth.password;
          o.authToken = auth.token;
          o.authTimeoutMs = auth.timeoutMs;
          o.users = auth.users;
        }
        break;
      }
      case "tls":
        o.tls = parseTls(issues, e);
        break;
      case "store_dir":
      case "storedir":
        if (storeDirEntry) issues.error(e.value, "Duplicate 'store_dir' configuration");
        storeDirEntry = e;
        o.storeDir = getString(issues, e);
        break;
      case "jetstream": {
        const js = parseJetStream(issues, e);
        if (js) {
          o.jetstream = js.enabled;
          if (js.storeDir !== undefined) {
            if (storeDirEntry) issues.error(e.value, "Duplicate 'store_dir' configuration");
            o.storeDir = js.storeDir;
          }
          if (Object.keys(js.options).length > 0) o.jetstreamOptions = js.options;
        }
        break;
      }
      default:
        if (DECENTRALIZED_AUTH_KEYS.has(key)) decentralizedAuthError(issues, e);
        else if (UNSUPPORTED_TOP_LEVEL_KEYS.has(key)) issues.unsupported(e);
        else issues.unknown(e);
    }
  }
  checkAccounts(issues, o, accountsEntry, authEntry);
  return { options: dropUndefined(o), warnings: issues.warnings, errors: issues.errors, extra };
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

function mapSimple(issues: Issues, o: Partial<ServerOptions>, key: string, e: MapEntry): boolean {
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
function dropUndefined(o: Partial<ServerOptions>): Partial<ServerOptions> {
  for (const k of Object.keys(o) as Array<keyof ServerOptions>) {
    if (o[k] === undefined) delete o[k];
  }
  return o;
}

