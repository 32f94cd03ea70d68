/**
 * Message tracing (nats-server 2.11 msgtrace.go): the trace document one server publishes
 * for a message with a `Nats-Trace-Dest` header, and the header handling around it.
 *
 * The document, `{"server", "request": {"header", "msgsize"}, "hops", "events": [...]}`, is
 * published to the destination subject in the account the message was traced for. Its events:
 * the ingress (`in`: the connection the message came from, with the permission error when
 * publishing was denied), a subject mapping (`sm`), and one egress (`eg`) per connection it
 * went to, stream exports (`se`) and service imports (`si`) it crossed, the streams that
 * store it (`js`, with `nointerest` and the stream's `error`: msg-trace-jetstream.ts). A sampled
 * `traceparent` header traces too when the account has a trace destination (msg-trace-external.ts).
 * A copy that leaves for a link in another account than the traced one (after a service
 * import) carries `Nats-Trace-Origin-Account: <traced account>`; the peer publishes its
 * document there, its ingress naming the message's own account (2.11
 * setOriginAccountHeaderIfNeeded). A message forwarded to a route, leaf node or gateway carries
 * `Nats-Trace-Hop` ("1", "2" ... on the first server; "1.1", "1.2" ... on the next), the peer
 * traces it in turn and publishes its own document to the same destination; `hops` counts the
 * links a server forwarded it to. `Nats-Trace-Only: true` records the events without delivering
 * the message to clients or streams; it still crosses links whose peer traces (proto >=
 * MSG_TRACE_PROTO), and is not sent to a peer that would deliver it.
 *
 * The delivery that records these events is msg-trace-deliver.ts. Cost when off: a message
 * with headers has its header bytes compared with one name ({@link hasTraceDest}); nothing
 * else, and nothing at all for a message without headers.
 */
import type { Account } from "../accounts/account.js";
import { buildPubArg, type PubArg } from "../protocol/pub-arg.js";
import { isValidPublishSubject } from "../sublist/subject.js";
import type { Connection } from "./connection.js";
import { Kind } from "./connection-kind.js";
import { serverInfo } from "./events.js";
import type { Server } from "./server.js";
import type { Subscription } from "./subscription.js";

const TRACE_DEST = Buffer.from("Nats-Trace-Dest:");
export const TRACE_HOP = "Nats-Trace-Hop";
export const TRACE_ORIGIN_ACCOUNT = "Nats-Trace-Origin-Account";

/** nats-server errMsgTraceOnlyNoSupport / errMsgTraceNoSupport: the egress errors for an older peer. */
export const ERR_TRACE_ONLY_NO_SUPPORT = "Not delivered because remote does not support message tracing";
export const ERR_TRACE_NO_SUPPORT =
  "Message delivered but remote does not support message tracing so no trace event generated from there";

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

/**
 * `pa` with `Nats-Trace-Hop: hop` in its headers (replacing one it had), and
 * `Nats-Trace-Origin-Account: origin` when `origin` is set (dropping one it had otherwise),
 * for the copy of a traced message that goes to one link. Subject and reply as in `pa`;
 * payload copied.
 */
export function withHop(pa: PubArg, hop: string, origin: string | null = null): PubArg {
  const buf = pa.payloadBuf;
  const hdrEnd = pa.payloadStart + pa.hdr;
  let text = dropHeader(dropHeader(buf.toString("latin1", pa.payloadStart, hdrEnd), TRACE_HOP), TRACE_ORIGIN_ACCOUNT);
  const extra = origin === null ? "" : `${TRACE_ORIGIN_ACCOUNT}: ${origin}\r\n`;
  text = `${text.slice(0, -2)}${TRACE_HOP}: ${hop}\r\n${extra}\r\n`;
  const head = Buffer.from(text, "latin1");
  const out = Buffer.concat([head, buf.subarray(hdrEnd, pa.payloadEnd)]);
  const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
  const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
  return buildPubArg(subject, reply, head.length, out, 0, out.length);
}

/** The header block `text` without the line of header `name`. */
function dropHeader(text: string, name: string): string {
  const at = text.indexOf(`\r\n${name}:`);
  return at < 0 ? text : text.slice(0, at) + text.slice(text.indexOf("\r\n", at + 2));
}

type Event = Record<string, unknown>;

/** What a connection is called in events: a client's CONNECT name, a link's peer server name. */
function connName(conn: Connection): string {
  const kind = conn.kind;
  if (kind === Kind.ROUTER || kind === Kind.GATEWAY || kind === Kind.LEAF) return (conn as unknown as { remoteName: string }).remoteName;
  return (conn as unknown as { name?: string }).name ?? "";
}

/** One traced message on this server: the events so far, sent once as one document. */
export class MsgTrace {
  readonly events: Event[] = [];
  /** Links this server forwarded the message to (the document's `hops`). */
  hops = 0;
  private readonly ingressEvent: Event;

  private constructor(
    readonly server: Server,
    /** The account the document is published in (the publisher's, or the origin account a link named). */
    readonly account: Account,
    /** The account the message is in here (the ingress `acc`). */
    msgAccount: Account,
    readonly dest: string,
    /** Nats-Trace-Only: record, do not deliver to clients or streams. */
    readonly only: boolean,
    /** The hop id this server got the message with ("" on the first server). */
    readonly hop: string,
    private readonly headers: Record<string, string[]>,
    private readonly msgsize: number,
    from: Connection,
    subject: string,
  ) {
    this.ingressEvent = { type: "in", ts: now(), kind: from.kind, cid: from.id };
    const name = connName(from);
    if (name !== "") this.ingressEvent.name = name;
    Object.assign(this.ingressEvent, { acc: msgAccount.name, subj: subject });
    this.events.push(this.ingressEvent);
  }

  /**
   * The trace of a message with a `Nats-Trace-Dest` header that `from` sent in `account`.
   * From a link, a `Nats-Trace-Origin-Account` header names the account the document goes
   * to; when this server has no such account the message is not traced (null), unless it
   * is trace-only: then it is still not delivered, and no document is sent (2.11 initMsgTrace).
   */
  static start(server: Server, from: Connection, account: Account, pa: PubArg): MsgTrace | null {
    const headers = parseHeaders(pa);
    const kind = from.kind;
    const fromLink = kind === Kind.ROUTER || kind === Kind.GATEWAY || kind === Kind.LEAF;
    // No Nats-Trace-Dest: a sampled traceparent (msg-trace-external.ts) to the account's destination, never trace-only.
    const headerDest = headers["Nats-Trace-Dest"]?.[0];
    const only = headerDest !== undefined && /^(1|t|true|on)$/i.test(headers["Nats-Trace-Only"]?.[0] ?? "");
    let dest = headerDest ?? account.traceDest ?? "";
    let traceAccount = account;
    const origin = fromLink ? headers[TRACE_ORIGIN_ACCOUNT]?.[0] : undefined;
    if (origin !== undefined && origin !== account.name) {
      const found = server.accounts.get(origin);
      if (found !== undefined) traceAccount = found;
      else {
        server.logger.error(`${from.logPrefix()}Account "${origin}" was not found, won't be able to trace events`);
        if (!only) return null;
        dest = "";
      }
    }
    return new MsgTrace(
      server,
      traceAccount,
      account,
      dest,
      only,
      fromLink ? (headers[TRACE_HOP]?.[0] ?? "") : "",
      headers,
      pa.size,
      from,
      pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd),
    );
  }

  ingressError(text: string): void {
    this.ingressEvent.error = text;
  }

  mapped(to: string): void {
    this.events.push({ type: "sm", ts: now(), to });
  }

  /**
   * An import took the message into another account: `se` (stream export) names the
   * importer and the subject there, `si` (service import) the exporter, `from` and `to`.
   */
  imported(type: "se" | "si", account: Account, from: string, to: string): void {
    if (type === "se") this.events.push({ type, ts: now(), acc: account.name, to });
    else this.events.push({ type, ts: now(), acc: account.name, from, to });
  }

  /**
   * A stream took (or, trace-only, would take) the message, on `subject`; `noInterest` when
   * interest retention skipped it, `error` when the stream refused or failed to store it.
   */
  jetstream(stream: string, subject: string, noInterest = false, error = ""): void {
    const e: Event = { type: "js", ts: now(), stream, subject };
    if (noInterest) e.nointerest = true;
    if (error !== "") e.error = error;
    this.events.push(e);
  }

  /** The message went (or, trace-only, would go) to a client's subscription `sub` held in `account`. */
  egressClient(sub: Subscription, account: Account | null): void {
    const conn = sub.conn as Connection;
    const e: Event = { type: "eg", ts: now(), kind: conn.kind, cid: conn.id };
    const name = connName(conn);
    if (name !== "") e.name = name;
    if (account !== null && account !== this.account) e.acc = account.name;
    e.sub = sub.subject;
    if (sub.queue !== null) e.queue = sub.queue;
    this.events.push(e);
  }

  /** The message went to a link: `hop` is the id it carried there ("" when it carried none). */
  egressLink(link: Connection, hop: string, error: string): void {
    const e: Event = { type: "eg", ts: now(), kind: link.kind, cid: link.id };
    const name = connName(link);
    if (name !== "") e.name = name;
    if (hop !== "") e.hop = hop;
    if (error !== "") e.error = error;
    this.events.push(e);
  }

  /** The next hop id: one more link forwarded to (nats-server setHopHeader). */
  nextHop(): string {
    this.hops++;
    return this.hop !== "" ? `${this.hop}.${this.hops}` : String(this.hops);
  }

  /**
   * The copy of the message for `link`: with a new hop id when the peer traces, as it is when
   * it does not (the egress says no document comes from there), none for trace-only then.
   * `account` is the one the message is in now: another than the traced one (a service
   * import took it there) is named to the peer by `Nats-Trace-Origin-Account`.
   */
  forLink(link: Connection & { traceOk: boolean }, pa: PubArg, account: Account = this.account): PubArg | null {
    if (!link.traceOk) {
      this.egressLink(link, "", this.only ? ERR_TRACE_ONLY_NO_SUPPORT : ERR_TRACE_NO_SUPPORT);
      return this.only ? null : pa;
    }
    const hop = this.nextHop();
    this.egressLink(link, hop, "");
    return withHop(pa, hop, account !== this.account ? this.account.name : null);
  }

  /** Publishes the document to the destination, in the traced account. */
  send(): void {
    if (this.dest === "") return;
    if (!isValidPublishSubject(this.dest)) {
      // nats-server: the message is handled (or, trace-only, dropped) but no document goes out.
      this.server.logger.error(`Destination "${this.dest}" is not valid, won't be able to trace events`);
      return;
    }
    const doc: Record<string, unknown> = {
      server: serverInfo(this.server),
      request: { header: this.headers, msgsize: this.msgsize },
    };
    if (this.hops > 0) doc.hops = this.hops;
    doc.events = this.events;
    this.server.publishInternal(this.account, this.dest, "", Buffer.from(`${JSON.stringify(doc)}\r\n`, "utf8"), -1);
  }
}

function now(): string {
  return new Date().toISOString();
}
