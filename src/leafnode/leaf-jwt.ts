/**
 * Operator mode on the leafnodes port (nats-server processClientOrLeafAuthentication for a
 * LEAF, registerWithAccount, updateAccountClaims): a leaf logs in with a user JWT and the
 * INFO nonce signed by the user key, as a client does, but as connection type `LEAFNODE`;
 * it is bound to the JWT's account, counted against the account's `limits.leaf`, closed
 * (cluster-wide: account-conns.ts) and to the JWTs' payload and subscription limits, closed
 * when its JWT expires, and closed when an account update revokes its user. Kept apart from
 * leafnodes.ts so the config-auth path there stays as it was.
 */
import type { Account } from "../accounts/account.js";
import type { AuthFailure, AuthResult } from "../auth/authenticator.js";
import { decodeUserClaims, isRevoked } from "../auth/jwt/claims.js";
import { NO_LIMIT, type JwtAccount, type OperatorMode } from "../auth/jwt/operator-mode.js";
import { ERR_MAX_ACCOUNT_CONNECTIONS, ERR_MAX_SUBSCRIPTIONS } from "../protocol/errors.js";
import { ClosedState } from "../server/closed-state.js";
import type { Leaf } from "./leaf.js";
import type { LeafConnect } from "./leaf-proto.js";

/** setTimeout's ceiling; longer expiries are re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The CONNECT's user JWT checked as a client's would be, for connection type LEAFNODE (LEAFNODE_WS over WebSocket). */
export function authenticateLeafJwt(op: OperatorMode, leaf: Leaf, c: LeafConnect): AuthResult | AuthFailure {
  return op.authenticateUserJwt(c.jwt, { nonce: leaf.nonce, sig: c.sig ?? "", host: leaf.host, connectionType: leaf.connectionType });
}

/** The account's leaf connection limit from its JWT; -1 when none (or not a JWT account). */
function leafLimit(op: OperatorMode, account: Account): number {
  return op.jwtAccounts.get(account.name)?.limit("leaf") ?? NO_LIMIT;
}

/** What a leaf's user JWT grants beyond its account (leafnodes.ts authorize). */
export interface LeafGrant {
  /** When the login ends (0 = never). */
  expiresAtMs: number;
  /** Payload and subscription limits from the user and account JWTs; -1 = none. */
  maxPayload: number;
  maxSubs: number;
}

/**
 * nats-server registerWithAccount for a LEAF: refused with `maximum account active
 * connections exceeded` when the account already has `limits.leaf` leaf connections in the
 * cluster (account-conns.ts); else the JWT's payload and subscription limits apply
 * (applyAccountLimits) and its expiry is armed. Returns false when the leaf was closed.
 */
export function admitLeaf(op: OperatorMode, leaf: Leaf, account: Account, grant: LeafGrant): boolean {
  if (leaf.server.accountConns.leafLimitReached(account, leafLimit(op, account), leaf)) {
    leaf.errAndClose(ERR_MAX_ACCOUNT_CONNECTIONS, ClosedState.MaxAccountConnectionsExceeded);
    return false;
  }
  if (!applyLeafLimits(leaf, grant.maxPayload, grant.maxSubs)) return false;
  leaf.expiresAtMs = grant.expiresAtMs;
  armLeafExpiry(leaf, grant.expiresAtMs);
  return true;
}

/**
 * nats-server applyAccountLimits for a LEAF: at most `maxSubs` subscriptions from the peer
 * (LS+ past it is answered `Maximum Subscriptions Exceeded` and ignored) and, as nats-server
 * 2.14 checks LMSG, payloads up to `maxPayload` (both capped by the server's options). A leaf
 * already at its subscription limit is closed. Returns false then.
 */
function applyLeafLimits(leaf: Leaf, maxPayload: number, maxSubs: number): boolean {
  const o = leaf.server.options;
  const serverSubs = o.maxSubscriptions > 0 ? o.maxSubscriptions : NO_LIMIT;
  leaf.maxSubs = maxSubs === NO_LIMIT ? serverSubs : serverSubs === NO_LIMIT ? maxSubs : Math.min(maxSubs, serverSubs);
  leaf.parser.maxPayload = maxPayload === NO_LIMIT ? Number.MAX_SAFE_INTEGER : Math.min(maxPayload, o.maxPayload);
  if (leaf.maxSubs !== NO_LIMIT && leaf.subs.size >= leaf.maxSubs) {
    closeLeaf(leaf, ERR_MAX_SUBSCRIPTIONS, ClosedState.MaxSubscriptionsExceeded);
    return false;
  }
  return true;
}

/** nats-server setExpiration on a leaf: `User Authentication Expired` when its JWT (or time window) ends. */
function armLeafExpiry(leaf: Leaf, atMs: number): void {
  leaf.clearExpiry();
  if (atMs === 0) return;
  const fire = (): void => {
    leaf.expiryTimer = null;
    if (leaf.closed) return;
    if (atMs > Date.now()) return armLeafExpiry(leaf, atMs);
    closeLeaf(leaf, "User Authentication Expired", ClosedState.AuthenticationExpired);
  };
  const ms = atMs - Date.now();
  if (ms <= 0) return fire();
  leaf.expiryTimer = setTimeout(fire, Math.min(ms, MAX_TIMER_MS));
}

function closeLeaf(leaf: Leaf, error: string, reason: (typeof ClosedState)[keyof typeof ClosedState]): void {
  leaf.server.logger.debug(`${leaf.logPrefix()}${error}`);
  leaf.sendErr(error);
  leaf.closeConnection(reason);
}

/**
 * The account's JWT changed (nats-server updateAccountClaims): leaves whose user was
 * revoked or whose signing key is gone are closed; the others get the new payload and
 * subscription limits. A lowered `limits.leaf` holds for new leaves only, as nats-server's
 * update does (a lowered `conn` counts leaves: operator-mode.ts recheckClients).
 */
export function recheckLeafs(op: OperatorMode, ja: JwtAccount, leafs: Iterable<Leaf>): void {
  for (const leaf of [...leafs]) {
    if (leaf.account !== ja.account || leaf.closed || leaf.userJwt === null) continue;
    let revoked: boolean;
    try {
      const uc = decodeUserClaims(leaf.userJwt);
      revoked = isRevoked(ja.claims.nats.revocations, uc.sub, uc.iat) || !ja.signers.has(uc.iss);
    } catch {
      continue;
    }
    if (revoked) {
      closeLeaf(leaf, "User Authentication Revoked", ClosedState.Revocation);
      continue;
    }
    const limits = op.grantLimits(leaf.userJwt, ja);
    if (limits !== null) applyLeafLimits(leaf, limits.maxPayload, limits.maxSubs);
  }
}

/** nats-server accountAuthExpired / removal of an account JWT: its leaves go too. */
export function closeAccountLeafs(account: Account, leafs: Iterable<Leaf>): void {
  for (const leaf of [...leafs]) if (leaf.account === account && !leaf.closed) closeLeaf(leaf, "Account Authentication Expired", ClosedState.AuthenticationExpired);
}
