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
