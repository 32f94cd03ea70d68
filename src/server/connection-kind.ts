/**
 * What is on the other end of a connection (nats-server client.go CLIENT, ROUTER,
 * GATEWAY, SYSTEM, LEAF, JETSTREAM). The kind decides how a connection is parsed and how a message
 * is written to it; the routing in between is shared. A message from a route never goes
 * back out to routes (one hop), one from a gateway never back to gateways.
 */
export const enum Kind {
  CLIENT = 0,
  ROUTER = 1,
  GATEWAY = 2,
  /** The server's own subscriptions (internal callbacks, no socket). */
  SYSTEM = 3,
  LEAF = 4,
  /**
   * JetStream's subscriptions that take the publisher's PubArg as it is (stream capture):
   * nothing is copied or converted before the store copies the bytes once.
   */
  JETSTREAM = 5,
}

/** Kind names as nats-server prints them in logs and monitoring. */
export const KIND_NAMES: readonly string[] = ["Client", "Router", "Gateway", "System", "Leafnode", "JetStream"];
