/**
 * /routez, /gatewayz, /leafz: tsnats does not cluster yet, so these answer nats-server's
 * shapes with nothing in them, which is what tools expect from a standalone server.
 */
import type { Server } from "../server/server.js";
import { isoTime } from "./format.js";

export function routez(s: Server): Record<string, unknown> {
  return { server_id: s.id, now: isoTime(Date.now()), num_routes: 0, routes: [] };
}

export function gatewayz(s: Server): Record<string, unknown> {
  return { server_id: s.id, now: isoTime(Date.now()), outbound_gateways: {}, inbound_gateways: {} };
}

export function leafz(s: Server): Record<string, unknown> {
  return { server_id: s.id, now: isoTime(Date.now()), leafnodes: 0, leafs: [] };
}
