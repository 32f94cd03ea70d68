/**
 * How Raft messages travel between the members of a group. Delivery is best effort: Raft
 * tolerates loss, delay, duplication and reordering, so a transport never retries or acks.
 * One transport serves every group on a server; messages are routed by (group, to).
 */
import { decodeMessage, encodeMessage } from "./codec.js";
import type { Message } from "./types.js";

export type MessageHandler = (m: Message) => void;

export interface Transport {
  /** Sends `m` to member `m.to` of group `m.group`. */
  send(m: Message): void;
  /** Delivers messages for member `id` of `group` to `handler`; returns a function that stops it. */
  listen(group: string, id: number, handler: MessageHandler): () => void;
}

/**
 * In-process transport for tests: messages are encoded and decoded (no shared references) and
 * delivered on a later turn of the event loop.
 */
export class MemoryTransport implements Transport {
  private readonly handlers = new Map<string, MessageHandler>();

  send(m: Message): void {
    const bytes = encodeMessage(m);
    setImmediate(() => {
      const h = this.handlers.get(`${m.group}\u0000${m.to}`);
      if (h) h(decodeMessage(bytes));
    });
  }

  listen(group: string, id: number, handler: MessageHandler): () => void {
    const key = `${group}\u0000${id}`;
    this.handlers.set(key, handler);
    return () => {
      if (this.handlers.get(key) === handler) this.handlers.delete(key);
    };
  }
}

/**
 * The small part of the server's internal-subscription API the NATS transport needs (the server
 * delivers to `cb` instead of a socket; across routes once clustering exists).
 */
export interface InternalBus {
  subscribe(subject: string, cb: (data: Buffer) => void): () => void;
  publish(subject: string, data: Buffer): void;
}

/** Subject prefix for Raft traffic; `<prefix>.<group>.<member id>`. Groups must be subject tokens. */
export const RAFT_SUBJECT_PREFIX = "$TSRAFT";

/** Raft over NATS subjects through the server's internal subscriptions (src/raftnet wires it). */
export class NatsTransport implements Transport {
  private readonly bus: InternalBus;
  private readonly onBadMessage: (err: Error) => void;

  constructor(bus: InternalBus, onBadMessage: (err: Error) => void = () => undefined) {
    this.bus = bus;
    this.onBadMessage = onBadMessage;
  }

  static subject(group: string, id: number): string {
    return `${RAFT_SUBJECT_PREFIX}.${group}.${id}`;
  }

  send(m: Message): void {
    this.bus.publish(NatsTransport.subject(m.group, m.to), encodeMessage(m));
  }

  listen(group: string, id: number, handler: MessageHandler): () => void {
    return this.bus.subscribe(NatsTransport.subject(group, id), (data) => {
      let m: Message;
      try {
        m = decodeMessage(data);
      } catch (err) {
        this.onBadMessage(err as Error);
        return;
      }
      if (m.group === group && m.to === id) handler(m);
    });
  }
}
