/**
 * Liveness and write timings per connection kind (nats-server client.go setPingTimer,
 * processPingTimer, adjustPingInterval and the write deadline chosen in initClient): the
 * `cluster`, `gateway` and `leafnodes` blocks may override the server-wide values for
 * their links (and `websocket` the PING interval of its clients), and routes and gateways cap their PING interval so a dead peer is noticed
 * in bounded time. Read when a timer is armed, so a reload applies to the next one.
 */
import { Kind } from "./connection-kind.js";
import type { ServerOptions } from "./options.js";

/** nats-server route.go defaultRouteMaxPingInterval. */
export const ROUTE_MAX_PING_INTERVAL_MS = 30_000;
/** nats-server gateway.go gwMaxPingInterval. */
export const GATEWAY_MAX_PING_INTERVAL_MS = 15_000;

/** How often a connection of `kind` PINGs its peer (`websocket`: it came through the websocket listener). */
export function pingIntervalMs(kind: Kind, o: ServerOptions, websocket = false): number {
  let ms = o.pingIntervalMs;
  // nats-server 2.11 `websocket { ping_interval }`: WebSocket clients' own interval.
  const wsMs = o.websocket?.pingIntervalMs;
  if (websocket && wsMs !== undefined && wsMs > 0) ms = wsMs;
  if (kind === Kind.ROUTER) {
    const own = o.cluster?.pingIntervalMs;
    if (own !== undefined && own > 0) ms = own;
    return Math.min(ms, ROUTE_MAX_PING_INTERVAL_MS);
  }
  if (kind === Kind.GATEWAY) return Math.min(ms, GATEWAY_MAX_PING_INTERVAL_MS);
  return ms;
}

/** Unanswered PINGs after which a connection of `kind` is stale. */
export function pingMax(kind: Kind, o: ServerOptions): number {
  if (kind === Kind.ROUTER) {
    const own = o.cluster?.pingMax;
    if (own !== undefined && own > 0) return own;
  }
  return o.pingMax;
}

/** How long a connection of `kind` may take nothing before it is cut as a slow consumer. */
export function writeDeadlineMs(kind: Kind, o: ServerOptions): number {
  let own: number | undefined;
  if (kind === Kind.ROUTER) own = o.cluster?.writeDeadlineMs;
  else if (kind === Kind.GATEWAY) own = o.gateway?.writeDeadlineMs;
  else if (kind === Kind.LEAF) own = o.leafnodes?.writeDeadlineMs;
  return own !== undefined && own > 0 ? own : o.writeDeadlineMs;
}
