/**
 * How JetStream puts messages on the wire: API responses, publish acks, consumer
 * deliveries, status messages and advisories all go through {@link JsSender.send}, into an
 * account's subject space, the way a client's publish would (local subscribers, then
 * imports leaving the account, e.g. a service response back to an importer). Nothing is
 * flushed per message: the server flushes every touched connection once at the end of
 * the read batch, or on the next turn when JetStream sends outside of one.
 *
 * A delivery copies what it keeps (a client's outbound buffer, an internal callback's
 * copy, a store's block), so the PubArg and the payload of a send are built in buffers
 * reused from one send to the next; a send made while another is being delivered (an
 * internal subscriber that answers at once) builds its own.
 */
import { buildPubArg, fillPubArg, finishPubArg, PubArg, startPubArg, writeDecimal, writeLatin1 } from "../protocol/pub-arg.js";
import { deliverImports } from "../accounts/imports.js";
import { deliverResult } from "../server/deliver.js";
import type { Account } from "../accounts/account.js";
import { tsToNanosString } from "./store/index.js";
import type { Server } from "../server/server.js";

const CRLF = Buffer.from("\r\n");
/** Payloads up to this size are built in the reused buffer; bigger ones get their own. */
const SCRATCH_MAX = 64 * 1024;

export class JsSender {
  /** Messages JetStream sent (deliveries, acks, responses), for /jsz and tests. */
  sent = 0;
  /** Sends being delivered right now (> 1: a send from inside a delivery). */
  private depth = 0;
  private readonly pa = new PubArg();
  private readonly importPa = new PubArg();
  private scratch = Buffer.allocUnsafe(1024);

  constructor(private readonly server: Server) {}

  /** A payload buffer of at least `n` bytes: the reused one when free, else a new one. */
  private payloadBuf(n: number): Buffer {
    if (this.depth > 0 || n > SCRATCH_MAX) return Buffer.allocUnsafe(n);
    if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(Math.max(n, this.scratch.length * 2));
    return this.scratch;
  }

  /**
   * Publishes `hdr` (a full `NATS/1.0...\r\n\r\n` block, or null) and `body` on `subject`
   * in `account`. Returns false when nobody received it.
   */
  send(account: Account, subject: string, reply: string, hdr: Buffer | null, body: Buffer | string | null): boolean {
    const hl = hdr === null ? 0 : hdr.length;
    let n: number;
    let payload: Buffer;
    if (typeof body === "string") {
      payload = this.payloadBuf(hl + body.length * 3 + 2);
      n = hl + payload.write(body, hl, "utf8");
    } else {
      const bl = body === null ? 0 : body.length;
      payload = this.payloadBuf(hl + bl + 2);
      if (body !== null) body.copy(payload, hl);
      n = hl + bl;
    }
    if (hdr !== null) hdr.copy(payload, 0);
    payload[n] = 13;
    payload[n + 1] = 10;
    return this.deliver(account, subject, subject, reply, hdr === null ? -1 : hl, payload, n + 2);
  }

  /** As {@link send}, with the payload (headers first, ending in CRLF) already built. */
  sendPayload(account: Account, subject: string, reply: string, hdrLen: number, payload: Buffer): boolean {
    return this.deliver(account, subject, subject, reply, hdrLen, payload, payload.length);
  }

  /**
   * A publish ack, `{"stream":"S", "seq":N}`: `prefix` is the stream's bytes up to the
   * number (see pubAckPrefix); built without JSON or strings.
   */
  sendPubAck(account: Account, reply: string, prefix: Buffer, seq: number): boolean {
    const payload = this.payloadBuf(prefix.length + 20);
    prefix.copy(payload, 0);
    let o = writeDecimal(payload, prefix.length, seq);
    payload[o++] = 125; // }
    payload[o++] = 13;
    payload[o++] = 10;
    return this.deliver(account, reply, reply, "", -1, payload, o);
  }

  /**
   * A consumer delivery: routed by `deliverSubject` (push deliver subject or pull request
   * inbox) but written with the stored message's own subject in the MSG line, as
   * nats-server does (its `pa.deliver`). `payload` is headers + body + CRLF.
   */
  sendDelivery(account: Account, deliverSubject: string, msgSubject: string, reply: string, hdrLen: number, payload: Buffer, end = payload.length): boolean {
    return this.deliver(account, deliverSubject, msgSubject, reply, hdrLen, payload, end);
  }

  /**
   * As {@link sendDelivery}, with headers and body apart (a stored message): they are copied
   * into the reused payload buffer. Returns the payload length (CRLF included).
   */
  sendStored(account: Account, deliverSubject: string, msgSubject: string, reply: string, hdr: Buffer, body: Buffer): number {
    const hl = hdr.length;
    const n = hl + body.length;
    const payload = this.payloadBuf(n + 2);
    if (hl > 0) hdr.copy(payload, 0);
    body.copy(payload, hl);
    payload[n] = 13;
    payload[n + 1] = 10;
    this.deliver(account, deliverSubject, msgSubject, reply, hl > 0 ? hl : -1, payload, n + 2);
    return n + 2;
  }

  /**
   * A stored message delivered by a consumer with its `$JS.ACK` reply, `ackPrefix` then
   * `<dc>.<sseq>.<dseq>.<timestamp ns>.<pending>`, written as bytes into the reused
   * control line: no reply string. Returns the payload size (with CRLF) plus the lengths of
   * the deliver subject and the reply, what flow control counts.
   */
  sendAckDelivery(account: Account, deliverSubject: string, msgSubject: string, ackPrefix: string, t: AckTokens, hdr: Buffer, body: Buffer): number {
    const hl = hdr.length;
    const n = hl + body.length;
    if (this.depth > 0 || account.imports !== null) {
      const reply = ackReply(ackPrefix, t);
      return this.sendStored(account, deliverSubject, msgSubject, reply, hdr, body) + deliverSubject.length + reply.length;
    }
    const payload = this.payloadBuf(n + 2);
    if (hl > 0) hdr.copy(payload, 0);
    body.copy(payload, hl);
    payload[n] = 13;
    payload[n + 1] = 10;
    const pa = fillAckPubArg(this.pa, msgSubject, ackPrefix, t, hl > 0 ? hl : -1, payload, n + 2);
    const r = account.sublist.match(deliverSubject);
    this.depth++;
    try {
      if (r.psubs.length + r.qsubs.length > 0) deliverResult(this.server, null, r, pa);
    } finally {
      this.depth--;
    }
    this.sent++;
    return n + 2 + deliverSubject.length + (pa.replyEnd - pa.replyStart);
  }

  /**
   * Delivers `payload[0, end)` routed by `routeSubject` and written as `msgSubject` to
   * local subscribers; imports see it on `routeSubject`.
   */
  private deliver(account: Account, routeSubject: string, msgSubject: string, reply: string, hdrLen: number, payload: Buffer, end: number): boolean {
    const r = account.sublist.match(routeSubject);
    let n = r.psubs.length + r.qsubs.length;
    const own = this.depth === 0;
    this.depth++;
    try {
      if (n > 0) {
        const pa = own ? fillPubArg(this.pa, msgSubject, reply, hdrLen, payload, 0, end) : buildPubArg(msgSubject, reply, hdrLen, payload, 0, end);
        deliverResult(this.server, null, r, pa);
      }
      if (account.imports !== null) {
        const pa = own ? fillPubArg(this.importPa, routeSubject, reply, hdrLen, payload, 0, end) : buildPubArg(routeSubject, reply, hdrLen, payload, 0, end);
        n += deliverImports(this.server, null, account, pa);
      }
    } finally {
      this.depth--;
    }
    this.sent++;
    return n > 0;
  }

  /**
   * Whether anyone in `account` listens on `subject` (advisories are built only then); a
   * stream importer's subscription is here as its shadow (accounts/shadow.ts).
   */
  hasInterest(account: Account, subject: string): boolean {
    return account.sublist.hasInterest(subject);
  }
}

/** The numbers of a `$JS.ACK` reply after its prefix. */
export interface AckTokens {
  dc: number;
  sseq: number;
  dseq: number;
  tsMs: number;
  tsNs: number;
  pending: number;
}

/** The `$JS.ACK` reply as a string (for deliveries that need one: imports, nested sends). */
export function ackReply(prefix: string, t: AckTokens): string {
  return `${prefix}${t.dc}.${t.sseq}.${t.dseq}.${tsToNanosString(t.tsMs, t.tsNs)}.${t.pending}`;
}

/** Writes the timestamp as decimal nanoseconds (as tsToNanosString); returns the end. */
function writeNanos(buf: Buffer, off: number, ms: number, ns: number): number {
  if (ms === 0) return writeDecimal(buf, off, ns);
  let o = writeDecimal(buf, off, ms);
  for (let d = 100_000; d >= 1; d = d / 10) buf[o++] = 48 + (Math.floor(ns / d) % 10);
  return o;
}

/** As fillPubArg, with the reply written from the ack prefix and tokens (exported for a test). */
export function fillAckPubArg(pa: PubArg, subject: string, prefix: string, t: AckTokens, hdr: number, payload: Buffer, end: number): PubArg {
  let o = startPubArg(pa, subject, prefix.length + 140);
  const arg = pa.arg;
  arg[o++] = 32;
  pa.replyStart = o;
  o = writeLatin1(arg, o, prefix);
  o = writeDecimal(arg, o, t.dc);
  arg[o++] = 46;
  o = writeDecimal(arg, o, t.sseq);
  arg[o++] = 46;
  o = writeDecimal(arg, o, t.dseq);
  arg[o++] = 46;
  o = writeNanos(arg, o, t.tsMs, t.tsNs);
  arg[o++] = 46;
  o = writeDecimal(arg, o, t.pending);
  return finishPubArg(pa, o, hdr, payload, 0, end);
}
