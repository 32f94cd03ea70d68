/**
 * Account resolvers: where operator mode finds account JWTs (nats-server accounts.go
 * AccountResolver). `MEMORY` serves `resolver_preload`; the directory resolvers
 * (`type: full`, `type: cache`) keep one `<account>.jwt` file per account in `dir`, as
 * nats-server's DirJWTStore does (flat layout), and accept updates. Lookups are synchronous:
 * an account JWT is a small file read once, then held by the server's account table.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolverOptions } from "../../server/options.js";

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
}

/** `resolver: MEMORY`: the preloaded JWTs (updates to known accounts are kept in memory). */
export class MemoryResolver implements AccountResolver {
  readonly kind = "memory";
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
}

/** `resolver { type: full|cache, dir }`: one `<account>.jwt` file per account. */
export class DirResolver implements AccountResolver {
  readonly acceptsUpdates = true;

  constructor(
    readonly kind: "full" | "cache",
    private readonly dir: string,
    readonly allowDelete: boolean,
    private readonly hardDelete: boolean,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private path(account: string): string {
    return join(this.dir, `${account}.jwt`);
  }

  fetch(account: string): string | undefined {
    if (!/^A[A-Z2-7]{55}$/.test(account)) return undefined;
    try {
      return readFileSync(this.path(account), "utf8").trim();
    } catch {
      return undefined;
    }
  }

  /** Written to a temporary file first and renamed, so a reader never sees half a JWT. */
  store(account: string, jwt: string): void {
    const tmp = `${this.path(account)}.tmp`;
    writeFileSync(tmp, jwt);
    renameSync(tmp, this.path(account));
  }

  /** nats-server DirJWTStore: a soft delete renames the file to `.jwt.deleted`. */
  delete(account: string): void {
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
}

/** The resolver the options ask for (URL resolvers are not served yet: null). */
export function createResolver(r: ResolverOptions | undefined, preload: Record<string, string>): AccountResolver | null {
  if (r === undefined || r.type === "memory") return new MemoryResolver(preload);
  if (r.type === "full") return new DirResolver("full", r.dir, r.allowDelete, r.hardDelete);
  if (r.type === "cache") return new DirResolver("cache", r.dir, false, false);
  return null;
}
