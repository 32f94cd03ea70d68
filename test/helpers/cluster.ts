/**
 * Small clusters of tsnats servers in this process, for route and leaf node tests: each
 * node a full server on free ports of 127.0.0.1, routes to the first (the seed) and
 * meshing by gossip.
 */
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";
import { waitFor } from "./wait-for.js";

export interface TestCluster {
  nodes: NatsServer[];
  /** The seed's route URL, for more nodes to join with. */
  seedRoute: string;
  close(): Promise<void>;
}

/** Route port of a running server (0 when it has no route listener). */
export function routePort(s: NatsServer): number {
  return s.server.routes?.listenPort ?? 0;
}

/** Starts a node of cluster `name` with routes to `routes`. */
export function startNode(name: string, routes: string[], extra: StartServerOptions = {}): Promise<NatsServer> {
  const { cluster, ...rest } = extra;
  return startServer({
    port: -1,
    host: "127.0.0.1",
    ...rest,
    cluster: { name, host: "127.0.0.1", port: -1, routes, ...(cluster ?? {}) },
  });
}

/** Waits until every node has a route to every other, each pool full (pooled and pinned routes). */
export async function waitMeshed(nodes: readonly NatsServer[], timeoutMs = 10_000): Promise<void> {
  await waitFor(() => nodes.every((n) => n.server.routes !== null && n.server.routes.remotes.size === nodes.length - 1 && n.server.routes.poolsComplete()), {
    timeoutMs,
    what: `full mesh of ${nodes.length}: ${nodes.map((n) => n.server.routes?.remotes.size).join(",")}`,
  });
}

/** `n` nodes: the first is the seed, the others are given only the seed's route. */
export async function startCluster(n: number, name = "test", extra: StartServerOptions = {}): Promise<TestCluster> {
  const seed = await startNode(name, [], extra);
  const seedRoute = `nats-route://127.0.0.1:${routePort(seed)}`;
  const nodes = [seed];
  for (let i = 1; i < n; i++) nodes.push(await startNode(name, [seedRoute], extra));
  await waitMeshed(nodes);
  return {
    nodes,
    seedRoute,
    close: async () => {
      await Promise.all(nodes.map((s) => s.close()));
    },
  };
}

/** Waits until `subject` has interest on every node (a subscription made anywhere has propagated). */
export async function waitInterest(nodes: readonly NatsServer[], subject: string, account = "$G"): Promise<void> {
  await waitFor(() => nodes.every((n) => n.server.accounts.get(account)!.sublist.hasInterest(subject)), {
    what: `interest in ${subject} on every node`,
  });
}
