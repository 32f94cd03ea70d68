/**
 * Account resolvers: where operator mode finds account JWTs (nats-server accounts.go
 * AccountResolver). `MEMORY` serves `resolver_preload`; the directory resolvers
 * (`type: full`, `type: cache`) keep one `<account>.jwt` file per account in `dir`, as
 * nats-server's DirJWTStore does (flat layout), and accept updates; `URL(...)` fetches over
 * HTTP (url-resolver.ts). Lookups are synchronous: an account JWT is a small file read once,
 * then held by the server's account table; a remote resolver is prefetched first.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolverOptions, TlsOptions } from "../../server/options.js";
import { CacheTracker } from "./cache-tracker.js";
import { UrlResolver } from "./url-resolver.js";

/** Where account JWTs come from. */
export interface AccountResolver {
  /** `full`, `cache` or `memory`, for messages. */
  readonly kind: string;
  /** Whether `$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE` may store JWTs here. */
  readonly acceptsUpdates: boolean;
  /** Whether `$SYS.REQ.CLAIMS.DELETE` may remove JWTs. */
  readonly allowDelete: boolean;
  /** The account's JWT, or undefined when unknown. */
  fetch(account: string): string | undefined;
  store(account: string, jwt: string): void;
  delete(account: string): void;
  /** Every account this resolver holds. */
  list(): string[];
  /** True when fetch() only knows what prefetch() brought (URL): logins wait for prefetch. */
  readonly remote: boolean;
  /**
   * Makes fetch(account) able to answer (a remote resolver asks again when `force`);
   * resolves with why it could not (nats-server's error text), else null. Never rejects
   * (local resolvers: null at once).
   */
  prefetch(account: string, force?: boolean): Promise<string | null>;
  /** Releases what the resolver holds open (at server shutdown). */
  close(): void;
}

const DONE: Promise<string | null> = Promise.resolve(null);

/** `resolver: MEMORY`: the preloaded JWTs (updates to known accounts are kept in memory). */
export class MemoryResolver implements AccountResolver {
  readonly kind = "memory";
  readonly remote = false;
  readonly acceptsUpdates = false;
  readonly allowDelete = false;
  private readonly jwts: Map<string, string>;

  constructor(preload: Record<string, string>) {
    this.jwts = new Map(Object.entries(preload));
  }

  fetch(account: string): string | undefined {
    return this.jwts.get(account);
  }

  store(account: string, jwt: string): void {
    this.jwts.set(account, jwt);
  }

  delete(account: string): void {
    this.jwts.delete(account);
  }

  list(): string[] {
    return [...this.jwts.keys()];
  }

  prefetch(): Promise<string | null> {
    return DONE;
  }

  close(): void {}
}

/**
 * `resolver { type: full|cache, dir }`: one `<account>.jwt` file per account, each tracked
 * (cache-tracker.ts) as nats-server's expiring DirJWTStore does. A `cache` resolver is
 * bounded by `limit` and `ttl`: evicted files are removed and reported to `onEvict`, for the
 * account to be shut as a deleted one. A `full` resolver removes a JWT's file when its `exp`
 * passes (the loaded account expires on its own timer; nats-server reports no deletion), and
 * refuses new accounts past `limit` ("jwt store is full") instead of evicting.
 */
export class DirResolver implements AccountResolver {
  readonly acceptsUpdates = true;
  readonly remote = false;
  private readonly tracker: CacheTracker;
  /** Set by the owner: an account whose JWT the cache evicted. */
  onEvict: (account: string) => void = () => {};

  constructor(
    readonly kind: "full" | "cache",
    private readonly dir: string,
    readonly allowDelete: boolean,
    private readonly hardDelete: boolean,
    bounds: { limit: number; ttlMs: number },
  ) {
    mkdirSync(dir, { recursive: true });
    const cache = kind === "cache";
    this.tracker = new CacheTracker(bounds.limit, bounds.ttlMs, cache, (account) => {
      rmSync(this.path(account), { force: true });
      if (cache) this.onEvict(account);
    });
    for (const account of this.list()) {
      let jwt = "";
      try {
        jwt = readFileSync(this.path(account), "utf8").trim();
      } catch {
        // Gone meanwhile: tracked without an expiry, removed by the next eviction.
      }
      this.tracker.touch(account, Date.now(), jwtExpiresAtMs(jwt));
    }
  }

  private path(account: string): string {
    return join(this.dir, `${account}.jwt`);
  }

  fetch(account: string): string | undefined {
    if (!/^A[A-Z2-7]{55}$/.test(account)) return undefined;
    try {
      const jwt = readFileSync(this.path(account), "utf8").trim();
      this.tracker.used(account);
      return jwt;
    } catch {
      return undefined;
    }
  }

  /**
   * Written to a temporary file first and renamed, so a reader never sees half a JWT.
   * Throws "jwt store is full" for a new account past a full resolver's `limit`.
   */
  store(account: string, jwt: string): void {
    if (!this.tracker.admits(account)) throw new Error("jwt store is full");
    const tmp = `${this.path(account)}.tmp`;
    writeFileSync(tmp, jwt);
    renameSync(tmp, this.path(account));
    this.tracker.touch(account, Date.now(), jwtExpiresAtMs(jwt));
  }

  /** nats-server DirJWTStore: a soft delete renames the file to `.jwt.deleted`. */
  delete(account: string): void {
    this.tracker.forget(account);
    if (this.hardDelete) rmSync(this.path(account), { force: true });
    else {
      try {
        renameSync(this.path(account), `${this.path(account)}.deleted`);
      } catch {
        // Not there: nothing to delete.
      }
    }
  }

  list(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".jwt"))
      .map((f) => f.slice(0, -4));
  }

  prefetch(): Promise<string | null> {
    return DONE;
  }

  close(): void {
    this.tracker.close();
  }
}

/**
 * A JWT's `exp` in ms (0: none or unreadable), read from its payload without verifying it:
 * only for the cache's bookkeeping (dirstore.go track uses jwt.DecodeGeneric the same way).
 */
export function jwtExpiresAtMs(jwt: string): number {
  const payload = jwt.split(".")[1];
  if (payload === undefined) return 0;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" && exp > 0 ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** The resolver the options ask for; `log` receives URL fetch failures. */
export function createResolver(r: ResolverOptions | undefined, preload: Record<string, string>, tls: TlsOptions | undefined, log: (msg: string) => void): AccountResolver {
  if (r === undefined || r.type === "memory") return new MemoryResolver(preload);
  if (r.type === "full") return new DirResolver("full", r.dir, r.allowDelete, r.hardDelete, { limit: r.limit ?? Infinity, ttlMs: 0 });
  if (r.type === "cache") return new DirResolver("cache", r.dir, false, true, { limit: r.limit, ttlMs: r.ttlMs });
  return new UrlResolver(r.url, tls, log);
}
