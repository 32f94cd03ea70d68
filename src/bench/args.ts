/**
 * `tsnats bench` argument parsing: a pure function from argv to options, so the flags
 * (modelled on `nats bench`) can be tested without running anything.
 */

/** Where to connect; credentials come from the URL (`nats://user:pass@host:port`, `nats://token@host`). */
export interface ServerAddress {
  host: string;
  port: number;
  user: string;
  pass: string;
  token: string;
}

/** Everything one `tsnats bench` run needs. */
export interface BenchOptions {
  subject: string;
  /** Publishers (or requesters with `request`). */
  pubs: number;
  /** Subscribers (or responders with `request`). */
  subs: number;
  /** Messages in total, shared among the publishers (as `nats bench --msgs`). */
  msgs: number;
  sizeBytes: number;
  /** Subscribers join one queue group, so each message is delivered once. */
  queue: boolean;
  /** Request/reply: one requester, one responder, latency percentiles. */
  request: boolean;
  /** Requests in flight at once in request mode (1 measures latency, more measures throughput). */
  window: number;
  url: string;
  server: ServerAddress;
  /** Publishers (or the requester) connect here instead, when set: cross-node runs in a cluster. */
  pubServer?: ServerAddress;
  json: boolean;
  timeoutMs: number;
  /** > 0 runs the connections scenario instead: this many idle subscribed connections. */
  connections: number;
  /** Server process id for RSS figures in the connections scenario; 0 when unknown. */
  serverPid: number;
}

export type ParseResult =
  | { kind: "run"; options: BenchOptions }
  | { kind: "help" }
  | { kind: "error"; message: string };

export const DEFAULT_URL = "nats://127.0.0.1:4222";
export const DEFAULT_NATS_PORT = 4222;
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MSGS = 100_000;
export const DEFAULT_SIZE_BYTES = 128;
/** Bounds that keep a typo from allocating gigabytes or opening a million sockets. */
export const MAX_CLIENTS = 1000;
export const MAX_MSGS = 2_000_000_000;
export const MAX_REQUEST_MSGS = 10_000_000;
export const MAX_CONNECTIONS = 100_000;
export const MAX_WINDOW = 100_000;
/** nats-server's default max_payload; larger messages would be refused anyway. */
export const MAX_SIZE_BYTES = 1024 * 1024;

export const BENCH_USAGE = `Usage: tsnats bench SUBJECT [options]

Load generator speaking the NATS protocol on raw sockets (modelled on 'nats bench').

Options:
  --pub N            publishers (default 1)
  --sub M            subscribers (default 0)
  --msgs COUNT       messages in total, shared among publishers (default ${DEFAULT_MSGS})
  --size BYTES       payload size, e.g. 16, 1KiB (default ${DEFAULT_SIZE_BYTES})
  --queue            subscribers join one queue group
  --request          request/reply: one requester, one responder, latency percentiles
  --window N         requests in flight in --request mode (default 1)
  --connections N    connections scenario: N idle subscribed connections, setup rate, RSS
  --server-pid PID   server process, for RSS figures with --connections
  -s, --server URL   server URL (default ${DEFAULT_URL})
  --timeout SECONDS  stop and report what arrived after this long (default ${DEFAULT_TIMEOUT_MS / 1000})
  --json             print the result as JSON
  -h, --help         show this help
`;

/** Parses `tsnats bench` arguments (everything after `bench`). */
export function parseBenchArgs(argv: readonly string[]): ParseResult {
  const o = {
    subject: "",
    pubs: 1,
    subs: 0,
    msgs: DEFAULT_MSGS,
    sizeBytes: DEFAULT_SIZE_BYTES,
    queue: false,
    request: false,
    window: 1,
    url: DEFAULT_URL,
    json: false,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    connections: 0,
    serverPid: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    let flag = raw;
    let inline: string | undefined;
    const eq = raw.indexOf("=");
    if (raw.startsWith("--") && eq > 0) {
      flag = raw.slice(0, eq);
      inline = raw.slice(eq + 1);
    }
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    let err: string | null = null;
    switch (flag) {
      case "-h":
      case "--help":
        return { kind: "help" };
      case "--queue":
        o.queue = true;
        break;
      case "--request":
        o.request = true;
        break;
      case "--json":
        o.json = true;
        break;
      case "--pub":
        err = intInto(flag, value(), 0, MAX_CLIENTS, (n) => (o.pubs = n));
        break;
      case "--sub":
        err = intInto(flag, value(), 0, MAX_CLIENTS, (n) => (o.subs = n));
        break;
      case "--msgs":
        err = intInto(flag, value(), 1, MAX_MSGS, (n) => (o.msgs = n));
        break;
      case "--size": {
        const v = value();
        const n = v === undefined ? null : parseSize(v);
        if (n === null || n > MAX_SIZE_BYTES) err = `${flag}: expected a size up to ${MAX_SIZE_BYTES} bytes, got '${v ?? ""}'`;
        else o.sizeBytes = n;
        break;
      }
      case "--window":
        err = intInto(flag, value(), 1, MAX_WINDOW, (n) => (o.window = n));
        break;
      case "--connections":
        err = intInto(flag, value(), 1, MAX_CONNECTIONS, (n) => (o.connections = n));
        break;
      case "--server-pid":
        err = intInto(flag, value(), 1, 2 ** 31 - 1, (n) => (o.serverPid = n));
        break;
      case "--timeout":
        err = intInto(flag, value(), 1, 24 * 3600, (n) => (o.timeoutMs = n * 1000));
        break;
      case "-s":
      case "--server": {
        const v = value();
        if (v === undefined || v === "") err = `${flag}: expected a URL`;
        else o.url = v;
        break;
      }
      default:
        if (raw.startsWith("-") && raw !== "-") return { kind: "error", message: `unknown option '${raw}'` };
        if (o.subject !== "") return { kind: "error", message: `unexpected argument '${raw}'` };
        o.subject = raw;
    }
    if (err !== null) return { kind: "error", message: err };
  }
  return finish(o);
}

function finish(o: Omit<BenchOptions, "server">): ParseResult {
  if (o.subject === "") return { kind: "error", message: "missing SUBJECT" };
  if (/[\s]/.test(o.subject)) return { kind: "error", message: `invalid subject '${o.subject}'` };
  const server = parseServerUrl(o.url);
  if (typeof server === "string") return { kind: "error", message: server };
  if (o.request && o.msgs > MAX_REQUEST_MSGS) {
    return { kind: "error", message: `--request: at most ${MAX_REQUEST_MSGS} requests (latencies are kept)` };
  }
  if (!o.request && o.connections === 0 && o.pubs === 0 && o.subs === 0) {
    return { kind: "error", message: "nothing to do: --pub and --sub are both 0" };
  }
  if (!o.request && o.connections === 0 && o.pubs === 0) {
    return { kind: "error", message: "--sub without --pub would wait for messages that never come" };
  }
  return { kind: "run", options: { ...o, server } };
}

/** Parses `nats://[user:pass@|token@]host[:port]` (or bare `host:port`); returns an error string on failure. */
export function parseServerUrl(url: string): ServerAddress | string {
  const withScheme = /^[a-z]+:\/\//i.test(url) ? url : `nats://${url}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return `invalid server URL '${url}'`;
  }
  if (u.protocol !== "nats:") return `unsupported scheme '${u.protocol}' (only nats://)`;
  const port = u.port === "" ? DEFAULT_NATS_PORT : Number(u.port);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") return `invalid server URL '${url}'`;
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  const isToken = user !== "" && pass === "";
  return { host, port, user: isToken ? "" : user, pass, token: isToken ? user : "" };
}

/** Parses `1024`, `16B`, `1K`/`1KB`/`1KiB` (x1024), `1M`/`1MiB`; null when malformed. */
export function parseSize(text: string): number | null {
  const m = /^(\d+)\s*([kKmM]?)(i?[bB])?$/.exec(text.trim());
  if (!m) return null;
  const unit = (m[2] ?? "").toUpperCase();
  const mult = unit === "K" ? 1024 : unit === "M" ? 1024 * 1024 : 1;
  return Number(m[1]) * mult;
}

/** Parses an integer (`_` and `,` allowed as separators) within [min, max] and stores it. */
function intInto(flag: string, v: string | undefined, min: number, max: number, set: (n: number) => void): string | null {
  const clean = v?.replace(/[_,]/g, "");
  if (clean === undefined || !/^\d+$/.test(clean)) return `${flag}: expected an integer, got '${v ?? ""}'`;
  const n = Number(clean);
  if (n < min || n > max) return `${flag}: must be between ${min} and ${max}, got ${n}`;
  set(n);
  return null;
}
