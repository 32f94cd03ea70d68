/**
 * Mapping of the config blocks with inner structure: `authorization` (users and
 * permissions), `tls` and `jetstream`. Key names, aliases, defaults and error texts follow
 * nats-server v2.9.10 opts.go (parseAuthorization, parseUsers, parseUserPermissions,
 * parseAllowResponses, parseTLS, parseJetStream).
 */
import { lazyRequire } from "../util/lazy-require.js";

const nkeys = lazyRequire<typeof import("@nats-io/nkeys")>("@nats-io/nkeys");
import { unlimitedJetStream, type JetStreamAccountLimits } from "../auth/accounts.js";
import type {
  JetStreamOptions,
  PermissionsOptions,
  ResponsePermission,
  SubjectPermission,
  TlsOptions,
  UserOptions,
} from "../server/options.js";
import type { MapEntry, MapNode } from "./parser.js";
import {
  describeNode,
  getBool,
  getDurationMs,
  getInteger,
  getMap,
  getString,
  getStringList,
  parseDuration,
  type Issues,
} from "./values.js";

/** nats-server const.go DEFAULT_ALLOW_RESPONSE_MAX_MSGS. */
export const DEFAULT_ALLOW_RESPONSE_MAX_MSGS = 1;
/** nats-server const.go DEFAULT_ALLOW_RESPONSE_EXPIRATION (0: no expiry). */
export const DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS = 0;

/** What an `authorization` block sets. */
export interface AuthorizationConfig {
  username?: string;
  password?: string;
  token?: string;
  timeoutMs?: number;
  users?: UserOptions[];
}

/** nats-server opts.go parseAuthorization. */
export function parseAuthorization(issues: Issues, block: MapEntry): AuthorizationConfig | undefined {
  const map = getMap(issues, block);
  if (!map) return undefined;
  const auth: AuthorizationConfig = {};
  let defaults: PermissionsOptions | undefined;
  for (const e of map.entries.values()) {
    switch (e.key.toLowerCase()) {
      case "user":
      case "username":
        auth.username = getString(issues, e);
        break;
      case "pass":
      case "password":
        auth.password = getString(issues, e);
        break;
      case "token":
        auth.token = getString(issues, e);
        break;
      case "timeout":
        auth.timeoutMs = authTimeoutMs(issues, e);
        break;
      case "users":
        auth.users = parseUsers(issues, e);
        break;
      case "default_permission":
      case "default_permissions":
      case "permissions":
        defaults = parsePermissions(issues, e);
        break;
      default:
        issues.unknown(e);
    }
  }
  if (defaults && auth.users) {
    for (const u of auth.users) u.permissions ??= defaults;
  }
  if ((auth.username || auth.password) && auth.token) {
    issues.error(block.value, "Cannot have a user/pass and token");
  }
  if (auth.users && auth.username) issues.error(block.value, "Can not have a single user/pass and a users array");
  if (auth.users && auth.token) issues.error(block.value, "Can not have a token and a users array");
  return auth;
}

/** `timeout` in float seconds; nats-server silently uses 1s for any other type. */
function authTimeoutMs(issues: Issues, e: MapEntry): number {
  const v = e.value;
  if (v.kind === "integer" || v.kind === "float") return v.value * 1000;
  issues.warn(v, `"timeout" should be a number of seconds, got ${describeNode(v)}; using 1s as nats-server does`);
  return 1000;
}

/** nats-server opts.go parseUsers: `users: [ {user, password, permissions} | {nkey} ]`. */
export function parseUsers(issues: Issues, e: MapEntry): UserOptions[] | undefined {
  if (e.value.kind !== "array") {
    issues.error(e.value, `Expected users field to be an array, got ${describeNode(e.value)}`);
    return undefined;
  }
  const users: UserOptions[] = [];
  for (const item of e.value.items) {
    if (item.kind !== "map") {
      issues.error(item, `Expected user entry to be a map/struct, got ${describeNode(item)}`);
      continue;
    }
    const u = parseUser(issues, item);
    if (u) users.push(u);
  }
  return users;
}

function parseUser(issues: Issues, map: MapNode): UserOptions | undefined {
  const u: UserOptions = {};
  for (const e of map.entries.values()) {
    switch (e.key.toLowerCase()) {
      case "nkey":
        u.nkey = getString(issues, e);
        break;
      case "user":
      case "username":
        u.user = getString(issues, e);
        break;
      case "pass":
      case "password":
        u.password = getString(issues, e);
        break;
      case "permission":
      case "permissions":
      case "authorization":
        setIf(u, "permissions", parsePermissions(issues, e));
        break;
      case "allowed_connection_types":
      case "connection_types":
      case "clients":
        getStringList(issues, e);
        issues.unsupported(e);
        break;
      default:
        issues.unknown(e);
    }
  }
  if (!u.nkey && !u.user) {
    issues.error(map, "User entry requires a user");
    return undefined;
  }
  if (u.nkey) {
    if (!isPublicUserKey(u.nkey)) {
      issues.error(map, "Not a valid public nkey for a user");
      return undefined;
    }
    if (u.user || u.password) {
      issues.error(map, "Nkey users do not take usernames or passwords");
      return undefined;
    }
  }
  return u;
}

function isPublicUserKey(key: string): boolean {
  if (!key.startsWith("U")) return false;
  try {
    nkeys().fromPublic(key);
    return true;
  } catch {
    return false;
  }
}

/** Sets `o[k]` only when `v` is defined, so failed or empty parts leave no `undefined` keys. */
function setIf<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/** nats-server opts.go parseUserPermissions: `{publish, subscribe, allow_responses}`. */
export function parsePermissions(issues: Issues, e: MapEntry): PermissionsOptions | undefined {
  const map = e.value;
  if (map.kind !== "map") {
    issues.error(map, `Expected permissions to be a map/struct, got ${describeNode(map)}`);
    return undefined;
  }
  const p: PermissionsOptions = {};
  let responses: MapEntry | undefined;
  for (const pe of map.entries.values()) {
    switch (pe.key.toLowerCase()) {
      case "pub":
      case "publish":
      case "import":
        setIf(p, "publish", parseSubjectPermission(issues, pe));
        break;
      case "sub":
      case "subscribe":
      case "export":
        setIf(p, "subscribe", parseSubjectPermission(issues, pe));
        break;
      case "publish_allow_responses":
      case "allow_responses":
        responses = pe;
        break;
      default:
        issues.unknown(pe, `Unknown field "${pe.key}" parsing permissions`);
    }
  }
  if (responses) {
    setIf(p, "allowResponses", parseAllowResponses(issues, responses));
    if (p.allowResponses) {
      // As nats-server: response permissions turn off the implicit "publish anything".
      p.publish ??= {};
      p.publish.allow ??= [];
    }
  }
  return p;
}

/** A subject, a list of subjects, or `{allow, deny}`; always normalised to allow/deny. */
function parseSubjectPermission(issues: Issues, e: MapEntry): SubjectPermission | undefined {
  const v = e.value;
  if (v.kind !== "map") {
    const allow = permSubjects(issues, e);
    return allow ? { allow } : undefined;
  }
  if (v.entries.size === 0) return undefined;
  const sp: SubjectPermission = {};
  for (const pe of v.entries.values()) {
    switch (pe.key.toLowerCase()) {
      case "allow":
        sp.allow = permSubjects(issues, pe);
        break;
      case "deny":
        sp.deny = permSubjects(issues, pe);
        break;
      default:
        issues.unknown(
          pe,
          `Unknown field name "${pe.key}" parsing subject permissions, only 'allow' or 'deny' are permitted`,
        );
    }
  }
  return sp;
}

function permSubjects(issues: Issues, e: MapEntry): string[] | undefined {
  const subjects = getStringList(issues, e);
  if (!subjects) return undefined;
  for (const s of subjects) {
    const bad = checkPermSubject(s);
    if (bad !== undefined) {
      issues.error(e.value, `subject "${bad}" is not a valid subject`);
      return undefined;
    }
  }
  return subjects;
}

/**
 * Returns the offending part if `s` is not a valid subject, nor a subject followed by a
 * queue group name (nats-server opts.go checkPermSubjectArray).
 */
function checkPermSubject(s: string): string | undefined {
  if (isValidSubject(s)) return undefined;
  const fields = s.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 2) return s;
  return isValidSubject(fields[0]!) ? undefined : fields[0];
}

/** nats-server sublist.go IsValidSubject: non-empty tokens, no spaces, `>` only last. */
export function isValidSubject(subject: string): boolean {
  if (subject === "") return false;
  let sawFwc = false;
  for (const t of subject.split(".")) {
    if (t.length === 0 || sawFwc) return false;
    if (/[\s]/.test(t)) return false;
    if (t === ">") sawFwc = true;
  }
  return true;
}

/** `allow_responses: true` or `{max, expires}` (nats-server opts.go parseAllowResponses). */
function parseAllowResponses(issues: Issues, e: MapEntry): ResponsePermission | undefined {
  const v = e.value;
  const rp: ResponsePermission = {
    maxMsgs: DEFAULT_ALLOW_RESPONSE_MAX_MSGS,
    expiresMs: DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS,
  };
  if (v.kind === "bool") return v.value ? rp : undefined;
  if (v.kind !== "map") {
    issues.error(v, "error parsing response permissions, expected a boolean or a map");
    return undefined;
  }
  for (const re of v.entries.values()) {
    switch (re.key.toLowerCase()) {
      case "max":
      case "max_msgs":
      case "max_messages":
      case "max_responses": {
        // Negative means unlimited; 0 keeps the default.
        const max = getInteger(issues, re);
        if (max) rp.maxMsgs = max;
        break;
      }
      case "expires":
      case "expiration":
      case "ttl": {
        if (re.value.kind !== "string") {
          issues.error(re.value, "error parsing expires, not a duration string");
          return undefined;
        }
        try {
          const ms = parseDuration(re.value.value);
          if (ms !== 0) rp.expiresMs = ms;
        } catch (err) {
          issues.error(re.value, `error parsing expires: ${(err as Error).message}`);
          return undefined;
        }
        break;
      }
      default:
        issues.unknown(re, `Unknown field "${re.key}" parsing permissions`);
    }
  }
  return rp;
}

/** TLS keys nats-server knows that tsnats does not honour yet (one warning each). */
const TLS_UNSUPPORTED = new Set([
  "insecure",
  "verify_cert_and_check_known_urls",
  "cipher_suites",
  "curve_preferences",
  "connection_rate_limit",
  "pinned_certs",
]);

/** nats-server opts.go parseTLS for the client `tls` block. */
export function parseTls(issues: Issues, block: MapEntry): TlsOptions | undefined {
  const map = getMap(issues, block);
  if (!map) return undefined;
  const tls: TlsOptions = {};
  for (const e of map.entries.values()) {
    const key = e.key.toLowerCase();
    switch (key) {
      case "cert_file":
      case "key_file":
      case "ca_file": {
        if (e.value.kind !== "string") {
          issues.error(e.value, `error parsing tls config, expected '${key}' to be filename`);
          break;
        }
        if (key === "cert_file") tls.certFile = e.value.value;
        else if (key === "key_file") tls.keyFile = e.value.value;
        else tls.caFile = e.value.value;
        break;
      }
      case "verify":
        tls.verify = tlsBool(issues, e, key);
        break;
      case "verify_and_map": {
        const b = tlsBool(issues, e, key);
        if (b) tls.verify = true;
        tls.verifyAndMap = b;
        break;
      }
      case "handshake_first": // nats-server 2.10+; tsnats supports it
        tls.handshakeFirst = tlsBool(issues, e, key);
        break;
      case "timeout":
        tls.timeoutMs = tlsTimeoutMs(issues, e);
        break;
      default:
        if (TLS_UNSUPPORTED.has(key)) issues.unsupported(e, `tls.${e.key}`);
        else issues.unknown(e, `error parsing tls config, unknown field ["${e.key}"]`);
    }
  }
  return tls;
}

function tlsBool(issues: Issues, e: MapEntry, key: string): boolean | undefined {
  if (e.value.kind === "bool") return e.value.value;
  issues.error(e.value, `error parsing tls config, expected '${key}' to be a boolean`);
  return undefined;
}

/** TLS `timeout`: seconds as integer or float, or a duration string. */
function tlsTimeoutMs(issues: Issues, e: MapEntry): number | undefined {
  const v = e.value;
  if (v.kind === "integer" || v.kind === "float") return v.value * 1000;
  if (v.kind === "string") return getDurationMs(issues, e, false);
  issues.error(v, "error parsing tls config, 'timeout' wrong type");
  return undefined;
}

/** What a `jetstream` value (bool, "enabled"/"disabled" or a block) sets. */
export interface JetStreamConfig {
  enabled: boolean;
  storeDir?: string;
  options: JetStreamOptions;
}

/** JetStream block keys nats-server 2.9.10 knows that tsnats ignores for now. */
const JS_UNSUPPORTED = new Set([
  "key",
  "ek",
  "encryption_key",
  "prev_key",
  "prev_ek",
  "prev_encryption_key",
  "extension_hint",
  "max_outstanding_catchup",
  "cipher",
  "unique_tag",
  "max_buffered_msgs",
  "max_buffered_size",
]);

/** nats-server opts.go parseJetStream: a boolean, "enabled"/"disabled", or a block. */
export function parseJetStream(issues: Issues, e: MapEntry): JetStreamConfig | undefined {
  const v = e.value;
  if (v.kind === "bool") return { enabled: v.value, options: {} };
  if (v.kind === "string") {
    const s = v.value.toLowerCase();
    if (s === "enabled" || s === "enable") return { enabled: true, options: {} };
    if (s === "disabled" || s === "disable") return { enabled: false, options: {} };
    issues.error(v, `Expected 'enabled' or 'disabled' for string value, got '${v.value}'`);
    return undefined;
  }
  if (v.kind !== "map") {
    issues.error(v, `Expected map, bool or string to define JetStream, got ${describeNode(v)}`);
    return undefined;
  }
  const js: JetStreamConfig = { enabled: true, options: {} };
  for (const je of v.entries.values()) parseJetStreamKey(issues, je, js);
  return js;
}

function parseJetStreamKey(issues: Issues, je: MapEntry, js: JetStreamConfig): void {
  const o = js.options;
  switch (je.key.toLowerCase()) {
    case "store":
    case "store_dir":
    case "storedir":
      js.storeDir = getString(issues, je);
      break;
    case "sync":
    case "sync_interval":
      if (je.value.kind === "string" && je.value.value.toLowerCase() === "always") o.syncAlways = true;
      else o.syncIntervalMs = getDurationMs(issues, je, true);
      break;
    case "max_memory_store":
    case "max_mem_store":
    case "max_mem":
      o.maxMemoryBytes = storageSize(issues, je);
      break;
    case "max_file_store":
    case "max_file":
      o.maxStoreBytes = storageSize(issues, je);
      break;
    case "domain":
      o.domain = getString(issues, je);
      break;
    case "request_queue_limit":
      o.requestQueueLimit = getInteger(issues, je);
      break;
    case "limits":
      parseJetStreamLimits(issues, je, o);
      break;
    case "enable":
    case "enabled": {
      const b = getBool(issues, je);
      if (b !== undefined) js.enabled = b;
      break;
    }
    default:
      if (JS_UNSUPPORTED.has(je.key.toLowerCase())) issues.unsupported(je, `jetstream.${je.key}`);
      else issues.unknown(je);
  }
}

/** `jetstream { limits { max_ack_pending, max_request_batch, duplicate_window, max_ha_assets } }`. */
function parseJetStreamLimits(issues: Issues, e: MapEntry, o: JetStreamOptions): void {
  if (e.value.kind !== "map") {
    issues.error(e.value, `Expected a map to define JetStreamLimits, got ${describeNode(e.value)}`);
    return;
  }
  for (const le of e.value.entries.values()) {
    switch (le.key.toLowerCase()) {
      case "max_ack_pending":
        o.maxAckPending = getInteger(issues, le);
        break;
      case "max_request_batch":
        o.maxRequestBatch = getInteger(issues, le);
        break;
      case "duplicate_window":
        o.duplicateWindowMs = getDurationMs(issues, le, true);
        break;
      case "max_ha_assets":
        issues.unsupported(le, `jetstream.limits.${le.key}`);
        break;
      default:
        issues.unknown(le);
    }
  }
}

/** nats-server opts.go parseJetStreamForAccount: a block's limits (absent keys unlimited). */
export function parseAccountJetStreamLimits(issues: Issues, e: MapEntry): JetStreamAccountLimits | undefined {
  if (e.value.kind !== "map") return undefined;
  const lim = unlimitedJetStream();
  const sizes: Record<string, keyof JetStreamAccountLimits> = {
    max_memory: "maxMemory", max_mem: "maxMemory", mem: "maxMemory", memory: "maxMemory",
    max_store: "maxStore", max_file: "maxStore", max_disk: "maxStore", store: "maxStore", disk: "maxStore",
    max_streams: "maxStreams", streams: "maxStreams",
    max_consumers: "maxConsumers", consumers: "maxConsumers",
    mem_max_stream_bytes: "memoryMaxStreamBytes", memory_max_stream_bytes: "memoryMaxStreamBytes",
    disk_max_stream_bytes: "storeMaxStreamBytes", store_max_stream_bytes: "storeMaxStreamBytes",
    max_ack_pending: "maxAckPending",
  };
  for (const le of e.value.entries.values()) {
    const key = le.key.toLowerCase();
    const field = sizes[key];
    if (field !== undefined) {
      const n = storageSize(issues, le);
      if (n !== undefined) (lim as unknown as Record<string, number>)[field] = n;
    } else if (key === "max_bytes_required" || key === "max_stream_bytes" || key === "max_bytes") {
      const b = getBool(issues, le);
      if (b !== undefined) lim.maxBytesRequired = b;
    } else {
      issues.unknown(le);
    }
  }
  return lim;
}

/** nats-server opts.go getStorageSize: an integer, or a string like "1G" (K/M/G/T, powers of 1024). */
function storageSize(issues: Issues, e: MapEntry): number | undefined {
  const v = e.value;
  if (v.kind === "integer") return v.value;
  if (v.kind !== "string") {
    issues.error(v, `${e.key} must be int64 or string`);
    return undefined;
  }
  if (v.value === "") return 0;
  const m = /^([+-]?\d+)([KMGT])$/.exec(v.value);
  if (!m) {
    issues.error(v, `${e.key}: sizes defined as strings must end in K, M, G, T`);
    return undefined;
  }
  const shift = { K: 10, M: 20, G: 30, T: 40 }[m[2] as "K" | "M" | "G" | "T"];
  return Number(m[1]) * 2 ** shift;
}
