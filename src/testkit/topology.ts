/**
 * `startCluster`: a whole NATS topology in this process (a cluster of route-meshed servers
 * and leaf nodes hanging off it), with the network between servers under the test's
 * control: cut and heal a link, add latency, pause a server, stop and restart one on the
 * same ports.
 *
 * Each server is a full tsnats server on its own ports of 127.0.0.1. Nothing connects to a
 * server directly: clients go through the node's client proxy (its `clientURL`, also
 * advertised to clients in INFO `connect_urls`), and servers through the target's ingress
 * (advertised as the cluster and leaf node address), which names the caller and puts the
 * connection on the link between the two (see ingress.ts). So a fault on a link applies to
 * every connection between two servers, however it was learned.
 */
import { TsnatsError } from "../errors.js";
import type { StartServerOptions } from "../index.js";
import { Ingress } from "./ingress.js";
import type { LinkProxy } from "./link-proxy.js";
import { TopologyLink } from "./topology-link.js";
import { TopologyNode } from "./topology-node.js";

/** A leaf node: a server with one remote to a node of the cluster. */
export interface LeafSpec {
  /** Its name (default `leaf<i>`). */
  name?: string;
  /** Index of the cluster node it connects to (default 0). It may fail over to the others. */
  hub?: number;
  /** The leaf's local account bound to the hub (default `$G`). */
  account?: string;
  /** User and password in the remote URL, for a hub whose `leafnodes` block has users. */
  user?: string;
  password?: string;
  /** Any other option of the leaf's server. */
  server?: StartServerOptions;
}

/** Another cluster joined by gateways (not served yet: gateways have not landed). */
export interface GatewaySpec {
  name: string;
  nodes?: number;
}

export interface StartClusterOptions {
  /** Servers in the cluster, every one routed to every other (default 3). */
  nodes?: number;
  /** Cluster name (default `cluster`); nodes are named `n0`, `n1`... */
  name?: string;
  leafs?: LeafSpec[];
  gateways?: GatewaySpec[];
  /**
   * Options for every cluster node (accounts, users, a logger...). Its `cluster` and
   * `leafnodes` blocks are merged with the topology's (listen, advertise, routes).
   */
  server?: StartServerOptions;
  /** How long start-up may take for every link to be up (default 10 s). */
  readyTimeoutMs?: number;
}

/** A node: by name (`n0`, `leaf0`), or the node itself. */
export type NodeRef = string | TopologyNode;

/** See the module comment. */
export class Topology {
  /** The cluster's servers, in order. */
  readonly nodes: TopologyNode[] = [];
  readonly leafs: TopologyNode[] = [];
  private readonly links = new Map<string, TopologyLink>();
  private closed = false;

  constructor(readonly clusterName: string) {}

  /** Every server: the cluster's, then the leaf nodes. */
  get all(): TopologyNode[] {
    return [...this.nodes, ...this.leafs];
  }

  node(ref: NodeRef): TopologyNode {
    if (typeof ref !== "string") return ref;
    const n = this.all.find((x) => x.name === ref);
    if (n === undefined) throw new TsnatsError("ERR_TOPOLOGY", `no node named "${ref}"`);
    return n;
  }

  /** The link between two servers (made on first use; faults set before a connection apply to it). */
  link(a: NodeRef, b: NodeRef): TopologyLink {
    const na = this.node(a);
    const nb = this.node(b);
    if (na === nb) throw new TsnatsError("ERR_TOPOLOGY", `no link from ${na.name} to itself`);
    const [x, y] = this.all.indexOf(na) < this.all.indexOf(nb) ? [na, nb] : [nb, na];
    const key = `${x.name} ${y.name}`;
    let l = this.links.get(key);
    if (l === undefined) {
      l = new TopologyLink(x, y);
      this.links.set(key, l);
    }
    return l;
  }

  /** Partitions `a` from `b` (both ways) until {@link heal}; bytes in flight are held, not lost. */
  cut(a: NodeRef, b: NodeRef): void {
    this.link(a, b).cutLink();
  }

  heal(a: NodeRef, b: NodeRef): void {
    this.link(a, b).heal();
  }

  /** One-way latency between `a` and `b` in ms, both ways (or only from `a` with `oneWay`). */
  setLatency(a: NodeRef, b: NodeRef, ms: number, oneWay = false): void {
    this.link(a, b).setLatency(ms, oneWay ? this.node(a) : undefined);
  }

  /**
   * Freezes a server as SIGSTOP would, seen from outside: nothing it writes reaches anyone
   * and nothing sent to it is read (held, not lost); new connections to it wait. Its own
   * timers still run.
   */
  pause(ref: NodeRef): void {
    const n = this.node(ref);
    n.setPaused(true);
    for (const l of this.linksOf(n)) l.update();
  }

  resume(ref: NodeRef): void {
    const n = this.node(ref);
    n.setPaused(false);
    for (const l of this.linksOf(n)) l.update();
  }

  /** Shuts a server down gracefully; its ports refuse connections until {@link start}. */
  async stop(ref: NodeRef): Promise<void> {
    await this.node(ref).stop();
  }

  /** Starts a stopped server again, on the same ports (with a new server ID, as nats-server). */
  async start(ref: NodeRef): Promise<void> {
    await this.node(ref).start();
  }

  async restart(ref: NodeRef): Promise<void> {
    await this.stop(ref);
    await this.start(ref);
  }

  /**
   * Resolves when every running, unpaused server is linked: cluster nodes routed to every
   * other, leaf nodes connected to a hub.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    await until(() => this.unready() === "", timeoutMs, () => `topology not ready: ${this.unready()}`);
  }

  /** Resolves when `subject` has interest on every given server (default every running one). */
  async waitInterest(subject: string, opts: { nodes?: NodeRef[]; account?: string; timeoutMs?: number } = {}): Promise<void> {
    const nodes = (opts.nodes ?? this.all.filter((n) => n.running)).map((r) => this.node(r));
    const account = opts.account ?? "$G";
    const missing = (): string[] =>
      nodes.filter((n) => !(n.current?.server.accounts.get(account)?.sublist.hasInterest(subject) ?? false)).map((n) => n.name);
    await until(() => missing().length === 0, opts.timeoutMs ?? 10_000, () => `no interest in ${subject} on ${missing().join(", ")}`);
  }

  /** What is not linked yet, or "". */
  private unready(): string {
    const live = (n: TopologyNode): boolean => n.running && !n.paused;
    const peers = this.nodes.filter(live).length - 1;
    const out: string[] = [];
    for (const n of this.nodes.filter(live)) {
      const have = n.server.server.routes?.remotes.size ?? 0;
      if (peers > 0 && have < peers) out.push(`${n.name} has ${have}/${peers} routes`);
    }
    for (const l of this.leafs.filter(live)) {
      if ((l.server.server.leafs?.leafs.size ?? 0) === 0) out.push(`${l.name} has no hub`);
    }
    return out.join("; ");
  }

  private linksOf(n: TopologyNode): TopologyLink[] {
    return [...this.links.values()].filter((l) => l.a === n || l.b === n);
  }

  /** The link a connection into `target` belongs to, from the caller's CONNECT (see ingress.ts). */
  classify(target: TopologyNode, firstLine: string): LinkProxy | null {
    if (!firstLine.startsWith("CONNECT ")) return null;
    const caller = this.all.find((n) => n !== target && n.id !== "" && firstLine.includes(n.id));
    return caller === undefined ? null : this.link(caller, target).dialedBy(caller);
  }

  /** Stops every server, then the proxies. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.all.map((n) => n.stop()));
    await Promise.all([...this.all.map((n) => n.close()), ...[...this.links.values()].map((l) => l.close())]);
  }

  /** Adds a node with its proxies listening (the server itself starts later). */
  async addNode(name: string, role: "node" | "leaf", ingress: { route: boolean; leaf: boolean }, options: (n: TopologyNode) => StartServerOptions): Promise<TopologyNode> {
    const box: { node: TopologyNode | null } = { node: null };
    const make = (route: boolean): Ingress =>
      new Ingress({ classify: (line) => this.classify(box.node!, line), callerSpeaksFirst: route, refuseUntilStarted: route });
    const node = new TopologyNode(name, role, options, ingress.route ? make(true) : null, ingress.leaf ? make(false) : null);
    box.node = node;
    await Promise.all([node.clientProxy.start(), node.routeIngress?.start(), node.leafIngress?.start()]);
    (role === "node" ? this.nodes : this.leafs).push(node);
    return node;
  }
}

/** Polls `cond` every 10 ms until true, or throws after `timeoutMs`. */
async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new TsnatsError("ERR_TOPOLOGY_TIMEOUT", what());
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Starts a topology: `nodes` cluster servers meshed by routes, and `leafs` leaf nodes;
 * resolves when every link is up. Close it with `close()`.
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
  if ((opts.gateways ?? []).length > 0) {
    // Hook for gateways: each entry becomes a cluster with a gateway ingress per node.
    throw new TsnatsError("ERR_TOPOLOGY", "gateways are not supported by tsnats yet");
  }
  const count = opts.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new TsnatsError("ERR_TOPOLOGY", `nodes must be a positive integer, not ${count}`);
  const t = new Topology(opts.name ?? "cluster");
  try {
    await addNodes(t, count, opts);
    await addLeafs(t, opts.leafs ?? []);
    for (const n of t.all) await startOne(t, n, opts.readyTimeoutMs);
  } catch (err) {
    await t.close();
    throw err;
  }
  return t;
}

/**
 * Starts one server, linked before the next starts. Two servers that dial each other at
 * the same moment may each keep the other's connection and both drop theirs (nats-server's
 * duplicate route resolution), which costs a redial (~1 s). So a server's first dials to
 * the servers not started yet are let fail first (refused, they are retried later and
 * found duplicate), and the later servers' own dials make the routes.
 */
async function startOne(t: Topology, n: TopologyNode, timeoutMs: number | undefined): Promise<void> {
  const later = t.nodes.filter((x) => !x.running && x !== n && x.routeIngress !== null).map((x) => x.routeIngress!);
  const before = later.map((i) => i.refused);
  await n.start();
  if (n.routeIngress !== null) await until(() => later.every((i, k) => i.refused > before[k]!), 2000, () => "").catch(() => {});
  await t.ready(timeoutMs);
}

async function addNodes(t: Topology, count: number, opts: StartClusterOptions): Promise<void> {
  const user = opts.server ?? {};
  const hub = (opts.leafs ?? []).length > 0 || user.leafnodes !== undefined;
  const routed = count > 1;
  for (let i = 0; i < count; i++) {
    await t.addNode(`n${i}`, "node", { route: routed, leaf: hub }, (n) => {
      const o: StartServerOptions = { ...user, serverName: n.name, host: "127.0.0.1", port: n.port("client"), clientAdvertise: n.clientAdvertise };
      if (user.httpPort !== undefined && user.httpPort !== 0) o.httpPort = n.port("http");
      if (routed) {
        const c = user.cluster ?? {};
        const auth = c.username !== undefined ? `${encodeURIComponent(c.username)}:${encodeURIComponent(c.password ?? "")}@` : "";
        const routes = t.nodes.filter((p) => p !== n).map((p) => `nats-route://${auth}${p.routeIngress!.address}`);
        o.cluster = { ...c, name: t.clusterName, host: "127.0.0.1", port: n.port("route"), advertise: n.routeIngress!.address, routes };
      }
      if (hub) o.leafnodes = { ...(user.leafnodes ?? {}), host: "127.0.0.1", port: n.port("leaf"), advertise: n.leafIngress!.address };
      return o;
    });
  }
}

async function addLeafs(t: Topology, specs: readonly LeafSpec[]): Promise<void> {
  for (const [i, spec] of specs.entries()) {
    const hub = t.nodes[spec.hub ?? 0];
    if (hub === undefined) throw new TsnatsError("ERR_TOPOLOGY", `leaf ${i}: no cluster node ${spec.hub}`);
    const user = spec.server ?? {};
    await t.addNode(spec.name ?? `leaf${i}`, "leaf", { route: false, leaf: false }, (n) => {
      const auth = spec.user !== undefined ? `${encodeURIComponent(spec.user)}:${encodeURIComponent(spec.password ?? "")}@` : "";
      const remote = { urls: [`nats-leaf://${auth}${hub.leafIngress!.address}`], account: spec.account };
      const leafnodes = { ...(user.leafnodes ?? {}), remotes: [remote, ...(user.leafnodes?.remotes ?? [])] };
      return { ...user, serverName: n.name, host: "127.0.0.1", port: n.port("client"), clientAdvertise: n.clientAdvertise, leafnodes };
    });
  }
}
