/**
 * The clients of a 1->N fan-out run in a process of their own (test/server/fanout.test.ts),
 * so the subscribers have their own event loop, as separate client programs would.
 *
 * argv: port, subscribers, messages, payload bytes, dead subscribers. Each subscriber is a
 * raw socket reading into a buffer of its own as fast as the loop lets it, counting MSG
 * frames without making a string or a view; a dead subscriber subscribes and then never
 * reads (it never sees its own cut either: the test asks the server). One publisher writes pre-encoded PUB batches, waiting for `drain` (so the server's
 * back-pressure throttles it). Sends "ready" once every subscription is confirmed, then a
 * FanoutResult once every live subscriber has everything or is closed, or at the deadline.
 */
import net from "node:net";

export interface FanoutResult {
  /** MSG frames each live subscriber received. */
  received: number[];
  /** Whether each live subscriber's socket was closed by the server. */
  closed: boolean[];
  publisherClosed: boolean;
  /** Milliseconds from the first publish to the end. */
  ms: number;
}

const SUBJECT = "fan.out";
const BATCH_FRAMES = 256;
const DEADLINE_MS = 150_000;

/** Counts `MSG ` and `PONG` at line starts with a small state machine. */
class Counter {
  msgs = 0;
  pongs = 0;
  closed = false;
  readonly socket: net.Socket;
  private state = 0;

  constructor(port: number, buf: Buffer) {
    this.socket = net.connect({ port, host: "127.0.0.1", onread: { buffer: buf, callback: (n: number) => this.scan(buf, n) } });
    this.socket.on("close", () => (this.closed = true));
    this.socket.on("error", () => {});
  }

  private scan(buf: Buffer, n: number): boolean {
    let st = this.state;
    for (let i = 0; i < n; i++) {
      const b = buf[i]!;
      if (b === 10) st = 0;
      else if (st === 0) st = b === 77 ? 1 : b === 80 ? 11 : 9; // M or P
      else if (st === 1) st = b === 83 ? 2 : 9; // S
      else if (st === 2) st = b === 71 ? 3 : 9; // G
      else if (st === 3) {
        if (b === 32) this.msgs++;
        st = 9;
      } else if (st === 11) st = b === 79 ? 12 : 9; // O
      else if (st === 12) st = b === 78 ? 13 : 9; // N
      else if (st === 13) {
        if (b === 71) this.pongs++;
        st = 9;
      }
    }
    this.state = st;
    return true;
  }
}

async function until(cond: () => boolean, deadline: number): Promise<boolean> {
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

async function main(): Promise<void> {
  const [port, subs, msgs, size, dead] = process.argv.slice(2).map((a) => Number.parseInt(a, 10)) as [number, number, number, number, number];
  const deadline = Date.now() + DEADLINE_MS;
  const live = Array.from({ length: subs }, () => new Counter(port, Buffer.allocUnsafe(64 * 1024)));
  const deadSubs = Array.from({ length: dead }, () => new Counter(port, Buffer.allocUnsafe(64 * 1024)));
  for (const c of [...live, ...deadSubs]) c.socket.write(`CONNECT {"verbose":false,"pedantic":false}\r\nSUB ${SUBJECT} 1\r\nPING\r\n`);
  await until(() => [...live, ...deadSubs].every((c) => c.pongs > 0), deadline);
  for (const c of deadSubs) c.socket.pause();
  const pub = net.connect({ port, host: "127.0.0.1" });
  let publisherClosed = false;
  pub.on("close", () => (publisherClosed = true));
  pub.on("error", () => {});
  pub.write('CONNECT {"verbose":false,"pedantic":false}\r\n');
  process.send?.("ready");
  const batch = Buffer.from(`PUB ${SUBJECT} ${size}\r\n${"x".repeat(size)}\r\n`.repeat(BATCH_FRAMES), "latin1");
  const t0 = Date.now();
  for (let sent = 0; sent < msgs && !publisherClosed && Date.now() < deadline; sent += BATCH_FRAMES) {
    const frames = Math.min(BATCH_FRAMES, msgs - sent);
    const chunk = frames === BATCH_FRAMES ? batch : batch.subarray(0, (batch.length / BATCH_FRAMES) * frames);
    if (!pub.write(chunk)) await new Promise((r) => pub.once("drain", r));
  }
  await until(() => live.every((c) => c.msgs >= msgs || c.closed), deadline);
  const ms = Date.now() - t0;
  const result: FanoutResult = {
    received: live.map((c) => c.msgs),
    closed: live.map((c) => c.closed),
    publisherClosed,
    ms,
  };
  for (const c of [...live, ...deadSubs]) c.socket.destroy();
  pub.destroy();
  process.send?.(result, () => process.exit(0));
}

void main();
