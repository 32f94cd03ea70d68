/**
 * The server log, in nats-server's format (logger/log.go), so tools that read or grep
 * nats-server logs read ours:
 *
 *     [PID] YYYY/MM/DD HH:MM:SS.uuuuuu [INF] message
 *
 * Facts taken from nats-server v2.9.10 and its logger package:
 * - the pid prefix comes first, then the Go `log` date and time with microseconds in
 *   local time (UTC with logtime_utc), then the level label; `-T=false` drops the time:
 *   `[PID] [INF] message`;
 * - labels: INF (notice), WRN, ERR, FTL, DBG (only with -D), TRC (only with -V);
 * - the default output is stderr; labels are coloured only when stderr is a terminal;
 * - `-l FILE` appends to FILE (created with mode 0660 before the umask), plain labels;
 *   SIGUSR1 re-opens it so logrotate can move the old file away.
 *
 * Lines are written synchronously (fs.writeSync for files; process.stderr is synchronous
 * for files, pipes and terminals on Linux), so a crash does not lose the last lines.
 */
import { closeSync, openSync, writeSync } from "node:fs";

/** Constructor options; the field names match ServerOptions (debug, trace, logtime...). */
export interface LoggerOptions {
  debug: boolean;
  trace: boolean;
  logtime: boolean;
  logtimeUtc: boolean;
  /** Append to this file instead of writing to `stream`. */
  logFile?: string;
  /** Pid printed in the prefix; default process.pid. */
  pid?: number;
  /** Where to write when there is no logFile; default process.stderr. */
  stream?: NodeJS.WritableStream;
  /** Coloured labels; default: only when writing to a terminal (nats-server checks stderr). */
  colors?: boolean;
  /** Write nothing, and report debug and trace as off (see NULL_LOGGER). */
  silent?: boolean;
}

/** The logging options a config reload may change. */
export type LogSettings = Pick<LoggerOptions, "debug" | "trace" | "logtime" | "logtimeUtc" | "logFile">;

/**
 * What the server needs from a logger, so an embedding application can pass its own.
 * Callers test `debugEnabled`/`traceEnabled` before building a debug or trace message.
 */
export interface ServerLogger {
  readonly debugEnabled: boolean;
  readonly traceEnabled: boolean;
  /** Applies new logging options on config reload; loggers without it keep theirs. */
  reconfigure?(opts: LogSettings): void;
  notice(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  fatal(msg: string): void;
  debug(msg: string): void;
  trace(msg: string): void;
}

/** nats-server logger/log.go setPlainLabelFormats. */
const PLAIN = { inf: "[INF] ", wrn: "[WRN] ", err: "[ERR] ", ftl: "[FTL] ", dbg: "[DBG] ", trc: "[TRC] " };

/** nats-server logger/log.go setColoredLabelFormats: ANSI colour codes per level. */
function colored(code: string, label: string): string {
  return `[\x1b[${code}m${label}\x1b[0m] `;
}
const COLORED = {
  inf: colored("32", "INF"),
  wrn: colored("0;93", "WRN"),
  err: colored("31", "ERR"),
  ftl: colored("31", "FTL"),
  dbg: colored("36", "DBG"),
  trc: colored("33", "TRC"),
};

/** Where the lines go: nowhere (silent), a stream, or a file descriptor we own. */
const SINK_NONE = 0;
const SINK_STREAM = 1;
const SINK_FD = 2;

/**
 * Wall-clock microseconds: Date.now() has only milliseconds, so the microseconds come
 * from the monotonic clock, re-anchored to Date.now() whenever the two drift apart by more
 * than 2 ms (clock steps, NTP), so timestamps always agree with the wall clock.
 * process.hrtime, not performance.now(): the first touch of the `performance` global loads
 * perf_hooks (ten of Node's modules), and the first log line comes before "Server is ready".
 */
function monoMicros(): number {
  const t = process.hrtime();
  return t[0] * 1e6 + t[1] / 1e3;
}
let monoOffsetUs = Date.now() * 1000 - monoMicros();
function nowMicros(): number {
  const monoUs = monoMicros();
  let us = monoOffsetUs + monoUs;
  const wallMs = Date.now();
  const drift = us / 1000 - wallMs;
  if (drift > 2 || drift < -1) {
    monoOffsetUs = wallMs * 1000 - monoUs;
    us = wallMs * 1000;
  }
  return Math.floor(us);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Go log's `2006/01/02 15:04:05.000000 ` for a time in microseconds since the epoch.
 * The part up to the seconds is cached per second, since many lines share it.
 */
class TimeFormatter {
  private cachedSec = -1;
  private cachedText = "";

  constructor(private readonly utc: boolean) {}

  format(us: number): string {
    const sec = Math.floor(us / 1_000_000);
    if (sec !== this.cachedSec) {
      const d = new Date(sec * 1000);
      const [y, mo, day, h, mi, s] = this.utc
        ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
        : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
      this.cachedText = `${y}/${pad2(mo)}/${pad2(day)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}.`;
      this.cachedSec = sec;
    }
    return `${this.cachedText}${String(us - sec * 1_000_000).padStart(6, "0")} `;
  }
}

/** Writes all of `buf` to `fd`, looping over short writes; regular files need no more. */
function writeAllSync(fd: number, buf: Buffer): void {
  let off = 0;
  // Bounded: each turn writes at least one byte or throws.
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off);
    if (n <= 0) return;
    off += n;
  }
}

/**
 * The server logger. Construct once from the options; `debugEnabled`/`traceEnabled` are
 * plain fields so hot paths can test them for the cost of a property read.
 *
 * Unlike Go's Fatalf, `fatal()` only writes the [FTL] line: exiting is the caller's
 * choice, since tsnats may be embedded in someone else's process.
 */
export class Logger implements ServerLogger {
  debugEnabled: boolean;
  traceEnabled: boolean;
  /** The file this logger appends to, if any (for reopen and for /varz). */
  logFile: string | undefined;

  private readonly prefix: string;
  private time: TimeFormatter | null;
  private labels: typeof PLAIN;
  private stream: NodeJS.WritableStream | null;
  private readonly silent: boolean;
  private sink: number;
  private fd: number;

  constructor(opts: LoggerOptions) {
    const silent = opts.silent === true;
    this.silent = silent;
    this.debugEnabled = !silent && opts.debug;
    this.traceEnabled = !silent && opts.trace;
    this.logFile = silent ? undefined : opts.logFile;
    this.prefix = `[${opts.pid ?? process.pid}] `;
    this.time = opts.logtime ? new TimeFormatter(opts.logtimeUtc) : null;
    this.stream = null;
    this.fd = -1;
    this.sink = SINK_NONE;
    let colors = false;
    if (silent) {
      // NULL_LOGGER: writes nothing.
    } else if (this.logFile !== undefined) {
      this.fd = openLogFile(this.logFile);
      this.sink = SINK_FD;
    } else {
      const stream = opts.stream ?? process.stderr;
      this.stream = stream;
      this.sink = SINK_STREAM;
      colors = opts.colors ?? (stream as { isTTY?: boolean }).isTTY === true;
    }
    this.labels = colors ? COLORED : PLAIN;
  }

  /**
   * Applies reloaded settings (nats-server reloads debug, trace, logtime and log_file):
   * levels and time stamps at once; a new log file is opened before the old one closes,
   * and a file that cannot be opened leaves the current output in place.
   */
  reconfigure(opts: LogSettings): void {
    if (this.silent) return;
    this.debugEnabled = opts.debug;
    this.traceEnabled = opts.trace;
    this.time = opts.logtime ? new TimeFormatter(opts.logtimeUtc) : null;
    if (opts.logFile === this.logFile) return;
    if (opts.logFile !== undefined) {
      let fd: number;
      try {
        fd = openLogFile(opts.logFile);
      } catch (err) {
        this.error(`Error opening log file ${opts.logFile}: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      if (this.sink === SINK_FD) closeQuietly(this.fd);
      this.fd = fd;
      this.sink = SINK_FD;
      this.labels = PLAIN;
    } else {
      if (this.sink === SINK_FD) closeQuietly(this.fd);
      this.fd = -1;
      this.stream = process.stderr;
      this.sink = SINK_STREAM;
    }
    this.logFile = opts.logFile;
  }

  /** A logger that writes nothing and reports debug and trace as off. */
  static silent(): Logger {
    return new Logger({ debug: false, trace: false, logtime: false, logtimeUtc: false, silent: true });
  }

  /** Informational message, nats-server Noticef. */
  notice(msg: string): void {
    this.write(this.labels.inf, msg);
  }

  warn(msg: string): void {
    this.write(this.labels.wrn, msg);
  }

  error(msg: string): void {
    this.write(this.labels.err, msg);
  }

  /** Writes an [FTL] line; does not exit (see the class comment). */
  fatal(msg: string): void {
    this.write(this.labels.ftl, msg);
  }

  /** Writes a [DBG] line if debug is on; callers should test `debugEnabled` first. */
  debug(msg: string): void {
    if (this.debugEnabled) this.write(this.labels.dbg, msg);
  }

  /** Writes a [TRC] line if trace is on; callers should test `traceEnabled` first. */
  trace(msg: string): void {
    if (this.traceEnabled) this.write(this.labels.trc, msg);
  }

  /**
   * Re-opens the log file after it was moved away (SIGUSR1, `--signal reopen`), and logs
   * what happened in nats-server's words (server/log.go ReOpenLogFile). Returns true when
   * a file was re-opened. On an open error the old file stays in use and the error is logged.
   */
  reopen(): boolean {
    if (this.sink === SINK_NONE) return false;
    if (this.logFile === undefined) {
      this.notice("File log re-open ignored, not a file logger");
      return false;
    }
    let fd: number;
    try {
      fd = openLogFile(this.logFile);
    } catch (err) {
      this.error(`Error re-opening log file: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    const old = this.fd;
    this.fd = fd;
    this.sink = SINK_FD;
    if (old >= 0) closeQuietly(old);
    this.notice("File log re-opened");
    return true;
  }

  /** Closes the log file; later lines are dropped. Streams are left open (not ours). */
  close(): void {
    if (this.sink === SINK_FD && this.fd >= 0) closeQuietly(this.fd);
    this.fd = -1;
    this.sink = SINK_NONE;
  }

  /** Builds one line as Go's log.Printf would (a newline is added unless present). */
  private write(label: string, msg: string): void {
    if (this.sink === SINK_NONE) return;
    const time = this.time === null ? "" : this.time.format(nowMicros());
    const nl = msg.endsWith("\n") ? "" : "\n";
    const line = `${this.prefix}${time}${label}${msg}${nl}`;
    if (this.sink === SINK_FD) {
      try {
        writeAllSync(this.fd, Buffer.from(line, "utf8"));
      } catch {
        // A full disk must not take the server down; Go's log also drops the line.
      }
    } else {
      this.stream?.write(line);
    }
  }
}

/** O_APPEND|O_CREAT|O_WRONLY with mode 0660, as nats-server's file logger opens it. */
function openLogFile(path: string): number {
  return openSync(path, "a", 0o660);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * The silent logger: the default when tsnats is embedded (startServer) unless the caller
 * asks for logging, so tests and applications get no output they did not ask for.
 */
export const NULL_LOGGER: Logger = Logger.silent();
