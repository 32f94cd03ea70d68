/**
 * The HTTP/1.1 upgrade request of a WebSocket client: parsing the request head, the
 * checks of RFC 6455 4.2.1 in nats-server's order and wording (websocket.go wsUpgrade),
 * origin checks (same_origin, allowed_origins), and the bytes of the answer, 101 or an
 * HTTP error as Go's http.Error writes it. Pure: no sockets.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { WS_GUID } from "./frame.js";
import type { WebsocketOptions } from "../server/options.js";
import type { WsSettings } from "./ws-conn.js";

/** Longest request head taken (Go's http.Server allows 1 MB; browsers send under 8 KiB). */
export const MAX_REQUEST_HEAD = 64 * 1024;

export interface UpgradeRequest {
  method: string;
  path: string;
  /** Header values by lower-case name, repeated headers in order. */
  headers: Map<string, string[]>;
}

/** An HTTP error answer and the reason logged as "websocket handshake error: <reason>". */
export interface UpgradeError {
  status: number;
  reason: string;
}

/** The allowed origins, by lower-case host: the scheme and port each must come with. */
export type AllowedOrigins = Map<string, { scheme: string; port: string }>;

export interface OriginPolicy {
  sameOrigin: boolean;
  allowed: AllowedOrigins;
}

/** Index just past the `\r\n\r\n` ending the request head in `buf`, or -1. */
export function headEnd(buf: Buffer): number {
  const i = buf.indexOf("\r\n\r\n", 0, "latin1");
  return i < 0 ? -1 : i + 4;
}

/** Parses the request head (up to and including the blank line); null when malformed. */
export function parseRequestHead(head: string): UpgradeRequest | null {
  const lines = head.split("\r\n");
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? "");
  if (m === null) return null;
  const headers = parseHeaderLines(lines);
  return headers === null ? null : { method: m[1]!, path: m[2]!, headers };
}

/** The header lines after an HTTP head's first line, by lower-case name; null when one has no name. */
export function parseHeaderLines(lines: readonly string[]): Map<string, string[]> | null {
  const headers = new Map<string, string[]>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name);
    if (list === undefined) headers.set(name, [value]);
    else list.push(value);
  }
  return headers;
}

function first(r: UpgradeRequest, name: string): string {
  return r.headers.get(name)?.[0] ?? "";
}

/** nats-server wsHeaderContains: a comma-separated token equal (case-insensitively) to `value`. */
function headerContains(r: UpgradeRequest, name: string, value: string): boolean {
  const want = value.toLowerCase();
  for (const v of r.headers.get(name) ?? []) {
    for (const t of v.split(",")) if (t.trim().toLowerCase() === want) return true;
  }
  return false;
}

/**
 * Checks the request as nats-server wsUpgrade does, in its order. `tls` says whether it
 * came over TLS (same-origin default port). Returns the error, or null when acceptable.
 */
export function checkUpgrade(r: UpgradeRequest, origins: OriginPolicy, tls: boolean): UpgradeError | null {
  if (r.method !== "GET") return { status: 405, reason: "request method must be GET" };
  if (first(r, "host") === "") return { status: 400, reason: "'Host' missing in request" };
  if (!headerContains(r, "upgrade", "websocket")) return { status: 400, reason: "invalid value for header 'Upgrade'" };
  if (!headerContains(r, "connection", "Upgrade")) return { status: 400, reason: "invalid value for header 'Connection'" };
  if (first(r, "sec-websocket-key") === "") return { status: 400, reason: "key missing" };
  if (!headerContains(r, "sec-websocket-version", "13")) return { status: 400, reason: "invalid version" };
  const originError = checkOrigin(r, origins, tls);
  if (originError !== null) return { status: 403, reason: `origin not allowed: ${originError}` };
  return null;
}

/** nats-server srvWebsocket.checkOrigin: null when allowed, else why not. */
function checkOrigin(r: UpgradeRequest, p: OriginPolicy, tls: boolean): string | null {
  if (!p.sameOrigin && p.allowed.size === 0) return null;
  const origin = first(r, "origin") || first(r, "sec-websocket-origin");
  // No Origin: not a browser, and the origin model means nothing then (RFC 6455 1.6).
  if (origin === "") return null;
  const o = parseOrigin(origin);
  if (o === null) return `parse "${origin}": invalid URI for request`;
  if (p.sameOrigin) {
    const [rh, rp] = hostAndPort(tls, first(r, "host"));
    if (o.host !== rh || o.port !== rp) return "not same origin";
  }
  if (p.allowed.size > 0) {
    const a = p.allowed.get(o.host);
    if (a === undefined || a.scheme !== o.scheme || a.port !== o.port) return "not in the allowed list";
  }
  return null;
}

/** An origin (or allowed_origins entry) as scheme, lower-case host and port (default by scheme). */
export function parseOrigin(origin: string): { scheme: string; host: string; port: string } | null {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(origin);
  if (m === null) return null;
  const scheme = m[1]!.toLowerCase();
  const [host, port] = hostAndPort(scheme === "https", m[2]!);
  return { scheme, host, port };
}

/** nats-server wsGetHostAndPort: host lower-cased, port defaulting to 443/80. */
function hostAndPort(tls: boolean, hostport: string): [string, string] {
  const m = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostport) ?? /^([^:]*)(?::(\d*))?$/.exec(hostport);
  const host = (m?.[1] ?? hostport).toLowerCase();
  const port = m?.[2] !== undefined && m[2] !== "" ? m[2] : tls ? "443" : "80";
  return [host, port];
}

/** The allowed_origins option as the map checkOrigin reads (entries that do not parse are skipped). */
export function allowedOriginsMap(list: readonly string[] | undefined): AllowedOrigins {
  const out: AllowedOrigins = new Map();
  for (const ao of list ?? []) {
    const o = parseOrigin(ao);
    if (o !== null) out.set(o.host, { scheme: o.scheme, port: o.port });
  }
  return out;
}

/** Sec-WebSocket-Accept for a key (RFC 6455 1.3). */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + WS_GUID).digest("base64");
}

/** nats-server wsPMCExtensionSupport (checkPMCOnly): does the client offer permessage-deflate? */
function offersDeflate(r: UpgradeRequest): boolean {
  for (const list of r.headers.get("sec-websocket-extensions") ?? []) {
    for (const ext of list.split(",")) {
      for (const p of ext.split(";")) if (p.trim().toLowerCase() === "permessage-deflate") return true;
    }
  }
  return false;
}

/** The path a leaf node asks for (nats-server leafNodeWSPath); MQTT's is `/mqtt`. */
export const LEAF_WS_PATH = "/leafnode";
const MQTT_WS_PATH = "/mqtt";

/** What kind of connection an upgrade request is for. */
export type UpgradeKind = "client" | "leaf" | "mqtt";

/**
 * nats-server wsUpgrade tells connection kinds apart by the request path: 2.9 by its
 * prefix (`/leafnode...`, its leaves dial `/leafnode` + their URL's path), 2.10+ by its
 * suffix (`.../leafnode`); both are taken so leaves of either version get in.
 */
export function upgradeKind(target: string): UpgradeKind {
  const q = target.search(/[?#]/);
  const path = q < 0 ? target : target.slice(0, q);
  if (path.startsWith(LEAF_WS_PATH) || path.endsWith(LEAF_WS_PATH)) return "leaf";
  if (path.startsWith(MQTT_WS_PATH) || path.endsWith(MQTT_WS_PATH)) return "mqtt";
  return "client";
}

/**
 * What the accepted request agreed on (nats-server wsUpgrade after its checks). Browser
 * detection and cookies are for clients only (`client` false for a leaf node).
 */
export function settingsFor(
  r: UpgradeRequest,
  o: Pick<WebsocketOptions, "compression" | "jwtCookie" | "userCookie" | "passCookie" | "tokenCookie">,
  client = true,
): WsSettings {
  const compress = o.compression && offersDeflate(r);
  const noMasking = first(r, "nats-no-masking") === "true";
  const ua = client ? first(r, "user-agent") : "";
  const browser = ua.startsWith("Mozilla/");
  const xff = first(r, "x-forwarded-for");
  const s: WsSettings = {
    compress,
    noMasking,
    browser,
    noCompressedFragments: browser && compress && ua.includes("Version/") && ua.includes("Safari/"),
    cookieJwt: "",
    cookieUser: "",
    cookiePass: "",
    cookieToken: "",
    clientIp: isIP(xff) !== 0 ? xff : "",
  };
  if (client) readCookies(r, o, s);
  return s;
}

/**
 * The credential cookies named by jwt_cookie, user_cookie, pass_cookie and token_cookie
 * (nats-server wsUpgrade: every cookie is looked at, a later one of the same name wins).
 */
function readCookies(r: UpgradeRequest, o: Pick<WebsocketOptions, "jwtCookie" | "userCookie" | "passCookie" | "tokenCookie">, s: WsSettings): void {
  if (!o.jwtCookie && !o.userCookie && !o.passCookie && !o.tokenCookie) return;
  for (const h of r.headers.get("cookie") ?? []) {
    for (const part of h.split(";")) {
      const eq = part.indexOf("=");
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      if (name === "") continue;
      const value = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
      if (name === o.jwtCookie) s.cookieJwt = value;
      else if (name === o.userCookie) s.cookieUser = value;
      else if (name === o.passCookie) s.cookiePass = value;
      else if (name === o.tokenCookie) s.cookieToken = value;
    }
  }
}

/** The 101 answer (nats-server's header order). */
export function switchingProtocols(r: UpgradeRequest, s: WsSettings, extra: Record<string, string> | undefined): string {
  let out = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(first(r, "sec-websocket-key"))}\r\n`;
  if (s.compress) out += "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n";
  if (s.noMasking) out += "Nats-No-Masking: true\r\n";
  for (const [k, v] of Object.entries(extra ?? {})) out += `${k}: ${v}\r\n`;
  return out + "\r\n";
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  405: "Method Not Allowed",
  431: "Request Header Fields Too Large",
};

/** An HTTP error as nats-server answers it (Go http.Error plus Sec-Websocket-Version). */
export function httpError(status: number, now = new Date()): string {
  const text = STATUS_TEXT[status] ?? "Bad Request";
  return (
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nSec-Websocket-Version: 13\r\n` +
    `X-Content-Type-Options: nosniff\r\nDate: ${now.toUTCString()}\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`
  );
}

/** Go's answer to a request it cannot parse at all. */
export const MALFORMED_REQUEST = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request";
