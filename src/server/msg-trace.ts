/**
 * Message tracing (nats-server 2.11 msgtrace.go), first slice: a client's HPUB with a
 * `Nats-Trace-Dest` header gets one trace document published to that subject, in the
 * publisher's account: `{"server", "request": {"header", "msgsize"}, "events": [...]}` with
 * the ingress (`in`, with the permission error when publishing was denied), the subject
 * mapping (`sm`) and one egress (`eg`) per connection the message went to (clients: `sub`,
 * `queue`; routes and leaf nodes: one event per link). `Nats-Trace-Only: true` records the
 * same events without delivering the message. Otherwise the message takes the same way as an
 * untraced one (links, service and stream imports, gateways, no-responders).
 *
 * Not yet: `Nats-Trace-Hop` and the per-server documents across routes, leaf nodes and
 * gateways; stream export (`se`), service import (`si`) and JetStream (`js`) events; the
 * `traceparent` header; messages from routes and leaf nodes.
 *
 * Cost when off: Client.processMsg looks here only for messages with headers, and
 * {@link hasTraceDest} compares the header bytes with one name.
 */
import type { PubArg } from "../protocol/pub-arg.js";
import { errPublishPermission } from "../protocol/errors.js";
import { checkPublish } from "../auth/connection.js";
import type { SubjectMappings } from "../sublist/transform.js";
import { derivePubArg, deliverImports } from "../accounts/imports.js";
import { sendToGateways } from "../gateway/routing.js";
import type { Client } from "./client.js";
import { Kind } from "./connection-kind.js";
import { deliver } from "./deliver.js";
import { serverInfo } from "./events.js";
import type { Subscription } from "./subscription.js";

const TRACE_DEST = Buffer.from("Nats-Trace-Dest:");
const TRACE_ONLY = "Nats-Trace-Only";

/** Whether the message's headers name a trace destination (a scan of the header bytes only). */
export function hasTraceDest(pa: PubArg): boolean {
  const buf = pa.payloadBuf;
  const end = pa.payloadStart + pa.hdr - TRACE_DEST.length;
  const first = TRACE_DEST[0]!;
  for (let i = pa.payloadStart; i <= end; i++) {
    if (buf[i] !== first || (i > pa.payloadStart && buf[i - 1] !== 10)) continue;
    let k = 1;
    while (k < TRACE_DEST.length && buf[i + k] === TRACE_DEST[k]) k++;
    if (k === TRACE_DEST.length) return true;
  }
  return false;
}

/** The header block as nats-server reports it: name → values, names as sent. */
function parseHeaders(pa: PubArg): Record<string, string[]> {
  const text = pa.payloadBuf.toString("latin1", pa.payloadStart, pa.payloadStart + pa.hdr);
  const out: Record<string, string[]> = {};
  for (const line of text.split("\r\n").slice(1)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    (out[name] ??= []).push(line.slice(i + 1).trim());
  }
  return out;
}

type Event = Record<string, unknown>;

/**
 * Processes one traced publish from `c` in place of the plain path: permissions, mapping,
 * delivery (unless trace-only), then the trace document. Returns whether `c` is still open.
 */
export function processTracedMsg(c: Client, pa: PubArg, mappings: SubjectMappings | null): boolean {
  const server = c.server;
  const headers = parseHeaders(pa);
  const dest = headers["Nats-Trace-Dest"]?.[0] ?? "";
  const only = /^(1|t|true)$/i.test(headers[TRACE_ONLY]?.[0] ?? "");
  const acc = c.account;
  const ts = (): string => new Date().toISOString();
  let subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
  const ingress: Event = { type: "in", ts: ts(), kind: Kind.CLIENT, cid: c.id };
  if (c.name !== "") ingress.name = c.name;
  Object.assign(ingress, { acc: acc.name, subj: subject });
  const events: Event[] = [ingress];
  const send = (): void => {
    if (dest === "") return;
    const doc = { server: serverInfo(server), request: { header: headers, msgsize: pa.size }, events };
    server.publishInternal(acc, dest, "", Buffer.from(`${JSON.stringify(doc)}\r\n`, "utf8"), -1);
  };
  if (c.perms !== null && !checkPublish(c, pa)) {
    ingress.error = errPublishPermission(subject);
    send();
    return !c.closed;
  }
  if (c.verbose) c.sendOK();
  if (mappings !== null) {
    const mapped = mappings.map(subject);
    if (mapped !== subject) {
      events.push({ type: "sm", ts: ts(), to: mapped });
      pa = derivePubArg(pa, mapped, pa.arg.toString("latin1", pa.replyStart, pa.replyEnd));
      subject = mapped;
    }
  }
  const r = acc.sublist.match(subject);
  const links = new Set<unknown>();
  const egress = (sub: Subscription): void => {
    const conn = sub.conn;
    if (conn.kind === Kind.SYSTEM || conn.kind === Kind.JETSTREAM) return;
    if (conn.kind === Kind.ROUTER || conn.kind === Kind.LEAF) {
      if (links.has(conn)) return;
      links.add(conn);
      events.push({ type: "eg", ts: ts(), kind: conn.kind, cid: conn.id });
      return;
    }
    const e: Event = { type: "eg", ts: ts(), kind: conn.kind, cid: conn.id };
    const name = (conn as Client).name;
    if (name) e.name = name;
    e.sub = sub.subject;
    if (sub.queue !== null) e.queue = sub.queue;
    events.push(e);
  };
  for (const sub of r.psubs) {
    if (sub.closed || (!c.echo && sub.conn === c)) continue;
    egress(sub);
    if (!only) deliver(server, c, sub, pa);
  }
  for (const group of r.qsubs) {
    const live = group.filter((s) => !s.closed && !s.conn.closed && (c.echo || s.conn !== c));
    const local = live.filter((s) => s.conn.kind !== Kind.ROUTER && s.conn.kind !== Kind.LEAF);
    const pick = (local.length > 0 ? local : live)[Math.floor(Math.random() * (local.length || live.length))];
    if (pick === undefined) continue;
    egress(pick);
    if (!only) deliver(server, c, pick, pa);
  }
  if (!only) {
    const t = server.linkTargets;
    if (t.count !== t.base) t.flush(c, pa);
    const imported = acc.imports !== null ? deliverImports(server, c, acc, pa) : 0;
    const gw = server.gateways;
    const empty = r.psubs.length === 0 && r.qsubs.length === 0;
    const crossed = gw !== null && sendToGateways(gw, c, acc, pa, empty ? null : r);
    if (empty && !crossed && imported === 0 && c.noResponders && pa.replyEnd > pa.replyStart) c.sendNoResponders(pa);
  }
  send();
  return !c.closed;
}
