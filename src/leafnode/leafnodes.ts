/**
 * Leaf nodes (nats-server leafnode.go): the leafnodes listener, where other servers
 * connect as leaves and are bound to one of our accounts, and the remotes we dial as a
 * leaf to a hub. Each connection forwards its account's interest to the peer (LS+/LS-),
 * counted per connection, and detects loops with a per-account `$LDS.` subject that must
 * never come back to us.
 */
import { listenForLinks } from "../cluster/listen.js";
import { isLocal } from "../accounts/account.js";
import net, { type Socket } from "node:net";
import { MSG_TRACE_PROTO } from "../cluster/link-info.js";
import { GW_REPLY_PREFIX } from "../gateway/gateway-proto.js";
import { nuid } from "@nats-io/nuid";
import type { Account, SubListener } from "../accounts/account.js";
import { generateNonce } from "../auth/nkeys.js";
import { isAuthFailure } from "../auth/authenticator.js";
import { ClosedState } from "../server/closed-state.js";
import { Kind } from "../server/connection-kind.js";
import { hostPort, listenURLs } from "../server/net-util.js";
import type { LeafNodeOptions, RemoteLeafOptions } from "../server/options.js";
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import { lazyRequire } from "../util/lazy-require.js";
import { NATS_COMPAT_VERSION, VERSION } from "../version.js";
import { DEFAULT_DIAL_TIMEOUT_MS, Dialer, type DialTls } from "../cluster/dial.js";
import { WsConn, type WsSettings } from "../websocket/ws-conn.js";
import { isWsUrl, solicitWebsocket, wsDialTls } from "./leaf-ws-dial.js";
import { readFirstInfo, remoteDialTls, startClientHandshake } from "./leaf-tls.js";
import { ServerTls } from "../server/tls.js";
import { Leaf } from "./leaf.js";
import { admitLeaf, authenticateLeafJwt, type LeafGrant } from "./leaf-jwt.js";
import { connectionTypeAllowed } from "../auth/jwt/user-checks.js";
import { ERR_MISSING_ACCOUNT } from "../auth/jwt/claims.js";
import { LEAF_IMPORT_SUBJECTS } from "../server/system-imports.js";
import { ERR_DUPLICATE_LEAF, LDS_PREFIX, LOOP_RECONNECT_DELAY_MS, leafUrlFrom, readCredentials, type LeafConnect, type LeafInfo } from "./leaf-proto.js";

const nkeys = lazyRequire<typeof import("@nats-io/nkeys")>("@nats-io/nkeys");

/** nats-server DEFAULT_LEAFNODE_PORT, for remote URLs without a port. */
const DEFAULT_LEAF_PORT = "7422";
const DEFAULT_AUTH_TIMEOUT_MS = 2000;
/** nats-server DEFAULT_LEAFNODE_INFO_WAIT: how long a hub may take to answer the WebSocket upgrade. */
const WS_UPGRADE_WAIT_MS = 1000;
/**
 * Largest compressed WebSocket message a leaf takes, before and after inflating. Links have
 * no max_payload of their own (their peer's clients were held to theirs); this only bounds
 * what one message may cost.
 */
const LEAF_WS_MAX_MESSAGE = 64 * 1024 * 1024;

/** A configured remote (nats-server leafNodeCfg): its URLs, tried in turn, and its connection. */
export interface RemoteLeaf {
  readonly options: RemoteLeafOptions;
  /** Configured URLs plus the hub cluster's others learned from INFO `leafnode_urls`. */
  urls: URL[];
  next: number;
  attempts: number;
  /** Extra wait before the next dial (after a loop was detected). */
  connectDelayMs: number;
  connection: Leaf | null;
  /** A `ws://`/`wss://` remote (all its URLs are, config checks it): its TLS, null for plain ws. */
  readonly wsTls: DialTls | null;
  /** A TCP remote's TLS, made on first need (a `tls {}` block, or a hub that requires it). */
  tcpTls: DialTls | null;
}

/** nats-server leafnodeTLSInsecureWarning. */
const LEAF_TLS_INSECURE_WARNING = "TLS certificate chain and hostname of solicited leafnodes will not be verified. DO NOT USE IN PRODUCTION!";

/** Responses by mapped reply come back to a leaf's cluster through its hub. */
const GW_ROUTED_ALL = `${GW_REPLY_PREFIX}>`;

export class LeafManager implements SubListener {
  /** Registered leaf connections, by connection ID. */
  readonly leafs = new Map<number, Leaf>();
  private readonly pending = new Set<Leaf>();
  readonly remotes: RemoteLeaf[] = [];
  listenPort = 0;
  readonly authTimeoutMs: number;
  /** Each account's loop detection subject (nats-server acc.lds). */
  private readonly lds = new Map<Account, string>();
  /** Leaf URLs of our cluster's other servers (from their route INFO). */
  private readonly peerLeafUrls = new Map<string, number>();
  private readonly dialer: Dialer;
  private listener: net.Server | null = null;
  private stopping = false;
  /** The leafnodes block's `tls`: accepted leaves handshake after our INFO. */
  readonly tls: ServerTls | null;

  private constructor(
    readonly server: Server,
    readonly options: LeafNodeOptions,
  ) {
    this.tls = options.tls ? ServerTls.load(options.tls) : null;
    // As nats-server getDefaultAuthTimeout: with TLS, the handshake's time plus a second.
    this.authTimeoutMs = options.authTimeoutMs ?? (this.tls !== null ? this.tls.timeoutMs + 1000 : DEFAULT_AUTH_TIMEOUT_MS);
    this.dialer = new Dialer(server.logger);
  }

  static async start(server: Server, options: LeafNodeOptions): Promise<LeafManager> {
    const m = new LeafManager(server, options);
    if (options.port !== 0) await m.listen();
    for (const r of options.remotes) {
      if (r.disabled) continue;
      const urls = r.urls.map(parseLeafUrl).filter((u): u is URL => u !== null);
      if (!r.noRandomize) shuffle(urls);
      const wsTls = urls[0] !== undefined && isWsUrl(urls[0]) ? wsDialTls(urls[0], r.tls) : null;
      const remote: RemoteLeaf = { options: r, urls, next: 0, attempts: 0, connectDelayMs: 0, connection: null, wsTls, tcpTls: null };
      m.remotes.push(remote);
      if (urls.length > 0) m.connectRemote(remote, true, 0);
    }
    return m;
  }

  private async listen(): Promise<void> {
    const o = this.options;
    const l = await listenForLinks(o.host, o.port, "Leafnode", this.server.logger, (socket) => this.accept(socket));
    this.listener = l;
    this.listenPort = (l.address() as net.AddressInfo).port;
    this.server.logger.notice(`Listening for leafnode connections on ${hostPort(o.host, this.listenPort)}`);
    // As nats-server's accept loop: any `insecure` in the block or its remotes is warned about once.
    if (o.tls?.insecure === true || o.remotes.some((r) => r.tls?.insecure === true)) this.server.logger.warn(LEAF_TLS_INSECURE_WARNING);
  }

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const leaf = new Leaf(this.server, this.server.nextConnectionId(), socket, this, null, this.server.globalAccount, null, false);
    this.pending.add(leaf);
    leaf.start();
  }

  /** nats-server accepts leaf nodes on the websocket port only with a leafnodes listener configured. */
  get listening(): boolean {
    return this.options.port !== 0;
  }

  /**
   * A leaf node whose upgrade the websocket listener accepted (nats-server createLeafNode
   * with `ws`): the same handshake, auth and limits as over TCP, in frames.
   */
  acceptWebsocket(socket: net.Socket, settings: WsSettings): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const leaf = new Leaf(this.server, this.server.nextConnectionId(), socket, this, null, this.server.globalAccount, null, true);
    leaf.ws = new WsConn(leaf, settings, LEAF_WS_MAX_MESSAGE, "server");
    this.server.logger.debug(`${leaf.logPrefix()}Leafnode compression=${settings.compress}`);
    this.pending.add(leaf);
    leaf.start();
    socket.resume();
  }

  /** Dials a remote's next URL; after a failure, the one after it (nats-server connectToRemoteLeafNode). */
  private connectRemote(remote: RemoteLeaf, firstConnect: boolean, delayMs: number): void {
    const url = remote.urls[remote.next++ % remote.urls.length]!;
    this.dialer.dial({
      url,
      what: "remote leafnode",
      delayMs: Math.max(delayMs, remote.connectDelayMs),
      retryDelayMs: () => this.options.reconnectMs,
      retries: 0,
      firstConnect,
      dialTimeoutMs: remote.options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
      tls: isWsUrl(url) ? remote.wsTls : null,
      describeError: (_n, err) => `Error trying to connect as leafnode to remote server "${url.host}" (attempt ${++remote.attempts}): ${err.message}`,
      stillWanted: () => !this.stopping,
      onGiveUp: () => this.connectRemote(remote, firstConnect, this.options.reconnectMs),
      onSocket: (socket) => {
        remote.connectDelayMs = 0;
        remote.attempts = 0;
        const name = remote.options.account ?? "$G";
        const account = this.server.accounts.get(name);
        if (account !== undefined) return this.startSolicited(remote, socket, account, url);
        const op = this.server.operator;
        if (op === null) return this.lookupFailed(remote, socket, name, ERR_MISSING_ACCOUNT);
        // nats-server LookupAccount: operator mode fetches the account JWT through the resolver.
        op.fetchAccount(name).then(
          (r) => {
            if (this.stopping || socket.destroyed) return void socket.destroy();
            if ("error" in r) return this.lookupFailed(remote, socket, name, r.error);
            this.startSolicited(remote, socket, r.account, url);
          },
          (err: unknown) => this.lookupFailed(remote, socket, name, String(err)),
        );
      },
    });
  }

  private startSolicited(remote: RemoteLeaf, socket: Socket, account: Account, url: URL): void {
    const ws = isWsUrl(url);
    const leaf = new Leaf(this.server, this.server.nextConnectionId(), socket, this, remote, account, url, ws);
    remote.connection = leaf;
    this.pending.add(leaf);
    if (ws) this.solicitWebsocket(leaf, remote, url);
    else this.solicitTcp(leaf, remote, url);
  }

  /** nats-server createLeafNode: the remote's account is unknown; the connection is dropped and retried. */
  private lookupFailed(remote: RemoteLeaf, socket: Socket, name: string, why: string): void {
    socket.destroy();
    this.server.logger.error(`Unable to lookup account ${name} for solicited leafnode connection: ${why}`);
    if (!this.stopping) this.connectRemote(remote, false, this.options.reconnectMs);
  }

  /**
   * The WebSocket upgrade to the hub before the leaf protocol starts (nats-server
   * leafNodeSolicitWSConnection); a failed one closes the connection as a Read Error and
   * the remote is dialed again.
   */
  private solicitWebsocket(leaf: Leaf, remote: RemoteLeaf, url: URL): void {
    const r = remote.options;
    solicitWebsocket(leaf.socket, url, r.wsCompression, r.wsNoMasking, WS_UPGRADE_WAIT_MS, (res) => {
      if (leaf.closed) return;
      if (typeof res === "string") {
        this.server.logger.error(`${leaf.logPrefix()}Error soliciting websocket connection: ${res}`);
        leaf.closeConnection(ClosedState.ReadError);
        return;
      }
      leaf.ws = new WsConn(leaf, res.settings, LEAF_WS_MAX_MESSAGE, "client");
      this.server.logger.debug(`${leaf.logPrefix()}Leafnode compression=${res.settings.compress} masking=${leaf.ws.maskWrite}`);
      // The hub's first frames may have come with its answer: they are read first.
      if (res.rest.length > 0) leaf.socket.unshift(res.rest);
      leaf.start();
      leaf.socket.resume();
    });
  }

  /**
   * A TCP remote: the hub's INFO is read first; TLS starts when the remote has a `tls {}`
   * block or the hub requires it (nats-server leafClientHandshakeIfNeeded), and the INFO
   * is then parsed as the leaf's first input. A failed handshake closes the connection
   * and the remote is dialed again.
   */
  private solicitTcp(leaf: Leaf, remote: RemoteLeaf, url: URL): void {
    const raw = leaf.socket;
    readFirstInfo(raw, remote.options.firstInfoTimeoutMs, (first) => {
      if (leaf.closed) return;
      if (typeof first === "string") {
        this.server.logger.debug(`${leaf.logPrefix()}${first}`);
        leaf.closeConnection(ClosedState.ReadError);
        return;
      }
      if (remote.options.tls === undefined && !first.tlsRequired) {
        raw.unshift(first.bytes);
        leaf.start();
        raw.resume();
        return;
      }
      let t: DialTls;
      try {
        t = remote.tcpTls ??= remoteDialTls(remote.options.tls);
      } catch (err) {
        this.server.logger.error(`${leaf.logPrefix()}TLS leafnode handshake error: ${(err as Error).message}`);
        leaf.closeConnection(ClosedState.TLSHandshakeError);
        return;
      }
      this.server.logger.debug(`${leaf.logPrefix()}Starting TLS leafnode client handshake`);
      startClientHandshake(raw, url, t, (r) => {
        if (leaf.closed) {
          if (typeof r !== "string") r.destroy();
          return;
        }
        if (typeof r === "string") {
          this.server.logger.error(`${leaf.logPrefix()}TLS leafnode handshake error: ${r}`);
          leaf.closeConnection(ClosedState.TLSHandshakeError, true);
          return;
        }
        leaf.socket = r;
        leaf.tlsActive = true;
        // The INFO came in plain text: it is read first, ahead of what the TLS socket decrypts.
        r.unshift(first.bytes);
        leaf.start();
      });
    });
  }

  // ---- handshake ----

  newNonce(): string {
    return generateNonce();
  }

  /** The leafnodes listener's INFO (nats-server leafNodeInfo), for one connection. */
  infoLine(leaf: Leaf, extra: Partial<LeafInfo> | null): string {
    const s = this.server;
    const o = this.options;
    const info: LeafInfo & Record<string, unknown> = {
      server_id: s.id,
      server_name: s.name,
      version: NATS_COMPAT_VERSION,
      proto: MSG_TRACE_PROTO,
      go: `node${process.versions.node}`,
      host: this.advertisedHostPort().host,
      port: this.advertisedHostPort().port,
      headers: !s.options.noHeaderSupport,
      auth_required: true,
      ...(this.tls !== null ? { tls_required: true, ...(this.tls.verify ? { tls_verify: true } : {}) } : {}),
      max_payload: s.options.maxPayload,
      client_id: leaf.id,
      nonce: leaf.nonce,
    };
    const cluster = s.clusterName();
    if (cluster !== null) info.cluster = cluster;
    // As nats-server's leafNodeInfo: the cluster's other servers' WebSocket URLs, for ws:// remotes.
    const wsUrls = s.routes?.peerWsConnectUrls() ?? [];
    if (wsUrls.length > 0) info.ws_connect_urls = wsUrls;
    info.info_on_connect = true;
    if (extra !== null) Object.assign(info, extra);
    info.leafnode_urls = this.leafUrls();
    info.tsnats_version = VERSION;
    return `INFO ${JSON.stringify(info)}\r\n`;
  }

  /** CONNECT to a hub (nats-server sendLeafConnect): credentials, nkey, or the URL's user and password. */
  connectLine(leaf: Leaf): string | null {
    const remote = leaf.remote!;
    const r = remote.options;
    const s = this.server;
    const c: LeafConnect = { version: NATS_COMPAT_VERSION, proto: MSG_TRACE_PROTO };
    if (r.credentials !== undefined) {
      const creds = readCredentials(r.credentials);
      if (typeof creds === "string") {
        s.logger.error(`${leaf.logPrefix()}${creds}`);
        return null;
      }
      c.jwt = creds.jwt;
      c.sig = sign(creds.seed, leaf.nonce);
    } else if (r.nkey !== undefined) {
      c.nkey = nkeys().fromSeed(new TextEncoder().encode(r.nkey)).getPublicKey();
      c.sig = sign(r.nkey, leaf.nonce);
    } else if (leaf.url !== null && leaf.url.username !== "") {
      c.user = decodeURIComponent(leaf.url.username);
      c.pass = decodeURIComponent(leaf.url.password);
    }
    c.tls_required = leaf.tlsActive;
    c.server_id = s.id;
    c.name = s.name;
    if (r.hub) c.is_hub = true;
    const cluster = s.clusterName();
    if (cluster !== null) c.cluster = cluster;
    c.headers = !s.options.noHeaderSupport;
    if (r.denyImports && r.denyImports.length > 0) c.deny_pub = r.denyImports;
    return `CONNECT ${JSON.stringify(c)}\r\n`;
  }

  /**
   * nats-server isLeafNodeAuthorized: the leafnodes block's user or users bind to their
   * account; without them, a leaf authenticates as a client would (users, nkeys, tokens,
   * or a user JWT in operator mode: leaf-jwt.ts) and lands in that user's account. A user
   * whose `allowed_connection_types` lacks LEAFNODE (LEAFNODE_WS over WebSocket) is refused. Returns the account and
   * when the login expires (0 = never), or null to refuse.
   */
  authorize(leaf: Leaf, c: LeafConnect): { account: Account; grant: LeafGrant | null } | null {
    const o = this.options;
    const s = this.server;
    let account: string | undefined;
    let grant: LeafGrant | null = null;
    if (o.username !== undefined && o.username !== "") {
      if (c.user !== o.username || c.pass !== o.password) return null;
      account = o.account;
      leaf.user = o.username;
    } else if (o.users !== undefined && o.users.length > 0) {
      const u = o.users.find((x) => x.user === c.user);
      if (u === undefined || u.password !== c.pass) return null;
      account = u.account;
      leaf.user = u.user;
    } else if (s.operator !== null) {
      const r = authenticateLeafJwt(s.operator, leaf, c);
      if (isAuthFailure(r)) return this.refused(leaf, r.detail);
      account = r.account;
      leaf.user = r.user ?? "";
      if (r.jwt !== undefined) grant = { expiresAtMs: r.jwt.expiresAtMs, maxPayload: r.jwt.maxPayload, maxSubs: r.jwt.maxSubs };
      leaf.userJwt = c.jwt ?? null;
    } else if (s.authRequired) {
      // Over WebSocket, the websocket block's no_auth_user stands in for the server's.
      const auth = leaf.websocket && s.websocket !== null ? s.websocket.leafAuthenticator() : s.auth;
      const r = auth.authenticate({ user: c.user, pass: c.pass, jwt: c.jwt, sig: c.sig, nkey: c.nkey }, leaf.nonce);
      if (isAuthFailure(r)) return this.refused(leaf, r.detail);
      if (!connectionTypeAllowed(r.userOptions?.allowedConnectionTypes, leaf.connectionType)) return this.refused(leaf, "Connection type not allowed");
      account = r.account;
      leaf.user = r.user ?? "";
    } else {
      account = o.account;
    }
    const acc = s.accounts.get(account ?? "$G");
    return acc === undefined ? null : { account: acc, grant };
  }

  private refused(leaf: Leaf, detail: string): null {
    if (detail !== "") this.server.logger.debug(`${leaf.logPrefix()}${detail}`);
    return null;
  }

  /** Operator mode: the account's leaf limit, the JWTs' limits and expiry (leaf-jwt.ts); false when `leaf` was closed. */
  admit(leaf: Leaf, account: Account, grant: LeafGrant | null): boolean {
    const op = this.server.operator;
    return op === null || grant === null || admitLeaf(op, leaf, account, grant);
  }

  /** Adds a connection whose handshake is over (nats-server addLeafNodeConnection), replacing a stale twin. */
  register(leaf: Leaf): void {
    this.pending.delete(leaf);
    if (this.stopping) {
      leaf.closeConnection(ClosedState.ServerShutdown);
      return;
    }
    if (leaf.remote === null && leaf.remoteName !== "") {
      for (const old of this.leafs.values()) {
        if (old.remote !== null || old.remoteName !== leaf.remoteName || old.remoteCluster !== leaf.remoteCluster || old.account !== leaf.account) continue;
        old.sendErr(ERR_DUPLICATE_LEAF);
        this.server.logger.error(`${old.logPrefix()}${ERR_DUPLICATE_LEAF}`);
        old.closeConnection(ClosedState.DuplicateRemoteLeafnodeConnection);
        this.server.logger.warn(`${leaf.logPrefix()}Replacing connection from same server`);
      }
    }
    leaf.registered = true;
    this.leafs.set(leaf.id, leaf);
    this.server.accountConns.added(leaf, leaf.account);
    if (![...this.leafs.values()].some((l) => l !== leaf && l.account === leaf.account)) leaf.account.addSubListener(this);
  }

  /**
   * Everything the bound account has an interest in, for a new connection (nats-server
   * initLeafNodeSmapAndSendSubs): a spoke sends only its own side's interest; a hub sends
   * all of it, routes' included. Plus the account's system imports and its loop detection subject.
   */
  initInterest(leaf: Leaf): void {
    const smap = new Map<string, number>();
    leaf.smap = smap;
    const rc = leaf.remoteCluster;
    for (const sub of leaf.account.sublist.all()) {
      if (sub.conn === leaf) continue;
      if (leaf.isSpoke && !isLocal(sub)) continue;
      const origin = (sub as { origin?: string }).origin ?? "";
      if (origin !== "" && origin === rc) continue;
      const key = sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
      smap.set(key, (smap.get(key) ?? 0) + (sub.queue !== null ? sub.weight : 1));
    }
    const gw = this.server.gateways;
    if (gw !== null) {
      // What other clusters want, and their responses by mapped reply (initLeafNodeSmapAndSendSubs).
      for (const out of leaf.isSpoke ? [] : gw.out.values()) {
        for (const r of out.outsim!.subsOf(leaf.account.name)) {
          const key = r.queue === null ? r.subject : `${r.subject} ${r.queue}`;
          smap.set(key, (smap.get(key) ?? 0) + 1);
        }
      }
      smap.set(GW_ROUTED_ALL, (smap.get(GW_ROUTED_ALL) ?? 0) + 1);
    }
    // The account's system imports (system-imports.ts), as nats-server's import subscriptions.
    if (leaf.account !== this.server.systemAccount) for (const subject of LEAF_IMPORT_SUBJECTS) smap.set(subject, (smap.get(subject) ?? 0) + 1);
    const lds = this.loopSubject(leaf.account);
    smap.set(lds, (smap.get(lds) ?? 0) + 1);
    const lines: string[] = [];
    for (const [key, n] of smap) lines.push(key.includes(" ") ? `LS+ ${key} ${n}\r\n` : `LS+ ${key}\r\n`);
    leaf.sendProto(lines.join(""));
  }

  /** The account's `$LDS.` subject, made on first use. */
  loopSubject(account: Account): string {
    let s = this.lds.get(account);
    if (s === undefined) {
      s = LDS_PREFIX + nuid.next();
      this.lds.set(account, s);
    }
    return s;
  }

  /** Our loop detection subject came back (nats-server handleLeafNodeLoop): drop the link, redial later. */
  loopDetected(leaf: Leaf, sendErr: boolean): void {
    if (leaf.remote !== null) leaf.remote.connectDelayMs = LOOP_RECONNECT_DELAY_MS;
    const text = `Loop detected for leafnode account="${leaf.account.name}". Delaying attempt to reconnect for ${LOOP_RECONNECT_DELAY_MS / 1000}s`;
    if (sendErr) leaf.sendErr(text);
    this.server.logger.error(`${leaf.logPrefix()}${text}`);
    leaf.closeConnection(ClosedState.ProtocolViolation);
  }

  /** The hub told us its cluster's leaf URLs: try them too after the configured ones fail. */
  learnUrls(remote: RemoteLeaf, info: LeafInfo): void {
    const configured = remote.options.urls.map(parseLeafUrl).filter((u): u is URL => u !== null);
    // A WebSocket remote learns the WebSocket URLs (nats-server updateLeafNodeURLs), wss when it uses TLS.
    const ws = configured[0] !== undefined && isWsUrl(configured[0]);
    const scheme = !ws ? "nats-leaf" : remote.wsTls !== null ? "wss" : "ws";
    const urls = (ws ? info.ws_connect_urls : info.leafnode_urls) ?? [];
    const extra = urls.map((u) => leafUrlFrom(u, scheme)).filter((u): u is URL => u !== null && !configured.some((c) => c.host === u.host));
    remote.urls = [...extra, ...configured];
  }

  leafClosed(leaf: Leaf): void {
    this.pending.delete(leaf);
    this.server.accountConns.removed(leaf);
    if (this.leafs.delete(leaf.id) && ![...this.leafs.values()].some((l) => l.account === leaf.account)) {
      leaf.account.removeSubListener(this);
    }
    const remote = leaf.remote;
    if (remote === null || this.stopping) return;
    remote.connection = null;
    this.server.logger.debug(`Attempting reconnect for remote leafnode`);
    this.connectRemote(remote, false, this.options.reconnectMs);
  }

  /** SubListener: every leaf bound to `account` decides whether its peer must hear of it. */
  subChanged(account: Account, sub: Subscription, delta: number): void {
    for (const leaf of this.leafs.values()) if (leaf.account === account) leaf.updateInterest(sub, delta);
  }

  /** A `leafnode` error from the peer (nats-server leafProcessErr). */
  peerError(leaf: Leaf, text: string): void {
    if (text.includes("Loop detected")) this.loopDetected(leaf, false);
    else if (text.includes("remote leafnode has same cluster name") && leaf.remote !== null) leaf.remote.connectDelayMs = LOOP_RECONNECT_DELAY_MS;
  }

  // ---- URLs ----

  private advertisedHostPort(): { host: string; port: number } {
    const adv = this.options.advertise;
    if (adv) {
      const i = adv.lastIndexOf(":");
      return i > 0 ? { host: adv.slice(0, i), port: Number(adv.slice(i + 1)) } : { host: adv, port: this.listenPort };
    }
    const first = listenURLs("x", this.options.host, this.listenPort)[0]!;
    const u = new URL(first.replace(/^x:/, "nats:"));
    return { host: u.hostname.replace(/^\[|\]$/g, ""), port: this.listenPort };
  }

  /** This server's leaf URL for routes to pass on (route INFO `leafnode_urls`), or null. */
  advertisedUrl(): string | null {
    if (this.listener === null || this.options.noAdvertise) return null;
    const hp = this.advertisedHostPort();
    return hostPort(hp.host, hp.port);
  }

  /** Ours and our cluster peers' leaf URLs (INFO `leafnode_urls`). */
  private leafUrls(): string[] {
    const own = this.advertisedUrl();
    const out = own !== null ? [own] : [];
    for (const u of this.peerLeafUrls.keys()) if (!out.includes(u)) out.push(u);
    return out;
  }

  /** A route brought (or took away) a peer's leaf URL: tell our leaf connections (nats-server sendAsyncLeafNodeInfo). */
  peerLeafUrl(url: string, add: boolean): void {
    const n = this.peerLeafUrls.get(url) ?? 0;
    if (add) this.peerLeafUrls.set(url, n + 1);
    else if (n <= 1) this.peerLeafUrls.delete(url);
    else this.peerLeafUrls.set(url, n - 1);
    if ((add && n === 0) || (!add && n === 1)) {
      for (const leaf of this.leafs.values()) if (leaf.remote === null) leaf.sendProto(this.infoLine(leaf, null));
    }
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.dialer.stop();
    const l = this.listener;
    const closed = l !== null ? new Promise<void>((resolve) => l.close(() => resolve())) : Promise.resolve();
    for (const leaf of [...this.leafs.values(), ...this.pending]) leaf.closeConnection(ClosedState.ServerShutdown);
    await closed;
  }
}

/** Signs the hub's nonce with a user seed: base64url without padding, as nats-server expects. */
function sign(seed: string, nonce: string): string {
  const kp = nkeys().fromSeed(new TextEncoder().encode(seed));
  return Buffer.from(kp.sign(new TextEncoder().encode(nonce))).toString("base64url");
}

/** A remote URL (`nats-leaf://user:pass@host[:port]`, `nats://...`), with the default leaf port. */
function parseLeafUrl(raw: string): URL | null {
  try {
    const u = new URL(raw.includes("://") ? raw : `nats-leaf://${raw}`);
    // ws:// and wss:// without a port mean 80 and 443 (the URL keeps none: dial.ts).
    if (u.port === "" && !isWsUrl(u)) u.port = DEFAULT_LEAF_PORT;
    return u.hostname !== "" ? u : null;
  } catch {
    return null;
  }
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}
