import type { Client } from "./client.js";

/**
 * One SUB of one connection. The sublist stores these by identity; `sidBytes` is kept
 * encoded so MSG lines are built without converting the sid per message.
 */
export class Subscription {
  readonly sidBytes: Buffer;
  /** Auto-unsubscribe after this many deliveries; 0 = unlimited. */
  max = 0;
  /** Messages delivered so far. */
  delivered = 0;
  closed = false;

  constructor(
    readonly client: Client,
    readonly subject: string,
    readonly queue: string | null,
    readonly sid: string,
  ) {
    this.sidBytes = Buffer.from(sid, "latin1");
  }
}
