/**
 * The advisories nats-server publishes when a login fails (events.go sendAuthErrorEvent and
 * sendAccountAuthErrorEvent), both `client_disconnect` events:
 *
 * - `$SYS.SERVER.<id>.CLIENT.AUTH.ERR` in the system account, for every Authorization
 *   Violation (client.go authViolation), reason `Authentication Failure`;
 * - `$SYS.ACCOUNT.CLIENT.AUTH.ERR` in the account the login concerned (2.10+, auth.go): the
 *   callout account when an auth callout refused it (reason: the callout's error, empty when
 *   the service did not answer in time), else the client's account at the time (`$G`).
 *
 * Nothing is built unless someone listens.
 */
import type { Account } from "../accounts/account.js";
import { nuid } from "@nats-io/nuid";
import type { Client } from "./client.js";
import { ClosedState } from "./closed-state.js";
import { serverInfo } from "./events.js";
import type { Server } from "./server.js";

const DISCONNECT_EVENT_TYPE = "io.nats.server.advisory.v1.client_disconnect";
/** nats-server authErrorAccountEventSubj: the same subject in every account. */
export const ACCOUNT_AUTH_ERR_SUBJECT = "$SYS.ACCOUNT.CLIENT.AUTH.ERR";

/** nats-server authErrorEventSubj. */
export function serverAuthErrSubject(server: Server): string {
  return `$SYS.SERVER.${server.id}.CLIENT.AUTH.ERR`;
}

/** The server-wide event of a refused login, in the system account. */
export function publishAuthError(server: Server, c: Client): void {
  const sys = server.systemAccount;
  const subject = serverAuthErrSubject(server);
  if (!sys.sublist.hasInterest(subject)) return;
  publish(server, sys, subject, authErrorEvent(server, c, c.account.name, ClosedState.AuthenticationViolation));
}

/** The account's event of a refused login, published in `acc` (whose owner may watch its logins). */
export function publishAccountAuthError(server: Server, c: Client, acc: Account, reason: string): void {
  if (!acc.sublist.hasInterest(ACCOUNT_AUTH_ERR_SUBJECT)) return;
  publish(server, acc, ACCOUNT_AUTH_ERR_SUBJECT, authErrorEvent(server, c, acc.name, reason));
}

function publish(server: Server, acc: Account, subject: string, event: Record<string, unknown>): void {
  server.publishInternal(acc, subject, "", Buffer.from(`${JSON.stringify(event)}\r\n`, "utf8"), -1);
}

/** nats-server DisconnectEventMsg as the auth error events fill it. */
function authErrorEvent(server: Server, c: Client, account: string, reason: string): Record<string, unknown> {
  const now = new Date().toISOString();
  const o = c.connectOpts;
  const client: Record<string, unknown> = { start: new Date(c.startMs).toISOString(), host: c.host, id: c.id, acc: account };
  // nats-server getRawAuthUser: the nkey, else the user name, else a token's stand-in.
  const user = o?.nkey ?? o?.user ?? (o?.auth_token !== undefined ? "[REDACTED]" : "");
  if (user !== "") client.user = user;
  if (c.name !== "") client.name = c.name;
  if (c.lang !== "") client.lang = c.lang;
  if (c.version !== "") client.ver = c.version;
  // Go time.Duration (ns); estimated at CONNECT (Client.processConnect) until the first PONG.
  if (c.rttMs > 0) client.rtt = Math.max(1, Math.round(c.rttMs * 1e6));
  client.stop = now;
  if (o?.jwt !== undefined && o.jwt !== "") client.jwt = o.jwt;
  client.kind = "Client";
  client.client_type = c.ws !== null ? "websocket" : "nats";
  return {
    type: DISCONNECT_EVENT_TYPE,
    id: nuid.next(),
    timestamp: now,
    server: serverInfo(server),
    client,
    // As nats-server: `sent` is what the client sent, `received` what it was sent.
    sent: { msgs: c.inMsgs, bytes: c.inBytes },
    received: { msgs: c.outMsgs, bytes: c.outBytes },
    reason,
  };
}
