/**
 * Request routing for the monitoring listener: nats-server's endpoint paths under
 * `http_base_path`, JSON bodies pretty-printed as nats-server prints them, 400 with a
 * plain-text reason for bad queries, 404 otherwise. Each served endpoint is counted in
 * /varz `http_req_stats`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { accountz } from "./accountz.js";
import { leafz, routez } from "./cluster.js";
import { gatewayz } from "./gatewayz.js";
import { connz, parseConnzOptions } from "./connz.js";
import { dashboardData } from "./dashboard/api.js";
import { DASHBOARD_HTML } from "./dashboard/page.js";
import { healthz, jsz } from "./health.js";
import { metrics, PROMETHEUS_CONTENT_TYPE } from "./metrics.js";
import { BadRequestError } from "./query.js";
import type { MonitorState } from "./state.js";
import { subsz } from "./subsz.js";
import { varz } from "./varz.js";

const JSON_TYPE = "application/json";

/** A handler's answer; `body` objects are sent as JSON. */
interface Reply {
  status: number;
  type: string;
  body: string | Record<string, unknown>;
}

type Handler = (m: MonitorState, q: URLSearchParams) => Reply | Promise<Reply>;

const json = (body: Record<string, unknown>, status = 200): Reply => ({ status, type: JSON_TYPE, body });

/** Endpoint path (below the base path) → handler. */
const ROUTES: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ["/varz", (m) => json(varz(m))],
  ["/connz", (m, q) => json(connz(m.server, parseConnzOptions(q)))],
  ["/subsz", (m, q) => json(subsz(m.server, q))],
  ["/subscriptionsz", (m, q) => json(subsz(m.server, q))],
  ["/routez", (m, q) => json(routez(m.server, q))],
  ["/gatewayz", (m, q) => json(gatewayz(m.server, q))],
  ["/leafz", (m, q) => json(leafz(m.server, q))],
  ["/accountz", (m, q) => json(accountz(m.server, q))],
  ["/jsz", (m) => json(jsz(m.server))],
  [
    "/healthz",
    (m) => {
      const h = healthz(m);
      return json(h.body, h.httpStatus);
    },
  ],
  ["/metrics", (m) => ({ status: 200, type: PROMETHEUS_CONTENT_TYPE, body: metrics(m) })],
  ["/", () => ({ status: 200, type: "text/html; charset=utf-8", body: DASHBOARD_HTML })],
  [
    "/api/dashboard",
    (m, q) => {
      m.sampler.markActive();
      const since = Number(q.get("since") ?? "0");
      return json(dashboardData(m, Number.isFinite(since) ? since : 0));
    },
  ],
  ["/api/services", async (m) => json({ ...(await m.services.snapshot()) })],
]);

/** Normalises `http_base_path` to "" or "/a/b" (leading slash, no trailing slash). */
export function normaliseBasePath(p: string | undefined): string {
  if (!p) return "";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "";
  return trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

/** The request listener for `http.createServer`. */
export function createRequestHandler(m: MonitorState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(m, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`internal error: ${(err as Error).message}`);
    });
  };
}

async function handle(m: MonitorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://monitor");
  let path = url.pathname;
  if (m.basePath !== "") {
    if (path === m.basePath) {
      res.writeHead(301, { Location: `${m.basePath}/` }).end();
      return;
    }
    if (!path.startsWith(`${m.basePath}/`)) return notFound(res);
    path = path.slice(m.basePath.length);
  }
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  const handler = ROUTES.get(path);
  if (!handler || (req.method !== "GET" && req.method !== "HEAD")) return notFound(res);
  if (!path.startsWith("/api/")) m.httpReqStats.set(path, (m.httpReqStats.get(path) ?? 0) + 1);
  let reply: Reply;
  try {
    reply = await handler(m, url.searchParams);
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    reply = { status: 400, type: "text/plain; charset=utf-8", body: err.message };
  }
  const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body, null, 2);
  res.writeHead(reply.status, { "Content-Type": reply.type, "Cache-Control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("404 page not found\n");
}
