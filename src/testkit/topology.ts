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

/** A leaf node: a server with one remote to a node of a cluster. */
export interface LeafSpec {
  /** Its name (default `leaf<i>`). */
  name?: string;
  /**
   * The node it connects to: an index into the first cluster's nodes, or any cluster node's
   * name (default 0). It may fail over to the other nodes of that cluster.
   */
  hub?: number | string;
  /** The leaf's local account bound to the hub (default `$G`). */
  account?: string;
  /** User and password in the remote URL, for a hub whose `leafnodes` block has users. */
  user?: string;
  password?: string;
  /** Any other option of the leaf's server. */
  server?: StartServerOptions;
}

/** Another cluster, joined to the first (and to each other) by gateways. */
export interface GatewaySpec {
  /** The cluster's (and its gateway's) name; its nodes are `<name>0`, `<name>1`... */
  name: string;
  /** Servers in this cluster (default 1). */
  nodes?: number;
  /** Options for every node of this cluster, as `server` is for the first. */
  server?: StartServerOptions;
}

export interface StartClusterOptions {
  /** Servers in the cluster, every one routed to every other (default 3). */
  nodes?: number;
  /** Cluster name (default `cluster`, the gateway name too); nodes are named `n0`, `n1`... */
  name?: string;
  leafs?: LeafSpec[];
  /** More clusters, making a supercluster with this one; every node gets a gateway. */
  gateways?: GatewaySpec[];
  /**
   * Options for every node of the first cluster (accounts, users, a logger...). Its
   * `cluster`, `leafnodes` and `gateway` blocks are merged with the topology's (listen,
   * advertise, routes, remotes).
   */
  server?: StartServerOptions;
  /** How long start-up may take for every link to be up (default 10 s). */
  readyTimeoutMs?: number;
}

/** A node: by name (`n0`, `leaf0`), or the node itself. */
export type NodeRef = string | TopologyNode;

/** See the module comment. */
export class Topology {
  /** Every cluster's servers, the first cluster's first. */
  readonly clusterNodes: TopologyNode[] = [];
  readonly leafs: TopologyNode[] = [];
  private readonly links = new Map<string, TopologyLink>();
  private closed = false;

  constructor(readonly clusterName: string) {}

  /** The first cluster's servers, in order. */
  get nodes(): TopologyNode[] {
    return this.cluster(this.clusterName);
  }

  /** The servers of cluster `name`. */
  cluster(name: string): TopologyNode[] {
    return this.clusterNodes.filter((n) => n.cluster === name);
  }

  /** Cluster names, the first cluster's first. */
  get clusters(): string[] {
    return [...new Set(this.clusterNodes.map((n) => n.cluster))];
  }

  /** Every server: the clusters', then the leaf nodes. */
  get all(): TopologyNode[] {
    return [...this.clusterNodes, ...this.leafs];
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
   * other of their cluster and with a gateway to every other cluster, leaf nodes connected
   * to a hub.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    await this.waitLinked(true, timeoutMs);
  }

  /** {@link ready}, or only routes and leaf nodes (while the clusters are still starting). */
  async waitLinked(gateways: boolean, timeoutMs = 10_000): Promise<void> {
    await until(() => this.unready(gateways) === "", timeoutMs, () => `topology not ready: ${this.unready(gateways)}`);
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
  private unready(gateways: boolean): string {
    const live = (n: TopologyNode): boolean => n.running && !n.paused;
    const out: string[] = [];
    const clusters = this.clusters.filter((c) => this.cluster(c).some(live));
    for (const n of this.clusterNodes.filter(live)) {
      const peers = this.cluster(n.cluster).filter(live).length - 1;
      const have = n.server.server.routes?.remotes.size ?? 0;
      if (peers > 0 && have < peers) out.push(`${n.name} has ${have}/${peers} routes`);
      else if (peers > 0 && !(n.server.server.routes?.poolsComplete() ?? true)) out.push(`${n.name}'s route pools are not full`);
      const outbound = n.server.server.gateways?.out.size ?? 0;
      if (gateways && outbound < clusters.length - 1) out.push(`${n.name} has ${outbound}/${clusters.length - 1} gateways`);
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
  async addNode(
    name: string,
    cluster: string,
    ports: { route: boolean; leaf: boolean; gateway: boolean },
    options: (n: TopologyNode) => StartServerOptions,
  ): Promise<TopologyNode> {
    if (this.all.some((n) => n.name === name)) throw new TsnatsError("ERR_TOPOLOGY", `two nodes named "${name}"`);
    const box: { node: TopologyNode | null } = { node: null };
    const make = (on: boolean, route: boolean): Ingress | null =>
      on ? new Ingress({ classify: (line) => this.classify(box.node!, line), callerSpeaksFirst: route, refuseUntilStarted: route }) : null;
    const ingress = { route: make(ports.route, true), leaf: make(ports.leaf, false), gateway: make(ports.gateway, false) };
    const node = new TopologyNode(name, cluster === "" ? "leaf" : "node", cluster, options, ingress);
    box.node = node;
    await Promise.all([node.clientProxy.start(), ingress.route?.start(), ingress.leaf?.start(), ingress.gateway?.start()]);
    (cluster === "" ? this.leafs : this.clusterNodes).push(node);
    return node;
  }
}

/** Polls `cond` every 10 ms until true, or throws after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new TsnatsError("ERR_TOPOLOGY_TIMEOUT", what());
    await new Promise((r) => setTimeout(r, 10));
  }
}

