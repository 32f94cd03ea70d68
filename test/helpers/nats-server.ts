/**
 * The real Go nats-server, for side-by-side tests. CI installs it from Debian; tests
 * that need it skip when it is missing. `NATS_SERVER` may name another binary.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import net from "node:net";

export function natsServerBinary(): string | null {
  const candidates = [process.env.NATS_SERVER, "nats-server", "/usr/sbin/nats-server", "/usr/bin/nats-server"];
  for (const c of candidates) {
    if (!c) continue;
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  return null;
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface RunningNatsServer {
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts nats-server on 127.0.0.1 and a free port; resolves when it accepts connections. */
export async function startNatsServer(bin: string, extraArgs: string[] = []): Promise<RunningNatsServer> {
  const port = await freePort();
  const proc = spawn(bin, ["-a", "127.0.0.1", "-p", String(port), ...extraArgs], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error("nats-server did not start");
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}
