/**
 * The `leafnodes {}` block (alias `leaf`): nats-server opts.go parseLeafNodes,
 * parseLeafAuthorization, parseLeafUsers and parseRemoteLeafNodes, with
 * validateLeafNodeAuthOptions and checkLeafMinVersionConfig. Keys of v2.9.10 and those
 * added since are accepted; an unknown key is an error, as in nats-server.
 */
import { homedir } from "node:os";
import type { LeafNodeOptions, LeafNodeUserOptions, RemoteLeafOptions } from "../server/options.js";
import { lazyRequire } from "../util/lazy-require.js";
import { authTimeoutMs, isPublicKey, permSubjects } from "./blocks.js";
import { parseCompression, warnCompression } from "./cluster.js";
import type { MapEntry, MapNode } from "./parser.js";
import { parseTls } from "./tls.js";
import { checkedUrl, describeNode, getBool, getDurationMs, getMap, getString, getUrls, hostPortKey, type Issues } from "./values.js";

const nkeys = lazyRequire<typeof import("@nats-io/nkeys")>("@nats-io/nkeys");

/** What the config gives for a leafnodes block (remotes partial, defaults come later). */
export type LeafNodeConfig = Partial<Omit<LeafNodeOptions, "remotes">> & { remotes?: Array<Partial<RemoteLeafOptions>> };

/** nats-server opts.go parseLeafNodes. */
export function parseLeafNodes(issues: Issues, e: MapEntry): LeafNodeConfig | undefined {
  const map = e.value;
  if (map.kind !== "map") {
    issues.error(map, `Expected map to define a leafnode, got ${describeNode(map)}`);
    return undefined;
  }
  const l: LeafNodeConfig = {};
  for (const le of map.entries.values()) {
    if (!leafKey(issues, l, le, le.key.toLowerCase())) issues.unknown(le);
  }
  return l;
}

/** One key of a leafnodes block; false when unknown. */
function leafKey(issues: Issues, l: LeafNodeConfig, e: MapEntry, key: string): boolean {
  if (hostPortKey(issues, l, e, key)) return true;
  switch (key) {
    case "authorization":
      leafAuthorization(issues, l, e);
      break;
    case "remotes":
      l.remotes = parseRemotes(issues, e);
      break;
    case "reconnect":
    case "reconnect_delay":
    case "reconnect_interval":
      l.reconnectMs = getDurationMs(issues, e, true);
      break;
    case "dial_timeout":
      l.dialTimeoutMs = getDurationMs(issues, e, true);
      break;
    case "tls":
      l.tls = parseTls(issues, e);
      break;
    case "leafnode_advertise":
    case "advertise":
      l.advertise = getString(issues, e);
      break;
    case "no_advertise":
      l.noAdvertise = getBool(issues, e);
      break;
    case "min_version":
    case "minimum_version":
      l.minVersion = minVersion(issues, e);
      if (l.minVersion !== undefined) issues.unsupported(e, `leafnodes.${e.key}`);
      break;
    case "compression":
      l.compression = parseCompression(issues, e, "s2_auto");
      warnCompression(issues, e, l.compression, "leafnode");
      break;
    case "write_deadline":
      l.writeDeadlineMs = getDurationMs(issues, e, true);
      break;
    case "isolate_leafnode_interest":
    case "isolate":
    case "write_timeout":
      issues.unsupported(e, `leafnodes.${e.key}`);
      break;
    default:
      return false;
  }
  return true;
}

/** nats-server parseLeafAuthorization, then validateLeafNodeAuthOptions. */
function leafAuthorization(issues: Issues, l: LeafNodeConfig, e: MapEntry): void {
  const map = getMap(issues, e);
  if (!map) return;
  for (const ae of map.entries.values()) {
    switch (ae.key.toLowerCase()) {
      case "user":
      case "username":
        l.username = getString(issues, ae);
        break;
      case "pass":
      case "password":
        l.password = getString(issues, ae);
        break;
      case "nkey": {
        const nk = getString(issues, ae);
        if (nk !== undefined && !isPublicKey(nk, "U")) issues.error(ae.value, "Not a valid public nkey for leafnode authorization");
        else l.nkey = nk;
        break;
      }
      case "timeout":
        l.authTimeoutMs = authTimeoutMs(issues, ae);
        break;
      case "users":
        l.users = leafUsers(issues, ae);
        break;
      case "account":
        l.account = getString(issues, ae);
        break;
      case "proxy_required":
        getBool(issues, ae);
        issues.unsupported(ae, `leafnodes.authorization.${ae.key}`);
        break;
      default:
        issues.unknown(ae);
    }
  }
  const problem = leafAuthProblem(l);
  if (problem !== undefined) issues.error(e.value, problem);
}

/** nats-server leafnode.go validateLeafNodeAuthOptions. */
function leafAuthProblem(l: LeafNodeConfig): string | undefined {
  if (!l.users || l.users.length === 0) return undefined;
  if (l.username) return "can not have a single user/pass and a users array";
  if (l.nkey) return "can not have a single nkey and a users array";
  const seen = new Set<string>();
  for (const u of l.users) {
    if (seen.has(u.user)) return `duplicate user ${JSON.stringify(u.user)} detected in leafnode authorization`;
    seen.add(u.user);
  }
  return undefined;
}

/** nats-server parseLeafUsers: `[{user, password, account}]`. */
function leafUsers(issues: Issues, e: MapEntry): LeafNodeUserOptions[] | undefined {
  if (e.value.kind !== "array") {
    issues.error(e.value, `Expected users field to be an array, got ${describeNode(e.value)}`);
    return undefined;
  }
  const users: LeafNodeUserOptions[] = [];
  for (const item of e.value.items) {
    if (item.kind !== "map") {
      issues.error(item, `Expected user entry to be a map/struct, got ${describeNode(item)}`);
      continue;
    }
    const u: LeafNodeUserOptions = { user: "" };
    for (const ue of item.entries.values()) {
      switch (ue.key.toLowerCase()) {
        case "user":
        case "username":
          u.user = getString(issues, ue) ?? "";
          break;
        case "pass":
        case "password":
          u.password = getString(issues, ue);
          break;
        case "account":
          u.account = getString(issues, ue);
          break;
        case "proxy_required":
          getBool(issues, ue);
          break;
        default:
          issues.unknown(ue);
      }
    }
    users.push(u);
  }
  return users;
}

/** nats-server checkLeafMinVersionConfig: a version, at least 2.8.0. */
function minVersion(issues: Issues, e: MapEntry): string | undefined {
  const s = getString(issues, e);
  if (s === undefined) return undefined;
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(s);
  if (!m) {
    issues.error(e.value, `invalid leafnode's minimum version: invalid semver`);
    return undefined;
  }
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < 2 || (major === 2 && minor < 8)) {
    issues.error(e.value, "the minimum version should be at least 2.8.0");
    return undefined;
  }
  return s;
}

/** nats-server parseRemoteLeafNodes. */
function parseRemotes(issues: Issues, e: MapEntry): Array<Partial<RemoteLeafOptions>> | undefined {
  if (e.value.kind !== "array") {
    issues.error(e.value, `Expected remotes field to be an array, got ${describeNode(e.value)}`);
    return undefined;
  }
  const out: Array<Partial<RemoteLeafOptions>> = [];
  const names = new Set<string>();
  for (const item of e.value.items) {
    if (item.kind !== "map") {
      issues.error(item, `Expected remote leafnode entry to be a map/struct, got ${describeNode(item)}`);
      continue;
    }
    const r = parseRemote(issues, item);
    const name = `${r.account ?? "$G"}:${(r.urls ?? []).join(",")}:${r.credentials ?? r.nkey ?? ""}`;
    if (names.has(name)) {
      // nats-server 2.11+ refuses a repeated remote; v2.9 takes it.
      issues.warn(item, `duplicate remote ${(r.urls ?? []).join(", ")} (nats-server 2.11+ refuses it)`);
      continue;
    }
    names.add(name);
    out.push(r);
  }
  return out;
}

function parseRemote(issues: Issues, m: MapNode): Partial<RemoteLeafOptions> {
  const r: Partial<RemoteLeafOptions> = {};
  for (const re of m.entries.values()) {
    if (!remoteKey(issues, r, re, re.key.toLowerCase())) issues.unknown(re);
  }
  return r;
}

/** One key of a leaf remote; false when unknown. */
function remoteKey(issues: Issues, r: Partial<RemoteLeafOptions>, e: MapEntry, key: string): boolean {
  return remoteConnectKey(issues, r, e, key) || remoteBehaviourKey(issues, r, e, key);
}

/** Where and as whom a remote connects. */
function remoteConnectKey(issues: Issues, r: Partial<RemoteLeafOptions>, e: MapEntry, key: string): boolean {
  switch (key) {
    case "no_randomize":
    case "dont_randomize":
      r.noRandomize = getBool(issues, e);
      break;
    case "url":
    case "urls":
      r.urls = remoteUrls(issues, e);
      break;
    case "account":
    case "local":
      r.account = getString(issues, e);
      break;
    case "creds":
    case "credentials": {
      const p = getString(issues, e);
      if (p !== undefined && r.nkey !== undefined) issues.error(e.value, "Remote leafnode can not have both creds and nkey defined");
      else if (p !== undefined) r.credentials = expandPath(p);
      break;
    }
    case "nkey":
    case "seed":
      remoteSeed(issues, r, e);
      break;
    case "tls":
      r.tls = parseTls(issues, e);
      break;
    case "hub":
      r.hub = getBool(issues, e);
      break;
    case "deny_imports":
    case "deny_import":
      r.denyImports = permSubjects(issues, e);
      // Sent to the hub as CONNECT deny_pub (a nats-server hub applies it); not checked here.
      if (r.denyImports !== undefined && r.denyImports.length > 0) {
        issues.warn({ pos: e.keyPos }, `"leafnodes.remotes.${e.key}" is only sent to the hub: tsnats does not enforce it on its side`);
      }
      break;
    case "deny_exports":
    case "deny_export":
      r.denyExports = permSubjects(issues, e);
      if (r.denyExports !== undefined && r.denyExports.length > 0) issues.unsupported(e, `leafnodes.remotes.${e.key}`);
      break;
    default:
      return false;
  }
  return true;
}

/** How a remote connection behaves. */
function remoteBehaviourKey(issues: Issues, r: Partial<RemoteLeafOptions>, e: MapEntry, key: string): boolean {
  switch (key) {
    case "ws_compress":
    case "ws_compression":
    case "websocket_compress":
    case "websocket_compression":
      r.wsCompression = getBool(issues, e);
      break;
    case "ws_no_masking":
    case "websocket_no_masking":
      r.wsNoMasking = getBool(issues, e);
      break;
    case "jetstream_cluster_migrate":
    case "js_cluster_migrate":
      if (e.value.kind === "bool") r.jetstreamClusterMigrate = e.value.value;
      else if (e.value.kind === "map") r.jetstreamClusterMigrate = true;
      else issues.error(e.value, `Expected boolean or map for jetstream_cluster_migrate, got ${describeNode(e.value)}`);
      if (r.jetstreamClusterMigrate === true) issues.unsupported(e, `leafnodes.remotes.${e.key}`);
      break;
    case "compression":
      r.compression = parseCompression(issues, e, "s2_auto");
      warnCompression(issues, e, r.compression, "leafnode");
      break;
    case "first_info_timeout":
      r.firstInfoTimeoutMs = getDurationMs(issues, e, true);
      break;
    case "dial_timeout":
      r.dialTimeoutMs = getDurationMs(issues, e, true);
      break;
    case "disabled":
      r.disabled = getBool(issues, e);
      break;
    case "isolate_leafnode_interest":
    case "isolate":
    case "request_isolation":
    case "ignore_discovered_servers":
      getBool(issues, e);
      issues.unsupported(e, `leafnodes.remotes.${e.key}`);
      break;
    case "proxy":
      if (e.value.kind !== "map") issues.error(e.value, `Expected proxy to be a map, got ${describeNode(e.value)}`);
      else issues.unsupported(e, `leafnodes.remotes.${e.key}`);
      break;
    default:
      return false;
  }
  return true;
}

/** `url` (one string) or `urls` (an array), each checked as Go url.Parse would. */
function remoteUrls(issues: Issues, e: MapEntry): string[] | undefined {
  if (e.value.kind === "array") return getUrls(issues, e, "leafnode");
  if (e.value.kind === "string") {
    const url = checkedUrl(issues, e.value, "leafnode");
    return url === undefined ? undefined : [url];
  }
  issues.error(e.value, `Expected remote leafnode url to be an array or string, got ${describeNode(e.value)}`);
  return undefined;
}

/** A remote's user nkey seed (2.10+). */
function remoteSeed(issues: Issues, r: Partial<RemoteLeafOptions>, e: MapEntry): void {
  const seed = getString(issues, e);
  if (seed === undefined) return;
  let ok = seed.startsWith("SU");
  try {
    if (ok) nkeys().fromSeed(new TextEncoder().encode(seed));
  } catch {
    ok = false;
  }
  if (!ok) issues.error(e.value, `Remote leafnode nkey is not a valid seed: ${JSON.stringify(seed)}`);
  else if (r.credentials !== undefined) issues.error(e.value, "Remote leafnode can not have both creds and nkey defined");
  else r.nkey = seed;
}

/** nats-server expandPath: a leading `~` is the home directory. */
function expandPath(p: string): string {
  return p.startsWith("~") ? homedir() + p.slice(1) : p;
}
