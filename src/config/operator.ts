/**
 * Operator mode (decentralized JWT authentication) settings: `operator`, `resolver`,
 * `resolver_preload`, `resolver_tls`, `resolver_pinned_accounts`, `trusted_keys`.
 * nats-server opts.go processConfigFileLine and jwt.go readOperatorJWT: operator JWTs
 * are read from a file (or given inline), decoded and their signature verified with the
 * official @nats-io/jwt, so `-t` refuses a bad JWT as nats-server does. tsnats parses
 * these fully; the server still refuses to start with them (not supported yet).
 */
import { readFileSync, statSync } from "node:fs";
import type { OperatorOptions, ResolverOptions, ServerOptions } from "../server/options.js";
import { DEFAULT_ACCOUNT_FETCH_TIMEOUT_MS, DEFAULT_RESOLVER_CACHE_LIMIT, DEFAULT_RESOLVER_SYNC_INTERVAL_MS } from "../server/options.js";
import { lazyRequire } from "../util/lazy-require.js";
import { isPublicKey } from "./blocks.js";
import type { ConfigNode, MapEntry, MapNode } from "./parser.js";
import { parseTls } from "./tls.js";
import { checkedUrl, describeNode, getStringArray, parseDuration, type Issues } from "./values.js";

const jwtLib = lazyRequire<typeof import("@nats-io/jwt")>("@nats-io/jwt");

/** Every top-level key of operator mode, with its aliases. */
export const OPERATOR_MODE_KEYS: ReadonlySet<string> = new Set([
  "operator",
  "operators",
  "root",
  "roots",
  "root_operator",
  "root_operators",
  "resolver",
  "account_resolver",
  "accounts_resolver",
  "resolver_preload",
  "resolver_tls",
  "resolver_pinned_accounts",
  "trusted",
  "trusted_keys",
]);

/** What the operator-mode keys set. */
export type OperatorModeConfig = Pick<ServerOptions, "operators" | "resolver" | "resolverPreload" | "resolverTls" | "resolverPinnedAccounts" | "trustedKeys">;

/** Maps one operator-mode key into `out`. */
export function parseOperatorModeKey(issues: Issues, out: OperatorModeConfig, e: MapEntry, key: string): void {
  switch (key) {
    case "operator":
    case "operators":
    case "root":
    case "roots":
    case "root_operator":
    case "root_operators":
      out.operators = parseOperators(issues, e);
      break;
    case "resolver":
    case "account_resolver":
    case "accounts_resolver":
      out.resolver = parseResolver(issues, e);
      break;
    case "resolver_preload":
      out.resolverPreload = parsePreload(issues, e);
      break;
    case "resolver_tls":
      out.resolverTls = parseTls(issues, e);
      break;
    case "resolver_pinned_accounts":
      out.resolverPinnedAccounts = getStringArray(issues, e, "resolver_pinned_accounts");
      break;
    default:
      out.trustedKeys = parseTrustedKeys(issues, e);
  }
}

/** `operator`: a JWT file name or an inline JWT, or a list of them. */
function parseOperators(issues: Issues, e: MapEntry): OperatorOptions[] | undefined {
  const v = e.value;
  const names: ConfigNode[] = v.kind === "array" ? v.items : [v];
  const out: OperatorOptions[] = [];
  for (const n of names) {
    if (n.kind !== "string") {
      issues.error(n, `error parsing operators: unsupported type ${describeNode(n)}`);
      continue;
    }
    try {
      out.push(readOperator(n.value));
    } catch (err) {
      issues.error(n, `error parsing operator JWT: ${(err as Error).message}`);
    }
  }
  return out;
}

/** jwt.go readOperatorJWT: the file's (decorated) JWT, or the value itself if it is one. */
function readOperator(fileOrJwt: string): OperatorOptions {
  let text: string;
  try {
    text = readFileSync(fileOrJwt, "utf8");
  } catch (err) {
    if (!fileOrJwt.startsWith("eyJ")) throw new Error(`open ${fileOrJwt}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`);
    text = fileOrJwt;
  }
  const token = decoratedJwt(text);
  const claims = decodeClaims(token, "operator");
  const nats = (claims.nats ?? {}) as Record<string, unknown>;
  const op: OperatorOptions = {
    jwt: token,
    subject: String(claims.sub ?? ""),
    signingKeys: Array.isArray(nats.signing_keys) ? nats.signing_keys.map(String) : [],
  };
  if (typeof claims.name === "string") op.name = claims.name;
  if (typeof nats.system_account === "string" && nats.system_account !== "") op.systemAccount = nats.system_account;
  if (typeof nats.account_server_url === "string" && nats.account_server_url !== "") op.accountServerUrl = nats.account_server_url;
  return op;
}

/** jwt ParseDecoratedJWT: the JWT between `-----BEGIN ... JWT-----` lines, or the trimmed text. */
export function decoratedJwt(text: string): string {
  const m = /-{3,}[^\n]*-{3,}\r?\n([\w\-.=]+)\r?\n-{3,}[^\n]*-{3,}/.exec(text);
  return m ? m[1]! : text.trim();
}

/**
 * Decodes and verifies a JWT with @nats-io/jwt and checks its claim type (v2 `nats.type`,
 * v1 `type`) and that an operator signed it, as jwt.Decode*Claims do.
 */
export function decodeClaims(token: string, type: "operator" | "account"): Record<string, unknown> {
  const claims = jwtLib().decode<Record<string, unknown>>(token) as unknown as Record<string, unknown>;
  const nats = (claims.nats ?? {}) as Record<string, unknown>;
  const got = nats.type ?? claims.type;
  if (got !== type) throw new Error(`not ${type === "operator" ? "an operator" : "an account"} claim`);
  if (typeof claims.iss !== "string" || !isPublicKey(claims.iss, "O")) throw new Error("invalid issuer for claim");
  return claims;
}

/** The accepted string forms: `MEM`/`MEMORY`, `URL(url)`. */
const MEM_RESOLVER = /(MEM|MEMORY)\s*/i;
const URL_RESOLVER = /(?:URL)(?:\(\s*"?([^\s"]*)"?\s*\))?\s*/i;
const RESOLVER_HINT =
  'error parsing account resolver, should be MEM or  URL("url") or a map containing dir and type state=[FULL|CACHE])';

/** nats-server `resolver`: MEMORY, URL(...), or `{type: full|cache|mem, dir, ...}`. */
function parseResolver(issues: Issues, e: MapEntry): ResolverOptions | undefined {
  const v = e.value;
  if (v.kind === "string") {
    if (MEM_RESOLVER.test(v.value)) return { type: "memory" };
    const m = URL_RESOLVER.exec(v.value);
    if (m) {
      const url = checkedUrl(issues, { ...v, value: m[1] ?? "" }, "account resolver");
      return url === undefined ? undefined : { type: "url", url };
    }
    issues.error(v, RESOLVER_HINT);
    return undefined;
  }
  if (v.kind !== "map") {
    issues.error(v, `error parsing operator resolver, wrong type ${describeNode(v)}`);
    return undefined;
  }
  return parseDirResolver(issues, v);
}

/** The map form of `resolver` (nats-server's checks, in its order and words). */
function parseDirResolver(issues: Issues, m: MapNode): ResolverOptions | undefined {
  const r = readResolverMap(issues, m);
  if (r === undefined) return undefined;
  const type = r.type.toUpperCase();
  if (type === "MEM" || type === "MEMORY") return { type: "memory" };
  if (type !== "FULL" && type !== "CACHE") {
    issues.error(m, RESOLVER_HINT);
    return undefined;
  }
  const before = issues.errors.length;
  if (r.dir === "") issues.error(m, "dir has no value and needs to point to a directory");
  else if (!accessibleDir(r.dir)) issues.error(m, "dir needs to point to an accessible directory");
  if (type === "CACHE") {
    if (r.intervalMs !== 0) issues.error(m, "CACHE does not accept sync");
    if (r.allowDelete) issues.error(m, "CACHE does not accept allow_delete");
    if (r.hardDelete !== undefined) issues.error(m, "CACHE does not accept hard_delete");
  } else {
    if (r.ttlMs !== 0) issues.error(m, "FULL does not accept ttl");
    if (r.hardDelete !== undefined && !r.allowDelete) issues.error(m, "hard_delete has no effect without delete");
  }
  if (issues.errors.length > before) return undefined;
  if (type === "CACHE") {
    return { type: "cache", dir: r.dir, limit: r.limit > 0 ? r.limit : DEFAULT_RESOLVER_CACHE_LIMIT, ttlMs: r.ttlMs, timeoutMs: r.timeoutMs };
  }
  const full: ResolverOptions = {
    type: "full",
    dir: r.dir,
    allowDelete: r.allowDelete,
    hardDelete: r.hardDelete === true,
    intervalMs: r.intervalMs > 0 ? r.intervalMs : DEFAULT_RESOLVER_SYNC_INTERVAL_MS,
    timeoutMs: r.timeoutMs,
  };
  if (r.limit > 0) full.limit = r.limit;
  return full;
}

interface ResolverMap {
  type: string;
  dir: string;
  allowDelete: boolean;
  hardDelete?: boolean;
  limit: number;
  ttlMs: number;
  intervalMs: number;
  timeoutMs: number;
}

/** The fields of a resolver map; like nats-server, other keys are ignored. */
function readResolverMap(issues: Issues, m: MapNode): ResolverMap | undefined {
  const r: ResolverMap = { type: "", dir: "", allowDelete: false, limit: 0, ttlMs: 0, intervalMs: 0, timeoutMs: DEFAULT_ACCOUNT_FETCH_TIMEOUT_MS };
  let ok = true;
  const field = (name: string, kind: ConfigNode["kind"]): ConfigNode | undefined => {
    const e = m.entries.get(name);
    if (e === undefined) return undefined;
    if (e.value.kind === kind) return e.value;
    issues.error(e.value, `expected ${kind === "integer" ? "an integer" : `a ${kind}`} for resolver "${name}", got ${describeNode(e.value)}`);
    ok = false;
    return undefined;
  };
  const str = (name: string): string | undefined => {
    const n = field(name, "string");
    return n?.kind === "string" ? n.value : undefined;
  };
  const dur = (name: string): number => {
    const s = str(name);
    if (s === undefined) return 0;
    try {
      return parseDuration(s);
    } catch (err) {
      issues.error(m.entries.get(name)!.value, (err as Error).message);
      ok = false;
      return 0;
    }
  };
  r.dir = str("dir") ?? "";
  r.type = str("type") ?? "";
  const del = field("allow_delete", "bool");
  if (del?.kind === "bool") r.allowDelete = del.value;
  const hard = field("hard_delete", "bool");
  if (hard?.kind === "bool") r.hardDelete = hard.value;
  const limit = field("limit", "integer");
  if (limit?.kind === "integer") r.limit = limit.value;
  r.ttlMs = dur("ttl");
  r.intervalMs = dur("interval");
  if (m.entries.has("timeout")) r.timeoutMs = dur("timeout");
  return ok ? r : undefined;
}

/** Missing is fine (the resolver creates it); present must be a directory we may write. */
function accessibleDir(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.isDirectory() && (st.mode & 0o200) !== 0;
  } catch {
    return true;
  }
}

/** `resolver_preload { ACCOUNT_KEY: "account JWT" }`. */
function parsePreload(issues: Issues, e: MapEntry): Record<string, string> | undefined {
  if (e.value.kind !== "map") {
    issues.error(e.value, "preload should be a map of account_public_key:account_jwt");
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const pe of e.value.entries.values()) {
    if (pe.value.kind !== "string") {
      issues.error(pe.value, "preload map value should be a string JWT");
      continue;
    }
    try {
      decodeClaims(pe.value.value, "account");
      out[pe.key] = pe.value.value;
    } catch {
      issues.error(pe.value, "invalid account JWT");
    }
  }
  return out;
}

/** `trusted_keys`: operator public keys. */
function parseTrustedKeys(issues: Issues, e: MapEntry): string[] | undefined {
  const keys = getStringArray(issues, e, "trusted");
  for (const k of keys ?? []) {
    if (!isPublicKey(k, "O")) issues.error(e.value, `trust key ${JSON.stringify(k)} required to be a valid public operator nkey`);
  }
  return keys;
}
