/**
 * The whole picture in one command: an embedded tsnats server with monitoring, three
 * calculator and two geometry instances, and a client sending a steady trickle of
 * requests (a few of them bad, so errors show up). Open the printed dashboard URL, or
 * run `tsnats micro ls -s <url>` in another terminal.
 *
 *     node dist/examples/services/demo.js [--rate 50] [--seconds 0 (= until Ctrl-C)]
 */
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { startCalculators } from "./calculator.js";
import { startGeometry } from "./geometry.js";

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  return Number.isFinite(v) && v >= 0 ? v : dflt;
}

/** What a demo run started, so tests can drive and stop it. */
export interface Demo {
  clientURL: string;
  monitorURL: string;
  /** Requests sent so far by the load client. */
  sent(): number;
  stop(): Promise<void>;
}

/**
 * Starts the demo. `ratePerSec` requests a second are sent, cycling through the
 * endpoints; every tenth is malformed. `port`/`httpPort` -1 pick free ports.
 */
export async function startDemo(opts: { ratePerSec?: number; port?: number; httpPort?: number } = {}): Promise<Demo> {
  const server = await startServer({ host: "127.0.0.1", port: opts.port ?? -1, httpPort: opts.httpPort ?? -1 });
  const calcs = await startCalculators(server.clientURL, 3);
  const geos = await startGeometry(server.clientURL, 2);
  const client = await connect({ servers: server.clientURL, name: "demo-load" });
  const calls: Array<[string, string]> = [
    ["calc.add", "2 3"],
    ["calc.mul", "6 7"],
    ["calc.div", "1 4"],
    ["geometry.area.rect", "3 4"],
    ["geometry.area.circle", "2"],
    ["geometry.perimeter.rect", "3 4"],
    ["calc.sub", "10 4"],
    ["calc.div", "1 0"],
    ["geometry.area.circle", "1"],
    ["calc.add", "not numbers"],
  ];
  let sent = 0;
  const rate = opts.ratePerSec ?? 50;
  const timer =
    rate > 0
      ? setInterval(() => {
          const [subject, body] = calls[sent % calls.length]!;
          sent++;
          client.request(subject, body, { timeout: 2000 }).catch(() => {});
        }, Math.max(1, Math.round(1000 / rate)))
      : null;
  return {
    clientURL: server.clientURL,
    monitorURL: `http://127.0.0.1:${server.httpPort ?? 0}/`,
    sent: () => sent,
    stop: async () => {
      if (timer) clearInterval(timer);
      await client.close();
      for (const r of [...calcs, ...geos]) {
        await r.svc.stop();
        await r.nc.close();
      }
      await server.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = flag("--seconds", 0);
  const demo = await startDemo({ ratePerSec: flag("--rate", 50), port: flag("--port", -1) || -1, httpPort: flag("--http-port", -1) || -1 });
  process.stdout.write(
    `tsnats demo running\n  clients:   ${demo.clientURL}\n  dashboard: ${demo.monitorURL}\n` +
      `  try:       node dist/src/cli/tsnats.js micro ls -s ${demo.clientURL}\n` +
      `             node dist/src/cli/tsnats.js req calc.add "2 3" -s ${demo.clientURL}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
    if (seconds > 0) setTimeout(resolve, seconds * 1000);
  });
  await demo.stop();
}
