/**
 * The monitoring HTTP listener (nats-server monitor.go): `-m PORT` / `http: host:port`,
 * `http_base_path`. Serves the nats-server endpoints (/varz /connz /subsz /routez
 * /gatewayz /leafz /accountz /jsz /healthz), Prometheus /metrics and the live dashboard
 * at `/`. Starts nothing when the port is 0.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { listenURLs } from "../server/net-util.js";
import type { Server } from "../server/server.js";
import { createRequestHandler, normaliseBasePath } from "./http.js";
import { Sampler } from "./sampler.js";
import { ServiceWatcher } from "./services.js";
import type { MonitorState } from "./state.js";
import { UsageSampler } from "./usage.js";
import { varz } from "./varz.js";
import { lazyRequire } from "../util/lazy-require.js";

/** node:http loads only when a monitoring port is configured. */
const httpModule = lazyRequire<typeof http>("node:http");

/**
 * Starts the monitor for a started server and returns its URLs (for the ports file).
 * Registers its own shutdown with `server.onClose`.
 */
export async function startMonitoring(server: Server): Promise<string[]> {
  const o = server.options;
  if (o.httpPort === 0) return [];
  const host = o.httpHost ?? o.host;
  const usage = new UsageSampler();
  const state: MonitorState = {
    server,
    httpHost: host,
    httpPort: 0,
    basePath: normaliseBasePath(o.httpBasePath),
    httpReqStats: new Map(),
    usage,
    sampler: new Sampler(server, usage),
    services: new ServiceWatcher(server),
    closing: false,
  };
  const httpServer = httpModule().createServer(createRequestHandler(state));
  httpServer.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(o.httpPort === -1 ? 0 : o.httpPort, host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  state.httpPort = (httpServer.address() as AddressInfo).port;
  state.sampler.start();
  server.monitor = state;
  server.logger.notice(`Starting http monitor on ${host.includes(":") ? `[${host}]` : host}:${state.httpPort}`);
  server.onClose(async () => {
    state.closing = true;
    state.sampler.stop();
    state.services.stop();
    server.monitor = null;
    // As nats-server's shutdown (http.Server.Close): open connections end too, so a browser's
    // dashboard stream or a keep-alive poll cannot hold the server's close.
    const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeAllConnections();
    await closed;
  });
  return listenURLs("http", host, state.httpPort);
}

/**
 * /varz for a server, from its running monitor when there is one (so `http_port`,
 * `http_req_stats` and `cpu` are real), for callers outside HTTP such as the system
 * account's `$SYS.REQ.SERVER.PING.VARZ`.
 */
export function serverVarz(server: Server): Record<string, unknown> {
  const m = server.monitor;
  if (m !== null) return varz(m);
  const usage = new UsageSampler();
  return varz({
    server,
    httpHost: server.options.httpHost ?? server.options.host,
    httpPort: 0,
    basePath: normaliseBasePath(server.options.httpBasePath),
    httpReqStats: new Map(),
    usage,
    sampler: new Sampler(server, usage),
    services: new ServiceWatcher(server),
    closing: false,
  });
}

