/**
 * A TCP proxy that stands for the network between two servers, with faults a test can
 * switch: one-way latency per direction, and a cut (a partition) that heals.
 *
 * This machine's kernel has no netem, so the network's behaviour is modelled here. A cut
 * behaves as a partition does for TCP: bytes are not lost but held (the sender's writes
 * back up and stall, as when segments go unacknowledged), and connections made during
 * the cut get no answer until it heals. Whatever gives up first (a PING timeout, a write
 * deadline) decides, as it would on a real network. Latency delays each chunk by the same
 * amount, keeping order; one timer per direction, not one per chunk.
 */
import net from "node:net";

export type Direction = "both" | "forward" | "backward";

export interface LinkProxyOptions {
  /** Where connections are forwarded to. */
  targetHost?: string;
  targetPort: number;
  /** Where the proxy listens; port 0 picks a free one. */
  listenHost?: string;
  listenPort?: number;
}

/** Chunks on their way in one direction, each due at its own time, in order. */
class DelayLine {
  private readonly queue: Array<{ due: number; chunk: Buffer }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly to: net.Socket,
    private readonly link: LinkProxy,
    private readonly forward: boolean,
  ) {}

  push(chunk: Buffer): void {
    this.queue.push({ due: Date.now() + this.link.latencyMs(this.forward), chunk });
    this.pump();
  }

  /** Sends what is due unless the link is cut; re-arms for the next chunk. */
  pump(): void {
    if (this.timer !== null) return;
    const now = Date.now();
    while (this.queue.length > 0 && !this.link.isCut) {
      const head = this.queue[0]!;
      if (head.due > now) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, head.due - now);
        return;
      }
      this.queue.shift();
      this.link.bytes[this.forward ? 0 : 1] += head.chunk.length;
      if (!this.to.destroyed) this.to.write(head.chunk);
    }
  }

  /** Bytes waiting here: a cut link holds them. */
  get pendingBytes(): number {
    return this.queue.reduce((n, e) => n + e.chunk.length, 0);
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }
}

/** One proxied connection: a client side and an upstream side. */
class Pair {
  upstream: net.Socket | null = null;
  private forward: DelayLine | null = null;
  private backward: DelayLine | null = null;

  constructor(
    readonly downstream: net.Socket,
    private readonly link: LinkProxy,
  ) {
    downstream.on("error", () => this.close());
    downstream.on("close", () => this.close());
    downstream.pause();
    if (!link.isCut) this.connect();
  }

  /** Opens the upstream side (at once, or when a cut heals). */
  connect(): void {
    if (this.upstream !== null || this.downstream.destroyed) return;
    const up = net.connect(this.link.options.targetPort, this.link.options.targetHost ?? "127.0.0.1");
    this.upstream = up;
    up.on("error", () => this.close());
    up.on("close", () => this.close());
    up.once("connect", () => {
      up.setNoDelay(true);
      this.downstream.setNoDelay(true);
      this.forward = new DelayLine(up, this.link, true);
      this.backward = new DelayLine(this.downstream, this.link, false);
      this.downstream.on("data", (d: Buffer) => this.forward!.push(d));
      up.on("data", (d: Buffer) => this.backward!.push(d));
      if (this.link.isCut) this.hold();
      else this.downstream.resume();
    });
  }

  /** A cut: stop reading both sides, so senders back up as they would on a partition. */
  hold(): void {
    this.downstream.pause();
    this.upstream?.pause();
  }

  /** After a heal: deliver what was held and read again. */
  release(): void {
    if (this.upstream === null) {
      this.connect();
      return;
    }
    this.forward?.pump();
    this.backward?.pump();
    this.downstream.resume();
    this.upstream.resume();
  }

  get pendingBytes(): number {
    return (this.forward?.pendingBytes ?? 0) + (this.backward?.pendingBytes ?? 0);
  }

  close(): void {
    this.forward?.close();
    this.backward?.close();
    this.downstream.destroy();
    this.upstream?.destroy();
    this.link.forget(this);
  }
}

/** See the module comment. */
export class LinkProxy {
  /** Bytes delivered: [forward (to the target), backward]. */
  readonly bytes: [number, number] = [0, 0];
  private readonly pairs = new Set<Pair>();
  private server: net.Server | null = null;
  private forwardLatency = 0;
  private backwardLatency = 0;
  private cut = false;
  port = 0;

  constructor(readonly options: LinkProxyOptions) {}

  async start(): Promise<number> {
    const server = net.createServer((s) => this.pairs.add(new Pair(s, this)));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.listenPort ?? 0, this.options.listenHost ?? "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** One-way delay added to each chunk, in `direction` ("forward" is towards the target). */
  setLatency(ms: number, direction: Direction = "both"): void {
    if (direction !== "backward") this.forwardLatency = ms;
    if (direction !== "forward") this.backwardLatency = ms;
  }

  latencyMs(forward: boolean): number {
    return forward ? this.forwardLatency : this.backwardLatency;
  }

  /** Partitions the link: nothing crosses, new connections wait, until `heal`. */
  cutLink(): void {
    this.cut = true;
    for (const p of this.pairs) p.hold();
  }

  heal(): void {
    this.cut = false;
    for (const p of this.pairs) p.release();
  }

  get isCut(): boolean {
    return this.cut;
  }

  /** Connections through the proxy now. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Bytes held by latency or a cut. */
  get pendingBytes(): number {
    let n = 0;
    for (const p of this.pairs) n += p.pendingBytes;
    return n;
  }

  /** Drops every connection through the link at once (a reset, unlike a cut). */
  resetConnections(): void {
    for (const p of [...this.pairs]) p.close();
  }

  forget(p: Pair): void {
    this.pairs.delete(p);
  }

  async close(): Promise<void> {
    this.resetConnections();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
