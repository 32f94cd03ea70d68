/**
 * A remote leaf node over WebSocket, the dialing side (nats-server leafnode.go
 * leafNodeSolicitWSConnection): the TLS wanted for `wss://` (or a `tls {}` block), the
 * HTTP upgrade request nats-server sends, byte for byte, and the checks of the hub's
 * answer (101, Upgrade, Connection, Sec-WebSocket-Accept, the compression and no-masking
 * it agreed to). What follows the answer in the same read is handed back, to be parsed
 * as the first frames.
 */
import { randomBytes } from "node:crypto";
import type net from "node:net";
import type { DialTls } from "../cluster/dial.js";
import type { TlsOptions } from "../server/options.js";
import { remoteDialTls } from "./leaf-tls.js";
import { LEAF_WS_PATH, acceptKey, headEnd, MAX_REQUEST_HEAD, parseHeaderLines } from "../websocket/upgrade.js";
import type { WsSettings } from "../websocket/ws-conn.js";

/** nats-server wsPMCReqHeaderValue: permessage-deflate without context takeover either way. */
const PMC_REQUEST = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/** nats-server isWSURL: `ws://` and `wss://` remotes go over WebSocket. */
export function isWsUrl(u: URL): boolean {
  return u.protocol.toLowerCase().startsWith("ws");
}

/**
 * The TLS a WebSocket remote dials with (nats-server leafNodeGetTLSConfigForSolicit):
 * wanted for `wss://` or when the remote has a `tls {}` block; its CA checks the hub, its
 * certificate (if any) is ours (leaf-tls.ts). Throws when a file cannot be read.
 */
export function wsDialTls(url: URL, o: TlsOptions | undefined): DialTls | null {
  if (o === undefined && url.protocol.toLowerCase() !== "wss:") return null;
  return remoteDialTls(o);
}

/**
 * The upgrade request as nats-server 2.9 writes it (Go's http.Request.Write: Host and
 * User-Agent first, the rest sorted by name). The path is `/leafnode` followed by the
 * URL's own path without its slash, as 2.9 builds it (2.10+ hubs match `.../leafnode`).
 */
export function upgradeRequest(url: URL, key: string, compress: boolean, noMasking: boolean): string {
  // A ws:// URL's path is at least "/" (Go's is "" without one; both become /leafnode).
  const path = LEAF_WS_PATH + url.pathname.replace(/^\//, "");
  let out = `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: Go-http-client/1.1\r\nConnection: Upgrade\r\n`;
  if (noMasking) out += "Nats-No-Masking: true\r\n";
  out += `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
  if (compress) out += `Sec-Websocket-Extensions: ${PMC_REQUEST}\r\n`;
  return out + "Upgrade: websocket\r\n\r\n";
}

/** The hub's answer: its status and headers by lower-case name (first value of each). */
interface UpgradeResponse {
  status: number;
  headers: Map<string, string[]>;
}

function parseResponseHead(head: string): UpgradeResponse | null {
  const lines = head.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? "");
  if (m === null) return null;
  const headers = parseHeaderLines(lines);
  if (headers === null) return null;
  return { status: Number(m[1]), headers };
}

/** nats-server wsPMCExtensionSupport(checkPMCOnly false): [offered, with no context takeover both ways]. */
function deflateAgreed(r: UpgradeResponse): [boolean, boolean] {
  for (const list of r.headers.get("sec-websocket-extensions") ?? []) {
    for (const ext of list.split(",")) {
      const params = ext.split(";").map((p) => p.trim().toLowerCase());
      const i = params.indexOf("permessage-deflate");
      if (i < 0) continue;
      const rest = params.slice(i + 1);
      return [true, rest.includes("server_no_context_takeover") && rest.includes("client_no_context_takeover")];
    }
  }
  return [false, false];
}

/**
 * Checks the hub's answer to `key` (nats-server's order and error texts); returns what was
 * agreed, or the error.
 */
export function checkUpgradeResponse(head: string, key: string, compress: boolean, noMasking: boolean): WsSettings | string {
  const r = parseResponseHead(head);
  if (r === null) return "malformed HTTP response";
  const get = (name: string): string => r.headers.get(name)?.[0] ?? "";
  if (r.status !== 101 || get("upgrade").toLowerCase() !== "websocket" || get("connection").toLowerCase() !== "upgrade" || get("sec-websocket-accept") !== acceptKey(key)) {
    return "invalid websocket connection";
  }
  let agreed = false;
  if (compress) {
    const [offered, noContext] = deflateAgreed(r);
    if (offered && !noContext) return "compression negotiation error";
    agreed = offered;
  }
  return {
    compress: agreed,
    // The hub must echo Nats-No-Masking, else we mask as any client would.
    noMasking: noMasking && get("nats-no-masking") === "true",
    browser: false,
    noCompressedFragments: false,
    cookieJwt: "",
    cookieUser: "",
    cookiePass: "",
    cookieToken: "",
    clientIp: "",
  };
}

/** What the upgrade gave: the agreed settings and the bytes read past the answer (the first frames). */
export interface SolicitResult {
  settings: WsSettings;
  rest: Buffer;
}

/**
 * Sends the upgrade request on `socket` and waits up to `timeoutMs` for the answer;
 * `done` gets the result or the error text (the socket is left paused, its listeners
 * removed, for the caller to close or hand on).
 */
export function solicitWebsocket(
  socket: net.Socket,
  url: URL,
  compress: boolean,
  noMasking: boolean,
  timeoutMs: number,
  done: (r: SolicitResult | string) => void,
): void {
  const key = randomBytes(16).toString("base64");
  let head: Buffer | null = null;
  let finished = false;
  const finish = (r: SolicitResult | string): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.pause();
    socket.off("data", onData);
    socket.off("error", onError);
    socket.off("close", onClose);
    done(r);
  };
  const onData = (chunk: Buffer): void => {
    head = head === null ? chunk : Buffer.concat([head, chunk]);
    const end = headEnd(head);
    if (end < 0) {
      if (head.length > MAX_REQUEST_HEAD) finish("HTTP response too large");
      return;
    }
    const r = checkUpgradeResponse(head.toString("latin1", 0, end), key, compress, noMasking);
    finish(typeof r === "string" ? r : { settings: r, rest: Buffer.from(head.subarray(end)) });
  };
  const onError = (err: Error): void => finish(err.message);
  const onClose = (): void => finish("EOF");
  const timer = setTimeout(() => finish("i/o timeout"), timeoutMs);
  socket.on("data", onData);
  socket.on("error", onError);
  socket.on("close", onClose);
  socket.write(upgradeRequest(url, key, compress, noMasking));
}
