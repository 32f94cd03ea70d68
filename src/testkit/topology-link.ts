/**
 * The network between two servers of a test topology: every connection between them, of
 * any kind (route, leaf node) and dialed by either side, obeys the same faults.
 */
import { LinkProxy } from "./link-proxy.js";
import type { TopologyNode } from "./topology-node.js";

/** See the module comment. */
export class TopologyLink {
  /** Connections `a` dialed into `b` (forward = a→b), and `b` into `a` (forward = b→a). */
  private readonly intoB: LinkProxy;
  private readonly intoA: LinkProxy;
  private cut = false;

  constructor(
    readonly a: TopologyNode,
    readonly b: TopologyNode,
  ) {
    this.intoB = new LinkProxy({ targetPort: 0 });
    this.intoA = new LinkProxy({ targetPort: 0 });
  }

  /** The proxy for connections `caller` dialed into the other end. */
  dialedBy(caller: TopologyNode): LinkProxy {
    return caller === this.a ? this.intoB : this.intoA;
  }

  /** Partitions the two servers: bytes between them are held (not lost) until {@link heal}. */
  cutLink(): void {
    this.cut = true;
    this.update();
  }

  heal(): void {
    this.cut = false;
    this.update();
  }

  /** Cut, or one end paused. */
  get isCut(): boolean {
    return this.cut || this.a.paused || this.b.paused;
  }

  /**
   * One-way delay in ms: both ways, or only from `from` to the other end (so a round trip
   * costs the sum of the two).
   */
  setLatency(ms: number, from?: TopologyNode): void {
    if (from === undefined || from === this.a) {
      this.intoB.setLatency(ms, "forward");
      this.intoA.setLatency(ms, "backward");
    }
    if (from === undefined || from === this.b) {
      this.intoA.setLatency(ms, "forward");
      this.intoB.setLatency(ms, "backward");
    }
  }

  /** Drops every connection between the two at once (a reset: both sides see it close). */
  reset(): void {
    this.intoA.resetConnections();
    this.intoB.resetConnections();
  }

  /** Bytes delivered from a to b, and from b to a. */
  get bytes(): { aToB: number; bToA: number } {
    return { aToB: this.intoB.bytes[0] + this.intoA.bytes[1], bToA: this.intoA.bytes[0] + this.intoB.bytes[1] };
  }

  /** Connections between the two now. */
  get connections(): number {
    return this.intoA.connections + this.intoB.connections;
  }

  /** Bytes read and not yet delivered (latency); a cut leaves most in the sockets' buffers. */
  get pendingBytes(): number {
    return this.intoA.pendingBytes + this.intoB.pendingBytes;
  }

  /** Applies cuts and pauses to the proxies (called when either changes). */
  update(): void {
    const held = this.isCut;
    for (const p of [this.intoA, this.intoB]) {
      if (held && !p.isCut) p.cutLink();
      else if (!held && p.isCut) p.heal();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.intoA.close(), this.intoB.close()]);
  }
}
