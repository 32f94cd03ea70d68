/**
 * The real Go nats-server, for side-by-side tests. CI installs it from Debian; tests
 * that need it skip when it is missing. `NATS_SERVER` may name another binary.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
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

/**
 * A free TCP port on 127.0.0.1 for a server a test will start later. It is drawn at random from
 * below the kernel's ephemeral range: a port the kernel handed out (listen(0)) and we released
 * is soon reused as the local port of some outgoing connection on a busy machine, and the server
 * then fails with EADDRINUSE. Outgoing connections never take ports outside that range.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  const from = Math.max(1024, low - 12_000);
  for (let i = 0; i < 200; i++) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found in ${from}-${low - 1}`);
}

/** Ports this process handed out, so two servers of one test never get the same one. */
const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 2048) return low;
  } catch {
    // Not Linux: use the IANA range's start.
  }
  return 49152;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
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
