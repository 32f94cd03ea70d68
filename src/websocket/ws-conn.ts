/**
 * The WebSocket side of one connection (nats-server `c.ws`): decodes the frames it reads
 * into protocol bytes for the connection's parser, and wraps what it writes in binary
 * frames, compressed when permessage-deflate was agreed. The connection itself is the
 * same `Client` or `Leaf` as over TCP; `Connection.ws` non-null is the only difference on
 * the paths they share. The accepting side reads masked frames and writes plain ones; the
 * dialing side (a leaf node soliciting its hub, leaf-ws-dial.ts) the other way round.
 */
import { randomFillSync } from "node:crypto";
import type { Socket } from "node:net";
import type { ClosedReason } from "../server/closed-state.js";
import { ClosedState } from "../server/closed-state.js";
import type { Connection } from "../server/connection.js";
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
  maskWord,
  unmask,
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

/** Largest frame header this side writes (with a mask key). */
const HEADER_MAX = 14;
/** Mask keys are drawn from this many random bytes at a time (one crypto call per 64 frames). */
const MASK_POOL_SIZE = 256;

/** A connection with WebSocket framing: its parser takes the unframed protocol bytes. */
export type WsHost = Connection & { readonly parser: { parse(buf: Buffer, len: number): void } };

/**
 * Which end of the WebSocket this server is: "server" accepted the upgrade (reads masked
 * frames unless Nats-No-Masking was agreed, writes plain ones); "client" sent it (reads
 * plain frames, masks its own unless the hub agreed to Nats-No-Masking).
 */
export type WsRole = "server" | "client";

export class WsConn implements WsReadSink {
  readonly reader: WsReader;
  /** Frames written are masked (nats-server maskwrite): the dialing side, unless no masking was agreed. */
  readonly maskWrite: boolean;
  /** A close frame went out: nothing more is written (nats-server closeSent). */
  private closeSent = false;
  /** Scratch for the frame header of each flush (reused: it is copied into the write queue by cork). */
  private readonly header = Buffer.allocUnsafe(HEADER_MAX);
  /** Random bytes the mask keys are taken from, 4 per frame; null when not masking. */
  private readonly maskPool: Buffer | null;
  private maskPos = MASK_POOL_SIZE;

  constructor(
    private readonly client: WsHost,
    readonly settings: WsSettings,
    maxMessage: number,
    role: WsRole = "server",
  ) {
    const masked = !settings.noMasking;
    this.reader = new WsReader(this, role === "server" && masked, maxMessage);
    this.maskWrite = role === "client" && masked;
    this.maskPool = this.maskWrite ? Buffer.allocUnsafe(MASK_POOL_SIZE) : null;
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
    const socket = this.client.socket;
    if (out.len > 0 && !socket.destroyed) {
      this.writeData(socket, out.take(), null);
      out.afterWrite(socket.writableLength);
    } else out.discard();
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
      const key = this.nextMaskKey();
      const n = writeFrameHeader(h, 0, OP_BINARY, payload.length, true, compressed, key);
      // The bytes are ours until written (the outbound buffer or the deflate output): masked in place.
      if (key !== null) unmask(payload, 0, payload.length, maskWord(key, 0), 0);
      // write() keeps a reference until the data is handed to the kernel: copy the header.
      socket.write(n === 2 ? Buffer.from([h[0]!, h[1]!]) : Buffer.from(h.subarray(0, n)));
      if (cb !== null) socket.write(payload, cb);
      else socket.write(payload);
    } else {
      for (let off = 0, first = true; off < payload.length; off += limit, first = false) {
        const end = Math.min(off + limit, payload.length);
        const key = this.nextMaskKey();
        const hdr = Buffer.allocUnsafe(frameHeaderSize(end - off, key !== null));
        writeFrameHeader(hdr, 0, first ? OP_BINARY : OP_CONTINUATION, end - off, end === payload.length, first && compressed, key);
        if (key !== null) unmask(payload, off, end, maskWord(key, 0), 0);
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
    const key = this.nextMaskKey();
    const frame = Buffer.allocUnsafe(frameHeaderSize(payload.length, key !== null) + payload.length);
    const n = writeFrameHeader(frame, 0, opcode, payload.length, true, false, key);
    payload.copy(frame, n);
    if (key !== null) unmask(frame, n, frame.length, maskWord(key, 0), 0);
    socket.write(frame);
  }

  /** The next frame's mask key (4 random bytes, RFC 6455 5.3), or null when not masking. */
  private nextMaskKey(): Buffer | null {
    const pool = this.maskPool;
    if (pool === null) return null;
    if (this.maskPos + 4 > MASK_POOL_SIZE) {
      randomFillSync(pool);
      this.maskPos = 0;
    }
    const key = pool.subarray(this.maskPos, this.maskPos + 4);
    this.maskPos += 4;
    return key;
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
