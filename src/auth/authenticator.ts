/**
 * Checks a client's CONNECT credentials against the configured auth (nats-server
 * auth.go). Comparisons are timing-safe; bcrypt hashes (`$2a$`...) are verified as such.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import bcrypt from "bcryptjs";
import type { ServerOptions, UserOptions } from "../server/options.js";

/** What a client presented in CONNECT. */
export interface Credentials {
  auth_token?: string;
  user?: string;
  pass?: string;
}

/** The identity a successful authentication yields. */
export interface AuthResult {
  user: string;
  account?: string;
  userOptions?: UserOptions;
}

/** Compares secrets in constant time (hashing first so lengths do not leak). */
export function secretsEqual(given: string, expected: string): boolean {
  if (isBcrypt(expected)) return bcrypt.compareSync(given, expected);
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function isBcrypt(s: string): boolean {
  return s.startsWith("$2a$") || s.startsWith("$2b$") || s.startsWith("$2y$");
}

export class Authenticator {
  private readonly users = new Map<string, UserOptions>();

  constructor(private readonly opts: ServerOptions) {
    for (const u of opts.users ?? []) if (u.user !== undefined) this.users.set(u.user, u);
  }

  /** True when clients must present credentials (INFO `auth_required`). */
  get required(): boolean {
    const o = this.opts;
    return o.authToken !== undefined || o.username !== undefined || this.users.size > 0;
  }

  /** Returns the authenticated identity, or null for a violation. */
  authenticate(c: Credentials): AuthResult | null {
    const o = this.opts;
    if (o.noAuthUser !== undefined && c.auth_token === undefined && c.user === undefined) {
      const u = this.users.get(o.noAuthUser);
      if (u) return { user: o.noAuthUser, account: u.account, userOptions: u };
    }
    if (this.users.size > 0) {
      const u = c.user !== undefined ? this.users.get(c.user) : undefined;
      if (!u || !secretsEqual(c.pass ?? "", u.password ?? "")) return null;
      return { user: u.user ?? "", account: u.account, userOptions: u };
    }
    if (o.authToken !== undefined) {
      return secretsEqual(c.auth_token ?? "", o.authToken) ? { user: "" } : null;
    }
    if (o.username !== undefined) {
      if (c.user === undefined || !secretsEqual(c.user, o.username)) return null;
      return secretsEqual(c.pass ?? "", o.password ?? "") ? { user: o.username } : null;
    }
    return { user: "" };
  }
}
