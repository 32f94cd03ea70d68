import { Kind } from "./connection-kind.js";

/**
 * The owner of the server's own subscriptions (nats-server's SYSTEM client): no socket,
 * not listed in /connz. Messages to its subscriptions go to their callbacks.
 */
export class InternalClient {
  constructor(readonly kind: Kind.SYSTEM | Kind.JETSTREAM = Kind.SYSTEM) {}
  readonly id = 0;
  /** Never closed: the server's subscriptions end one by one (unsubscribeInternal). */
  readonly closed = false;
}
