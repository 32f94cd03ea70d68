/**
 * /healthz and /jsz. Health is "ok" once the client listener is up and until shutdown
 * starts; otherwise 503 with nats-server's `unavailable` status and a reason.
 * /jsz answers nats-server's "JetStream disabled" document until JetStream lands.
 */
import type { Server } from "../server/server.js";
import { isoTime } from "./format.js";
import type { MonitorState } from "./state.js";

export interface HealthResult {
  httpStatus: number;
  body: Record<string, unknown>;
}

export function healthz(m: MonitorState): HealthResult {
  if (m.closing) return unavailable("server is shutting down");
  if (m.server.lameDuckMode) return unavailable("server is in lame duck mode");
  if (m.server.listenPort === 0) return unavailable("client listener is not ready");
  return { httpStatus: 200, body: { status: "ok" } };
}

function unavailable(error: string): HealthResult {
  return { httpStatus: 503, body: { status: "unavailable", status_code: 503, error } };
}

export function jsz(s: Server): Record<string, unknown> {
  return {
    server_id: s.id,
    now: isoTime(Date.now()),
    disabled: true,
    config: { max_memory: 0, max_storage: 0 },
    memory: 0,
    storage: 0,
    reserved_memory: 0,
    reserved_storage: 0,
    accounts: 0,
    ha_assets: 0,
    api: { total: 0, errors: 0 },
    streams: 0,
    consumers: 0,
    messages: 0,
    bytes: 0,
  };
}
