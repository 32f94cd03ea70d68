/**
 * `tsnats-server` command-line flags, parsed the way nats-server parses them: the flag
 * names and aliases of nats-server v2.9/2.10 (server/opts.go ConfigureOptions) and the
 * syntax rules of Go's `flag` package, so scripts written for `nats-server` work unchanged.
 *
 * Go `flag` rules, as facts:
 * - one or two leading dashes mean the same (`-p`, `--p`, `-port`, `--port`);
 * - a value follows as `-p=4222` or as the next argument (`-p 4222`, even `-p -1`);
 * - bool flags take no separate argument: `-D`, `-D=true`, `-D=false` (not `-D false`);
 * - parsing stops at the first non-flag argument, or after `--`;
 * - the first error stops parsing.
 *
 * This module is pure: it reads nothing and writes nothing. The caller prints `errors`,
 * warns about `unsupported`, and applies `options` over the config file's options.
 */
import type { ClusterOptions, ServerOptionsInput, TlsOptions } from "../server/options.js";
import { urlParseError } from "../config/values.js";

/** The command's name in messages and help (nats-server says "nats-server"). */
export const SERVER_PROGRAM_NAME = "tsnats-server";

/** Values of flags that have no field in {@link ServerOptions} (yet). */
export interface FlagExtras {
  /** `-VV`/`-DVV`: trace the system account as well (nats-server TraceVerbose). */
  traceVerbose?: boolean;
  /** `--log_size_limit`: rotate the log file past this many bytes. */
  logSizeLimit?: number;
  /** `-r/--remote_syslog`: syslog server URL. */
  remoteSyslog?: string;
  /** `--profile`: Go pprof HTTP port. */
  profPort?: number;
  /** `--tls=false` was given: TLS is off whatever the config file says. */
  tlsDisabled?: boolean;
}

/** The result of {@link parseServerFlags}. */
export interface ServerFlags {
  /**
   * Options set on the command line; they win over the config file (cluster flags
   * field by field, as nats-server's MergeOptions).
   */
  options: ServerOptionsInput;
  /** `-c/--config`. */
  configFile?: string;
  /** `-t`: check the config file and exit. */
  testConfig: boolean;
  /** `-v/--version` or the `version` command. */
  showVersion: boolean;
  /** `-h/--help` or the `help` command. */
  showHelp: boolean;
  /** `--help_tls`. */
  showTlsHelp: boolean;
  /** `-sl/--signal cmd[=pid|=pidfile]`: send a signal to a running server and exit. */
  signal?: { command: string; pid?: string };
  /** Values with no ServerOptions field. */
  extra: FlagExtras;
  /** Flags accepted but naming features tsnats lacks, as written (e.g. `--routes`), once each. */
  unsupported: string[];
  /** Go-style error messages; parsing stops at the first flag syntax error. */
  errors: string[];
}

/**
 * Flags (every alias, without dashes) for features tsnats does not have yet. They are
 * accepted, their values checked and recorded, and each one named in `unsupported` so the
 * CLI can print a [WRN] line. Delete names from here as the features land.
 */
export const UNSUPPORTED_FLAGS: ReadonlySet<string> = new Set([
  // syslog
  "s",
  "syslog",
  "r",
  "remote_syslog",
  // log rotation by size, traced message truncation
  "log_size_limit",
  // Go profiling
  "profile",
]);

/**
 * Flags tsnats accepts that nats-server v2.9.10 does not (it answers
 * `flag provided but not defined`). Kept apart so they are easy to drop.
 */
export const TSNATS_EXTENSION_FLAGS: ReadonlySet<string> = new Set(["no_auth_user"]);

/** The message to print (as a warning) for a flag from {@link UNSUPPORTED_FLAGS}. */
export function unsupportedFlagWarning(flag: string): string {
  return `${flag} is not supported by tsnats yet, ignoring it`;
}

type FlagKind = "bool" | "string" | "int";

/** Parse state shared by the setters: the result plus values applied after parsing. */
interface State {
  out: ServerFlags;
  /** -DV / -DVV / -VV values, applied after parsing in Go's Visit (name) order. */
  combos: Map<string, boolean>;
  tls: TlsOptions;
  /** Some tls* flag was given. */
  tlsSet: boolean;
  /** Last value of --tls, if given (Go: the variable keeps the last value). */
  tlsOn: boolean | undefined;
}

interface FlagSpec {
  kind: FlagKind;
  /** Applies the parsed value; strings arrive non-empty only (see `set`). */
  set: (st: State, v: string | number | boolean) => void;
}

function cluster(st: State): Partial<ClusterOptions> {
  return (st.out.options.cluster ??= {});
}

/**
 * nats-server opts.go overrideCluster: `--cluster nats://[user:pass@]host:port` (port -1
 * = random) sets the route listener and its credentials; an empty value turns it off.
 */
function setClusterListen(st: State, raw: string): void {
  const c = cluster(st);
  if (raw === "") {
    c.port = 0;
    return;
  }
  const random = raw.endsWith(":-1");
  const s = random ? `${raw.slice(0, -3)}:0` : raw;
  const bad = urlParseError(s);
  if (bad !== null) {
    st.out.errors.push(`parse ${goQuote(s)}: ${bad}`);
    return;
  }
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?/.exec(s);
  if (!m || m[3] === undefined) {
    const host = m ? m[2] ?? "" : "";
    st.out.errors.push(host === "" ? "missing port in address" : `address ${host}: missing port in address`);
    return;
  }
  c.host = (m[2] ?? "").replace(/^\[(.*)\]$/, "$1");
  c.port = random ? -1 : Number(m[3] === "" ? "0" : m[3]);
  const userinfo = m[1];
  if (userinfo === undefined) {
    // A listen URL without credentials clears those of the config file (an own
    // property set to undefined deletes the field when options are merged).
    c.username = undefined;
    c.password = undefined;
    return;
  }
  const colon = userinfo.indexOf(":");
  if (colon < 0) {
    st.out.errors.push("expected cluster password to be set");
    return;
  }
  c.username = decodeURIComponent(userinfo.slice(0, colon));
  c.password = decodeURIComponent(userinfo.slice(colon + 1));
}

/** One spec shared by all aliases, as nats-server binds several names to one variable. */
function def(table: Map<string, FlagSpec>, names: string[], spec: FlagSpec): void {
  for (const n of names) table.set(n, spec);
}

/**
 * Empty strings mean "not set" in nats-server (it tests `!= ""`), so a string flag given
 * as `--name=` leaves the option unset rather than storing "".
 */
function str(fn: (st: State, v: string) => void): FlagSpec {
  return {
    kind: "string",
    set: (st, v) => {
      if (v !== "") fn(st, String(v));
    },
  };
}

function int(fn: (st: State, v: number) => void): FlagSpec {
  return { kind: "int", set: (st, v) => fn(st, Number(v)) };
}

function bool(fn: (st: State, v: boolean) => void): FlagSpec {
  return { kind: "bool", set: (st, v) => fn(st, v === true) };
}

function combo(name: string): FlagSpec {
  return bool((st, v) => st.combos.set(name, v));
}

function tlsFlag(fn: (t: TlsOptions, v: string | boolean) => void, kind: FlagKind): FlagSpec {
  return {
    kind,
    set: (st, v) => {
      st.tlsSet = true;
      if (typeof v === "string" && v === "") return;
      fn(st.tls, v as string | boolean);
    },
  };
}

/** The flag table: nats-server server/opts.go ConfigureOptions, name for name. */
function buildTable(): Map<string, FlagSpec> {
  const t = new Map<string, FlagSpec>();
  def(t, ["h", "help"], bool((st, v) => (st.out.showHelp = v)));
  def(t, ["v", "version"], bool((st, v) => (st.out.showVersion = v)));
  def(t, ["help_tls"], bool((st, v) => (st.out.showTlsHelp = v)));
  def(t, ["p", "port"], int((st, v) => (st.out.options.port = v)));
  def(t, ["n", "name", "server_name"], str((st, v) => (st.out.options.serverName = v)));
  def(t, ["a", "addr", "net"], str((st, v) => (st.out.options.host = v)));
  def(t, ["client_advertise"], str((st, v) => (st.out.options.clientAdvertise = v)));
  def(t, ["D", "debug"], bool((st, v) => (st.out.options.debug = v)));
  def(t, ["V", "trace"], bool((st, v) => (st.out.options.trace = v)));
  def(t, ["VV"], combo("VV"));
  def(t, ["DV"], combo("DV"));
  def(t, ["DVV"], combo("DVV"));
  def(t, ["T", "logtime"], bool((st, v) => (st.out.options.logtime = v)));
  def(t, ["user"], str((st, v) => (st.out.options.username = v)));
  def(t, ["pass"], str((st, v) => (st.out.options.password = v)));
  def(t, ["auth"], str((st, v) => (st.out.options.authToken = v)));
  def(t, ["no_auth_user"], str((st, v) => (st.out.options.noAuthUser = v)));
  def(t, ["m", "http_port"], int((st, v) => (st.out.options.httpPort = v)));
  def(t, ["ms", "https_port"], int((st, v) => (st.out.options.httpsPort = v)));
  def(t, ["c", "config"], str((st, v) => (st.out.configFile = v)));
  def(t, ["t"], bool((st, v) => (st.out.testConfig = v)));
  def(t, ["sl", "signal"], str((st, v) => setSignal(st, v)));
  def(t, ["P", "pid"], str((st, v) => (st.out.options.pidFile = v)));
  def(t, ["ports_file_dir"], str((st, v) => (st.out.options.portsFileDir = v)));
  def(t, ["l", "log"], str((st, v) => (st.out.options.logFile = v)));
  def(t, ["log_size_limit"], int((st, v) => (st.out.extra.logSizeLimit = v)));
  def(t, ["s", "syslog"], bool((st, v) => (st.out.options.syslog = v)));
  def(t, ["r", "remote_syslog"], str((st, v) => (st.out.extra.remoteSyslog = v)));
  def(t, ["profile"], int((st, v) => (st.out.extra.profPort = v)));
  def(t, ["routes"], {
    kind: "string",
    // An explicit empty --routes clears routes (nats-server sets Routes = nil).
    set: (st, v) => {
      cluster(st).routes = String(v)
        .split(",")
        .map((r) => r.trim())
        .filter((r) => r !== "");
    },
  });
  def(t, ["cluster", "cluster_listen"], { kind: "string", set: (st, v) => setClusterListen(st, String(v)) });
  def(t, ["cluster_advertise"], str((st, v) => (cluster(st).advertise = v)));
  // MergeOptions: only `true` and non-zero values override the config file.
  def(t, ["no_advertise"], bool((st, v) => v && (cluster(st).noAdvertise = true)));
  def(t, ["connect_retries"], int((st, v) => v !== 0 && (cluster(st).connectRetries = v)));
  def(t, ["cluster_name"], str((st, v) => (cluster(st).name = v)));
  def(t, ["tls"], {
    kind: "bool",
    set: (st, v) => {
      st.tlsSet = true;
      st.tlsOn = v === true;
    },
  });
  def(t, ["tlsverify"], tlsFlag((tls, v) => (tls.verify = v === true), "bool"));
  def(t, ["tlscert"], tlsFlag((tls, v) => (tls.certFile = String(v)), "string"));
  def(t, ["tlskey"], tlsFlag((tls, v) => (tls.keyFile = String(v)), "string"));
  def(t, ["tlscacert"], tlsFlag((tls, v) => (tls.caFile = String(v)), "string"));
  def(t, ["max_traced_msg_len"], int((st, v) => (st.out.options.maxTracedMsgLen = v)));
  def(t, ["js", "jetstream"], bool((st, v) => (st.out.options.jetstream = v)));
  def(t, ["sd", "store_dir"], str((st, v) => (st.out.options.storeDir = v)));
  return t;
}

const FLAGS = buildTable();

/** Every flag name tsnats-server accepts (without dashes), for the usage test and completion. */
export const SERVER_FLAG_NAMES: readonly string[] = [...FLAGS.keys()];

/** nats-server opts.go processSignal: `cmd[=pid]`; more than one `=` is an error. */
function setSignal(st: State, v: string): void {
  const parts = v.split("=");
  if (parts.length > 2) {
    // Go prints the extra parts with %v: [a b]
    st.out.errors.push(`invalid signal parameters: [${parts.slice(2).join(" ")}]`);
    return;
  }
  const [command = "", pid] = parts;
  st.out.signal = pid === undefined ? { command } : { command, pid };
}

/** Go strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  switch (s) {
    case "1":
    case "t":
    case "T":
    case "true":
    case "TRUE":
    case "True":
      return true;
    case "0":
    case "f":
    case "F":
    case "false":
    case "FALSE":
    case "False":
      return false;
    default:
      return undefined;
  }
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Go strconv underscoreOK: `_` only after a digit or base prefix, never doubled or last. */
function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  const p1 = (s[1] ?? "").toLowerCase();
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && (p1 === "b" || p1 === "o" || p1 === "x")) {
    i = 2;
    saw = "0";
    hex = p1 === "x";
  }
  for (; i < s.length; i++) {
    const c = (s[i] ?? "").toLowerCase();
    if ((c >= "0" && c <= "9") || (hex && c >= "a" && c <= "f")) {
      saw = "0";
    } else if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
    } else {
      if (saw === "_") return false;
      saw = "!";
    }
  }
  return saw !== "_";
}

/**
 * Go strconv.ParseInt(s, 0, 64), as `flag` IntVar uses it: optional sign, base prefixes
 * 0x/0o/0b or a leading 0 for octal, `_` between digits. Returns the number, or Go's error
 * text ("parse error" / "value out of range").
 */
export function parseGoInt(s: string): number | "parse error" | "value out of range" {
  let body = s;
  let neg = false;
  if (body.startsWith("+") || body.startsWith("-")) {
    neg = body[0] === "-";
    body = body.slice(1);
  }
  if (body === "") return "parse error";
  if (body.includes("_")) {
    if (!underscoreOK(body)) return "parse error";
    body = body.replaceAll("_", "");
  }
  let base = 10;
  const p1 = (body[1] ?? "").toLowerCase();
  if (body[0] === "0") {
    if (body.length >= 3 && (p1 === "x" || p1 === "o" || p1 === "b")) {
      base = p1 === "x" ? 16 : p1 === "o" ? 8 : 2;
      body = body.slice(2);
    } else {
      base = 8;
      body = body.slice(1);
      if (body === "") return 0;
    }
  }
  const digits = "0123456789abcdef".slice(0, base);
  for (const ch of body.toLowerCase()) if (!digits.includes(ch)) return "parse error";
  const radix = base === 16 ? "0x" : base === 8 ? "0o" : base === 2 ? "0b" : "";
  let n = BigInt(radix + body);
  if (neg) n = -n;
  if (n > INT64_MAX || n < INT64_MIN) return "value out of range";
  return Number(n);
}

/**
 * Parses `tsnats-server` arguments (without the node and script paths) like nats-server.
 * Never throws: problems are returned in `errors`, in nats-server's words.
 */
export function parseServerFlags(argv: string[]): ServerFlags {
  const out: ServerFlags = {
    options: {},
    testConfig: false,
    showVersion: false,
    showHelp: false,
    showTlsHelp: false,
    extra: {},
    unsupported: [],
    errors: [],
  };
  const st: State = { out, combos: new Map(), tls: {}, tlsSet: false, tlsOn: undefined };
  const seenUnsupported = new Set<string>();
  let i = 0;
  // Go flag.FlagSet.parseOne, one flag per turn.
  while (i < argv.length) {
    const s = argv[i] ?? "";
    if (s.length < 2 || s[0] !== "-") break;
    let dashes = 1;
    if (s[1] === "-") {
      dashes = 2;
      if (s.length === 2) {
        i++; // "--" ends the flags
        break;
      }
    }
    i++;
    let name = s.slice(dashes);
    if (name === "" || name[0] === "-" || name[0] === "=") {
      out.errors.push(`bad flag syntax: ${s}`);
      return out;
    }
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = FLAGS.get(name);
    if (!spec) {
      out.errors.push(`flag provided but not defined: -${name}`);
      return out;
    }
    let parsed: string | number | boolean;
    if (spec.kind === "bool") {
      const b = value === undefined ? true : parseGoBool(value);
      if (b === undefined) {
        out.errors.push(`invalid boolean value ${goQuote(value ?? "")} for -${name}: parse error`);
        return out;
      }
      parsed = b;
    } else {
      if (value === undefined) {
        if (i >= argv.length) {
          out.errors.push(`flag needs an argument: -${name}`);
          return out;
        }
        value = argv[i++] ?? "";
      }
      if (spec.kind === "int") {
        const n = parseGoInt(value);
        if (typeof n === "string") {
          out.errors.push(`invalid value ${goQuote(value)} for flag -${name}: ${n}`);
          return out;
        }
        parsed = n;
      } else {
        parsed = value;
      }
    }
    spec.set(st, parsed);
    if (UNSUPPORTED_FLAGS.has(name)) {
      const written = s.slice(0, dashes) + name;
      if (!seenUnsupported.has(written)) {
        seenUnsupported.add(written);
        out.unsupported.push(written);
      }
    }
  }
  finish(st, argv.slice(i));
  return out;
}

/** What nats-server does after fs.Parse: combined flags, TLS, commands, -t without -c. */
function finish(st: State, rest: string[]): void {
  const { out } = st;
  // fs.Visit walks set flags in name order: DV, DVV, VV.
  for (const name of [...st.combos.keys()].sort()) {
    const v = st.combos.get(name) === true;
    if (name !== "VV") out.options.debug = v;
    out.options.trace = v;
    if (name !== "DV") out.extra.traceVerbose = v;
  }
  // Any tls* flag turns TLS on unless --tls=false was given (opts.go overrideTLS).
  if (st.tlsOn === false) out.extra.tlsDisabled = true;
  else if (st.tlsSet) out.options.tls = st.tls;
  // ProcessCommandLineArgs: only the first positional argument is looked at.
  const cmd = rest[0];
  if (cmd !== undefined) {
    switch (cmd.toLowerCase()) {
      case "version":
        out.showVersion = true;
        break;
      case "help":
        out.showHelp = true;
        break;
      default:
        out.errors.push(`unrecognized command: ${goQuote(cmd)}`);
    }
  }
  const exitsEarly = out.showHelp || out.showVersion || out.showTlsHelp || out.signal !== undefined;
  if (out.testConfig && out.configFile === undefined && !exitsEarly) {
    out.errors.push("must specify [-c, --config] option to check configuration file syntax");
  }
}

/**
 * nats-server ConfigureOptions: `--routes` needs a route listener, from the config file's
 * `cluster {}` or from `--cluster`. Returns the error, if any.
 */
export function routesFlagProblem(flags: ServerFlags, file: ServerOptionsInput): string | undefined {
  const routes = flags.options.cluster?.routes;
  if (!routes || routes.length === 0) return undefined;
  const merged = { ...file.cluster, ...flags.options.cluster };
  if ((merged.host ?? "") === "" && (merged.port ?? 0) === 0) {
    return "solicited routes require cluster capabilities, e.g. --cluster";
  }
  return undefined;
}

/** Go's %q for the strings we print (JSON escaping agrees for printable text). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
