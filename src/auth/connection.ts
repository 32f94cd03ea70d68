/**
 * The glue between a connection and auth: binding an authenticated identity to a client,
 * and the permission checks the client runs on PUB, SUB and delivery (nats-server
 * client.go pubPermissionViolation, subPermissionViolation). Kept out of client.ts so the
 * hot path there stays a null check: a client without permissions never calls in here.
 */
import { errPublishPermission, errSubscribePermission } from "../protocol/errors.js";
import type { PubArg } from "../protocol/pub-arg.js";
import type { Account } from "../accounts/account.js";
import type { Client } from "../server/client.js";
import type { Server } from "../server/server.js";
import type { Subscription } from "../server/subscription.js";
import { isAuthFailure, type AuthFailure, type AuthResult, type Credentials } from "./authenticator.js";
import { ConnectionPermissions } from "./permissions.js";
import type { TLSSocket } from "node:tls";
import { certIdentities } from "../server/tls.js";
import { connectionTypeAllowed } from "./jwt/user-checks.js";

/**
 * Authenticates `c` with `creds` against the server's current Authenticator and binds the
 * identity (user, account, permissions). Returns the failure for the log line, or null.
 */
export function authenticateClient(server: Server, c: Client, creds: Credentials): AuthFailure | null {
  if (server.tls?.options.verifyAndMap === true && (c.socket as { encrypted?: boolean }).encrypted === true) {
    creds = { ...creds, certIdentities: certIdentities(c.socket as TLSSocket) };
  }
  let r = authenticateCredentials(server, c, creds);
  if (isAuthFailure(r)) return r;
  if (server.callouts !== null) r = server.callouts.restrict(r);
  const moved = bindUnlessMoved(server, c, r);
  if (moved !== null) return moved;
  return admitJwt(server, c, r) ? null : { detail: "account limits" };
}

/**
 * Binds `r` to `c`, unless `c` is already connected in another account: a repeated CONNECT
 * may not move a connection (and its subscriptions) to another account.
 */
export function bindUnlessMoved(server: Server, c: Client, r: AuthResult): AuthFailure | null {
  if (c.connected && accountOf(server, r) !== c.account) return { detail: `User "${r.user}" - account changed` };
  bindIdentity(server, c, r);
  return null;
}

/**
 * The identity `creds` authenticate as on connection `c`: a user JWT in operator mode
 * (src/auth/jwt), else the configured users, nkeys, token (Authenticator).
 */
export function authenticateCredentials(server: Server, c: Client, creds: Credentials): AuthResult | AuthFailure {
  if (server.operator === null) return connectionTypeChecked(c, c.authenticator.authenticate(creds, c.nonce));
  // Checked a moment ago by the callout router for this very CONNECT (src/auth/callout/router.ts).
  const pre = c.checkedJwt;
  if (pre !== null) {
    c.checkedJwt = null;
    if (pre.creds === creds) return pre.result;
  }
  return server.operator.authenticateUserJwt(creds.jwt, { nonce: c.nonce, sig: creds.sig ?? "", host: c.host, connectionType: c.connectionType });
}

/**
 * A configured user's `allowed_connection_types` (nats-server processClientOrLeafAuthentication:
 * a user or nkey not allowed on this kind of connection fails as a wrong password would).
 */
function connectionTypeChecked(c: Client, r: AuthResult | AuthFailure): AuthResult | AuthFailure {
  if (isAuthFailure(r) || connectionTypeAllowed(r.userOptions?.allowedConnectionTypes, c.connectionType)) return r;
  return { detail: `${r.userOptions?.nkey !== undefined ? "Nkey" : "User"} "${r.user}"` };
}

/**
 * Operator mode: applies what the user JWT grants (limits, expiry) after binding; false
 * when the account refused the connection (it is closed with the account's error).
 */
export function admitJwt(server: Server, c: Client, r: AuthResult): boolean {
  return r.jwt === undefined || server.operator === null || server.operator.admit(c, r.jwt);
}

function accountOf(server: Server, r: AuthResult): Account | undefined {
  return r.account !== undefined ? server.accounts.get(r.account) : server.globalAccount;
}

/** Sets user, account and permissions on a client (at CONNECT, and again on reload). */
export function bindIdentity(server: Server, c: Client, r: AuthResult): void {
  c.user = r.user;
  const acc = accountOf(server, r);
  if (acc !== undefined && acc !== c.account) {
    // Only before any SUB (at CONNECT); a reload that moves a user is a close instead.
    c.account = acc;
  }
  const samePerms = c.perms !== null && c.perms.perms === r.permissions;
  if (!samePerms) c.perms = r.permissions !== null ? new ConnectionPermissions(r.permissions) : null;
  c.deliveryChecks = c.perms !== null && c.perms.tracksReplies;
}

/**
 * Checks a PUB against the publish permissions (cached). On a violation sends
 * `-ERR 'Permissions Violation for Publish to "x"'`, logs it, and returns false: the
 * connection stays open and nothing is delivered.
 */
export function checkPublish(c: Client, pa: PubArg): boolean {
  if (c.perms!.canPublishBytes(pa.arg, pa.subjectStart, pa.subjectEnd)) return true;
  const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
  c.sendErr(errPublishPermission(subject));
  c.server.logger.error(`${c.logPrefix()}Publish Violation - ${userDesc(c)}, Subject "${subject}"`);
  return false;
}

/**
 * Checks a SUB against the subscribe permissions; on a violation sends nats-server's
 * `Permissions Violation for Subscription to "x"` and returns false (connection stays).
 */
export function checkSubscribe(c: Client, subject: string, queue: string | null, sid: string): boolean {
  const perms = c.perms!;
  if (perms.canSubscribe(subject, queue)) {
    // A wildcard SUB that covers denied subjects gets its deliveries filtered.
    if (perms.perms.needsDeliveryFilter(subject)) c.deliveryChecks = true;
    return true;
  }
  c.sendErr(errSubscribePermission(subject, queue));
  c.server.logger.error(`${c.logPrefix()}Subscription Violation - ${userDesc(c)}, Subject "${subject}", SID ${sid}`);
  return false;
}

/**
 * Called for a delivery to a client with `deliveryChecks` set: drops messages its deny
 * list forbids, and records reply subjects it may answer (allow_responses).
 */
export function permitDelivery(c: Client, _sub: Subscription, pa: PubArg): boolean {
  const perms = c.perms;
  if (perms === null) return true;
  if (perms.perms.subDeny !== null) {
    const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
    if (!perms.perms.deliveryAllowed(subject)) return false;
  }
  if (perms.tracksReplies && pa.replyEnd > pa.replyStart) {
    perms.grantReply(pa.arg.toString("latin1", pa.replyStart, pa.replyEnd));
  }
  return true;
}

/** `User "x"` as nats-server names the offender in violation logs. */
function userDesc(c: Client): string {
  return c.user !== "" ? `User "${c.user}"` : "User \"\"";
}
