/**
 * `tsnats-server --signal <command>[=<pid|pidfile>]`: send a Unix signal to a running
 * server, as nats-server does (server/signal.go ProcessSignal, CommandToSignal).
 *
 * Without a pid, nats-server runs `pgrep nats-server`; we scan /proc for processes whose
 * command line names `tsnats-server` (the bin script, `node .../tsnats-server.js`, or a
 * process title), which needs no extra tool. Errors use nats-server's wording.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { TsnatsError } from "../errors.js";

/** nats-server signal.go CommandToSignal: the command names and their signals. */
export const SIGNAL_COMMANDS: Readonly<Record<string, NodeJS.Signals>> = {
  stop: "SIGKILL",
  quit: "SIGINT",
  term: "SIGTERM",
  reopen: "SIGUSR1",
  reload: "SIGHUP",
  ldm: "SIGUSR2",
};

/** Error codes thrown by this module. */
export const ERR_SIGNAL_INVALID_PID = "TSNATS_ERR_SIGNAL_INVALID_PID";
export const ERR_SIGNAL_UNKNOWN = "TSNATS_ERR_SIGNAL_UNKNOWN";
export const ERR_SIGNAL_NO_PROCESS = "TSNATS_ERR_SIGNAL_NO_PROCESS";
export const ERR_SIGNAL_MULTIPLE = "TSNATS_ERR_SIGNAL_MULTIPLE";
export const ERR_SIGNAL_RESOLVE = "TSNATS_ERR_SIGNAL_RESOLVE";
export const ERR_SIGNAL_SEND = "TSNATS_ERR_SIGNAL_SEND";

/** The server's process name, searched for when no pid is given. */
export const SERVER_PROCESS_NAME = "tsnats-server";

/** Test seams: where to look for processes, and under which name. */
export interface SignalLookup {
  /** Default "/proc". */
  procRoot?: string;
  /** Default {@link SERVER_PROCESS_NAME}. */
  processName?: string;
}

/** Maps a command to its signal, or throws `unknown signal "x"` like nats-server. */
export function commandToSignal(command: string): NodeJS.Signals {
  const sig = Object.hasOwn(SIGNAL_COMMANDS, command) ? SIGNAL_COMMANDS[command] : undefined;
  if (sig === undefined) throw new TsnatsError(ERR_SIGNAL_UNKNOWN, `unknown signal ${JSON.stringify(command)}`);
  return sig;
}

/**
 * nats-server opts.go maybeReadPidFile: if `pidOrFile` names a readable file, its content
 * is the pid; otherwise the string itself is. Then it must be a whole number.
 */
export function resolvePid(pidOrFile: string): number {
  let text = pidOrFile;
  try {
    text = readFileSync(pidOrFile, "utf8");
  } catch {
    // not a file: take the string as the pid
  }
  text = text.trim();
  if (!/^[0-9]+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw new TsnatsError(ERR_SIGNAL_INVALID_PID, `invalid pid: ${text}`);
  }
  return Number(text);
}

/** node options whose value is the next argument (so it is not taken for the script). */
const NODE_FLAGS_WITH_VALUE = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader"]);

/** True if a /proc cmdline (NUL-separated argv) is a running tsnats-server. */
export function isServerCmdline(cmdline: string, processName: string): boolean {
  const argv = cmdline.split("\0").filter((a) => a !== "");
  const first = argv[0];
  if (first === undefined) return false;
  const names = new Set([processName, `${processName}.js`, `${processName}.cjs`]);
  // process.title rewrites argv[0]; the bin script runs as "node <path>/tsnats-server".
  if (names.has(basename(first))) return true;
  if (!/^node(js)?([0-9.]*)?(\.exe)?$/.test(basename(first))) return false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a.startsWith("-")) {
      // node's own flags; a few take their value as the next argument
      if (NODE_FLAGS_WITH_VALUE.has(a)) i++;
      continue;
    }
    return names.has(basename(a)); // the first other argument is the script
  }
  return false;
}

/**
 * Pids of running tsnats-server processes other than this one, from /proc.
 * Throws `unable to resolve pid, try providing one` where /proc cannot be read.
 */
export function findServerPids(lookup: SignalLookup = {}): number[] {
  const root = lookup.procRoot ?? "/proc";
  const name = lookup.processName ?? SERVER_PROCESS_NAME;
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch (err) {
    throw new TsnatsError(ERR_SIGNAL_RESOLVE, "unable to resolve pid, try providing one", { cause: err });
  }
  const pids: number[] = [];
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`${root}/${e}/cmdline`, "latin1");
    } catch {
      continue; // the process exited while we looked
    }
    if (isServerCmdline(cmdline, name)) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

/** Go's syscall error strings for the kill errors people meet. */
function killErrorText(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === "ESRCH") return "no such process";
  if (code === "EPERM") return "operation not permitted";
  return err instanceof Error ? err.message : String(err);
}

/**
 * Sends `command` (stop, quit, term, reopen, reload, ldm) to the server with the given pid
 * or pid file, or to the only running tsnats-server when none is given. Checks in
 * nats-server's order: the pid, then the running processes, then the command.
 * Throws TsnatsError with nats-server's message on any failure.
 */
export function sendSignal(command: string, pidOrFile?: string, lookup: SignalLookup = {}): void {
  let pid: number;
  if (pidOrFile !== undefined && pidOrFile !== "") {
    pid = resolvePid(pidOrFile);
  } else {
    const name = lookup.processName ?? SERVER_PROCESS_NAME;
    const pids = findServerPids(lookup);
    if (pids.length === 0) {
      throw new TsnatsError(ERR_SIGNAL_NO_PROCESS, `no ${name} processes running`);
    }
    if (pids.length > 1) {
      throw new TsnatsError(ERR_SIGNAL_MULTIPLE, `multiple ${name} processes running:\n${pids.join("\n")}`);
    }
    pid = pids[0] as number;
  }
  const sig = commandToSignal(command);
  try {
    process.kill(pid, sig);
  } catch (err) {
    throw new TsnatsError(ERR_SIGNAL_SEND, killErrorText(err), { cause: err });
  }
}
