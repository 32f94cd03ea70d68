/**
 * A calculator microservice built with the official `@nats-io/services` library:
 * endpoints `calc.add`, `calc.sub`, `calc.mul`, `calc.div`. A request is two numbers
 * ("2 3", "2,3" or "[2,3]"); the reply is the result as text. Errors (not two numbers,
 * division by zero) are micro-protocol errors (`Nats-Service-Error` headers), counted
 * in the stats that `tsnats micro stats` and the dashboard show.
 *
 * Every instance joins the endpoints' queue group, so requests are spread among the
 * instances that run. Run standalone:
 *
 *     node dist/examples/services/calculator.js --instances 3 [-s nats://127.0.0.1:4222]
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ServiceError, type Service, type ServiceMsg } from "@nats-io/services";
import { instancesFlag, runUntilInterrupted, serverFlag, svcm } from "./shared.js";

export const CALC_SERVICE = "calc";

/** Two numbers from "2 3", "2,3" or "[2,3]"; null when it is not exactly two numbers. */
export function parseOperands(text: string): [number, number] | null {
  const parts = text.replace(/[[\]]/g, " ").split(/[\s,]+/).filter((p) => p !== "");
  if (parts.length !== 2) return null;
  const a = Number(parts[0]);
  const b = Number(parts[1]);
  return Number.isFinite(a) && Number.isFinite(b) ? [a, b] : null;
}

const OPERATIONS: Record<string, (a: number, b: number) => number | string> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => (b === 0 ? "division by zero" : a / b),
};

/** Adds one calculator instance on `nc`. */
export async function addCalculator(nc: NatsConnection): Promise<Service> {
  const svc = await svcm(nc).add({
    name: CALC_SERVICE,
    version: "1.0.0",
    description: "Adds, subtracts, multiplies and divides two numbers",
    metadata: { example: "tsnats" },
  });
  const group = svc.addGroup("calc");
  for (const [name, op] of Object.entries(OPERATIONS)) {
    group.addEndpoint(name, {
      metadata: { request: "two numbers: '2 3'", reply: "the result" },
      handler: (err: Error | null, msg: ServiceMsg) => {
        if (err) return;
        // Thrown ServiceErrors are answered with error headers *and* counted in the
        // endpoint's num_errors / last_error; respondError() alone would not count.
        const operands = parseOperands(msg.string());
        if (operands === null) throw new ServiceError(400, "expected two numbers, e.g. '2 3'");
        const r = op(operands[0], operands[1]);
        if (typeof r === "string") throw new ServiceError(400, r);
        msg.respond(String(r));
      },
    });
  }
  return svc;
}

/** Starts `n` instances, each on its own connection (as separate processes would be). */
export async function startCalculators(servers: string, n: number): Promise<Array<{ nc: NatsConnection; svc: Service }>> {
  const out: Array<{ nc: NatsConnection; svc: Service }> = [];
  for (let i = 0; i < n; i++) {
    const nc = await connect({ servers, name: `calc-${i + 1}` });
    out.push({ nc, svc: await addCalculator(nc) });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = instancesFlag(3);
  const running = await startCalculators(serverFlag(), n);
  process.stderr.write(`calc: ${n} instance(s) running: ${running.map((r) => r.svc.info().id).join(", ")}\n`);
  await runUntilInterrupted(running);
}
