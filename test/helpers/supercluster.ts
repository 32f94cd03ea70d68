/**
 * Superclusters of tsnats in this process, for gateway tests: clusters of nodes on free
 * ports of 127.0.0.1, each node with a gateway named after its cluster. Only the first
 * node of each cluster after the first is given a gateway URL (the first cluster's seed);
 * every other link is learned by gossip (implicit gateways), as nats-server meshes.
 */
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";
import { routePort } from "./cluster.js";
import { waitFor } from "./wait-for.js";

export interface SuperCluster {
  /** Nodes by cluster, in the order of `names`. */
  clusters: NatsServer[][];
  all: NatsServer[];
  close(): Promise<void>;
}

export function gatewayPort(s: NatsServer): number {
  return s.server.gateways?.listenPort ?? 0;
}

/** Starts one node of cluster `name`: routes to `seedRoute` (if any), gateways to `remotes`. */
export async function startGatewayNode(
  name: string,
  seedRoute: string | null,
  remotes: Array<{ name: string; urls: string[] }>,
  extra: StartServerOptions = {},
): Promise<NatsServer> {
  const { gateway, ...rest } = extra;
  return startServer({
    port: -1,
    host: "127.0.0.1",
    ...rest,
    cluster: { name, host: "127.0.0.1", port: -1, routes: seedRoute !== null ? [seedRoute] : [] },
    gateway: { name, host: "127.0.0.1", port: -1, solicitDelayMs: 20, gateways: remotes, ...(gateway ?? {}) },
  });
}

/** `sizes[i]` nodes in cluster `names[i]`, linked by gateways; waits for the full mesh. */
export async function startSuperCluster(names: string[], sizes: number[], extra: StartServerOptions = {}): Promise<SuperCluster> {
  const clusters: NatsServer[][] = [];
  for (let c = 0; c < names.length; c++) {
    const remotes = c === 0 ? [] : [{ name: names[0]!, urls: [`nats://127.0.0.1:${gatewayPort(clusters[0]![0]!)}`] }];
    const seed = await startGatewayNode(names[c]!, null, remotes, extra);
    const nodes = [seed];
    const seedRoute = `nats-route://127.0.0.1:${routePort(seed)}`;
    for (let i = 1; i < sizes[c]!; i++) nodes.push(await startGatewayNode(names[c]!, seedRoute, [], extra));
    clusters.push(nodes);
  }
  const all = clusters.flat();
  await waitGatewaysMeshed(clusters);
  return { clusters, all, close: async () => void (await Promise.all(all.map((s) => s.close()))) };
}

/** Every node has an outbound gateway to every other cluster and its routes to its own. */
export async function waitGatewaysMeshed(clusters: NatsServer[][], timeoutMs = 15_000): Promise<void> {
  const total = clusters.flat().length;
  await waitFor(
    () =>
      clusters.every((nodes) =>
        nodes.every((n) => {
          const gw = n.server.gateways!;
          const inbound = clusters.filter((c) => c !== nodes).reduce((k, c) => k + c.length, 0);
          const inHere = nodes.reduce((k, m) => k + m.server.gateways!.inbound.size, 0);
          return gw.out.size === clusters.length - 1 && inHere === inbound && (n.server.routes?.remotes.size ?? 0) === nodes.length - 1 && (n.server.routes?.poolsComplete() ?? true);
        }),
      ),
    { timeoutMs, what: `gateway mesh of ${total} servers` },
  );
}

/**
 * Waits until every node outside `cluster` sees interest in `subject` (and `queue`) on its
 * outbound gateway to that cluster.
 */
export async function waitGatewayInterest(sc: SuperCluster, cluster: string, subject: string, queue: string | null = null, account = "$G"): Promise<void> {
  await waitFor(
    () =>
      sc.all.every((n) => {
        const gm = n.server.gateways!;
        if (gm.name === cluster) return true;
        const out = gm.out.get(cluster);
        if (out === undefined) return false;
        const e = out.outsim!.accounts.get(account);
        if (queue !== null) return e?.subs.has(`${subject} ${queue}`) === true;
        return out.outsim!.interest(account, subject);
      }),
    { what: `interest of cluster ${cluster} in ${subject}${queue !== null ? ` (${queue})` : ""}` },
  );
}
