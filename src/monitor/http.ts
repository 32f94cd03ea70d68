/**
 * Request routing for the monitoring listener: nats-server's endpoint paths under
 * `http_base_path`, JSON bodies pretty-printed as nats-server prints them, 400 with a
 * plain-text reason for bad queries, 404 otherwise. Each served endpoint is counted in
 * /varz `http_req_stats`. The endpoints whose work grows with the server (/connz, /subsz,
 * /accountz) are built and written in slices, a couple at a time (slices.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { accountz } from "./accountz.js";
import { leafz, routez } from "./cluster.js";
import { gatewayz } from "./gatewayz.js";
import { connz, parseConnzOptions } from "./connz.js";
import { dashboardData } from "./dashboard/api.js";
import { DASHBOARD_HTML } from "./dashboard/page.js";
import { healthz } from "./health.js";
import { ListDocument, ResponseGoneError, ResponseSink, type StreamedJson } from "./json-stream.js";
import { jsz, parseJszOptions } from "./jsz.js";
import { metrics, PROMETHEUS_CONTENT_TYPE } from "./metrics.js";
import { BadRequestError, decodeBool, decodeInt, decodeSubs } from "./query.js";
import { heavyGateOf, Slicer } from "./slices.js";
import type { MonitorState } from "./state.js";
import { subsz } from "./subsz.js";
import { expvarz, ipqueuesz, raftz } from "./system-debug.js";
import { varz } from "./varz.js";

const JSON_TYPE = "application/json";

/** A handler's answer; `body` objects are sent as JSON, indented (by `indent` spaces, 2 by default) unless `compact`. */
interface Reply {
  status: number;
  type: string;
  body: string | Record<string, unknown> | StreamedJson;
  compact?: boolean;
  indent?: number;
}

type Handler = (m: MonitorState, q: URLSearchParams, sl: Slicer) => Reply | Promise<Reply>;

const json = (body: Record<string, unknown> | StreamedJson, status = 200): Reply => ({ status, type: JSON_TYPE, body });

/** Endpoints nats-server serves without counting them in /varz `http_req_stats`. */
const UNCOUNTED = new Set(["/ipqueuesz", "/raftz", "/debug/vars"]);

const TEXT_TYPE = "text/plain; charset=utf-8";

/**
 * Go's expvar.Handler, which nats-server mounts at `/debug/vars`: one `"key": value` line per
 * variable in key order, the values compact.
 */
function expvarBody(): string {
  const { cmdline, memstats } = expvarz();
  return `{\n"cmdline": ${JSON.stringify(cmdline)},\n"memstats": ${JSON.stringify(memstats)}\n}\n`;
}

/** Endpoints that run under the server's heavy-request gate. */
const HEAVY = new Set(["/connz", "/subsz", "/subscriptionsz", "/accountz"]);

/** Endpoint path (below the base path) → handler. Parameters are decoded in nats-server's order. */
const ROUTES: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ["/varz", (m) => json(varz(m))],
  ["/connz", async (m, q, sl) => json(await connz(m.server, parseConnzOptions(q), sl))],
  ["/subsz", async (m, q, sl) => json(await subsz(m.server, q, sl))],
  ["/subscriptionsz", async (m, q, sl) => json(await subsz(m.server, q, sl))],
  [
    "/routez",
    (m, q) => {
      return json(routez(m.server, decodeSubs(q)));
    },
  ],
  ["/gatewayz", (m, q) => json(gatewayz(m.server, q))],
  [
    "/leafz",
    (m, q) => {
      return json(leafz(m.server, decodeBool(q, "subs"), q.get("acc") ?? ""));
    },
  ],
  ["/accountz", async (m, q, sl) => json(await accountz(m.server, q, sl))],
  [
    "/jsz",
    (m, q) => {
      const o = parseJszOptions(q);
      decodeBool(q, "leader-only"); // accepted, as nats-server does; every stream leads on one server
      return json(jsz(m.server, o));
    },
  ],
  [
    "/healthz",
    (m, q) => {
      for (const name of ["js-enabled", "js-enabled-only", "js-server-only"]) decodeBool(q, name);
      const h = healthz(m);
      // nats-server marshals health compactly (json.Marshal, not MarshalIndent).
      return { ...json(h.body, h.httpStatus), compact: true };
    },
  ],
  [
    "/ipqueuesz",
    (_m, q) => {
      // nats-server HandleIPQueuesz: `all`, and the name filter in `queues`; indented by 3.
      const all = decodeBool(q, "all");
      return { ...json(ipqueuesz(all, q.get("queues") ?? "")), indent: 3 };
    },
  ],
  [
    "/raftz",
    (_m, q) => {
      // nats-server HandleRaftz: 404 with a plain reason when there are no Raft nodes.
      const groups = raftz(q.get("acc") ?? "", q.get("group") ?? "");
      if (groups === null) return { status: 404, type: TEXT_TYPE, body: "No Raft nodes registered" };
      return { ...json(groups), indent: 3 };
    },
  ],
  ["/debug/vars", () => ({ status: 200, type: "application/json; charset=utf-8", body: expvarBody() })],
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
      if (err instanceof ResponseGoneError) return;
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
  if (!path.startsWith("/api/") && !UNCOUNTED.has(path)) m.httpReqStats.set(path, (m.httpReqStats.get(path) ?? 0) + 1);
  if (HEAVY.has(path)) await heavyGateOf(m.server).run((sl) => respond(m, handler, url, req, res, sl));
  else await respond(m, handler, url, req, res, new Slicer());
}

async function respond(m: MonitorState, handler: Handler, url: URL, req: IncomingMessage, res: ServerResponse, sl: Slicer): Promise<void> {
  let reply: Reply;
  try {
    reply = await handler(m, url.searchParams, sl);
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    reply = { status: 400, type: TEXT_TYPE, body: err.message };
  }
  let type = reply.type;
  // JSONP, as nats-server's ResponseHandler: `?callback=f` answers `f(<json>)`.
  const callback = type === JSON_TYPE ? (url.searchParams.get("callback") ?? "") : "";
  if (callback !== "") type = "application/javascript";
  res.writeHead(reply.status, { "Content-Type": type, "Cache-Control": "no-store" });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const pretty = reply.compact !== true;
  const body = reply.body;
  if (typeof body === "object" && isStreamed(body)) {
    const sink = new ResponseSink(res);
    if (callback !== "") await sink.write(`${callback}(`);
    await body.writeTo(sink, pretty, sl);
    if (callback !== "") await sink.write(")");
    res.end();
    return;
  }
  const text = typeof body === "string" ? body : JSON.stringify(body, null, pretty ? (reply.indent ?? 2) : undefined);
  res.end(callback !== "" ? `${callback}(${text})` : text);
}

function isStreamed(body: Record<string, unknown> | StreamedJson): body is StreamedJson {
  return body instanceof ListDocument;
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("404 page not found\n");
}
