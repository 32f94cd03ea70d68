/**
 * What every `tsnats` client subcommand shares: the connection flags (as the Go `nats`
 * CLI spells them), `NATS_URL`, connecting with the official client, and turning its
 * errors into one clear line and an exit code.
 *
 * The official client (`@nats-io/transport-node`) is a dev dependency of tsnats, so it
 * is imported lazily: the server never loads it, and a missing install is reported as
 * such rather than as a module-resolution stack trace.
 */
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { ConnectionOptions, Msg, MsgHdrs, NatsConnection } from "@nats-io/transport-node";

/** Exit codes: success, a runtime failure (no server, timeout, auth), a usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A usage mistake: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A failure to report as one line, exit code 1. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}

type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** Connection flags, shared by every client subcommand. */
export const CONNECTION_OPTIONS = {
  server: { type: "string", short: "s" },
  creds: { type: "string" },
  user: { type: "string" },
  password: { type: "string" },
  token: { type: "string" },
  nkey: { type: "string" },
  tlscert: { type: "string" },
  tlskey: { type: "string" },
  tlsca: { type: "string" },
  tlsfirst: { type: "boolean" },
  "connect-timeout": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpecs;

export const CONNECTION_HELP = `Connection options:
  -s, --server URL       NATS server URL(s), comma separated (default $NATS_URL or nats://127.0.0.1:4222)
      --creds FILE       user credentials file (JWT + nkey seed)
      --user NAME        user name            --password PASS   password
      --token TOKEN      authentication token
      --nkey FILE        nkey seed file
      --tlscert FILE     client certificate   --tlskey FILE     client private key
      --tlsca FILE       CA to verify the server
      --tlsfirst         TLS handshake before the NATS INFO (server must enable handshake_first)
      --connect-timeout DURATION  how long to try connecting (default 5s)
  -h, --help             show this help
`;

/** Parsed flags: strings, booleans and repeated strings by option name. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** Parses argv against the command's options plus the connection options. */
export function parse(argv: string[], options: OptionSpecs): { flags: Flags; args: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...CONNECTION_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { flags: r.values as Flags, args: r.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

export function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

/** A non-negative integer flag. */
export function int(flags: Flags, name: string, dflt: number): number {
  const v = str(flags, name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

/** A duration flag: `500ms`, `2s`, `1m`, or a bare number of seconds (as the Go CLI takes). */
export function durationMs(flags: Flags, name: string, dfltMs: number): number {
  const v = str(flags, name);
  if (v === undefined) return dfltMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new UsageError(`--${name}: invalid duration '${v}' (use e.g. 500ms, 2s, 1m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"]);
}

/** The server URLs: `--server`, else `NATS_URL`, else the default port on localhost. */
export function serverURLs(flags: Flags): string[] {
  const raw = str(flags, "server") ?? process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

type Client = typeof import("@nats-io/transport-node");

let clientModule: Client | null = null;

/** The official client, loaded on first use. */
export async function loadClient(): Promise<Client> {
  if (clientModule) return clientModule;
  try {
    clientModule = await import("@nats-io/transport-node");
    return clientModule;
  } catch {
    throw new CommandError(
      "this command needs the official NATS client (@nats-io/transport-node), a dev dependency of tsnats: run 'npm install' in the tsnats checkout",
    );
  }
}

/** Connection options from the flags; reads credential files. */
export async function connectionOptions(flags: Flags, name: string): Promise<ConnectionOptions> {
  const nats = await loadClient();
  const o: ConnectionOptions = {
    servers: serverURLs(flags),
    name,
    timeout: durationMs(flags, "connect-timeout", 5000),
    maxReconnectAttempts: 0,
    reconnect: false,
  };
  const user = str(flags, "user");
  const password = str(flags, "password");
  if (user !== undefined) {
    o.user = user;
    o.pass = password ?? "";
  }
  const token = str(flags, "token");
  if (token !== undefined) o.token = token;
  const creds = str(flags, "creds");
  if (creds !== undefined) o.authenticator = nats.credsAuthenticator(readFileFlag("creds", creds));
  const nkey = str(flags, "nkey");
  if (nkey !== undefined) {
    const seed = new TextDecoder().decode(readFileFlag("nkey", nkey)).trim();
    o.authenticator = nats.nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  const tlscert = str(flags, "tlscert");
  const tlskey = str(flags, "tlskey");
  const tlsca = str(flags, "tlsca");
  if (tlscert !== undefined || tlskey !== undefined || tlsca !== undefined || flags.tlsfirst === true) {
    o.tls = {};
    if (tlscert !== undefined) o.tls.certFile = tlscert;
    if (tlskey !== undefined) o.tls.keyFile = tlskey;
    if (tlsca !== undefined) o.tls.caFile = tlsca;
    if (flags.tlsfirst === true) o.tls.handshakeFirst = true;
  }
  return o;
}

function readFileFlag(flag: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CommandError(`--${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Connects with the flags, turning connection failures into one clear line. */
export async function connectWith(flags: Flags, name: string): Promise<NatsConnection> {
  const nats = await loadClient();
  const opts = await connectionOptions(flags, name);
  try {
    return await nats.connect(opts);
  } catch (err) {
    throw new CommandError(`cannot connect to ${(opts.servers as string[]).join(", ")}: ${describeError(err)}`);
  }
}

/** One line for an error from the client: what happened, in the user's terms. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  switch (err.name) {
    case "AuthorizationError":
      return "authorization violation (check --user/--password, --token, --creds or --nkey)";
    case "TimeoutError":
      return "timed out";
    case "RequestError":
      if (/no responders/i.test(err.message) || (cause instanceof Error && /NoResponders/.test(cause.name))) {
        return "no responders (nobody is subscribed to that subject)";
      }
      return err.message;
    case "ConnectionError":
      return err.message === "connection refused" ? "connection refused (is a server running there?)" : err.message;
    default:
      return err.message;
  }
}

/** Parses `K:V` (or `K=V`) header flags into client headers. */
export async function headersFrom(list: string[] | undefined): Promise<MsgHdrs | undefined> {
  if (!list || list.length === 0) return undefined;
  const nats = await loadClient();
  const h = nats.headers();
  for (const kv of list) {
    const i = kv.search(/[:=]/);
    if (i <= 0) throw new UsageError(`--header must be KEY:VALUE, got '${kv}'`);
    h.append(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
  }
  return h;
}

/** Headers of a message as a plain object, for --json output. */
export function headersObject(m: Msg): Record<string, string[]> | undefined {
  const h = m.headers;
  if (!h) return undefined;
  const out: Record<string, string[]> = {};
  for (const k of h.keys()) out[k] = h.values(k);
  return out;
}

/** Replaces `{{Count}}` / `{{Time}}` / `{{ID}}` in a body, as the Go `nats` CLI templates do. */
export function expandBody(body: string, count: number, id = ""): string {
  return body
    .replace(/\{\{\s*\.?Count\s*\}\}/g, String(count))
    .replace(/\{\{\s*\.?Time\s*\}\}/g, new Date().toISOString())
    .replace(/\{\{\s*\.?ID\s*\}\}/g, id);
}

/** Writes one line to stdout. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Runs a subcommand body with the shared error handling: usage errors print the help
 * and exit 2; every other failure prints `tsnats <cmd>: <reason>` and exits 1.
 */
export async function runCommand(cmd: string, help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tsnats ${cmd}: ${err.message}\n\n${help}`);
      return EXIT_USAGE;
    }
    process.stderr.write(`tsnats ${cmd}: ${err instanceof CommandError ? err.message : describeError(err)}\n`);
    return EXIT_FAILURE;
  }
}

/** Resolves when SIGINT/SIGTERM arrives (for commands that run until interrupted). */
export function untilInterrupted(): { promise: Promise<void>; dispose: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  const onSig = (): void => resolve();
  process.once("SIGINT", onSig);
  process.once("SIGTERM", onSig);
  return {
    promise,
    dispose: () => {
      process.off("SIGINT", onSig);
      process.off("SIGTERM", onSig);
    },
  };
}
