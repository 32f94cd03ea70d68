/**
 * Checks a client's CONNECT credentials against the configured auth (nats-server
 * auth.go processClientOrLeafAuthentication). Order as nats-server: nkey users (when the
 * client sends an `nkey`), then the users list, then the token, then the single
 * user/password; `no_auth_user` stands in for a client that sends no credentials at all.
 * Comparisons are timing-safe; bcrypt hashes (`$2a$`...) are verified as such.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { BcryptVerifier } from "./bcrypt.js";
import { TsnatsError } from "../errors.js";
import type { ServerOptions, UserOptions } from "../server/options.js";
import { verifyNonceSignature } from "./nkeys.js";
import { Permissions } from "./permissions.js";
import type { JwtGrant } from "./jwt/operator-mode.js";

/** What a client presented in CONNECT. */
export interface Credentials {
  auth_token?: string;
  user?: string;
  pass?: string;
  nkey?: string;
  sig?: string;
  jwt?: string;
  /**
   * With TLS `verify_and_map`: the identities in the client's verified certificate, in
   * the order they are tried as user names (see certIdentities in src/server/tls.ts).
   */
  certIdentities?: string[];
}

/** The identity a successful authentication yields. */
export interface AuthResult {
  /** Username or nkey ("" for token or no auth). */
  user: string;
  /** Account name; undefined = the global account. */
  account?: string;
  userOptions?: UserOptions;
  /** Compiled permissions, shared by every connection of this user; null = unrestricted. */
  permissions: Permissions | null;
  /** Operator mode: what the user JWT grants beyond permissions (src/auth/jwt). */
  jwt?: JwtGrant;
}

/** Why authentication failed, for the log line (nats-server authViolation). */
export interface AuthFailure {
  /** `User "x"` / `Nkey "U..."` / "" as nats-server adds to "authentication error". */
  detail: string;
}

/** Error code when `no_auth_user` names nobody (nats-server validateAuth). */
export const ERR_NO_AUTH_USER_UNKNOWN = "ERR_NO_AUTH_USER_UNKNOWN";

/** A bcrypt comparison authenticate() needs and has no remembered verdict for. */
export interface PendingBcrypt {
  given: string;
  hash: string;
}

/** Compares plain secrets in constant time (hashing first so lengths do not leak). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** nats-server auth.go isBcrypt: `$2a$`, `$2b$`, `$2y$`... prefixes. */
export function isBcrypt(s: string): boolean {
  return /^\$2[abxy]?\$/.test(s);
}

interface UserEntry {
  options: UserOptions;
  permissions: Permissions | null;
}

function entry(u: UserOptions): UserEntry {
  const p = u.permissions;
  const restricted = p !== undefined && (p.publish !== undefined || p.subscribe !== undefined || p.allowResponses !== undefined);
  return { options: u, permissions: restricted ? new Permissions(p) : null };
}

/**
 * Every user of the configuration: `authorization.users` (global account) and each
 * account's `users` (bound to that account).
 */
export function allUsers(opts: ServerOptions): UserOptions[] {
  const out: UserOptions[] = [...(opts.users ?? [])];
  for (const a of opts.accounts ?? []) {
    for (const u of a.users ?? []) out.push({ ...u, account: a.name });
  }
  return out;
}

/**
 * Authenticates CONNECTs for one configuration. Immutable: a reload builds a new one and
 * re-checks the open connections against it.
 */
export class Authenticator {
  private readonly users = new Map<string, UserEntry>();
  private readonly nkeys = new Map<string, UserEntry>();
  /**
   * Set while {@link pendingBcrypt} dry-runs authenticate(): an unknown bcrypt verdict is
   * recorded here instead of being computed on this thread (undefined = not probing).
   */
  private probe: PendingBcrypt | null | undefined = undefined;

  /** `bcrypt` is the server's verifier (shared across reloads); tests may omit it. */
  constructor(
    private readonly opts: ServerOptions,
    readonly bcrypt: BcryptVerifier = new BcryptVerifier(),
  ) {
    for (const u of allUsers(opts)) {
      if (u.nkey !== undefined) this.nkeys.set(u.nkey, entry(u));
      else if (u.user !== undefined) this.users.set(u.user, entry(u));
    }
    const na = opts.noAuthUser;
    if (na !== undefined && !this.users.has(na) && !this.nkeys.has(na)) {
      throw new TsnatsError(
        ERR_NO_AUTH_USER_UNKNOWN,
        `no_auth_user: "${na}" not present as user or nkey in authorization block or account configuration`,
      );
    }
  }

  /** True when clients must present credentials (INFO `auth_required`). */
  get required(): boolean {
    const o = this.opts;
    return o.authToken !== undefined || o.username !== undefined || this.users.size > 0 || this.nkeys.size > 0 || operatorMode(o);
  }

  /** True when INFO must carry a nonce for nkey signatures. */
  get nonceRequired(): boolean {
    return this.nkeys.size > 0 || operatorMode(this.opts);
  }

  /**
   * Returns the authenticated identity, or an {@link AuthFailure}. `nonce` is the one sent
   * to this client in INFO (for nkey signatures).
   */
  authenticate(c: Credentials, nonce = ""): AuthResult | AuthFailure {
    const o = this.opts;
    if (o.tls?.verifyAndMap === true) return this.mapCertificate(c.certIdentities ?? []);
    const noCredentials = c.auth_token === undefined && c.user === undefined && c.nkey === undefined && c.jwt === undefined;
    if (o.noAuthUser !== undefined && noCredentials) {
      const u = this.users.get(o.noAuthUser) ?? this.nkeys.get(o.noAuthUser);
      if (u) return this.result(o.noAuthUser, u);
    }
    if (this.nkeys.size > 0 && c.nkey !== undefined) {
      const u = this.nkeys.get(c.nkey);
      if (!u || !verifyNonceSignature(c.nkey, nonce, c.sig ?? "")) return { detail: `Nkey "${c.nkey}"` };
      return this.result(c.nkey, u);
    }
    if (this.users.size > 0) {
      const u = c.user !== undefined ? this.users.get(c.user) : undefined;
      if (!u || !this.passwordMatches(c.pass ?? "", u.options.password ?? "")) return { detail: `User "${c.user ?? ""}"` };
      return this.result(u.options.user ?? "", u);
    }
    if (this.nkeys.size > 0) return { detail: `Nkey "${c.nkey ?? ""}"` };
    if (o.authToken !== undefined) {
      return this.passwordMatches(c.auth_token ?? "", o.authToken) ? { user: "", permissions: null } : { detail: "" };
    }
    if (o.username !== undefined) {
      const ok = c.user !== undefined && secretsEqual(c.user, o.username) && this.passwordMatches(c.pass ?? "", o.password ?? "");
      return ok ? { user: o.username, permissions: null } : { detail: `User "${c.user ?? ""}"` };
    }
    return { user: "", permissions: null };
  }

  /**
   * The bcrypt check that authenticating `c` would have to make first, if its verdict is
   * not known yet: the caller verifies it off the event loop (bcryptCompare), then calls
   * authenticate(), which then answers at once.
   */
  pendingBcrypt(c: Credentials, nonce = ""): PendingBcrypt | null {
    this.probe = null;
    try {
      this.authenticate(c, nonce);
      return this.probe;
    } finally {
      this.probe = undefined;
    }
  }

  /**
   * The configured user `c` names (its nkey, user name, or the no_auth_user when it brings
   * no credentials), its password unchecked; null when it names none.
   */
  configuredUser(c: Credentials): AuthResult | null {
    const noCredentials = c.auth_token === undefined && c.user === undefined && c.nkey === undefined && c.jwt === undefined;
    const name = noCredentials ? this.opts.noAuthUser : (c.nkey ?? c.user);
    if (name === undefined) return null;
    const u = this.nkeys.get(name) ?? this.users.get(name);
    return u === undefined ? null : this.result(name, u);
  }

  /** A password or token against the configured one, which may be a bcrypt hash. */
  private passwordMatches(given: string, expected: string): boolean {
    if (!isBcrypt(expected)) return secretsEqual(given, expected);
    if (this.probe === undefined) return this.bcrypt.compareSync(given, expected);
    const known = this.bcrypt.verdict(given, expected);
    if (known !== undefined) return known;
    this.probe ??= { given, hash: expected };
    return false;
  }

  /**
   * TLS `verify_and_map`: the first identity of the certificate that names a configured
   * user authenticates as that user, with no password (nats-server checkClientTLSCertSubject).
   */
  private mapCertificate(identities: string[]): AuthResult | AuthFailure {
    for (const id of identities) {
      const u = this.users.get(id);
      if (u !== undefined) return this.result(id, u);
    }
    return { detail: `TLS certificate "${identities.at(-1) ?? ""}" not mapped to a user` };
  }

  private result(name: string, u: UserEntry): AuthResult {
    const r: AuthResult = { user: name, userOptions: u.options, permissions: u.permissions };
    if (u.options.account !== undefined) r.account = u.options.account;
    return r;
  }
}

/** Operator mode (trusted operators): every client must bring a user JWT (src/auth/jwt). */
function operatorMode(o: ServerOptions): boolean {
  return (o.operators?.length ?? 0) > 0 || (o.trustedKeys?.length ?? 0) > 0;
}

/** Narrows an authenticate() outcome. */
export function isAuthFailure(r: AuthResult | AuthFailure): r is AuthFailure {
  return "detail" in r;
}
