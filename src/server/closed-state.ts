/**
 * Why a connection was closed, with the text nats-server shows in /connz `reason`
 * (server/monitor.go ClosedState.String).
 */
export const ClosedState = {
  ClientClosed: "Client Closed",
  AuthenticationTimeout: "Authentication Timeout",
  AuthenticationViolation: "Authentication Failure",
  TLSHandshakeError: "TLS Handshake Failure",
  SlowConsumerPendingBytes: "Slow Consumer (Pending Bytes)",
  SlowConsumerWriteDeadline: "Slow Consumer (Write Deadline)",
  WriteError: "Write Error",
  ReadError: "Read Error",
  ParseError: "Parse Error",
  StaleConnection: "Stale Connection",
  ProtocolViolation: "Protocol Violation",
  BadClientProtocolVersion: "Bad Client Protocol Version",
  MaxConnectionsExceeded: "Maximum Connections Exceeded",
  MaxPayloadExceeded: "Maximum Message Payload Exceeded",
  MaxControlLineExceeded: "Maximum Control Line Exceeded",
  ServerShutdown: "Server Shutdown",
  MsgHeaderViolation: "Message Header Violation",
  NoRespondersRequiresHeaders: "No Responders Requires Headers",
  // Operator mode (src/auth/jwt).
  AuthenticationExpired: "Authentication Expired",
  MaxAccountConnectionsExceeded: "Maximum Account Connections Exceeded",
  MaxSubscriptionsExceeded: "Maximum Subscriptions Exceeded",
  Revocation: "Credentials Revoked",
  // Server links (routes, leaf nodes, gateways).
  WrongPort: "Incorrect Port",
  DuplicateRoute: "Duplicate Route",
  RouteRemoved: "Route Removed",
  WrongGateway: "Wrong Gateway",
  MissingAccount: "Missing Account",
  ClusterNameConflict: "Cluster Name Conflict",
  DuplicateRemoteLeafnodeConnection: "Duplicate Remote LeafNode Connection",
  DuplicateServerName: "Duplicate Server Name",
  MinimumVersionRequired: "Minimum Version Required",
  ClusterNamesIdentical: "Cluster Names Identical",
} as const;

export type ClosedReason = (typeof ClosedState)[keyof typeof ClosedState];
