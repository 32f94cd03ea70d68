/**
 * Message lookups by sequence or subject: STREAM.MSG.GET (JSON, through the API queue) and
 * DIRECT.GET (allow_direct: the raw message with Nats-Stream/Subject/Sequence/Time-Stamp
 * headers, answered inline from the stream's own subscriptions, as nats-server does for
 * KV reads). `$JS.API.DIRECT.GET.<stream>.<subject>` is last-by-subject.
 */
import type { Subscription } from "../server/subscription.js";
import { displaySubject, wireSubject } from "../sublist/index.js";
import { decodeText, type Schema } from "./codec.js";
import { buildHeader, statusHeader } from "./headers.js";
import { newStoreMsg, tsToIso, type StoreMsg } from "./store/index.js";
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

export class DirectGet {
  private subs: Subscription[] = [];
  private readonly scratch = newStoreMsg();

  constructor(private readonly stream: Stream) {}

  /** Subscribes or unsubscribes to follow `allow_direct`. */
  update(): void {
    const want = this.stream.cfg.allow_direct;
    if (want && this.subs.length === 0) {
      const server = this.stream.jsa.js.server;
      const acc = this.stream.account;
      const base = `$JS.API.DIRECT.GET.${wireSubject(this.stream.name)}`;
      this.subs.push(server.subscribeInternal(acc, base, (_s, reply, h, d) => this.onGet(reply, h > 0 ? d.subarray(h) : d)));
      this.subs.push(server.subscribeInternal(acc, `${base}.>`, (s, reply, h, d) => this.onLastBySubject(s, reply, h > 0 ? d.subarray(h) : d)));
    } else if (!want) {
      this.stop();
    }
  }

  stop(): void {
    const server = this.stream.jsa.js.server;
    for (const s of this.subs) server.unsubscribeInternal(s);
    this.subs = [];
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

  private respond(reply: string, r: MsgGetRequest): void {
    const stream = this.stream;
    const sm = loadForGet(stream, r, this.scratch);
    if (sm === null) return this.status(reply, 404, "Message Not Found");
    const hdr = buildHeader(sm.hdr.length > 0 ? sm.hdr : null, [
      ["Nats-Stream", stream.name],
      ["Nats-Subject", sm.subject],
      ["Nats-Sequence", sm.seq],
      ["Nats-Time-Stamp", tsToIso(sm.tsMs, sm.tsNs)],
    ]);
    stream.jsa.js.sender.send(stream.account, reply, "", hdr, sm.msg);
  }
}
