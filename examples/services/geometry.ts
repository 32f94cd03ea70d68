/**
 * A geometry microservice that calls another service: every endpoint computes by sending
 * requests to the calculator (`calc.mul`, `calc.add`), so `tsnats micro stats` and the
 * dashboard show the work flowing from one service into the other.
 *
 *     geometry.area.rect       "3 4"  -> 12        (calc.mul)
 *     geometry.area.circle     "2"    -> 12.566…   (calc.mul twice)
 *     geometry.perimeter.rect  "3 4"  -> 14        (calc.add, then calc.mul)
 *
 * A calculator error comes back as a 502 naming the failed call. The handlers answer
 * asynchronously, and @nats-io/services counts errors and processing time only for
 * the synchronous part of a handler, so this service's stats show requests but not
 * those 502s. Run standalone:
 *
 *     node dist/examples/services/geometry.js --instances 2 [-s nats://127.0.0.1:4222]
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ServiceError, type Service, type ServiceMsg } from "@nats-io/services";
import { instancesFlag, runUntilInterrupted, serverFlag, serviceError, svcm } from "./shared.js";

export const GEOMETRY_SERVICE = "geometry";
const CALL_TIMEOUT_MS = 2000;

/** Calls a calculator endpoint; throws with the calculator's error text. */
async function calc(nc: NatsConnection, op: string, a: number, b: number): Promise<number> {
  const m = await nc.request(`calc.${op}`, `${a} ${b}`, { timeout: CALL_TIMEOUT_MS });
  const err = serviceError(m);
  if (err) throw new Error(`calc.${op}: ${err.message}`);
  return Number(m.string());
}

function numbers(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter((p) => p !== "")
    .map(Number);
}

type Compute = (nc: NatsConnection, args: number[]) => Promise<number>;

const ENDPOINTS: Array<[group: string, name: string, arity: number, compute: Compute]> = [
  ["area", "rect", 2, (nc, [w, h]) => calc(nc, "mul", w!, h!)],
  ["area", "circle", 1, async (nc, [r]) => calc(nc, "mul", await calc(nc, "mul", r!, r!), Math.PI)],
  ["perimeter", "rect", 2, async (nc, [w, h]) => calc(nc, "mul", await calc(nc, "add", w!, h!), 2)],
];

/** Adds one geometry instance on `nc`; it calls the calculator over the same connection. */
export async function addGeometry(nc: NatsConnection): Promise<Service> {
  const svc = await svcm(nc).add({
    name: GEOMETRY_SERVICE,
    version: "1.0.0",
    description: "Areas and perimeters, computed by calling the calc service",
    metadata: { example: "tsnats", calls: "calc" },
  });
  const root = svc.addGroup("geometry");
  for (const [groupName, name, arity, compute] of ENDPOINTS) {
    // Endpoint names must be unique within a service: "area_rect", "perimeter_rect".
    root.addEndpoint(`${groupName}_${name}`, {
      subject: `${groupName}.${name}`,
      handler: (err: Error | null, msg: ServiceMsg) => {
        if (err) return;
        const args = numbers(msg.string());
        if (args.length !== arity || args.some((x) => !Number.isFinite(x))) {
          throw new ServiceError(400, `expected ${arity} number(s)`);
        }
        compute(nc, args).then(
          (r) => msg.respond(String(r)),
          (e: Error) => msg.respondError(502, e.message),
        );
      },
    });
  }
  return svc;
}

/** Starts `n` geometry instances, each on its own connection. */
export async function startGeometry(servers: string, n: number): Promise<Array<{ nc: NatsConnection; svc: Service }>> {
  const out: Array<{ nc: NatsConnection; svc: Service }> = [];
  for (let i = 0; i < n; i++) {
    const nc = await connect({ servers, name: `geometry-${i + 1}` });
    out.push({ nc, svc: await addGeometry(nc) });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = instancesFlag(2);
  const running = await startGeometry(serverFlag(), n);
  process.stderr.write(`geometry: ${n} instance(s) running: ${running.map((r) => r.svc.info().id).join(", ")}\n`);
  await runUntilInterrupted(running);
}
