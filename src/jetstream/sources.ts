/**
 * Mirrors and sources (nats-server stream.go setupMirrorConsumer / setupSourceConsumer /
 * processInboundMirrorMsg / processInboundSourceMsg). nats-server creates a consumer on
 * the upstream through the API and receives its messages over the wire; on one server
 * the upstream stream is in the same process, so each upstream gets an in-process
 * consumer (`sink`) that hands messages straight to this stream. Another account's stream
 * is found the way a request would travel: through the `external.api` prefix and the
 * account's service import of `$JS.API.>` (or this server's own domain prefix).
 *
 * A mirror keeps the upstream's sequences and times; a source adds the
 * `Nats-Stream-Source: <stream> <seq> <filter> <dest>` header and is resumed after
 * its last sourced sequence when the stream restarts. Missing upstreams are retried.
 */
import { nuid } from "@nats-io/nuid";
import type { Account } from "../accounts/account.js";
import { wireSubject } from "../sublist/index.js";
import { SubjectTransform } from "../sublist/transform.js";
import type { Consumer } from "./consumer.js";
import { addConsumer } from "./consumer-create.js";
import { buildHeader, getHeader, removeHeaders } from "./headers.js";
import type { TimerTarget } from "./scheduler.js";
import { newStoreMsg, type StoreMsg } from "./store/index.js";
import type { Stream } from "./stream.js";
import { NS_PER_MS } from "./time.js";
import type { ConsumerConfig, StreamConfig, StreamSource, StreamSourceInfo } from "./types.js";

export const JS_STREAM_SOURCE = "Nats-Stream-Source";
/** How long to wait before retrying a missing or failed upstream. */
const RETRY_MS = 2000;

/** One upstream: the mirror or one source. */
class Upstream {
  consumer: Consumer | null = null;
  /** Last upstream sequence received. */
  sseq = 0;
  lag = 0;
  lastMs = 0;
  error: unknown = undefined;
  readonly transforms: Array<{ src: string; tr: SubjectTransform | null }>;
  /** `Nats-Stream-Source` value parts: "<name>", "<filter> <dest>". */
  readonly headerName: string;
  readonly headerRest: string;

  constructor(
    readonly cfg: StreamSource,
    readonly isMirror: boolean,
  ) {
    this.transforms = (cfg.subject_transforms ?? []).map((t) => ({
      src: t.src || ">",
      tr: t.dest !== "" ? SubjectTransform.create(wireSubject(t.src || ">"), wireSubject(t.dest)) : null,
    }));
    const srcs = this.transforms.length > 0 ? this.transforms.map((t) => t.src).join("\f") : cfg.filter_subject || ">";
    const dests = this.transforms.length > 0 ? (cfg.subject_transforms ?? []).map((t) => t.dest || ">").join("\f") : ">";
    this.headerName = cfg.name;
    this.headerRest = `${srcs} ${dests}`;
  }

  /** The subject after this upstream's transforms. */
  transform(subject: string): string {
    for (const t of this.transforms) {
      if (t.tr === null) continue;
      const out = t.tr.apply(subject);
      if (out !== null) return out;
    }
    return subject;
  }
}

export class SourceManager implements TimerTarget {
  private upstreams: Upstream[] = [];
  private readonly scratch: StoreMsg = newStoreMsg();
  timerAt = 0;
  private stopped = false;

  constructor(private readonly stream: Stream) {}

  start(): void {
    const cfg = this.stream.cfg;
    if (cfg.mirror !== undefined) this.upstreams.push(new Upstream(cfg.mirror, true));
    for (const s of cfg.sources ?? []) this.upstreams.push(new Upstream(s, false));
    if (this.upstreams.some((u) => !u.isMirror)) this.recoverSourceSeqs();
    for (const u of this.upstreams) this.connect(u);
  }

  /** Sources added or removed by an update are connected or dropped. */
  update(_old: StreamConfig): void {
    const want = new Map((this.stream.cfg.sources ?? []).map((s) => [JSON.stringify(s), s]));
    const keep: Upstream[] = [];
    for (const u of this.upstreams) {
      if (u.isMirror || want.has(JSON.stringify(u.cfg))) {
        keep.push(u);
        want.delete(JSON.stringify(u.cfg));
      } else {
        this.disconnect(u);
      }
    }
    this.upstreams = keep;
    for (const s of want.values()) {
      const u = new Upstream(s, false);
      this.upstreams.push(u);
      this.connect(u);
    }
  }

  stop(): void {
    this.stopped = true;
    this.stream.jsa.js.timers.cancel(this);
    for (const u of this.upstreams) this.disconnect(u);
  }

  private disconnect(u: Upstream): void {
    const c = u.consumer;
    u.consumer = null;
    if (c !== null) {
      c.onClosed = null;
      void c.stop(true, false);
    }
  }

  /** Finds the upstream stream: in this account, or where `external.api` leads. */
  private resolve(u: Upstream): Stream | null {
    const js = this.stream.jsa.js;
    let account: Account = this.stream.account;
    const api = u.cfg.external?.api ?? "";
    if (api !== "" && api !== "$JS.API" && api !== `$JS.${js.config.domain}.API`) {
      const route = account.imports?.serviceImports.match(`${wireSubject(api)}.INFO`).psubs[0] as { target?: Account } | undefined;
      if (route?.target === undefined) return null;
      account = route.target;
    }
    return js.accountFor(account)?.streams.get(u.cfg.name) ?? null;
  }

  private connect(u: Upstream): void {
    if (this.stopped || this.stream.closed) return;
    const up = this.resolve(u);
    if (up === null || up.closed) {
      u.error = "upstream stream not found";
      this.retryLater();
      return;
    }
    const cfg: Partial<ConsumerConfig> = {
      name: `${u.isMirror ? "mirror" : "source"}-${nuid.next().slice(-8)}`,
      deliver_subject: `$JS.${u.isMirror ? "M" : "S"}.${nuid.next()}`,
      ack_policy: "none",
      max_deliver: 1,
      direct: true,
      deliver_policy: "all",
    };
    const start = this.startSeq(u);
    if (start > 0) {
      cfg.deliver_policy = "by_start_sequence";
      cfg.opt_start_seq = start;
    } else if (u.cfg.opt_start_time !== undefined && this.stream.store.fastState().msgs === 0) {
      cfg.deliver_policy = "by_start_time";
      cfg.opt_start_time = u.cfg.opt_start_time;
    }
    if (u.transforms.length > 0) cfg.filter_subjects = u.transforms.map((t) => t.src);
    else if (u.cfg.filter_subject) cfg.filter_subject = u.cfg.filter_subject;
    try {
      const c = addConsumer(up, cfg, "create");
      c.sink = (sm, dc, pending) => this.onMessage(u, sm, dc, pending);
      c.onClosed = () => {
        u.consumer = null;
        this.retryLater();
      };
      u.consumer = c;
      u.error = undefined;
      u.lastMs = Date.now();
      c.kick();
    } catch (err) {
      u.error = err;
      this.retryLater();
    }
  }

  /** Where an upstream consumer starts: after what this stream already has from it. */
  private startSeq(u: Upstream): number {
    if (u.isMirror) {
      const st = this.stream.store.fastState();
      if (st.msgs === 0 && st.firstSeq === 0) return u.cfg.opt_start_seq ?? 0;
      return st.lastSeq + 1;
    }
    if (u.sseq > 0) return u.sseq + 1;
    return u.cfg.opt_start_seq ?? 0;
  }

  private retryLater(): void {
    if (this.stopped) return;
    this.stream.jsa.js.timers.schedule(this, Date.now() + RETRY_MS);
  }

  onTimer(): void {
    if (this.stopped || this.stream.closed) return;
    for (const u of this.upstreams) if (u.consumer === null) this.connect(u);
  }

  /** One upstream message (the consumer's sink). */
  private onMessage(u: Upstream, sm: StoreMsg, dc: number, pending: number): boolean {
    if (this.stream.closed || dc > 1) return true;
    u.sseq = sm.seq;
    u.lag = pending;
    u.lastMs = Date.now();
    const subject = u.transform(sm.subject);
    if (u.isMirror) {
      this.stream.log.propose({
        op: "msg",
        subject,
        // Applied (and copied by the store) before this returns: no copy needed.
        hdr: sm.hdr.length > 0 ? sm.hdr : null,
        msg: sm.msg,
        msgId: "",
        rollup: "",
        reply: "",
        seq: sm.seq,
        tsMs: sm.tsMs,
        tsNs: sm.tsNs,
      });
      return true;
    }
    let hdr: Buffer | null = sm.hdr.length > 0 ? removeHeaders(sm.hdr, [JS_STREAM_SOURCE, ...EXPECTED_HEADERS]) : null;
    hdr = buildHeader(hdr, [[JS_STREAM_SOURCE, `${u.headerName} ${sm.seq} ${u.headerRest}`]]);
    this.stream.processInbound(subject, "", hdr, sm.msg);
    return true;
  }

  /** After a restart: the last upstream sequence each source delivered, from our headers. */
  private recoverSourceSeqs(): void {
    const store = this.stream.store;
    const want = new Map(this.upstreams.filter((u) => !u.isMirror).map((u) => [`${u.headerName} ${u.headerRest}`, u]));
    let seq = store.fastState().lastSeq;
    for (let scanned = 0; seq > 0 && want.size > 0 && scanned < 1_000_000; scanned++) {
      const sm = store.loadPrevMsg("", false, seq, this.scratch);
      if (sm === null) break;
      seq = sm.seq - 1;
      const h = getHeader(sm.hdr, JS_STREAM_SOURCE);
      if (h === null) continue;
      const parts = h.split(" ");
      const key = `${parts[0]} ${parts.slice(2).join(" ")}`;
      const u = want.get(key);
      if (u !== undefined) {
        u.sseq = Number(parts[1]) || 0;
        want.delete(key);
      }
    }
  }

  private info(u: Upstream): StreamSourceInfo {
    const out: StreamSourceInfo = {
      name: u.cfg.name,
      lag: u.lag,
      active: u.lastMs > 0 ? (Date.now() - u.lastMs) * NS_PER_MS : -1,
    };
    if (u.cfg.external !== undefined) out.external = u.cfg.external;
    if (u.cfg.filter_subject) out.filter_subject = u.cfg.filter_subject;
    if ((u.cfg.subject_transforms ?? []).length > 0) out.subject_transforms = u.cfg.subject_transforms;
    if (u.consumer === null && u.error !== undefined) {
      out.error = { code: 503, err_code: 10059, description: "stream not found" };
    }
    return out;
  }

  mirrorInfo(): StreamSourceInfo | null {
    const u = this.upstreams.find((x) => x.isMirror);
    return u === undefined ? null : this.info(u);
  }

  sourcesInfo(): StreamSourceInfo[] {
    return this.upstreams.filter((u) => !u.isMirror).map((u) => this.info(u));
  }
}

/** Expectation headers are for the upstream's publisher, not re-checked here. */
const EXPECTED_HEADERS = [
  "Nats-Expected-Stream",
  "Nats-Expected-Last-Sequence",
  "Nats-Expected-Last-Subject-Sequence",
  "Nats-Expected-Last-Msg-Id",
];
