/**
 * Messages across gateways (nats-server gateway.go sendMsgToGateways,
 * processInboundGatewayMsg, handleGatewayReply, handleGWReplyMap):
 *
 * - a message published in this cluster goes to each remote cluster that may want it: in
 *   optimistic mode unless the remote said RS- for the subject, in interest-only mode
 *   only on a matching subscription; a queue group the local cluster served is named to
 *   no remote, and each other group to one remote only;
 * - a message from a gateway is delivered here and across our routes, never to another
 *   gateway; nobody wanting it makes us say so (RS-, A-);
 * - `_GR_.<cluster>.<server>.reply` subjects go straight to that cluster, and there to
 *   that server, whatever the interest.
 */
import type { Account } from "../accounts/account.js";
import type { Link } from "../cluster/link.js";
import type { MatchCache } from "../cluster/match-cache.js";
import type { Route } from "../cluster/route.js";
import { buildPubArg, type PubArg } from "../protocol/pub-arg.js";
import type { Connection } from "../server/connection.js";
import { Kind } from "../server/connection-kind.js";
import { deliverFromLink, deliverResult } from "../server/deliver.js";
import { deliverResponse, isPendingResponse } from "../accounts/imports.js";
import { MsgTrace } from "../server/msg-trace.js";
import { tracedFromLink } from "../server/msg-trace-external.js";
import { deliverTracedReply, processTracedLinkMsg } from "../server/msg-trace-deliver.js";
import type { Subscription } from "../server/subscription.js";
import type { SublistResult } from "../sublist/index.js";
import type { Gateway } from "./gateway.js";
import { GW_HASH_LEN, GW_REPLY_PREFIX, GW_SUBJECT_OFFSET, isRoutedReply } from "./gateway-proto.js";
import type { GatewayManager } from "./gateways.js";

const CLUSTER_OFFSET = GW_REPLY_PREFIX.length;
const SERVER_OFFSET = CLUSTER_OFFSET + GW_HASH_LEN + 1;
const SPACE = 32;

/** Scratch reused by every send: queue names for one gateway, the groups already named. */
export class SendScratch {
  qbuf: Buffer = Buffer.allocUnsafe(256);
  readonly used: string[] = [];
  readonly accountBytes = new Map<Account, Buffer>();
  /** The last subject sent, as bytes and as a string: a stream on one subject makes no strings. */
  private subjectBytes: Buffer = Buffer.allocUnsafe(256);
  private subjectLen = -1;
  private subject = "";

  subjectOf(pa: PubArg): string {
    const arg = pa.arg;
    const start = pa.subjectStart;
    const n = pa.subjectEnd - start;
    if (n === this.subjectLen) {
      const cached = this.subjectBytes;
      let i = 0;
      while (i < n && cached[i] === arg[start + i]) i++;
      if (i === n) return this.subject;
    }
    this.subject = arg.toString("latin1", start, pa.subjectEnd);
    if (n <= this.subjectBytes.length) {
      arg.copy(this.subjectBytes, 0, start, pa.subjectEnd);
      this.subjectLen = n;
    } else this.subjectLen = -1;
    return this.subject;
  }

  account(a: Account): Buffer {
    let b = this.accountBytes.get(a);
    if (b === undefined) {
      b = Buffer.from(a.name, "latin1");
      this.accountBytes.set(a, b);
    }
    return b;
  }

  /** Appends `q` and a space at `len`; returns the new length. */
  addQueue(len: number, q: string): number {
    if (len + q.length + 1 > this.qbuf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(len + q.length + 1, this.qbuf.length * 2));
      this.qbuf.copy(bigger, 0, 0, len);
      this.qbuf = bigger;
    }
    len += this.qbuf.write(q, len, "latin1");
    this.qbuf[len++] = SPACE;
    return len;
  }
}

/**
 * Sends a message published in this cluster (by a client, a leaf node or the server) to
 * the gateways that want it; `r` is what it matched here. Returns whether any got it.
 */
export function sendToGateways(
  m: GatewayManager,
  producer: Connection | null,
  account: Account,
  pa: PubArg,
  r: SublistResult<Subscription> | null,
  /** For a traced message: the copy for one gateway, or null to skip it (msg-trace.ts). */
  each: ((gw: Gateway) => PubArg | null) | null = null,
): boolean {
  const gws = m.outList;
  if (gws.length === 0) return false;
  const s = m.scratch;
  const arg = pa.arg;
  const subject = s.subjectOf(pa);
  const direct = isRoutedReply(arg, pa.subjectStart, pa.subjectEnd);
  const dstHash = direct ? subject.slice(CLUSTER_OFFSET, CLUSTER_OFFSET + GW_HASH_LEN) : "";
  let checkReply = pa.replyEnd > pa.replyStart;
  let prefix: Uint8Array | null = null;
  let sent = false;
  s.used.length = 0;
  for (let i = 0; i < gws.length; i++) {
    const gw = gws[i]!;
    if (gw.closed) continue;
    let qlen = 0;
    if (direct) {
      if (gw.cfg!.hash !== dstHash) continue;
    } else {
      const outsim = gw.outsim!;
      const plain = outsim.interest(account.name, subject);
      const groups = outsim.queues.qsubs;
      for (let g = 0; g < groups.length; g++) {
        const q = groups[g]![0]!.queue!;
        if (s.used.includes(q) || servedHere(r, q)) continue;
        s.used.push(q);
        qlen = s.addQueue(qlen, q);
      }
      if (!plain && qlen === 0) continue;
    }
    if (checkReply) {
      checkReply = false;
      const reply = arg.toString("latin1", pa.replyStart, pa.replyEnd);
      // A service import's routed reply is mapped too: the response must come back here.
      if (m.recent.matches(account, reply) || isPendingResponse(account, reply)) prefix = m.replyPrefix;
    }
    const out = each === null ? pa : each(gw);
    if (out === null) continue;
    gw.writeGatewayMsg(producer, out, s.account(account), s.qbuf, qlen, prefix);
    sent = true;
  }
  return sent;
}

/** Whether the local cluster had a member of queue group `q` to give the message to. */
function servedHere(r: SublistResult<Subscription> | null, q: string): boolean {
  if (r === null) return false;
  const groups = r.qsubs;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    if (group[0]!.queue !== q) continue;
    for (let k = 0; k < group.length; k++) if (!group[k]!.closed && !group[k]!.conn.closed) return true;
  }
  return false;
}

/**
 * A client publishing to a reply subject it was given for a mapped one (handleGWReplyMap):
 * the response goes back by the mapped subject, to the requester's cluster only. Returns
 * false when the subject is not a tracked reply.
 */
export function publishMappedReply(
  m: GatewayManager,
  producer: Connection,
  account: Account,
  pa: PubArg,
  /** For a traced message: the copy for one gateway of the mapped message (msg-trace.ts). */
  each: ((gw: Gateway, routed: PubArg) => PubArg | null) | null = null,
): boolean {
  const routed = m.replies.lookup(account, pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd));
  if (routed === null) return false;
  const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
  const out = buildPubArg(routed, reply, pa.hdr, pa.payloadBuf, pa.payloadStart, pa.payloadEnd);
  sendToGateways(m, producer, account, out, null, each === null ? null : (g) => each(g, out));
  return true;
}

/** Remembers a mapped reply that reached this server, for the response (trackGWReply). */
export function trackRoutedReply(m: GatewayManager, account: Account, pa: PubArg): void {
  if (isRoutedReply(pa.arg, pa.replyStart, pa.replyEnd)) m.replies.track(account, pa.arg.toString("latin1", pa.replyStart, pa.replyEnd));
}

/** RMSG/HMSG from a gateway (processInboundGatewayMsg). */
export function processInboundGatewayMsg(m: GatewayManager, gw: Gateway, cache: MatchCache, pa: PubArg): void {
  const server = m.server;
  const account = cache.account(server, pa);
  if (isRoutedReply(pa.arg, pa.subjectStart, pa.subjectEnd)) {
    handleRoutedReply(m, gw, account, pa);
    return;
  }
  if (account === null) {
    const name = pa.arg.toString("latin1", pa.accountStart, pa.accountEnd);
    server.logger.debug(`${gw.logPrefix()}Unknown account "${name}" for gateway message on subject: "${pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd)}"`);
    m.accountNoInterest(gw, name);
    return;
  }
  const r = cache.match(account, pa);
  // Message tracing (msg-trace.ts): only messages with headers are looked at; a sampled
  // traceparent too when the account has a trace destination (msg-trace-external.ts).
  const traced = pa.hdr > 0 && tracedFromLink(account, pa);
  if (r.psubs.length === 0) {
    m.subjectNoInterest(gw, account, pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd));
    if (pa.queuesEnd === pa.queuesStart && !traced) return;
  }
  trackRoutedReply(m, account, pa);
  if (traced) processTracedLinkMsg(gw, account, r, pa);
  else deliverFromLink(server, gw, r, pa);
}

/**
 * A `_GR_.` subject from a gateway, a route or a leaf node (handleGatewayReply): for
 * another cluster, dropped; for another server of ours, passed to it by route (a route
 * brings only our own); for this server, delivered under the original subject, queue
 * groups included.
 */
export function handleRoutedReply(m: GatewayManager, producer: Link, account: Account | null, pa: PubArg): void {
  const arg = pa.arg;
  const start = pa.subjectStart;
  if (!hashAt(arg, start + CLUSTER_OFFSET, m.clusterHash)) return;
  // Traced as any message with the header, the ingress naming the whole `_GR_.` subject
  // (nats-server 2.11 starts the trace before handleGatewayReply).
  const t = account !== null && pa.hdr > 0 && tracedFromLink(account, pa) ? MsgTrace.start(m.server, producer, account, pa) : null;
  if (producer.kind !== Kind.ROUTER && !hashAt(arg, start + SERVER_OFFSET, m.serverHash)) {
    const route = account !== null ? routeByHash(m, arg.toString("latin1", start + SERVER_OFFSET, start + SERVER_OFFSET + GW_HASH_LEN), account.name) : null;
    // Passed on as it came: that server traces it in turn; this one's document has the ingress only.
    if (route !== null && account !== null) route.writeMsg(producer, pa, 82, route.accountName === "" ? Buffer.from(account.name, "latin1") : null, EMPTY, 0, null);
    t?.send();
    return;
  }
  if (account === null) {
    if (producer.kind === Kind.GATEWAY) m.accountNoInterest(producer as Gateway, pa.arg.toString("latin1", pa.accountStart, pa.accountEnd));
    return;
  }
  pa.subjectStart = start + GW_SUBJECT_OFFSET;
  try {
    const subject = arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
    const r = account.sublist.match(subject);
    if (t !== null) deliverTracedReply(t, producer, account, subject, r, pa);
    else if (r.psubs.length + r.qsubs.length > 0) deliverResult(m.server, producer, r, pa);
    else deliverResponse(m.server, producer, account, subject, pa);
  } finally {
    pa.subjectStart = start;
  }
}

const EMPTY = Buffer.alloc(0);

/** Whether a `_GR_.` subject names this server's cluster. */
export function isOwnCluster(m: GatewayManager, pa: PubArg): boolean {
  return hashAt(pa.arg, pa.subjectStart + CLUSTER_OFFSET, m.clusterHash);
}

function hashAt(arg: Buffer, at: number, hash: string): boolean {
  for (let i = 0; i < GW_HASH_LEN; i++) if (arg[at + i] !== hash.charCodeAt(i)) return false;
  return true;
}

/** The route to the server with this hash that carries `accountName` (its pool index, or its pinned route). */
function routeByHash(m: GatewayManager, hash: string, accountName: string): Route | null {
  const routes = m.server.routes;
  if (routes === null) return null;
  for (const id of routes.remotes.keys()) if (m.idHash(id) === hash) return routes.routeFor(id, accountName);
  return null;
}
