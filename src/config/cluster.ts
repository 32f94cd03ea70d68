/**
 * The `cluster {}` and `gateway {}` blocks: nats-server opts.go parseCluster,
 * parseGateway, parseGateways and parseCompression. Keys, aliases and error texts follow
 * v2.9.10; keys added since (pool_size, accounts, compression, connect_backoff,
 * ping_interval, ping_max, write_deadline) are accepted as the newest nats-server does.
 * An unknown key is an error, as in nats-server.
 */
import {
  COMPRESSION_ACCEPT,
  COMPRESSION_OFF,
  type ClusterOptions,
  type CompressionOptions,
  type GatewayOptions,
  type PermissionsOptions,
  type RemoteGatewayOptions,
  type RoutePermissionsOptions,
} from "../server/options.js";
import { ROUTE_MAX_PING_INTERVAL_MS } from "../server/kind-timings.js";
import { parseAuthorization, parsePermissions } from "./blocks.js";
import type { MapEntry } from "./parser.js";
import { parseTls } from "./tls.js";
import {
  checkedUrl,
  describeNode,
  getBool,
  getDurationMs,
  getInteger,
  getString,
  getStringArray,
  getUrls,
  hostPortKey,
  parseDuration,
  type Issues,
} from "./values.js";

/** nats-server errors.go ErrClusterNameHasSpaces / ErrGatewayNameHasSpaces. */
const ERR_CLUSTER_NAME_SPACES = "cluster name cannot contain spaces or new lines";
const ERR_GATEWAY_NAME_SPACES = "gateway name cannot contain spaces or new lines";

/** nats-server opts.go parseCluster. */
export function parseCluster(issues: Issues, e: MapEntry): Partial<ClusterOptions> | undefined {
  const map = e.value;
  if (map.kind !== "map") {
    issues.error(map, `Expected map to define cluster, got ${describeNode(map)}`);
    return undefined;
  }
  const c: Partial<ClusterOptions> = {};
  let authPerms: PermissionsOptions | undefined;
  for (const ce of map.entries.values()) {
    const key = ce.key.toLowerCase();
    if (commonListenerKey(issues, c, ce, key)) continue;
    switch (key) {
      case "name":
        c.name = name(issues, ce, ERR_CLUSTER_NAME_SPACES);
        break;
      case "authorization":
        authPerms = routeAuthorization(issues, c, ce, "Cluster");
        break;
      case "routes":
        c.routes = getUrls(issues, ce, "route");
        break;
      case "tls":
        c.tls = parseTls(issues, ce, false);
        break;
      case "cluster_advertise":
      case "advertise":
        c.advertise = getString(issues, ce);
        break;
      case "no_advertise":
        c.noAdvertise = getBool(issues, ce);
        break;
      case "permissions":
        c.permissions = routePermissions(issues, ce);
        break;
      case "pool_size":
        c.poolSize = getInteger(issues, ce);
        break;
      case "accounts":
        c.pinnedAccounts = getStringArray(issues, ce, "accounts");
        break;
      case "compression":
        c.compression = parseCompression(issues, ce, "s2_fast");
        warnCompression(issues, ce, c.compression, "route");
        break;
      case "ping_interval":
        c.pingIntervalMs = getDurationMs(issues, ce, true);
        if (c.pingIntervalMs !== undefined && c.pingIntervalMs > ROUTE_MAX_PING_INTERVAL_MS) {
          issues.natsWarn(ce.value, `Cluster 'ping_interval' will reset to 30s which is the max for routes`);
        }
        break;
      case "ping_max":
        c.pingMax = getInteger(issues, ce);
        break;
      default:
        issues.unknown(ce);
    }
  }
  // Permissions in the authorization block are the deprecated form; the block's own win.
  if (authPerms && c.permissions === undefined) c.permissions = toRoutePermissions(authPerms);
  return c;
}

/** Keys every route-like listener has: listen, host, port, connect_retries, ... */
function commonListenerKey(issues: Issues, c: Partial<ClusterOptions> | Partial<GatewayOptions>, e: MapEntry, key: string): boolean {
  if (hostPortKey(issues, c, e, key)) return true;
  switch (key) {
    case "connect_retries":
      c.connectRetries = getInteger(issues, e);
      return true;
    case "connect_backoff":
      c.connectBackoff = getBool(issues, e);
      return true;
    case "write_deadline":
      c.writeDeadlineMs = getDurationMs(issues, e, true);
      return true;
    case "write_timeout":
      writeTimeoutPolicy(issues, e);
      return true;
    default:
      return false;
  }
}

/** nats-server 2.12 `write_timeout`: default, retry or close. */
function writeTimeoutPolicy(issues: Issues, e: MapEntry): void {
  const s = getString(issues, e);
  if (s !== undefined && !["default", "retry", "close"].includes(s.toLowerCase())) {
    issues.error(e.value, `write_timeout must be 'default', 'close' or 'retry'`);
  } else issues.unsupported(e);
}

/**
 * A cluster or gateway name. nats-server 2.10+ refuses spaces; v2.9 takes them, so tsnats
 * warns (a config either version accepts loads).
 */
function name(issues: Issues, e: MapEntry, spacesError: string): string | undefined {
  const n = getString(issues, e);
  if (n !== undefined && /\s/.test(n)) issues.warn(e.value, `${spacesError} (nats-server 2.10+ refuses it)`);
  return n;
}

/**
 * The `authorization` of routes and gateways: one user/password, no users, no token,
 * no callout. Returns the (deprecated) permissions given there.
 */
function routeAuthorization(
  issues: Issues,
  c: Partial<ClusterOptions> | Partial<GatewayOptions>,
  e: MapEntry,
  kind: "Cluster" | "Gateway",
): PermissionsOptions | undefined {
  const auth = parseAuthorization(issues, e);
  if (!auth) return undefined;
  if (auth.users !== undefined) {
    issues.error(e.value, `${kind} authorization does not allow multiple users`);
    return undefined;
  }
  if (auth.token !== undefined) {
    issues.error(e.value, `${kind} authorization does not support tokens`);
    return undefined;
  }
  if (auth.callout !== undefined) {
    issues.error(e.value, `${kind} authorization does not support callouts`);
    return undefined;
  }
  if (auth.username !== undefined) c.username = auth.username;
  if (auth.password !== undefined) c.password = auth.password;
  if (auth.timeoutMs !== undefined) c.authTimeoutMs = auth.timeoutMs;
  if (auth.defaultPermissions !== undefined) {
    if (kind === "Gateway") return undefined;
    issues.natsWarn(e.value, `setting "permissions" within cluster authorization block is deprecated`);
  }
  return auth.defaultPermissions;
}

/** `cluster { permissions {...} }`: import/export subjects, no response permissions. */
function routePermissions(issues: Issues, e: MapEntry): RoutePermissionsOptions | undefined {
  const p = parsePermissions(issues, e);
  if (!p) return undefined;
  if (p.allowResponses !== undefined) {
    issues.error(e.value, "Cluster permissions do not support dynamic responses");
    return undefined;
  }
  return toRoutePermissions(p);
}

/** nats-server setClusterPermissions: publish is import, subscribe is export. */
function toRoutePermissions(p: PermissionsOptions): RoutePermissionsOptions {
  const r: RoutePermissionsOptions = {};
  if (p.publish) r.import = p.publish;
  if (p.subscribe) r.export = p.subscribe;
  return r;
}

/**
 * nats-server opts.go parseCompression: a mode string, a boolean (`true` means
 * `onMode`), or `{mode, rtt_thresholds}`. Mode names are checked when the server starts.
 */
export function parseCompression(issues: Issues, e: MapEntry, onMode: string): CompressionOptions | undefined {
  const v = e.value;
  if (v.kind === "string") return { mode: v.value };
  if (v.kind === "bool") return { mode: v.value ? onMode : COMPRESSION_OFF };
  if (v.kind !== "map") {
    issues.error(v, `field "${e.key}" should be a boolean or a structure, got ${describeNode(v)}`);
    return undefined;
  }
  const c: CompressionOptions = { mode: "" };
  for (const ce of v.entries.values()) {
    switch (ce.key.toLowerCase()) {
      case "mode":
        c.mode = getString(issues, ce) ?? "";
        break;
      case "rtt_thresholds":
      case "thresholds":
      case "rtts":
      case "rtt":
        c.rttThresholdsMs = rttThresholds(issues, ce);
        break;
      default:
        issues.unknown(ce);
    }
  }
  return c;
}

/** Compression modes that need nothing from tsnats: off, or compress only if the peer asks. */
const UNCOMPRESSED_MODES: ReadonlySet<string> = new Set([COMPRESSION_OFF, "disabled", COMPRESSION_ACCEPT]);

/**
 * tsnats does not speak s2: it advertises no compression, so a 2.10+ peer falls back to an
 * uncompressed link (2.9 has none). A mode that asks for compression is warned about once.
 */
export function warnCompression(issues: Issues, e: MapEntry, c: CompressionOptions | undefined, what: string): void {
  if (c === undefined || UNCOMPRESSED_MODES.has(c.mode.toLowerCase())) return;
  issues.warn(e.value, `${what} compression "${c.mode}" is not supported by tsnats, the connection runs uncompressed`);
}

function rttThresholds(issues: Issues, e: MapEntry): number[] | undefined {
  if (e.value.kind !== "array") {
    issues.error(e.value, `expected an array of durations for "${e.key}", got ${describeNode(e.value)}`);
    return undefined;
  }
  const out: number[] = [];
  for (const item of e.value.items) {
    if (item.kind !== "string") {
      issues.error(item, `expected a duration string in "${e.key}", got ${describeNode(item)}`);
      continue;
    }
    try {
      out.push(parseDuration(item.value));
    } catch (err) {
      issues.error(item, (err as Error).message);
    }
  }
  return out;
}

/** nats-server opts.go parseGateway. */
export function parseGateway(issues: Issues, e: MapEntry): Partial<GatewayOptions> | undefined {
  const map = e.value;
  if (map.kind !== "map") {
    issues.error(map, `Expected gateway to be a map, got ${describeNode(map)}`);
    return undefined;
  }
  const g: Partial<GatewayOptions> = {};
  for (const ge of map.entries.values()) {
    const key = ge.key.toLowerCase();
    if (commonListenerKey(issues, g, ge, key)) continue;
    switch (key) {
      case "name":
        g.name = name(issues, ge, ERR_GATEWAY_NAME_SPACES);
        break;
      case "authorization":
        routeAuthorization(issues, g, ge, "Gateway");
        break;
      case "tls":
        g.tls = parseTls(issues, ge, false);
        break;
      case "advertise":
        g.advertise = getString(issues, ge);
        break;
      case "gateways":
        g.gateways = parseGateways(issues, ge);
        break;
      case "reject_unknown":
      case "reject_unknown_cluster":
        g.rejectUnknownCluster = getBool(issues, ge);
        break;
      default:
        issues.unknown(ge);
    }
  }
  return g;
}

/** nats-server opts.go parseGateways: `[{name, url | urls, tls}]`. */
function parseGateways(issues: Issues, e: MapEntry): RemoteGatewayOptions[] | undefined {
  if (e.value.kind !== "array") {
    issues.error(e.value, `Expected gateways field to be an array, got ${describeNode(e.value)}`);
    return undefined;
  }
  const out: RemoteGatewayOptions[] = [];
  for (const item of e.value.items) {
    if (item.kind !== "map") {
      issues.error(item, `Expected gateway entry to be a map/struct, got ${describeNode(item)}`);
      continue;
    }
    const gw: RemoteGatewayOptions = { name: "", urls: [] };
    for (const ge of item.entries.values()) {
      switch (ge.key.toLowerCase()) {
        case "name":
          gw.name = getString(issues, ge) ?? "";
          break;
        case "tls": {
          const tls = parseTls(issues, ge, false);
          if (tls) gw.tls = tls;
          break;
        }
        case "url": {
          const url = checkedUrl(issues, ge.value, "gateway");
          if (url !== undefined) gw.urls.push(url);
          break;
        }
        case "urls":
          gw.urls = getUrls(issues, ge, "gateway") ?? [];
          break;
        default:
          issues.unknown(ge);
      }
    }
    out.push(gw);
  }
  return out;
}
