/**
 * A pull consumer's waiting requests (nats-server consumer.go waitQueue): each
 * `CONSUMER.MSG.NEXT` request waits here with its batch, byte budget, expiry and
 * heartbeat until it is served, expires or loses interest. Served round-robin: a request
 * that still wants more goes to the back after each message (nats-server pop).
 */

/** One pull request. Times in milliseconds since the epoch (0 = none). */
export interface WaitingRequest {
  /** Where messages and status replies go. */
  reply: string;
  /** Messages still wanted. */
  n: number;
  /** Messages delivered so far. */
  d: number;
  /** Bytes still allowed (0 = no byte limit). */
  b: number;
  expiresMs: number;
  receivedMs: number;
  /** Heartbeat interval and next heartbeat time. */
  hbMs: number;
  hbAtMs: number;
  noWait: boolean;
}

export class WaitQueue {
  private items: WaitingRequest[] = [];
  /** Time of the last request or served message (nats-server waitQueue.last). */
  lastMs = 0;

  constructor(public max: number) {}

  get length(): number {
    return this.items.length;
  }

  isFull(): boolean {
    return this.items.length >= this.max;
  }

  add(wr: WaitingRequest): boolean {
    if (this.isFull()) return false;
    this.items.push(wr);
    this.lastMs = wr.receivedMs;
    return true;
  }

  peek(): WaitingRequest | undefined {
    return this.items[0];
  }

  /** Counts one message for the head request; re-queues it at the back if it wants more. */
  pop(): WaitingRequest | undefined {
    const wr = this.items[0];
    if (wr === undefined) return undefined;
    wr.d++;
    wr.n--;
    if (wr.n > 0 && this.items.length > 1) {
      this.items.shift();
      this.items.push(wr);
    } else if (wr.n <= 0) {
      this.items.shift();
    }
    return wr;
  }

  removeHead(): void {
    this.items.shift();
  }

  remove(wr: WaitingRequest): void {
    const i = this.items.indexOf(wr);
    if (i >= 0) this.items.splice(i, 1);
  }

  /** A snapshot to iterate while removing. */
  all(): readonly WaitingRequest[] {
    return this.items.slice();
  }

  find(reply: string): WaitingRequest | undefined {
    return this.items.find((w) => w.reply === reply);
  }

  clear(): void {
    this.items = [];
  }
}
