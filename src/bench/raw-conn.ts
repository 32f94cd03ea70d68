/**
 * A bare NATS client connection for the load generator: a `net` socket, a `MsgScanner`
 * fed from a caller-supplied read buffer (`onread`, so reads allocate nothing), automatic
 * PONG replies to server PINGs, and promises for "n PONGs seen" (the flush handshake).
 * Deliberately not a NATS client library: no parsing into objects, no per-message work
 * beyond the scanner, so the load generator is never the bottleneck.
 */
import { connect, type Socket } from "node:net";
import { MsgScanner, type MsgLineHandler } from "./scanner.js";
import type { ServerAddress } from "./args.js";

const PING = Buffer.from("PING\r\n");
const PONG = Buffer.from("PONG\r\n");

/** The CONNECT line the bench sends (verbose off so the server sends no +OK per PUB). */
export function connectLine(server: ServerAddress, name: string): string {
  const opts: Record<string, unknown> = {
    verbose: false,
    pedantic: false,
    headers: true,
    no_responders: false,
    protocol: 1,
    name,
    lang: "tsnats-bench",
    version: "0.1.0",
  };
  if (server.user !== "") {
    opts.user = server.user;
    opts.pass = server.pass;
  }
  if (server.token !== "") opts.auth_token = server.token;
  return `CONNECT ${JSON.stringify(opts)}\r\n`;
}

/** Current time in ns on the monotonic clock shared by all threads of the process. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

interface PongWaiter {
  count: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** One raw connection; see the module comment. */
export class RawConnection {
  readonly scanner: MsgScanner;
  readonly socket: Socket;
  /** Called after each read has been scanned (hot path: keep it cheap). */
  onRead: () => void = () => {};
  /** Set once the connection failed or the server sent -ERR; the socket is then destroyed. */
  error: Error | null = null;
  closed = false;
  private closing = false;
  private pingsAnswered = 0;
  private pongsRequested = 0;
  private waiters: PongWaiter[] = [];

  /**
   * Opens the socket and immediately sends CONNECT + PING (the server buffers them until
   * it has sent INFO). `readBuffer` may be shared by connections of one thread: each read
   * is scanned synchronously before the next one can land in it.
   */
  constructor(server: ServerAddress, name: string, readBuffer: Uint8Array, onMsg: MsgLineHandler | null = null) {
    this.scanner = new MsgScanner(onMsg);
    this.socket = connect({
      host: server.host,
      port: server.port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (n: number, buf: Uint8Array): boolean => {
          this.handleRead(buf, n);
          return true;
        },
      },
    });
    this.socket.on("error", (e) => this.fail(e));
    this.socket.on("close", () => {
      this.closed = true;
      if (!this.closing) this.fail(new Error("connection closed by the server"));
    });
    this.socket.write(connectLine(server, name));
    this.flush();
  }

  /** Resolves when the server answered a PING sent now: everything written before it was processed. */
  flush(): Promise<void> {
    this.socket.write(PING);
    const count = ++this.pongsRequested;
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.waiters.push({ count, resolve, reject }));
  }

  /** Resolves when the CONNECT's PING came back (the connection is usable). */
  ready(): Promise<void> {
    if (this.scanner.pongs >= 1) return Promise.resolve();
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.waiters.push({ count: 1, resolve, reject }));
  }

  /** Destroys the socket without waiting (benchmarks end abruptly by design). */
  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private handleRead(buf: Uint8Array, n: number): void {
    const sc = this.scanner;
    sc.feed(buf, 0, n);
    if (sc.pings > this.pingsAnswered) {
      while (this.pingsAnswered < sc.pings) {
        this.socket.write(PONG);
        this.pingsAnswered++;
      }
    }
    if (sc.errors > 0 && this.error === null) {
      this.fail(new Error(`server: ${sc.lastError}`));
      this.socket.destroy();
      return;
    }
    if (this.waiters.length > 0) this.settleWaiters();
    this.onRead();
  }

  private settleWaiters(): void {
    const pongs = this.scanner.pongs;
    while (this.waiters.length > 0 && this.waiters[0]!.count <= pongs) this.waiters.shift()!.resolve();
  }

  private fail(e: Error): void {
    if (this.error === null) this.error = e;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(e);
  }
}
