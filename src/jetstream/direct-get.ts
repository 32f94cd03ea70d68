/**
 * Message lookups by sequence or subject: STREAM.MSG.GET (JSON, through the API queue) and
 * DIRECT.GET (allow_direct: the raw message with Nats-Stream/Subject/Sequence/Time-Stamp
 * headers, answered inline from the stream's own subscriptions, as nats-server does for
 * KV reads). `$JS.API.DIRECT.GET.<stream>.<subject>` is last-by-subject.
 */
import type { Subscription } from "../server/subscription.js";
import { displaySubject, wireSubject } from "../sublist/index.js";
import { decodeText, type Schema } from "./codec.js";
import { HDR_LINE, statusHeader } from "./headers.js";
import { IsoFormatter, newStoreMsg, type StoreMsg } from "./store/index.js";
import type { Stream } from "./stream.js";
import { subjectHasWildcard } from "./subjects.js";

/** JSApiMsgGetRequest. */
export interface MsgGetRequest {
  seq?: number;
  last_by_subj?: string;
  next_by_subj?: string;
}
export const MSG_GET_REQUEST: Schema = [
  ["seq", "uint", true],
  ["last_by_subj", "str", true],
  ["next_by_subj", "str", true],
];

/** Whether the request asks for exactly one thing (nats-server's checks). */
export function validGetRequest(r: MsgGetRequest): boolean {
  const seq = r.seq ?? 0;
  const last = r.last_by_subj ?? "";
  const next = r.next_by_subj ?? "";
  if ((seq > 0 && last !== "") || (seq === 0 && last === "" && next === "")) return false;
  return !(last !== "" && next !== "");
}

/** Loads what `r` asks for into `out`, or null. */
export function loadForGet(stream: Stream, r: MsgGetRequest, out: StoreMsg): StoreMsg | null {
  const store = stream.store;
  const seq = r.seq ?? 0;
  const next = r.next_by_subj ?? "";
  if (next !== "") {
    const f = wireSubject(next);
    return store.loadNextMsg(f, subjectHasWildcard(f), seq, out);
  }
  if (seq > 0) return store.loadMsg(seq, out);
  return store.loadLastMsg(wireSubject(r.last_by_subj ?? ""), out);
}

/** The queue group of direct-get subscriptions, so a stream and its mirrors share requests. */
const DIRECT_GET_GROUP = "_sys_";

export class DirectGet {
  private subs: Subscription[] = [];
  /** mirror_direct: subscriptions on the upstream's direct-get subjects. */
  private mirrorSubs: Subscription[] = [];
  private mirrorOf = "";
  private readonly scratch = newStoreMsg();
  private readonly iso = new IsoFormatter();
  private hdrBuf = Buffer.allocUnsafe(512);

  constructor(private readonly stream: Stream) {}

  /**
   * Subscribes or unsubscribes to follow `allow_direct`, and `mirror_direct` (a mirror
   * answers direct gets addressed to its upstream, in the same queue group, with its own
   * name in `Nats-Stream`, as nats-server subscribeToMirrorDirect).
   */
  update(): void {
    const cfg = this.stream.cfg;
    if (cfg.allow_direct && this.subs.length === 0) this.subs = this.subscribe(this.stream.name);
    else if (!cfg.allow_direct) this.unsubscribe(this.subs);
    const upstream = cfg.mirror_direct && cfg.mirror !== undefined ? cfg.mirror.name : "";
    if (upstream !== this.mirrorOf) {
      this.unsubscribe(this.mirrorSubs);
      this.mirrorOf = upstream;
      if (upstream !== "") this.mirrorSubs = this.subscribe(upstream);
    }
  }

  private subscribe(name: string): Subscription[] {
    const server = this.stream.jsa.js.server;
    const acc = this.stream.account;
    const base = `$JS.API.DIRECT.GET.${wireSubject(name)}`;
    return [
      server.subscribeInternal(acc, base, (_s, reply, h, d) => this.onGet(reply, h > 0 ? d.subarray(h) : d), DIRECT_GET_GROUP),
      server.subscribeInternal(acc, `${base}.>`, (s, reply, h, d) => this.onLastBySubject(s, reply, h > 0 ? d.subarray(h) : d), DIRECT_GET_GROUP),
    ];
  }

  private unsubscribe(subs: Subscription[]): void {
    const server = this.stream.jsa.js.server;
    for (const s of subs.splice(0)) server.unsubscribeInternal(s);
  }

  stop(): void {
    this.unsubscribe(this.subs);
    this.unsubscribe(this.mirrorSubs);
    this.mirrorOf = "";
  }

  private status(reply: string, code: number, text: string): void {
    this.stream.jsa.js.sender.send(this.stream.account, reply, "", statusHeader(code, text), null);
  }

  private onGet(reply: string, body: Buffer): void {
    if (reply === "" || this.stream.closed) return;
    if (body.length === 0) return this.status(reply, 408, "Empty Request");
    let r: MsgGetRequest;
    try {
      r = decodeText<MsgGetRequest>(body.toString("utf8"), MSG_GET_REQUEST);
    } catch {
      return this.status(reply, 408, "Malformed Request");
    }
    if ((r.seq ?? 0) === 0 && !r.last_by_subj && !r.next_by_subj) return this.status(reply, 408, "Empty Request");
    if (!validGetRequest(r)) return this.status(reply, 408, "Bad Request");
    this.respond(reply, r);
  }

  private onLastBySubject(subject: string, reply: string, body: Buffer): void {
    if (reply === "" || this.stream.closed) return;
    if (body.length !== 0) return this.status(reply, 408, "Bad Request");
    // $JS.API.DIRECT.GET.<stream>.<key...>: the key is everything after the fifth dot.
    let dots = 0;
    let i = 0;
    for (; i < subject.length && dots < 5; i++) if (subject.charCodeAt(i) === 46) dots++;
    const key = subject.slice(i);
    if (key === "") return this.status(reply, 408, "Bad Request");
    this.respond(reply, { last_by_subj: displaySubject(key) });
  }

  /**
   * The message with Nats-Stream/Subject/Sequence/Time-Stamp appended to its headers (as
   * buildHeader would), written into a reused buffer: a KV get is this, many times over.
   */
  private respond(reply: string, r: MsgGetRequest): void {
    const stream = this.stream;
    const sm = loadForGet(stream, r, this.scratch);
    if (sm === null) return this.status(reply, 404, "Message Not Found");
    const tail = `Nats-Stream: ${stream.name}\r\nNats-Subject: ${sm.subject}\r\nNats-Sequence: ${sm.seq}\r\nNats-Time-Stamp: ${this.iso.format(sm.tsMs, sm.tsNs)}\r\n\r\n`;
    const base = sm.hdr.length >= 4 ? sm.hdr.length - 2 : HDR_LINE.length;
    const need = base + tail.length * 3;
    if (this.hdrBuf.length < need) this.hdrBuf = Buffer.allocUnsafe(Math.max(need, this.hdrBuf.length * 2));
    const buf = this.hdrBuf;
    if (sm.hdr.length >= 4) sm.hdr.copy(buf, 0, 0, base);
    else buf.write(HDR_LINE, 0, "latin1");
    const n = base + buf.write(tail, base, "latin1");
    stream.jsa.js.sender.send(stream.account, reply, "", buf.subarray(0, n), sm.msg);
  }
}
