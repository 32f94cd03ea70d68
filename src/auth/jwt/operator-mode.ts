/**
 * Operator mode (decentralized JWT authentication, nats-server auth.go
 * processClientOrLeafAuthentication with trusted keys, accounts.go updateAccountClaims):
 * accounts come from account JWTs signed by a trusted operator (or one of its signing
 * keys) through the account resolver; users connect with a user JWT signed by their
 * account (or one of its signing keys, scoped ones applying their template) and the nonce
 * signed with the user key, or as bearer. Owned by the server (`server.operator`), null
 * outside operator mode.
 */
import type { Client } from "../../server/client.js";
import type { Server } from "../../server/server.js";
import { Account } from "../../accounts/account.js";
import { configureAccounts } from "../../accounts/imports.js";
import { ClosedState } from "../../server/closed-state.js";
import { ERR_MAX_ACCOUNT_CONNECTIONS, ERR_MAX_SUBSCRIPTIONS } from "../../protocol/errors.js";
import { LruMap } from "../../util/lru.js";
import type { AuthFailure, AuthResult } from "../authenticator.js";
import { verifyNonceSignature } from "../nkeys.js";
import { Permissions } from "../permissions.js";
import { accountOptionsFromClaims } from "./account-links.js";
import { accountSigners, decodeAccountClaims, ERR_ACCOUNT_VALIDATION, ERR_MISSING_ACCOUNT, decodeUserClaims, isRevoked, nowSeconds, timeProblem, type AccountClaims, type ScopedSigner, type UserClaims } from "./claims.js";
import type { Subscription } from "../../server/subscription.js";
import { listenClaimRequests, storeHash } from "./claims-requests.js";
import { ResolverSync, type SyncedStore } from "./resolver-sync.js";
import { createResolver, DirResolver, type AccountResolver } from "./resolver.js";
import { applyTemplate, connectionTypeAllowed, hasEmptyPermissions, jwtPermissions, sourceAllowed, timeWindow } from "./user-checks.js";
import type { JetStreamAccountLimits, ServerOptions } from "../../server/options.js";
import { jetStreamLimitsOf } from "./jetstream-limits.js";
import { closeAccountLeafs, recheckLeafs } from "../../leafnode/leaf-jwt.js";
import type { Leaf } from "../../leafnode/leaf.js";
import type { Connection } from "../../server/connection.js";
import { Kind } from "../../server/connection-kind.js";

/** JWT limits use -1 for "no limit" (jwt.NoLimit). */
export const NO_LIMIT = -1;
/** Compiled permissions kept per distinct user JWT. */
const PERMS_CACHE_SIZE = 1024;
/** setTimeout's ceiling; longer expiries are re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * An expired account's JWT is asked of the resolver again at most this often (nats-server
 * updateAccount: "too soon" within a second of the last update).
 */
const REFETCH_MIN_MS = 1000;
/** nats-server ErrAccountExpired. */
const ERR_ACCOUNT_EXPIRED = "account expired";

/** What a user JWT grants a connection beyond user, account and permissions. */
export interface JwtGrant {
  /** The user's public key (the JWT subject). */
  userKey: string;
  accountKey: string;
  /** When the connection must end (user JWT expiry or the end of its time window); 0 = never. */
  expiresAtMs: number;
  /** Per-connection limits from the user (or its scoped signer) and account; -1 = none. */
  maxPayload: number;
  maxSubs: number;
}

/** How the user's connection arrived, for `allowed_connection_types` and `src`. */
export interface UserJwtContext {
  /** The nonce sent in INFO. */
  nonce: string;
  /** The CONNECT `sig`: the nonce signed with the user key (not needed for bearer JWTs). */
  sig?: string;
  /** The client's IP address. */
  host: string;
  /** jwt connection type: `STANDARD`, `WEBSOCKET`, `LEAFNODE`, `MQTT`... */
  connectionType?: string;
}

/** One account known from its JWT. */
export class JwtAccount {
  signers: Map<string, ScopedSigner | null>;
  /** When the claims were last applied (ms): an expired account is re-fetched only after REFETCH_MIN_MS. */
  updatedAtMs = Date.now();
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(
    public claims: AccountClaims,
    readonly account: Account,
    /** The JWT the claims come from, to tell a renewed one from the same one. */
    public jwt: string,
  ) {
    this.signers = accountSigners(claims);
  }

  /** Expired, and its JWT not asked for again within REFETCH_MIN_MS (nats-server lookupAccount/updateAccount). */
  get refetchDue(): boolean {
    return this.expired && Date.now() - this.updatedAtMs >= REFETCH_MIN_MS;
  }

  get key(): string {
    return this.claims.sub;
  }

  get expired(): boolean {
    const exp = this.claims.exp ?? 0;
    return exp > 0 && exp <= nowSeconds();
  }

  /**
   * An account limit (conn, subs, payload, leaf, data), -1 when unlimited. An absent
   * limit is 0, as Go decodes it into nats-server: an account JWT without `limits` admits
   * no connections (nsc always writes -1 for "no limit").
   */
  limit(name: "conn" | "subs" | "payload" | "leaf" | "data"): number {
    return goInt((this.claims.nats.limits as Record<string, unknown> | undefined)?.[name]);
  }

  /** Arms the expiry timer (nats-server Account.checkExpiration); `onExpire` runs once. */
  armExpiry(onExpire: () => void): void {
    this.stopTimer();
    const exp = this.claims.exp ?? 0;
    if (exp <= 0) return;
    const ms = exp * 1000 - Date.now();
    if (ms <= 0) return;
    this.expiryTimer = setTimeout(() => (exp * 1000 > Date.now() ? this.armExpiry(onExpire) : onExpire()), Math.min(ms, MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  stopTimer(): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }
}

/** True when the options put the server in operator mode. */
export function isOperatorMode(o: ServerOptions): boolean {
  return (o.operators !== undefined && o.operators.length > 0) || (o.trustedKeys !== undefined && o.trustedKeys.length > 0);
}

/** The server's operator mode: trusted keys, resolver, JWT accounts, user authentication. */
export class OperatorMode {
  /** Operator keys and operator signing keys that may sign account JWTs. */
  readonly trusted = new Set<string>();
  readonly resolver: AccountResolver;
  /** The accounts loaded from JWTs, by public key. */
  readonly jwtAccounts = new Map<string, JwtAccount>();
  private permsCache = new LruMap<string, Permissions | null>(PERMS_CACHE_SIZE);
  private readonly pinned: Set<string> | null;
  private claimSubs: Subscription[] = [];
  /** A full resolver's exchange with the cluster's other full resolvers; null otherwise. */
  sync: ResolverSync | null = null;

  constructor(private readonly server: Server) {
    const o = server.options;
    for (const op of o.operators ?? []) {
      this.trusted.add(op.subject);
      for (const k of op.signingKeys) this.trusted.add(k);
    }
    for (const k of o.trustedKeys ?? []) this.trusted.add(k);
    this.resolver = createResolver(o.resolver, o.resolverPreload ?? {}, o.resolverTls, (msg) => server.logger.error(`Account JWT lookup error: ${msg}`));
    if (this.resolver instanceof DirResolver) this.resolver.onEvict = (key) => this.removeAccount(key);
    const sys = this.systemAccountKey();
    this.pinned = o.resolverPinnedAccounts !== undefined ? new Set([...o.resolverPinnedAccounts, ...(sys !== undefined ? [sys] : [])]) : null;
    // Preloaded JWTs go to the resolver's store first (nats-server stores them when newer).
    if (this.resolver.kind !== "memory") {
      for (const [k, jwt] of Object.entries(o.resolverPreload ?? {})) {
        if (this.resolver.fetch(k) !== undefined) continue;
        try {
          this.resolver.store(k, jwt);
        } catch (err) {
          server.logger.error(`Preloading account ${k}: ${(err as Error).message}`);
        }
      }
    }
    const all = this.resolver.kind === "memory" ? this.resolver.list() : sys !== undefined ? [sys] : [];
    for (const key of all) this.load(key, false);
    this.rewire();
    server.onClose(() => {
      for (const a of this.jwtAccounts.values()) a.stopTimer();
      this.resolver.close();
      this.sync?.close();
    });
  }

  /**
   * Before clients are accepted: a remote (URL) resolver fetches the system account, which
   * the constructor could not load synchronously (nats-server fetches it at start too).
   */
  async start(): Promise<void> {
    const sys = this.systemAccountKey();
    if (!this.resolver.remote || sys === undefined || this.jwtAccounts.has(sys)) return;
    await this.fetchWithImports(sys);
    if (this.load(sys, false) !== null) this.rewire();
  }

  /**
   * With a remote resolver, the fetch a login with user JWT `jwt` must wait for: its
   * account's JWT (and the accounts it imports from) when not known yet. Null when nothing
   * is to wait for (then authentication runs at once and reports any problem).
   */
  pendingFetch(jwt: string | undefined): Promise<unknown> | null {
    const lookup = this.sync !== null && this.sync.clustered;
    if ((!this.resolver.remote && !lookup) || jwt === undefined || jwt === "") return null;
    let uc: UserClaims;
    try {
      uc = decodeUserClaims(jwt);
    } catch {
      return null;
    }
    const issuer = uc.nats.issuer_account ?? uc.iss;
    const known = this.jwtAccounts.get(issuer);
    // nats-server lookupAccount: an expired account's JWT is fetched again (a renewed one brings it back).
    if ((known !== undefined && !known.refetchDue) || (this.pinned !== null && !this.pinned.has(issuer))) return null;
    if (!this.resolver.remote && this.resolver.fetch(issuer) !== undefined) return null;
    return this.fetchWithImports(issuer, known !== undefined);
  }

  /**
   * Brings `key`'s JWT to the store: from the URL, or from the cluster's full resolvers.
   * Resolves with why it could not (nats-server's error text), else null.
   */
  private prefetch(key: string, force = false): Promise<string | null> {
    return this.resolver.remote ? this.resolver.prefetch(key, force) : (this.sync?.lookup(key) ?? Promise.resolve(null));
  }

  /**
   * Fetches `key`'s account JWT (again when `force`: an expired one may have been renewed), then the JWTs of the accounts it imports from, concurrently.
   * Resolves with why `key`'s could not be fetched, else null.
   */
  private async fetchWithImports(key: string, force = false): Promise<string | null> {
    const why = await this.prefetch(key, force);
    const jwt = this.resolver.fetch(key);
    if (jwt === undefined) return why;
    const claims = this.checkAccountJwt(jwt, key);
    if (typeof claims === "string") return null;
    const exporters = new Set<string>();
    for (const i of claims.nats.imports ?? []) if (typeof i.account === "string" && !this.jwtAccounts.has(i.account)) exporters.add(i.account);
    await Promise.all([...exporters].map((k) => this.prefetch(k)));
    return null;
  }

  /**
   * nats-server LookupAccount for a caller that can wait (the auth callout's target account,
   * a solicited leaf's local account): the loaded account, else its JWT fetched through the
   * resolver as a login's is (URL fetch, the cluster's LOOKUP) and loaded. The error is
   * nats-server's text: the resolver's (`could not fetch <"url">: 404 Not Found`,
   * `fetching jwt timed out`), `account missing`, `account validation failed`, or `account expired` (an
   * expired account whose resolver has no renewed JWT).
   */
  async fetchAccount(key: string): Promise<JwtAccount | { error: string }> {
    const known = this.jwtAccounts.get(key);
    if (known !== undefined && !known.refetchDue) return known.expired ? { error: ERR_ACCOUNT_EXPIRED } : known;
    const why = this.resolver.remote || this.sync?.clustered === true ? await this.fetchWithImports(key, known !== undefined) : null;
    if (known !== undefined) {
      const ja = this.lookupAccount(key);
      return ja === null || ja.expired ? { error: ERR_ACCOUNT_EXPIRED } : ja;
    }
    const jwt = this.resolver.fetch(key);
    if (jwt === undefined) return { error: why ?? ERR_MISSING_ACCOUNT };
    const claims = this.checkAccountJwt(jwt, key);
    // nats-server verifyAccountClaims: an expired JWT fails validation.
    if (typeof claims === "string" || ((claims.exp ?? 0) > 0 && claims.exp! <= nowSeconds())) return { error: ERR_ACCOUNT_VALIDATION };
    return this.lookupAccount(key) ?? { error: ERR_ACCOUNT_VALIDATION };
  }

  /**
   * Serves the account-JWT endpoints (claims-requests.ts) in the system account `sys`;
   * a full resolver in a cluster also syncs with its peers (resolver-sync.ts).
   */
  listen(sys: Account): void {
    for (const s of this.claimSubs) this.server.unsubscribeInternal(s);
    this.claimSubs = listenClaimRequests(this.server, this, sys);
    this.sync?.close();
    this.sync = null;
    const r = this.server.options.resolver;
    if ((r?.type === "full" || r?.type === "cache") && this.server.options.cluster !== undefined) {
      const store: SyncedStore = { fetch: (k) => this.resolver.fetch(k), apply: (jwt) => this.updateAccount(jwt, true), hash: () => storeHash(this) };
      // A cache resolver looks accounts up, but does not exchange packs (CacheDirAccResolver.Start).
      this.sync = new ResolverSync(this.server, sys, store, r.type === "full" ? r.intervalMs : 0, r.timeoutMs);
    }
  }

  /** `system_account`, else the operator JWT's. */
  systemAccountKey(): string | undefined {
    const o = this.server.options;
    return o.systemAccount ?? o.operators?.find((op) => op.systemAccount !== undefined)?.systemAccount;
  }

  /**
   * The JWT account `key`, loading it through the resolver when needed; null when unknown or
   * invalid. An expired account takes the resolver's JWT when it differs (nats-server
   * lookupAccount → updateAccount); it stays expired otherwise.
   */
  lookupAccount(key: string): JwtAccount | null {
    const known = this.jwtAccounts.get(key);
    if (known !== undefined) return known.refetchDue ? this.renew(known) : known;
    const loaded = this.load(key, false);
    if (loaded !== null) this.rewire();
    return loaded;
  }

  /** An expired account: the resolver's JWT applied when it is another one (nats-server updateAccount). */
  private renew(ja: JwtAccount): JwtAccount {
    const jwt = this.resolver.fetch(ja.key);
    if (jwt === undefined || jwt === ja.jwt) return ja;
    const claims = this.checkAccountJwt(jwt, ja.key);
    if (typeof claims === "string") return ja;
    this.server.logger.debug(`Expired account ${ja.key} renewed from the resolver`);
    this.install(claims, jwt);
    this.rewire();
    this.permsCache = new LruMap<string, Permissions | null>(PERMS_CACHE_SIZE);
    return ja;
  }

  /** Decodes and checks an account JWT; the reason it is unusable, or the claims. */
  checkAccountJwt(jwt: string, expectKey?: string): AccountClaims | string {
    let claims: AccountClaims;
    try {
      claims = decodeAccountClaims(jwt);
    } catch (err) {
      return (err as Error).message;
    }
    if (expectKey !== undefined && claims.sub !== expectKey) return "subject does not match account";
    if (!this.trusted.has(claims.iss)) return "not trusted";
    return claims;
  }

  private load(key: string, quiet: boolean): JwtAccount | null {
    const jwt = this.resolver.fetch(key);
    if (jwt === undefined) return null;
    const claims = this.checkAccountJwt(jwt, key);
    if (typeof claims === "string") {
      if (!quiet) this.server.logger.debug(`Account JWT for ${key} not usable: ${claims}`);
      return null;
    }
    return this.install(claims, jwt);
  }

  /** Creates (or refreshes) the server account for `claims`, decoded from `jwt`. */
  private install(claims: AccountClaims, jwt: string): JwtAccount {
    let account = this.server.accounts.get(claims.sub);
    if (account === undefined) {
      account = new Account(claims.sub);
      this.server.accounts.set(claims.sub, account);
    }
    let ja = this.jwtAccounts.get(claims.sub);
    if (ja === undefined) {
      ja = new JwtAccount(claims, account, jwt);
      this.jwtAccounts.set(claims.sub, ja);
      // nats-server enableAccountTracking: the other servers' counts of this account.
      this.server.accountConns.requestCounts(claims.sub);
    } else {
      ja.claims = claims;
      ja.jwt = jwt;
      ja.signers = accountSigners(claims);
      ja.updatedAtMs = Date.now();
    }
    const target = ja;
    ja.armExpiry(() => this.accountExpired(target));
    // JetStream follows the JWT's limits, live (nats-server updateAccountClaimsWithRefresh).
    this.server.jetstream?.reloadAccounts().catch((err: unknown) => this.server.logger.error(`JetStream limits of ${claims.sub}: ${String(err)}`));
    return ja;
  }

  /** The JetStream limits account `name`'s JWT gives; null when none (or not a JWT account). */
  jetStreamLimits(name: string): JetStreamAccountLimits | null {
    const ja = this.jwtAccounts.get(name);
    return ja === undefined ? null : jetStreamLimitsOf(ja.claims);
  }

  /**
   * Rebuilds every account's imports from the JWTs (configureAccounts), loading the
   * exporters that imports name and that are not loaded yet.
   */
  rewire(): void {
    for (let round = 0; round < 4; round++) {
      let loadedMore = false;
      for (const ja of [...this.jwtAccounts.values()]) {
        for (const i of ja.claims.nats.imports ?? []) {
          if (typeof i.account === "string" && !this.jwtAccounts.has(i.account) && this.load(i.account, true) !== null) loadedMore = true;
        }
      }
      if (!loadedMore) break;
    }
    const claims = new Map([...this.jwtAccounts].map(([k, a]) => [k, a.claims]));
    configureAccounts(this.server, [...(this.server.options.accounts ?? []), ...accountOptionsFromClaims(claims)]);
  }

  /**
   * Authenticates a user JWT (nats-server processClientOrLeafAuthentication, operator
   * branch), in nats-server's order of checks. The failure's detail is the debug reason.
   * Exported for every connection kind (WebSocket's jwt_cookie too).
   */
  authenticateUserJwt(jwt: string | undefined, ctx: UserJwtContext): AuthResult | AuthFailure {
    if (jwt === undefined || jwt === "") return fail("Authentication requires a user JWT");
    let uc: UserClaims;
    try {
      uc = decodeUserClaims(jwt);
    } catch (err) {
      return fail(`User JWT not valid: ${(err as Error).message}`);
    }
    const tp = timeProblem(uc);
    if (tp !== null) return fail(`User JWT no longer valid: ${tp}`);
    if (!connectionTypeAllowed(uc.nats.allowed_connection_types, ctx.connectionType ?? "STANDARD")) return fail("Connection type not allowed");
    const issuer = uc.nats.issuer_account ?? uc.iss;
    if (this.pinned !== null && !this.pinned.has(issuer)) return fail(`Account ${issuer} not listed as operator pinned account`);
    const ja = this.lookupAccount(issuer);
    if (ja === null) return fail("Account JWT lookup error");
    if (!ja.signers.has(uc.iss)) return fail("User JWT issuer is not known");
    let user = uc.nats;
    const scope = ja.signers.get(uc.iss) ?? null;
    if (scope !== null) {
      if (!hasEmptyPermissions(uc.nats)) return fail("User JWT is not valid: scoped users require empty permissions");
      try {
        user = { ...uc.nats, ...applyTemplate(scope.template, { user: uc, accountName: ja.claims.name ?? "", accountTags: ja.claims.nats.tags ?? [] }) };
      } catch {
        return fail("User JWT generated invalid permissions");
      }
    }
    if (ja.expired) return fail("Account JWT has expired");
    const bearer = uc.nats.bearer_token === true;
    if (bearer && ja.claims.nats.limits?.disallow_bearer === true) return fail("Account does not allow bearer token");
    if (!bearer) {
      if (ctx.sig === undefined || ctx.sig === "") return fail("Signature missing");
      if (!verifyNonceSignature(uc.sub, ctx.nonce, ctx.sig)) return fail("Signature not verified");
    }
    if (isRevoked(ja.claims.nats.revocations, uc.sub, uc.iat)) return fail("User authentication revoked");
    if (!sourceAllowed(user.src, ctx.host)) return fail(`Bad src Ip ${ctx.host}`);
    const window = timeWindow(user.times, user.locale);
    if (!window.allowed) return fail("Outside connect times");
    let expiresAtMs = (uc.exp ?? 0) > 0 ? uc.exp! * 1000 : 0;
    if (window.validForMs > 0) {
      const end = Date.now() + window.validForMs;
      expiresAtMs = expiresAtMs === 0 ? end : Math.min(expiresAtMs, end);
    }
    // nats-server applyAccountLimits: the user's limits (a scoped signer's template's), then the account's.
    // A template's absent limits are "none" (Go decodes templates over -1 defaults), a user's are 0.
    const lim = scope !== null ? scope.template : uc.nats;
    const absent = scope !== null ? NO_LIMIT : 0;
    const grant: JwtGrant = {
      userKey: uc.sub,
      accountKey: ja.key,
      expiresAtMs,
      maxPayload: minLimit(goInt(lim.payload, absent), ja.limit("payload")),
      maxSubs: minLimit(goInt(lim.subs, absent), ja.limit("subs")),
    };
    return { user: uc.sub, account: ja.key, permissions: this.permissionsFor(jwt, user, ja), jwt: grant };
  }

  private permissionsFor(jwt: string, user: UserClaims["nats"], ja: JwtAccount): Permissions | null {
    const cached = this.permsCache.get(jwt);
    if (cached !== undefined) return cached;
    const p = jwtPermissions(user, ja.claims.nats.default_permissions);
    const perms = p === null ? null : new Permissions(p);
    this.permsCache.set(jwt, perms);
    return perms;
  }

  /**
   * Applies a grant to a connection bound to its account (nats-server registerWithAccount
   * and applyAccountLimits): the account connection limit, payload and subscription limits,
   * the expiry timer. Returns false when the connection was refused (and closed).
   */
  admit(c: Client, grant: JwtGrant): boolean {
    const ja = this.jwtAccounts.get(grant.accountKey);
    const max = ja?.limit("conn") ?? NO_LIMIT;
    if (max !== NO_LIMIT && !c.connected) {
      // nats-server MaxTotalConnectionsReached: this server's clients and leaves, the cluster's clients.
      if (this.server.accountConns.connLimitReached(c.account, max, c)) {
        this.server.logger.error(`${c.logPrefix()}${ERR_MAX_ACCOUNT_CONNECTIONS}`);
        c.sendErr(ERR_MAX_ACCOUNT_CONNECTIONS);
        c.closeConnection(ClosedState.MaxAccountConnectionsExceeded);
        return false;
      }
    }
    const o = this.server.options;
    const maxPayload = grant.maxPayload === NO_LIMIT ? o.maxPayload : Math.min(grant.maxPayload, o.maxPayload);
    if (maxPayload !== c.parser.maxPayload && maxPayload !== o.maxPayload && !c.connected) {
      // nats-server sends INFO again after the first PONG when the client's max_payload differs.
      c.pendingInfo = this.server.infoFor(c).replace(/"max_payload":\d+/, `"max_payload":${maxPayload}`).replace(/,"nonce":"[^"]*"/, "");
    }
    c.parser.maxPayload = maxPayload;
    const maxSubs = minLimit(grant.maxSubs, o.maxSubscriptions > 0 ? o.maxSubscriptions : NO_LIMIT);
    if (maxSubs === 0) {
      // nats-server applyAccountLimits: at the limit before any SUB.
      this.closeClient(c, ERR_MAX_SUBSCRIPTIONS, ClosedState.MaxSubscriptionsExceeded);
      return false;
    }
    c.maxSubs = maxSubs === NO_LIMIT ? 0 : maxSubs;
    this.armUserExpiry(c, grant.expiresAtMs);
    return true;
  }

  /** nats-server client.setExpiration: `User Authentication Expired` when the JWT (or its window) ends. */
  private armUserExpiry(c: Client, atMs: number): void {
    if (c.expiryTimer !== null) clearTimeout(c.expiryTimer);
    c.expiryTimer = null;
    c.expiresAtMs = atMs;
    if (atMs === 0) return;
    const ms = atMs - Date.now();
    const fire = (): void => {
      c.expiryTimer = null;
      if (c.closed) return;
      if (atMs > Date.now()) return this.armUserExpiry(c, atMs);
      this.closeClient(c, "User Authentication Expired", ClosedState.AuthenticationExpired);
    };
    if (ms <= 0) {
      fire();
      return;
    }
    c.expiryTimer = setTimeout(fire, Math.min(ms, MAX_TIMER_MS));
  }

  private closeClient(c: Client, error: string, reason: (typeof ClosedState)[keyof typeof ClosedState]): void {
    this.server.logger.debug(`${c.logPrefix()}${error}`);
    c.sendErr(error);
    c.closeConnection(reason);
    this.server.flushPending();
  }

  private clientsOf(ja: JwtAccount): Client[] {
    return [...this.server.clients.values()].filter((c) => c.account === ja.account);
  }

  /** nats-server accountAuthExpired: every client of the account is closed. */
  private accountExpired(ja: JwtAccount): void {
    for (const c of this.clientsOf(ja)) this.closeClient(c, "Account Authentication Expired", ClosedState.AuthenticationExpired);
    this.closeLeafs(ja);
  }

  /** The account's leaf connections go with it (src/leafnode/leaf-jwt.ts). */
  private closeLeafs(ja: JwtAccount): void {
    const leafs = this.server.leafs;
    if (leafs !== null) closeAccountLeafs(ja.account, leafs.leafs.values());
  }

  /**
   * Applies a new JWT of a loaded account (nats-server updateAccountClaims): imports and
   * exports rewired, revoked users and users of removed signing keys disconnected, the
   * connection limit enforced, the expiry re-armed. Returns null or why it was refused.
   */
  updateAccount(jwt: string, stored = false): string | null {
    if (stored && this.resolver.acceptsUpdates) {
      // nats-server DirJWTStore.save: a valid account JWT is stored whoever signed it;
      // trust is checked when the account is used.
      try {
        this.resolver.store(decodeAccountClaims(jwt).sub, jwt);
      } catch (err) {
        return (err as Error).message; // not a JWT, or a full resolver's "jwt store is full"
      }
    }
    const claims = this.checkAccountJwt(jwt);
    if (typeof claims === "string") return stored && this.resolver.acceptsUpdates ? null : claims;
    const known = this.jwtAccounts.get(claims.sub);
    // A resolver update (nats-server DirJWTStore.save) replaces the stored JWT whatever its age.
    if (!stored && known !== undefined && claims.iat < known.claims.iat) return "jwt is older than the one in use";
    if (this.resolver.acceptsUpdates) {
      if (!stored) {
        try {
          this.resolver.store(claims.sub, jwt);
        } catch (err) {
          return (err as Error).message;
        }
      }
    } else if (known === undefined) return null; // MEMORY: only accounts in use take updates
    else this.resolver.store(claims.sub, jwt);
    if (known === undefined) return null; // loaded when first used
    const ja = this.install(claims, jwt);
    this.rewire();
    this.permsCache = new LruMap<string, Permissions | null>(PERMS_CACHE_SIZE);
    this.recheckClients(ja);
    return null;
  }

  private recheckClients(ja: JwtAccount): void {
    const clients = this.clientsOf(ja);
    for (const c of clients) {
      const jwt = c.connectOpts?.jwt;
      if (jwt === undefined) continue;
      let uc: UserClaims;
      try {
        uc = decodeUserClaims(jwt);
      } catch {
        continue;
      }
      if (isRevoked(ja.claims.nats.revocations, uc.sub, uc.iat) || !ja.signers.has(uc.iss)) {
        this.closeClient(c, "User Authentication Revoked", ClosedState.Revocation);
      }
    }
    // nats-server updateAccountClaimsWithRefresh: the oldest `conn` clients and leaves (this
    // server's only) stay, the newer ones are closed; the others get the new limits.
    const max = ja.limit("conn");
    let kept = 0;
    for (const c of this.server.accountConns.connectionsOf(ja.account)) {
      if (c.closed) continue;
      if (max !== NO_LIMIT && kept >= max) {
        this.closeOverLimit(c);
        continue;
      }
      kept++;
      if (c.kind === Kind.CLIENT) this.reapplyLimits(c as Client, ja);
    }
    if (this.server.leafs !== null) recheckLeafs(this, ja, this.server.leafs.leafs.values());
  }

  /** nats-server maxAccountConnExceeded, for a client or a leaf. */
  private closeOverLimit(c: Connection): void {
    if (c.kind === Kind.LEAF) {
      (c as Leaf).errAndClose(ERR_MAX_ACCOUNT_CONNECTIONS, ClosedState.MaxAccountConnectionsExceeded);
      this.server.flushPending();
    } else this.closeClient(c as Client, ERR_MAX_ACCOUNT_CONNECTIONS, ClosedState.MaxAccountConnectionsExceeded);
  }

  /**
   * Another server's count of `account` changed (nats-server Account.updateRemoteServer): when
   * the cluster is over the account's `conn` limit the newest local clients and leaves over it
   * are closed, over `leaf` the newest local leaves.
   */
  enforceClusterLimits(account: Account): void {
    const ja = this.jwtAccounts.get(account.name);
    if (ja === undefined) return;
    const conns = this.server.accountConns;
    const newest = conns.connectionsOf(account).reverse();
    const maxConn = ja.limit("conn");
    const out = new Set<Connection>();
    if (maxConn !== NO_LIMIT) {
      const over = newest.length + conns.remoteClients(account) - maxConn;
      for (const c of newest.slice(0, Math.max(0, over))) out.add(c);
    }
    const maxLeaf = ja.limit("leaf");
    if (maxLeaf !== NO_LIMIT) {
      const leafs = newest.filter((c) => c.kind === Kind.LEAF);
      const over = leafs.length + conns.remoteLeafs(account) - maxLeaf;
      for (const c of leafs.slice(0, Math.max(0, over))) out.add(c);
    }
    for (const c of out) if (!c.closed) this.closeOverLimit(c);
  }

  /**
   * nats-server applyAccountLimits on an account update: the client's payload and subscription
   * limits from its user JWT and the new account JWT; a client already at the new
   * subscription limit is closed.
   */
  private reapplyLimits(c: Client, ja: JwtAccount): void {
    const jwt = c.connectOpts?.jwt;
    if (jwt === undefined || jwt === "") return;
    const limits = this.grantLimits(jwt, ja);
    if (limits === null) return;
    const o = this.server.options;
    c.parser.maxPayload = limits.maxPayload === NO_LIMIT ? o.maxPayload : Math.min(limits.maxPayload, o.maxPayload);
    const maxSubs = minLimit(limits.maxSubs, o.maxSubscriptions > 0 ? o.maxSubscriptions : NO_LIMIT);
    c.maxSubs = maxSubs === NO_LIMIT ? 0 : maxSubs;
    if (maxSubs !== NO_LIMIT && c.subs.size >= maxSubs) this.closeClient(c, ERR_MAX_SUBSCRIPTIONS, ClosedState.MaxSubscriptionsExceeded);
  }

  /**
   * The payload and subscription limits a user JWT gets in account `ja` (nats-server
   * applyAccountLimits): the user's (a scoped signer's template's), then the account's.
   */
  grantLimits(jwt: string, ja: JwtAccount): { maxPayload: number; maxSubs: number } | null {
    let uc: UserClaims;
    try {
      uc = decodeUserClaims(jwt);
    } catch {
      return null;
    }
    const scope = ja.signers.get(uc.iss) ?? null;
    const lim = scope !== null ? scope.template : uc.nats;
    const absent = scope !== null ? NO_LIMIT : 0;
    return { maxPayload: minLimit(goInt(lim.payload, absent), ja.limit("payload")), maxSubs: minLimit(goInt(lim.subs, absent), ja.limit("subs")) };
  }

  /** Removes an account's JWT (`$SYS.REQ.CLAIMS.DELETE`): its clients are disconnected. */
  deleteAccount(key: string): void {
    this.resolver.delete(key);
    this.removeAccount(key);
  }

  /** nats-server removeCb: an account whose JWT is gone (deleted, evicted) is shut. */
  private removeAccount(key: string): void {
    const ja = this.jwtAccounts.get(key);
    if (ja === undefined) return;
    ja.stopTimer();
    this.jwtAccounts.delete(key);
    for (const c of this.clientsOf(ja)) this.closeClient(c, "Account Authentication Expired", ClosedState.AuthenticationExpired);
    this.closeLeafs(ja);
    this.rewire();
  }
}

function fail(detail: string): AuthFailure {
  return { detail };
}

/** A JWT number as Go reads it: absent (or not a number) is the zero value, or `absent`. */
function goInt(v: unknown, absent = 0): number {
  return typeof v === "number" ? v : absent;
}

/** The smaller of two limits where -1 means none (nats-server minLimit). */
function minLimit(a: number, b: number): number {
  if (a === NO_LIMIT) return b;
  if (b === NO_LIMIT) return a;
  return Math.min(a, b);
}
