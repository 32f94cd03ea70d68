/**
 * The server: listener, accounts, clients, message delivery and lifecycle
 * (nats-server server.go). Clients parse and match; the server writes MSG frames into
 * each target's outbound buffer and flushes every touched connection once per read.
 */
import net from "node:net";
import { Authenticator } from "../auth/authenticator.js";
import { buildPubArg } from "../protocol/pub-arg.js";
import { errLine, infoLine } from "../protocol/encode.js";
import { ERR_MAX_CONNECTIONS } from "../protocol/errors.js";
import { NATS_COMPAT_VERSION, PROTO_VERSION, VERSION } from "../version.js";
import { Account, GLOBAL_ACCOUNT } from "../accounts/account.js";
import { configureAccounts } from "../accounts/imports.js";
import { Client, type ConnectOptions } from "./client.js";
import type { Connection } from "./connection.js";
import { deliverResult, deliverToPeers } from "./deliver.js";
import { InternalClient } from "./internal-client.js";
import { ClosedState } from "./closed-state.js";
import { advertiseAddress, hostPort, listenURLs } from "./net-util.js";
import { createServerIdentity, type ServerIdentity } from "./server-id.js";
import { AuthCallouts } from "../auth/callout/router.js";
import { removeProcessFiles, writePidFile, writePortsFile } from "./process-files.js";
import type { ServerLogger } from "./logger.js";
import { validateOptions, type ServerOptions } from "./options.js";
import { TsnatsError } from "../errors.js";
import { Subscription, type InternalCallback, type PubArgHandler } from "./subscription.js";
import { Kind } from "./connection-kind.js";
import { authenticateClient } from "../auth/connection.js";
import { publishClientEvent, setupSystemAccount, SystemEvents } from "./events.js";
import { AccountConns } from "./account-conns.js";
import { ServerTls, startClientTls, tlsInfoFields } from "./tls.js";
import { SocketReader } from "./socket-reader.js";
import { MemoryReclaimer } from "./memory-reclaim.js";
import type { JetStream } from "../jetstream/jetstream.js";
import type { MonitorState } from "../monitor/state.js";
import { LinkTargets } from "../cluster/targets.js";
import type { RouteManager } from "../cluster/routes.js";
import type { LeafManager } from "../leafnode/leafnodes.js";
import type { GatewayManager } from "../gateway/gateways.js";
import { sendToGateways } from "../gateway/routing.js";
import { isOperatorMode, OperatorMode } from "../auth/jwt/operator-mode.js";
import type { WebsocketServer } from "../websocket/listener.js";
import { WsConn, type WsSettings } from "../websocket/ws-conn.js";

/** How many closed connections /connz remembers (nats-server MaxClosedClients). */
export const MAX_CLOSED_CLIENTS = 10_000;
/** Up to this many more are kept between trims, so a close costs O(1) amortized. */
const CLOSED_TRIM_BATCH = 256;

/** A closed connection as /connz?state=closed shows it. */
export interface ClosedClientInfo {
  cid: number;
  ip: string;
  port: number;
  startMs: number;
  stopMs: number;
  reason: string;
  name: string;
  lang: string;
  version: string;
  user: string;
  account: string;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  subscriptions: string[];
}

export class Server {
  readonly id: string;
  readonly name: string;
  readonly startMs = Date.now();
  readonly clients = new Map<number, Client>();
  readonly accounts = new Map<string, Account>();
  readonly globalAccount: Account;
  /** The last MAX_CLOSED_CLIENTS closed connections (up to CLOSED_TRIM_BATCH more between trims), oldest first. */
  readonly closedClients: ClosedClientInfo[] = [];
  /** Replaced on config reload (src/server/reload.ts). */
  auth: Authenticator;
  /** Client TLS, null when off; replaced on reload. */
  tls: ServerTls | null;
  /** The system account (`system_account`, default `$SYS`). */
  systemAccount: Account;

  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  slowConsumers = 0;
  totalConnections = 0;
  /** Socket bytes queued at a subscriber beyond which its producers are paused. */
  readonly stallThreshold: number;
  /** Copied from the logger (a field read on the hot path); updated on reload. */
  traceEnabled: boolean;

  /** The one buffer plain client connections read into (src/server/socket-reader.ts). */
  readonly reader = new SocketReader();
  /** Gives memory back once traffic stops (src/server/memory-reclaim.ts). */
  readonly reclaimer = new MemoryReclaimer({ activity: () => this.inMsgs + this.outMsgs + this.totalConnections + this.clients.size });
  /** True while a client's read is being parsed: flushing waits for its end. */
  inReadBatch = false;
  private readonly pending: Connection[] = [];
  private flushScheduled = false;
  /**
   * Bound once: an arrow function created inside markPending would make V8 allocate its
   * context on every call (40 bytes per delivered message) once the branch has run.
   */
  private readonly flushLater = (): void => this.flushPending();
  private nextCid = 0;
  private listener: net.Server | null = null;
  private lameDuck = false;
  private shuttingDown = false;
  private closedPromise: Promise<void> | null = null;
  /** Address clients are told to use, set once listening. */
  private listenHost = "";
  listenPort = 0;
  /** Owner of the server's own subscriptions. */
  private readonly internalClient = new InternalClient();
  /** Owner of JetStream's capture subscriptions (Kind.JETSTREAM). */
  private readonly jetstreamClient = new InternalClient(Kind.JETSTREAM);
  private internalSid = 0;
  /** `$SYS` events and requests: the sequence of event messages, the request handlers. */
  readonly events: SystemEvents;
  /** Account connection counts, this server's and the others' (account-conns.ts). */
  readonly accountConns: AccountConns = new AccountConns(this);
  private readonly internalSubs = new Map<Subscription, Account>();
  /** The stream each JetStream capture subscription stores into (a traced message's `js` event). */
  private readonly jetstreamStreams = new Map<Subscription, string>();
  /** The monitoring HTTP port, 0 when monitoring is off. */
  monitorPort = 0;
  /** The JetStream engine (src/jetstream), null when JetStream is off. */
  jetstream: JetStream | null = null;
  /** The running monitor (src/monitor), null when monitoring is off. */
  monitor: MonitorState | null = null;
  /** The INFO fields every client gets; rebuilt by refreshInfo(). */
  private infoBase: Record<string, unknown> = {};
  /** `infoBase` as JSON without its closing brace: per-client fields are appended. */
  private infoPrefix = "{";
  private readonly extraCloseHooks: Array<() => Promise<void> | void> = [];
  /** The cluster (src/cluster): routes to the other servers; null when not clustered. */
  routes: RouteManager | null = null;
  /** Leaf nodes (src/leafnode): the leafnodes listener and remotes; null when not configured. */
  leafs: LeafManager | null = null;
  /** The gateway (src/gateway): links to other clusters; null when not configured. */
  gateways: GatewayManager | null = null;
  /** The websocket listener (src/websocket), null when not configured. */
  websocket: WebsocketServer | null = null;
  /** Bumped each time the cluster's client or WebSocket URLs change (a client's first PING checks it). */
  connectUrlsGeneration = 0;
  /** `infoBase` for websocket clients (WebsocketServer.clientInfo). */
  private wsInfoBase: Record<string, unknown> = {};
  /** `wsInfoBase` as JSON without its closing brace. */
  private wsInfoPrefix = "{";
  /** Routes and leaf nodes one message is going to, collected by the delivery step. */
  readonly linkTargets = new LinkTargets();
  /** Operator mode (src/auth/jwt): JWT accounts and user JWT authentication; null otherwise. */
  readonly operator: OperatorMode | null = null;
  /** Auth callouts (src/auth/callout): config mode's, or operator mode's per account; null when neither. */
  readonly callouts: AuthCallouts | null = null;
  /** The server's nkey: its public half is the server id; it signs auth callout requests. */
  private readonly identity: ServerIdentity;

  constructor(
    readonly options: ServerOptions,
    readonly logger: ServerLogger,
  ) {
    const problems = validateOptions(options);
    if (problems.length > 0) throw new TsnatsError("ERR_INVALID_OPTIONS", problems.join("; "));
    this.identity = createServerIdentity();
    this.id = this.identity.publicKey;
    this.name = options.serverName ?? this.id;
    this.globalAccount = new Account(GLOBAL_ACCOUNT);
    this.accounts.set(GLOBAL_ACCOUNT, this.globalAccount);
    this.auth = new Authenticator(options);
    configureAccounts(this, options.accounts ?? []);
    this.events = new SystemEvents(this);
    // Before the system account: in operator mode it is a JWT account.
    if (isOperatorMode(options)) this.operator = new OperatorMode(this);
    if (this.operator !== null || options.authCallout !== undefined) {
      const callouts = new AuthCallouts(this, this.identity.privateKey, this.operator === null ? options.authCallout : undefined);
      this.callouts = callouts;
      this.onClose(() => callouts.close());
    }
    this.systemAccount = setupSystemAccount(this);
    this.tls = options.tls ? ServerTls.load(options.tls) : null;
    this.stallThreshold = Math.min(Math.floor((options.maxPending / 4) * 3), 4 * 1024 * 1024);
    this.traceEnabled = logger.traceEnabled;
  }

  /** True once lame duck mode started: no new clients, existing ones being moved off. */
  get lameDuckMode(): boolean {
    return this.lameDuck;
  }

  /** True once close() started. */
  get shutdownStarted(): boolean {
    return this.shuttingDown;
  }

  get authRequired(): boolean {
    return this.auth.required;
  }

  /**
   * Starts the monitoring and client listeners, then writes the pid and ports files and
   * logs "Server is ready": tools wait for that line or the ports file, so both come last.
   */
  async start(): Promise<void> {
    const o = this.options;
    const log = this.logger;
    log.notice(`Starting tsnats-server`);
    log.notice(`  Version:  ${VERSION} (nats-server ${NATS_COMPAT_VERSION} compatible)`);
    log.notice(`  Name:     ${this.name}`);
    log.notice(`  ID:       ${this.id}`);
    if (o.configFile) log.notice(`Using configuration file: ${o.configFile}`);

    // Loaded only when asked for: it is most of the import time of an embedded server.
    const monitoring = o.httpPort !== 0 ? await (await import("../monitor/index.js")).startMonitoring(this) : [];
    const first = monitoring[0];
    this.monitorPort = first ? Number(new URL(first).port) : 0;

    await this.operator?.start();

    if (o.jetstream) {
      // Loaded only when enabled; started before clients can connect, as nats-server does.
      const { JetStream, resolveJetStreamConfig } = await import("../jetstream/jetstream.js");
      this.jetstream = new JetStream(this, resolveJetStreamConfig(this));
      await this.jetstream.start();
    }

    if (o.websocket !== undefined && o.websocket.port !== 0) {
      // Before the client listener, as nats-server.
      this.websocket = await (await import("../websocket/listener.js")).WebsocketServer.start(this, o.websocket);
    }
    const listener = net.createServer({ noDelay: true });
    listener.on("connection", (socket) => this.acceptConnection(socket));
    const port = o.port === -1 ? 0 : o.port;
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      listener.listen({ port, host: o.host, backlog: 8192 }, () => {
        listener.off("error", reject);
        resolve();
      });
    });
    listener.on("error", (err) => log.error(`Client listener error: ${err.message}`));
    this.listener = listener;
    const addr = listener.address() as net.AddressInfo;
    this.listenPort = addr.port;
    this.listenHost = o.host;
    this.refreshInfo();
    log.notice(`Listening for client connections on ${hostPort(o.host, addr.port)}`);
    if (this.authRequired) log.notice(`Authentication required for clients`);
    if (o.leafnodes !== undefined && (o.leafnodes.port !== 0 || o.leafnodes.remotes.length > 0)) {
      this.leafs = await (await import("../leafnode/leafnodes.js")).LeafManager.start(this, o.leafnodes);
    }
    if (o.gateway !== undefined && o.gateway.port !== 0 && o.gateway.name) {
      // Before the routes: their INFO carries our gateway URL.
      this.gateways = await (await import("../gateway/gateways.js")).GatewayManager.start(this, o.gateway);
    }
    if (o.cluster !== undefined && (o.cluster.port !== 0 || o.cluster.routes.length > 0)) {
      this.routes = await (await import("../cluster/routes.js")).RouteManager.start(this, o.cluster);
      this.refreshInfo();
    }
    if (o.pidFile) writePidFile(o.pidFile);
    if (o.portsFileDir) {
      const cluster = this.routes !== null && this.routes.listenPort !== 0 ? [`nats://${hostPort(o.cluster!.host, this.routes.listenPort)}`] : [];
      writePortsFile(o.portsFileDir, { nats: this.clientURLs(), monitoring, cluster, websocket: this.websocket?.urls() ?? [] });
    }
    this.reclaimer.start();
    log.notice(`Server is ready`);
  }

  /** Client URLs as nats-server lists them: an IPv4 address first. */
  clientURLs(): string[] {
    return listenURLs("nats", this.options.host, this.listenPort);
  }

  /** Registers work to run on shutdown (monitoring listener, etc.). */
  onClose(hook: () => Promise<void> | void): void {
    this.extraCloseHooks.push(hook);
  }

  /** Rebuilds the INFO template (after listen, lame duck, config reload). */
  refreshInfo(): void {
    const o = this.options;
    const advertised = advertiseAddress(o.clientAdvertise, this.listenHost, this.listenPort);
    const info: Record<string, unknown> = {
      server_id: this.id,
      server_name: this.name,
      version: NATS_COMPAT_VERSION,
      proto: PROTO_VERSION,
      go: `node${process.versions.node}`,
      host: advertised.host,
      port: advertised.port,
      headers: !o.noHeaderSupport,
      max_payload: o.maxPayload,
    };
    if (this.authRequired) info.auth_required = true;
    Object.assign(info, tlsInfoFields(this.tls, o.allowNonTls === true));
    if (this.routes !== null) Object.assign(info, this.routes.clientInfoFields(this.lameDuck));
    else if (this.clusterName() !== null) info.cluster = this.clusterName();
    if (this.jetstream !== null) {
      info.jetstream = true;
      if (this.jetstream.config.domain !== "") info.domain = this.jetstream.config.domain;
    }
    if (this.lameDuck) info.ldm = true;
    info.tsnats_version = VERSION;
    this.infoBase = info;
    this.infoPrefix = JSON.stringify(info).slice(0, -1);
    this.wsInfoBase = this.websocket !== null ? this.websocket.clientInfo(info, this.routes?.wsConnectUrls(this.lameDuck) ?? null) : info;
    this.wsInfoPrefix = JSON.stringify(this.wsInfoBase).slice(0, -1);
  }

  /**
   * The cluster this server belongs to: its route cluster's name, else a configured one;
   * a server with leaf remotes and no cluster takes its configured server name
   * (nats-server leafNoCluster), which its leaf links then carry. Null when none.
   */
  clusterName(): string | null {
    if (this.routes !== null) return this.routes.clusterName;
    const o = this.options;
    if (o.cluster?.name) return o.cluster.name;
    const remotes = o.leafnodes?.remotes.length ?? 0;
    if (remotes > 0 && (o.cluster?.port ?? 0) === 0 && o.serverName) return o.serverName;
    return null;
  }

  /** The INFO line for one client (client_id and client_ip are per connection). */
  infoFor(c: Client): string {
    const nonce = c.nonce !== "" ? `,"nonce":${JSON.stringify(c.nonce)}` : "";
    return infoLine(c.ws !== null ? this.wsInfoPrefix : this.infoPrefix, `,"client_id":${c.id},"client_ip":${JSON.stringify(c.host)}${nonce}`);
  }

  /** The next connection ID, shared by every kind (nats-server gcid: cid, rid, lid, gid). */
  nextConnectionId(): number {
    return ++this.nextCid;
  }

  private acceptConnection(socket: net.Socket): void {
    if (this.shuttingDown || this.lameDuck) {
      socket.destroy();
      return;
    }
    const c = new Client(this, this.nextConnectionId(), socket, this.globalAccount);
    this.totalConnections++;
    const max = this.options.maxConnections;
    if (max > 0 && this.clients.size >= max) {
      // As nats-server: INFO first, then the error, then close.
      socket.on("error", () => {});
      socket.end(this.infoFor(c) + errLine(ERR_MAX_CONNECTIONS));
      this.logger.error(`${c.logPrefix()}Maximum Connections Exceeded`);
      return;
    }
    this.clients.set(c.id, c);
    if (this.logger.debugEnabled) this.logger.debug(`${c.logPrefix()}Client connection created`);
    if (this.tls !== null) startClientTls(this.tls, c, this.options.allowNonTls === true, this.logger, () => c.start());
    else c.start();
  }

  /**
   * A client whose WebSocket upgrade was accepted (src/websocket/listener.ts): the same
   * Client as over TCP, with frames around its protocol (nats-server createWSClient).
   */
  acceptWebsocketClient(socket: net.Socket, settings: WsSettings): void {
    if (this.shuttingDown || this.lameDuck) {
      socket.destroy();
      return;
    }
    const c = new Client(this, this.nextConnectionId(), socket, this.globalAccount);
    const o = this.options;
    // A compressed message may not inflate past what the parser would take anyway.
    c.ws = new WsConn(c, settings, o.maxPayload + o.maxControlLine + 64 * 1024);
    this.totalConnections++;
    if (o.maxConnections > 0 && this.clients.size >= o.maxConnections) {
      c.sendProto(this.infoFor(c));
      c.sendErr(ERR_MAX_CONNECTIONS);
      this.logger.error(`${c.logPrefix()}Maximum Connections Exceeded`);
      this.flushPending();
      c.closeConnection(ClosedState.MaxConnectionsExceeded);
      return;
    }
    this.clients.set(c.id, c);
    this.logger.debug(`${c.logPrefix()}Client connection created`);
    c.start();
    socket.resume();
  }

  /**
   * Checks CONNECT credentials; on success the client is bound to its user, account and
   * permissions. Returns null, or what to name in the "authentication error" log line.
   */
  authenticate(c: Client, o: ConnectOptions): string | null {
    const failure = authenticateClient(this, c, o);
    return failure === null ? null : failure.detail;
  }

  /** Called by a client when it closes: forget it and remember why. */
  removeClient(c: Client): void {
    if (!this.clients.delete(c.id)) return;
    if (this.logger.debugEnabled) this.logger.debug(`${c.logPrefix()}Client connection closed: ${c.closeReason}`);
    if (c.connected) publishClientEvent(this, c, "DISCONNECT");
    this.accountConns.removed(c);
    const closed = this.closedClients;
    // Trimmed in batches: shifting a 10,000-entry array per close is O(n) under churn.
    if (closed.length >= MAX_CLOSED_CLIENTS + CLOSED_TRIM_BATCH) closed.splice(0, closed.length - MAX_CLOSED_CLIENTS + 1);
    closed.push({
      cid: c.id,
      ip: c.host,
      port: c.port,
      startMs: c.startMs,
      stopMs: c.stopMs,
      reason: c.closeReason,
      name: c.name,
      lang: c.lang,
      version: c.version,
      user: c.user,
      account: c.account.name,
      inMsgs: c.inMsgs,
      outMsgs: c.outMsgs,
      inBytes: c.inBytes,
      outBytes: c.outBytes,
      subscriptions: [...c.subs.values()].map((s) => s.subject),
    });
  }

  /**
   * Publishes a server-originated message (no-responders status, system events).
   * `payload` ends with CRLF; `hdrLen` is the header length or -1.
   */
  publishInternal(account: Account, subject: string, reply: string, payload: Buffer, hdrLen: number): void {
    const pa = buildPubArg(subject, reply, hdrLen, payload, 0, payload.length);
    const r = account.sublist.match(subject);
    deliverResult(this, null, r, pa);
    if (this.gateways !== null) sendToGateways(this.gateways, null, account, pa, r);
    this.flushPending();
  }

  /** As {@link publishInternal}, to other servers only (deliver.ts deliverToPeers says why). */
  publishToPeers(account: Account, subject: string, reply: string, payload: Buffer): void {
    const pa = buildPubArg(subject, reply, -1, payload, 0, payload.length);
    deliverToPeers(this, account.sublist.match(subject), pa);
    this.flushPending();
  }

  /**
   * Subscribes the server itself in `account`: matching messages call `cb` (the
   * nats-server internal subscription, `icb`), in queue group `queue` when given. The
   * subscription belongs to an internal
   * client that has no socket and is not listed in /connz.
   */
  subscribeInternal(account: Account, subject: string, cb: InternalCallback, queue: string | null = null): Subscription {
    const sub = new Subscription(this.internalClient, subject, queue, String(++this.internalSid), cb);
    account.addSub(sub);
    this.internalSubs.set(sub, account);
    return sub;
  }

  /**
   * As {@link subscribeInternal}, for JetStream: `handler` gets the message's PubArg as it
   * is (no copy, no strings), for paths that copy the bytes once themselves (a stream
   * storing a message) into the stream named `stream`. Ended with unsubscribeInternal.
   */
  subscribeJetStream(account: Account, subject: string, handler: PubArgHandler, stream: string): Subscription {
    const sub = new Subscription(this.jetstreamClient, subject, null, String(++this.internalSid));
    sub.pah = handler;
    this.jetstreamStreams.set(sub, stream);
    account.addSub(sub);
    this.internalSubs.set(sub, account);
    return sub;
  }

  /** The stream a JetStream capture subscription stores into ("" for other subscriptions). */
  jetstreamStreamOf(sub: Subscription): string {
    return this.jetstreamStreams.get(sub) ?? "";
  }

  unsubscribeInternal(sub: Subscription): void {
    const account = this.internalSubs.get(sub);
    if (account === undefined) return;
    this.internalSubs.delete(sub);
    this.jetstreamStreams.delete(sub);
    sub.closed = true;
    account.removeSub(sub);
  }

  /**
   * Scatter-gather request from the server in every account (micro service discovery):
   * publishes `subject` with a fresh inbox as reply in each account, and collects the
   * replies until `maxWaitMs`, or `stallMs` after the last one.
   */
  requestManyInternal(subject: string, maxWaitMs: number, stallMs: number): Promise<Buffer[]> {
    const replies: Buffer[] = [];
    const subs: Subscription[] = [];
    return new Promise((resolve) => {
      let stall: NodeJS.Timeout | null = null;
      const finish = (): void => {
        clearTimeout(deadline);
        if (stall !== null) clearTimeout(stall);
        for (const s of subs) this.unsubscribeInternal(s);
        resolve(replies);
      };
      const deadline = setTimeout(finish, maxWaitMs);
      for (const account of this.accounts.values()) {
        const inbox = `_INBOX.${this.id.slice(0, 8)}.${++this.internalSid}`;
        subs.push(
          this.subscribeInternal(account, inbox, (_s, _r, _h, data) => {
            replies.push(data);
            if (stall !== null) clearTimeout(stall);
            stall = setTimeout(finish, stallMs);
          }),
        );
        this.publishInternal(account, subject, inbox, Buffer.from("\r\n"), -1);
      }
    });
  }

  /** Queues a connection for the flush at the end of the current read batch. */
  markPending(c: Connection): void {
    if (c.flushQueued) return;
    c.flushQueued = true;
    this.pending.push(c);
    if (!this.inReadBatch && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushLater);
    }
  }

  /** One socket write per touched connection (nats-server flushClients). */
  flushPending(): void {
    this.flushScheduled = false;
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) pending[i]!.flush();
    pending.length = 0;
  }

  // ---- lifecycle ----

  /**
   * Lame duck mode (SIGUSR2): stop accepting, tell clients via INFO `ldm: true`, then
   * close them spread over the lame duck duration, and shut down.
   */
  async enterLameDuckMode(): Promise<void> {
    if (this.lameDuck || this.shuttingDown) return;
    const o = this.options;
    this.lameDuck = true;
    this.logger.notice(`Entering lame duck mode, stop accepting new clients`);
    this.listener?.close();
    this.websocket?.stopAccepting();
    this.routes?.enterLameDuckMode();
    this.refreshInfo();
    const ldmInfo = `INFO ${JSON.stringify(this.infoBase)} \r\n`;
    const wsLdmInfo = `INFO ${JSON.stringify(this.wsInfoBase)} \r\n`;
    // nats-server sendLDMToClients: only clients that take async INFO.
    for (const c of this.clients.values()) if (c.takesAsyncInfo) c.sendProto(c.ws !== null ? wsLdmInfo : ldmInfo);
    this.flushPending();
    const grace = Math.min(o.lameDuckGracePeriodMs, o.lameDuckDurationMs);
    await delay(grace);
    const clients = [...this.clients.values()];
    const spread = Math.max(0, o.lameDuckDurationMs - grace);
    const step = clients.length > 0 ? spread / clients.length : 0;
    for (const c of clients) {
      if (this.shuttingDown) break;
      c.closeConnection(ClosedState.ServerShutdown);
      if (step >= 1) await delay(Math.min(step, 1000));
    }
    await this.close();
  }

  /** Graceful shutdown: stop accepting, flush what each client has pending, close. */
  close(): Promise<void> {
    if (this.closedPromise) return this.closedPromise;
    this.shuttingDown = true;
    this.closedPromise = (async () => {
      this.logger.notice(`Initiating Shutdown...`);
      this.reclaimer.stop();
      this.accountConns.publishShutdown();
      this.accountConns.close();
      const listener = this.listener;
      const listenerClosed = listener
        ? new Promise<void>((resolve) => (listener.listening ? listener.close(() => resolve()) : resolve()))
        : Promise.resolve();
      this.flushPending();
      const links = Promise.all([this.routes?.close(), this.leafs?.close(), this.gateways?.close(), this.websocket?.close()]);
      const sockets = [...this.clients.values()].map((c) => c.socket);
      for (const c of [...this.clients.values()]) c.closeConnection(ClosedState.ServerShutdown);
      await Promise.all(sockets.map((s) => waitClosed(s, 2000)));
      await listenerClosed;
      await links;
      await this.jetstream?.stop();
      for (const hook of this.extraCloseHooks) await hook();
      await this.auth.bcrypt.close();
      removeProcessFiles(this.options);
      this.logger.notice(`Server Exiting..`);
    })();
    return this.closedPromise;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when the socket is closed, or destroys it after `timeoutMs`. */
function waitClosed(s: net.Socket, timeoutMs: number): Promise<void> {
  if (s.destroyed && s.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      s.destroy();
      resolve();
    }, timeoutMs);
    s.once("close", () => {
      clearTimeout(t);
      resolve();
    });
  });
}
