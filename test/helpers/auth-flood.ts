/**
 * An auth flood and a legitimate login, for the bounded test and the bench: attackers
 * that each open a connection, send a CONNECT with a wrong password and leave at once (or
 * stay until the server closes them), and a user who keeps trying to log in until it
 * works, the way a client library reconnects.
 */
import net from "node:net";

export interface FloodOptions {
  port: number;
  /** Connections to open. */
  attempts: number;
  /** Spread them over this long. */
  spreadMs: number;
  user: string;
  /** Attackers send `wrong-<n>`: every password different, so no verdict repeats. */
  passwordPrefix?: string;
  /** Close right after sending CONNECT (default) or wait for the server to close. */
  leave?: boolean;
  /** Local address to connect from (e.g. 127.0.0.2, another source on the loopback). */
  localAddress?: string;
  /** Called once half of the attempts have been opened. */
  onHalf?: () => void;
}

export interface FloodResult {
  opened: number;
  /** Connections that failed to open (refused, reset). */
  failed: number;
  /** When the last attempt was sent (performance.now()). */
  endMs: number;
  /** Resolves when every attacker connection has closed. */
  allClosed: Promise<void>;
}

const TICK_MS = 10;

/** Sends the flood; resolves when every attempt has been opened (see FloodResult.allClosed). */
export async function authFlood(o: FloodOptions): Promise<FloodResult> {
  const prefix = o.passwordPrefix ?? `wrong-${Date.now()}-`;
  const leave = o.leave ?? true;
  const perTick = Math.max(1, Math.ceil((o.attempts * TICK_MS) / Math.max(TICK_MS, o.spreadMs)));
  const closings: Array<Promise<void>> = [];
  let opened = 0;
  let failed = 0;
  let halfCalled = false;
  while (opened + failed < o.attempts) {
    const n = Math.min(perTick, o.attempts - opened - failed);
    const batch: Array<Promise<boolean>> = [];
    for (let i = 0; i < n; i++) {
      const k = opened + failed + i;
      const connect = `CONNECT ${JSON.stringify({ verbose: false, user: o.user, pass: `${prefix}${k}` })}\r\nPING\r\n`;
      let closed!: () => void;
      closings.push(new Promise<void>((r) => (closed = r)));
      batch.push(
        new Promise<boolean>((resolve) => {
          const s = net.connect({ port: o.port, host: "127.0.0.1", ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}) });
          s.on("error", () => resolve(false));
          s.on("close", () => {
            closed();
            resolve(false);
          });
          s.on("connect", () => {
            if (leave) s.end(connect);
            else s.write(connect);
            resolve(true);
          });
          s.resume();
        }),
      );
    }
    for (const ok of await Promise.all(batch)) {
      if (ok) opened++;
      else failed++;
    }
    if (!halfCalled && opened + failed >= o.attempts / 2) {
      halfCalled = true;
      o.onHalf?.();
    }
    if (opened + failed < o.attempts) await new Promise((r) => setTimeout(r, TICK_MS));
  }
  return { opened, failed, endMs: performance.now(), allClosed: Promise.all(closings).then(() => undefined) };
}

export type LoginOutcome = { ok: true } | { ok: false; reason: string };

/** One login: CONNECT + PING on a new connection; ok at PONG, else the -ERR or "closed"/"timeout". */
export function loginOnce(port: number, user: string, pass: string, timeoutMs = 10_000): Promise<LoginOutcome> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1" });
    let data = "";
    const done = (r: LoginOutcome): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, reason: "timeout" }), timeoutMs);
    s.on("error", () => done({ ok: false, reason: "error" }));
    s.on("close", () => done({ ok: false, reason: /-ERR '([^']*)'/.exec(data)?.[1] ?? "closed" }));
    s.on("connect", () => s.write(`CONNECT ${JSON.stringify({ verbose: false, user, pass })}\r\nPING\r\n`));
    s.on("data", (d: Buffer) => {
      data += d.toString("latin1");
      if (data.includes("PONG\r\n")) done({ ok: true });
      else if (data.includes("-ERR")) done({ ok: false, reason: /-ERR '([^']*)'/.exec(data)?.[1] ?? "error" });
    });
  });
}

export interface LoginResult {
  ok: boolean;
  /** From the first attempt to the successful one (or to giving up). */
  ms: number;
  attempts: number;
  /** Why the failed attempts failed, counted. */
  failures: Record<string, number>;
}

/** Logs in again and again (after `retryMs`) until it works or `deadlineMs` has passed. */
export async function loginUntil(port: number, user: string, pass: string, deadlineMs: number, retryMs = 100): Promise<LoginResult> {
  const t0 = performance.now();
  const failures: Record<string, number> = {};
  let attempts = 0;
  for (;;) {
    attempts++;
    const left = deadlineMs - (performance.now() - t0);
    const r = await loginOnce(port, user, pass, Math.max(1, Math.min(10_000, left)));
    if (r.ok) return { ok: true, ms: performance.now() - t0, attempts, failures };
    failures[r.reason] = (failures[r.reason] ?? 0) + 1;
    if (performance.now() - t0 + retryMs >= deadlineMs) return { ok: false, ms: performance.now() - t0, attempts, failures };
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
