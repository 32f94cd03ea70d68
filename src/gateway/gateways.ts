/**
 * The gateway of this server's cluster (nats-server gateway.go srvGateway): the gateway
 * listener, the remote gateways we dial (configured, and implicit ones learned by
 * gossip), the outbound and inbound connection registries, the cluster's gateway URLs,
 * and interest on the inbound side (the tally of the cluster's subscriptions, RS+/RS-,
 * A+/A- and the switch to interest-only mode). Message routing is in `routing.ts`.
 */
import { MSG_TRACE_PROTO } from "../cluster/link-info.js";
import { listenForLinks } from "../cluster/listen.js";
import net from "node:net";
import os from "node:os";
import type { Account, SubListener } from "../accounts/account.js";
import { ClosedState } from "../server/closed-state.js";
import { Kind } from "../server/connection-kind.js";
import { hostPort } from "../server/net-util.js";
import type { GatewayOptions, TlsOptions } from "../server/options.js";
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import { ServerTls } from "../server/tls.js";
import { NATS_COMPAT_VERSION } from "../version.js";
import { backoffDelayMs, DEFAULT_DIAL_TIMEOUT_MS, Dialer, type DialTls } from "../cluster/dial.js";
import { Gateway } from "./gateway.js";
import {
  GW_CMD_ALL_SUBS_COMPLETE,
  GW_CMD_ALL_SUBS_START,
  GW_CMD_GOSSIP,
  commandLine,
  gatewayHash,
  parseGatewayUrl,
  replyPrefix,
  type GatewayConnect,
  type GatewayInfo,
} from "./gateway-proto.js";
import { InterestTally } from "./interest.js";
import { RecentSubs, ReplyMap } from "./replies.js";
import { SendScratch } from "./routing.js";

/** gateway.go defaultSolicitGatewaysDelay, defaultGatewayConnectDelay, defaultGatewayReconnectDelay. */
const SOLICIT_DELAY_MS = 1000;
const CONNECT_DELAY_MS = 1000;
/** gateway.go defaultGatewayConnectMaxDelay: where `connect_backoff` stops doubling. */
const CONNECT_MAX_DELAY_MS = 30_000;
const RECONNECT_DELAY_MS = 1000;
const RECONNECT_JITTER_MS = 100;
const DEFAULT_AUTH_TIMEOUT_MS = 2000;

/** A remote gateway (cluster) we keep an outbound connection to (nats-server gatewayCfg). */
export class RemoteGateway {
  /** `host:port` → URL: the configured ones, and those the remote's INFO listed. */
  readonly urls = new Map<string, URL>();
  /** Hash of the name, as the `_GR_.` prefix of replies routed to that cluster carries it. */
  readonly hash: string;
  connAttempts = 0;
  /** Dialing (or connected): a second dial is not started. */
  dialing = false;

  constructor(
    readonly name: string,
    readonly configured: readonly URL[],
    /** Learned by gossip, not configured. */
    readonly implicit: boolean,
  ) {
    this.hash = gatewayHash(name);
    for (const u of configured) this.urls.set(u.host, u);
  }

  /** gatewayCfg.addURLs: `host:port` entries of an INFO. */
  addUrls(hostPorts: readonly unknown[], tls: boolean): void {
    for (const hp of hostPorts) {
      if (typeof hp !== "string" || this.urls.has(hp)) continue;
      const u = parseGatewayUrl(hp, tls);
      if (u !== null) this.urls.set(u.host, u);
    }
  }

  /** gatewayCfg.updateURLs: the configured URLs plus those of the latest INFO. */
  updateUrls(hostPorts: readonly unknown[], tls: boolean): void {
    this.urls.clear();
    for (const u of this.configured) this.urls.set(u.host, u);
    this.addUrls(hostPorts, tls);
  }

  /** The URLs in random order (nats-server getURLs). */
  shuffled(): URL[] {
    const a = [...this.urls.values()];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}

export class GatewayManager implements SubListener {
  readonly name: string;
  readonly remotes = new Map<string, RemoteGateway>();
  /** Registered outbound connections by remote gateway name, and in sending order. */
  readonly out = new Map<string, Gateway>();
  outList: Gateway[] = [];
  /** Registered inbound connections by connection id. */
  readonly inbound = new Map<number, Gateway>();
  /** Every gateway connection, registered or in its handshake. */
  readonly all = new Set<Gateway>();
  readonly authRequired: boolean;
  readonly authTimeoutMs: number;
  /** This server's gateway URL (`host:port`) and the cluster's, counted. */
  url = "";
  private readonly clusterUrls = new Map<string, number>();
  listenPort = 0;
  readonly tally = new InterestTally();
  readonly recent = new RecentSubs();
  readonly replies = new ReplyMap();
  readonly scratch = new SendScratch();
  /** `_GR_.<cluster>.<server>.` as bytes, and the two hashes. */
  readonly replyPrefix: Buffer;
  readonly clusterHash: string;
  readonly serverHash: string;
  /** Switch every account to interest-only mode on an inbound connection (nats-server 2.9). */
  readonly forceInterestOnly: boolean;
  private readonly tls: ServerTls | null;
  private readonly dialTls: DialTls | null;
  private readonly dialer: Dialer;
  private listener: net.Server | null = null;
  private solicitTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** The accounts whose subscriptions we hear (watchNewAccounts). */
  private readonly watched = new Set<Account>();
  /** Server ID → its gateway hash, for routes (reply routing to the right server). */
  private readonly idHashes = new Map<string, string>();

  private constructor(
    readonly server: Server,
    readonly options: GatewayOptions,
  ) {
    this.name = options.name ?? "";
    this.authRequired = options.username !== undefined && options.username !== "";
    this.tls = options.tls ? ServerTls.load(options.tls) : null;
    this.authTimeoutMs = options.authTimeoutMs ?? (this.tls !== null ? this.tls.timeoutMs + 1000 : DEFAULT_AUTH_TIMEOUT_MS);
    this.dialTls = this.tls !== null ? clientTls(options.tls!, this.tls) : null;
    this.dialer = new Dialer(server.logger);
    this.forceInterestOnly = options.optimistic !== true;
    this.replyPrefix = Buffer.from(replyPrefix(this.name, server.id), "latin1");
    this.clusterHash = gatewayHash(this.name);
    this.serverHash = gatewayHash(server.id);
    for (const r of options.gateways) {
      if (r.name === this.name) continue;
      const urls = r.urls.map((u) => parseGatewayUrl(u, this.tls !== null)).filter((u): u is URL => u !== null);
      this.remotes.set(r.name, new RemoteGateway(r.name, urls, false));
    }
  }

  /** Listens, joins every account's interest, and dials the configured gateways after a second. */
  static async start(server: Server, options: GatewayOptions): Promise<GatewayManager> {
    const m = new GatewayManager(server, options);
    await m.listen();
    m.watchNewAccounts();
    m.solicitTimer = setTimeout(() => {
      m.solicitTimer = null;
      for (const cfg of m.remotes.values()) if (!cfg.implicit) m.solicit(cfg, true, 0);
    }, options.solicitDelayMs ?? SOLICIT_DELAY_MS);
    return m;
  }

  private async listen(): Promise<void> {
    const o = this.options;
    const l = await listenForLinks(o.host, o.port, "Gateway", this.server.logger, (socket) => this.accept(socket));
    this.listener = l;
    this.listenPort = (l.address() as net.AddressInfo).port;
    const log = this.server.logger;
    log.notice(`Gateway name is ${this.name}`);
    log.notice(`Listening for gateways connections on ${hostPort(o.host, this.listenPort)}`);
    const adv = o.advertise !== undefined && o.advertise !== "" ? o.advertise : null;
    this.url = adv !== null ? (adv.includes(":") ? adv : `${adv}:${this.listenPort}`) : hostPort(reachableHost(o.host), this.listenPort);
    this.clusterUrls.set(this.url, 1);
    if (adv !== null) log.notice(`Advertise address for gateway "${this.name}" is set to ${this.url}`);
    else log.notice(`Address for gateway "${this.name}" is ${this.url}`);
  }

  /**
   * Tallies the subscriptions of every account not watched yet and hears every change from
   * now on. Called at start and after a config reload (which may add accounts): a new
   * account is switched to interest-only on the inbound links of peers that want every
   * account so (nats-server 2.9), as registerInbound does for the accounts it knows.
   */
  watchNewAccounts(): void {
    for (const account of this.server.accounts.values()) {
      if (this.watched.has(account)) continue;
      this.watched.add(account);
      for (const sub of account.sublist.all()) this.tally.change(account.name, sub.subject, sub.queue, sub.weight);
      account.addSubListener(this);
      if (this.forceInterestOnly) for (const gw of this.inbound.values()) this.switchToInterestOnly(gw, account.name);
    }
  }

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const gw = new Gateway(this.server, this.server.nextConnectionId(), socket, this, null, null);
    this.all.add(gw);
    if (this.tls !== null) gw.socket = this.tls.wrap(socket, gw, this.server.logger);
    gw.start();
  }

  /** nats-server solicitGateway: every URL in random order, then again after a second. */
  private solicit(cfg: RemoteGateway, firstConnect: boolean, delayMs: number): void {
    if (this.stopping || cfg.dialing) return;
    cfg.dialing = true;
    let attempts = 0;
    const round = (delay: number): void => {
      const urls = cfg.shuffled();
      if (urls.length === 0 || this.stopping) {
        cfg.dialing = false;
        return;
      }
      attempts++;
      const report = firstConnect && (attempts === 1 || attempts % 3600 === 0);
      const next = (i: number, d: number): void => {
        if (i === urls.length) return endOfRound();
        const u = urls[i]!;
        const kind = cfg.implicit ? "implicit" : "explicit";
        const text = `Connecting to ${kind} gateway "${cfg.name}" (${u.host}) at ${u.host} (attempt ${attempts})`;
        if (report) this.server.logger.notice(text);
        else this.server.logger.debug(text);
        this.dialer.dial({
          url: u,
          what: `gateway "${cfg.name}"`,
          delayMs: d,
          retryDelayMs: () => 0,
          retries: 0,
          firstConnect: report,
          dialTimeoutMs: DEFAULT_DIAL_TIMEOUT_MS,
          tls: this.dialTls,
          describeError: (_n, err) => `Error connecting to ${kind} gateway "${cfg.name}" (${u.host}) at ${u.host} (attempt ${attempts}): ${err.message}`,
          stillWanted: () => !this.stopping && this.remotes.get(cfg.name) === cfg && !this.out.has(cfg.name),
          onSocket: (socket) => this.createOutbound(cfg, u, socket),
          onGiveUp: () => next(i + 1, 0),
        });
      };
      const endOfRound = (): void => {
        if (cfg.implicit && (this.options.connectRetries === 0 || attempts > this.options.connectRetries)) {
          if (!this.hasInbound(cfg.name)) {
            this.remotes.delete(cfg.name);
            cfg.dialing = false;
            return;
          }
        }
        round(backoffDelayMs(CONNECT_DELAY_MS, CONNECT_MAX_DELAY_MS, this.options.connectBackoff, attempts));
      };
      next(0, delay);
    };
    round(delayMs);
  }

  private hasInbound(name: string): boolean {
    for (const g of this.inbound.values()) if (g.name === name) return true;
    return false;
  }

  private createOutbound(cfg: RemoteGateway, url: URL, socket: net.Socket): void {
    cfg.connAttempts++;
    const gw = new Gateway(this.server, this.server.nextConnectionId(), socket, this, cfg, url);
    this.all.add(gw);
    gw.start();
  }

  // ---- handshake ----

  /** Our gateway INFO (nats-server gateway info JSON). */
  infoLine(): string {
    const s = this.server;
    const [host, port] = splitHostPort(this.url, this.listenPort);
    const info: GatewayInfo = {
      server_id: s.id,
      server_name: s.name,
      version: NATS_COMPAT_VERSION,
      proto: MSG_TRACE_PROTO,
      go: `node${process.versions.node}`,
      host,
      port,
      headers: !s.options.noHeaderSupport,
    };
    if (this.authRequired) info.auth_required = true;
    if (this.tls !== null) info.tls_required = info.tls_verify = true;
    info.max_payload = s.options.maxPayload;
    info.gateway = this.name;
    info.gateway_urls = [...this.clusterUrls.keys()];
    info.gateway_url = this.url;
    info.gateway_nrp = true;
    if (this.forceInterestOnly) info.gateway_iom = true;
    return `INFO ${JSON.stringify(info)}\r\n`;
  }

  /** CONNECT on a connection we dialed (sendGatewayConnect). */
  connectLine(gw: Gateway): string {
    const url = gw.url;
    let user = this.options.username;
    let pass = this.options.password;
    if (url !== null && url.username !== "") {
      user = decodeURIComponent(url.username);
      pass = decodeURIComponent(url.password);
    }
    const c: GatewayConnect = { echo: false, verbose: false, pedantic: false };
    if (user !== undefined && user !== "") c.user = user;
    if (pass !== undefined && pass !== "") c.pass = pass;
    c.tls_required = this.dialTls !== null;
    c.name = this.server.id;
    c.gateway = this.name;
    return `CONNECT ${JSON.stringify(c)}\r\n`;
  }

  /** isGatewayAuthorized: the gateway's one user and password, when configured. */
  authorize(c: GatewayConnect): boolean {
    if (!this.authRequired) return true;
    return c.user === this.options.username && c.pass === this.options.password;
  }

  /** reject_unknown_cluster: only configured gateways may connect. */
  rejectsUnknown(name: string): boolean {
    return this.options.rejectUnknownCluster && this.remotes.get(name)?.implicit !== false;
  }

  /** An INFO on an outbound connection: the handshake's, a command, or a URL update (processGatewayInfo). */
  processOutboundInfo(gw: Gateway, info: GatewayInfo, first: boolean): void {
    const s = this.server;
    const cfg = gw.cfg!;
    if (typeof info.gateway !== "string" || info.gateway === "") {
      gw.sendErr(`Attempt to connect to gateway "${cfg.name}" using wrong port`);
      s.logger.error(`${gw.logPrefix()}Attempt to connect to gateway "${cfg.name}" using wrong port`);
      gw.closeConnection(ClosedState.WrongPort);
      return;
    }
    if (info.gateway !== cfg.name) {
      if (!first && info.gateway_cmd === GW_CMD_GOSSIP) {
        if (this.options.rejectUnknownCluster && this.remotes.get(info.gateway) === undefined) return;
        this.processImplicitGateway(info);
        return;
      }
      s.logger.error(`${gw.logPrefix()}Failing connection to gateway "${cfg.name}", remote gateway name is "${info.gateway}"`);
      gw.sendErr(`Connection from "${this.name}" rejected, wanted to connect to "${cfg.name}", this is "${info.gateway}"`);
      gw.closeConnection(ClosedState.WrongGateway);
      return;
    }
    if (Array.isArray(info.gateway_urls) && info.gateway_urls.length > 0) cfg.updateUrls(info.gateway_urls, this.dialTls !== null);
    if (first) {
      gw.outsim!.interestOnly = info.gateway_iom === true;
      gw.sendProto(this.connectLine(gw));
      s.logger.debug(`${gw.logPrefix()}Gateway connect protocol sent to "${cfg.name}"`);
      gw.sendProto(this.infoLine());
      if (this.out.has(cfg.name)) {
        gw.closeConnection(ClosedState.WrongGateway);
        return;
      }
      this.out.set(cfg.name, gw);
      this.outList = [...this.out.values()];
      gw.registered = true;
      cfg.dialing = false;
      cfg.connAttempts = 0;
      s.logger.notice(`${gw.logPrefix()}Outbound gateway connection to "${cfg.name}" (${info.server_id}) registered`);
    } else if ((info.gateway_cmd ?? 0) > 0) {
      gw.processCommand(info);
      return;
    }
    this.forwardToCluster(info);
  }

  /** The first INFO of an inbound connection: register, send queue interest, dial back, gossip. */
  registerInbound(gw: Gateway, info: GatewayInfo): void {
    const s = this.server;
    if (this.stopping) {
      gw.closeConnection(ClosedState.ServerShutdown);
      return;
    }
    this.inbound.set(gw.id, gw);
    gw.registered = true;
    s.logger.notice(`${gw.logPrefix()}Inbound gateway connection from "${info.gateway ?? ""}" (${info.server_id}) registered`);
    const lines: string[] = [];
    for (const account of this.tally.accounts.keys()) {
      for (const e of this.tally.entries(account, true)) lines.push(`RS+ ${account} ${e.subject} ${e.queue} 1\r\n`);
    }
    if (lines.length > 0) gw.sendProto(lines.join(""));
    this.processImplicitGateway(info);
    this.gossipTo(gw, info.gateway ?? "");
    if (this.forceInterestOnly) for (const account of s.accounts.values()) this.switchToInterestOnly(gw, account.name);
    s.flushPending();
  }

  /** processImplicitGateway: dial a gateway we learned of, or add to the URLs of one we know. */
  processImplicitGateway(info: GatewayInfo): void {
    const name = info.gateway;
    if (typeof name !== "string" || name === "" || name === this.name || this.stopping) return;
    const tls = this.dialTls !== null;
    const known = this.remotes.get(name);
    if (known !== undefined) {
      known.addUrls(info.gateway_urls ?? [], tls);
      return;
    }
    const cfg = new RemoteGateway(name, [], true);
    cfg.addUrls(info.gateway_urls ?? [], tls);
    if (cfg.urls.size === 0) return;
    this.remotes.set(name, cfg);
    this.solicit(cfg, true, 0);
  }

  /** gossipGatewaysToInboundGateway: every other gateway we know, so the remote meshes with them. */
  private gossipTo(gw: Gateway, except: string): void {
    for (const cfg of this.remotes.values()) {
      if (cfg.name === except || cfg.urls.size === 0) continue;
      gw.sendProto(this.gossipLine(this.server.id, cfg));
    }
  }

  private gossipLine(id: string, cfg: RemoteGateway): string {
    const info = { server_id: id, gateway: cfg.name, gateway_urls: [...cfg.urls.keys()], gateway_cmd: GW_CMD_GOSSIP };
    return `INFO ${JSON.stringify(info)}\r\n`;
  }

  /** forwardNewGatewayToLocalCluster: the other servers of the cluster make sure they dial it too. */
  private forwardToCluster(info: GatewayInfo): void {
    const routes = this.server.routes;
    if (routes === null || routes.remotes.size === 0) return;
    const fwd = { server_id: `GW${this.server.id}`, server_name: this.server.name, gateway: info.gateway, gateway_urls: info.gateway_urls, gateway_cmd: GW_CMD_GOSSIP };
    const line = `INFO ${JSON.stringify(fwd)}\r\n`;
    for (const r of routes.remotes.values()) r.sendProto(line);
  }

  // ---- routes ----

  /** INFO lines for a new route: the gateways we have an outbound connection to (sendGatewayConfigsToRoute). */
  routeGossipLines(): string {
    let lines = "";
    for (const gw of this.out.values()) if (gw.cfg!.urls.size > 0) lines += this.gossipLine(`GW${this.server.id}`, gw.cfg!);
    return lines;
  }

  /** A route peer's gateway URL joins (or leaves) the cluster's list, sent to inbound gateways. */
  routeGatewayUrl(url: string, added: boolean): void {
    if (url === "") return;
    const n = this.clusterUrls.get(url) ?? 0;
    if (added) this.clusterUrls.set(url, n + 1);
    else if (n <= 1) this.clusterUrls.delete(url);
    else this.clusterUrls.set(url, n - 1);
    if ((added && n === 0) || (!added && n === 1)) {
      const line = this.infoLine();
      for (const gw of this.inbound.values()) gw.sendProto(line);
    }
  }

  /** The gateway hash of a server ID (memoized: routes are few). */
  idHash(id: string): string {
    let h = this.idHashes.get(id);
    if (h === undefined) {
      h = gatewayHash(id);
      this.idHashes.set(id, h);
    }
    return h;
  }

  // ---- interest (inbound side) ----

  /** The accounts' door: the tally, recent subscriptions, and RS+/RS-/A+ to inbound gateways. */
  subChanged(account: Account, sub: Subscription, delta: number): void {
    if (sub.conn.kind === Kind.GATEWAY) return;
    if (delta > 0 && !sub.closed) this.recent.add(account, sub);
    else if (delta < 0) this.recent.remove(account, sub);
    const edge = this.tally.change(account.name, sub.subject, sub.queue, delta);
    if (edge === 0 || this.inbound.size === 0) return;
    const added = edge > 0;
    if (sub.queue !== null) {
      const line = added ? `RS+ ${account.name} ${sub.subject} ${sub.queue} 1\r\n` : `RS- ${account.name} ${sub.subject} ${sub.queue}\r\n`;
      for (const gw of this.inbound.values()) {
        if (added) gw.insim!.queueAdded(account.name);
        gw.sendProto(line);
      }
      return;
    }
    for (const gw of this.inbound.values()) {
      const what = gw.insim!.plainChanged(account.name, sub.subject, added);
      if (what === "RS") gw.sendProto(`${added ? "RS+" : "RS-"} ${account.name} ${sub.subject}\r\n`);
      else if (what === "A+") gw.sendProto(`A+ ${account.name}\r\n`);
    }
  }

  /** gatewaySwitchAccountToSendAllSubs: tell the remote every plain subscription of the account. */
  switchToInterestOnly(gw: Gateway, account: string): void {
    const insim = gw.insim!;
    if (!insim.beginSwitch(account)) return;
    this.server.logger.debug(`${gw.logPrefix()}Gateway "${gw.name}": switching account "${account}" to Interest-Only mode`);
    let lines = commandLine(this.name, GW_CMD_ALL_SUBS_START, account);
    for (const e of this.tally.entries(account, false)) lines += `RS+ ${account} ${e.subject}\r\n`;
    lines += commandLine(this.name, GW_CMD_ALL_SUBS_COMPLETE, account);
    gw.sendProto(lines);
    insim.completeSwitch(account);
  }

  /** A message for an account we have no subscription in (gatewayHandleAccountNoInterest). */
  accountNoInterest(gw: Gateway, account: string): void {
    // Only an inbound link says what we want; a message on an outbound one gets no answer.
    if (gw.insim === null || this.tally.hasAny(account)) return;
    if (gw.insim!.accountNoInterest(account)) gw.sendProto(`A- ${account}\r\n`);
  }

  /** A message for a subject nobody here wants (gatewayHandleSubjectNoInterest). */
  subjectNoInterest(gw: Gateway, account: Account, subject: string): void {
    if (gw.insim === null) return;
    if (account.sublist.count() === 0) {
      if (gw.insim!.accountNoInterest(account.name)) gw.sendProto(`A- ${account.name}\r\n`);
      return;
    }
    const what = gw.insim!.subjectNoInterest(account.name, subject);
    if (what === "rs-") gw.sendProto(`RS- ${account.name} ${subject}\r\n`);
    else if (what === "switch") this.switchToInterestOnly(gw, account.name);
  }

  // ---- lifecycle ----

  /** A gateway connection closed: forget it; an outbound one is dialed again. */
  gatewayClosed(gw: Gateway): void {
    this.all.delete(gw);
    if (gw.cfg === null) {
      this.inbound.delete(gw.id);
      return;
    }
    const cfg = gw.cfg;
    if (this.out.get(cfg.name) === gw) {
      this.out.delete(cfg.name);
      this.outList = [...this.out.values()];
    }
    cfg.dialing = false;
    if (this.stopping || gw.closeReason === ClosedState.WrongGateway || this.remotes.get(cfg.name) !== cfg) return;
    const delay = Math.floor(Math.random() * RECONNECT_JITTER_MS) + (cfg.implicit ? 0 : RECONNECT_DELAY_MS);
    this.solicit(cfg, false, delay);
  }

  async close(): Promise<void> {
    this.stopping = true;
    if (this.solicitTimer !== null) clearTimeout(this.solicitTimer);
    this.dialer.stop();
    this.recent.stop();
    this.replies.stop();
    for (const account of this.watched) account.removeSubListener(this);
    this.watched.clear();
    const l = this.listener;
    const closed = l !== null ? new Promise<void>((resolve) => l.close(() => resolve())) : Promise.resolve();
    for (const gw of [...this.all]) gw.closeConnection(ClosedState.ServerShutdown);
    await closed;
  }
}

/**
 * The host other clusters can dial (nats-server getNonLocalIPsIfHostIsIPAny): a listener on
 * every interface advertises the first non-loopback IPv4 address.
 */
function reachableHost(host: string): string {
  if (host !== "0.0.0.0" && host !== "::" && host !== "") return host;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === "IPv4") return a.address;
  }
  return host;
}

/** `host:port` (or `[v6]:port`) split, with a default port. */
function splitHostPort(s: string, defaultPort: number): [string, number] {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (m === null) return [s, defaultPort];
  return [m[1]!, m[2] !== undefined ? Number(m[2]) : defaultPort];
}

/** The client side of gateway TLS: our certificate, the CA to check the peer with. */
function clientTls(o: TlsOptions, t: ServerTls): DialTls {
  return { options: { secureContext: t.context, rejectUnauthorized: o.insecure !== true }, timeoutMs: t.timeoutMs };
}
