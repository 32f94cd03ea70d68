import type { PubArg } from "../protocol/pub-arg.js";
import type { Client } from "./client.js";
import type { InternalClient } from "./internal-client.js";
import type { Link } from "../cluster/link.js";
import type { ShadowOf } from "../accounts/shadow.js";

/**
 * A subscription the server itself holds (monitoring, system services, JetStream):
 * called with the message instead of writing MSG to a socket. `data` is a copy of the
 * payload (headers included when `hdr` >= 0), without the trailing CRLF.
 */
export type InternalCallback = (subject: string, reply: string, hdr: number, data: Buffer) => void;

/**
 * A JetStream subscription's handler (Kind.JETSTREAM): the message as its PubArg, whose
 * buffers are valid only during the call; whatever is kept must be copied.
 */
export type PubArgHandler = (pa: PubArg) => void;

/**
 * Whoever holds a subscription; its `kind` decides how messages are written to it. A
 * route or leaf node holds the interest its peer told us about (RS+, LS+).
 */
export type SubscriptionOwner = Client | InternalClient | Link;

/**
 * One SUB of one connection. The sublist stores these by identity; `sidBytes` is kept
 * encoded so MSG lines are built without converting the sid per message.
 */
export class Subscription {
  readonly sidBytes: Buffer;
  /** Auto-unsubscribe after this many deliveries; 0 = unlimited. */
  max = 0;
  /** Messages delivered so far. */
  delivered = 0;
  closed = false;
  /** Queue weight: members a route or leaf peer has in this group (nats-server qw); 1 here. */
  weight = 1;
  /** Set for JetStream's subscriptions (see PubArgHandler); null otherwise. */
  pah: PubArgHandler | null = null;
  /**
   * Set on a shadow subscription (accounts/shadow.ts): this one sits in a stream exporter's
   * account on behalf of `im.origin`, and delivers to it under the import's subject.
   */
  im: ShadowOf | null = null;
  /** The shadow subscriptions this one has in exporters' accounts; null when none. */
  shadows: Subscription[] | null = null;

  constructor(
    readonly conn: SubscriptionOwner,
    readonly subject: string,
    readonly queue: string | null,
    readonly sid: string,
    /** Set for the server's own subscriptions (see InternalCallback); null for clients'. */
    readonly icb: InternalCallback | null = null,
  ) {
    this.sidBytes = Buffer.from(sid, "latin1");
  }
}
