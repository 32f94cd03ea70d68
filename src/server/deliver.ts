/**
 * The delivery step (nats-server client.go processMsgResults / deliverMsg): one message
 * and the subscriptions it matched, written to each target the way its connection's
 * kind takes it. Clients get MSG/HMSG built from the publisher's bytes; the server's own
 * subscriptions get their callback (JetStream's the PubArg itself, uncopied); routes and
 * leaf nodes are collected and get one RMSG/LMSG each at the end, with the queue groups they
 * were picked for. This is the hot path: nothing here allocates per message, and a server
 * without routes or leaf nodes pays one comparison per message (the collected-targets count)
 * and one kind check per queue member looked at.
 */
import { msgLineLength, writeMsg } from "../protocol/encode.js";
import { buildPubArg, type PubArg } from "../protocol/pub-arg.js";
import type { SublistResult } from "../sublist/index.js";
import { permitDelivery } from "../auth/connection.js";
import type { Client } from "./client.js";
import type { Link } from "../cluster/link.js";
import type { Connection } from "./connection.js";
import { Kind } from "./connection-kind.js";
import { GW_SUBJECT_OFFSET, isRoutedReply } from "../gateway/gateway-proto.js";
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
    // A random member, skipping ones that cannot take it (nats-server processMsgResults);
    // a member here is preferred to one behind a route or leaf node.
    const n = group.length;
    const start = Math.floor(Math.random() * n);
    let k = 0;
    for (; k < n; k++) {
      const sub = group[(start + k) % n]!;
      if (sub.closed || sub.conn.closed || (noEcho && sub.conn === producer)) continue;
      const kind = sub.conn.kind;
      if (kind === Kind.ROUTER || kind === Kind.LEAF) continue;
      deliver(server, producer, sub, pa);
      break;
    }
    if (k === n) {
      const remote = pickRemote(group, producer, pa);
      if (remote !== null) toRemote(server, producer, remote, pa);
    }
  }
  const t = server.linkTargets;
  if (t.count !== t.base) t.flush(producer, pa);
}

/**
 * Delivers a message the server made to its peers only (routes and leaf nodes), never to
 * a subscriber here: for requests meant for other servers when this one has a member of
 * the same queue group (the account resolver's `$SYS.REQ.CLAIMS.PACK`, whose `responder`
 * group every full resolver joins), which deliverResult would prefer.
 */
export function deliverToPeers(server: Server, r: SublistResult<Subscription>, pa: PubArg): void {
  const psubs = r.psubs;
  for (let i = 0; i < psubs.length; i++) {
    const sub = psubs[i]!;
    if (sub.conn.kind === Kind.ROUTER || sub.conn.kind === Kind.LEAF) deliver(server, null, sub, pa);
  }
  const qsubs = r.qsubs;
  for (let g = 0; g < qsubs.length; g++) {
    const remote = pickRemote(qsubs[g]!, null, pa);
    if (remote !== null) server.linkTargets.add(remote.conn as Link, remote);
  }
  const t = server.linkTargets;
  if (t.count !== t.base) t.flush(null, pa);
}

/**
 * A member of a queue group with none here, among those behind routes and leaf nodes that
 * may take a message from `producer`, weighted by how many members each peer has
 * (nats-server shadows a remote queue subscription by its weight in match results).
 */
export function pickRemote(group: readonly Subscription[], producer: Connection | null, pa: PubArg): Subscription | null {
  let total = 0;
  for (let i = 0; i < group.length; i++) {
    const sub = group[i]!;
    if (remoteEligible(sub, producer, pa)) total += sub.weight;
  }
  if (total === 0) return null;
  let pick = Math.floor(Math.random() * total);
  for (let i = 0; i < group.length; i++) {
    const sub = group[i]!;
    if (!remoteEligible(sub, producer, pa)) continue;
    pick -= sub.weight;
    if (pick < 0) return sub;
  }
  return null;
}

function remoteEligible(sub: Subscription, producer: Connection | null, pa: PubArg): boolean {
  const c = sub.conn;
  if (sub.closed || c.closed || c === producer || (c.kind !== Kind.ROUTER && c.kind !== Kind.LEAF)) return false;
  return producer === null || producer.kind === Kind.CLIENT || c.forwards(producer as Link, pa);
}

/**
 * Delivers a message that came from a route or a leaf node (nats-server
 * processInboundRoutedMsg / processInboundLeafMsg, then processMsgResults): to local
 * subscribers, and on to the links that may take it (never from a route back to a route).
 * Queue groups are served only when the message names them (`| q1 q2`): the sending
 * server already chose this server for those groups, so a local member is preferred.
 * On a server with gateways, a reply mapped for them (`_GR_.<cluster>.<server>.reply`)
 * reaches clients and the server's callbacks as the plain reply; links get it whole
 * (processMsgResults creply).
 */
export function deliverFromLink(server: Server, producer: Link, r: SublistResult<Subscription>, pa: PubArg): void {
  // Without gateways the mapped reply stays whole: the response then goes back by it.
  const skip = server.gateways !== null && isRoutedReply(pa.arg, pa.replyStart, pa.replyEnd) ? GW_SUBJECT_OFFSET : 0;
  pa.replyStart += skip;
  try {
    deliverLinkTargets(server, producer, r, pa);
  } finally {
    pa.replyStart -= skip;
  }
  const t = server.linkTargets;
  if (t.count !== t.base) t.flush(producer, pa);
}

/** deliverFromLink's walk of the match result: links are only collected here. */
function deliverLinkTargets(server: Server, producer: Link, r: SublistResult<Subscription>, pa: PubArg): void {
  const psubs = r.psubs;
  for (let i = 0; i < psubs.length; i++) {
    const sub = psubs[i]!;
    const c = sub.conn;
    if ((c.kind === Kind.ROUTER || c.kind === Kind.LEAF) && (c === producer || !c.forwards(producer, pa))) continue;
    deliver(server, producer, sub, pa);
  }
  if (pa.queuesEnd > pa.queuesStart) {
    const qsubs = r.qsubs;
    for (let g = 0; g < qsubs.length; g++) {
      const group = qsubs[g]!;
      if (!queueListed(pa, group[0]!.queue!)) continue;
      const n = group.length;
      const start = Math.floor(Math.random() * n);
      let k = 0;
      for (; k < n; k++) {
        const sub = group[(start + k) % n]!;
        const kind = sub.conn.kind;
        if (sub.closed || sub.conn.closed || kind === Kind.ROUTER || kind === Kind.LEAF) continue;
        deliver(server, producer, sub, pa);
        break;
      }
      if (k === n) {
        const remote = pickRemote(group, producer, pa);
        if (remote !== null) toRemote(server, producer, remote, pa);
      }
    }
  }
}

/** Whether `name` is one of the queue names the message carries (`| q1 q2`), without strings. */
export function queueListed(pa: PubArg, name: string): boolean {
  const arg = pa.arg;
  const end = pa.queuesEnd;
  const n = name.length;
  let i = pa.queuesStart;
  while (i < end) {
    while (i < end && arg[i] === 32) i++;
    let j = 0;
    while (j < n && i + j < end && arg[i + j] === name.charCodeAt(j)) j++;
    if (j === n && (i + j === end || arg[i + j] === 32)) return true;
    while (i < end && arg[i] !== 32) i++;
  }
  return false;
}

/** A queue member picked behind a link: collected, or sent now if it is a shadow. */
export function toRemote(server: Server, producer: Connection | null, sub: Subscription, pa: PubArg): void {
  if (sub.im !== null) deliverShadow(server, producer, sub, pa);
  else server.linkTargets.add(sub.conn as Link, sub);
}

/** Writes one message to one subscription, by the kind of connection that holds it. */
export function deliver(server: Server, producer: Connection | null, sub: Subscription, pa: PubArg): void {
  const c = sub.conn;
  if (c.closed || sub.closed) return;
  if (sub.im !== null) {
    deliverShadow(server, producer, sub, pa);
    return;
  }
  if (sub.max > 0 && sub.delivered >= sub.max) return;
  switch (c.kind) {
    case Kind.CLIENT:
      deliverToClient(server, producer, c, sub, pa);
      return;
    case Kind.SYSTEM:
    case Kind.JETSTREAM:
      deliverNested(server, sub, pa);
      return;
    case Kind.ROUTER:
    case Kind.LEAF:
      server.linkTargets.add(c, sub);
      return;
  }
}

/**
 * A stream importer's shadow subscription (accounts/shadow.ts): the message goes to the
 * importer's own subscription under the import's subject (nats-server processMsgResults
 * `sub.im`). A leaf node's is collected with the other link targets as an entry of its
 * own (its subject differs from theirs), so a traced message gets its hop there too;
 * `now` sends it at once instead (a trace that ends at the import: untraced).
 */
export function deliverShadow(server: Server, producer: Connection | null, shadow: Subscription, pa: PubArg, now = false): void {
  const im = shadow.im!;
  const origin = im.origin;
  const c = origin.conn;
  const link = c.kind === Kind.LEAF || c.kind === Kind.ROUTER;
  if (link && (c.closed || origin.closed)) return;
  const subject = im.ref.deliverSubject(pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd));
  const derived = buildPubArg(subject, pa.arg.toString("latin1", pa.replyStart, pa.replyEnd), pa.hdr, pa.payloadBuf, pa.payloadStart, pa.payloadEnd);
  if (!link) deliver(server, producer, origin, derived);
  else if (!now) server.linkTargets.addShadow(c as Link, origin, derived);
  else {
    const queues = origin.queue === null ? EMPTY : Buffer.from(`${origin.queue} `, "latin1");
    (c as Link).sendMsg(producer, origin, derived, queues, queues.length);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * A server callback may publish while this message is still being delivered: its own
 * deliveries use the link targets above the ones collected so far.
 */
function deliverNested(server: Server, sub: Subscription, pa: PubArg): void {
  const t = server.linkTargets;
  const base = t.base;
  const qbase = t.qbase;
  t.base = t.count;
  t.qbase = t.qcount;
  try {
    if (sub.pah !== null) {
      sub.delivered++;
      sub.pah(pa);
    } else deliverInternal(sub, sub.icb!, pa);
  } finally {
    t.base = base;
    t.qbase = qbase;
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
