/**
 * Server options: the one source of truth for limits and defaults. Both the config
 * file (src/config) and the command-line flags (src/cli) produce a `Partial<ServerOptions>`;
 * `resolveOptions` fills in the defaults. Names follow nats-server's config keys
 * (camelCased, with units in the name), defaults follow nats-server const.go.
 */
import type { AccountOptions } from "../auth/accounts.js";
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
/** Port value meaning "pick a random free port" (nats-server RANDOM_PORT). */
export const RANDOM_PORT = -1;

/** A user entry from `authorization { users: [...] }` or an account's `users`. */
export interface UserOptions {
  user?: string;
  password?: string;
  nkey?: string;
  permissions?: PermissionsOptions;
  account?: string;
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
  /** `accounts { ... }` (src/auth/accounts.ts); none = everyone in `$G`. */
  accounts?: AccountOptions[];
  tls?: TlsOptions;
  /** `allow_non_tls`: with `tls`, plain clients are accepted too (INFO `tls_available`). */
  allowNonTls?: boolean;

  jetstream: boolean;
  storeDir?: string;
  /** `jetstream { ... }` settings beyond on/off and store_dir (src/jetstream). */
  jetstreamOptions?: JetStreamOptions;
}

/**
 * The server's JetStream settings (nats-server JetStreamConfig and JSLimitOpts). Sizes in
 * bytes, -1 or absent = nats-server's default (75% of memory / of the store's disk).
 */
export interface JetStreamOptions {
  maxMemoryBytes?: number;
  maxStoreBytes?: number;
  domain?: string;
  /** `sync_interval`; absent = 2 minutes (nats-server defaultSyncInterval). */
  syncIntervalMs?: number;
  /** `sync_interval: always`: a publish is acknowledged only once on disk. */
  syncAlways?: boolean;
  /** `request_queue_limit`: API requests queued before new ones are refused. */
  requestQueueLimit?: number;
  /** `limits { max_ack_pending, max_request_batch, duplicate_window }`. */
  maxAckPending?: number;
  maxRequestBatch?: number;
  duplicateWindowMs?: number;
}

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
  };
}

/** Merges partial option sets left to right (later wins) over the defaults. */
export function resolveOptions(...parts: Array<Partial<ServerOptions> | undefined>): ServerOptions {
  const out = defaultOptions();
  for (const p of parts) {
    if (!p) continue;
    for (const [k, v] of Object.entries(p)) {
      if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    }
  }
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
  return problems;
}
