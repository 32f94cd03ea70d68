/**
 * The front door of one server port (route, leaf node or gateway) in a test topology.
 *
 * Every server-to-server connection of a topology enters its target through the target's
 * ingress, because servers tell each other where to connect (route gossip, `leafnode_urls`,
 * gateway URLs): with each server advertising its ingress, a connection learned that way
 * goes through the proxies too, and never around them.
 *
 * One port serves every peer, so the ingress learns who is calling from the first line the
 * caller sends: the CONNECT of every server-to-server protocol carries the caller's server
 * ID. Then it hands the connection to the link between caller and target (a
 * {@link LinkProxy}), whose latency and cuts apply from then on. A route caller speaks
 * first, so nothing reaches the target before that. A leaf node (or gateway) caller waits
 * for the target's INFO before its CONNECT: that ingress connects at once and passes the
 * target's first bytes unfaulted, so during a cut a new leaf connection gets the INFO and
 * then nothing. A caller it cannot name (a client on a route port, TLS) is passed through
 * untouched.
 */
import net from "node:net";
import type { LinkProxy } from "./link-proxy.js";

/** The first line is this long at most before the ingress gives up naming the caller. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface IngressOptions {
  /** Which link a connection belongs to, from the caller's first line; null: not proxied. */
  classify(firstLine: string): LinkProxy | null;
  /** The caller sends the first bytes (routes): connect to the target only once it is named. */
  callerSpeaksFirst: boolean;
  /**
   * Before the target starts, refuse callers (they redial later) rather than hold them.
   * For routes: a held call would go through at the moment the target starts, just as the
   * target dials the caller, and nats-server's duplicate route resolution may drop both.
   */
  refuseUntilStarted: boolean;
  listenHost?: string;
  targetHost?: string;
}

/** An accepted connection whose caller is not known yet. */
class Sniff {
  head: Buffer = Buffer.alloc(0);
  upstream: net.Socket | null = null;
  private targetPort = 0;
  private done = false;

  constructor(
    readonly downstream: net.Socket,
    private readonly ingress: Ingress,
  ) {
    downstream.pause();
    downstream.on("error", this.onEnd).on("close", this.onEnd);
  }

  private readonly onEnd = (): void => this.close();

  /**
   * Starts reading the caller; unless it speaks first, connects to the target too, whose
   * bytes go straight back until the caller is named.
   */
  open(port: number, host: string): void {
    this.targetPort = port;
    if (this.ingress.options.callerSpeaksFirst) {
      this.downstream.on("data", this.fromCaller);
      if (!this.ingress.isHeld) this.downstream.resume();
      return;
    }
    const up = net.connect(port, host);
    this.upstream = up;
    up.setNoDelay(true);
    up.on("error", this.onEnd).on("close", this.onEnd);
    up.on("data", this.toCaller);
    up.once("connect", () => {
      this.downstream.on("data", this.fromCaller);
      if (!this.ingress.isHeld) this.downstream.resume();
    });
  }

  private readonly toCaller = (d: Buffer): void => {
    this.downstream.write(d);
  };

  private readonly fromCaller = (d: Buffer): void => {
    this.head = this.head.length === 0 ? d : Buffer.concat([this.head, d]);
    const eol = this.head.indexOf(10);
    if (eol < 0 && this.head.length < MAX_HEAD_BYTES) return;
    this.handOver(this.ingress.options.classify(this.head.toString("latin1", 0, eol < 0 ? this.head.length : eol)));
  };

  private handOver(link: LinkProxy | null): void {
    const down = this.downstream;
    this.done = true;
    this.ingress.forget(this);
    down.off("data", this.fromCaller);
    this.upstream?.off("data", this.toCaller);
    for (const s of [this.upstream, down]) s?.off("error", this.onEnd).off("close", this.onEnd);
    down.pause();
    if (link !== null) {
      link.adopt(down, { head: this.head, upstream: this.upstream, targetPort: this.targetPort });
      return;
    }
    // Not a server we know: a plain pipe, no faults.
    const up = this.upstream ?? net.connect(this.targetPort, this.ingress.options.targetHost ?? "127.0.0.1");
    up.setNoDelay(true);
    up.write(this.head);
    const both = (): void => {
      down.destroy();
      up.destroy();
    };
    for (const s of [up, down]) s.on("error", both).on("close", both);
    down.pipe(up);
    up.pipe(down);
  }

  hold(): void {
    this.downstream.pause();
    this.upstream?.pause();
  }

  release(): void {
    if (this.upstream === null) {
      if (this.targetPort !== 0) this.downstream.resume();
      return;
    }
    this.upstream.resume();
    if (this.upstream.readyState === "open") this.downstream.resume();
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.downstream.destroy();
    this.upstream?.destroy();
    this.ingress.forget(this);
  }
}

/** See the module comment. */
export class Ingress {
  /** Where the ingress listens (0 until started). */
  port = 0;
  /** Connections refused because the server behind had not started yet (`refuseUntilStarted`). */
  refused = 0;
  /** The server port behind it: 0 until the server listens (callers wait, or are refused). */
  private targetPort = 0;
  private held = false;
  private readonly waiting = new Set<Sniff>();
  private readonly sniffing = new Set<Sniff>();
  private server: net.Server | null = null;

  constructor(readonly options: IngressOptions) {}

  async start(): Promise<number> {
    const server = net.createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, this.options.listenHost ?? "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** `host:port` for a server to advertise. */
  get address(): string {
    return `${this.options.listenHost ?? "127.0.0.1"}:${this.port}`;
  }

  /** The server behind now listens on `port`. */
  setTarget(port: number): void {
    this.targetPort = port;
    this.flushWaiting();
  }

  /**
   * The target is paused: new connections wait, as a stopped process's listen backlog
   * holds them, and so do callers not yet named.
   */
  hold(): void {
    this.held = true;
    for (const s of this.sniffing) s.hold();
  }

  release(): void {
    this.held = false;
    for (const s of this.sniffing) s.release();
    this.flushWaiting();
  }

  get isHeld(): boolean {
    return this.held;
  }

  private accept(socket: net.Socket): void {
    if (this.targetPort === 0 && this.options.refuseUntilStarted) {
      this.refused++;
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const s = new Sniff(socket, this);
    this.waiting.add(s);
    this.flushWaiting();
  }

  private flushWaiting(): void {
    if (this.held || this.targetPort === 0) return;
    for (const s of this.waiting) {
      this.waiting.delete(s);
      this.sniffing.add(s);
      s.open(this.targetPort, this.options.targetHost ?? "127.0.0.1");
    }
  }

  forget(s: Sniff): void {
    this.waiting.delete(s);
    this.sniffing.delete(s);
  }

  async close(): Promise<void> {
    for (const s of [...this.waiting, ...this.sniffing]) s.close();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
