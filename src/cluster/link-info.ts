/**
 * nats-server MsgTraceProto: the server-to-server protocol level (INFO `proto`, and a leaf's
 * CONNECT `proto`) of a peer that traces messages (2.11). A traced message goes to an older
 * peer only when it is also delivered, and never when the trace asks for trace-only.
 */
export const MSG_TRACE_PROTO = 3;

/** The INFO fields every server-to-server link shares (nats-server Info): routes, leaf nodes, gateways. */
export interface LinkInfo {
  server_id: string;
  server_name?: string;
  version?: string;
  proto?: number;
  go?: string;
  host?: string;
  port?: number;
  headers?: boolean;
  auth_required?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  max_payload?: number;
}

/**
 * The CONNECT fields every server-to-server link shares (nats-server connectInfo as
 * sendRouteConnect, sendGatewayConnect and sendLeafConnect fill it).
 */
export interface LinkConnect {
  user?: string;
  pass?: string;
  tls_required?: boolean;
  /** The sender's server ID (its server name for a leaf node). */
  name?: string;
  /** The sender's gateway name; empty from a client or a route. */
  gateway?: string;
  /** Only ever sent by clients: a link CONNECT with it is a client on the wrong port. */
  lang?: string;
}

/** What a route's and a gateway's CONNECT also say: they are no client. */
export interface ServerConnect extends LinkConnect {
  echo?: boolean;
  verbose?: boolean;
  pedantic?: boolean;
}
