/**
 * The route handshake's JSON and the interest lines, as data (nats-server server.go Info,
 * route.go connectInfo, parseUnsubProto/processRemoteSub). Pure: no sockets, no server.
 */
import type { LinkInfo, ServerConnect } from "./link-info.js";
import type { SubjectPermission } from "../server/options.js";

/** The fields of a route INFO that tsnats reads or sends (nats-server Info). */
export interface RouteInfo extends LinkInfo {
  jetstream?: boolean;
  /** `nats-route://host:port/` to dial this server at, set with cluster advertise or by gossip. */
  ip?: string;
  nonce?: string;
  cluster?: string;
  cluster_dynamic?: boolean;
  domain?: string;
  connect_urls?: string[];
  ws_connect_urls?: string[];
  ldm?: boolean;
  import?: SubjectPermission;
  export?: SubjectPermission;
  /** Leaf node origin cluster support: LS+/LMSG with the leaf's cluster on routes. */
  lnoc?: boolean;
  gateway_url?: string;
  /** An INFO about a gateway (gossip within the cluster): its name, URLs and command. */
  gateway?: string;
  gateway_urls?: string[];
  gateway_cmd?: number;
  leafnode_urls?: string[];
  /** 2.10+: routes per server pair; absent (0) for a server without pooling. */
  route_pool_size?: number;
  route_pool_idx?: number;
  /** 2.10+: this connection carries one pinned account only. */
  route_account?: string;
  /** 2.10+: a config reload pins `route_account`; the answer leaves the account out. */
  route_acc_add_reqid?: string;
  /** 2.10+: compression mode offered; absent means not supported. */
  compression?: string;
}

/** A route CONNECT (route.go connectInfo). `lang` is only ever sent by clients. */
export interface RouteConnect extends ServerConnect {
  headers?: boolean;
  cluster?: string;
  cluster_dynamic?: boolean;
  lnoc?: boolean;
  account?: string;
  new_account?: boolean;
}

/** One RS+/RS-/LS+/LS- line, split (processRemoteSub, parseUnsubProto). */
export interface InterestArgs {
  /** The leaf cluster a LS+ names (empty for RS+ and every unsubscribe). */
  origin: string;
  account: string;
  subject: string;
  queue: string | null;
  /** Queue weight: how many members the peer has (1 for a plain subscription). */
  weight: number;
  /** `account subject [queue]`: how the peer's subscription is keyed (nats-server sub.sid). */
  key: string;
}

/**
 * Splits `[origin] account subject [queue weight]` (subscribe) or `account subject [queue]`
 * (unsubscribe). Returns null when the field count is wrong, as nats-server's Parse Error.
 * On a route pinned to `pinned` the account is left out of the line (route.go accInProto).
 */
export function parseInterest(arg: Buffer, subscribe: boolean, hasOrigin: boolean, pinned = ""): InterestArgs | null {
  const f = arg
    .toString("latin1")
    .split(/[ \t\r\n]+/)
    .filter((t) => t !== "");
  if (pinned !== "" && f.length > 0) f.splice(subscribe && hasOrigin ? 1 : 0, 0, pinned);
  const off = subscribe && hasOrigin ? 1 : 0;
  let queue: string | null = null;
  let weight = 1;
  if (subscribe) {
    if (f.length === 4 + off) {
      queue = f[2 + off]!;
      weight = Number.parseInt(f[3 + off]!, 10);
      if (!Number.isFinite(weight) || weight < 0) weight = 1;
    } else if (f.length !== 2 + off) return null;
  } else if (f.length === 3) {
    queue = f[2]!;
  } else if (f.length !== 2) return null;
  const account = f[off]!;
  const subject = f[1 + off]!;
  return {
    origin: off === 1 ? f[0]! : "",
    account,
    subject,
    queue,
    weight,
    key: queue === null ? `${account} ${subject}` : `${account} ${subject} ${queue}`,
  };
}

/**
 * `nats-route://host:port/` for a server's INFO host and port (route.go uses it for
 * implicit routes and for accepted routes without a URL).
 */
export function routeUrlFrom(host: string, port: number): URL {
  const h = host.includes(":") ? `[${host}]` : host;
  return new URL(`nats-route://${h}:${port}/`);
}

/** `host:port` of a URL, lower-cased, for comparing configured and learned routes. */
export function urlHostPort(u: URL): string {
  return `${u.hostname}:${u.port}`.toLowerCase();
}

/** A route URL as configured (`nats-route://user:pass@host:port`), or null. */
export function parseRouteUrl(raw: string): URL | null {
  try {
    const u = new URL(raw.includes("://") ? raw : `nats-route://${raw}`);
    return u.hostname !== "" && u.port !== "" ? u : null;
  } catch {
    return null;
  }
}

/** Whether `url` is one of the configured `routes` (same host and port). */
export function isConfiguredRoute(routes: readonly string[], url: URL): boolean {
  const hp = urlHostPort(url);
  return routes.some((r) => {
    const u = parseRouteUrl(r);
    return u !== null && urlHostPort(u) === hp;
  });
}

/** The URL with its password masked, for logs. */
export function redacted(u: URL): string {
  if (u.password === "") return u.href;
  const c = new URL(u.href);
  c.password = "xxxxx";
  return c.href;
}

/** `host`, `host:port` or `[v6]:port` with a default port (nats-server parseHostPort). */
export function splitHostPort(s: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (m === null) return { host: s, port: defaultPort };
  return { host: m[1]!, port: m[2] !== undefined ? Number(m[2]) : defaultPort };
}
