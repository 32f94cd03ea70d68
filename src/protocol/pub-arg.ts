/**
 * The arguments of one message (PUB/HPUB from a client, RMSG/HMSG/LMSG from a route or
 * leaf node) as offsets into the buffer that holds its control line, so the server can
 * copy subject, reply and size bytes into MSG lines without strings.
 */

const EMPTY = Buffer.alloc(0);
/** `\r\n` that ends every payload; payload ranges include it so a MSG write needs no extra copy. */
export const LEN_CR_LF = 2;

/**
 * The arguments of the PUB/HPUB being parsed. Offsets index into `arg`, the read buffer
 * holding the control line (or the scratch copy of a split one). One instance per
 * connection is reused for every message.
 */
export class PubArg {
  /** The buffer holding the control line; all offsets below index into it. */
  arg: Buffer = EMPTY;
  argStart = 0;
  argEnd = 0;
  subjectStart = 0;
  subjectEnd = 0;
  /** replyStart === replyEnd when there is no reply subject. */
  replyStart = 0;
  replyEnd = 0;
  /** Bytes of the header-size field (HPUB only). */
  hdrStart = 0;
  hdrEnd = 0;
  sizeStart = 0;
  sizeEnd = 0;
  /**
   * The account of a routed message (RMSG/HMSG/LMSG from a route); accountStart ===
   * accountEnd for a client's or leaf's message, whose account is its connection's.
   */
  accountStart = 0;
  accountEnd = 0;
  /**
   * The queue groups a routed or leaf message is for (`| q1 q2` / `+ reply q1 q2`): the
   * names, separated by spaces, are `arg[queuesStart, queuesEnd)`; empty when none.
   */
  queuesStart = 0;
  queuesEnd = 0;
  /** The origin cluster of a route LMSG (a leaf node's message); empty otherwise. */
  originStart = 0;
  originEnd = 0;
  /** Header length in bytes, -1 for PUB. */
  hdr = -1;
  /** Total payload length (headers included), without the trailing CRLF. */
  size = 0;
  /**
   * The payload plus its trailing `\r\n` is `payloadBuf[payloadStart, payloadEnd)`: a
   * range of the read buffer, not a view, so no object is made per message. Valid only
   * during `processMsg`.
   */
  payloadBuf: Buffer = EMPTY;
  payloadStart = 0;
  payloadEnd = 0;
}

/** The control line of a PubArg as text, for logs. */
export function argText(pa: PubArg): string {
  return pa.arg.toString("latin1", pa.argStart, pa.argEnd);
}

/**
 * A PubArg for a message the server makes or re-addresses (no-responders status, system
 * events, imports, subject mappings): the control line is built as text, the payload
 * (`payloadBuf[start, end)`, ending with CRLF) is shared, not copied.
 */
export function buildPubArg(subject: string, reply: string, hdr: number, payloadBuf: Buffer, start: number, end: number): PubArg {
  const size = end - start - LEN_CR_LF;
  const hdrText = hdr >= 0 ? String(hdr) : "";
  const pa = new PubArg();
  pa.arg = Buffer.from([subject, reply, hdrText, String(size)].filter((f) => f !== "").join(" "), "latin1");
  pa.argStart = 0;
  pa.argEnd = pa.arg.length;
  let o = subject.length;
  pa.subjectEnd = o;
  if (reply !== "") {
    pa.replyStart = o + 1;
    pa.replyEnd = o = o + 1 + reply.length;
  } else {
    pa.replyStart = pa.replyEnd = o;
  }
  if (hdr >= 0) {
    pa.hdrStart = o + 1;
    pa.hdrEnd = o = o + 1 + hdrText.length;
  }
  pa.hdr = hdr;
  pa.sizeStart = o + 1;
  pa.sizeEnd = pa.arg.length;
  pa.size = size;
  pa.payloadBuf = payloadBuf;
  pa.payloadStart = start;
  pa.payloadEnd = end;
  return pa;
}
