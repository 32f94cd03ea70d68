/**
 * The websocket listener (nats-server websocket.go startWebsocketServer): accepts TCP (or
 * TLS with `tls {}`: wss), reads the HTTP upgrade request within handshake_timeout,
 * answers 101 or nats-server's HTTP error, and hands the socket to the server as a
 * CLIENT connection with WebSocket framing, or to the leaf manager as a LEAF when the
 * path says so (upgrade.ts upgradeKind). Also owns what is websocket-wide: the origin
 * policy, the auth override of the `websocket {}` block, the URLs for the ports file and
 * /varz's `websocket` section.
 */
import net from "node:net";
import type tls from "node:tls";
import { Authenticator } from "../auth/authenticator.js";
import type { Server } from "../server/server.js";
import type { WebsocketOptions } from "../server/options.js";
import { advertiseAddress, hostPort, listenURLs } from "../server/net-util.js";
import { ServerTls } from "../server/tls.js";
import { lazyRequire } from "../util/lazy-require.js";
import {
  MALFORMED_REQUEST,
  MAX_REQUEST_HEAD,
  allowedOriginsMap,
  checkUpgrade,
  headEnd,
  httpError,
  parseRequestHead,
  settingsFor,
  switchingProtocols,
  upgradeKind,
  type OriginPolicy,
} from "./upgrade.js";

const tlsModule = lazyRequire<typeof tls>("node:tls");

/**
 * Longest an upgrade may take when handshake_timeout is not set. nats-server has no bound
 * then; one keeps a silent peer from holding a socket forever.
 */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export class WebsocketServer {
  private listener: net.Server | null = null;
  port = 0;
  /** Replaced by a config reload (new certificates for the next handshakes, as nats-server wsGetTLSConfig). */
  tls: ServerTls | null;
  private readonly origins: OriginPolicy;
  /** nats-server srvWebsocket.authOverride: the block sets username, token or no_auth_user. */
  readonly authOverride: boolean;
  /** The override's authenticator and the server authenticator it was derived from (rebuilt after a reload). */
  private overrideAuth: Authenticator | null = null;
  private overrideBase: Authenticator | null = null;
  /** The leaf nodes' authenticator with this block's no_auth_user, and the server authenticator it came from. */
  private leafAuth: Authenticator | null = null;
  private leafAuthBase: Authenticator | null = null;
  /** Sockets still in their upgrade, closed on shutdown. */
  private readonly handshaking = new Set<net.Socket>();

  private constructor(
    private readonly server: Server,
    readonly options: WebsocketOptions,
  ) {
    this.tls = options.tls !== undefined ? ServerTls.load(options.tls) : null;
    this.origins = { sameOrigin: options.sameOrigin, allowed: allowedOriginsMap(options.allowedOrigins) };
    this.authOverride = !!options.username || !!options.token || !!options.noAuthUser;
  }

  /** Listens and logs as nats-server does; throws when the port cannot be bound. */
  static async start(server: Server, options: WebsocketOptions): Promise<WebsocketServer> {
    const ws = new WebsocketServer(server, options);
    const l = net.createServer({ noDelay: true });
    l.on("connection", (socket) => ws.accept(socket));
    await new Promise<void>((resolve, reject) => {
      l.once("error", reject);
      l.listen({ port: options.port === -1 ? 0 : options.port, host: options.host, backlog: 8192 }, () => {
        l.off("error", reject);
        resolve();
      });
    });
    l.on("error", (err) => server.logger.error(`websocket listener error: ${err.message}`));
    ws.listener = l;
    ws.port = (l.address() as net.AddressInfo).port;
    server.logger.notice(`Listening for websocket clients on ${ws.scheme}://${hostPort(options.host, ws.port)}`);
    if (ws.tls === null) server.logger.warn(`Websocket not configured with TLS. DO NOT USE IN PRODUCTION!`);
    return ws;
  }

  /** Reload: the next wss handshakes use `t`; open connections keep theirs. */
  reloadTls(t: ServerTls): void {
    if (this.tls !== null) this.tls = t;
  }

  get scheme(): string {
    return this.tls !== null ? "wss" : "ws";
  }

  /** The listener's URLs for the ports file (`websocket`). */
  urls(): string[] {
    return listenURLs(this.scheme, this.options.host, this.port);
  }

  /**
   * `host:port` WebSocket clients can reach this server at: the block's `advertise`
   * (its port defaulting to the listen port), else the listen addresses (nats-server
   * getConnectURLs). Gossiped to the cluster as route INFO `ws_connect_urls`.
   */
  connectUrls(): string[] {
    const adv = this.options.advertise;
    if (adv !== undefined && adv !== "") {
      const a = advertiseAddress(adv, this.options.host, this.port);
      return [hostPort(a.host, a.port)];
    }
    const prefix = `${this.scheme}://`;
    return this.urls().map((u) => u.slice(prefix.length));
  }

  /**
   * The authenticator for websocket clients: with an override, the server's users with the
   * block's username/password/token/no_auth_user (nats-server processClientOrLeafAuthentication).
   */
  authenticator(): Authenticator {
    const base = this.server.auth;
    if (!this.authOverride) return base;
    if (this.overrideBase !== base || this.overrideAuth === null) {
      const o = this.server.options;
      const w = this.options;
      this.overrideAuth = new Authenticator(
        { ...o, username: w.username, password: w.password, authToken: w.token, noAuthUser: w.noAuthUser },
        base.bcrypt,
      );
      this.overrideBase = base;
    }
    return this.overrideAuth;
  }

  /**
   * The authenticator for leaf nodes that came in over WebSocket (nats-server
   * processClientOrLeafAuthentication): the server's users, with this block's
   * no_auth_user when it has one (its username, password and token are for clients only).
   */
  leafAuthenticator(): Authenticator {
    const base = this.server.auth;
    const noAuthUser = this.options.noAuthUser;
    if (noAuthUser === undefined || noAuthUser === "") return base;
    if (this.leafAuthBase !== base || this.leafAuth === null) {
      this.leafAuth = new Authenticator({ ...this.server.options, noAuthUser }, base.bcrypt);
      this.leafAuthBase = base;
    }
    return this.leafAuth;
  }

  /**
   * The INFO WebSocket clients get, made from the TCP clients' (nats-server createWSClient
   * and generateClientInfoJSON): this listener's host, port and TLS; `connect_urls` are the
   * cluster's WebSocket URLs (`wsConnectUrls`, null until a peer advertised one), never the
   * TCP ones; `auth_required` also when the block brings its own auth.
   */
  clientInfo(base: Readonly<Record<string, unknown>>, wsConnectUrls: string[] | null): Record<string, unknown> {
    const info: Record<string, unknown> = { ...base, host: this.options.host, port: this.port };
    if (this.authOverride) info.auth_required = true;
    delete info.tls_required;
    delete info.tls_available;
    if (this.tls !== null) info.tls_required = info.tls_available = true;
    delete info.connect_urls;
    if (wsConnectUrls !== null) info.connect_urls = wsConnectUrls;
    return info;
  }

  /** nats-server's /varz `websocket` object (empty fields left out, as Go's omitempty). */
  varz(): Record<string, unknown> {
    const o = this.options;
    const v: Record<string, unknown> = {};
    if (o.host) v.host = o.host;
    if (this.port) v.port = this.port;
    if (o.advertise) v.advertise = o.advertise;
    if (o.noAuthUser) v.no_auth_user = o.noAuthUser;
    if (o.jwtCookie) v.jwt_cookie = o.jwtCookie;
    if (o.handshakeTimeoutMs) v.handshake_timeout = o.handshakeTimeoutMs * 1_000_000;
    if (o.authTimeoutMs) v.auth_timeout = o.authTimeoutMs / 1000;
    if (o.noTls) v.no_tls = true;
    if (o.sameOrigin) v.same_origin = true;
    if (o.allowedOrigins && o.allowedOrigins.length > 0) v.allowed_origins = o.allowedOrigins;
    if (o.compression) v.compression = true;
    return v;
  }

  /** Stops accepting; sockets still upgrading are closed. */
  close(): Promise<void> {
    for (const s of this.handshaking) s.destroy();
    this.handshaking.clear();
    const l = this.listener;
    this.listener = null;
    return new Promise((resolve) => (l !== null && l.listening ? l.close(() => resolve()) : resolve()));
  }

  /** Stops accepting new clients (lame duck mode). */
  stopAccepting(): void {
    this.listener?.close();
  }

  private accept(raw: net.Socket): void {
    const server = this.server;
    if (server.lameDuckMode || server.shutdownStarted) {
      raw.destroy();
      return;
    }
    raw.setNoDelay(true);
    const socket: net.Socket = this.tls !== null ? this.wrapTls(raw) : raw;
    const peer = `${raw.remoteAddress ?? ""}:${raw.remotePort ?? 0}`;
    this.handshaking.add(socket);
    let head: Buffer | null = null;
    const timeoutMs = this.options.handshakeTimeoutMs !== undefined && this.options.handshakeTimeoutMs > 0 ? this.options.handshakeTimeoutMs : DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const timer = setTimeout(() => {
      server.logger.debug(`${peer} - websocket handshake timeout`);
      done();
      socket.destroy();
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      this.handshaking.delete(socket);
      socket.off("data", onData);
    };
    const onData = (chunk: Buffer): void => {
      head = head === null ? chunk : Buffer.concat([head, chunk]);
      const end = headEnd(head);
      if (end < 0) {
        if (head.length > MAX_REQUEST_HEAD) {
          done();
          socket.end(httpError(431));
        }
        return;
      }
      done();
      socket.pause();
      this.upgrade(socket, peer, head, end);
    };
    socket.on("data", onData);
    socket.on("error", () => {
      done();
      socket.destroy();
    });
  }

  /** Wraps an accepted socket for wss; the handshake runs within the upgrade's timeout. */
  private wrapTls(raw: net.Socket): tls.TLSSocket {
    const t = this.tls!;
    return new (tlsModule().TLSSocket)(raw, { isServer: true, secureContext: t.context, requestCert: t.verify, rejectUnauthorized: t.verify });
  }

  /** Answers the upgrade request `buf[0, end)` and, when accepted, starts the client. */
  private upgrade(socket: net.Socket, peer: string, buf: Buffer, end: number): void {
    const log = this.server.logger;
    if (end < buf.length) {
      // nats-server (Go's hijack) refuses bytes that came before the 101.
      log.error(`${peer} - websocket handshake error: client sent data before handshake is complete`);
      socket.destroy();
      return;
    }
    const req = parseRequestHead(buf.toString("latin1", 0, end));
    if (req === null) {
      socket.end(MALFORMED_REQUEST);
      return;
    }
    const err = checkUpgrade(req, this.origins, this.tls !== null);
    if (err !== null) {
      log.error(`${peer} - websocket handshake error: ${err.reason}`);
      socket.end(httpError(err.status));
      return;
    }
    const kind = upgradeKind(req.path);
    if (kind === "mqtt") {
      // nats-server would start an MQTT session here; tsnats has no MQTT.
      log.error(`${peer} - websocket handshake error: MQTT is not supported`);
      socket.end(httpError(400));
      return;
    }
    const settings = settingsFor(req, this.options, kind === "client");
    socket.write(switchingProtocols(req, settings, this.options.headers));
    if (kind === "client") {
      this.server.acceptWebsocketClient(socket, settings);
      return;
    }
    const leafs = this.server.leafs;
    if (leafs === null || !leafs.listening) {
      // As nats-server: the 101 went out, and the connection is closed without a word.
      log.error("Not configured to accept leaf node connections");
      socket.destroy();
      return;
    }
    leafs.acceptWebsocket(socket, settings);
  }
}
