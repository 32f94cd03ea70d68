/**
 * The message line a gateway connection writes (nats-server sendMsgToGateways):
 *
 *     RMSG account subject [+ reply q1 q2 | | q1 q2 | reply] size
 *     HMSG account subject [...] hdr size
 *
 * like a route's, except that the reply may be written behind a prefix (`_GR_.<cluster>.
 * <server>.`, so the answer finds its way back to the requester's server) and that the
 * headers are cut off for a peer that does not take them.
 */
import type { Outbound } from "../protocol/outbound.js";
import type { PubArg } from "../protocol/pub-arg.js";

export function gatewayMsgLineLength(
  pa: PubArg,
  account: Uint8Array,
  qlen: number,
  replyPrefix: Uint8Array | null,
  stripHdr: boolean,
): number {
  let replyLen = pa.replyEnd - pa.replyStart;
  if (replyLen > 0 && replyPrefix !== null) replyLen += replyPrefix.length;
  let n = 5 + account.length + 1 + (pa.subjectEnd - pa.subjectStart) + 1;
  if (qlen > 0) n += (replyLen > 0 ? 2 + replyLen + 1 : 2) + qlen;
  else if (replyLen > 0) n += replyLen + 1;
  if (pa.hdr >= 0 && !stripHdr) n += pa.hdrEnd - pa.hdrStart + 1;
  // A cut header changes the size field: at most as many digits as the original.
  return n + (pa.sizeEnd - pa.sizeStart) + 2;
}

/** Appends the line and the payload; the caller made room for `gatewayMsgLineLength` and the payload. */
export function writeGatewayMsg(
  out: Outbound,
  pa: PubArg,
  account: Uint8Array,
  queues: Uint8Array,
  qlen: number,
  replyPrefix: Uint8Array | null,
  stripHdr: boolean,
): void {
  const arg = pa.arg;
  const buf = out.buf;
  let o = out.len;
  buf[o++] = pa.hdr >= 0 && !stripHdr ? 72 : 82; // H or R
  buf[o++] = 77; // M
  buf[o++] = 83; // S
  buf[o++] = 71; // G
  buf[o++] = 32;
  for (let i = 0; i < account.length; i++) buf[o++] = account[i]!;
  buf[o++] = 32;
  for (let i = pa.subjectStart; i < pa.subjectEnd; i++) buf[o++] = arg[i]!;
  buf[o++] = 32;
  const hasReply = pa.replyEnd > pa.replyStart;
  if (qlen > 0) {
    buf[o++] = hasReply ? 43 : 124; // + or |
    buf[o++] = 32;
  }
  if (hasReply) {
    if (replyPrefix !== null) for (let i = 0; i < replyPrefix.length; i++) buf[o++] = replyPrefix[i]!;
    for (let i = pa.replyStart; i < pa.replyEnd; i++) buf[o++] = arg[i]!;
    buf[o++] = 32;
  }
  for (let i = 0; i < qlen; i++) buf[o++] = queues[i]!;
  let payloadStart = pa.payloadStart;
  if (pa.hdr >= 0 && stripHdr) {
    o += buf.write(String(pa.size - pa.hdr), o, "latin1");
    payloadStart += pa.hdr;
  } else {
    if (pa.hdr >= 0) {
      for (let i = pa.hdrStart; i < pa.hdrEnd; i++) buf[o++] = arg[i]!;
      buf[o++] = 32;
    }
    for (let i = pa.sizeStart; i < pa.sizeEnd; i++) buf[o++] = arg[i]!;
  }
  buf[o++] = 13;
  buf[o++] = 10;
  out.len = o;
  out.append(pa.payloadBuf, payloadStart, pa.payloadEnd);
}
