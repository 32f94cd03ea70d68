import type { Server } from "../server/server.js";

/**
 * The client URLs the other servers of the cluster advertise in their route INFO
 * (`connect_urls` for TCP clients, `ws_connect_urls` for WebSocket clients), counted as
 * nats-server's refCountedUrlSet: two peers may advertise the same URL, which stays until
 * both are gone.
 */
export class PeerUrls {
  private readonly counts = new Map<string, number>();

  get size(): number {
    return this.counts.size;
  }

  /** Adds one reference to each URL; true when a URL was new. */
  add(urls: readonly string[]): boolean {
    let changed = false;
    for (const u of urls) {
      const n = this.counts.get(u) ?? 0;
      this.counts.set(u, n + 1);
      if (n === 0) changed = true;
    }
    return changed;
  }

  /** Drops one reference to each URL; true when a URL went away. */
  remove(urls: readonly string[]): boolean {
    let changed = false;
    for (const u of urls) {
      const n = this.counts.get(u) ?? 0;
      if (n <= 1) {
        if (this.counts.delete(u)) changed = true;
      } else this.counts.set(u, n - 1);
    }
    return changed;
  }

  /** The list clients get (nats-server updateInfo): this server's own URLs first, then the peers'. */
  withOwn(own: readonly string[]): string[] {
    return [...own, ...[...this.counts.keys()].filter((u) => !own.includes(u))];
  }
}

/** The string URLs of a route INFO field, [] when absent or malformed. */
export function urlList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((u): u is string => typeof u === "string") : [];
}

/** `host:port` clients can reach `server` at (server.go getClientConnectURLs). */
export function ownClientUrls(server: Server): string[] {
  const o = server.options;
  if (o.clientAdvertise) return [o.clientAdvertise.includes(":") ? o.clientAdvertise : `${o.clientAdvertise}:${server.listenPort}`];
  return server.clientURLs().map((u) => u.replace(/^nats:\/\//, ""));
}
