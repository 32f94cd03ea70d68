/**
 * Decodes the frames a WebSocket client sends into the NATS protocol bytes they carry
 * (nats-server websocket.go wsRead). Works in place on the read buffer: each payload is
 * unmasked where it lies and moved down over the frame headers before it, so one read
 * becomes one contiguous run of protocol bytes handed to the parser in a single call;
 * nothing is allocated per frame. Only what outlives a read is copied: a frame header
 * split across reads (14 bytes at most), a control frame's payload (125 at most), and the
 * parts of a compressed message until its last frame arrives.
 */
import { isUtf8 } from "node:buffer";
import {
  CLOSE_INVALID_PAYLOAD,
  CLOSE_NO_STATUS,
  MASK_BIT,
  MAX_CONTROL_PAYLOAD,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  FINAL_BIT,
  RSV1_BIT,
  maskWord,
  unmask,
} from "./frame.js";
import { lazyRequire } from "../util/lazy-require.js";

/** node:zlib is needed only once permessage-deflate was agreed: loaded on first use, not at start. */
const zlib = lazyRequire<typeof import("node:zlib")>("node:zlib");

/** What the reader reports to its connection. */
export interface WsReadSink {
  /** True once the connection is closed: the rest of the read is dropped. */
  readonly closed: boolean;
  /** NATS protocol bytes `buf[0, len)`, valid until the call returns. */
  wsData(buf: Buffer, len: number): void;
  /** A PING frame: answer with a PONG carrying `payload`. */
  wsPing(payload: Buffer): void;
  /** A CLOSE frame from the client: echo the status and close (nats-server: Client Closed). */
  wsCloseReceived(status: number, body: string): void;
  /** A frame breaks RFC 6455: close with status 1002 and `message` (nats-server wsHandleProtocolError). */
  wsProtocolError(message: string): void;
  /** A compressed message larger than the server takes. */
  wsTooBig(message: string): void;
}

/** The trailer RFC 7692 7.2.2 says to append before inflating a message. */
const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export class WsReader {
  /** Expecting a frame header (nats-server `fs`). */
  private atHeader = true;
  /** A header split across reads, and how many of its bytes are here. */
  private readonly hdr = Buffer.alloc(14);
  private hdrLen = 0;
  /** Payload bytes left in the current frame. */
  private rem = 0;
  private opcode = 0;
  /** The frame's mask key as a little-endian word, and the key position of the next byte. */
  private key = 0;
  private keyPos = 0;
  /** The last data frame had FIN: a new message may start (nats-server `ff`). */
  private messageDone = true;
  /** The current message is compressed (nats-server `fc`). */
  private compressed = false;
  /** A control frame's payload, gathered across reads. */
  private readonly ctrl = Buffer.alloc(MAX_CONTROL_PAYLOAD);
  private ctrlLen = 0;
  /** Parts of a compressed message, copied, until its final frame. */
  private cparts: Buffer[] = [];
  private cbytes = 0;

  /**
   * `maskRequired` is false only when the client asked for no masking (Nats-No-Masking);
   * `maxMessage` bounds a compressed message before and after inflating.
   */
  constructor(
    private readonly sink: WsReadSink,
    readonly maskRequired: boolean,
    readonly maxMessage: number,
  ) {}

  /** Decodes `buf[0, len)`; the protocol bytes go to the sink. `buf` may be rewritten. */
  read(buf: Buffer, len: number): void {
    const sink = this.sink;
    let pos = 0;
    // Protocol bytes gathered so far sit in buf[0, w): payloads are moved down over headers.
    let w = 0;
    while (pos < len) {
      if (this.atHeader) {
        pos = this.readHeader(buf, pos, len);
        if (pos < 0) break;
        if (this.atHeader) continue;
      }
      // Falls through after a header in the same turn: an empty frame is handled even at the end of the read.
      if (this.opcode >= OP_CLOSE) {
        pos = this.gatherControl(buf, pos, len);
        if (this.rem > 0) continue;
        if (w > 0) sink.wsData(buf, w);
        w = 0;
        if (sink.closed || !this.controlDone()) return;
        continue;
      }
      let n = this.rem;
      if (n > len - pos) n = len - pos;
      const end = pos + n;
      if (this.maskRequired && n > 0) this.keyPos = unmask(buf, pos, end, this.key, this.keyPos);
      this.rem -= n;
      if (this.rem === 0) this.atHeader = true;
      if (this.compressed) {
        if (!this.addCompressed(buf, pos, end)) return;
        if (this.rem === 0 && this.messageDone) {
          if (w > 0) sink.wsData(buf, w);
          w = 0;
          if (sink.closed) return;
          const plain = this.inflate();
          if (plain === null) return;
          if (plain.length > 0) sink.wsData(plain, plain.length);
          if (sink.closed) return;
        }
      } else if (n > 0) {
        if (w !== pos) buf.copyWithin(w, pos, end);
        w += n;
      }
      pos = end;
    }
    if (w > 0 && !sink.closed) sink.wsData(buf, w);
  }

  /**
   * Reads (the rest of) a frame header from `pos` and returns the position after it; the
   * header is complete when `atHeader` is cleared. Returns -1 after telling the sink of a
   * broken frame.
   */
  private readHeader(buf: Buffer, pos: number, len: number): number {
    const hdr = this.hdr;
    // Copy header bytes until the header is complete (its size is known after byte 2).
    let need = this.headerSize();
    while (this.hdrLen < need && pos < len) {
      hdr[this.hdrLen++] = buf[pos++]!;
      need = this.headerSize();
    }
    if (this.hdrLen < need) return pos;
    this.hdrLen = 0;
    const b0 = hdr[0]!;
    const b1 = hdr[1]!;
    const opcode = b0 & 0x0f;
    const final = (b0 & FINAL_BIT) !== 0;
    const rsv1 = (b0 & RSV1_BIT) !== 0;
    if (this.maskRequired && (b1 & MASK_BIT) === 0) return this.fail("mask bit missing");
    let size = b1 & 0x7f;
    let at = 2;
    if (size === 126) {
      size = (hdr[2]! << 8) | hdr[3]!;
      at = 4;
    } else if (size === 127) {
      const hi = hdr.readUInt32BE(2);
      if (hi > 0x1fffff) return this.fail("frame length too large");
      size = hi * 0x1_0000_0000 + hdr.readUInt32BE(6);
      at = 10;
    }
    switch (opcode) {
      case OP_PING:
      case OP_PONG:
      case OP_CLOSE:
        if (size > MAX_CONTROL_PAYLOAD) return this.fail(`control frame length bigger than maximum allowed of ${MAX_CONTROL_PAYLOAD} bytes`);
        if (!final) return this.fail("control frame does not have final bit set");
        this.ctrlLen = 0;
        break;
      case OP_TEXT:
      case OP_BINARY:
        if (!this.messageDone) return this.fail("new message started before final frame for previous message was received");
        this.messageDone = final;
        this.compressed = rsv1;
        break;
      case OP_CONTINUATION:
        if (this.messageDone || rsv1) return this.fail("invalid continuation frame");
        this.messageDone = final;
        break;
      default:
        return this.fail(`unknown opcode ${opcode}`);
    }
    if (this.maskRequired) {
      this.key = maskWord(hdr, at);
      this.keyPos = 0;
    }
    this.opcode = opcode;
    this.rem = size;
    this.atHeader = false;
    return pos;
  }

  /** Header length implied by the bytes gathered so far (2 until the length byte is in). */
  private headerSize(): number {
    if (this.hdrLen < 2) return 2;
    const b1 = this.hdr[1]!;
    const size = b1 & 0x7f;
    const masked = this.maskRequired ? 4 : 0;
    return (size === 126 ? 4 : size === 127 ? 10 : 2) + masked;
  }

  private gatherControl(buf: Buffer, pos: number, len: number): number {
    let n = this.rem;
    if (n > len - pos) n = len - pos;
    buf.copy(this.ctrl, this.ctrlLen, pos, pos + n);
    this.ctrlLen += n;
    this.rem -= n;
    return pos + n;
  }

  /** Handles a complete control frame; false when the connection is closing. */
  private controlDone(): boolean {
    this.atHeader = true;
    const n = this.ctrlLen;
    if (this.maskRequired) unmask(this.ctrl, 0, n, this.key, 0);
    switch (this.opcode) {
      case OP_PING:
        this.sink.wsPing(Buffer.from(this.ctrl.subarray(0, n)));
        return !this.sink.closed;
      case OP_PONG:
        return true;
      default: {
        let status = CLOSE_NO_STATUS;
        let body = "";
        if (n >= 2) {
          status = this.ctrl.readUInt16BE(0);
          if (n > 2) {
            const text = this.ctrl.subarray(2, n);
            if (isUtf8(text)) body = text.toString("utf8");
            else {
              status = CLOSE_INVALID_PAYLOAD;
              body = "invalid utf8 body in close frame";
            }
          }
        }
        this.sink.wsCloseReceived(status, body);
        return false;
      }
    }
  }

  private addCompressed(buf: Buffer, start: number, end: number): boolean {
    this.cbytes += end - start;
    if (this.cbytes > this.maxMessage) {
      this.sink.wsTooBig("compressed message too large");
      return false;
    }
    if (end > start) this.cparts.push(Buffer.from(buf.subarray(start, end)));
    return true;
  }

  /** Inflates the gathered message (RFC 7692, no context takeover); null after an error. */
  private inflate(): Buffer | null {
    const parts = this.cparts;
    parts.push(DEFLATE_TAIL);
    const input = parts.length === 2 ? Buffer.concat(parts, this.cbytes + 4) : Buffer.concat(parts);
    this.cparts = [];
    this.cbytes = 0;
    this.compressed = false;
    try {
      const z = zlib();
      return z.inflateRawSync(input, { finishFlush: z.constants.Z_SYNC_FLUSH, maxOutputLength: this.maxMessage });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "ERR_BUFFER_TOO_LARGE") this.sink.wsTooBig("decompressed message too large");
      else this.sink.wsProtocolError(`decompression error: ${e.message}`);
      return null;
    }
  }

  /** Tells the sink about a broken frame; returns readHeader's "stop" value. */
  private fail(message: string): number {
    this.sink.wsProtocolError(message);
    return -1;
  }
}
