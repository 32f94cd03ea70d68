/**
 * Raw-wire helpers for tests where exact bytes matter (nats-server test/test.go
 * sendProto/expect): a socket that records everything the server sends.
 */
import net from "node:net";

export interface RawExchange {
  /** Everything received, as latin1 text. */
  data: string;
  /** Whether the server closed the connection. */
  closed: boolean;
}

/** A raw protocol connection that accumulates what it receives. */
export class RawConn {
  data = "";
  closed = false;
  private readonly socket: net.Socket;
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.data += d.toString("latin1");
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  /** Connects and waits for the INFO line. */
  static async connect(port: number, host = "127.0.0.1"): Promise<RawConn> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const c = new RawConn(socket);
    await c.waitFor((d) => d.includes("\r\n"), 5000);
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(s: string | Buffer): void {
    this.socket.write(s);
  }

  /** Waits until `pred(data)` holds or the connection closes; throws after `timeoutMs`. */
  async waitFor(pred: (data: string) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.data)) {
      if (this.closed) throw new Error(`connection closed; received so far: ${JSON.stringify(this.data)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received so far: ${JSON.stringify(this.data)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.data;
  }

  /** Waits for the server to close the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`still open; received: ${JSON.stringify(this.data)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Stops reading: the server sees a consumer that never drains. */
  pause(): void {
    this.socket.pause();
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Sends `input` (as one write, or in `chunkSize`-byte writes) after INFO, then waits
 * until `done(received)` holds, or else until the server closes or `settleMs` passes
 * without new data (with `expectClose`, first until it closes, within 5 s). Returns what came
 * after INFO, and whether it closed.
 */
export async function exchange(
  port: number,
  input: string,
  opts: { chunkSize?: number; settleMs?: number; done?: (data: string) => boolean; expectClose?: boolean } = {},
): Promise<RawExchange> {
  const c = await RawConn.connect(port);
  const infoEnd = c.data.indexOf("\r\n") + 2;
  const buf = Buffer.from(input, "latin1");
  const step = opts.chunkSize ?? buf.length;
  for (let i = 0; i < buf.length; i += step) {
    c.send(buf.subarray(i, i + step));
    if (opts.chunkSize) await new Promise((r) => setImmediate(r));
  }
  const done = opts.done;
  if (done) {
    await c.waitFor((d) => done(d.slice(infoEnd))).catch(() => undefined);
    c.close();
    return { data: c.data.slice(infoEnd), closed: c.closed };
  }
  // A close that is expected is waited for, not inferred from a quiet spell: on a loaded
  // machine the server's answer can come later than any settle time.
  if (opts.expectClose) await c.waitClosed().catch(() => undefined);
  const settleMs = opts.settleMs ?? 100;
  let last = -1;
  // Bounded: at most 40 quiet periods.
  for (let i = 0; i < 40 && !c.closed && c.data.length !== last; i++) {
    last = c.data.length;
    await new Promise((r) => setTimeout(r, settleMs));
  }
  c.close();
  return { data: c.data.slice(infoEnd), closed: c.closed };
}

/**
 * A bare socket past CONNECT, `proto` and the PONG, with nothing recording what arrives:
 * for clients that must not read (slow consumers) or that send in bulk.
 */
export async function connectedSocket(port: number, proto: string): Promise<net.Socket> {
  const s = net.connect({ port, host: "127.0.0.1" });
  s.on("error", () => {});
  await new Promise((r) => s.once("connect", r));
  s.write(`CONNECT {"verbose":false,"pedantic":false}\r\n${proto}PING\r\n`);
  await new Promise<void>((resolve) => {
    let seen = "";
    const onData = (d: Buffer): void => {
      seen += d.toString("latin1");
      if (seen.includes("PONG")) {
        s.off("data", onData);
        resolve();
      }
    };
    s.on("data", onData);
  });
  return s;
}
