/**
 * A small WebSocket client for tests (Node 20 has no global WebSocket): enough of the
 * browser API for the official client's `wsconnect` (through `wsFactory`), plus raw
 * access for wire tests: the upgrade answer, every frame received, and sending arbitrary
 * bytes. Masks what it sends, inflates permessage-deflate messages (no context takeover).
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import zlib from "node:zlib";
import { MASK_BIT, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT, RSV1_BIT, frameHeaderSize, writeFrameHeader } from "../../src/websocket/frame.js";

export interface WsClientOptions {
  /** Extra request headers (Origin, Sec-WebSocket-Extensions, User-Agent, ...). */
  headers?: Record<string, string>;
  /** Ask for permessage-deflate (and compress what is sent when agreed). */
  compress?: boolean;
  /** Request method (GET unless testing a bad upgrade). */
  method?: string;
  /** CA for wss://. */
  ca?: string | Buffer;
}

export interface WsFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

interface MessageEventLike {
  data: ArrayBuffer | string;
}
interface CloseEventLike {
  code: number;
  reason: string;
  wasClean: boolean;
}

export class TestWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readyState = 0;
  binaryType = "arraybuffer";
  onopen: (() => void) | null = null;
  onmessage: ((e: MessageEventLike) => void) | null = null;
  onclose: ((e: CloseEventLike) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  /** The HTTP answer head (101 or an error) and its body, as received. */
  response = "";
  /** Every frame received, in order. */
  readonly frames: WsFrame[] = [];
  /** Whether the server agreed to permessage-deflate. */
  compressed = false;
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private fragments: Buffer[] = [];
  private fragmentCompressed = false;
  private closeInfo: CloseEventLike | null = null;

  constructor(
    readonly url: string,
    private readonly opts: WsClientOptions = {},
  ) {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === "wss:" ? 443 : 80));
    const host = u.hostname.replace(/^\[|\]$/g, "");
    this.socket =
      u.protocol === "wss:"
        ? tls.connect({ host, port, ca: opts.ca, servername: host === "127.0.0.1" || host === "localhost" ? undefined : host })
        : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.once(u.protocol === "wss:" ? "secureConnect" : "connect", () => this.socket.write(this.request(u)));
    this.socket.on("data", (d: Buffer) => this.onData(d));
    this.socket.on("error", (err) => this.onerror?.({ message: err.message }));
    this.socket.on("close", () => this.finish());
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /** The upgrade request; `headers` replace the defaults of the same name, an empty value drops one. */
  private request(u: URL): string {
    const all = new Map<string, [string, string]>();
    const set = (k: string, v: string): void => void all.set(k.toLowerCase(), [k, v]);
    set("Host", u.host);
    set("Upgrade", "websocket");
    set("Connection", "Upgrade");
    set("Sec-WebSocket-Key", randomBytes(16).toString("base64"));
    set("Sec-WebSocket-Version", "13");
    if (this.opts.compress) set("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");
    for (const [k, v] of Object.entries(this.opts.headers ?? {})) set(k, v);
    let r = `${this.opts.method ?? "GET"} ${u.pathname || "/"} HTTP/1.1\r\n`;
    for (const [k, v] of all.values()) if (v !== "") r += `${k}: ${v}\r\n`;
    return r + "\r\n";
  }

  /** Sends a data message as one masked binary (or text, for a string) frame. */
  send(data: ArrayBuffer | Uint8Array | string): void {
    const isText = typeof data === "string";
    let payload = isText ? Buffer.from(data) : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    let rsv1 = false;
    if (this.compressed && payload.length > 0) {
      const z = zlib.deflateRawSync(payload, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      payload = z.subarray(0, z.length - 4);
      rsv1 = true;
    }
    this.socket.write(encodeFrame(isText ? OP_TEXT : OP_BINARY, payload, { rsv1 }));
  }

  /** Sends raw bytes (hand-made frames). */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    const p = Buffer.alloc(2 + Buffer.byteLength(reason));
    p.writeUInt16BE(code, 0);
    p.write(reason, 2);
    if (!this.socket.destroyed) this.socket.write(encodeFrame(OP_CLOSE, p));
    setTimeout(() => this.socket.destroy(), 500).unref();
  }

  /** Resolves when open; rejects with the HTTP answer when the upgrade is refused. */
  opened(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.readyState === 1) return resolve();
      const t = setTimeout(() => reject(new Error("ws open timeout")), timeoutMs);
      const prevOpen = this.onopen;
      const prevClose = this.onclose;
      this.onopen = () => {
        clearTimeout(t);
        prevOpen?.();
        resolve();
      };
      this.onclose = (e) => {
        clearTimeout(t);
        prevClose?.(e);
        reject(new Error(`closed before open: ${this.response}`));
      };
    });
  }

  /** Resolves with the close event once the socket closed. */
  closedEvent(timeoutMs = 5000): Promise<CloseEventLike> {
    return new Promise((resolve, reject) => {
      if (this.readyState === 3 && this.closeInfo !== null) return resolve(this.closeInfo);
      const t = setTimeout(() => reject(new Error("ws close timeout")), timeoutMs);
      const prev = this.onclose;
      this.onclose = (e) => {
        clearTimeout(t);
        prev?.(e);
        resolve(e);
      };
    });
  }

  /** The text of every data message so far, joined (protocol bytes as latin1). */
  received: string[] = [];

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    if (!this.upgraded) {
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      this.response = this.buf.toString("latin1", 0, end + 4);
      this.buf = this.buf.subarray(end + 4);
      if (!this.response.startsWith("HTTP/1.1 101")) {
        this.response += this.buf.toString("latin1");
        this.buf = Buffer.alloc(0);
        return;
      }
      this.upgraded = true;
      this.compressed = /permessage-deflate/i.test(this.response);
      this.readyState = 1;
      this.onopen?.();
    }
    for (;;) {
      const f = decodeFrame(this.buf);
      if (f === null) return;
      this.buf = this.buf.subarray(f.size);
      this.frames.push(f.frame);
      this.onFrame(f.frame);
    }
  }

  private onFrame(f: WsFrame): void {
    switch (f.opcode) {
      case OP_PING:
        this.socket.write(encodeFrame(OP_PONG, f.payload));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE: {
        const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
        this.closeInfo = { code, reason: f.payload.toString("utf8", 2), wasClean: true };
        if (this.readyState < 2 && !this.socket.destroyed) {
          this.socket.write(encodeFrame(OP_CLOSE, f.payload.subarray(0, 2)));
        }
        this.readyState = 2;
        this.socket.end();
        return;
      }
      case OP_TEXT:
      case OP_BINARY:
        this.fragments = [f.payload];
        this.fragmentCompressed = f.rsv1;
        break;
      case OP_CONTINUATION:
        this.fragments.push(f.payload);
        break;
    }
    if (!f.fin) return;
    let msg: Buffer = Buffer.concat(this.fragments);
    this.fragments = [];
    if (this.fragmentCompressed) msg = zlib.inflateRawSync(Buffer.concat([msg, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    this.received.push(msg.toString("latin1"));
    const ab = msg.buffer.slice(msg.byteOffset, msg.byteOffset + msg.length) as ArrayBuffer;
    this.onmessage?.({ data: ab });
  }

  private finish(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    const e = this.closeInfo ?? { code: 1006, reason: "", wasClean: false };
    this.closeInfo = e;
    this.onclose?.(e);
  }
}

/** One frame as a client sends it: masked unless `masked: false`. */
export function encodeFrame(opcode: number, payload: Buffer, o: { fin?: boolean; rsv1?: boolean; masked?: boolean; key?: Buffer } = {}): Buffer {
  const masked = o.masked !== false;
  const key = masked ? (o.key ?? randomBytes(4)) : null;
  const out = Buffer.alloc(frameHeaderSize(payload.length, masked) + payload.length);
  const n = writeFrameHeader(out, 0, opcode, payload.length, o.fin !== false, o.rsv1 === true, key);
  for (let i = 0; i < payload.length; i++) out[n + i] = key !== null ? payload[i]! ^ key[i & 3]! : payload[i]!;
  return out;
}

/** Decodes one frame from the start of `b`, or null when incomplete. */
export function decodeFrame(b: Buffer): { frame: WsFrame; size: number } | null {
  if (b.length < 2) return null;
  const masked = (b[1]! & MASK_BIT) !== 0;
  let len = b[1]! & 0x7f;
  let at = 2;
  if (len === 126) {
    if (b.length < 4) return null;
    len = b.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    if (b.length < 10) return null;
    len = Number(b.readBigUInt64BE(2));
    at = 10;
  }
  const keyAt = at;
  if (masked) at += 4;
  if (b.length < at + len) return null;
  const payload = Buffer.from(b.subarray(at, at + len));
  if (masked) for (let i = 0; i < len; i++) payload[i]! ^= b[keyAt + (i & 3)]!;
  return { frame: { fin: (b[0]! & 0x80) !== 0, rsv1: (b[0]! & RSV1_BIT) !== 0, opcode: b[0]! & 0x0f, masked, payload }, size: at + len };
}

/** A `wsFactory` for the official client's `wsconnect`. */
export function wsFactory(opts: WsClientOptions = {}): (url: string) => Promise<{ socket: WebSocket; encrypted: boolean }> {
  return (url: string) => Promise.resolve({ socket: new TestWebSocket(url, opts) as unknown as WebSocket, encrypted: url.startsWith("wss:") });
}
