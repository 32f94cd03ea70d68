import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Logger, NULL_LOGGER, type LoggerOptions } from "../../src/server/logger.js";

/** The reference server; NATS_SERVER overrides the Debian/Ubuntu path. */
const NATS_SERVER = process.env["NATS_SERVER"] ?? "/usr/sbin/nats-server";
const LOGGER_JS = fileURLToPath(new URL("../../src/server/logger.js", import.meta.url));

/** `[pid] YYYY/MM/DD HH:MM:SS.uuuuuu [LVL] msg` (nats-server logger/log.go, Go log flags). */
const LINE_RE = /^\[(\d+)\] (\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6}) \[(INF|WRN|ERR|FTL|DBG|TRC)\] (.*)$/;

/** A stream that keeps what it is given. */
class Collector extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
  lines(): string[] {
    return this.text.split("\n").filter((l) => l !== "");
  }
}

function make(over: Partial<LoggerOptions> = {}): { log: Logger; out: Collector } {
  const out = new Collector();
  const log = new Logger({ debug: false, trace: false, logtime: true, logtimeUtc: false, stream: out, ...over });
  return { log, out };
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-logger-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Parses the time of a line as local time or UTC, in ms since the epoch. */
function lineTimeMs(line: string, utc: boolean): number {
  const m = LINE_RE.exec(line);
  assert.ok(m, line);
  const [y, mo, d, h, mi, s, us] = m.slice(2, 9).map(Number) as [number, number, number, number, number, number, number];
  const base = utc ? Date.UTC(y, mo - 1, d, h, mi, s) : new Date(y, mo - 1, d, h, mi, s).getTime();
  return base + us / 1000;
}

describe("Logger format", () => {
  test("notice with time: [pid] date time.micros [INF] msg", () => {
    const { log, out } = make();
    log.notice("Server is ready");
    const line = out.lines()[0] ?? "";
    const m = LINE_RE.exec(line);
    assert.ok(m, line);
    assert.equal(m[1], String(process.pid));
    assert.equal(m[9], "INF");
    assert.equal(m[10], "Server is ready");
    assert.ok(out.text.endsWith("\n"));
  });

  test("-T=false drops the time; pid can be set", () => {
    const { log, out } = make({ logtime: false, pid: 4607 });
    log.notice("Starting nats-server");
    log.warn("w");
    assert.equal(out.text, "[4607] [INF] Starting nats-server\n[4607] [WRN] w\n");
  });

  test("a message ending in a newline gets no second one (Go log.Printf)", () => {
    const { log, out } = make({ logtime: false, pid: 1 });
    log.error("x\n");
    assert.equal(out.text, "[1] [ERR] x\n");
  });

  test("local time by default, UTC with logtimeUtc", (t) => {
    const oldTz = process.env["TZ"];
    process.env["TZ"] = "Asia/Kolkata"; // +05:30, so local and UTC differ
    t.after(() => {
      if (oldTz === undefined) delete process.env["TZ"];
      else process.env["TZ"] = oldTz;
    });
    const before = Date.now();
    const local = make();
    const utc = make({ logtimeUtc: true });
    local.log.notice("l");
    utc.log.notice("u");
    const after = Date.now();
    for (const [line, isUtc] of [
      [local.out.lines()[0] ?? "", false],
      [utc.out.lines()[0] ?? "", true],
    ] as const) {
      const ms = lineTimeMs(line, isUtc);
      assert.ok(ms >= before - 3 && ms <= after + 3, `${line}: ${ms} not in [${before}, ${after}]`);
    }
    const hour = (l: string) => l.slice(l.indexOf(" ") + 12, l.indexOf(" ") + 17);
    assert.notEqual(hour(local.out.lines()[0] ?? ""), hour(utc.out.lines()[0] ?? ""));
  });

  test("microseconds vary between lines", () => {
    const { log, out } = make();
    for (let i = 0; i < 50; i++) log.notice(`m${i}`);
    const micros = new Set(out.lines().map((l) => LINE_RE.exec(l)?.[8]));
    assert.ok(micros.size > 1, "all 50 lines had the same microseconds");
  });

  test("coloured labels, as nats-server prints them on a terminal", () => {
    const { log, out } = make({ logtime: false, pid: 7, colors: true, debug: true, trace: true });
    log.notice("a");
    log.warn("b");
    log.error("c");
    log.fatal("d");
    log.debug("e");
    log.trace("f");
    assert.equal(
      out.text,
      "[7] [\x1b[32mINF\x1b[0m] a\n" +
        "[7] [\x1b[0;93mWRN\x1b[0m] b\n" +
        "[7] [\x1b[31mERR\x1b[0m] c\n" +
        "[7] [\x1b[31mFTL\x1b[0m] d\n" +
        "[7] [\x1b[36mDBG\x1b[0m] e\n" +
        "[7] [\x1b[33mTRC\x1b[0m] f\n",
    );
  });

  test("same shape as the live nats-server's lines", { skip: !existsSync(NATS_SERVER) }, async (t) => {
    const child = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", "-1"], { stdio: ["ignore", "ignore", "pipe"] });
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const deadline = Date.now() + 10_000;
    while (!err.includes("Server is ready") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGTERM");
    const theirs = err.split("\n").find((l) => l.includes("Server is ready")) ?? "";
    assert.match(theirs, LINE_RE, "nats-server line no longer matches our regex");
    const { log, out } = make();
    log.notice("Server is ready");
    const shape = (l: string) => l.replace(/\d/g, "0");
    assert.equal(shape(out.lines()[0] ?? ""), shape(theirs).replace(/^\[0+\]/, `[${shape(String(process.pid))}]`));
  });
});

describe("Logger levels", () => {
  test("debug and trace are off unless asked; fields reflect it", () => {
    const { log, out } = make({ logtime: false, pid: 1 });
    assert.equal(log.debugEnabled, false);
    assert.equal(log.traceEnabled, false);
    log.debug("d");
    log.trace("t");
    log.notice("n");
    log.warn("w");
    log.error("e");
    log.fatal("f");
    assert.equal(out.text, "[1] [INF] n\n[1] [WRN] w\n[1] [ERR] e\n[1] [FTL] f\n");
  });

  test("debug only", () => {
    const { log, out } = make({ logtime: false, pid: 1, debug: true });
    assert.equal(log.debugEnabled, true);
    assert.equal(log.traceEnabled, false);
    log.debug("d");
    log.trace("t");
    assert.equal(out.text, "[1] [DBG] d\n");
  });

  test("trace only", () => {
    const { log, out } = make({ logtime: false, pid: 1, trace: true });
    assert.equal(log.debugEnabled, false);
    assert.equal(log.traceEnabled, true);
    log.debug("d");
    log.trace("t");
    assert.equal(out.text, "[1] [TRC] t\n");
  });

  test("fatal does not exit the process", () => {
    const { log, out } = make({ logtime: false, pid: 1 });
    log.fatal("boom");
    assert.equal(out.text, "[1] [FTL] boom\n");
  });

  test("NULL_LOGGER is silent and cheap to ask", () => {
    assert.equal(NULL_LOGGER.debugEnabled, false);
    assert.equal(NULL_LOGGER.traceEnabled, false);
    NULL_LOGGER.notice("x");
    NULL_LOGGER.debug("x");
    assert.equal(NULL_LOGGER.reopen(), false);
    NULL_LOGGER.close();
    const silent = new Logger({ debug: true, trace: true, logtime: true, logtimeUtc: false, silent: true });
    assert.equal(silent.debugEnabled, false);
  });
});

describe("Logger file output", () => {
  test("appends to the log file, mode 0660 minus umask", (t) => {
    const dir = tmp(t);
    const file = join(dir, "s.log");
    writeFileSync(file, "old line\n");
    const log = new Logger({ debug: false, trace: false, logtime: false, logtimeUtc: false, logFile: file, pid: 9 });
    log.notice("one");
    log.warn("two");
    assert.equal(readFileSync(file, "utf8"), "old line\n[9] [INF] one\n[9] [WRN] two\n");
    log.close();
    log.notice("after close");
    assert.equal(readFileSync(file, "utf8"), "old line\n[9] [INF] one\n[9] [WRN] two\n");
    const fresh = join(dir, "new.log");
    new Logger({ debug: false, trace: false, logtime: true, logtimeUtc: false, logFile: fresh }).close();
    const umask = process.umask();
    assert.equal(statSync(fresh).mode & 0o777, 0o660 & ~umask);
  });

  test("file lines have plain labels even with colors asked for a stream", (t) => {
    const file = join(tmp(t), "c.log");
    const log = new Logger({ debug: true, trace: false, logtime: true, logtimeUtc: false, logFile: file, colors: true });
    log.debug("x");
    log.close();
    assert.match(readFileSync(file, "utf8").trimEnd(), LINE_RE);
  });

  test("reopen after the file was moved away (log rotation)", (t) => {
    const dir = tmp(t);
    const file = join(dir, "s.log");
    const log = new Logger({ debug: false, trace: false, logtime: false, logtimeUtc: false, logFile: file, pid: 9 });
    t.after(() => log.close());
    log.notice("before");
    renameSync(file, `${file}.1`);
    log.notice("still old");
    assert.equal(log.reopen(), true);
    log.notice("after");
    assert.equal(readFileSync(`${file}.1`, "utf8"), "[9] [INF] before\n[9] [INF] still old\n");
    assert.equal(readFileSync(file, "utf8"), "[9] [INF] File log re-opened\n[9] [INF] after\n");
  });

  test("reopen when the file cannot be opened keeps the old one and logs an error", (t) => {
    const dir = tmp(t);
    const file = join(dir, "sub", "s.log");
    // create the file in a directory, then move the directory away
    const sub = join(dir, "sub");
    mkdirSync(sub);
    const log = new Logger({ debug: false, trace: false, logtime: false, logtimeUtc: false, logFile: file, pid: 9 });
    t.after(() => log.close());
    renameSync(sub, join(dir, "moved"));
    assert.equal(log.reopen(), false);
    assert.match(readFileSync(join(dir, "moved", "s.log"), "utf8"), /^\[9\] \[ERR\] Error re-opening log file: .*ENOENT/);
  });

  test("reopen on a stream logger is ignored, as nats-server says", () => {
    const { log, out } = make({ logtime: false, pid: 1 });
    assert.equal(log.reopen(), false);
    assert.equal(out.text, "[1] [INF] File log re-open ignored, not a file logger\n");
  });

  test("a constructor with an unopenable file throws", () => {
    assert.throws(
      () => new Logger({ debug: false, trace: false, logtime: false, logtimeUtc: false, logFile: "/nonexistent-dir/x.log" }),
      /ENOENT/,
    );
  });
});

describe("Logger writes survive a crash", () => {
  const crash = (target: string) => `
    import(${JSON.stringify(LOGGER_JS)}).then(({ Logger }) => {
      const log = new Logger({ debug: false, trace: false, logtime: true, logtimeUtc: false${target} });
      for (let i = 0; i < 100; i++) log.notice("line " + i);
      log.error("last words");
      process.kill(process.pid, "SIGKILL");
    });`;

  test("stderr (a pipe)", () => {
    const r = spawnSync(process.execPath, ["-e", crash("")], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.signal, "SIGKILL");
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 101);
    assert.match(lines[100] ?? "", /\[ERR\] last words$/);
    for (const l of lines) assert.match(l, LINE_RE);
  });

  test("log file", (t) => {
    const file = join(tmp(t), "crash.log");
    const r = spawnSync(process.execPath, ["-e", crash(`, logFile: ${JSON.stringify(file)}`)], { timeout: 20_000 });
    assert.equal(r.signal, "SIGKILL");
    const text = readFileSync(file, "utf8");
    assert.match(text, /\[ERR\] last words\n$/);
    assert.equal(text.split("\n").length, 102);
  });
});
