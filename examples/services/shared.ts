/** What the example services share: the client glue, their two flags, a clean stop. */
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { ServiceError, Svcm, type Service } from "@nats-io/services";

/**
 * A service manager on a transport-node connection. @nats-io/services 3.0.0-25 (its
 * latest release) carries its own pre-release copy of nats-core, so the two packages'
 * connection types differ on paper while being the same at runtime: the cast is the
 * whole of the glue.
 */
export function svcm(nc: NatsConnection): Svcm {
  return new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]);
}

/** The micro-protocol error a reply carries (`Nats-Service-Error` headers), if any. */
export function serviceError(m: Msg): ServiceError | null {
  return ServiceError.toServiceError(m as unknown as Parameters<typeof ServiceError.toServiceError>[0]);
}

function flagValue(names: string[]): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n) return argv[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

/** `-s/--server URL`, else `NATS_URL`, else localhost:4222. */
export function serverFlag(): string {
  return flagValue(["-s", "--server"]) ?? process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
}

/** `--instances N`. */
export function instancesFlag(dflt: number): number {
  const v = Number(flagValue(["--instances", "-n"]) ?? dflt);
  return Number.isInteger(v) && v > 0 ? v : dflt;
}

/** Waits for SIGINT/SIGTERM, then stops every service and drains its connection. */
export async function runUntilInterrupted(running: Array<{ nc: NatsConnection; svc: Service }>): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  for (const r of running) {
    await r.svc.stop();
    await r.nc.drain();
  }
}
