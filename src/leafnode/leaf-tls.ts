/**
 * TLS on a leaf connection we dial over TCP (nats-server leafnode.go
 * leafClientHandshakeIfNeeded): the hub speaks first in plain text, and its first INFO
 * decides. When the remote has a `tls {}` block or the INFO says `tls_required`, the
 * client handshake starts on the same socket before anything else is sent; the INFO is
 * then parsed as the first input of the leaf.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import type tls from "node:tls";
import type { DialTls } from "../cluster/dial.js";
import { DEFAULT_TLS_TIMEOUT_MS } from "../server/tls.js";
import type { TlsOptions } from "../server/options.js";
import { lazyRequire } from "../util/lazy-require.js";

const tlsModule = lazyRequire<typeof tls>("node:tls");

/** Longest first line we wait for before deciding: INFO with many URLs stays well under it. */
const MAX_FIRST_LINE = 64 * 1024;

/**
 * The TLS a remote dials with (nats-server leafNodeGetTLSConfigForSolicit): its CA checks
 * the hub (the system roots without one), its certificate (if any) is ours, `insecure`
 * skips the check. Throws when a file cannot be read.
 */
export function remoteDialTls(o: TlsOptions | undefined): DialTls {
  const read = (f: string | undefined): Buffer | undefined => (f ? readFileSync(f) : undefined);
  const context = tlsModule().createSecureContext({ ca: read(o?.caFile), cert: read(o?.certFile), key: read(o?.keyFile), minVersion: "TLSv1.2" });
  const timeoutMs = o?.timeoutMs !== undefined && o.timeoutMs > 0 ? o.timeoutMs : DEFAULT_TLS_TIMEOUT_MS;
  return { options: { secureContext: context, rejectUnauthorized: o?.insecure !== true }, timeoutMs };
}

/** What came before the decision: the bytes read (INFO and anything after) and whether the hub wants TLS. */
export interface FirstInfo {
  bytes: Buffer;
  tlsRequired: boolean;
}

/**
 * Reads the hub's first line off `socket` (paused afterwards). `done` gets it, or an
 * error text when the socket closed or nothing came within `timeoutMs` (then the
 * connection is closed as a read error, as nats-server's INFO wait does). A first line
 * that is not a readable INFO is handed on as is: the leaf's parser reports it.
 */
export function readFirstInfo(socket: net.Socket, timeoutMs: number, done: (r: FirstInfo | string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (r: FirstInfo | string): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("close", onClose);
    socket.off("error", onError);
    socket.pause();
    done(r);
  };
  const onData = (b: Buffer): void => {
    chunks.push(b);
    size += b.length;
    const all = chunks.length === 1 ? b : Buffer.concat(chunks, size);
    const eol = all.indexOf("\r\n");
    if (eol < 0 && size < MAX_FIRST_LINE) return;
    finish({ bytes: all, tlsRequired: eol >= 0 && infoWantsTls(all.subarray(0, eol)) });
  };
  const onClose = (): void => finish("connection closed before the hub's INFO");
  const onError = (err: Error): void => finish(err.message);
  const timer = setTimeout(() => finish("timeout waiting for the hub's INFO"), timeoutMs);
  socket.on("data", onData);
  socket.once("close", onClose);
  socket.once("error", onError);
  socket.resume();
}

function infoWantsTls(line: Buffer): boolean {
  const text = line.toString("latin1");
  const m = /^INFO\s+/i.exec(text);
  if (m === null) return false;
  try {
    const info = JSON.parse(text.slice(m[0].length)) as { tls_required?: unknown };
    return info.tls_required === true;
  } catch {
    return false;
  }
}

/**
 * Starts the client handshake over `raw` toward `url`'s host. `done` gets the TLS socket
 * once secure, or the error's text (a timeout after the remote's `tls_timeout`).
 */
export function startClientHandshake(raw: net.Socket, url: URL, t: DialTls, done: (r: tls.TLSSocket | string) => void): void {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const s = tlsModule().connect({ ...t.options, socket: raw, host, servername: net.isIP(host) === 0 ? host : undefined });
  let finished = false;
  const finish = (r: tls.TLSSocket | string): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    s.off("error", onError);
    done(r);
  };
  const onError = (err: Error): void => {
    finish(err.message);
    s.destroy();
  };
  const timer = setTimeout(() => {
    finish("timeout");
    s.destroy();
  }, t.timeoutMs);
  s.once("error", onError);
  s.once("secureConnect", () => finish(s));
}
