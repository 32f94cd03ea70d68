/**
 * One server of a test topology: its options, its proxies (clients go through a
 * {@link LinkProxy}, other servers through an {@link Ingress} per port), and a life that can
 * stop and start again on the same ports.
 */
import { startServer, type NatsServer, type StartServerOptions } from "../index.js";
import type { Ingress } from "./ingress.js";
import { LinkProxy } from "./link-proxy.js";

/** What a node is in the topology. */
export type NodeRole = "node" | "leaf";

/** The real ports a node listens on, kept so that a restart takes the same ones. */
interface Ports {
  client: number;
  route: number;
  leaf: number;
  gateway: number;
  http: number;
}

/** A node's front doors for other servers, one per server port it listens on. */
export interface NodeIngress {
  route: Ingress | null;
  leaf: Ingress | null;
  gateway: Ingress | null;
}

/** See the module comment. The topology owns the ingresses and builds the options. */
export class TopologyNode {
  /** The running server; null while stopped. */
  current: NatsServer | null = null;
  paused = false;
  private readonly ports: Ports = { client: 0, route: 0, leaf: 0, gateway: 0, http: 0 };
  /** Clients connect through this, so pausing the node holds them too. */
  readonly clientProxy: LinkProxy;

  constructor(
    /** Unique in the topology; also the server's `server_name`. */
    readonly name: string,
    readonly role: NodeRole,
    /** The cluster it belongs to ("" for a leaf node). */
    readonly cluster: string,
    /** Builds this node's options for a start; ports -1 on the first, the same ones after. */
    private readonly options: (node: TopologyNode) => StartServerOptions,
    readonly ingress: NodeIngress,
  ) {
    this.clientProxy = new LinkProxy({ targetPort: 0 });
  }

  get routeIngress(): Ingress | null {
    return this.ingress.route;
  }

  get leafIngress(): Ingress | null {
    return this.ingress.leaf;
  }

  get gatewayIngress(): Ingress | null {
    return this.ingress.gateway;
  }

  /** `nats://127.0.0.1:port` through the node's client proxy (the URL to give clients). */
  get clientURL(): string {
    return `nats://127.0.0.1:${this.clientProxy.port}`;
  }

  /** `host:port` of the client proxy, which the server advertises to clients. */
  get clientAdvertise(): string {
    return `127.0.0.1:${this.clientProxy.port}`;
  }

  /** The running server, or an error naming the node. */
  get server(): NatsServer {
    if (this.current === null) throw new Error(`${this.name} is stopped`);
    return this.current;
  }

  /** The server ID now ("" while stopped): a restart makes a new one, as nats-server does. */
  get id(): string {
    return this.current?.server.id ?? "";
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** A port to listen on: the one from the last start, or -1 (any free one). */
  port(which: keyof Ports): number {
    return this.ports[which] || -1;
  }

  /** Starts the server (on the same ports as before, after a stop) and points the proxies at it. */
  async start(): Promise<void> {
    if (this.current !== null) return;
    const s = await startServer(this.options(this));
    this.current = s;
    this.ports.client = s.port;
    this.ports.route = s.server.routes?.listenPort ?? 0;
    this.ports.leaf = s.server.leafs?.listenPort ?? 0;
    this.ports.gateway = s.server.gateways?.listenPort ?? 0;
    this.ports.http = s.httpPort ?? 0;
    this.clientProxy.options.targetPort = s.port;
    if (this.ports.route !== 0) this.routeIngress?.setTarget(this.ports.route);
    if (this.ports.leaf !== 0) this.leafIngress?.setTarget(this.ports.leaf);
    if (this.ports.gateway !== 0) this.gatewayIngress?.setTarget(this.ports.gateway);
  }

  /** Graceful shutdown; the proxies stay, so callers see connections refused until a start. */
  async stop(): Promise<void> {
    const s = this.current;
    if (s === null) return;
    this.current = null;
    await s.close();
  }

  /** Holds the node's clients and new server-to-server callers (links are held by the topology). */
  setPaused(paused: boolean): void {
    this.paused = paused;
    for (const i of [this.routeIngress, this.leafIngress, this.gatewayIngress]) {
      if (paused) i?.hold();
      else i?.release();
    }
    if (paused) this.clientProxy.cutLink();
    else this.clientProxy.heal();
  }

  async close(): Promise<void> {
    await this.stop();
    await Promise.all([this.clientProxy.close(), this.routeIngress?.close(), this.leafIngress?.close(), this.gatewayIngress?.close()]);
  }
}
