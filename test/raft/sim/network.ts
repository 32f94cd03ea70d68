/**
 * The simulated network: every message is encoded, then lost, delayed, duplicated (and so
 * reordered) at random, or dropped by a partition, then decoded at its destination.
 */
import { decodeMessage, encodeMessage } from "../../../src/raft/codec.js";
import type { MessageHandler, Transport } from "../../../src/raft/transport.js";
import type { Message } from "../../../src/raft/types.js";
import type { Rng } from "./rng.js";
import type { Scheduler } from "./scheduler.js";

export interface NetChaos {
  loss: number;
  dup: number;
  /** Extra delay up to this many ms (reordering). */
  jitterMs: number;
}

export const CALM: NetChaos = { loss: 0, dup: 0, jitterMs: 0 };

export class SimNetwork {
  chaos: NetChaos = { ...CALM };
  /** Active cuts: each a set of "from>to" slot pairs that cannot talk. */
  cuts = new Map<number, Set<string>>();
  sent = 0;
  private readonly sched: Scheduler;
  private readonly rng: Rng;
  private readonly handlers = new Map<number, MessageHandler>();
  /** Which slot a node id lives in (ids change when a wiped node rejoins). */
  private readonly slotOf: (id: number) => number;

  constructor(sched: Scheduler, rng: Rng, slotOf: (id: number) => number) {
    this.sched = sched;
    this.rng = rng;
    this.slotOf = slotOf;
  }

  blocked(fromSlot: number, toSlot: number): boolean {
    const k = `${fromSlot}>${toSlot}`;
    for (const c of this.cuts.values()) if (c.has(k)) return true;
    return false;
  }

  /** The transport of one node; `deliver` wraps the handler (pause and crash handling). */
  transport(): Transport {
    return {
      send: (m) => this.send(m),
      listen: (_group, id, handler) => {
        this.handlers.set(id, handler);
        return () => {
          if (this.handlers.get(id) === handler) this.handlers.delete(id);
        };
      },
    };
  }

  private send(m: Message): void {
    this.sent++;
    const from = this.slotOf(m.from);
    const to = this.slotOf(m.to);
    if (to < 0 || this.blocked(from, to)) return;
    const c = this.chaos;
    if (c.loss > 0 && this.rng.chance(c.loss)) return;
    const bytes = encodeMessage(m);
    const copies = c.dup > 0 && this.rng.chance(c.dup) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = 0.2 + this.rng.float() * 2 + (c.jitterMs > 0 ? this.rng.float() * c.jitterMs : 0);
      this.sched.after(delay, () => {
        const h = this.handlers.get(m.to);
        if (h) h(decodeMessage(bytes));
      });
    }
  }
}
