/**
 * The delivery of a traced message (nats-server processMsgResults with a msgTrace), in place
 * of the plain path in deliver.ts so that path stays free of tracing: the same targets by the
 * same rules (echo, queue picks, which links may take a message from which), each recorded in
 * the {@link MsgTrace} as it is delivered. Trace-only delivers nothing to clients and the
 * server's own subscriptions; links still get it when their peer traces (msg-trace.ts).
 */
import { checkPublish } from "../auth/connection.js";
import { deliverImports, deliverResponse, derivePubArg, type ImportTracer } from "../accounts/imports.js";
import type { Account } from "../accounts/account.js";
import type { Link } from "../cluster/link.js";
import { publishMappedReply, sendToGateways } from "../gateway/routing.js";
import { isRoutedReply, GW_SUBJECT_OFFSET } from "../gateway/gateway-proto.js";
import { errPublishPermission } from "../protocol/errors.js";
import type { PubArg } from "../protocol/pub-arg.js";
import type { SublistResult } from "../sublist/index.js";
import type { SubjectMappings } from "../sublist/transform.js";
import type { Client } from "./client.js";
import type { Connection } from "./connection.js";
import { Kind } from "./connection-kind.js";
import { deliver, deliverFromLink, deliverShadow, pickRemote, queueListed, toRemote } from "./deliver.js";
import { MsgTrace } from "./msg-trace.js";
import { deliverTracedToStream } from "./msg-trace-jetstream.js";
import type { Server } from "./server.js";
import type { Subscription } from "./subscription.js";

function isLinkKind(kind: Kind): boolean {
  return kind === Kind.ROUTER || kind === Kind.LEAF || kind === Kind.GATEWAY;
}

/**
 * A client's traced publish, in place of Client.processMsg's plain path: permissions,
 * mapping, delivery, imports (`se`, `si`), gateways, no-responders, then the document.
 * Returns whether `c` is still open.
 */
export function processTracedMsg(c: Client, pa: PubArg, mappings: SubjectMappings | null): boolean {
  const server = c.server;
  const acc = c.account;
  // A client's message names no origin account: never null here.
  const t = MsgTrace.start(server, c, acc, pa)!;
  let subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
  if (c.perms !== null && !checkPublish(c, pa)) {
    t.ingressError(errPublishPermission(subject));
    t.send();
    return !c.closed;
  }
  if (c.verbose) c.sendOK();
  if (mappings !== null) {
    const mapped = mappings.map(subject);
    if (mapped !== subject) {
      t.mapped(mapped);
      pa = derivePubArg(pa, mapped, pa.arg.toString("latin1", pa.replyStart, pa.replyEnd));
      subject = mapped;
    }
  }
  const gw = server.gateways;
  // A response to a request that came by gateway goes back by its `_GR_.` subject, traced.
  if (gw !== null && gw.replies.size > 0 && publishMappedReply(gw, c, acc, pa, (g, out) => t.forLink(g, out))) {
    t.send();
    return !c.closed;
  }
  const r = acc.sublist.match(subject);
  const n = walk(t, server, c, acc, r, pa);
  flushLinks(t, server, c, pa, acc);
  const imported = acc.imports !== null ? deliverImports(server, c, acc, pa, importTracer(t, server)) : 0;
  const empty = r.psubs.length === 0 && r.qsubs.length === 0;
  const crossed = gw !== null && sendToGateways(gw, c, acc, pa, empty ? null : r, (g) => t.forLink(g, pa));
  if (!t.only && n === 0 && !crossed && imported === 0 && c.noResponders && pa.replyEnd > pa.replyStart) c.sendNoResponders(pa);
  t.send();
  return !c.closed;
}

/**
 * A traced message from a route, leaf node or gateway (`_GR_.` replies: see
 * {@link deliverTracedReply}), in `account` with match result `r`: this server's ingress
 * carries the link's kind and the hop id it came with, and its own document goes to the same
 * destination, in the origin account the link named if any.
 */
export function processTracedLinkMsg(link: Link, account: Account, r: SublistResult<Subscription>, pa: PubArg): void {
  const server = link.server;
  const t = MsgTrace.start(server, link, account, pa);
  if (t === null) {
    deliverFromLink(server, link, r, pa);
    return;
  }
  // Clients get a gateway-mapped reply as the plain one (deliverFromLink).
  const skip = server.gateways !== null && isRoutedReply(pa.arg, pa.replyStart, pa.replyEnd) ? GW_SUBJECT_OFFSET : 0;
  pa.replyStart += skip;
  try {
    walk(t, server, link, account, r, pa);
  } finally {
    pa.replyStart -= skip;
  }
  flushLinks(t, server, link, pa, account);
  const gw = server.gateways;
  // A leaf's message goes on to other clusters as a client's does (Leaf.processMsg).
  if (link.kind === Kind.LEAF && gw !== null) {
    sendToGateways(gw, link, account, pa, pa.queuesEnd > pa.queuesStart ? r : null, (g) => t.forLink(g, pa, account));
  }
  t.send();
}

/**
 * A traced `_GR_.` reply for this server (gateway/routing.ts handleRoutedReply; nats-server
 * 2.11 traces it as any message), `pa`'s subject already past the prefix: its subscribers,
 * or the service response it answers, recorded; then the document.
 */
export function deliverTracedReply(t: MsgTrace, producer: Link, account: Account, subject: string, r: SublistResult<Subscription>, pa: PubArg): void {
  const server = producer.server;
  if (r.psubs.length + r.qsubs.length > 0) {
    walk(t, server, producer, account, r, pa);
    flushLinks(t, server, producer, pa, account);
  } else deliverResponse(server, producer, account, subject, pa, importTracer(t, server));
  t.send();
}

/**
 * Walks a match result as deliverResult / deliverFromLink do, recording an egress per
 * client subscription and collecting links. Returns the subscriptions and groups served.
 */
function walk(t: MsgTrace, server: Server, producer: Connection, account: Account, r: SublistResult<Subscription>, pa: PubArg): number {
  const link = isLinkKind(producer.kind) ? (producer as Link) : null;
  const noEcho = producer.kind === Kind.CLIENT && !(producer as Client).echo;
  let n = 0;
  for (const sub of r.psubs) {
    const conn = sub.conn;
    if (sub.closed || (noEcho && conn === producer)) continue;
    if (isLinkKind(conn.kind)) {
      if (link !== null && (conn === link || !(conn as Link).forwards(link, pa))) continue;
      // A leaf's shadow in a stream exporter: the `se` event first (toSub), then its link copy.
      if (sub.im === null) deliver(server, producer, sub, pa);
      else toSub(t, server, producer, account, sub, pa);
    } else toSub(t, server, producer, account, sub, pa);
    n++;
  }
  for (const group of r.qsubs) {
    if (link !== null && (pa.queuesEnd === pa.queuesStart || !queueListed(pa, group[0]!.queue!))) continue;
    const local = group.filter((s) => !s.closed && !s.conn.closed && !isLinkKind(s.conn.kind) && !(noEcho && s.conn === producer));
    if (local.length > 0) {
      toSub(t, server, producer, account, local[Math.floor(Math.random() * local.length)]!, pa);
      n++;
      continue;
    }
    const remote = pickRemote(group, producer, pa);
    if (remote !== null) {
      toRemote(server, producer, remote, pa);
      n++;
    }
  }
  return n;
}

/** Records imports in `t` and delivers into their accounts by {@link walk}. */
function importTracer(t: MsgTrace, server: Server): ImportTracer {
  return {
    only: t.only,
    imported: (type, account, from, to) => t.imported(type, account, from, to),
    forGateway: (g, target, pa) => t.forLink(g, pa, target),
    deliver: (producer, target, r, pa) => {
      walk(t, server, producer!, target, r, pa);
      flushLinks(t, server, producer!, pa, target);
    },
  };
}

/**
 * One local subscription: a client's is recorded as an egress, a stream's as a `js` event
(msg-trace-jetstream.ts); delivered unless trace-only. A stream importer's shadow first
 * records the `se` event (the importer and the subject there), then, when the import has
 * `allow_trace`, its subscription's egress in the importer.
 */
function toSub(t: MsgTrace, server: Server, producer: Connection, account: Account, sub: Subscription, pa: PubArg): void {
  let target = sub;
  let subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
  const im = sub.im;
  if (im !== null) {
    subject = im.ref.deliverSubject(subject);
    t.imported("se", im.importer, "", subject);
    // nats-server 2.11: without the import's allow_trace the trace stops here; delivered
    // untraced unless trace-only.
    if (!im.ref.allowTrace) {
      if (!t.only) deliverShadow(server, producer, sub, pa, true);
      return;
    }
    target = im.origin;
    account = im.importer;
  }
  const kind = target.conn.kind;
  if (kind === Kind.JETSTREAM) return deliverTracedToStream(t, server, producer, account, sub, target, subject, pa);
  if (kind === Kind.CLIENT) t.egressClient(target, account);
  // A leaf gets its copy even when trace-only: it traces the message on (flushLinks).
  if (!t.only || isLinkKind(kind)) deliver(server, producer, sub, pa);
}

/** Sends the collected links their copies of the message, now in `account` (see MsgTrace.forLink). */
function flushLinks(t: MsgTrace, server: Server, producer: Connection, pa: PubArg, account: Account): void {
  const targets = server.linkTargets;
  if (targets.count !== targets.base) targets.flushEach(producer, pa, (l, p) => t.forLink(l, p, account));
}
