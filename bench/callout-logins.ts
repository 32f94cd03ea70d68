/**
 * Logins through the auth callout (config mode), against plain logins on the same tsnats
 * server: login rate, server CPU per login, and the server's event-loop delay while logins
 * arrive `--concurrency` at a time. The server runs in this process (so its event loop and
 * CPU are measured directly), the callout service in a child process. nats-server 2.9 has no
 * auth callout, so there is no nats-server column. Usage: `node dist/bench/callout-logins.js
 * [--logins 300] [--concurrency 16]`.
 */
import { spawn } from "node:child_process";
import { track } from "./children.js";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createAccount } from "@nats-io/jwt";
import { startServer } from "../src/index.js";
import { RawConn } from "../test/helpers/raw.js";
import { parseFlags, runMain } from "./script-args.js";

const USAGE = "Usage: node dist/bench/callout-logins.js [--logins 300] [--concurrency 16]\n";

async function login(port: number, user: string, pass: string): Promise<void> {
  const c = await RawConn.connect(port);
  c.send(`CONNECT {"verbose":false,"protocol":1,"user":"${user}","pass":"${pass}"}\r\nPING\r\n`);
  await c.waitFor((d) => d.includes("PONG") || d.includes("-ERR"), 10_000);
  if (!c.data.includes("PONG")) throw new Error(`login refused: ${c.data}`);
  c.close();
}

async function run(port: number, n: number, concurrency: number, user: string): Promise<{ perSec: number; cpuMsPerLogin: number; maxDelayMs: number; p99DelayMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await login(port, user, "pwd");
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  h.disable();
  return { perSec: (n / ms) * 1000, cpuMsPerLogin: (cpu.user + cpu.system) / 1000 / n, maxDelayMs: h.max / 1e6, p99DelayMs: h.percentile(99) / 1e6 };
}

runMain(async () => {
  const o = { logins: 300, concurrency: 16 };
  parseFlags(process.argv.slice(2), USAGE, {
    "--logins": (v) => (o.logins = Number(v)),
    "--concurrency": (v) => (o.concurrency = Number(v)),
  });
  const issuer = createAccount();
  const config = `authorization { timeout: 5, users: [ { user: auth, password: pwd } ], auth_callout { issuer: ${issuer.getPublicKey()}, auth_users: [ auth ] } }`;
  const server = await startServer({ port: 0, host: "127.0.0.1", config });
  const svc = track(spawn(process.execPath, [fileURLToPath(new URL("./callout-service.js", import.meta.url)), String(server.port), new TextDecoder().decode(issuer.getSeed())], { stdio: ["ignore", "pipe", "inherit"] }));
  try {
    await new Promise<void>((resolve, reject) => {
      svc.stdout!.once("data", () => resolve());
      svc.once("exit", (code) => reject(new Error(`service exited ${code}`)));
    });
    await run(server.port, 20, 4, "warm"); // warm-up through the callout
    const plain = await run(server.port, o.logins, o.concurrency, "auth");
    const callout = await run(server.port, o.logins, o.concurrency, "someone");
    const f = (r: typeof plain): string => `${r.perSec.toFixed(0)} logins/s, server CPU ${r.cpuMsPerLogin.toFixed(2)} ms/login, event loop delay max ${r.maxDelayMs.toFixed(1)} ms p99 ${r.p99DelayMs.toFixed(1)} ms`;
    console.log(`logins ${o.logins}, concurrency ${o.concurrency}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(`plain (auth_users):  ${f(plain)}`);
    console.log(`through the callout: ${f(callout)}`);
    console.log(`callout/plain login rate: ${(callout.perSec / plain.perSec).toFixed(2)}`);
  } finally {
    svc.kill();
    await server.close();
  }
});
