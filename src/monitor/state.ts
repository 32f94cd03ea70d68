/**
 * What every endpoint handler reads besides the server: the monitoring listener's own
 * address and counters. One instance per running monitor.
 */
import type { Server } from "../server/server.js";
import type { Sampler } from "./sampler.js";
import type { ServiceWatcher } from "./services.js";
import type { UsageSampler } from "./usage.js";

export interface MonitorState {
  readonly server: Server;
  /** Host and port the monitoring listener is bound to (for /varz http_host/http_port). */
  httpHost: string;
  httpPort: number;
  /** `http_base_path`, normalised to "" or "/path" without a trailing slash. */
  readonly basePath: string;
  /** Requests served per endpoint path (/varz `http_req_stats`). */
  readonly httpReqStats: Map<string, number>;
  readonly usage: UsageSampler;
  readonly sampler: Sampler;
  readonly services: ServiceWatcher;
  /** Set once shutdown starts: /healthz answers 503 from then on. */
  closing: boolean;
}
