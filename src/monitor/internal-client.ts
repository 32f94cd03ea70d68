/**
 * A deliberately tiny NATS client over `net`, for the monitor to talk to its own server
 * (service discovery over the micro protocol). Runtime code may not depend on the dev-only
 * official client, and the monitor needs only CONNECT, SUB, PUB and scatter-gather
 * requests. Not on any hot path: clarity over speed.
 */
import net from "node:net";
import { nuid } from "@nats-io/nuid";

/** Credentials for CONNECT, when the server requires them. */
export interface InternalAuth {
  user?: string;
  pass?: string;
  auth_token?: string;
}

/** A message received by the internal client. */
export interface InternalMsg {
  subject: string;
  reply: string;
  /** Raw header block (`NATS/1.0 ...`), "" when none. */
  headers: string;
  data: Buffer;
}

const CRLF = "\r\n";
/** Waits for INFO, and for the PONG after CONNECT, at most this long. */
const CONNECT_TIMEOUT_MS = 2000;

export class InternalClient {
  private buf: Buffer = Buffer.alloc(0);
  private nextSid = 1;
  private readonly handlers = new Map<string, (m: InternalMsg) => void>();
  private pongWaiters: Array<() => void> = [];
  private closedFlag = false;
  private lastError = "";

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("close", () => {
      this.closedFlag = true;
      for (const w of this.pongWaiters) w();
      this.pongWaiters = [];
    });
    socket.on("error", (err) => {
      this.lastError = err.message;
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Connects, sends CONNECT, and resolves once the server has answered a PING. */
  static async connect(host: string, port: number, name: string, auth: InternalAuth = {}): Promise<InternalClient> {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const c = new InternalClient(socket);
    const connect = { verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, lang: "tsnats-monitor", version: "1", name, ...auth };
    socket.write(`CONNECT ${JSON.stringify(connect)}${CRLF}PING${CRLF}`);
    const ok = await c.waitPong(CONNECT_TIMEOUT_MS);
    if (!ok) {
      c.close();
      throw new Error(`monitor could not connect to its server${c.lastError ? `: ${c.lastError}` : ""}`);
    }
    return c;
  }

  /** The client's local port: identifies its connection in the server's client table. */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  private waitPong(timeoutMs: number): Promise<boolean> {
    if (this.closedFlag) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.pongWaiters.push(() => {
        clearTimeout(t);
        resolve(!this.closedFlag);
      });
    });
  }

  subscribe(subject: string, handler: (m: InternalMsg) => void): string {
    const sid = String(this.nextSid++);
    this.handlers.set(sid, handler);
    this.write(`SUB ${subject} ${sid}${CRLF}`);
    return sid;
  }

  unsubscribe(sid: string): void {
    this.handlers.delete(sid);
    this.write(`UNSUB ${sid}${CRLF}`);
  }

  publish(subject: string, data: string, reply = ""): void {
    const body = Buffer.from(data, "utf8");
    this.write(`PUB ${subject}${reply ? ` ${reply}` : ""} ${body.length}${CRLF}`);
    this.write(Buffer.concat([body, Buffer.from(CRLF)]));
  }

  /**
   * Scatter-gather request (what the micro protocol's discovery uses): publishes once
   * and collects every reply until `maxWaitMs`, or `stallMs` after the last reply.
   */
  async requestMany(subject: string, data: string, maxWaitMs: number, stallMs: number): Promise<InternalMsg[]> {
    const inbox = `_INBOX.${nuid.next()}`;
    const out: InternalMsg[] = [];
    let stallTimer: NodeJS.Timeout | null = null;
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const sid = this.subscribe(inbox, (m) => {
      // A no-responders status (503 header, empty body) ends the wait at once.
      if (m.headers.startsWith("NATS/1.0 503")) return finish();
      out.push(m);
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = setTimeout(finish, stallMs);
    });
    this.publish(subject, data, inbox);
    const maxTimer = setTimeout(finish, maxWaitMs);
    await done;
    clearTimeout(maxTimer);
    if (stallTimer) clearTimeout(stallTimer);
    this.unsubscribe(sid);
    return out;
  }

  close(): void {
    this.closedFlag = true;
    this.socket.destroy();
  }

  private write(s: string | Buffer): void {
    if (!this.closedFlag) this.socket.write(s);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      const eol = this.buf.indexOf(CRLF);
      if (eol < 0) return;
      const line = this.buf.toString("latin1", 0, eol);
      const sp = line.indexOf(" ");
      const op = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      if (op === "MSG" || op === "HMSG") {
        const f = line.split(" ");
        const hasHdr = op === "HMSG";
        const total = Number(f[f.length - 1]);
        const hdrLen = hasHdr ? Number(f[f.length - 2]) : 0;
        const start = eol + 2;
        if (this.buf.length < start + total + 2) return;
        const raw = this.buf.subarray(start, start + total);
        const reply = f.length === (hasHdr ? 6 : 5) ? f[3]! : "";
        const msg: InternalMsg = {
          subject: f[1]!,
          reply,
          headers: hasHdr ? raw.toString("latin1", 0, hdrLen) : "",
          data: Buffer.from(raw.subarray(hdrLen)),
        };
        this.buf = this.buf.subarray(start + total + 2);
        this.handlers.get(f[2]!)?.(msg);
        continue;
      }
      this.buf = this.buf.subarray(eol + 2);
      if (op === "PING") this.write(`PONG${CRLF}`);
      else if (op === "PONG") {
        const w = this.pongWaiters.shift();
        w?.();
      } else if (op === "-ERR") this.lastError = line.slice(5);
    }
  }
}
