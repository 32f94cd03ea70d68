/**
 * RFC 6455 frame pieces shared by the server's reader and writer and by the test client:
 * opcodes, close statuses, frame headers, masking (nats-server websocket.go, facts only).
 * Pure: no sockets, no server.
 */
import { ClosedState, type ClosedReason } from "../server/closed-state.js";

export const OP_CONTINUATION = 0;
export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

export const FINAL_BIT = 0x80;
/** permessage-deflate marks the first frame of a compressed message with RSV1 (RFC 7692). */
export const RSV1_BIT = 0x40;
export const MASK_BIT = 0x80;

/** Largest payload of a control frame (RFC 6455 5.5). */
export const MAX_CONTROL_PAYLOAD = 125;
/** Largest frame header: 2 + 8 bytes of length + 4 of mask key. */
export const MAX_FRAME_HEADER = 14;
/** nats-server wsFrameSizeForBrowsers: browsers do better with frames of at most this. */
export const FRAME_SIZE_FOR_BROWSERS = 4096;
/** nats-server wsCompressThreshold: smaller output is not worth compressing. */
export const COMPRESS_THRESHOLD = 64;

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_NO_STATUS = 1005;
export const CLOSE_ABNORMAL = 1006;
export const CLOSE_INVALID_PAYLOAD = 1007;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_MESSAGE_TOO_BIG = 1009;
export const CLOSE_INTERNAL_ERROR = 1011;
export const CLOSE_TLS_HANDSHAKE = 1015;

/** The GUID a Sec-WebSocket-Accept is computed with (RFC 6455 1.3). */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The close status nats-server sends for a connection closed for `reason` (wsEnqueueCloseMessage). */
export function closeStatusFor(reason: ClosedReason): number {
  switch (reason) {
    case ClosedState.ClientClosed:
      return CLOSE_NORMAL;
    case ClosedState.AuthenticationTimeout:
    case ClosedState.AuthenticationViolation:
    case ClosedState.SlowConsumerPendingBytes:
    case ClosedState.SlowConsumerWriteDeadline:
    case ClosedState.MaxConnectionsExceeded:
    case ClosedState.MaxControlLineExceeded:
    case ClosedState.MissingAccount:
      return CLOSE_POLICY_VIOLATION;
    case ClosedState.TLSHandshakeError:
      return CLOSE_TLS_HANDSHAKE;
    case ClosedState.ParseError:
    case ClosedState.ProtocolViolation:
    case ClosedState.BadClientProtocolVersion:
      return CLOSE_PROTOCOL_ERROR;
    case ClosedState.MaxPayloadExceeded:
      return CLOSE_MESSAGE_TOO_BIG;
    case ClosedState.ServerShutdown:
      return CLOSE_GOING_AWAY;
    case ClosedState.WriteError:
    case ClosedState.ReadError:
    case ClosedState.StaleConnection:
      return CLOSE_ABNORMAL;
    default:
      return CLOSE_INTERNAL_ERROR;
  }
}

/**
 * A close frame's payload: the status, then `body` cut to fit a control frame with a
 * trailing "..." as nats-server does (wsCreateCloseMessage).
 */
export function closePayload(status: number, body: string): Buffer {
  let text = Buffer.from(body, "utf8");
  if (text.length > MAX_CONTROL_PAYLOAD - 2) text = Buffer.concat([text.subarray(0, MAX_CONTROL_PAYLOAD - 5), Buffer.from("...")]);
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(status, 0);
  text.copy(out, 2);
  return out;
}

/**
 * Writes a frame header for a payload of `len` bytes into `out` at `at`; returns the
 * header length. `first` carries the opcode (a continuation frame has none), `compressed`
 * sets RSV1, a 4-byte `maskKey` (client side) is appended after the length.
 */
export function writeFrameHeader(
  out: Uint8Array,
  at: number,
  opcode: number,
  len: number,
  final: boolean,
  compressed: boolean,
  maskKey: Uint8Array | null,
): number {
  out[at] = opcode | (final ? FINAL_BIT : 0) | (compressed ? RSV1_BIT : 0);
  const m = maskKey !== null ? MASK_BIT : 0;
  let n: number;
  if (len <= 125) {
    out[at + 1] = m | len;
    n = 2;
  } else if (len < 65536) {
    out[at + 1] = m | 126;
    out[at + 2] = len >>> 8;
    out[at + 3] = len & 0xff;
    n = 4;
  } else {
    out[at + 1] = m | 127;
    const hi = Math.floor(len / 0x1_0000_0000);
    const lo = len >>> 0;
    out[at + 2] = 0;
    out[at + 3] = 0;
    out[at + 4] = (hi >>> 8) & 0xff;
    out[at + 5] = hi & 0xff;
    out[at + 6] = lo >>> 24;
    out[at + 7] = (lo >>> 16) & 0xff;
    out[at + 8] = (lo >>> 8) & 0xff;
    out[at + 9] = lo & 0xff;
    n = 10;
  }
  if (maskKey !== null) {
    out[at + n] = maskKey[0]!;
    out[at + n + 1] = maskKey[1]!;
    out[at + n + 2] = maskKey[2]!;
    out[at + n + 3] = maskKey[3]!;
    n += 4;
  }
  return n;
}

/** Header length for a payload of `len` bytes. */
export function frameHeaderSize(len: number, masked: boolean): number {
  return (len <= 125 ? 2 : len < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * XORs `buf[start, end)` in place with the 4-byte mask `key` (given as a little-endian
 * 32-bit word, key[0] lowest), starting at key position `pos` (0..3); returns the key
 * position after the last byte. Whole 32-bit words go through a Uint32Array over the
 * buffer's memory (one view cached for the last memory seen: the server's shared read
 * buffer in the common case, so nothing is allocated), bytes only at the unaligned
 * edges: 4x fewer loop turns than a byte loop on a large payload.
 */
export function unmask(buf: Buffer, start: number, end: number, key: number, pos: number): number {
  let i = start;
  // Bytes until the memory address is 4-aligned (the view needs it).
  const base = buf.byteOffset;
  while (i < end && ((base + i) & 3) !== 0) {
    buf[i++]! ^= (key >>> ((pos & 3) << 3)) & 0xff;
    pos++;
  }
  const wordEnd = end - ((end - i) & 3);
  if (wordEnd - i >= 16 && LITTLE_ENDIAN) {
    let w = cachedWords;
    if (w === null || w.buffer !== buf.buffer) w = cachedWords = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
    const rot = (pos & 3) << 3;
    // The key rotated so that its byte for address `i` sits in the word's lowest byte.
    const k = rot === 0 ? key : (key >>> rot) | (key << (32 - rot));
    const first = (base + i) >>> 2;
    const last = (base + wordEnd) >>> 2;
    for (let j = first; j < last; j++) w[j]! ^= k;
    i = wordEnd;
  }
  while (i < end) {
    buf[i++]! ^= (key >>> ((pos & 3) << 3)) & 0xff;
    pos++;
  }
  return pos & 3;
}

/** The word path assembles keys little-endian, as every platform Node 20 runs on is. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The 32-bit view of the memory unmasked last (see unmask). */
let cachedWords: Uint32Array | null = null;

/** The mask key bytes `b[at..at+4)` as unmask's little-endian word. */
export function maskWord(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
