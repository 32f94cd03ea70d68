/**
 * Typed access to parsed config values, shared by the option mappers: each getter either
 * returns the value or records an error at the value's position and returns undefined,
 * so mapping goes on and every problem is reported at once.
 */
import { TsnatsError } from "../errors.js";
import { issueAt, type ConfigIssue } from "./issues.js";
import type { ConfigNode, MapEntry, MapNode } from "./parser.js";

/** Errors and warnings collected while mapping a config tree. */
export class Issues {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  /**
   * @param checkFiles also load the files a config names (TLS certificates and keys), as
   *   nats-server does while parsing; off for pure mapping of a tree.
   */
  constructor(readonly checkFiles = false) {}

  error(node: { pos: ConfigNode["pos"] }, message: string): void {
    this.errors.push(issueAt(node.pos, message));
  }

  /** A warning of tsnats's own: never fails `-t`. */
  warn(node: { pos: ConfigNode["pos"] }, message: string): void {
    this.warnings.push(issueAt(node.pos, message));
  }

  /** A warning nats-server gives too, with its text: `-t` fails on it, as nats-server's. */
  natsWarn(node: { pos: ConfigNode["pos"] }, message: string): void {
    this.warnings.push({ ...issueAt(node.pos, message), natsWarning: true });
  }

  /** nats-server's message for a key it does not know in this block. */
  unknown(e: MapEntry, message = `unknown field "${e.key}"`): void {
    // nats-server skips keys that were only defined to be used as `$variables`.
    if (!e.used) this.errors.push(issueAt(e.keyPos, message));
  }

  /** The one warning for a block or key nats-server knows but tsnats does not do yet. */
  unsupported(e: MapEntry, name = e.key): void {
    this.warnings.push(issueAt(e.keyPos, `"${name}" is not supported yet by tsnats, ignoring`));
  }
}

const ARTICLE: Record<ConfigNode["kind"], string> = {
  string: "a string",
  bool: "a boolean",
  integer: "an integer",
  float: "a float",
  datetime: "a date-time",
  array: "an array",
  map: "a map",
};

/** `integer 42` / `string "abc"`: what a type error says it got. */
export function describeNode(n: ConfigNode): string {
  switch (n.kind) {
    case "string":
      return `string "${n.value}"`;
    case "integer":
      return `integer ${n.raw}`;
    case "float":
    case "bool":
      return `${n.kind} ${String(n.value)}`;
    case "datetime":
      return `date-time ${n.raw}`;
    default:
      return n.kind;
  }
}

function typeError(issues: Issues, e: MapEntry, want: ConfigNode["kind"]): undefined {
  issues.error(e.value, `expected ${ARTICLE[want]} for "${e.key}", got ${describeNode(e.value)}`);
  return undefined;
}

export function getString(issues: Issues, e: MapEntry): string | undefined {
  return e.value.kind === "string" ? e.value.value : typeError(issues, e, "string");
}

export function getBool(issues: Issues, e: MapEntry): boolean | undefined {
  return e.value.kind === "bool" ? e.value.value : typeError(issues, e, "bool");
}

export function getInteger(issues: Issues, e: MapEntry): number | undefined {
  return e.value.kind === "integer" ? e.value.value : typeError(issues, e, "integer");
}

export function getMap(issues: Issues, e: MapEntry): MapNode | undefined {
  return e.value.kind === "map" ? e.value : typeError(issues, e, "map");
}

/** A string, or an array of strings (e.g. `server_tags`, permission subjects). */
export function getStringList(issues: Issues, e: MapEntry): string[] | undefined {
  const v = e.value;
  if (v.kind === "string") return [v.value];
  if (v.kind !== "array") {
    issues.error(v, `expected a string or an array of strings for "${e.key}", got ${describeNode(v)}`);
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  for (const item of v.items) {
    if (item.kind === "string") out.push(item.value);
    else {
      issues.error(item, `expected a string in "${e.key}", got ${describeNode(item)}`);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

const DURATION_UNITS_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3, // µ (micro sign)
  "\u03bcs": 1e3, // μ (Greek mu)
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Parses a Go duration string (`"2s"`, `"1m30s"`, `"500ms"`, `"1.5h"`, `"-3us"`) into
 * milliseconds, with Go time.ParseDuration's rules and error messages: nats-server takes
 * every duration option through it. Throws TsnatsError `ERR_CONFIG_DURATION`.
 */
export function parseDuration(s: string): number {
  const fail = (msg: string): never => {
    throw new TsnatsError("ERR_CONFIG_DURATION", msg);
  };
  const quoted = JSON.stringify(s);
  let rest = s;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") fail(`time: invalid duration ${quoted}`);
  let totalNs = 0;
  while (rest !== "") {
    const m = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const [num, int = "", frac] = m;
    if (int === "" && (frac === undefined || frac === "")) fail(`time: invalid duration ${quoted}`);
    rest = rest.slice(num.length);
    const u = /^[^\d.]*/.exec(rest)![0];
    if (u === "") fail(`time: missing unit in duration ${quoted}`);
    const unit = DURATION_UNITS_NS[u];
    if (unit === undefined) fail(`time: unknown unit ${JSON.stringify(u)} in duration ${quoted}`);
    rest = rest.slice(u.length);
    totalNs += Number(`${int || "0"}.${frac ?? "0"}`) * unit!;
  }
  if (totalNs > 2 ** 63 - 1) fail(`time: invalid duration ${quoted}`);
  return (sign * totalNs) / 1e6;
}

/**
 * A duration option: a Go duration string, or (as nats-server still accepts, with a
 * warning) an integer number of seconds. Returns milliseconds.
 */
export function getDurationMs(issues: Issues, e: MapEntry, allowSeconds: boolean): number | undefined {
  const v = e.value;
  if (v.kind === "string") {
    try {
      return parseDuration(v.value);
    } catch (err) {
      issues.error(v, `error parsing ${e.key}: ${(err as Error).message}`);
      return undefined;
    }
  }
  if (v.kind === "integer" && allowSeconds) {
    const hint = /[a-z]$/i.test(v.raw) ? ` (${v.raw} was read as a size; quote durations, e.g. "${v.raw}")` : "";
    issues.natsWarn(v, `invalid use of field "${e.key}": ${e.key} should be converted to a duration${hint}`);
    return v.value * 1000;
  }
  issues.error(v, `expected a duration string (e.g. "2s") for "${e.key}", got ${describeNode(v)}`);
  return undefined;
}

/** Host and port from `listen`-style values: a port, `host:port`, `:port` or `[v6]:port`. */
export interface HostPort {
  host?: string;
  port: number;
}

/**
 * The listener keys of cluster, gateway, leafnodes, websocket and mqtt blocks: `listen`
 * (host:port), `port`, `host` (alias `net`). False when `key` is none of them.
 */
export function hostPortKey(issues: Issues, o: { host?: string; port?: number }, e: MapEntry, key: string): boolean {
  switch (key) {
    case "listen": {
      const hp = parseListen(issues, e);
      if (hp) {
        if (hp.host !== undefined) o.host = hp.host;
        o.port = hp.port;
      }
      return true;
    }
    case "port":
      o.port = getInteger(issues, e);
      return true;
    case "host":
    case "net":
      o.host = getString(issues, e);
      return true;
    default:
      return false;
  }
}

/** nats-server opts.go parseListen, with Go net.SplitHostPort's address rules. */
export function parseListen(issues: Issues, e: MapEntry): HostPort | undefined {
  const v = e.value;
  if (v.kind === "integer") return { port: v.value };
  if (v.kind !== "string") {
    issues.error(v, `expected port or host:port for "${e.key}", got ${describeNode(v)}`);
    return undefined;
  }
  const s = v.value;
  let host: string;
  let port: string;
  const bracket = /^\[([^\]]*)\]:([^:]*)$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    port = bracket[2]!;
  } else {
    const i = s.lastIndexOf(":");
    if (i < 0 || s.indexOf(":") !== i || s.includes("[") || s.includes("]")) {
      issues.error(v, `could not parse address string "${s}"`);
      return undefined;
    }
    host = s.slice(0, i);
    port = s.slice(i + 1);
  }
  if (!/^[+-]?\d+$/.test(port)) {
    issues.error(v, `could not parse port "${port}"`);
    return undefined;
  }
  return { host, port: Number(port) };
}

/**
 * nats-server opts.go parseStringArray: a string or an array of strings (`field` names
 * the option in messages, e.g. "allowed origins").
 */
export function getStringArray(issues: Issues, e: MapEntry, field: string): string[] | undefined {
  const v = e.value;
  if (v.kind === "string") return [v.value];
  if (v.kind !== "array") {
    issues.error(v, `error parsing ${field}: unsupported type ${describeNode(v)}`);
    return undefined;
  }
  const out: string[] = [];
  for (const item of v.items) {
    if (item.kind === "string") out.push(item.value);
    else issues.error(item, `error parsing ${field}: unsupported type in array ${describeNode(item)}`);
  }
  return out;
}

/** nats-server opts.go getStorageSize: an integer, or a string like "1G" (K/M/G/T, powers of 1024). */
export function getStorageSize(issues: Issues, e: MapEntry, label = e.key): number | undefined {
  const v = e.value;
  if (v.kind === "integer") return v.value;
  if (v.kind !== "string") {
    issues.error(v, `${label} must be int64 or string`);
    return undefined;
  }
  if (v.value === "") return 0;
  const num = v.value.slice(0, -1);
  if (!/^[+-]?\d+$/.test(num)) {
    issues.error(v, `${label} strconv.ParseInt: parsing ${JSON.stringify(num)}: invalid syntax`);
    return undefined;
  }
  const shift = { K: 10, M: 20, G: 30, T: 40 }[v.value.slice(-1)];
  if (shift === undefined) {
    issues.error(v, `${label} sizes defined as strings must end in K, M, G, T`);
    return undefined;
  }
  return Number(num) * 2 ** shift;
}

/**
 * Why Go's url.Parse refuses `s` (after trimming spaces), or null when it takes it:
 * control characters, a missing scheme before `:`, a colon in a scheme-less first path
 * segment, a bad `%` escape, or a port that is not digits.
 */
export function urlParseError(raw: string): string | null {
  const s = raw.trim();
  if (/[\x00-\x1f\x7f]/.test(s)) return "net/url: invalid control character in URL";
  if (/%(?![0-9a-fA-F]{2})/.test(s.replace(/#.*$/, ""))) return "invalid URL escape";
  let rest = s;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  if (s.startsWith(":")) return "missing protocol scheme";
  if (scheme) rest = s.slice(scheme[0].length);
  else {
    const firstSegment = s.split(/[/?#]/, 1)[0] ?? "";
    if (firstSegment.includes(":")) return "first path segment in URL cannot contain colon";
  }
  if (!rest.startsWith("//")) return null;
  const authority = rest.slice(2).split(/[/?#]/, 1)[0] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  const bracket = /^\[[^\]]*\](.*)$/.exec(host);
  if (host.startsWith("[") && !bracket) return "missing ']' in host";
  const portPart = bracket ? bracket[1]! : host.includes(":") ? host.slice(host.indexOf(":")) : "";
  if (portPart !== "" && !/^:\d*$/.test(portPart)) return `invalid port ${JSON.stringify(portPart)} after host`;
  return null;
}

/**
 * nats-server opts.go parseURLs: every URL parsed as Go would; a repeated URL is a
 * warning and dropped. `what` names the kind in messages ("route", "gateway", "leafnode").
 */
export function getUrls(issues: Issues, e: MapEntry, what: string): string[] | undefined {
  const v = e.value;
  if (v.kind !== "array") {
    issues.error(v, `expected an array of ${what} URLs for "${e.key}", got ${describeNode(v)}`);
    return undefined;
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of v.items) {
    if (item.kind !== "string") {
      issues.error(item, `expected a ${what} URL string, got ${describeNode(item)}`);
      continue;
    }
    if (seen.has(item.value)) {
      issues.natsWarn(item, `Duplicate ${what} entry detected`);
      continue;
    }
    seen.add(item.value);
    const url = checkedUrl(issues, item, what);
    if (url !== undefined) out.push(url);
  }
  return out;
}

/** One URL, checked as parseURL does; returns it trimmed. */
export function checkedUrl(issues: Issues, node: ConfigNode, what: string): string | undefined {
  if (node.kind !== "string") {
    issues.error(node, `expected a ${what} URL string, got ${describeNode(node)}`);
    return undefined;
  }
  const url = node.value.trim();
  if (urlParseError(url) !== null) {
    issues.error(node, `error parsing ${what} url [${JSON.stringify(url)}]`);
    return undefined;
  }
  return url;
}
