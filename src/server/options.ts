/**
 * Server options: the one source of truth for limits and defaults. Both the config
 * file (src/config) and the command-line flags (src/cli) produce a `ServerOptionsInput`
 * (a `Partial<ServerOptions>` whose blocks, e.g. `cluster`, may be partial too);
 * `resolveOptions` merges them and fills in the defaults. Names follow nats-server's
 * config keys (camelCased, with units in the name), defaults follow nats-server const.go
 * and opts.go setBaselineOptions.
 */
import { DEFAULT_SYSTEM_ACCOUNT, type AccountOptions } from "../accounts/config.js";
import type { MappingOptions } from "../sublist/transform.js";

/** nats-server const.go defaults. */
export const DEFAULT_PORT = 4222;
export const DEFAULT_HOST = "0.0.0.0";
export const MAX_CONTROL_LINE_SIZE = 4096;
export const MAX_PAYLOAD_SIZE = 1024 * 1024;
export const MAX_PENDING_SIZE = 64 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 64 * 1024;
export const DEFAULT_PING_INTERVAL_MS = 2 * 60 * 1000;
export const DEFAULT_PING_MAX_OUT = 2;
export const DEFAULT_AUTH_TIMEOUT_MS = 2000;
export const DEFAULT_WRITE_DEADLINE_MS = 10_000;
export const DEFAULT_LAME_DUCK_DURATION_MS = 2 * 60 * 1000;
export const DEFAULT_LAME_DUCK_GRACE_PERIOD_MS = 10_000;
/** TLS handshake timeout of every listener (const.go TLS_TIMEOUT). */
export const TLS_TIMEOUT_MS = 2000;
/** Routes per pair of servers (const.go DEFAULT_ROUTE_POOL_SIZE). */
export const DEFAULT_ROUTE_POOL_SIZE = 3;
/** Leaf node remotes: default port of a URL without one (const.go DEFAULT_LEAFNODE_PORT). */
export const DEFAULT_LEAFNODE_PORT = 7422;
/** Leaf node reconnect delay (const.go DEFAULT_LEAF_NODE_RECONNECT). */
export const DEFAULT_LEAF_NODE_RECONNECT_MS = 1000;
/** How long a solicited leaf connection waits for the first INFO (DEFAULT_LEAFNODE_INFO_WAIT). */
export const DEFAULT_LEAFNODE_INFO_WAIT_MS = 1000;
/** TLS handshake timeout of leaf remotes (const.go DEFAULT_LEAF_TLS_TIMEOUT). */
export const DEFAULT_LEAF_TLS_TIMEOUT_MS = 2000;
/** JetStream file store fsync interval (filestore.go defaultSyncInterval). */
export const DEFAULT_JS_SYNC_INTERVAL_MS = 2 * 60 * 1000;
/** Bytes of catch-up traffic in flight per server (defaultMaxTotalCatchupOutBytes). */
export const DEFAULT_JS_MAX_CATCHUP = 64 * 1024 * 1024;
/** Per-stream ingest queue limits (stream.go streamDefaultMaxQueueMsgs/Bytes). */
export const DEFAULT_STREAM_MAX_BUFFERED_MSGS = 100_000;
export const DEFAULT_STREAM_MAX_BUFFERED_SIZE = 128 * 1024 * 1024;
/** JetStream API request queue limit (jetstream_api.go JSDefaultRequestQueueLimit). */
export const DEFAULT_JS_REQUEST_QUEUE_LIMIT = 10_000;
/** MQTT redelivery wait (mqtt.go mqttDefaultAckWait). */
export const DEFAULT_MQTT_ACK_WAIT_MS = 30_000;
/** Account resolver fetch timeout (const.go DEFAULT_ACCOUNT_FETCH_TIMEOUT). */
export const DEFAULT_ACCOUNT_FETCH_TIMEOUT_MS = 1900;
/** `resolver { type: full }` sync interval when none is given (accounts.go NewDirAccResolver). */
export const DEFAULT_RESOLVER_SYNC_INTERVAL_MS = 60_000;
/** `resolver { type: cache }` account limit when none is given (NewCacheDirAccResolver). */
export const DEFAULT_RESOLVER_CACHE_LIMIT = 1000;

/** Route/leaf compression modes (nats-server server.go Compression*). */
export const COMPRESSION_OFF = "off";
export const COMPRESSION_ACCEPT = "accept";
export const COMPRESSION_S2_AUTO = "s2_auto";
export const COMPRESSION_S2_FAST = "s2_fast";
/** Port value meaning "pick a random free port" (nats-server RANDOM_PORT). */
export const RANDOM_PORT = -1;

/** A user entry from `authorization { users: [...] }` or an account's `users`. */
export interface UserOptions {
  user?: string;
  password?: string;
  nkey?: string;
  permissions?: PermissionsOptions;
  account?: string;
  /** jwt connection types this user may log in on (STANDARD, WEBSOCKET...); none = any. */
  allowedConnectionTypes?: string[];
}

/** `publish`/`subscribe` permission: allow and deny lists of subjects. */
export interface SubjectPermission {
  allow?: string[];
  deny?: string[];
}

export interface ResponsePermission {
  maxMsgs: number;
  expiresMs: number;
}

export interface PermissionsOptions {
  publish?: SubjectPermission;
  subscribe?: SubjectPermission;
  allowResponses?: ResponsePermission;
}

export interface TlsOptions {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  verify?: boolean;
  verifyAndMap?: boolean;
  timeoutMs?: number;
  handshakeFirst?: boolean;
  /** `handshake_first: auto` or a duration: wait this long for a TLS hello, else plain. */
  handshakeFirstFallbackMs?: number;
  /** Go cipher suite names (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`), validated. */
  cipherSuites?: string[];
  /** Go curve names (`X25519`, `CurveP256`, ...), validated. */
  curvePreferences?: string[];
  allowInsecureCipherSuites?: boolean;
  /** `min_version`: "1.2" or "1.3". */
  minVersion?: string;
  /** sha256 hex of the DER SubjectPublicKeyInfo of each accepted peer certificate. */
  pinnedCerts?: string[];
  /** `certs: [{cert_file, key_file}]`: several certificates, chosen by SNI (2.11+). */
  certs?: Array<{ certFile: string; keyFile: string }>;
  /** Outbound TLS (routes, gateways, leaf remotes): skip server certificate checks. */
  insecure?: boolean;
  verifyCertAndCheckKnownUrls?: boolean;
  connectionRateLimit?: number;
}

/** `compression` of routes and leaf nodes (nats-server CompressionOpts). */
export interface CompressionOptions {
  /** One of the COMPRESSION_* modes, or another s2 mode name as written. */
  mode: string;
  rttThresholdsMs?: number[];
}

/** Route permissions: what interest is sent to (import) and accepted from (export) peers. */
export interface RoutePermissionsOptions {
  import?: SubjectPermission;
  export?: SubjectPermission;
}

/** `cluster { ... }` (nats-server ClusterOpts). Only present when configured. */
export interface ClusterOptions {
  name?: string;
  host: string;
  /** 0 = no route listener; -1 = random. */
  port: number;
  advertise?: string;
  noAdvertise: boolean;
  /** Route URLs to connect to, as written (`nats-route://user:pass@host:port`). */
  routes: string[];
  username?: string;
  password?: string;
  authTimeoutMs?: number;
  permissions?: RoutePermissionsOptions;
  tls?: TlsOptions;
  connectRetries: number;
  connectBackoff: boolean;
  poolSize: number;
  /** Accounts with a dedicated route; the system account is added (setBaselineOptions). */
  pinnedAccounts: string[];
  compression: CompressionOptions;
  pingIntervalMs?: number;
  pingMax?: number;
  writeDeadlineMs?: number;
}

/** One entry of `gateway { gateways: [...] }`. */
export interface RemoteGatewayOptions {
  name: string;
  urls: string[];
  tls?: TlsOptions;
}

/** `gateway { ... }` (nats-server GatewayOpts). */
export interface GatewayOptions {
  name?: string;
  host: string;
  port: number;
  advertise?: string;
  username?: string;
  password?: string;
  authTimeoutMs?: number;
  tls?: TlsOptions;
  connectRetries: number;
  connectBackoff: boolean;
  gateways: RemoteGatewayOptions[];
  rejectUnknownCluster: boolean;
  writeDeadlineMs?: number;
  /**
   * Not a config key (nats-server GatewayDoNotForceInterestOnlyMode, for tests): leave
   * accounts in optimistic mode on inbound gateways until too many RS- switch them.
   */
  optimistic?: boolean;
  /** Not a config key (nats-server gatewaysSolicitDelay, for tests): wait before dialing, 1 s by default. */
  solicitDelayMs?: number;
}

/** A user of `leafnodes { authorization { users: [...] } }`. */
export interface LeafNodeUserOptions {
  user: string;
  password?: string;
  account?: string;
}

/** One entry of `leafnodes { remotes: [...] }` (nats-server RemoteLeafOpts). */
export interface RemoteLeafOptions {
  urls: string[];
  /** Local account the remote binds to (default `$G`). */
  account?: string;
  credentials?: string;
  /** A user nkey seed. */
  nkey?: string;
  tls?: TlsOptions;
  hub: boolean;
  denyImports?: string[];
  denyExports?: string[];
  noRandomize: boolean;
  wsCompression: boolean;
  wsNoMasking: boolean;
  compression: CompressionOptions;
  firstInfoTimeoutMs: number;
  dialTimeoutMs?: number;
  disabled: boolean;
  jetstreamClusterMigrate?: boolean;
}

/** `leafnodes { ... }` (nats-server LeafNodeOpts). */
export interface LeafNodeOptions {
  host: string;
  /** 0 = no leaf listener (remotes may still be solicited). */
  port: number;
  advertise?: string;
  noAdvertise: boolean;
  username?: string;
  password?: string;
  nkey?: string;
  account?: string;
  users?: LeafNodeUserOptions[];
  authTimeoutMs?: number;
  tls?: TlsOptions;
  remotes: RemoteLeafOptions[];
  reconnectMs: number;
  minVersion?: string;
  compression: CompressionOptions;
  dialTimeoutMs?: number;
  writeDeadlineMs?: number;
}

/** `websocket { ... }` (nats-server WebsocketOpts). */
export interface WebsocketOptions {
  host: string;
  port: number;
  advertise?: string;
  noTls: boolean;
  tls?: TlsOptions;
  sameOrigin: boolean;
  allowedOrigins?: string[];
  handshakeTimeoutMs?: number;
  compression: boolean;
  /** From `authorization { user, password, token, timeout }`. */
  username?: string;
  password?: string;
  token?: string;
  authTimeoutMs?: number;
  noAuthUser?: string;
  jwtCookie?: string;
  userCookie?: string;
  passCookie?: string;
  tokenCookie?: string;
  /** Extra HTTP headers of the upgrade response (2.11+). */
  headers?: Record<string, string>;
  pingIntervalMs?: number;
}

/** `mqtt { ... }` (nats-server MQTTOpts); parsed and validated, not served yet. */
export interface MqttOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  username?: string;
  password?: string;
  token?: string;
  authTimeoutMs?: number;
  noAuthUser?: string;
  ackWaitMs: number;
  jsApiTimeoutMs?: number;
  maxAckPending?: number;
  jsDomain?: string;
  streamReplicas?: number;
  consumerMemoryStorage?: boolean;
  consumerInactiveThresholdMs?: number;
  rejectQos2Publish?: boolean;
  downgradeQos2Subscribe?: boolean;
}

/** `jetstream { limits { ... } }` (nats-server JSLimitOpts); 0 = no limit. */
export interface JetStreamLimitsOptions {
  maxAckPending?: number;
  maxHaAssets?: number;
  maxRequestBatch?: number;
  duplicateWindowMs?: number;
}

/** Server-wide JetStream settings (`jetstream { ... }`); `jetstream` says whether it is on. */
export interface JetStreamOptions {
  /** Bytes; -1 = a share of system memory, chosen at start. */
  maxMemory: number;
  /** Bytes; -1 = a share of the store directory's disk, chosen at start. */
  maxStore: number;
  domain?: string;
  syncIntervalMs: number;
  /** `sync_interval: always`: fsync after every write. */
  syncAlways: boolean;
  maxBufferedMsgs: number;
  maxBufferedSize: number;
  uniqueTag?: string;
  maxCatchup: number;
  /** `strict: false` relaxes API request checks (2.11+). */
  strict: boolean;
  requestQueueLimit: number;
  /** Encryption at rest (parsed; refused until the store supports it). */
  key?: string;
  prevKey?: string;
  cipher?: "chacha" | "aes";
  extensionHint?: string;
  limits?: JetStreamLimitsOptions;
}

/** Per-account JetStream limits (`accounts { A { jetstream { ... } } }`); -1 = unlimited. */
export interface JetStreamAccountLimits {
  maxMemory: number;
  maxStore: number;
  maxStreams: number;
  maxConsumers: number;
  maxAckPending: number;
  memoryMaxStreamBytes: number;
  storeMaxStreamBytes: number;
  maxBytesRequired: boolean;
  /**
   * An account JWT's `tiered_limits` by tier name (`R1`, `R3`...), nats-server's
   * jsLimits without the "" tier: a stream takes its replicas' tier, none when missing.
   * The fields above are then the R1 tier's (every stream here has one replica).
   */
  tiers?: Record<string, JetStreamAccountLimits>;
}

/** A trusted operator, decoded from its JWT (`operator`/`operators`). */
export interface OperatorOptions {
  /** The JWT as read (from the file, or inline). */
  jwt: string;
  /** The operator's public key. */
  subject: string;
  name?: string;
  systemAccount?: string;
  signingKeys: string[];
  accountServerUrl?: string;
}

/** `resolver`: where account JWTs come from (nats-server AccountResolver kinds). */
export type ResolverOptions =
  | { type: "memory" }
  | { type: "url"; url: string }
  | { type: "full"; dir: string; allowDelete: boolean; hardDelete: boolean; intervalMs: number; limit?: number; timeoutMs: number }
  | { type: "cache"; dir: string; limit: number; ttlMs: number; timeoutMs: number };

/** `authorization { auth_callout { ... } }` (2.10+). */
export interface AuthCalloutOptions {
  /** Account public key that signs the responses. */
  issuer: string;
  /** Users that bypass the callout (the callout service itself). */
  authUsers: string[];
  /** Account of the callout service; default `$G`. */
  account: string;
  /** Curve public key to encrypt requests with. */
  xkey?: string;
  allowedAccounts?: string[];
}

/** Everything the server can be told. Optional fields are "not set". */
export interface ServerOptions {
  /** Path of the config file this came from, if any (for reload and -t). */
  configFile?: string;
  serverName?: string;
  host: string;
  /** 0 or -1 mean a random free port. */
  port: number;
  clientAdvertise?: string;
  /** Monitoring HTTP port; 0 = off, -1 = random. */
  httpPort: number;
  httpHost?: string;
  httpBasePath?: string;
  httpsPort?: number;

  maxPayload: number;
  maxControlLine: number;
  maxPending: number;
  maxConnections: number;
  maxSubscriptions: number;
  pingIntervalMs: number;
  pingMax: number;
  writeDeadlineMs: number;
  authTimeoutMs: number;
  lameDuckDurationMs: number;
  lameDuckGracePeriodMs: number;
  noHeaderSupport: boolean;
  /** Traced payloads are cut to this many bytes (`max_traced_msg_len`); 0 = whole. */
  maxTracedMsgLen: number;

  debug: boolean;
  trace: boolean;
  logtime: boolean;
  /** Timestamps in UTC. */
  logtimeUtc: boolean;
  logFile?: string;
  syslog?: boolean;
  pidFile?: string;
  portsFileDir?: string;
  serverTags: string[];

  // Authentication (issue #3 implements these; the core server honours token/user/pass).
  authToken?: string;
  username?: string;
  password?: string;
  users?: UserOptions[];
  noAuthUser?: string;
  systemAccount?: string;
  /** Top-level `mappings`: subject mappings of the global account (src/sublist/transform.ts). */
  mappings?: MappingOptions[];
  /** `accounts { ... }` (src/accounts/config.ts); none = everyone in `$G`. */
  accounts?: AccountOptions[];
  tls?: TlsOptions;
  /** `allow_non_tls`: with `tls`, plain clients are accepted too (INFO `tls_available`). */
  allowNonTls?: boolean;

  /** Auth callout (2.10+): parsed and validated; refused at start until implemented. */
  authCallout?: AuthCalloutOptions;

  // Operator mode (decentralized JWT auth): parsed and validated; refused at start.
  operators?: OperatorOptions[];
  resolver?: ResolverOptions;
  /** `resolver_preload`: account public key → account JWT. */
  resolverPreload?: Record<string, string>;
  resolverTls?: TlsOptions;
  resolverPinnedAccounts?: string[];
  trustedKeys?: string[];
  /** `no_system_account`: run without `$SYS`. */
  noSystemAccount?: boolean;

  cluster?: ClusterOptions;
  gateway?: GatewayOptions;
  leafnodes?: LeafNodeOptions;
  websocket?: WebsocketOptions;
  mqtt?: MqttOptions;

  jetstream: boolean;
  storeDir?: string;
  jetstreamOptions: JetStreamOptions;
}

/** Blocks whose input may be partial: `resolveOptions` merges them key by key. */
type BlockKey = "cluster" | "gateway" | "leafnodes" | "websocket" | "mqtt" | "jetstreamOptions";

/**
 * What the config file, the flags and embedders give: any option, with blocks partial
 * (e.g. `--cluster_name` alone sets one field of `cluster`).
 */
export type ServerOptionsInput = Omit<Partial<ServerOptions>, BlockKey> & {
  cluster?: Partial<ClusterOptions>;
  gateway?: Partial<GatewayOptions>;
  leafnodes?: Partial<Omit<LeafNodeOptions, "remotes">> & { remotes?: Array<Partial<RemoteLeafOptions>> };
  websocket?: Partial<WebsocketOptions>;
  mqtt?: Partial<MqttOptions>;
  jetstreamOptions?: Partial<JetStreamOptions>;
};

/** Defaults as nats-server applies them (server/opts.go setBaselineOptions). */
export function defaultOptions(): ServerOptions {
  return {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    httpPort: 0,
    maxPayload: MAX_PAYLOAD_SIZE,
    maxControlLine: MAX_CONTROL_LINE_SIZE,
    maxPending: MAX_PENDING_SIZE,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    maxSubscriptions: 0,
    pingIntervalMs: DEFAULT_PING_INTERVAL_MS,
    pingMax: DEFAULT_PING_MAX_OUT,
    writeDeadlineMs: DEFAULT_WRITE_DEADLINE_MS,
    authTimeoutMs: DEFAULT_AUTH_TIMEOUT_MS,
    lameDuckDurationMs: DEFAULT_LAME_DUCK_DURATION_MS,
    lameDuckGracePeriodMs: DEFAULT_LAME_DUCK_GRACE_PERIOD_MS,
    noHeaderSupport: false,
    maxTracedMsgLen: 0,
    debug: false,
    trace: false,
    logtime: true,
    logtimeUtc: false,
    serverTags: [],
    jetstream: false,
    jetstreamOptions: defaultJetStreamOptions(),
  };
}

export function defaultJetStreamOptions(): JetStreamOptions {
  return {
    maxMemory: -1,
    maxStore: -1,
    syncIntervalMs: DEFAULT_JS_SYNC_INTERVAL_MS,
    syncAlways: false,
    maxBufferedMsgs: DEFAULT_STREAM_MAX_BUFFERED_MSGS,
    maxBufferedSize: DEFAULT_STREAM_MAX_BUFFERED_SIZE,
    maxCatchup: DEFAULT_JS_MAX_CATCHUP,
    strict: true,
    requestQueueLimit: DEFAULT_JS_REQUEST_QUEUE_LIMIT,
  };
}

/** Limits of nothing: the top level of a tiered account's INFO, an absent tier. */
export const ZERO_LIMITS: Readonly<JetStreamAccountLimits> = Object.freeze({
  maxMemory: 0,
  maxStore: 0,
  maxStreams: 0,
  maxConsumers: 0,
  maxAckPending: 0,
  memoryMaxStreamBytes: 0,
  storeMaxStreamBytes: 0,
  maxBytesRequired: false,
});

/** Account JetStream limits of `jetstream: enabled` (nats-server dynamicJSAccountLimits). */
export function defaultJetStreamAccountLimits(): JetStreamAccountLimits {
  return {
    maxMemory: -1,
    maxStore: -1,
    maxStreams: -1,
    maxConsumers: -1,
    maxAckPending: -1,
    memoryMaxStreamBytes: -1,
    storeMaxStreamBytes: -1,
    maxBytesRequired: false,
  };
}

function compression(mode: string): CompressionOptions {
  return { mode };
}

export function defaultClusterOptions(): ClusterOptions {
  return {
    host: DEFAULT_HOST,
    port: 0,
    noAdvertise: false,
    routes: [],
    connectRetries: 0,
    connectBackoff: false,
    poolSize: DEFAULT_ROUTE_POOL_SIZE,
    pinnedAccounts: [],
    compression: compression(COMPRESSION_ACCEPT),
  };
}

export function defaultGatewayOptions(): GatewayOptions {
  return { host: DEFAULT_HOST, port: 0, connectRetries: 0, connectBackoff: false, gateways: [], rejectUnknownCluster: false };
}

export function defaultRemoteLeafOptions(): RemoteLeafOptions {
  return {
    urls: [],
    hub: false,
    noRandomize: false,
    wsCompression: false,
    wsNoMasking: false,
    compression: compression(COMPRESSION_S2_AUTO),
    firstInfoTimeoutMs: DEFAULT_LEAFNODE_INFO_WAIT_MS,
    disabled: false,
  };
}

export function defaultLeafNodeOptions(): LeafNodeOptions {
  return {
    host: DEFAULT_HOST,
    port: 0,
    noAdvertise: false,
    remotes: [],
    reconnectMs: DEFAULT_LEAF_NODE_RECONNECT_MS,
    compression: compression(COMPRESSION_S2_AUTO),
  };
}

export function defaultWebsocketOptions(): WebsocketOptions {
  return { host: DEFAULT_HOST, port: 0, noTls: false, sameOrigin: false, compression: false };
}

export function defaultMqttOptions(): MqttOptions {
  return { host: DEFAULT_HOST, port: 0, ackWaitMs: DEFAULT_MQTT_ACK_WAIT_MS };
}

/**
 * Merges `b` over `a` field by field. A field `b` sets to undefined explicitly is
 * removed (`--cluster nats://host:port` clears the file's route credentials).
 */
function mergeFields<T extends object>(a: T | undefined, b: Partial<T>): Partial<T> {
  const out = { ...(a ?? {}) } as Record<string, unknown>;
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out as Partial<T>;
}

/** Fills a configured block's defaults; leaf remotes get theirs one by one. */
function completeBlocks(out: ServerOptions, blocks: Partial<Record<BlockKey, object>>): void {
  if (blocks.cluster) {
    const c: ClusterOptions = { ...defaultClusterOptions(), ...blocks.cluster };
    // setBaselineOptions: `pool_size: 0` means the default; -1 turns pooling off.
    if (c.poolSize === 0) c.poolSize = DEFAULT_ROUTE_POOL_SIZE;
    // setBaselineOptions: the system account always gets a pinned route (pool_size > 0).
    const sys = out.systemAccount ?? (out.noSystemAccount ? undefined : DEFAULT_SYSTEM_ACCOUNT);
    if (c.poolSize > 0 && sys !== undefined && !c.pinnedAccounts.includes(sys)) c.pinnedAccounts = [...c.pinnedAccounts, sys];
    out.cluster = c;
  }
  if (blocks.gateway) {
    out.gateway = { ...defaultGatewayOptions(), ...blocks.gateway };
    // setBaselineOptions: a cluster without a name takes the gateway's.
    const gwName = out.gateway.name;
    if (out.cluster !== undefined && (out.cluster.name === undefined || out.cluster.name === "") && gwName) out.cluster = { ...out.cluster, name: gwName };
  }
  if (blocks.leafnodes) {
    const l = blocks.leafnodes as Partial<LeafNodeOptions> & { remotes?: Array<Partial<RemoteLeafOptions>> };
    out.leafnodes = {
      ...defaultLeafNodeOptions(),
      ...l,
      remotes: (l.remotes ?? []).map((r) => ({ ...defaultRemoteLeafOptions(), ...r })),
    };
  }
  if (blocks.websocket) out.websocket = { ...defaultWebsocketOptions(), ...blocks.websocket };
  if (blocks.mqtt) out.mqtt = { ...defaultMqttOptions(), ...blocks.mqtt };
  out.jetstreamOptions = { ...defaultJetStreamOptions(), ...(blocks.jetstreamOptions ?? {}) };
}

const BLOCK_KEYS: ReadonlySet<string> = new Set<BlockKey>(["cluster", "gateway", "leafnodes", "websocket", "mqtt", "jetstreamOptions"]);

/**
 * Merges option sets left to right (later wins) over the defaults. Blocks merge field by
 * field, as nats-server's MergeOptions lets `--cluster_name` override one field of the
 * file's `cluster {}`; everything else (including `tls`) is replaced whole.
 */
export function resolveOptions(...parts: Array<ServerOptionsInput | undefined>): ServerOptions {
  const out = defaultOptions();
  const flat = out as unknown as Record<string, unknown>;
  const blocks: Partial<Record<BlockKey, object>> = {};
  for (const p of parts) {
    if (!p) continue;
    for (const [k, v] of Object.entries(p)) {
      if (v === undefined) continue;
      if (BLOCK_KEYS.has(k)) blocks[k as BlockKey] = mergeFields(blocks[k as BlockKey], v as object);
      else flat[k] = v;
    }
  }
  completeBlocks(out, blocks);
  return out;
}

/**
 * Cross-option checks nats-server makes at start-up (server/opts.go and server.go),
 * with its wording. Returns the problems found; none means the options are usable.
 */
export function validateOptions(o: ServerOptions): string[] {
  const problems: string[] = [];
  if (o.maxPayload > o.maxPending) {
    problems.push(`max_payload (${o.maxPayload}) cannot be higher than max_pending (${o.maxPending})`);
  }
  if (o.port < -1 || o.port > 65535) problems.push(`invalid port ${o.port}`);
  if (o.httpPort < -1 || o.httpPort > 65535) problems.push(`invalid monitoring port ${o.httpPort}`);
  if (o.maxControlLine <= 0) problems.push(`max_control_line must be positive`);
  if (o.maxPayload <= 0) problems.push(`max_payload must be positive`);
  if ((o.operators?.length ?? 0) > 0) problems.push(...validateTrustedOperators(o));
  if (o.authCallout !== undefined && ((o.operators?.length ?? 0) > 0 || (o.trustedKeys?.length ?? 0) > 0)) {
    problems.push("operators do not allow authorization callouts to be configured directly");
  }
  if (o.cluster !== undefined) problems.push(...validatePinnedAccounts(o.cluster));
  if (o.gateway !== undefined) problems.push(...validateGateway(o.gateway, o.cluster));
  if (o.websocket !== undefined) problems.push(...validateWebsocket(o, o.websocket));
  if (o.leafnodes !== undefined) problems.push(...validateLeafRemotes(o.leafnodes));
  return problems;
}

/** nats-server validateLeafNode: a remote's URLs are all ws:// or wss://, or none of them. */
function validateLeafRemotes(l: LeafNodeOptions): string[] {
  const problems: string[] = [];
  for (const r of l.remotes) {
    const ws = r.urls.map((u) => /^ws/i.test(u));
    if (ws.some((w) => w !== ws[0])) {
      // As redactURLList: passwords shown as xxxxx.
      const list = r.urls.map((u) => JSON.stringify(u.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, "$1:xxxxx@"))).join(" ");
      problems.push(`remote leaf node configuration cannot have a mix of websocket and non-websocket urls: [${list}]`);
    }
  }
  return problems;
}

/**
 * nats-server validateClusterOpts on `cluster { accounts }`: pinned routes need pooling, and
 * an account is pinned once. An account that does not exist is no start error there either:
 * its dedicated route is refused when it connects ("Unable to lookup account").
 */
function validatePinnedAccounts(c: ClusterOptions): string[] {
  const pinned = c.pinnedAccounts;
  if (pinned.length === 0) return [];
  if (c.poolSize < 0) return ["pool_size cannot be negative if pinned accounts are specified"];
  const seen = new Set<string>();
  for (const a of pinned) {
    if (seen.has(a)) return [`found duplicate account name "${a}" in pinned accounts list [${pinned.map((n) => JSON.stringify(n)).join(" ")}]`];
    seen.add(a);
  }
  return [];
}

/** nats-server validateWebsocketOptions, with its wording. */
function validateWebsocket(o: ServerOptions, w: WebsocketOptions): string[] {
  if (w.port === 0) return [];
  const problems: string[] = [];
  if (w.tls === undefined && !w.noTls) problems.push("websocket requires TLS configuration");
  for (const ao of w.allowedOrigins ?? []) {
    const p = allowedOriginProblem(ao);
    if (p !== null) problems.push(p);
  }
  if (w.noAuthUser !== undefined && w.noAuthUser !== "") {
    const known = (o.users ?? []).some((u) => u.user === w.noAuthUser || u.nkey === w.noAuthUser) ||
      (o.accounts ?? []).some((a) => (a.users ?? []).some((u) => u.user === w.noAuthUser || u.nkey === w.noAuthUser));
    if (!known) problems.push(`no_auth_user: "${w.noAuthUser}" not present as user or nkey in authorization block or account configuration`);
  }
  const hasUsers = (o.users ?? []).length > 0;
  if (hasUsers && w.username) problems.push("websocket authentication username not compatible with presence of users/nkeys");
  if (hasUsers && w.token) problems.push("websocket authentication token not compatible with presence of users/nkeys");
  if (w.jwtCookie && o.operators === undefined && o.trustedKeys === undefined) {
    problems.push(`trusted operators or trusted keys configuration is required for JWT authentication via cookie "${w.jwtCookie}"`);
  }
  for (const key of Object.keys(w.headers ?? {})) {
    const k = key.toLowerCase();
    if (WS_RESERVED_HEADERS.has(k)) problems.push(`websocket: invalid header ${JSON.stringify(key)} not allowed`);
    else if (k.startsWith("sec-websocket-")) problems.push(`websocket: invalid header ${JSON.stringify(key)}, "Sec-WebSocket-" prefix not allowed`);
  }
  return problems;
}

/** Upgrade response headers `websocket { headers }` may not set (nats-server validateWebsocketOptions). */
const WS_RESERVED_HEADERS: ReadonlySet<string> = new Set(["host", "content-length", "connection", "upgrade", "nats-no-masking"]);

/**
 * nats-server 2.11 validateWebsocketOptions: an allowed origin must be an absolute http(s)
 * URL with a host (2.9 only logged a bad one and skipped it). Go's url.ParseRequestURI
 * wording for what is not a URI at all.
 */
function allowedOriginProblem(ao: string): string | null {
  const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(ao);
  if (!absolute && !ao.startsWith("/")) return `unable to parse allowed origin: parse ${JSON.stringify(ao)}: invalid URI for request`;
  const scheme = absolute ? ao.slice(0, ao.indexOf(":")).toLowerCase() : "";
  if (scheme !== "http" && scheme !== "https") {
    return `unable to parse allowed origin ${JSON.stringify(ao)}: allowed origins must be absolute URLs with http or https scheme`;
  }
  let host = "";
  try {
    host = new URL(ao).host;
  } catch {
    host = "";
  }
  return host === "" ? `unable to parse allowed origin ${JSON.stringify(ao)}: host is required` : null;
}

/** nats-server validateGatewayOptions and the cluster/gateway name check, with its wording. */
function validateGateway(g: GatewayOptions, cluster: ClusterOptions | undefined): string[] {
  const name = g.name ?? "";
  if (name === "" && g.port === 0) return [];
  if (name === "") return ["gateway has no name"];
  if (g.port === 0) return [`gateway "${name}" has no port specified (select -1 for random port)`];
  const problems: string[] = [];
  g.gateways.forEach((r, i) => {
    if (r.name === "") problems.push(`gateway in the list ${i} has no name`);
    else if (r.urls.length === 0) problems.push(`gateway "${r.name}" has no URL`);
  });
  if (cluster?.name !== undefined && cluster.name !== "" && cluster.name !== name) {
    problems.push("cluster name conflicts between cluster and gateway definitions");
  }
  return problems;
}

/**
 * nats-server jwt.go validateTrustedOperators, with its wording (as nats-server, a
 * resolver without operators is ignored). tsnats does not serve URL resolvers yet.
 */
function validateTrustedOperators(o: ServerOptions): string[] {
  const ops = o.operators ?? [];
  if (o.resolver === undefined) return ["operators require an account resolver to be configured"];
  if ((o.accounts?.length ?? 0) > 0) return ["operators do not allow Accounts to be configured directly"];
  if ((o.users?.length ?? 0) > 0) return ["operators do not allow users to be configured directly"];
  if ((o.trustedKeys?.length ?? 0) > 0) return ["conflicting options for 'TrustedKeys' and 'TrustedOperators'"];
  if (o.systemAccount !== undefined) {
    const named = ops.filter((op) => op.systemAccount !== undefined);
    if (named.length > 0 && !named.some((op) => op.systemAccount === o.systemAccount)) return ["system_account in config and operator JWT must be identical"];
  } else if (ops[0]?.systemAccount === undefined && (o.resolver.type === "full" || o.resolver.type === "cache")) {
    return ["using nats based account resolver - the system account needs to be specified in configuration or the operator jwt"];
  }
  return [];
}
