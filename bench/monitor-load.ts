/**
 * Bystander latency under monitoring load, tsnats against nats-server (issue 15, item 2):
 * 200,000 subscriptions (20 connections × 10,000), then rounds of 20 parallel
 * `/subsz?subs=1` and 20 parallel `/connz?subs=1` requests, while a bystander does
 * request/reply every 10 ms on the same server (test/helpers/bystander.ts). Prints the
 * bystander's p50/p90/max and timeouts during each load, and how long the dumps took.
 *
 * The probe is reusable for other loads: `measureDuring(url, load)` from the helper.
 *
 * Usage: `node dist/bench/monitor-load.js [--subs 200000] [--conns 20] [--parallel 20]
 * [--rounds 2] [--only tsnats|nats-server] [--loads subsz,connz] [--nats-server PATH]
 * [--tsnats-server path/to/tsnats-server.js]` (another build, e.g. a baseline).
 */
import { loadavg } from "node:os";
import { parseServerUrl } from "../src/bench/args.js";
import { RawConnection } from "../src/bench/raw-conn.js";
import { formatStats, measureDuring } from "../test/helpers/bystander.js";
import { defaultTsnatsServerPath, findNatsServer, freePort, startServer, waitIdle, type ServerSpec } from "./compare-servers.js";
import { parseFlags, runMain } from "./script-args.js";

interface Options {
  subs: number;
  conns: number;
  parallel: number;
  rounds: number;
  only: string;
  loads: string[];
  natsServer: string;
  tsnatsServer: string;
}

const USAGE =
  "Usage: node dist/bench/monitor-load.js [--subs 200000] [--conns 20] [--parallel 20] [--rounds 2]\n" +
  "       [--only tsnats|nats-server] [--loads subsz,connz] [--nats-server PATH] [--tsnats-server JS]\n";

function parseArgs(argv: string[]): Options {
  const o: Options = { subs: 200_000, conns: 20, parallel: 20, rounds: 2, only: "", loads: ["subsz", "connz"], natsServer: "", tsnatsServer: "" };
  parseFlags(argv, USAGE, {
    "--subs": (v) => (o.subs = Number(v)),
    "--conns": (v) => (o.conns = Math.max(1, Number(v))),
    "--parallel": (v) => (o.parallel = Math.max(1, Number(v))),
    "--rounds": (v) => (o.rounds = Math.max(1, Number(v))),
    "--only": (v) => (o.only = v),
    "--loads": (v) => (o.loads = v.split(",")),
    "--nats-server": (v) => (o.natsServer = v),
    "--tsnats-server": (v) => (o.tsnatsServer = v),
  });
  return o;
}

/** Opens `conns` connections holding `subs` subscriptions between them; resolves once the server has them all. */
async function subscribe(port: number, subs: number, conns: number): Promise<RawConnection[]> {
  const server = parseServerUrl(`nats://127.0.0.1:${port}`);
  if (typeof server === "string") throw new Error(server);
  const out: RawConnection[] = [];
  const per = Math.ceil(subs / conns);
  for (let c = 0; c < conns; c++) {
    const rc = new RawConnection(server, `holder-${c}`, new Uint8Array(16 * 1024));
    await rc.ready();
    const n = Math.min(per, subs - c * per);
    for (let i = 0; i < n; i += 1000) {
      let lines = "";
      for (let k = i; k < Math.min(n, i + 1000); k++) lines += `SUB load.${c}.${k} ${k + 1}\r\n`;
      rc.socket.write(lines);
      await rc.flush();
    }
    out.push(rc);
  }
  return out;
}

/** `parallel` GETs of `path` at once; resolves with the bytes received. */
async function dumps(monitorPort: number, path: string, parallel: number): Promise<number> {
  const sizes = await Promise.all(
    Array.from({ length: parallel }, async () => {
      const r = await fetch(`http://127.0.0.1:${monitorPort}${path}`);
      const text = await r.text();
      if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}: ${text.slice(0, 200)}`);
      return text.length;
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

async function runServer(spec: ServerSpec, monitorPort: number, o: Options): Promise<void> {
  const srv = await startServer(spec);
  try {
    const holders = await subscribe(srv.port, o.subs, o.conns);
    await waitIdle(srv.pid, 10_000);
    const url = `nats://127.0.0.1:${srv.port}`;
    const idle = await measureDuring(url, () => new Promise((r) => setTimeout(r, 1000)));
    process.stdout.write(`[${spec.name}] ${o.subs} subscriptions on ${o.conns} connections\n  idle:                         ${formatStats(idle.stats)}\n`);
    for (const load of o.loads) {
      const path = load === "connz" ? "/connz?subs=1" : "/subsz?subs=1";
      for (let round = 0; round < o.rounds; round++) {
        let bytes = 0;
        const r = await measureDuring(url, async () => {
          bytes = await dumps(monitorPort, path, o.parallel);
        });
        process.stdout.write(
          `  ${o.parallel}× ${path} round ${round + 1}: ${formatStats(r.stats)}; dumps took ${(r.loadMs / 1000).toFixed(2)} s, ${(bytes / 2 ** 20).toFixed(1)} MiB\n`,
        );
        await waitIdle(srv.pid, 10_000);
      }
    }
    for (const h of holders) h.close();
  } finally {
    await srv.stop();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  process.stdout.write(`monitor load: load ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  const ns = o.natsServer !== "" ? o.natsServer : findNatsServer();
  const tsPort = await freePort();
  const nsPort = await freePort();
  const specs: Array<[ServerSpec, number]> = [
    [{ name: "tsnats", argv: [process.execPath, o.tsnatsServer !== "" ? o.tsnatsServer : defaultTsnatsServerPath(), "-a", "127.0.0.1", "-p", "{port}", "-m", String(tsPort)] }, tsPort],
  ];
  if (ns !== null) specs.push([{ name: "nats-server", argv: [ns, "-a", "127.0.0.1", "-p", "{port}", "-m", String(nsPort)] }, nsPort]);
  for (const [spec, mport] of specs) {
    if (o.only !== "" && spec.name !== o.only) continue;
    await runServer(spec, mport, o);
  }
}

runMain(main);
