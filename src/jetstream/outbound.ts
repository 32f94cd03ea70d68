/**
 * How JetStream puts messages on the wire: API responses, publish acks, consumer
 * deliveries, status messages and advisories all go through {@link JsSender.send}, into an
 * account's subject space, the way a client's publish would (local subscribers, then
 * imports leaving the account, e.g. a service response back to an importer). Nothing is
 * flushed per message: the server flushes every touched connection once at the end of
 * the read batch, or on the next turn when JetStream sends outside of one.
 */
import { buildPubArg } from "../protocol/pub-arg.js";
import { deliverImports } from "../accounts/imports.js";
import { deliverResult } from "../server/deliver.js";
import type { Account } from "../accounts/account.js";
import type { Server } from "../server/server.js";

const CRLF = Buffer.from("\r\n");
const EMPTY = Buffer.alloc(0);

export class JsSender {
  /** Messages JetStream sent (deliveries, acks, responses), for /jsz and tests. */
  sent = 0;

  constructor(private readonly server: Server) {}

  /**
   * Publishes `hdr` (a full `NATS/1.0...\r\n\r\n` block, or null) and `body` on `subject`
   * in `account`. Returns false when nobody received it.
   */
  send(account: Account, subject: string, reply: string, hdr: Buffer | null, body: Buffer | string | null): boolean {
    const b = body === null ? EMPTY : typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const hl = hdr === null ? 0 : hdr.length;
    const payload = Buffer.allocUnsafe(hl + b.length + 2);
    if (hdr !== null) hdr.copy(payload, 0);
    b.copy(payload, hl);
    CRLF.copy(payload, hl + b.length);
    return this.sendPayload(account, subject, reply, hdr === null ? -1 : hl, payload);
  }

  /** As {@link send}, with the payload (headers first, ending in CRLF) already built. */
  sendPayload(account: Account, subject: string, reply: string, hdrLen: number, payload: Buffer): boolean {
    const pa = buildPubArg(subject, reply, hdrLen, payload, 0, payload.length);
    const r = account.sublist.match(subject);
    let n = r.psubs.length + r.qsubs.length;
    if (n > 0) deliverResult(this.server, null, r, pa);
    if (account.imports !== null) n += deliverImports(this.server, null, account, pa);
    this.sent++;
    return n > 0;
  }

  /**
   * A consumer delivery: routed by `deliverSubject` (push deliver subject or pull request
   * inbox) but written with the stored message's own subject in the MSG line, as
   * nats-server does (its `pa.deliver`). `payload` is headers + body + CRLF.
   */
  sendDelivery(account: Account, deliverSubject: string, msgSubject: string, reply: string, hdrLen: number, payload: Buffer): boolean {
    const r = account.sublist.match(deliverSubject);
    let n = r.psubs.length + r.qsubs.length;
    if (n > 0) deliverResult(this.server, null, r, buildPubArg(msgSubject, reply, hdrLen, payload, 0, payload.length));
    if (account.imports !== null) n += deliverImports(this.server, null, account, buildPubArg(deliverSubject, reply, hdrLen, payload, 0, payload.length));
    this.sent++;
    return n > 0;
  }

  /** Whether anyone in `account` listens on `subject` (advisories are built only then). */
  hasInterest(account: Account, subject: string): boolean {
    if (account.sublist.hasInterest(subject)) return true;
    return account.imports !== null && account.imports.streamImporters.match(subject).psubs.length > 0;
  }
}
