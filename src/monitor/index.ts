/**
 * The monitoring HTTP listener (nats-server monitor.go): `-m PORT` / `http: host:port`.
 * Starts nothing when the port is 0. Returns the URLs it listens on, for the ports file.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { listenURLs, type Server } from "../server/server.js";
import { NATS_COMPAT_VERSION, VERSION } from "../version.js";

export async function startMonitoring(server: Server): Promise<string[]> {
  const o = server.options;
  if (o.httpPort === 0) return [];
  const host = o.httpHost ?? o.host;
  const httpServer = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    let body: unknown;
    if (path === "/healthz") body = { status: "ok" };
    else if (path === "/varz") body = varz(server);
    else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body, null, 2));
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(o.httpPort === -1 ? 0 : o.httpPort, host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  server.logger.notice(`Starting http monitor on ${host}:${port}`);
  server.onClose(() => new Promise<void>((resolve) => httpServer.close(() => resolve())));
  return listenURLs("http", host, port);
}

function varz(s: Server): Record<string, unknown> {
  const o = s.options;
  return {
    server_id: s.id,
    server_name: s.name,
    version: NATS_COMPAT_VERSION,
    tsnats_version: VERSION,
    proto: 1,
    host: o.host,
    port: s.listenPort,
    max_payload: o.maxPayload,
    connections: s.clients.size,
    total_connections: s.totalConnections,
    in_msgs: s.inMsgs,
    out_msgs: s.outMsgs,
    in_bytes: s.inBytes,
    out_bytes: s.outBytes,
    slow_consumers: s.slowConsumers,
    start: new Date(s.startMs).toISOString(),
    now: new Date().toISOString(),
  };
}
