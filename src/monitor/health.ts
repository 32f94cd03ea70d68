/**
 * /healthz. Health is "ok" once the client listener is up and until shutdown
 * starts; otherwise 503 with nats-server's `unavailable` status and a reason.
 */
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
