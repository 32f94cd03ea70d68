/**
 * The connections scenario: open N client connections, each with one subscription, and
 * measure how fast the server accepts them and how much resident memory each costs it;
 * then publish one message and check that all N receive it. Runs in one thread: the
 * work per connection is tiny and the server, not the client, is what is measured.
 */
import type { ServerAddress } from "./args.js";
import { RawConnection, nowNs } from "./raw-conn.js";
import { readRssBytes } from "./proc.js";

export interface ConnectionsOptions {
  server: ServerAddress;
  subject: string;
  count: number;
  /** Server pid for RSS figures; 0 to skip them. */
  serverPid: number;
  timeoutMs: number;
  /** Connections being set up at once (bounds the accept backlog we create). */
  concurrency?: number;
  /** Pause before reading RSS after setup, so the server's allocations settle. */
  settleMs?: number;
}

export interface ConnectionsResult {
  count: number;
  /** Connections whose CONNECT and SUB were confirmed by PONG. */
  opened: number;
  failed: number;
  setupMs: number;
  connsPerSec: number;
  rssBeforeBytes: number | null;
  rssAfterBytes: number | null;
  /** (after - before) / opened. */
  rssPerConnBytes: number | null;
  /** Subscribers that received the one published message. */
  delivered: number;
  deliveryMs: number;
  timedOut: boolean;
  errors: string[];
}

const DEFAULT_CONCURRENCY = 100;
const DEFAULT_SETTLE_MS = 250;
const MAX_ERRORS_KEPT = 5;

/** Runs the scenario; always closes every connection it opened. */
export async function runConnections(o: ConnectionsOptions): Promise<ConnectionsResult> {
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  const conns: RawConnection[] = [];
  const errors: string[] = [];
  const deadline = Date.now() + o.timeoutMs;
  let opened = 0;
  let failed = 0;
  let timedOut = false;
  const rssBeforeBytes = o.serverPid > 0 ? readRssBytes(o.serverPid) : null;
  const t0 = nowNs();
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < o.count && Date.now() < deadline) {
        const id = next++;
        const c = new RawConnection(o.server, `bench-conn-${id}`, readBuffer);
        conns.push(c);
        c.socket.write(`SUB ${o.subject} 1\r\n`);
        try {
          await withDeadline(c.flush(), deadline);
          opened++;
        } catch (e) {
          failed++;
          if (errors.length < MAX_ERRORS_KEPT) errors.push((e as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency ?? DEFAULT_CONCURRENCY, o.count) }, worker));
    const setupMs = (nowNs() - t0) / 1e6;
    if (opened + failed < o.count) timedOut = true;

    await new Promise((r) => setTimeout(r, o.settleMs ?? DEFAULT_SETTLE_MS));
    const rssAfterBytes = o.serverPid > 0 ? readRssBytes(o.serverPid) : null;

    const { delivered, deliveryMs, deliveryTimedOut } = await deliverOne(o, conns, readBuffer, deadline);
    timedOut ||= deliveryTimedOut;
    const rssPerConnBytes =
      rssBeforeBytes !== null && rssAfterBytes !== null && opened > 0 ? (rssAfterBytes - rssBeforeBytes) / opened : null;
    return {
      count: o.count,
      opened,
      failed,
      setupMs,
      connsPerSec: setupMs > 0 ? (opened * 1000) / setupMs : 0,
      rssBeforeBytes,
      rssAfterBytes,
      rssPerConnBytes,
      delivered,
      deliveryMs,
      timedOut,
      errors,
    };
  } finally {
    for (const c of conns) c.close();
  }
}

/** Publishes one message on a fresh connection and waits until every subscriber has it. */
async function deliverOne(
  o: ConnectionsOptions,
  conns: RawConnection[],
  readBuffer: Buffer,
  deadline: number,
): Promise<{ delivered: number; deliveryMs: number; deliveryTimedOut: boolean }> {
  const live = conns.filter((c) => c.error === null && c.scanner.pongs >= 2);
  let delivered = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((r) => (resolveAll = r));
  for (const c of live) {
    c.onRead = () => {
      if (c.scanner.msgs === 1) {
        c.onRead = () => {};
        if (++delivered === live.length) resolveAll();
      }
    };
  }
  if (live.length === 0) resolveAll();
  const pub = new RawConnection(o.server, "bench-conn-pub", readBuffer);
  conns.push(pub);
  const t0 = nowNs();
  let deliveryTimedOut = false;
  try {
    await withDeadline(pub.ready(), deadline);
    pub.socket.write(`PUB ${o.subject} 5\r\nhello\r\n`);
    await withDeadline(pub.flush(), deadline);
    await withDeadline(all, deadline);
  } catch {
    deliveryTimedOut = true;
  }
  return { delivered, deliveryMs: (nowNs() - t0) / 1e6, deliveryTimedOut };
}

/** Rejects if `p` has not settled by `deadline` (ms since epoch). */
function withDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
