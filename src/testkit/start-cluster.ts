/**
 * `startCluster`: builds a {@link Topology} (its clusters, gateways and leaf nodes, each
 * server's options pointing at the proxies) and starts it one server at a time.
 */
import { TsnatsError } from "../errors.js";
import type { StartServerOptions } from "../index.js";
import { Topology, until, type LeafSpec, type StartClusterOptions } from "./topology.js";
import type { TopologyNode } from "./topology-node.js";

/** A cluster to build: the first one's, or a gateway's. */
interface ClusterPlan {
  name: string;
  count: number;
  prefix: string;
  user: StartServerOptions;
}

/**
 * Starts a topology: `nodes` cluster servers meshed by routes, more clusters joined by
 * `gateways`, and `leafs` leaf nodes; resolves when every link is up. Close it with `close()`.
 *
 * ```ts
 * const t = await startCluster({ nodes: 3, leafs: [{ hub: 0 }] });
 * t.setLatency("n0", "n1", 40);
 * t.cut("n0", "n2");  // ...
 * t.heal("n0", "n2");
 * await t.close();
 * ```
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<Topology> {
  const plans: ClusterPlan[] = [{ name: opts.name ?? "cluster", count: opts.nodes ?? 3, prefix: "n", user: opts.server ?? {} }];
  for (const g of opts.gateways ?? []) plans.push({ name: g.name, count: g.nodes ?? 1, prefix: g.name, user: g.server ?? {} });
  for (const p of plans) {
    if (!Number.isInteger(p.count) || p.count < 1) throw new TsnatsError("ERR_TOPOLOGY", `cluster ${p.name}: nodes must be a positive integer, not ${p.count}`);
    if (plans.filter((q) => q.name === p.name).length > 1) throw new TsnatsError("ERR_TOPOLOGY", `two clusters named "${p.name}"`);
  }
  const t = new Topology(plans[0]!.name);
  try {
    const hubs = hubClusters(plans, opts.leafs ?? []);
    for (const p of plans) await addCluster(t, p, plans, hubs.has(p.name) || p.user.leafnodes !== undefined);
    await addLeafs(t, opts.leafs ?? []);
    for (const n of t.all) await startOne(t, n, opts.readyTimeoutMs);
    await t.ready(opts.readyTimeoutMs);
  } catch (err) {
    await t.close();
    throw err;
  }
  return t;
}

/** The clusters that leaf nodes connect to (their nodes listen for leaf nodes). */
function hubClusters(plans: readonly ClusterPlan[], leafs: readonly LeafSpec[]): Set<string> {
  const out = new Set<string>();
  for (const l of leafs) {
    const hub = l.hub ?? 0;
    if (typeof hub === "number") out.add(plans[0]!.name);
    else for (const p of plans) if (Array.from({ length: p.count }, (_, i) => `${p.prefix}${i}`).includes(hub)) out.add(p.name);
  }
  return out;
}

/**
 * Starts one server, linked before the next starts. Two servers that dial each other at
 * the same moment may each keep the other's connection and both drop theirs (nats-server's
 * duplicate route resolution), which costs a redial (~1 s). So a server's first dials to
 * the servers of its cluster not started yet are let fail first (refused, they are retried
 * later and found duplicate), and the later servers' own dials make the routes.
 */
async function startOne(t: Topology, n: TopologyNode, timeoutMs: number | undefined): Promise<void> {
  const later = t.cluster(n.cluster).filter((x) => !x.running && x !== n && x.routeIngress !== null).map((x) => x.routeIngress!);
  const before = later.map((i) => i.refused);
  await n.start();
  if (n.routeIngress !== null) await until(() => later.every((i, k) => i.refused > before[k]!), 2000, () => "").catch(() => {});
  // Gateways later: a gateway dialed to a cluster not started yet waits for it.
  await t.waitLinked(false, timeoutMs);
}

/** `user:password@` for a URL, or "". */
function credentials(user: string | undefined, password: string | undefined): string {
  return user !== undefined ? `${encodeURIComponent(user)}:${encodeURIComponent(password ?? "")}@` : "";
}

async function addCluster(t: Topology, plan: ClusterPlan, plans: readonly ClusterPlan[], hub: boolean): Promise<void> {
  const user = plan.user;
  const routed = plan.count > 1;
  const gatewayed = plans.length > 1;
  for (let i = 0; i < plan.count; i++) {
    await t.addNode(`${plan.prefix}${i}`, plan.name, { route: routed, leaf: hub, gateway: gatewayed }, (n) => {
      const o: StartServerOptions = { ...user, serverName: n.name, host: "127.0.0.1", port: n.port("client"), clientAdvertise: n.clientAdvertise };
      if (user.httpPort !== undefined && user.httpPort !== 0) o.httpPort = n.port("http");
      if (routed) {
        const c = user.cluster ?? {};
        const auth = credentials(c.username, c.password);
        const routes = t.cluster(plan.name).filter((p) => p !== n).map((p) => `nats-route://${auth}${p.routeIngress!.address}`);
        o.cluster = { ...c, name: plan.name, host: "127.0.0.1", port: n.port("route"), advertise: n.routeIngress!.address, routes };
      }
      if (hub) o.leafnodes = { ...(user.leafnodes ?? {}), host: "127.0.0.1", port: n.port("leaf"), advertise: n.leafIngress!.address };
      if (gatewayed) {
        const g = user.gateway ?? {};
        const auth = credentials(g.username, g.password);
        const gateways = t.clusters.filter((c) => c !== plan.name).map((c) => ({ name: c, urls: t.cluster(c).map((p) => `nats://${auth}${p.gatewayIngress!.address}`) }));
        o.gateway = { solicitDelayMs: 20, ...g, name: plan.name, host: "127.0.0.1", port: n.port("gateway"), advertise: n.gatewayIngress!.address, gateways };
      }
      return o;
    });
  }
}

async function addLeafs(t: Topology, specs: readonly LeafSpec[]): Promise<void> {
  for (const [i, spec] of specs.entries()) {
    const ref = spec.hub ?? 0;
    const hub = typeof ref === "number" ? t.nodes[ref] : t.clusterNodes.find((n) => n.name === ref);
    if (hub === undefined) throw new TsnatsError("ERR_TOPOLOGY", `leaf ${i}: no cluster node ${ref}`);
    const user = spec.server ?? {};
    await t.addNode(spec.name ?? `leaf${i}`, "", { route: false, leaf: false, gateway: false }, (n) => {
      const remote = { urls: [`nats-leaf://${credentials(spec.user, spec.password)}${hub.leafIngress!.address}`], account: spec.account };
      const leafnodes = { ...(user.leafnodes ?? {}), remotes: [remote, ...(user.leafnodes?.remotes ?? [])] };
      return { ...user, serverName: n.name, host: "127.0.0.1", port: n.port("client"), clientAdvertise: n.clientAdvertise, leafnodes };
    });
  }
}
