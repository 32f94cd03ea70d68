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
