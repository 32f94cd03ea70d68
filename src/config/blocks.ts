/**
 * Mapping of the `authorization` block: users, permissions and the auth callout. Key
 * names, aliases, defaults and error texts follow nats-server v2.9.10 opts.go
 * (parseAuthorization, parseUsers, parseUserPermissions, parseAllowResponses,
 * parseSimpleAuth), and parseAuthCallout of 2.10+.
 */
import { lazyRequire } from "../util/lazy-require.js";

const nkeys = lazyRequire<typeof import("@nats-io/nkeys")>("@nats-io/nkeys");
import type {
  AuthCalloutOptions,
  PermissionsOptions,
  ResponsePermission,
  SubjectPermission,
  UserOptions,
} from "../server/options.js";
import type { MapEntry, MapNode } from "./parser.js";
import { describeNode, getBool, getInteger, getMap, getString, getStringList, parseDuration, type Issues } from "./values.js";

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
  /** `permissions` of the block: defaults for its users (routes: route permissions). */
  defaultPermissions?: PermissionsOptions;
  callout?: AuthCalloutOptions;
}

/**
 * nats-server opts.go parseAuthorization: the block's own fields. The checks that depend
 * on where the block is (top level, cluster, gateway) are the caller's.
 */
export function parseAuthorization(issues: Issues, block: MapEntry): AuthorizationConfig | undefined {
  const map = getMap(issues, block);
  if (!map) return undefined;
  const auth: AuthorizationConfig = {};
  let defaults: PermissionsOptions | undefined;
  for (const e of map.entries.values()) {
    if (credentialKey(issues, auth, e)) continue;
    switch (e.key.toLowerCase()) {
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
      case "auth_callout":
      case "auth_hook":
        setIf(auth, "callout", parseAuthCallout(issues, e));
        break;
      case "proxy_required": // nats-server 2.12+
        getBool(issues, e);
        issues.unsupported(e, `authorization.${e.key}`);
        break;
      default:
        issues.unknown(e);
    }
  }
  if (defaults) auth.defaultPermissions = defaults;
  if (defaults && auth.users) {
    for (const u of auth.users) u.permissions ??= defaults;
  }
  return auth;
}

/** The checks nats-server makes on the top-level `authorization` block. */
export function checkClientAuthorization(issues: Issues, block: MapEntry, auth: AuthorizationConfig): void {
  if ((auth.username || auth.password) && auth.token) {
    issues.error(block.value, "Cannot have a user/pass and token");
  }
  if (auth.users && auth.username) issues.error(block.value, "Can not have a single user/pass and a users array");
  if (auth.users && auth.token) issues.error(block.value, "Can not have a token and a users array");
}

/**
 * `timeout` in float seconds, or (2.10+) a duration string. nats-server v2.9 silently uses
 * 1s for anything else; so does tsnats, with a warning.
 */
export function authTimeoutMs(issues: Issues, e: MapEntry): number {
  const v = e.value;
  let ms: number | undefined;
  if (v.kind === "integer" || v.kind === "float") ms = v.value * 1000;
  else if (v.kind === "string") {
    try {
      ms = parseDuration(v.value);
    } catch {
      ms = undefined;
    }
  }
  if (ms === undefined) {
    issues.warn(v, `"timeout" should be a number of seconds, got ${describeNode(v)}; using 1s as nats-server does`);
    return 1000;
  }
  if (ms > 60_000) {
    issues.warn(
      v,
      `timeout of ${ms / 1000} seconds is high, consider keeping it under 60 seconds. possibly caused by unquoted duration; use '1m' instead of 1m, for example`,
    );
  }
  return ms;
}

/** The `authorization` of websocket and mqtt (nats-server parseSimpleAuth). */
export function parseSimpleAuth(issues: Issues, block: MapEntry): Omit<AuthorizationConfig, "users"> {
  const auth: AuthorizationConfig = {};
  const map = getMap(issues, block);
  if (!map) return auth;
  for (const e of map.entries.values()) {
    if (credentialKey(issues, auth, e)) continue;
    if (e.key.toLowerCase() === "timeout") {
      // nats-server: seconds as a number; anything else silently means 1s.
      auth.timeoutMs = e.value.kind === "integer" || e.value.kind === "float" ? e.value.value * 1000 : 1000;
    } else issues.unknown(e);
  }
  return auth;
}

/** `user`/`username`, `pass`/`password` and `token` of an authorization block. */
function credentialKey(issues: Issues, auth: AuthorizationConfig, e: MapEntry): boolean {
  switch (e.key.toLowerCase()) {
    case "user":
    case "username":
      auth.username = getString(issues, e);
      return true;
    case "pass":
    case "password":
      auth.password = getString(issues, e);
      return true;
    case "token":
      auth.token = getString(issues, e);
      return true;
    default:
      return false;
  }
}

/** nats-server 2.10+ opts.go parseAuthCallout; every problem is an error, as there. */
function parseAuthCallout(issues: Issues, e: MapEntry): AuthCalloutOptions | undefined {
  const map = e.value;
  if (map.kind !== "map") {
    issues.error(map, `Expected authorization callout to be a map/struct, got ${describeNode(map)}`);
    return undefined;
  }
  const ac: Partial<AuthCalloutOptions> = {};
  let ok = true;
  for (const ce of map.entries.values()) {
    switch (ce.key.toLowerCase()) {
      case "issuer":
        ac.issuer = getString(issues, ce);
        if (ac.issuer !== undefined && !isPublicKey(ac.issuer, "A")) {
          issues.error(ce.value, `Expected callout user to be a valid public account nkey, got "${ac.issuer}"`);
          ok = false;
        }
        break;
      case "account":
      case "acc":
        ac.account = getString(issues, ce);
        break;
      case "auth_users":
      case "users":
        ac.authUsers = calloutList(issues, ce, "auth_users");
        break;
      case "xkey":
      case "key":
        ac.xkey = getString(issues, ce);
        if (ac.xkey !== undefined && !isPublicKey(ac.xkey, "X")) {
          issues.error(ce.value, `Expected callout xkey to be a valid public xkey, got "${ac.xkey}"`);
          ok = false;
        }
        break;
      case "allowed_accounts":
        ac.allowedAccounts = calloutList(issues, ce, "allowed accounts");
        break;
      default:
        issues.unknown(ce, `Unknown field "${ce.key}" parsing authorization callout`);
    }
  }
  if (!ok) return undefined;
  if (ac.issuer === undefined) {
    issues.error(map, "Authorization callouts require an issuer to be specified");
    return undefined;
  }
  if (ac.authUsers === undefined || ac.authUsers.length === 0) {
    issues.error(map, "Authorization callouts require authorized users to be specified");
    return undefined;
  }
  return { ...ac, issuer: ac.issuer, authUsers: ac.authUsers, account: ac.account ?? "$G" };
}

function calloutList(issues: Issues, e: MapEntry, what: string): string[] | undefined {
  if (e.value.kind !== "array") {
    issues.error(e.value, `Expected ${what} field to be an array, got ${describeNode(e.value)}`);
    return undefined;
  }
  return getStringList(issues, e);
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
        setIf(u, "allowedConnectionTypes", checkConnectionTypes(issues, e));
        break;
      case "proxy_required": // nats-server 2.12+
        getBool(issues, e);
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

/** Connection types nats-server knows (jwt ConnectionType*, IN_PROCESS since 2.10). */
const CONNECTION_TYPES = new Set(["STANDARD", "WEBSOCKET", "LEAFNODE", "LEAFNODE_WS", "MQTT", "MQTT_WS", "IN_PROCESS"]);

/** nats-server convertAllowedConnectionTypes: unknown types are an error; known ones upper-cased. */
function checkConnectionTypes(issues: Issues, e: MapEntry): string[] | undefined {
  const types = (getStringList(issues, e) ?? []).map((t) => t.toUpperCase());
  const unknown = types.filter((t) => !CONNECTION_TYPES.has(t));
  if (unknown.length > 0) issues.error(e.value, `invalid connection types [${unknown.map((t) => JSON.stringify(t)).join(" ")}]`);
  return types.length > 0 ? types : undefined;
}

function isPublicUserKey(key: string): boolean {
  return isPublicKey(key, "U");
}

/** A valid public nkey of the kind its first letter says: U(ser), A(ccount), O(perator), X (curve). */
export function isPublicKey(key: string, prefix: "U" | "A" | "O" | "N" | "X"): boolean {
  if (!key.startsWith(prefix)) return false;
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

export function permSubjects(issues: Issues, e: MapEntry): string[] | undefined {
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
