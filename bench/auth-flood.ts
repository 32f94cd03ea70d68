/**
 * Auth flood, tsnats against nats-server (issue 15, item 1): bcrypt users (cost 11), a
 * burst of wrong passwords (500 connections in 0.6 s, each leaving at once), and a
 * legitimate user who keeps trying to log in:
 *
 * - `after`: a fresh user starts trying once the burst has been sent, and a returning
 *   user (logged in once before the burst) logs in again;
 * - `during`: a fresh user starts trying halfway through the burst;
 * - all along, a bystander on an established connection does request/reply every 10 ms;
 * - the server's CPU in the 5 s after the burst (does it keep burning on gone attackers?).
 *
 * Each server runs alone, with the same config file, `--rounds` times, alternating which
 * goes first. Usage: `node dist/bench/auth-flood.js [--cost 11] [--attempts 500]
 * [--spread-ms 600] [--deadline-s 60] [--rounds 1] [--only tsnats|nats-server] [--leave false]
 * [--nats-server PATH] [--tsnats-cmd 'CMD ARGS with {port} and {config}']`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { readCpuSeconds } from "../src/bench/proc.js";
import { authFlood, loginUntil, type LoginResult } from "../test/helpers/auth-flood.js";
import { formatStats, startBystanderProcess, type BystanderStats } from "../test/helpers/bystander.js";
import { defaultTsnatsServerPath, findNatsServer, startServer, waitIdle, type ServerSpec } from "./compare-servers.js";
import { parseFlags, runMain } from "./script-args.js";

interface Options {
  cost: number;
  attempts: number;
  spreadMs: number;
  deadlineMs: number;
  rounds: number;
  only: string;
  leave: boolean;
  natsServer: string;
  tsnatsCmd: string;
}

const USAGE =
  "Usage: node dist/bench/auth-flood.js [--cost 11] [--attempts 500] [--spread-ms 600] [--deadline-s 60]\n" +
  "       [--rounds 1] [--only tsnats|nats-server] [--leave true|false] [--nats-server PATH] [--tsnats-cmd CMD]\n";

function parseArgs(argv: string[]): Options {
  const o: Options = { cost: 11, attempts: 500, spreadMs: 600, deadlineMs: 60_000, rounds: 1, only: "", leave: true, natsServer: "", tsnatsCmd: "" };
  parseFlags(argv, USAGE, {
    "--cost": (v) => (o.cost = Number(v)),
    "--attempts": (v) => (o.attempts = Number(v)),
    "--spread-ms": (v) => (o.spreadMs = Number(v)),
    "--deadline-s": (v) => (o.deadlineMs = Number(v) * 1000),
    "--rounds": (v) => (o.rounds = Math.max(1, Number(v))),
    "--only": (v) => (o.only = v),
    "--leave": (v) => (o.leave = v !== "false"),
    "--nats-server": (v) => (o.natsServer = v),
    "--tsnats-cmd": (v) => (o.tsnatsCmd = v),
  });
  return o;
}

/** The users: the attacked one, fresh ones (never logged in), a returning one, the bystander. */
const PASSWORDS = { victim: "victim-pw", fresh1: "fresh1-pw", fresh2: "fresh2-pw", returning: "returning-pw" } as const;

function writeConfig(dir: string, cost: number): string {
  const users = Object.entries(PASSWORDS).map(([user, pw]) => `    { user: ${user}, password: "${bcrypt.hashSync(pw, cost)}" }`);
  users.push('    { user: by, password: "plain" }');
  const file = join(dir, "auth-flood.conf");
  writeFileSync(file, `authorization {\n  users: [\n${users.join("\n")}\n  ]\n}\n`);
  return file;
}

interface RunResult {
  after: LoginResult;
  returning: LoginResult;
  during: LoginResult;
  bystander: BystanderStats;
  cpuAfterBurstPct: number;
}

async function runOnce(spec: ServerSpec, o: Options): Promise<RunResult> {
  // `after` and `during` each on a fresh server: nothing remembered from the other.
  const srv = await startServer(spec);
  let after: LoginResult;
  let returning: LoginResult;
  let bystander: BystanderStats;
  let cpuAfterBurstPct = 0;
  try {
    const url = `nats://by:plain@127.0.0.1:${srv.port}`;
    // In a child process: this one is busy opening the attackers' connections.
    const by = await startBystanderProcess(url);
    const warm = await loginUntil(srv.port, "returning", PASSWORDS.returning, o.deadlineMs);
    if (!warm.ok) throw new Error(`${spec.name}: the returning user could not log in before the burst`);
    const flood = await authFlood({ port: srv.port, attempts: o.attempts, spreadMs: o.spreadMs, user: "victim", leave: o.leave });
    const cpu0 = readCpuSeconds(srv.pid);
    const t0 = performance.now();
    [after, returning] = await Promise.all([
      loginUntil(srv.port, "fresh1", PASSWORDS.fresh1, o.deadlineMs),
      loginUntil(srv.port, "returning", PASSWORDS.returning, o.deadlineMs),
    ]);
    const left = 5000 - (performance.now() - t0);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    const cpu1 = readCpuSeconds(srv.pid);
    if (cpu0 !== null && cpu1 !== null) cpuAfterBurstPct = ((cpu1 - cpu0) / ((performance.now() - t0) / 1000)) * 100;
    bystander = await by.stop();
    if (!o.leave) await flood.allClosed;
  } finally {
    await srv.stop();
  }
  const srv2 = await startServer(spec);
  let during: LoginResult;
  try {
    let started!: Promise<LoginResult>;
    const half = new Promise<void>((r) => {
      void authFlood({ port: srv2.port, attempts: o.attempts, spreadMs: o.spreadMs, user: "victim", leave: o.leave, onHalf: r });
    });
    await half;
    started = loginUntil(srv2.port, "fresh2", PASSWORDS.fresh2, o.deadlineMs);
    during = await started;
    await waitIdle(srv2.pid, 10_000);
  } finally {
    await srv2.stop();
  }
  return { after, returning, during, bystander, cpuAfterBurstPct };
}

function fmtLogin(r: LoginResult): string {
  const why = Object.entries(r.failures)
    .map(([k, n]) => `${n}× ${k}`)
    .join(", ");
  return `${r.ok ? `${(r.ms / 1000).toFixed(2)} s` : `not within ${(r.ms / 1000).toFixed(0)} s`} (${r.attempts} attempts${why !== "" ? `: ${why}` : ""})`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "tsnats-auth-flood-"));
  try {
    const config = writeConfig(dir, o.cost);
    const specs: ServerSpec[] = [];
    const tsnatsArgv = o.tsnatsCmd !== "" ? o.tsnatsCmd.split(" ") : [process.execPath, defaultTsnatsServerPath(), "-a", "127.0.0.1", "-p", "{port}", "-c", "{config}"];
    specs.push({ name: "tsnats", argv: tsnatsArgv.map((a) => a.replaceAll("{config}", config)) });
    const ns = o.natsServer !== "" ? o.natsServer : findNatsServer();
    if (ns !== null) specs.push({ name: "nats-server", argv: [ns, "-a", "127.0.0.1", "-p", "{port}", "-c", config] });
    const chosen = specs.filter((s) => o.only === "" || s.name === o.only);
    process.stdout.write(
      `auth flood: bcrypt cost ${o.cost}, ${o.attempts} wrong passwords over ${o.spreadMs} ms, attackers ${o.leave ? "leave at once" : "stay"}; ` +
        `load ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`,
    );
    for (let round = 0; round < o.rounds; round++) {
      const order = round % 2 === 0 ? chosen : [...chosen].reverse();
      for (const spec of order) {
        const r = await runOnce(spec, o);
        process.stdout.write(
          `[${spec.name}] round ${round + 1}\n` +
            `  fresh user, after the burst:  ${fmtLogin(r.after)}\n` +
            `  returning user, after:        ${fmtLogin(r.returning)}\n` +
            `  fresh user, during the burst: ${fmtLogin(r.during)}\n` +
            `  server CPU in the 5 s after:  ${r.cpuAfterBurstPct.toFixed(0)}%\n` +
            `  bystander (established):      ${formatStats(r.bystander)}\n`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
