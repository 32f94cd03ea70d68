/**
 * The cluster (nats-server route.go, server.go): the route listener, the routes we dial and
 * redial, the registry of peers by server ID with nats-server's duplicate resolution,
 * gossip (every peer's INFO is forwarded so a node given one seed meshes with everyone),
 * interest propagation (RS+/RS- from the accounts' interest door) and the client URLs of
 * the whole cluster that clients learn through INFO `connect_urls`.
 *
 * Route pooling as nats-server 2.10 does it (pool.ts): `pool_size` connections per peer,
 * each account on the one at its pool index, and a dedicated connection per pinned account
 * (`cluster { accounts }`, plus the system account). A peer that advertises no
 * `route_pool_size` (2.9, or `pool_size: -1`) gets one route that carries every account.
 */
import { listenForLinks } from "./listen.js";
import net from "node:net";
import { nuid } from "@nats-io/nuid";
import type { Account, InterestListener } from "../accounts/account.js";
import { generateNonce } from "../auth/nkeys.js";
import { Permissions } from "../auth/permissions.js";
import { interestLine } from "../protocol/encode.js";
import { ClosedState } from "../server/closed-state.js";
import { hostPort } from "../server/net-util.js";
import { COMPRESSION_OFF, type ClusterOptions } from "../server/options.js";
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import { ServerTls } from "../server/tls.js";
import { NATS_COMPAT_VERSION, VERSION } from "../version.js";
import { backoffDelayMs, clientTls, DEFAULT_DIAL_TIMEOUT_MS, Dialer, type DialTls } from "./dial.js";
import { Route } from "./route.js";
import { ownClientUrls, PeerUrls, urlList } from "./connect-urls.js";
import { MSG_TRACE_PROTO } from "./link-info.js";
import { isConfiguredRoute, parseRouteUrl, redacted, routeUrlFrom, splitHostPort, type RouteConnect, type RouteInfo } from "./route-proto.js";
import { computeRoutePoolIdx, decidePool } from "./pool.js";
import { AccAddWait } from "./acc-add-wait.js";
import { forwardRouteInfo, implicitRouteUrl } from "./gossip.js";

/** nats-server DEFAULT_ROUTE_CONNECT / DEFAULT_ROUTE_RECONNECT: between attempts, before a redial. */
const ROUTE_CONNECT_DELAY_MS = 1000;
const ROUTE_RECONNECT_DELAY_MS = 1000;
/** nats-server DEFAULT_ROUTE_CONNECT_MAX: where `connect_backoff` stops doubling. */
const ROUTE_CONNECT_MAX_DELAY_MS = 30_000;
/** Up to this much random delay before a redial, so two servers do not collide again. */
const ROUTE_RECONNECT_JITTER_MS = 100;
/**
 * After both servers dropped opposite connections as duplicates, both redial: they
 * collide again when the dials are closer than a handshake, which on a loaded host takes
 * tens of milliseconds, so this redial is spread wider than nats-server's 100 ms.
 */
const DUPLICATE_REDIAL_JITTER_MS = 1000;
const DEFAULT_AUTH_TIMEOUT_MS = 2000;

export class RouteManager implements InterestListener {
  clusterName: string;
  /** The name was generated, not configured: it yields to a configured or greater one. */
  dynamicName: boolean;
  /** One registered route per peer (the first of its pool), by the peer's server ID. */
  readonly remotes = new Map<string, Route>();
  /** Each peer's connections by pool index (route.go s.routes); one slot for a peer without pooling. */
  readonly pools = new Map<string, Array<Route | null>>();
  /** Pinned accounts' dedicated routes, by account then peer (route.go s.accRoutes). */
  readonly pinned = new Map<string, Map<string, Route>>();
  /** Connections per peer (route.go routesPoolSize): 1 without pooling. Set again by a reload. */
  poolSize: number;
  /** `pool_size` is not -1: we advertise it and a route we dial waits for its slot. */
  pooling: boolean;
  /** The pinned accounts of our config (`pinned` may also hold those a peer's reload pinned). */
  private configuredPinned: readonly string[];
  /** Each pooling peer's own pool size (2.11 remoteRoutePoolSize), when it differs it places accounts elsewhere. */
  private readonly remotePoolSize = new Map<string, number>();
  /** Pinned routes being dialed, as `account url`, so a pool's routes dial each one once. */
  private readonly pinnedDials = new Set<string>();
  /** Each account's pool index, computed once per name. */
  private readonly poolIdxByName = new Map<string, number>();
  /** Every route connection, registered or still in its handshake. */
  readonly all = new Set<Route>();
  listenPort = 0;
  readonly authRequired: boolean;
  readonly authTimeoutMs: number;
  private readonly perms: Permissions | null;
  private readonly tls: ServerTls | null;
  private readonly dialTls: DialTls | null;
  /** The accounts whose interest we hear (watchNewAccounts). */
  private readonly watched = new Set<Account>();
  private readonly dialer: Dialer;
  /** A reload that pinned accounts waits for the peers' answers. */
  private readonly accAddWait: AccAddWait;
  private listener: net.Server | null = null;
  private stopping = false;
  private lameDuck = false;
  private noAdvertise: boolean; // reloadable: what new routes and later URL changes see
  /** Client URLs of the other servers (route INFO `connect_urls`). */
  private readonly peerClientUrls = new PeerUrls();
  /** WebSocket URLs of the other servers (route INFO `ws_connect_urls`). */
  private readonly peerWsUrls = new PeerUrls();

  private constructor(
    readonly server: Server,
    readonly options: ClusterOptions,
  ) {
    this.clusterName = options.name ?? nuid.next();
    this.dynamicName = options.name === undefined || options.name === "";
    this.authRequired = options.username !== undefined && options.username !== "";
    this.noAdvertise = options.noAdvertise;
    this.tls = options.tls ? ServerTls.load(options.tls) : null;
    const tlsTimeout = this.tls?.timeoutMs ?? 0;
    this.authTimeoutMs = options.authTimeoutMs ?? (this.tls !== null ? tlsTimeout + 1000 : DEFAULT_AUTH_TIMEOUT_MS);
    const p = options.permissions;
    this.perms = p ? new Permissions({ publish: p.import, subscribe: p.export }) : null;
    this.dialTls = this.tls !== null ? clientTls(options.tls!.insecure === true, this.tls) : null;
    this.dialer = new Dialer(server.logger);
    this.accAddWait = new AccAddWait(server.logger);
    this.pooling = options.poolSize > 0;
    this.poolSize = this.pooling ? options.poolSize : 1;
    this.configuredPinned = this.pooling ? options.pinnedAccounts : [];
    for (const a of this.configuredPinned) this.pinned.set(a, new Map());
  }

  /** Listens on the cluster port (when set), dials the configured routes, joins the interest door. */
  static async start(server: Server, options: ClusterOptions): Promise<RouteManager> {
    const m = new RouteManager(server, options);
    const log = server.logger;
    log.notice(`Cluster name is ${m.clusterName}`);
    if (m.dynamicName) log.warn(`Cluster name was dynamically generated, consider setting one`);
    if (options.port !== 0) await m.listen();
    m.watchNewAccounts();
    const urls: URL[] = [];
    for (const raw of options.routes) {
      const url = parseRouteUrl(raw);
      if (url === null) log.error(`Error parsing route URL "${raw}"`);
      else urls.push(url);
    }
    // route.go solicitRoutes: each configured route, and with it each pinned account's.
    for (const url of urls) m.solicit(url, true, true, 0);
    for (const name of m.configuredPinned) for (const url of urls) m.solicitPinnedOne(name, url, true);
    return m;
  }

  private async listen(): Promise<void> {
    const o = this.options;
    const l = await listenForLinks(o.host, o.port, "Route", this.server.logger, (socket) => this.accept(socket));
    this.listener = l;
    this.listenPort = (l.address() as net.AddressInfo).port;
    this.server.logger.notice(`Listening for route connections on ${hostPort(o.host, this.listenPort)}`);
  }

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const route = new Route(this.server, this.server.nextConnectionId(), socket, this, false, null, false);
    this.all.add(route);
    if (this.tls !== null) route.socket = this.tls.wrap(socket, route, this.server.logger);
    route.start();
  }

  /** Dials a route: configured ones for ever, learned ones `connect_retries` times. */
  private solicit(url: URL, explicit: boolean, firstConnect: boolean, delayMs: number, accountName = ""): void {
    this.dialer.dial({
      url,
      what: "route",
      delayMs,
      retryDelayMs: (failures) => backoffDelayMs(ROUTE_CONNECT_DELAY_MS, ROUTE_CONNECT_MAX_DELAY_MS, this.options.connectBackoff, failures),
      retries: explicit ? Infinity : Math.max(0, this.options.connectRetries),
      firstConnect,
      dialTimeoutMs: DEFAULT_DIAL_TIMEOUT_MS,
      tls: this.dialTls,
      stillWanted: () => !this.stopping && (!explicit || isConfiguredRoute(this.options.routes, url)),
      onSocket: (socket) => {
        const route = new Route(this.server, this.server.nextConnectionId(), socket, this, true, url, explicit);
        this.all.add(route);
        this.server.logger.debug(`${route.logPrefix()}Route connect msg sent`);
        route.start(accountName);
      },
    });
  }

  // ---- handshake ----

  /** Our route INFO (nats-server routeInfo), with a fresh nonce as each new route gets. */
  infoLine(extra: Partial<RouteInfo> = {}): string {
    return `INFO ${JSON.stringify({ ...this.ownInfo(), nonce: generateNonce(), ...extra })}\r\n`;
  }

  private ownInfo(): RouteInfo {
    const s = this.server;
    const o = this.options;
    const adv = o.advertise ? splitHostPort(o.advertise, this.listenPort) : null;
    const info: RouteInfo = {
      server_id: s.id,
      server_name: s.name,
      version: NATS_COMPAT_VERSION,
      proto: MSG_TRACE_PROTO,
      go: `node${process.versions.node}`,
      host: adv?.host ?? o.host,
      port: adv?.port ?? this.listenPort,
      headers: !s.options.noHeaderSupport,
    };
    if (this.authRequired) info.auth_required = true;
    if (this.tls !== null) info.tls_required = info.tls_verify = true;
    info.max_payload = s.options.maxPayload;
    if (adv !== null) info.ip = `nats-route://${hostPort(adv.host, adv.port)}/`;
    info.cluster = this.clusterName;
    if (this.dynamicName) info.cluster_dynamic = true;
    if (!this.noAdvertise && !this.lameDuck) {
      const urls = ownClientUrls(this.server);
      if (urls.length > 0) info.connect_urls = urls;
      const ws = this.server.websocket?.connectUrls() ?? [];
      if (ws.length > 0) info.ws_connect_urls = ws;
    }
    if (this.lameDuck) info.ldm = true;
    if (o.permissions?.import) info.import = o.permissions.import;
    if (o.permissions?.export) info.export = o.permissions.export;
    info.lnoc = true;
    if (this.pooling) info.route_pool_size = this.poolSize;
    // 2.10 selectCompressionMode: "off" keeps the link uncompressed whatever the peer's mode.
    info.compression = COMPRESSION_OFF;
    if (this.server.gateways !== null) info.gateway_url = this.server.gateways.url;
    const leafUrl = this.server.leafs?.advertisedUrl() ?? null;
    if (leafUrl !== null) info.leafnode_urls = [leafUrl];
    return { ...info, tsnats_version: VERSION } as RouteInfo;
  }

  /** CONNECT for a route we dialed (route.go sendRouteConnect). */
  connectLine(route: Route): string {
    const url = route.url;
    const c: RouteConnect = { echo: true, verbose: false, pedantic: false };
    if (url !== null && url.username !== "") {
      c.user = decodeURIComponent(url.username);
      c.pass = decodeURIComponent(url.password);
    }
    c.tls_required = this.tls !== null;
    c.headers = !this.server.options.noHeaderSupport;
    c.name = this.server.id;
    c.cluster = this.clusterName;
    if (this.dynamicName) c.cluster_dynamic = true;
    c.lnoc = true;
    return `CONNECT ${JSON.stringify(c)}\r\n`;
  }

  /** nats-server isRouterAuthorized: the cluster's one user and password, when configured. */
  authorize(c: RouteConnect): boolean {
    if (!this.authRequired) return true;
    return c.user === this.options.username && c.pass === this.options.password;
  }

  /**
   * nats-server processRouteConnect's cluster name rule: names must match, except that a
   * generated name yields to a configured one or to a greater generated one.
   */
  acceptClusterName(route: Route, name: string, dynamic: boolean): boolean {
    if (name === this.clusterName) return true;
    if (this.dynamicName && (!dynamic || this.clusterName < name)) {
      this.adoptClusterName(name, !dynamic, route);
      return true;
    }
    return false;
  }

  private adoptClusterName(name: string, configured: boolean, keep: Route): void {
    this.clusterName = name;
    if (configured) this.dynamicName = false;
    this.server.logger.notice(`Cluster name updated to ${name}`);
    for (const r of [...this.all]) if (r !== keep) r.closeConnection(ClosedState.ClusterNameConflict);
    this.server.refreshInfo();
  }

  /** Whether the peer's interest in `subject` is accepted (cluster permissions' export). */
  canExport(subject: string): boolean {
    return this.perms === null || this.perms.subscribeAllowed(subject, null);
  }

  /** Whether our interest in `subject` is sent to peers (cluster permissions' import). */
  private canImport(subject: string): boolean {
    return this.perms === null || this.perms.publishAllowed(subject);
  }

  /** An INFO from a route: the handshake's, or a later one (gossip, lame duck). route.go processRouteInfo. */
  processInfo(route: Route, info: RouteInfo): void {
    const s = this.server;
    if (info.server_id === s.id) {
      route.remoteId = info.server_id;
      route.closeConnection(ClosedState.DuplicateRoute);
      return;
    }
    if (typeof info.cluster === "string" && info.cluster !== "" && info.cluster !== this.clusterName) {
      if (this.dynamicName && (info.cluster_dynamic !== true || this.clusterName < info.cluster)) {
        this.adoptClusterName(info.cluster, info.cluster_dynamic !== true, route);
      } else {
        route.closeConnection(ClosedState.ClusterNameConflict);
        return;
      }
    }
    if (route.info !== null) return this.processAsyncInfo(route, info);
    if (!route.didSolicit && info.server_name === s.name) {
      s.logger.error(`${route.logPrefix()}Remote server has a duplicate name: "${info.server_name}"`);
      route.closeConnection(ClosedState.DuplicateServerName);
      return;
    }
    // A pinned route we dialed knows its account; one we accepted learns it here.
    if (!route.didSolicit && typeof info.route_account === "string" && info.route_account !== "") route.pinTo(info.route_account);
    route.info = info;
    route.remoteId = info.server_id;
    route.remoteName = info.server_name ?? "";
    route.headers = info.headers === true && !s.options.noHeaderSupport;
    route.lnoc = info.lnoc === true;
    if (route.url === null && typeof info.host === "string" && typeof info.port === "number") {
      route.url = routeUrlFrom(info.host, info.port);
    }
    this.addRoute(route, info);
  }

  /** An INFO on a registered route: about another server (gossip), or the peer's lame duck mode. */
  private processAsyncInfo(route: Route, info: RouteInfo): void {
    if (typeof info.route_acc_add_reqid === "string" && info.route_acc_add_reqid !== "") {
      this.peerPinnedAccount(route, info);
      return;
    }
    if (typeof info.gateway === "string" && info.gateway !== "") {
      // A gateway our peer connected to (route.go processGatewayInfoFromRoute).
      const gw = this.server.gateways;
      if (gw === null) this.server.logger.error(`Received information about gateway "${info.gateway}" from ${route.remoteId}, but gateway is not configured`);
      else gw.processImplicitGateway(info);
      return;
    }
    if (route.remoteId !== "" && info.server_id !== route.remoteId) {
      this.processImplicitRoute(info);
      return;
    }
    const primary = this.remotes.get(route.remoteId);
    if (info.ldm === true && !this.noAdvertise && primary !== undefined) {
      this.peerUrlsChanged(this.peerClientUrls.remove(primary.connectUrls), this.peerWsUrls.remove(primary.wsConnectUrls));
      primary.connectUrls = [];
      primary.wsConnectUrls = [];
    }
  }

  /**
   * route.go addRoute: checks the pool sizes, then places the route in the peer's pool (at
   * the index the peer chose for a route it dialed, at the first free one for ours) or as
   * its account's dedicated route. A taken place makes it a duplicate.
   */
  private addRoute(route: Route, info: RouteInfo): void {
    const s = this.server;
    const id = info.server_id;
    if (this.stopping) {
      route.closeConnection(ClosedState.ServerShutdown);
      return;
    }
    const accName = route.accountName;
    if (accName !== "" && !s.accounts.has(accName)) {
      route.errAndClose(`Unable to lookup account "${accName}": account missing`, ClosedState.MissingAccount);
      return;
    }
    const remoteIdx = typeof info.route_pool_idx === "number" ? info.route_pool_idx : 0;
    const d = decidePool(this.pooling ? this.poolSize : 0, typeof info.route_pool_size === "number" ? info.route_pool_size : 0, remoteIdx, route.didSolicit, accName);
    if (d.error !== null) {
      route.noReconnect = d.noReconnect;
      route.errAndClose(d.error, ClosedState.ProtocolViolation);
      return;
    }
    if (accName !== "") return this.addPinnedRoute(route, id, accName);
    route.noPool = d.noPool;
    let conns = this.pools.get(id);
    let idx = -1;
    let size = 0;
    if (conns === undefined) {
      conns = new Array<Route | null>(d.poolSize).fill(null);
      this.pools.set(id, conns);
      idx = d.noPool ? 0 : remoteIdx;
    } else if (!d.noPool && !(conns.find((r) => r !== null)?.noPool ?? false)) {
      // A peer whose reload raised its pool size: its pool grows (route.go addRoute).
      while (conns.length < d.poolSize) conns.push(null);
      if (!route.didSolicit) {
        idx = remoteIdx;
        const existing = conns[idx];
        if (existing !== null && existing !== undefined) return this.duplicate(existing, route, false);
        const solicited = conns.find((r) => r !== null && r.didSolicit);
        if (solicited !== undefined && solicited !== null) route.upgradeToSolicited(solicited);
      } else {
        for (const r of conns) if (r !== null) r.upgradeToSolicited(route);
      }
      for (let i = 0; i < conns.length; i++) {
        if (idx === -1 && conns[i] === null) idx = i;
        else if (conns[i] !== null) size++;
      }
      if (idx === -1) {
        s.logger.debug(`${route.logPrefix()}Route pool size reached, closing extra connection to "${id}"`);
        route.noReconnect = true;
        route.closeConnection(ClosedState.DuplicateRoute);
        return;
      }
    } else {
      // One route per peer without pooling: the first wins.
      const existing = conns.find((r) => r !== null) ?? null;
      if (existing !== null) return this.duplicate(existing, route, d.noPool);
      idx = 0;
    }
    route.poolIdx = idx;
    conns[idx] = route;
    size++;
    if (!d.noPool && idx === 0) this.remotePoolSize.set(id, typeof info.route_pool_size === "number" ? info.route_pool_size : this.poolSize);
    route.registered = true;
    // The INFO a pooled route we dialed held back, now with its place in the pool.
    if (route.solicited && this.pooling) route.sendProto(this.infoLine(idx !== 0 ? { route_pool_idx: idx } : {}));
    s.logger.debug(`${route.logPrefix()}Registering remote route "${id}"`);
    if (!this.remotes.has(id)) this.addRemote(route, info);
    this.sendAllInterest(route);
    if (!d.noPool && route.didSolicit && route.url !== null) {
      // Fill the pool one connection at a time, as route.go does.
      if (route.solicited && size < conns.length) this.solicit(route.url, route.explicit, true, Math.floor(Math.random() * 100));
      this.solicitPinned(id, route.url, route.explicit);
    }
  }

  /** Dials the pinned routes a pooling peer lacks (those of the configured routes are dialed at start). */
  private solicitPinned(id: string, url: URL, explicit: boolean): void {
    for (const [name, byPeer] of this.pinned) if (!byPeer.has(id)) this.solicitPinnedOne(name, url, explicit);
  }

  /** Dials `name`'s dedicated route to `url` unless that dial is under way. */
  private solicitPinnedOne(name: string, url: URL, explicit: boolean): void {
    const key = `${name} ${url.href}`;
    if (this.pinnedDials.has(key)) return;
    this.pinnedDials.add(key);
    this.solicit(url, explicit, true, 0, name);
  }

  /** A pinned account's route: one per peer, its interest that account's only. */
  private addPinnedRoute(route: Route, id: string, accName: string): void {
    const byPeer = this.pinned.get(accName);
    if (byPeer === undefined) {
      route.errAndClose(`No route for account "${accName}"`, ClosedState.ProtocolViolation);
      return;
    }
    const existing = byPeer.get(id);
    if (existing !== undefined) return this.duplicate(existing, route, true);
    byPeer.set(id, route);
    route.pinnedAccount = this.server.accounts.get(accName) ?? null;
    route.registered = true;
    this.server.logger.debug(`${route.logPrefix()}Registering remote route "${id}" for account "${accName}"`);
    // The other pooling peers dial it for this account too (route.go addRoute).
    if (route.info !== null) forwardRouteInfo(this.remotes.values(), route, route.info);
    this.sendAllInterest(route);
  }

  /** route.go handleDuplicateRoute: `route` goes, `existing` takes over its redialing. */
  private duplicate(existing: Route, route: Route, noReconnect: boolean): void {
    this.server.logger.debug(`${route.logPrefix()}Detected duplicate remote route "${route.remoteId}"`);
    if (noReconnect) route.noReconnect = true;
    if (route.didSolicit && !existing.didSolicit) {
      existing.didSolicit = true;
      existing.url = route.url;
    }
    if (route.explicit) existing.explicit = true;
    // Both servers may keep opposite connections and drop both: the survivor redials.
    existing.retry = true;
    route.closeConnection(ClosedState.DuplicateRoute);
  }

  /** The first route to a server: what the cluster learns of it once (URLs, gossip). */
  private addRemote(route: Route, info: RouteInfo): void {
    const s = this.server;
    const id = info.server_id;
    this.remotes.set(id, route);
    if (this.remotes.size > 1) forwardRouteInfo(this.remotes.values(), route, info);
    route.connectUrls = urlList(info.connect_urls);
    route.wsConnectUrls = urlList(info.ws_connect_urls);
    if (!this.noAdvertise) this.peerUrlsChanged(this.peerClientUrls.add(route.connectUrls), this.peerWsUrls.add(route.wsConnectUrls));
    route.leafUrl = Array.isArray(info.leafnode_urls) && info.leafnode_urls.length === 1 ? String(info.leafnode_urls[0]) : "";
    if (route.leafUrl !== "") s.leafs?.peerLeafUrl(route.leafUrl, true);
    route.gatewayUrl = typeof info.gateway_url === "string" ? info.gateway_url : "";
    const gw = s.gateways;
    if (gw !== null) {
      gw.routeGatewayUrl(route.gatewayUrl, true);
      const lines = gw.routeGossipLines();
      if (lines !== "") route.sendProto(lines);
    }
  }

  /** The route `account`'s traffic to peer `id` takes, or null (route.go routes by pool index). */
  routeFor(id: string, accountName: string): Route | null {
    const pinned = this.pinned.get(accountName)?.get(id);
    if (pinned !== undefined) return pinned;
    const conns = this.pools.get(id);
    if (conns === undefined) return null;
    const first = conns[0] ?? null;
    if (conns.length === 1 || (first !== null && first.noPool)) return first;
    return conns[this.poolIdxOf(accountName)] ?? null;
  }

  /**
   * Every known peer has its whole pool and, when it pools, every pinned account's route:
   * for tests and the testkit, which wait for this before sending traffic in every account.
   */
  poolsComplete(): boolean {
    for (const [id, conns] of this.pools) {
      if (conns.some((r) => r === null)) return false;
      if (conns[0]!.noPool) continue;
      for (const name of this.configuredPinned) if (!(this.pinned.get(name)?.has(id) ?? false)) return false;
    }
    return true;
  }

  /** An account's pool index (route.go computeRoutePoolIdx), cached by name. */
  poolIdxOf(name: string): number {
    let idx = this.poolIdxByName.get(name);
    if (idx === undefined) {
      idx = computeRoutePoolIdx(this.poolSize, name);
      this.poolIdxByName.set(name, idx);
    }
    return idx;
  }

  /**
   * route.go processImplicitRoute: dial a server we learned of, unless we know it already;
   * with `route_account`, that server's route for a pinned account (forwardRouteInfo).
   */
  private processImplicitRoute(info: RouteInfo): void {
    const id = info.server_id;
    if (id === this.server.id || this.stopping) return;
    const accName = typeof info.route_account === "string" ? info.route_account : "";
    if (accName !== "") {
      if (!this.pooling || !this.pinned.has(accName) || this.pinned.get(accName)!.has(id)) return;
    } else if (this.remotes.has(id)) return;
    const url = implicitRouteUrl(info, this.options, this.server.logger);
    if (url === null) return;
    if (accName !== "") this.solicitPinnedOne(accName, url, false);
    else this.solicit(url, false, true, 0);
  }

  /** A route closed: forget it, and redial as nats-server's client.go reconnect does. */
  routeClosed(route: Route): void {
    this.all.delete(route);
    if (route.accountName !== "" && route.solicited && route.url !== null) this.pinnedDials.delete(`${route.accountName} ${route.url.href}`);
    const s = this.server;
    if (route.registered) this.unregister(route);
    if (this.stopping || route.url === null || route.noReconnect) return;
    const retryImplicit = route.retry || (route.didSolicit && !route.explicit);
    if (!route.didSolicit && !retryImplicit) return;
    const id = route.remoteId;
    // A pool's connection (or a pinned one) refills its own place (client.go checkRID).
    if (id !== "" && this.remotes.has(id) && !this.pooling) {
      s.logger.debug(`Not attempting reconnect for solicited route, already connected to "${id}"`);
    } else if (id === s.id) {
      s.logger.debug(`Detected route to self, ignoring "${redacted(route.url)}"`);
    } else if (route.explicit || retryImplicit) {
      s.logger.debug(`Attempting reconnect for solicited route "${redacted(route.url)}"`);
      const jitter = route.retry ? DUPLICATE_REDIAL_JITTER_MS : ROUTE_RECONNECT_JITTER_MS;
      const delay = Math.floor(Math.random() * jitter) + (route.explicit ? ROUTE_RECONNECT_DELAY_MS : 0);
      this.solicit(route.url, route.explicit, false, delay, route.accountName);
    }
  }

  /** Frees a closed route's place; the peer is gone when its last pooled route is. */
  private unregister(route: Route): void {
    const id = route.remoteId;
    if (route.accountName !== "") {
      const byPeer = this.pinned.get(route.accountName);
      if (byPeer?.get(id) === route) byPeer.delete(id);
      return;
    }
    const conns = this.pools.get(id);
    if (conns === undefined || conns[route.poolIdx] !== route) return;
    conns[route.poolIdx] = null;
    const next = conns.find((r) => r !== null) ?? null;
    if (next === null) {
      this.pools.delete(id);
      this.remotePoolSize.delete(id);
    }
    if (this.remotes.get(id) !== route) return;
    if (next !== null) {
      // Another connection of the pool now stands for the peer, with what it told us.
      next.connectUrls = route.connectUrls;
      next.wsConnectUrls = route.wsConnectUrls;
      next.leafUrl = route.leafUrl;
      next.gatewayUrl = route.gatewayUrl;
      this.remotes.set(id, next);
      return;
    }
    this.remotes.delete(id);
    this.peerUrlsChanged(this.peerClientUrls.remove(route.connectUrls), this.peerWsUrls.remove(route.wsConnectUrls));
    this.server.gateways?.routeGatewayUrl(route.gatewayUrl, false);
  }

  /**
   * route.go processRouteInfo with RouteAccReqID: a peer's reload pinned an account. Its
   * interest leaves the pooled routes at the account's old index (the pinned route brings
   * it back), and the peer gets the INFO back without the account as the answer.
   */
  private peerPinnedAccount(route: Route, info: RouteInfo): void {
    const name = info.route_account;
    if (typeof name !== "string" || name === "") {
      // The answer to our own reload's announcement.
      this.accAddWait.answer(info.route_acc_add_reqid ?? "");
      return;
    }
    if (!this.server.accounts.has(name)) {
      this.server.logger.error(`Error looking up account "${name}": account missing`);
      return;
    }
    if (!this.pinned.has(name)) this.pinned.set(name, new Map());
    const idx = computeRoutePoolIdx(typeof info.route_pool_size === "number" ? info.route_pool_size : this.poolSize, name);
    for (const conns of this.pools.values()) {
      const r = conns[idx] ?? null;
      if (r !== null && !r.noPool) r.removeAccountSubs(name);
    }
    const answer: RouteInfo = { ...info };
    delete answer.route_account;
    route.sendProto(`INFO ${JSON.stringify(answer)}\r\n`);
  }

  /**
   * reload.go clusterOption: `no_advertise` applies from now on. reloadClusterPoolAndAccounts:
   * a new pool size closes every pooled route (they redial, or are redialed, with the new size;
   * a peer not reloaded yet refuses them with the size mismatch, as 2.10 does); a newly pinned
   * account is announced on the routes that carried it, then gets its dedicated routes; an
   * account no longer pinned loses them and its interest goes back on its pooled route.
   * As in nats-server, routes are closed and dialed once the peers answered the
   * announcement (or 2 s passed: AccAddWait).
   */
  reloadPool(next: ClusterOptions): void {
    this.accAddWait.finish(); // a reload still waiting for answers completes first
    this.noAdvertise = next.noAdvertise; // open routes keep the URLs they were told, as in nats-server
    const pooling = next.poolSize > 0;
    const size = pooling ? next.poolSize : 1;
    const pinned = pooling ? next.pinnedAccounts : [];
    // Compared with the running config, as reload.go diffs the options (a peer's reload may
    // have pinned an account here already: it is still ours to dial).
    const added = pinned.filter((a) => !this.configuredPinned.includes(a));
    const removed = this.configuredPinned.filter((a) => !pinned.includes(a));
    this.configuredPinned = pinned;
    const sizeChanged = size !== this.poolSize || pooling !== this.pooling;
    if (!sizeChanged && added.length === 0 && removed.length === 0) return;
    const reqId = nuid.next();
    let sent = 0;
    for (const name of added) {
      const idx = this.poolIdxOf(name);
      if (!this.pinned.has(name)) this.pinned.set(name, new Map());
      const line = `INFO ${JSON.stringify({ route_pool_size: this.poolSize, route_account: name, route_acc_add_reqid: reqId })}\r\n`;
      for (const [id, conns] of this.pools) {
        const r = conns[idx] ?? null;
        if (r === null || r.noPool) continue;
        // 2.11: a peer with another pool size sent the account's interest on its own index.
        const theirSize = this.remotePoolSize.get(id) ?? this.poolSize;
        if (theirSize !== this.poolSize) conns[computeRoutePoolIdx(theirSize, name)]?.removeAccountSubs(name);
        r.removeAccountSubs(name);
        r.sendProto(line);
        sent++;
      }
    }
    this.server.flushPending();
    this.accAddWait.start(reqId, sent, () => this.applyPoolReload(removed, sizeChanged, pooling, size));
  }

  /** The rest of reloadPool, once the peers answered: closes what goes, dials what comes. */
  private applyPoolReload(removed: readonly string[], sizeChanged: boolean, pooling: boolean, size: number): void {
    if (this.stopping) return;
    for (const name of removed) {
      for (const r of [...(this.pinned.get(name)?.values() ?? [])]) {
        r.noReconnect = true;
        r.closeConnection(ClosedState.RouteRemoved);
      }
      this.pinned.delete(name);
    }
    if (sizeChanged) for (const conns of [...this.pools.values()]) for (const r of [...conns]) r?.closeConnection(ClosedState.RouteRemoved);
    this.pooling = pooling;
    this.poolSize = size;
    this.poolIdxByName.clear();
    if (!sizeChanged) {
      for (const name of removed) {
        const idx = this.poolIdxOf(name);
        for (const conns of this.pools.values()) {
          const r = conns[idx] ?? null;
          if (r !== null && !r.noPool) this.sendAllInterest(r, name);
        }
      }
      for (const [id, conns] of this.pools) {
        const dialed = conns.find((r) => r !== null && r.didSolicit && r.url !== null && !r.noPool) ?? null;
        if (dialed !== null) this.solicitPinned(id, dialed.url!, dialed.explicit);
      }
    }
    this.server.flushPending();
  }

  // ---- interest ----

  /** The accounts' interest door: RS+ on first interest and queue weight changes, RS- on last. */
  interestChanged(account: Account, sub: Subscription, count: number): void {
    if (this.remotes.size === 0 || !this.canImport(sub.subject)) return;
    let add: boolean;
    if (sub.queue === null) {
      if (count === 1 && !sub.closed) add = true;
      else if (count === 0) add = false;
      else return;
    } else add = count > 0;
    const line = interestLine(add, false, account.name, sub.subject, sub.queue, count);
    // route.go updateRouteSubscriptionMap: a pinned account's dedicated routes (without the
    // account name), every other account's route at its pool index; peers without pooling get all.
    const pinned = this.pinned.get(account.name);
    if (pinned !== undefined && pinned.size > 0) {
      const bare = interestLine(add, false, null, sub.subject, sub.queue, count);
      for (const r of pinned.values()) r.sendProto(bare);
    }
    const idx = this.poolIdxOf(account.name);
    for (const conns of this.pools.values()) {
      const first = conns[0] ?? null;
      const r = first !== null && first.noPool ? first : pinned !== undefined ? null : (conns[idx] ?? null);
      if (r !== null) r.sendProto(line);
    }
  }

  /** All our interest to a new peer (route.go sendSubsToRoute), or one account's (`only`). */
  private sendAllInterest(route: Route, only = ""): void {
    const lines: string[] = [];
    const pinnedTo = route.accountName;
    for (const account of this.server.accounts.values()) {
      if (only !== "" && account.name !== only) continue;
      if (only !== "" ? false : pinnedTo !== "" ? account.name !== pinnedTo : !route.noPool && (this.pinned.has(account.name) || this.poolIdxOf(account.name) !== route.poolIdx)) continue;
      const name = pinnedTo !== "" ? null : account.name;
      for (const e of account.localInterest()) {
        if (this.canImport(e.subject)) lines.push(interestLine(true, false, name, e.subject, e.queue, e.count));
      }
    }
    if (lines.length > 0) route.sendProto(lines.join(""));
    this.server.logger.debug(`${route.logPrefix()}Sent local subscriptions to route`);
  }

  // ---- clients ----

  /** INFO fields clients get from the cluster: its name, and every server's client URLs. */
  clientInfoFields(lameDuck: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = { cluster: this.clusterName };
    if (this.peerClientUrls.size > 0) out.connect_urls = this.peerClientUrls.withOwn(lameDuck ? [] : ownClientUrls(this.server));
    return out;
  }

  /** The WebSocket URLs the cluster's other servers advertise (leafnode INFO `ws_connect_urls`). */
  peerWsConnectUrls(): string[] {
    return this.peerWsUrls.withOwn([]);
  }

  /** WebSocket clients' `connect_urls`: every server's, this one's first (generateClientInfoJSON); null while no peer has any. */
  wsConnectUrls(lameDuck: boolean): string[] | null {
    if (this.peerWsUrls.size === 0) return null;
    return this.peerWsUrls.withOwn(lameDuck ? [] : (this.server.websocket?.connectUrls() ?? []));
  }

  /**
   * Rebuilds the client INFO and sends it to the clients whose list changed (TCP for `tcp`, WebSocket for `ws`) that take
   * async INFO: protocol >= 1, first PONG sent (`Client.takesAsyncInfo`, nats-server sendAsyncInfoToClients).
   */
  private peerUrlsChanged(tcp: boolean, ws: boolean): void {
    if (!tcp && !ws) return;
    const s = this.server;
    s.connectUrlsGeneration++;
    s.refreshInfo();
    if (this.stopping) return;
    for (const c of s.clients.values()) {
      if (!(c.ws !== null ? ws : tcp)) continue;
      if (c.takesAsyncInfo) c.sendProto(s.infoFor(c));
    }
    s.flushPending();
  }

  // ---- lifecycle ----

  /** Lame duck mode: peers are told (INFO ldm) so they stop advertising our client URLs. */
  enterLameDuckMode(): void {
    this.lameDuck = true;
    const line = `INFO ${JSON.stringify(this.ownInfo())}\r\n`;
    for (const r of this.all) if (r.registered) r.sendProto(line);
    this.server.flushPending();
  }

  /**
   * Hears the interest of every account not heard yet: at start, and after a config reload
   * that added accounts (their subscriptions then reach the routes like any other's).
   */
  watchNewAccounts(): void {
    for (const account of this.server.accounts.values()) {
      if (this.watched.has(account)) continue;
      this.watched.add(account);
      account.addInterestListener(this);
    }
  }

  /** Stops listening and dialing, and closes every route. */
  async close(): Promise<void> {
    this.stopping = true;
    this.dialer.stop();
    this.accAddWait.cancel();
    for (const account of this.watched) account.removeInterestListener(this);
    this.watched.clear();
    const l = this.listener;
    const closed = l !== null ? new Promise<void>((resolve) => l.close(() => resolve())) : Promise.resolve();
    for (const r of [...this.all]) r.closeConnection(ClosedState.ServerShutdown);
    await closed;
  }
}
