/**
 * Which logins go to an auth callout, and to which (nats-server auth.go with auth_callout.go):
 * - config mode: one callout (`authorization { auth_callout }`) for every CONNECT whose
 *   `user` or `nkey` is not in its `auth_users`;
 * - operator mode: an account whose JWT has `authorization { auth_users, allowed_accounts,
 *   xkey }` runs its own callout for every user JWT of that account (after the usual JWT
 *   checks) whose key is not in `auth_users`; granted users go to the account that issued
 *   their JWT if it is the callout account or one of `allowed_accounts` (`*` = any).
 * Owned by the server (`server.callouts`), null when neither mode can call out.
 */
import type { KeyObject } from "node:crypto";
import { GLOBAL_ACCOUNT } from "../../accounts/account.js";
import type { Client, ConnectOptions } from "../../server/client.js";
import type { Server } from "../../server/server.js";
import type { AuthCalloutOptions } from "../../server/options.js";
import { isAuthFailure, type AuthResult } from "../authenticator.js";
import { Permissions } from "../permissions.js";
import type { JwtAccount, OperatorMode } from "../jwt/operator-mode.js";
import { ERR_MISSING_ACCOUNT, type UserClaims } from "../jwt/claims.js";
import { applyTemplate, hasEmptyPermissions } from "../jwt/user-checks.js";
import { AuthCallout } from "./callout.js";
import { configPlacement, withCalloutDeny, type Placement } from "./response.js";

export class AuthCallouts {
  /** Config mode's callout, its `auth_users` and `allowed_accounts` (empty: every account). */
  private readonly configured: { callout: AuthCallout; authUsers: ReadonlySet<string>; allowed: ReadonlySet<string> } | null;
  /** Operator mode: one callout per account with external authorization, and what it was built from. */
  private readonly byAccount = new Map<string, { source: string; callout: AuthCallout }>();

  constructor(
    private readonly server: Server,
    private readonly signingKey: KeyObject,
    options: AuthCalloutOptions | undefined,
  ) {
    this.configured =
      options === undefined
        ? null
        : {
            authUsers: new Set(options.authUsers),
            allowed: new Set(options.allowedAccounts ?? []),
            callout: new AuthCallout(
              server,
              { subject: options.issuer, account: options.account, ...(options.xkey !== undefined ? { xkey: options.xkey } : {}), placement: configPlacement(options.issuer, (n) => server.accounts.has(n)) },
              signingKey,
            ),
          };
  }

  /** The callout that decides this CONNECT, or null when the usual authentication does. */
  route(c: Client, o: ConnectOptions): AuthCallout | null {
    const cfg = this.configured;
    if (cfg !== null) {
      const bypass = (o.user !== undefined && cfg.authUsers.has(o.user)) || (o.nkey !== undefined && cfg.authUsers.has(o.nkey));
      return bypass || !delegated(c, o, cfg.allowed) ? null : cfg.callout;
    }
    const op = this.server.operator;
    if (op === null || !hasExternalAuth(op)) return null;
    // The user JWT must pass the usual checks first; a failure is reported by the usual path.
    const r = op.authenticateUserJwt(o.jwt, { nonce: c.nonce, sig: o.sig ?? "", host: c.host, connectionType: c.connectionType });
    // Handed to the usual path, which would otherwise verify the same JWT again (~25 ms each
    // with @nats-io/jwt's pure-JS Ed25519 on this project's machine).
    c.checkedJwt = { creds: o, result: r };
    if (isAuthFailure(r) || r.jwt === undefined) return null;
    const ja = op.lookupAccount(r.jwt.accountKey);
    const auth = ja?.claims.nats.authorization;
    if (ja === null || auth === undefined || (auth.auth_users ?? []).length === 0) return null;
    if (auth.auth_users!.includes(r.jwt.userKey)) return null;
    c.checkedJwt = null;
    return this.accountCallout(op, ja);
  }

  private accountCallout(op: OperatorMode, ja: JwtAccount): AuthCallout {
    const auth = ja.claims.nats.authorization ?? {};
    const source = JSON.stringify(auth);
    const known = this.byAccount.get(ja.key);
    if (known !== undefined && known.source === source) return known.callout;
    known?.callout.close();
    const xkey = auth.xkey !== undefined && auth.xkey !== "" ? { xkey: auth.xkey } : {};
    const callout = new AuthCallout(this.server, { subject: ja.key, account: ja.key, ...xkey, placement: operatorPlacement(op, ja.key, auth.allowed_accounts ?? []) }, this.signingKey);
    this.byAccount.set(ja.key, { source, callout });
    return callout;
  }

  /** Permissions with the callout-subject deny, per permissions they were made from (null: none). */
  private readonly denied = new WeakMap<Permissions, Permissions>();
  private deniedOnly: Permissions | null = null;

  /**
   * Operator mode: a user JWT of an account that runs a callout (its service's users, its
   * sentinels) may not publish to `$SYS.REQ.USER.AUTH`, as nats-server adds that deny.
   */
  restrict(r: AuthResult): AuthResult {
    const op = this.server.operator;
    if (op === null || r.jwt === undefined) return r;
    const auth = op.jwtAccounts.get(r.jwt.accountKey)?.claims.nats.authorization;
    if ((auth?.auth_users ?? []).length === 0) return r;
    const base = r.permissions;
    let p: Permissions;
    if (base === null) p = this.deniedOnly ??= new Permissions(withCalloutDeny(null));
    else {
      p = this.denied.get(base) ?? new Permissions(withCalloutDeny(base.options));
      this.denied.set(base, p);
    }
    return { ...r, permissions: p };
  }

  /** Ends every pending callout (shutdown). */
  close(): void {
    this.configured?.callout.close();
    for (const { callout } of this.byAccount.values()) callout.close();
    this.byAccount.clear();
  }
}

/**
 * Config mode's `allowed_accounts` (nats-server auth.go processClientOrLeafAuthentication):
 * a login the configuration itself accepts into an account other than `$G` goes to the
 * callout only when that account is allowed; everyone else (unknown users, wrong
 * passwords, `$G` users) is the callout's. A bcrypt password with no remembered verdict is
 * not checked here (that takes a worker): the user's configured account decides alone.
 */
function delegated(c: Client, o: ConnectOptions, allowed: ReadonlySet<string>): boolean {
  if (allowed.size === 0) return true;
  const auth = c.authenticator;
  const r = auth.pendingBcrypt(o, c.nonce) === null ? auth.authenticate(o, c.nonce) : auth.configuredUser(o);
  if (r === null || isAuthFailure(r)) return true;
  const account = r.account ?? GLOBAL_ACCOUNT;
  return account === GLOBAL_ACCOUNT || allowed.has(account);
}

/** True when some loaded account JWT asks for external authorization. */
function hasExternalAuth(op: OperatorMode): boolean {
  for (const ja of op.jwtAccounts.values()) if ((ja.claims.nats.authorization?.auth_users ?? []).length > 0) return true;
  return false;
}

/**
 * Operator mode (nats-server getIssuerAccount / assignAccountAndPermissions with trusted
 * keys): responses signed by the callout account or one of its signing keys (not checked
 * when sealed to us); the user JWT's issuer account is the callout account or an allowed
 * one, and its signer must be known there (a scoped signer's template applies).
 */
function operatorPlacement(op: OperatorMode, calloutKey: string, allowed: readonly string[]): Placement {
  const issuerOf = (uc: UserClaims): string => (uc.nats.issuer_account !== undefined && uc.nats.issuer_account !== "" ? uc.nats.issuer_account : uc.iss);
  const permitted = (issuer: string): boolean => issuer === calloutKey || allowed.includes("*") || allowed.includes(issuer);
  return {
    signerKnown: (iss, encrypted) => encrypted || (op.lookupAccount(calloutKey)?.signers.has(iss) ?? false),
    // nats-server LookupAccount of the target: fetched through the resolver when not loaded.
    prepare: (uc) => {
      const issuer = issuerOf(uc);
      if (!permitted(issuer) || op.jwtAccounts.has(issuer)) return null;
      return op.fetchAccount(issuer).then((r) => ("error" in r ? r.error : null));
    },
    place: (uc, acc, fetchError) => {
      const issuer = issuerOf(uc);
      if (!permitted(issuer)) {
        return { error: `Account "${uc.iss}" not permitted as valid account option for auth callout for account "${acc}"` };
      }
      const target = op.lookupAccount(issuer);
      if (target === null) return { error: `No valid account "${issuer}" for auth callout response on account "${acc}": ${fetchError ?? ERR_MISSING_ACCOUNT}` };
      if (!target.signers.has(uc.iss)) return { error: `User JWT issuer "${uc.iss}" is not known` };
      let user = uc.nats;
      const scope = target.signers.get(uc.iss) ?? null;
      if (scope !== null) {
        if (!hasEmptyPermissions(uc.nats)) return { error: "User JWT is not valid: scoped users require empty permissions" };
        try {
          user = { ...uc.nats, ...applyTemplate(scope.template, { user: uc, accountName: target.claims.name ?? "", accountTags: target.claims.nats.tags ?? [] }) };
        } catch (err) {
          return { error: `User JWT generated invalid permissions: ${(err as Error).message}` };
        }
      }
      const defaults = target.claims.nats.default_permissions;
      return { account: target.key, user, ...(defaults !== undefined ? { defaults } : {}), accountPayload: target.limit("payload"), accountSubs: target.limit("subs") };
    },
  };
}
