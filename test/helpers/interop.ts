/**
 * What the interop tests against the real nats-server share (test/interop cluster,
 * gateway, leafnode): a nats-server started from a config file with monitoring on, its
 * monitoring endpoints as JSON, and the warm-up that waits until interest has spread
 * over a mixed topology (publish from every connection until every subscriber heard
 * every publisher), since nats-server gives no hook for "interest has propagated".
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { freePort, startNatsServer } from "./nats-server.js";
import { waitFor } from "./wait-for.js";

/** A nats-server of an interop test: its client URL, monitoring port and stop. */
export interface InteropNatsServer {
  name: string;
  clientURL: string;
  monitorPort: number;
  stop(): Promise<void>;
}

/**
 * Starts `bin` with `lines` as its config file (plus `server_name` and monitoring on a free
 * port), on a free client port of 127.0.0.1; the file goes when the server stops.
 */
export async function startNatsServerConf(bin: string, name: string, lines: readonly string[]): Promise<InteropNatsServer> {
  const monitorPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "tsnats-interop-"));
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, [`server_name: ${name}`, `http: "127.0.0.1:${monitorPort}"`, ...lines].join("\n") + "\n");
  let ns;
  try {
    ns = await startNatsServer(bin, ["-c", file]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    name,
    clientURL: `nats://127.0.0.1:${ns.port}`,
    monitorPort,
    stop: async () => {
      await ns.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One monitoring endpoint of a nats-server (`/routez`, `/gatewayz?accs=1`...) as JSON. */
export async function monitorJson<T>(n: { monitorPort: number }, path: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${n.monitorPort}${path}`)).json()) as T;
}

/** Publishes from every connection until every subscriber of `subject` heard every publisher. */
export async function warmUp(conns: readonly NatsConnection[], subject: string, timeoutMs = 15_000): Promise<void> {
  const heard = conns.map(() => new Set<number>());
  const subs = conns.map((c, i) => c.subscribe(subject, { callback: (_e, m) => void heard[i]!.add(Number(m.string())) }));
  await Promise.all(conns.map((c) => c.flush()));
  await waitFor(
    async () => {
      conns.forEach((c, i) => c.publish(subject, String(i)));
      await Promise.all(conns.map((c) => c.flush()));
      await new Promise((r) => setTimeout(r, 50));
      return heard.every((h) => h.size === conns.length);
    },
    { timeoutMs, what: `interest on ${subject} everywhere` },
  );
  for (const s of subs) s.unsubscribe();
}
