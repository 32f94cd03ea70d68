/**
 * Route gossip (nats-server route.go): the INFO a server forwards about a new connection
 * so the other peers dial it too, and the URL a server dials for one it heard of.
 */
import type { ServerLogger } from "../server/logger.js";
import { hostPort } from "../server/net-util.js";
import type { ClusterOptions } from "../server/options.js";
import type { Route } from "./route.js";
import { isConfiguredRoute, routeUrlFrom, type RouteInfo } from "./route-proto.js";

/**
 * route.go forwardNewRouteInfoToKnownServers: `info` of `route` to every other peer of
 * `remotes`, without the nonce and pool index; a pinned account's INFO keeps
 * `route_account` and goes only to peers that pool.
 */
export function forwardRouteInfo(remotes: Iterable<Route>, route: Route, info: RouteInfo): void {
  const fwd: RouteInfo = { ...info };
  delete fwd.nonce;
  delete fwd.route_pool_idx;
  const pinned = typeof fwd.route_account === "string" && fwd.route_account !== "";
  if (!pinned) delete fwd.route_account;
  if (fwd.ip === undefined || fwd.ip === "") fwd.ip = `nats-route://${hostPort(route.host, info.port ?? 0)}/`;
  const line = `INFO ${JSON.stringify(fwd)}\r\n`;
  for (const r of remotes) if (r.remoteId !== route.remoteId && !(pinned && r.noPool)) r.sendProto(line);
}

/**
 * route.go processImplicitRoute's URL: the INFO's `ip`, with the cluster's credentials
 * when the server wants them; null for a configured route (dialed anyway) or a bad URL.
 */
export function implicitRouteUrl(info: RouteInfo, options: ClusterOptions, logger: ServerLogger): URL | null {
  if (typeof info.host === "string" && typeof info.port === "number" && isConfiguredRoute(options.routes, routeUrlFrom(info.host, info.port))) return null;
  let url: URL;
  try {
    url = new URL(info.ip ?? "");
  } catch {
    logger.error(`Error parsing URL from INFO: "${info.ip ?? ""}"`);
    return null;
  }
  if (info.auth_required === true && options.username !== undefined) {
    url.username = encodeURIComponent(options.username);
    url.password = encodeURIComponent(options.password ?? "");
  }
  return url;
}
