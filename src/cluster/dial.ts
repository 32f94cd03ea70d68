/**
 * Dialing other servers, with the retry rules every link kind shares (nats-server
 * route.go connectToRoute, leafnode.go connectToRemoteLeafNode, gateway.go
 * solicitGateway): a dial timeout, a delay between attempts, a bounded or endless number
 * of attempts, errors reported at the first attempt and then only now and then, and
 * nothing left running once the server stops.
 */
import net from "node:net";
import type tls from "node:tls";
import type { ServerLogger } from "../server/logger.js";
import { lazyRequire } from "../util/lazy-require.js";

/** node:tls costs ~20 ms to load and most clusters run without TLS: loaded on the first TLS dial. */
const tlsModule = lazyRequire<typeof tls>("node:tls");

/** nats-server DEFAULT_ROUTE_DIAL: how long one connect attempt may take. */
export const DEFAULT_DIAL_TIMEOUT_MS = 1000;
/** The ports a URL without one means, for the schemes whose default the URL parser drops. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { "ws:": 80, "wss:": 443 };
/** nats-server reconnectErrorReports default: after the first failure, report every Nth. */
const ERROR_REPORT_EVERY = 3600;

/** TLS for an outgoing link: the client side of the handshake, done right after TCP connect. */
export interface DialTls {
  options: tls.ConnectionOptions;
  timeoutMs: number;
}

export interface DialRequest {
  url: URL;
  /** What to call the peer in logs ("route", "remote leafnode"). */
  what: string;
  /** Before the first attempt. */
  delayMs: number;
  /** Between attempts, given how many failed so far (1 after the first). */
  retryDelayMs: (failures: number) => number;
  /** Attempts after the first failure before giving up; Infinity retries for ever. */
  retries: number;
  /** The first connection to this peer since start: failures are logged as errors. */
  firstConnect: boolean;
  dialTimeoutMs: number;
  tls: DialTls | null;
  /** The log line for a failed attempt, when the kind words it its own way. */
  describeError?: (attempts: number, err: Error) => string;
  /** Checked before every attempt: false ends the dialing quietly. */
  stillWanted: () => boolean;
  /** The connected (and TLS-secured) socket. */
  onSocket: (socket: net.Socket) => void;
  /** After the last attempt failed. */
  onGiveUp?: () => void;
}

/**
 * The wait after the `failures`-th failed attempt: `baseMs` each time, or with
 * `connect_backoff` doubled after every failure up to `maxMs` (nats-server route.go
 * connectToRoute and gateway.go solicitGateway: 1 s, 2 s, 4 s ... 30 s).
 */
export function backoffDelayMs(baseMs: number, maxMs: number, backoff: boolean, failures: number): number {
  if (!backoff || failures <= 1) return baseMs;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

/** Runs dial requests; stop() ends every one still waiting or connecting. */
export class Dialer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly connecting = new Set<net.Socket>();
  private stopped = false;

  constructor(private readonly logger: ServerLogger) {}

  dial(req: DialRequest): void {
    this.schedule(req, req.delayMs, 0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.connecting) s.destroy();
    this.connecting.clear();
  }

  private schedule(req: DialRequest, delayMs: number, attempts: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.attempt(req, attempts);
    }, delayMs);
    this.timers.add(t);
  }

  private attempt(req: DialRequest, attempts: number): void {
    if (this.stopped || !req.stillWanted()) return;
    const host = req.url.hostname.replace(/^\[|\]$/g, "");
    // A ws:// or wss:// URL on its scheme's default port keeps no port (WHATWG URL).
    const port = Number(req.url.port || DEFAULT_PORTS[req.url.protocol] || 0);
    this.logger.debug(`Trying to connect to ${req.what} on ${req.url.host}`);
    let socket: net.Socket = net.connect({ host, port, noDelay: true });
    this.connecting.add(socket);
    let done = false;
    const timer = setTimeout(() => fail(new Error("i/o timeout")), req.dialTimeoutMs);
    const fail = (err: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.connecting.delete(socket);
      socket.destroy();
      this.failed(req, attempts + 1, err);
    };
    const ready = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.connecting.delete(socket);
      socket.removeAllListeners("error");
      socket.removeAllListeners("secureConnect");
      if (this.stopped || !req.stillWanted()) {
        socket.destroy();
        return;
      }
      req.onSocket(socket);
    };
    socket.once("error", fail);
    socket.once("connect", () => {
      if (req.tls === null) return ready();
      // The handshake comes first on server links, before any INFO.
      const raw = socket;
      raw.removeAllListeners("error");
      socket = tlsModule().connect({ ...req.tls.options, socket: raw, host, servername: net.isIP(host) === 0 ? host : undefined });
      this.connecting.delete(raw);
      this.connecting.add(socket);
      socket.once("error", fail);
      socket.once("secureConnect", ready);
      clearTimeout(timer);
      setTimeout(() => fail(new Error("TLS handshake timeout")), req.tls.timeoutMs).unref();
    });
  }

  private failed(req: DialRequest, attempts: number, err: Error): void {
    const text = req.describeError?.(attempts, err) ?? `Error trying to connect to ${req.what} (attempt ${attempts}): ${err.message}`;
    if (req.firstConnect && (attempts === 1 || attempts % ERROR_REPORT_EVERY === 0)) this.logger.error(text);
    else this.logger.debug(text);
    if (attempts > req.retries) {
      req.onGiveUp?.();
      return;
    }
    this.schedule(req, req.retryDelayMs(attempts), attempts);
  }
}

/** The client side of route TLS: our certificate, the CA to check the peer with (unless `insecure`). */
export function clientTls(insecure: boolean, t: { context: tls.SecureContext; timeoutMs: number }): DialTls {
  return { options: { secureContext: t.context, rejectUnauthorized: !insecure }, timeoutMs: t.timeoutMs };
}
