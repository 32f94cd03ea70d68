import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TsnatsError } from "../../src/errors.js";
import {
  commandToSignal,
  ERR_SIGNAL_INVALID_PID,
  ERR_SIGNAL_MULTIPLE,
  ERR_SIGNAL_NO_PROCESS,
  ERR_SIGNAL_RESOLVE,
  ERR_SIGNAL_SEND,
  ERR_SIGNAL_UNKNOWN,
  findServerPids,
  isServerCmdline,
  resolvePid,
  sendSignal,
  SIGNAL_COMMANDS,
} from "../../src/cli/signal.js";

/** A child that reports each trapped signal on stdout, and exits on SIGTERM. */
const TRAP_SCRIPT = `
const fs = require("node:fs");
for (const s of ["SIGUSR1", "SIGUSR2", "SIGHUP", "SIGINT"]) process.on(s, () => process.stdout.write(s + "\\n"));
process.on("SIGTERM", () => { process.stdout.write("SIGTERM\\n"); process.exit(0); });
fs.writeFileSync(process.argv[2], String(process.pid));
process.stdout.write("ready\\n");
setTimeout(() => process.exit(3), 30000);
`;

interface Trapper {
  child: ChildProcess;
  pidFile: string;
  name: string;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-signal-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `fn` every 10 ms until true, for at most `timeoutMs`. */
async function waitFor(fn: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function startTrapper(t: { after: (fn: () => void) => void }): Promise<Trapper> {
  const dir = tmp(t);
  const name = `fake-tsnats-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const script = join(dir, `${name}.js`);
  writeFileSync(script, TRAP_SCRIPT);
  // .js under a tmp dir is CommonJS unless a package.json says otherwise
  const pidFile = join(dir, "server.pid");
  const child = spawn(process.execPath, [script, pidFile], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  await waitFor(() => out.includes("ready\n"), "child ready");
  return { child, pidFile, name, out: () => out, exited };
}

function throwsCode(fn: () => void, code: string, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TsnatsError, String(err));
    assert.equal(err.code, code);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe("sendSignal to a real process", () => {
  test("reopen via pid file, reload/ldm/quit via pid, term", async (t) => {
    const tr = await startTrapper(t);
    sendSignal("reopen", tr.pidFile);
    await waitFor(() => tr.out().includes("SIGUSR1\n"), "SIGUSR1");
    sendSignal("reload", String(tr.child.pid));
    await waitFor(() => tr.out().includes("SIGHUP\n"), "SIGHUP");
    sendSignal("ldm", tr.pidFile);
    await waitFor(() => tr.out().includes("SIGUSR2\n"), "SIGUSR2");
    sendSignal("quit", tr.pidFile);
    await waitFor(() => tr.out().includes("SIGINT\n"), "SIGINT");
    sendSignal("term", tr.pidFile);
    assert.deepEqual(await tr.exited, { code: 0, signal: null });
    assert.match(tr.out(), /SIGTERM\n$/);
  });

  test("stop sends SIGKILL", async (t) => {
    const tr = await startTrapper(t);
    sendSignal("stop", tr.pidFile);
    assert.deepEqual(await tr.exited, { code: null, signal: "SIGKILL" });
  });

  test("without a pid, finds the one running server by name in /proc", { skip: process.platform !== "linux" }, async (t) => {
    const tr = await startTrapper(t);
    assert.deepEqual(findServerPids({ processName: tr.name }), [tr.child.pid]);
    sendSignal("reopen", undefined, { processName: tr.name });
    await waitFor(() => tr.out().includes("SIGUSR1\n"), "SIGUSR1");
    sendSignal("term", "", { processName: tr.name });
    assert.equal((await tr.exited).code, 0);
  });

  test("a pid that is not running: no such process", () => {
    throwsCode(() => sendSignal("reload", "99999999"), ERR_SIGNAL_SEND, "no such process");
  });
});

describe("sendSignal errors, in nats-server's order and words", () => {
  test("invalid pid, checked before the command", () => {
    throwsCode(() => sendSignal("reload", "abc"), ERR_SIGNAL_INVALID_PID, "invalid pid: abc");
    throwsCode(() => sendSignal("nope", "abc"), ERR_SIGNAL_INVALID_PID, "invalid pid: abc");
    throwsCode(() => sendSignal("reload", "/no/such/file.pid"), ERR_SIGNAL_INVALID_PID, "invalid pid: /no/such/file.pid");
    throwsCode(() => sendSignal("reload", "-5"), ERR_SIGNAL_INVALID_PID, "invalid pid: -5");
  });

  test("unknown command", () => {
    throwsCode(() => sendSignal("nope", String(process.pid)), ERR_SIGNAL_UNKNOWN, 'unknown signal "nope"');
    throwsCode(() => commandToSignal("toString"), ERR_SIGNAL_UNKNOWN, 'unknown signal "toString"');
  });

  test("no process, several processes, /proc unreadable", (t) => {
    const root = tmp(t);
    const cmd = "node\0/opt/app/dist/src/cli/tsnats-server.js\0-p\0" + "4222\0";
    throwsCode(() => sendSignal("reload", undefined, { procRoot: root }), ERR_SIGNAL_NO_PROCESS, "no tsnats-server processes running");
    for (const pid of ["999998", "999999"]) {
      mkdirSync(join(root, pid));
      writeFileSync(join(root, pid, "cmdline"), cmd);
    }
    mkdirSync(join(root, "self"));
    mkdirSync(join(root, "12345")); // no cmdline: exited while scanning
    assert.deepEqual(findServerPids({ procRoot: root }), [999998, 999999]);
    throwsCode(
      () => sendSignal("reload", undefined, { procRoot: root }),
      ERR_SIGNAL_MULTIPLE,
      "multiple tsnats-server processes running:\n999998\n999999",
    );
    throwsCode(
      () => sendSignal("reload", undefined, { procRoot: join(root, "missing") }),
      ERR_SIGNAL_RESOLVE,
      "unable to resolve pid, try providing one",
    );
  });

  test("our own process is never a candidate", (t) => {
    const root = tmp(t);
    mkdirSync(join(root, String(process.pid)));
    writeFileSync(join(root, String(process.pid), "cmdline"), "tsnats-server\0");
    assert.deepEqual(findServerPids({ procRoot: root }), []);
  });
});

describe("helpers", () => {
  test("command table is nats-server's", () => {
    assert.deepEqual(SIGNAL_COMMANDS, {
      stop: "SIGKILL",
      quit: "SIGINT",
      term: "SIGTERM",
      reopen: "SIGUSR1",
      reload: "SIGHUP",
      ldm: "SIGUSR2",
    });
  });

  test("resolvePid: number, pid file with or without newline", (t) => {
    const dir = tmp(t);
    assert.equal(resolvePid("42"), 42);
    writeFileSync(join(dir, "a.pid"), "1234");
    writeFileSync(join(dir, "b.pid"), "1234\n");
    writeFileSync(join(dir, "c.pid"), "x");
    assert.equal(resolvePid(join(dir, "a.pid")), 1234);
    assert.equal(resolvePid(join(dir, "b.pid")), 1234);
    throwsCode(() => resolvePid(join(dir, "c.pid")), ERR_SIGNAL_INVALID_PID, "invalid pid: x");
    throwsCode(() => resolvePid("0"), ERR_SIGNAL_INVALID_PID, "invalid pid: 0");
  });

  test("isServerCmdline", () => {
    const yes = [
      "tsnats-server\0",
      "node\0/usr/local/bin/tsnats-server\0-p\0" + "4222\0",
      "/usr/bin/node\0--enable-source-maps\0dist/src/cli/tsnats-server.js\0",
      "node20\0-r\0foo\0./tsnats-server.js\0",
      "node\0/opt/app/node_modules/tsnats/dist/src/cli/tsnats-server.cjs\0-c\0nats.conf\0",
    ];
    const no = [
      "",
      "node\0other.js\0tsnats-server\0",
      "node\0--test\0dist/test/cli/tsnats-server.test.js\0",
      "bash\0tsnats-server\0",
      "npm exec tsnats-server\0",
      "vim\0tsnats-server.js\0",
    ];
    for (const c of yes) assert.equal(isServerCmdline(c, "tsnats-server"), true, JSON.stringify(c));
    for (const c of no) assert.equal(isServerCmdline(c, "tsnats-server"), false, JSON.stringify(c));
  });
});
