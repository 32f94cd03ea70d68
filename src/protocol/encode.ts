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
