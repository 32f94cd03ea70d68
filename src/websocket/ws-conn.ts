/**
 * The WebSocket side of one client connection (nats-server `c.ws`): decodes the frames it
 * reads into protocol bytes for the client's parser, and wraps what the client writes in
 * binary frames, compressed when permessage-deflate was agreed. The client itself is the
 * same `Client` as over TCP; `Connection.ws` non-null is the only difference on the
 * paths they share.
 */
import type { Socket } from "node:net";
import type { ClosedReason } from "../server/closed-state.js";
import { ClosedState } from "../server/closed-state.js";
import type { Client } from "../server/client.js";
import type { ConnectOptions } from "../protocol/connect.js";
import {
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_PROTOCOL_ERROR,
  COMPRESS_THRESHOLD,
  FRAME_SIZE_FOR_BROWSERS,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PONG,
  closePayload,
  closeStatusFor,
  frameHeaderSize,
  writeFrameHeader,
} from "./frame.js";
import { WsReader, type WsReadSink } from "./reader.js";
import { lazyRequire } from "../util/lazy-require.js";

/** node:zlib is needed only once permessage-deflate was agreed: loaded on first use, not at start. */
const zlib = lazyRequire<typeof import("node:zlib")>("node:zlib");

/** What the upgrade request agreed on. */
export interface WsSettings {
  /** permessage-deflate, server and client without context takeover. */
  compress: boolean;
  /** The client asked `Nats-No-Masking: true`: its frames come unmasked. */
  noMasking: boolean;
  /** A browser (User-Agent "Mozilla/..."): frames of at most 4 KiB. */
  browser: boolean;
  /** Safari: compressed messages are not fragmented. */
  noCompressedFragments: boolean;
  /** The values of the `jwt_cookie`, `user_cookie`, `pass_cookie` and `token_cookie` cookies, "" when none. */
  cookieJwt: string;
  cookieUser: string;
  cookiePass: string;
  cookieToken: string;
  /** A valid IP in X-Forwarded-For, "" when none. */
  clientIp: string;
}

/** Largest frame header this side writes (no mask). */
const HEADER_MAX = 10;

export class WsConn implements WsReadSink {
  readonly reader: WsReader;
  /** A close frame went out: nothing more is written (nats-server closeSent). */
  private closeSent = false;
  /** Scratch for the frame header of each flush (reused: it is copied into the write queue by cork). */
  private readonly header = Buffer.allocUnsafe(HEADER_MAX);

  constructor(
    private readonly client: Client,
    readonly settings: WsSettings,
    maxMessage: number,
  ) {
    this.reader = new WsReader(this, !settings.noMasking, maxMessage);
  }

  get closed(): boolean {
    return this.client.closed;
  }

  // ---- reading (WsReadSink) ----

  wsData(buf: Buffer, len: number): void {
    this.client.parser.parse(buf, len);
  }

  wsPing(payload: Buffer): void {
    this.writeControl(OP_PONG, payload);
  }

  wsCloseReceived(status: number, body: string): void {
    // As nats-server: echo the client's status (1005 when it sent none) and close as Client Closed.
    this.flushData();
    this.writeControl(OP_CLOSE, closePayload(status, body));
    this.closeSent = true;
    this.client.closeConnection(ClosedState.ClientClosed);
  }

  wsProtocolError(message: string): void {
    this.failWith(CLOSE_PROTOCOL_ERROR, message);
  }

  wsTooBig(message: string): void {
    this.failWith(CLOSE_MESSAGE_TOO_BIG, message);
  }

  private failWith(status: number, message: string): void {
    const c = this.client;
    c.server.logger.debug(`${c.logPrefix()}Websocket read error: ${message}`);
    this.flushData();
    this.writeControl(OP_CLOSE, closePayload(status, message));
    this.closeSent = true;
    c.closeConnection(ClosedState.ReadError);
  }

  /** What the client had queued goes out before a close frame. */
  private flushData(): void {
    const out = this.client.out;
    if (out.len > 0 && !this.client.socket.destroyed) this.writeData(this.client.socket, out.take(), null);
    out.len = 0;
  }

  // ---- writing ----

  /**
   * Writes protocol bytes as one binary frame (several of at most 4 KiB for a browser),
   * compressed when agreed and worth it. Header and payload go out in one corked write.
   */
  writeData(socket: Socket, data: Buffer, cb: (() => void) | null): void {
    if (this.closeSent) return;
    const s = this.settings;
    let payload = data;
    let compressed = false;
    if (s.compress && data.length > COMPRESS_THRESHOLD) {
      const zl = zlib();
      const z = zl.deflateRawSync(data, { level: zl.constants.Z_BEST_SPEED, finishFlush: zl.constants.Z_SYNC_FLUSH });
      // RFC 7692 7.2.1: the sync flush's empty block tail is left out.
      payload = z.subarray(0, z.length - 4);
      compressed = true;
    }
    const limit = s.browser && !(compressed && s.noCompressedFragments) ? FRAME_SIZE_FOR_BROWSERS : 0;
    socket.cork();
    if (limit === 0 || payload.length <= limit) {
      const h = this.header;
      const n = writeFrameHeader(h, 0, OP_BINARY, payload.length, true, compressed, null);
      // write() keeps a reference until the data is handed to the kernel: copy the header.
      socket.write(n === 2 ? Buffer.from([h[0]!, h[1]!]) : Buffer.from(h.subarray(0, n)));
      if (cb !== null) socket.write(payload, cb);
      else socket.write(payload);
    } else {
      for (let off = 0, first = true; off < payload.length; off += limit, first = false) {
        const end = Math.min(off + limit, payload.length);
        const hdr = Buffer.allocUnsafe(frameHeaderSize(end - off, false));
        writeFrameHeader(hdr, 0, first ? OP_BINARY : OP_CONTINUATION, end - off, end === payload.length, first && compressed, null);
        socket.write(hdr);
        const part = payload.subarray(off, end);
        if (end === payload.length && cb !== null) socket.write(part, cb);
        else socket.write(part);
      }
    }
    socket.uncork();
  }

  /** A control frame, written at once (never compressed, never split). */
  private writeControl(opcode: number, payload: Buffer): void {
    const socket = this.client.socket;
    if (this.closeSent || socket.destroyed) return;
    const frame = Buffer.allocUnsafe(2 + payload.length);
    writeFrameHeader(frame, 0, opcode, payload.length, true, false, null);
    payload.copy(frame, 2);
    socket.write(frame);
  }

  /**
   * The connection is closing for `reason`: pending data, then a close frame with the
   * status nats-server maps the reason to (unless one was sent already).
   */
  closing(reason: ClosedReason): void {
    this.flushData();
    if (this.closeSent) return;
    this.writeControl(OP_CLOSE, closePayload(closeStatusFor(reason), reason));
    this.closeSent = true;
  }
}

/**
 * Credentials from the upgrade request's cookies for those CONNECT leaves out or empty
 * (nats-server processConnect: jwt, user, pass and token each on its own).
 */
export function cookieCredentials(o: ConnectOptions, s: WsSettings): void {
  if (!o.jwt && s.cookieJwt !== "") o.jwt = s.cookieJwt;
  if (!o.user && s.cookieUser !== "") o.user = s.cookieUser;
  if (!o.pass && s.cookiePass !== "") o.pass = s.cookiePass;
  if (!o.auth_token && s.cookieToken !== "") o.auth_token = s.cookieToken;
}
