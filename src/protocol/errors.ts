/**
 * Every `-ERR` a client can see, byte for byte as nats-server sends it (server/client.go,
 * server/parser.go). Keep them here so the wire text has one source of truth.
 */
export const ERR_UNKNOWN_PROTOCOL = "Unknown Protocol Operation";
export const ERR_MAX_PAYLOAD = "Maximum Payload Violation";
/** nats-server sends this one in lower case. */
export const ERR_MAX_CONTROL_LINE = "maximum control line exceeded";
export const ERR_AUTHORIZATION = "Authorization Violation";
export const ERR_AUTH_TIMEOUT = "Authentication Timeout";
export const ERR_INVALID_SUBJECT = "Invalid Subject";
export const ERR_INVALID_PUBLISH_SUBJECT = "Invalid Publish Subject";
export const ERR_STALE_CONNECTION = "Stale Connection";
export const ERR_MAX_CONNECTIONS = "maximum connections exceeded";
export const ERR_MAX_SUBSCRIPTIONS = "maximum subscriptions exceeded";
/** errors.go ErrTooManyAccountConnections (operator mode account `conn` limit). */
export const ERR_MAX_ACCOUNT_CONNECTIONS = "maximum account active connections exceeded";
export const ERR_BAD_CLIENT_PROTOCOL = "invalid client protocol";
export const ERR_NO_RESPONDERS_REQUIRES_HEADERS = "no responders requires headers support";

/** `Permissions Violation for Publish to "subject"` (client.go pubPermissionViolation). */
export function errPublishPermission(subject: string): string {
  return `Permissions Violation for Publish to "${subject}"`;
}

/** `Permissions Violation for Subscription to "subject"` (client.go subPermissionViolation). */
export function errSubscribePermission(subject: string, queue?: string | null): string {
  return queue
    ? `Permissions Violation for Subscription to "${subject}" using queue "${queue}"`
    : `Permissions Violation for Subscription to "${subject}"`;
}
