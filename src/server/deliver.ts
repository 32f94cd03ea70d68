/**
 * The delivery step (nats-server client.go processMsgResults / deliverMsg): one message
 * and the subscriptions it matched, written to each target the way its connection's
 * kind takes it. Clients get MSG/HMSG built from the publisher's bytes; the server's own
 * subscriptions get their callback (JetStream's the PubArg itself, uncopied). This is the hot path: nothing here allocates per
 * message.
 */
import { msgLineLength, writeMsg } from "../protocol/encode.js";
import type { PubArg } from "../protocol/pub-arg.js";
import type { SublistResult } from "../sublist/index.js";
import { permitDelivery } from "../auth/connection.js";
import type { Client } from "./client.js";
import type { Connection } from "./connection.js";
import { Kind } from "./connection-kind.js";
import type { Server } from "./server.js";
import type { InternalCallback, Subscription } from "./subscription.js";

/**
 * Delivers one message to a match result: every plain subscription, and one member of
 * each queue group. `producer` is the connection it came from, null when the server
 * made it.
 */
export function deliverResult(server: Server, producer: Connection | null, r: SublistResult<Subscription>, pa: PubArg): void {
  const psubs = r.psubs;
  const noEcho = producer !== null && producer.kind === Kind.CLIENT && !(producer as Client).echo;
  for (let i = 0; i < psubs.length; i++) {
    const sub = psubs[i]!;
    if (noEcho && sub.conn === producer) continue;
    deliver(server, producer, sub, pa);
  }
  const qsubs = r.qsubs;
  for (let g = 0; g < qsubs.length; g++) {
    const group = qsubs[g]!;
    // A random member, skipping ones that cannot take it (nats-server processMsgResults).
    const n = group.length;
    const start = Math.floor(Math.random() * n);
    for (let k = 0; k < n; k++) {
      const sub = group[(start + k) % n]!;
      if (sub.closed || sub.conn.closed || (noEcho && sub.conn === producer)) continue;
      deliver(server, producer, sub, pa);
      break;
    }
  }
}

/** Writes one message to one subscription, by the kind of connection that holds it. */
export function deliver(server: Server, producer: Connection | null, sub: Subscription, pa: PubArg): void {
  const c = sub.conn;
  if (c.closed || sub.closed) return;
  if (sub.max > 0 && sub.delivered >= sub.max) return;
  switch (c.kind) {
    case Kind.CLIENT:
      deliverToClient(server, producer, c, sub, pa);
      return;
    case Kind.SYSTEM:
      deliverInternal(sub, sub.icb!, pa);
      return;
    case Kind.JETSTREAM:
      sub.delivered++;
      sub.pah!(pa);
      return;
  }
}

/**
 * Appends `MSG subject sid [reply] size\r\n` (or HMSG with the header size) and the
 * payload to the client's outbound buffer.
 */
function deliverToClient(server: Server, producer: Connection | null, c: Client, sub: Subscription, pa: PubArg): void {
  if (c.deliveryChecks && !permitDelivery(c, sub, pa)) return;
  const sid = sub.sidBytes;
  const payloadLen = pa.payloadEnd - pa.payloadStart;
  const lineLen = msgLineLength(pa, sid);
  if (!c.admit(producer, lineLen + payloadLen)) return;
  const out = c.out;
  out.ensure(lineLen + payloadLen);
  writeMsg(out, pa, sid);
  c.outMsgs++;
  c.outBytes += pa.size;
  server.outMsgs++;
  server.outBytes += pa.size;
  server.markPending(c);
  if (server.traceEnabled) c.traceOut(out.buf.toString("latin1", out.len - payloadLen - lineLen, out.len - payloadLen));
  if (++sub.delivered === sub.max) c.removeSub(sub);
}

/** Hands one message to an internal subscription, with its own copy of the payload. */
function deliverInternal(sub: Subscription, cb: InternalCallback, pa: PubArg): void {
  sub.delivered++;
  const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
  const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
  const data = Buffer.from(pa.payloadBuf.subarray(pa.payloadStart, pa.payloadEnd - 2));
  cb(subject, reply, pa.hdr, data);
}
