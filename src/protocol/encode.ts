/**
 * What the server writes on the wire, encoded straight into a connection's Outbound.
 * MSG/HMSG lines are built by copying the subject, reply and size bytes from the
 * publisher's control line (nats-server msgb/szb): nothing is converted per message.
 */
import type { Outbound } from "./outbound.js";
import type { PubArg } from "./pub-arg.js";

/** Length of `MSG subject sid [reply] size\r\n` (HMSG adds the header size) for `pa`. */
export function msgLineLength(pa: PubArg, sid: Uint8Array): number {
  const replyLen = pa.replyEnd - pa.replyStart;
  const hasHdr = pa.hdr >= 0;
  return (
    (hasHdr ? 5 : 4) +
    (pa.subjectEnd - pa.subjectStart) +
    1 +
    sid.length +
    1 +
    (replyLen > 0 ? replyLen + 1 : 0) +
    (hasHdr ? pa.hdrEnd - pa.hdrStart + 1 : 0) +
    (pa.sizeEnd - pa.sizeStart) +
    2
  );
}

/**
 * Appends `MSG subject sid [reply] size\r\n` (or `HMSG subject sid [reply] hdr size\r\n`)
 * and the payload with its CRLF. The caller has made room for `lineLen + payload`.
 */
export function writeMsg(out: Outbound, pa: PubArg, sid: Uint8Array): void {
  const arg = pa.arg;
  const buf = out.buf;
  let o = out.len;
  const hasHdr = pa.hdr >= 0;
  if (hasHdr) buf[o++] = 72; // H
  buf[o++] = 77; // M
  buf[o++] = 83; // S
  buf[o++] = 71; // G
  buf[o++] = 32;
  for (let i = pa.subjectStart; i < pa.subjectEnd; i++) buf[o++] = arg[i]!;
  buf[o++] = 32;
  for (let i = 0; i < sid.length; i++) buf[o++] = sid[i]!;
  buf[o++] = 32;
  if (pa.replyEnd > pa.replyStart) {
    for (let i = pa.replyStart; i < pa.replyEnd; i++) buf[o++] = arg[i]!;
    buf[o++] = 32;
  }
  if (hasHdr) {
    for (let i = pa.hdrStart; i < pa.hdrEnd; i++) buf[o++] = arg[i]!;
    buf[o++] = 32;
  }
  for (let i = pa.sizeStart; i < pa.sizeEnd; i++) buf[o++] = arg[i]!;
  buf[o++] = 13;
  buf[o++] = 10;
  out.len = o;
  out.append(pa.payloadBuf, pa.payloadStart, pa.payloadEnd);
}

/** `-ERR 'text'\r\n` (nats-server sends every error quoted so). */
export function errLine(text: string): string {
  return `-ERR '${text}'\r\n`;
}

/** `INFO {json}\r\n` from a JSON object's text without its closing brace plus extra fields. */
export function infoLine(jsonPrefix: string, extraFields: string): string {
  return `INFO ${jsonPrefix}${extraFields}} \r\n`;
}

/**
 * Length of a message line to a route, leaf node or gateway (nats-server
 * msgHeaderForRouteOrLeaf, sendMsgToGateways):
 *
 *     RMSG account subject [+ reply queues | "|" queues | reply] size      (route, gateway)
 *     HMSG account subject [...] hdr size                                  (route, gateway, headers)
 *     LMSG origin account subject [...] hdr size                           (route, a leaf's message)
 *     LMSG subject [...] size  /  HMSG subject [...] hdr size              (leaf node)
 *
 * `queues` holds `qlen` bytes of queue names, each followed by a space. `origin` (a leaf
 * cluster's name) makes the route line an LMSG that always carries a header size. Gateways
 * may write the reply behind `replyPrefix` (`_GR_.<cluster>.<server>.`, so the answer finds
 * the requester's server) and `stripHdr` cuts the headers off for a peer that takes none:
 * the line is then an RMSG whose size field has at most as many digits as measured here.
 */
export function routedMsgLineLength(
  pa: PubArg,
  account: Uint8Array | null,
  qlen: number,
  origin: Uint8Array | null,
  replyPrefix: Uint8Array | null,
  stripHdr: boolean,
): number {
  let replyLen = pa.replyEnd - pa.replyStart;
  if (replyLen > 0 && replyPrefix !== null) replyLen += replyPrefix.length;
  const hasHdr = pa.hdr >= 0 && !stripHdr;
  let n = 5 + (pa.subjectEnd - pa.subjectStart) + 1;
  if (origin !== null) n += origin.length + 1;
  if (account !== null) n += account.length + 1;
  if (qlen > 0) n += (replyLen > 0 ? 2 + replyLen + 1 : 2) + qlen;
  else if (replyLen > 0) n += replyLen + 1;
  if (hasHdr || origin !== null) n += (hasHdr ? pa.hdrEnd - pa.hdrStart : 1) + 1;
  return n + (pa.sizeEnd - pa.sizeStart) + 2;
}

/**
 * Appends the line `routedMsgLineLength` measured, then the payload with its CRLF. `verb`
 * is 82 ('R') for a route or gateway, 76 ('L') for a leaf node. The caller has made room.
 */
export function writeRoutedMsg(
  out: Outbound,
  pa: PubArg,
  verb: number,
  account: Uint8Array | null,
  queues: Uint8Array,
  qlen: number,
  origin: Uint8Array | null,
  replyPrefix: Uint8Array | null,
  stripHdr: boolean,
): void {
  const arg = pa.arg;
  const buf = out.buf;
  let o = out.len;
  const hasHdr = pa.hdr >= 0 && !stripHdr;
  buf[o++] = origin !== null ? 76 : hasHdr ? 72 : verb;
  buf[o++] = 77; // M
  buf[o++] = 83; // S
  buf[o++] = 71; // G
  buf[o++] = 32;
  if (origin !== null) {
    for (let i = 0; i < origin.length; i++) buf[o++] = origin[i]!;
    buf[o++] = 32;
  }
  if (account !== null) {
    for (let i = 0; i < account.length; i++) buf[o++] = account[i]!;
    buf[o++] = 32;
  }
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
  if (hasHdr) {
    for (let i = pa.hdrStart; i < pa.hdrEnd; i++) buf[o++] = arg[i]!;
    buf[o++] = 32;
  } else if (origin !== null) {
    buf[o++] = 48; // a leaf's message without headers still says 0
    buf[o++] = 32;
  }
  if (pa.hdr >= 0 && stripHdr) {
    o += buf.write(String(pa.size - pa.hdr), o, "latin1");
    payloadStart += pa.hdr;
  } else {
    for (let i = pa.sizeStart; i < pa.sizeEnd; i++) buf[o++] = arg[i]!;
  }
  buf[o++] = 13;
  buf[o++] = 10;
  out.len = o;
  out.append(pa.payloadBuf, payloadStart, pa.payloadEnd);
}

/**
 * One interest line (nats-server addRouteSubOrUnsubProtoToBuf, writeLeafSub):
 * `RS+ account subject [queue weight]`, `RS- account subject [queue]`, and the leaf forms
 * `LS+ subject [queue weight]` / `LS- subject [queue]` (account null). `origin` makes a route
 * line an `LS+ origin account ...` for a leaf's interest. A weight of 0 means an unsubscribe.
 */
export function interestLine(
  sub: boolean,
  leaf: boolean,
  account: string | null,
  subject: string,
  queue: string | null,
  weight: number,
  origin: string | null = null,
): string {
  let verb: string;
  if (leaf || origin !== null) verb = sub ? "LS+ " : "LS- ";
  else verb = sub ? "RS+ " : "RS- ";
  let line = verb;
  if (origin !== null && sub) line += `${origin} `;
  if (account !== null) line += `${account} `;
  line += subject;
  if (queue !== null) line += sub ? ` ${queue} ${weight}` : ` ${queue}`;
  return `${line}\r\n`;
}
