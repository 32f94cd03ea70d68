/**
 * Cross-node traffic, a tsnats cluster against a nats-server cluster in the same run
 * (`node dist/bench/compare-cluster.js`).
 *
 * Each cluster is two servers, each its own process in its own session (setsid, as a
 * service runs), routed to each other. Scenarios, alternating which cluster goes first:
 *   - xnode-16B, xnode-1KiB: one publisher on node A, one subscriber on node B, so every
 *     message crosses the route (RMSG);
 *   - xnode-req: request/reply with one request in flight, requester on A, responder on B
 *     (each request and each reply crosses the route): latency percentiles.
 * Each scenario first runs once unrecorded on each cluster (a tenth of its messages) to
 * warm up. Reported: messages per second and both servers' CPU time per message (from /proc, so a
 * busy machine moves it less than wall time), as tsnats / nats-server ratios (throughput:
 * higher is better; CPU and latency: lower is better). Load is printed before and after.
 *
 * With --gateway the two servers are not routed but two clusters (A and B) linked by a
 * gateway, so every message crosses the gateway (gateway RMSG, interest-only mode).
 *
 * Options: --rounds N (3), --scale F (1.0; multiplies message counts), --only a,b, --gateway.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { track } from "./children.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseServerUrl, type BenchOptions, type ServerAddress } from "../src/bench/args.js";
import { readCpuSeconds } from "../src/bench/proc.js";
import { runBench } from "../src/bench/runner.js";
import { defaultTsnatsServerPath, findNatsServer, freePort } from "./compare-servers.js";

interface Scenario {
  name: string;
  request: boolean;
  sizeBytes: number;
  msgs: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: "xnode-16B", request: false, sizeBytes: 16, msgs: 2_000_000 },
  { name: "xnode-1KiB", request: false, sizeBytes: 1024, msgs: 400_000 },
  { name: "xnode-req", request: true, sizeBytes: 16, msgs: 20_000 },
];

interface Node {
  pid: number;
  port: number;
  http: number;
  proc: ChildProcess;
}

interface Cluster {
  name: string;
  a: Node;
  b: Node;
  dir: string;
  /** A and B are two clusters linked by a gateway, not one routed cluster. */
  gateway: boolean;
}

/** The link block of a node: a route to the other node, or (gateway mode) a gateway named after the node, A dialing B. */
function linkBlock(name: string, other: number, own: number, gateway: boolean): string {
  if (!gateway) return `cluster { name: bench, listen: 127.0.0.1:${own}, routes: ["nats-route://127.0.0.1:${other}"] }\n`;
  const remotes = name === "A" ? `, gateways: [ { name: B, url: "nats://127.0.0.1:${other}" } ]` : "";
  return `gateway { name: ${name}, listen: "127.0.0.1:${own}"${remotes} }\n`;
}

async function spawnNode(argv: string[], dir: string, name: string, routeTo: number, own: { port: number; http: number; cluster: number }, gateway: boolean): Promise<Node> {
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, `server_name: ${name}\nlisten: 127.0.0.1:${own.port}\nhttp: 127.0.0.1:${own.http}\n` + linkBlock(name, routeTo, own.cluster, gateway));
  // detached: its own session, so a signal to the bench's group never reaches it; track()
  // kills it on every way out (a mesh that never forms, SIGINT...).
  const proc = track(spawn(argv[0]!, [...argv.slice(1), "-c", conf], { stdio: "ignore", detached: true }));
  return { pid: proc.pid!, port: own.port, http: own.http, proc };
}

async function getJson(port: number, path: string): Promise<Record<string, unknown> | null> {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

async function until(what: string, pred: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startCluster(name: string, argv: string[], gateway: boolean): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), `bench-cluster-${name}-`));
  const pa = { port: await freePort(), http: await freePort(), cluster: await freePort() };
  const pb = { port: await freePort(), http: await freePort(), cluster: await freePort() };
  const a = await spawnNode(argv, dir, "A", pb.cluster, pa, gateway);
  const b = await spawnNode(argv, dir, "B", pa.cluster, pb, gateway);
  const c: Cluster = { name, a, b, dir, gateway };
  try {
    await waitLinked(c);
  } catch (e) {
    await stopCluster(c);
    throw e;
  }
  return c;
}

/** Resolves once the two nodes are linked: routes meshed, or (gateway mode) both gateways out. */
async function waitLinked({ name, a, b, gateway }: Cluster): Promise<void> {
  if (gateway) {
    const out = async (n: Node): Promise<number> => Object.keys(((await getJson(n.http, "/gatewayz"))?.outbound_gateways ?? {}) as object).length;
    await until(`${name} gateways`, async () => (await out(a)) === 1 && (await out(b)) === 1);
  } else {
    const routes = async (n: Node): Promise<number> => Number((await getJson(n.http, "/routez"))?.num_routes ?? 0);
    // tsnats pools as nats-server 2.10 does (pool_size 3, plus the system account's pinned
    // route); nats-server 2.9 keeps one route.
    const want = name === "tsnats" ? 4 : 1;
    await until(`${name} to mesh`, async () => (await routes(a)) === want && (await routes(b)) === want);
  }
}

async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all(
    [c.a, c.b].map(
      (n) =>
        new Promise<void>((resolve) => {
          if (n.proc.exitCode !== null) return resolve();
          n.proc.once("exit", () => resolve());
          n.proc.kill("SIGTERM");
          setTimeout(() => n.proc.kill("SIGKILL"), 5000).unref();
        }),
    ),
  );
  rmSync(c.dir, { recursive: true, force: true });
}

function address(port: number): ServerAddress {
  const a = parseServerUrl(`nats://127.0.0.1:${port}`);
  if (typeof a === "string") throw new Error(a);
  return a;
}

/**
 * Whether A's outbound gateway knows B's subscriptions (/gatewayz accs=1): in interest-only
 * mode the bench's subscriber (or responder) is B's only one in $G.
 */
async function gatewayInterest(node: Node): Promise<boolean> {
  const out = (await getJson(node.http, "/gatewayz?accs=1"))?.outbound_gateways as Record<string, { accounts?: Array<{ name: string; num_subs?: number }> }> | undefined;
  return (out?.B?.accounts ?? []).some((a) => a.name === "$G" && (a.num_subs ?? 0) > 0);
}

/** Whether `node`'s route carries interest in `subject` (/routez subs=1, on either server). */
async function routeInterest(node: Node, subject: string): Promise<boolean> {
  const routes = (await getJson(node.http, "/routez?subs=1"))?.routes;
  if (!Array.isArray(routes)) return false;
  return routes.some((r: { subscriptions_list?: string[] }) => (r.subscriptions_list ?? []).includes(subject));
}

interface Sample {
  rate: number;
  cpuUsPerMsg: number;
  p50Us: number;
  p99Us: number;
  complete: boolean;
}

async function runOne(sc: Scenario, c: Cluster, msgs: number): Promise<Sample> {
  const subject = `xnode.${sc.name}.${Date.now().toString(36)}`;
  const o: BenchOptions = {
    subject,
    pubs: 1,
    subs: 1,
    msgs,
    sizeBytes: sc.sizeBytes,
    queue: false,
    request: sc.request,
    window: 1,
    url: `nats://127.0.0.1:${c.b.port}`,
    server: address(c.b.port),
    pubServer: address(c.a.port),
    json: false,
    timeoutMs: 120_000,
    connections: 0,
    serverPid: 0,
  };
  const cpu = (): number => (readCpuSeconds(c.a.pid) ?? 0) + (readCpuSeconds(c.b.pid) ?? 0);
  let cpu0 = 0;
  const r = await runBench(o, async () => {
    // The subscriber's interest must have reached A (the route's RS+), and the requester's
    // reply interest B, before the first message goes.
    await until("interest on A", () => (c.gateway ? gatewayInterest(c.a) : routeInterest(c.a, subject)));
    // The previous run's subscriber left long before (its RS- went first); settle anyway.
    if (c.gateway) await new Promise((r) => setTimeout(r, 200));
    if (sc.request) await new Promise((r) => setTimeout(r, 300));
    cpu0 = cpu();
  });
  const cpuS = cpu() - cpu0;
  const moved = sc.request ? r.received * 2 : r.received;
  return {
    rate: sc.request ? r.pubStats.msgsPerSec : r.subStats.msgsPerSec,
    cpuUsPerMsg: moved > 0 ? (cpuS * 1e6) / moved : 0,
    p50Us: r.latency?.p50Us ?? 0,
    p99Us: r.latency?.p99Us ?? 0,
    complete: !r.timedOut && r.errors.length === 0,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function parseArgs(args: string[]): { rounds: number; scale: number; only: string[]; gateway: boolean } {
  const o = { rounds: 3, scale: 1, only: [] as string[], gateway: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = (): string => args[++i] ?? "";
    if (a === "--rounds") o.rounds = Math.max(1, Number(v()));
    else if (a === "--scale") o.scale = Number(v());
    else if (a === "--only") o.only = v().split(",");
    else if (a === "--gateway") o.gateway = true;
    else if (a === "-h" || a === "--help") {
      process.stdout.write(`Usage: node dist/bench/compare-cluster.js [--rounds N] [--scale F] [--only a,b] [--gateway]\nScenarios: ${SCENARIOS.map((s) => s.name).join(", ")}\n`);
      process.exit(0);
    } else throw new Error(`unknown option '${a}'`);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const ns = findNatsServer();
  if (ns === null) throw new Error("nats-server not found");
  const specs: Array<[string, string[]]> = [
    ["nats-server", [ns]],
    ["tsnats", [process.execPath, defaultTsnatsServerPath()]],
  ];
  process.stdout.write(`# load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}, rounds ${o.rounds}, scale ${o.scale}\n`);
  const clusters = new Map<string, Cluster>();
  if (o.gateway) process.stdout.write(`# topology: two clusters linked by a gateway\n`);
  try {
    for (const [name, argv] of specs) clusters.set(name, await startCluster(name, argv, o.gateway));
    for (const sc of SCENARIOS.filter((s) => o.only.length === 0 || o.only.some((p) => s.name.startsWith(p)))) {
      const msgs = Math.max(100, Math.round(sc.msgs * o.scale));
      const samples = new Map<string, Sample[]>(specs.map(([n]) => [n, []]));
      // One unrecorded warm-up run each, so JIT compilation is not measured as the route's cost.
      for (const [name] of specs) await runOne(sc, clusters.get(name)!, Math.max(100, Math.round(msgs / 10)));
      for (let round = 0; round < o.rounds; round++) {
        const order = round % 2 === 0 ? specs : [...specs].reverse();
        for (const [name] of order) {
          const s = await runOne(sc, clusters.get(name)!, msgs);
          if (!s.complete) process.stdout.write(`  ! ${sc.name} on ${name} did not complete\n`);
          samples.get(name)!.push(s);
        }
      }
      report(sc, samples);
    }
  } finally {
    for (const c of clusters.values()) await stopCluster(c);
  }
  process.stdout.write(`# load average after ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
}

function report(sc: Scenario, samples: Map<string, Sample[]>): void {
  const m = (name: string, f: (s: Sample) => number): number => median(samples.get(name)!.map(f));
  const ratio = (f: (s: Sample) => number): string => {
    const d = m("nats-server", f);
    return d > 0 ? (m("tsnats", f) / d).toFixed(2) : "-";
  };
  const unit = sc.request ? "req/s" : "msgs/s";
  const line = (name: string): string =>
    `${name.padEnd(12)} ${Math.round(m(name, (s) => s.rate)).toString().padStart(9)} ${unit}  cpu ${m(name, (s) => s.cpuUsPerMsg).toFixed(2)} µs/msg` +
    (sc.request ? `  p50 ${m(name, (s) => s.p50Us).toFixed(0)} µs  p99 ${m(name, (s) => s.p99Us).toFixed(0)} µs` : "");
  process.stdout.write(`${sc.name}\n  ${line("nats-server")}\n  ${line("tsnats")}\n`);
  process.stdout.write(`  ratio tsnats/nats-server: rate ${ratio((s) => s.rate)} (higher better), cpu ${ratio((s) => s.cpuUsPerMsg)} (lower better)`);
  process.stdout.write(sc.request ? `, p50 ${ratio((s) => s.p50Us)}, p99 ${ratio((s) => s.p99Us)} (lower better)\n` : "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`compare-cluster: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
