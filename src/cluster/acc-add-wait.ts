/**
 * The wait of a reload that pinned accounts (nats-server 2.10 reload.go
 * reloadClusterPoolAndAccounts): each peer that carried the account on a pooled route is
 * sent an INFO with `route_acc_add_reqid`, and the rest of the reload (closing routes,
 * dialing the new pinned ones) runs once every peer has answered with that request ID, or
 * after 2 s with nats-server's warning. Peers thus drop the account's interest from the
 * pooled route before its dedicated route brings it back.
 */
import type { ServerLogger } from "../server/logger.js";

/** reload.go: how long the answers are waited for. */
export const ACC_ADD_ANSWER_TIMEOUT_MS = 2000;

export class AccAddWait {
  private reqId = "";
  private remaining = 0;
  private timer: NodeJS.Timeout | null = null;
  private then: (() => void) | null = null;

  constructor(private readonly logger: ServerLogger) {}

  /** Runs `then` after `count` answers to `reqId` (at once when none is awaited). */
  start(reqId: string, count: number, then: () => void, timeoutMs = ACC_ADD_ANSWER_TIMEOUT_MS): void {
    this.finish();
    if (count <= 0) return then();
    this.reqId = reqId;
    this.remaining = count;
    this.then = then;
    this.timer = setTimeout(() => {
      this.logger.warn("Timed out waiting for confirmation from all routes regarding per-account routes changes");
      this.finish();
    }, timeoutMs);
    this.timer.unref();
  }

  /** A peer's answer (an INFO with our request ID and no account). */
  answer(reqId: string): void {
    if (this.then === null || reqId !== this.reqId) return;
    if (--this.remaining <= 0) this.finish();
  }

  /** Runs what waits now (a new reload, or the answers are in). */
  finish(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const then = this.then;
    this.then = null;
    this.reqId = "";
    then?.();
  }

  /** Drops what waits (shutdown). */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.then = null;
  }
}
