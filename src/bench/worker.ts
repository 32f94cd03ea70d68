/**
 * One benchmark client per worker thread, so publishers and subscribers run on separate
 * cores where the machine has them. The main thread (runner.ts) sends `go` (publishers,
 * requesters) and `stop` (timeout); the worker answers `ready` once its connection (and
 * subscription) is confirmed by a PONG, and `done` with its sample. Progress (messages so
 * far) is mirrored into a shared Float64Array so the main thread can see when a queue
 * group has received everything without a message per read.
 */
import { parentPort, workerData } from "node:worker_threads";
import { RawConnection, nowNs } from "./raw-conn.js";
import type { ServerAddress } from "./args.js";
import type { ClientSample } from "./stats.js";

/** What the main thread tells a worker to be. */
export interface WorkerConfig {
  role: ClientSample["role"];
  id: number;
  server: ServerAddress;
  subject: string;
  /** Queue group for subscribers/responders; "" for none. */
  queue: string;
  /** pub: messages to send; sub: messages to expect (0 = unknown, wait for stop); req: requests. */
  msgs: number;
  sizeBytes: number;
  /** req: requests in flight. */
  window: number;
  /** req: the reply subject it subscribes to and puts in every request. */
  inbox: string;
  progress: SharedArrayBuffer;
  slot: number;
}

/** Main thread -> worker. */
export type ControlMessage = { type: "go" } | { type: "stop" };

/** Worker -> main thread. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "done"; sample: ClientSample; latenciesNs: Float64Array | null };

/** Target size of one pre-encoded PUB batch: big enough that a write syscall moves many messages. */
const BATCH_TARGET_BYTES = 256 * 1024;
const READ_BUFFER_BYTES = 256 * 1024;
const PUB_SPACE = Buffer.from("PUB ");

/** `PUB subj [reply] size\r\n` */
function pubHead(subject: string, reply: string, sizeBytes: number): Buffer {
  return Buffer.from(`PUB ${subject}${reply === "" ? "" : ` ${reply}`} ${sizeBytes}\r\n`);
}

/** Bytes of one `PUB subj [reply] size\r\npayload\r\n` frame. */
export function pubFrameLength(subject: string, reply: string, sizeBytes: number): number {
  return pubHead(subject, reply, sizeBytes).length + sizeBytes + 2;
}

/** `PUB subj [reply] size\r\npayload\r\n` repeated `count` times in one Buffer. */
export function encodePubBatch(subject: string, reply: string, sizeBytes: number, count: number): { batch: Buffer; frameLength: number } {
  const head = pubHead(subject, reply, sizeBytes);
  const frameLength = head.length + sizeBytes + 2;
  const batch = Buffer.alloc(frameLength * count, 0x61 /* 'a' */);
  for (let k = 0; k < count; k++) {
    const at = k * frameLength;
    head.copy(batch, at);
    batch[at + frameLength - 2] = 13;
    batch[at + frameLength - 1] = 10;
  }
  return { batch, frameLength };
}

/** Frames per batch for a frame length, bounded by the messages to send. */
export function framesPerBatch(frameLength: number, msgs: number): number {
  return Math.max(1, Math.min(msgs, Math.floor(BATCH_TARGET_BYTES / frameLength)));
}

abstract class BenchClient {
  readonly cfg: WorkerConfig;
  readonly conn: RawConnection;
  readonly progress: Float64Array;
  msgs = 0;
  bytes = 0;
  startNs = 0;
  endNs = 0;
  finished = false;
  latenciesNs: Float64Array | null = null;

  constructor(cfg: WorkerConfig, onMsg: ((line: Uint8Array, length: number) => void) | null = null) {
    this.cfg = cfg;
    this.progress = new Float64Array(cfg.progress);
    this.conn = new RawConnection(cfg.server, `bench-${cfg.role}-${cfg.id}`, Buffer.allocUnsafe(READ_BUFFER_BYTES), onMsg);
    this.conn.socket.on("close", () => {
      if (!this.finished) this.finish(this.conn.error?.message ?? "connection closed");
    });
  }

  abstract start(): Promise<void>;
  go(): void {}

  finish(error = ""): void {
    if (this.finished) return;
    this.finished = true;
    // Stopped mid-run (timeout): the span ends now, so the partial rate is still meaningful.
    if (this.endNs === 0 && this.msgs > 0) this.endNs = nowNs();
    const sample: ClientSample = {
      role: this.cfg.role,
      id: this.cfg.id,
      msgs: this.msgs,
      bytes: this.bytes,
      startNs: this.startNs,
      endNs: this.endNs,
      error,
    };
    const lat = this.latenciesNs;
    const msg: WorkerMessage = { type: "done", sample, latenciesNs: lat };
    parentPort?.postMessage(msg, lat ? [lat.buffer as ArrayBuffer] : []);
    this.conn.close();
  }
}

/** Counts MSG frames; done when `msgs` arrived (if known). */
class Subscriber extends BenchClient {
  async start(): Promise<void> {
    const { subject, queue } = this.cfg;
    this.conn.socket.write(`SUB ${subject}${queue === "" ? "" : ` ${queue}`} 1\r\n`);
    this.conn.onRead = () => this.onRead();
    await this.conn.flush();
  }

  private onRead(): void {
    const sc = this.conn.scanner;
    if (sc.msgs === this.msgs) return;
    const now = nowNs();
    if (this.msgs === 0) this.startNs = now;
    this.endNs = now;
    this.msgs = sc.msgs;
    this.bytes = sc.payloadBytes;
    this.progress[this.cfg.slot] = this.msgs;
    if (this.cfg.msgs > 0 && this.msgs >= this.cfg.msgs) this.finish();
  }
}

/** Writes pre-encoded PUB batches as fast as the socket takes them, then flushes. */
class Publisher extends BenchClient {
  async start(): Promise<void> {
    await this.conn.ready();
  }

  override finish(error = ""): void {
    this.bytes = this.msgs * this.cfg.sizeBytes;
    super.finish(error);
  }

  override go(): void {
    const { subject, sizeBytes, msgs } = this.cfg;
    const { batch, frameLength } = encodePubBatch(subject, "", sizeBytes, framesPerBatch(pubFrameLength(subject, "", sizeBytes), msgs));
    const perBatch = batch.length / frameLength;
    const sock = this.conn.socket;
    let left = msgs;
    this.startNs = nowNs();
    const pump = (): void => {
      while (left > 0 && !this.finished) {
        const k = left < perBatch ? left : perBatch;
        left -= k;
        this.msgs += k;
        const ok = sock.write(k === perBatch ? batch : batch.subarray(0, k * frameLength));
        if (!ok) {
          this.progress[this.cfg.slot] = this.msgs;
          sock.once("drain", pump);
          return;
        }
      }
      if (this.finished) return;
      this.progress[this.cfg.slot] = this.msgs;
      this.conn.flush().then(
        () => {
          this.endNs = nowNs();
          this.finish();
        },
        (e: Error) => this.finish(e.message),
      );
    };
    pump();
  }
}

/** Sends requests with a fixed reply inbox, `window` in flight, and times each round trip. */
class Requester extends BenchClient {
  async start(): Promise<void> {
    this.conn.socket.write(`SUB ${this.cfg.inbox} 1\r\n`);
    await this.conn.flush();
  }

  override go(): void {
    const { subject, inbox, sizeBytes, msgs, window } = this.cfg;
    const w = Math.min(window, msgs);
    const { batch, frameLength } = encodePubBatch(subject, inbox, sizeBytes, w);
    const sentAt = new Float64Array(w);
    const lat = new Float64Array(msgs);
    this.latenciesNs = lat;
    const sock = this.conn.socket;
    const sc = this.conn.scanner;
    let sent = 0;
    let received = 0;
    const send = (k: number): void => {
      const now = nowNs();
      for (let j = 0; j < k; j++) sentAt[(sent + j) % w] = now;
      sent += k;
      sock.write(k === w ? batch : batch.subarray(0, k * frameLength));
    };
    this.conn.onRead = () => {
      const replies = sc.msgs - received;
      if (replies <= 0) return;
      const now = nowNs();
      for (let j = 0; j < replies && received < msgs; j++) {
        lat[received] = now - sentAt[received % w]!;
        received++;
      }
      this.msgs = received;
      this.bytes = sc.payloadBytes;
      this.endNs = now;
      this.progress[this.cfg.slot] = received;
      if (received >= msgs) {
        this.finish();
        return;
      }
      const more = Math.min(replies, msgs - sent);
      if (more > 0) send(more);
    };
    this.startNs = nowNs();
    send(w);
  }

  override finish(error = ""): void {
    if (this.finished) return; // the latencies were transferred (detached) already
    if (this.latenciesNs) this.latenciesNs = this.latenciesNs.slice(0, this.msgs);
    super.finish(error);
  }
}

/** Replies to each request with a `sizeBytes` payload, batching one write per read. */
class Responder extends BenchClient {
  private out = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private outLength = 0;
  private readonly tail: Buffer;
  private replies = 0;

  constructor(cfg: WorkerConfig) {
    super(cfg, (line, length) => this.onRequest(line, length));
    // " SIZE\r\n" + payload + "\r\n": everything after the reply subject is constant.
    const sizeText = Buffer.from(` ${cfg.sizeBytes}\r\n`);
    this.tail = Buffer.alloc(sizeText.length + cfg.sizeBytes + 2, 0x61);
    sizeText.copy(this.tail, 0);
    this.tail[this.tail.length - 2] = 13;
    this.tail[this.tail.length - 1] = 10;
  }

  async start(): Promise<void> {
    const { subject, queue } = this.cfg;
    this.conn.socket.write(`SUB ${subject}${queue === "" ? "" : ` ${queue}`} 1\r\n`);
    this.conn.onRead = () => this.flushOut();
    await this.conn.flush();
  }

  private onRequest(line: Uint8Array, length: number): void {
    if (!replySubject(line, length)) return;
    const from = REPLY_SPAN[0]!;
    const to = REPLY_SPAN[1]!;
    const need = PUB_SPACE.length + (to - from) + this.tail.length;
    if (this.outLength + need > this.out.length) {
      this.flushOut();
      if (need > this.out.length) this.out = Buffer.allocUnsafe(need);
    }
    const out = this.out;
    let at = this.outLength;
    at += PUB_SPACE.copy(out, at);
    for (let i = from; i < to; i++) out[at++] = line[i]!;
    at += this.tail.copy(out, at);
    this.outLength = at;
    this.replies++;
  }

  private flushOut(): void {
    if (this.outLength === 0) return;
    this.conn.socket.write(Buffer.from(this.out.subarray(0, this.outLength)));
    this.outLength = 0;
    const now = nowNs();
    if (this.msgs === 0) this.startNs = now;
    this.endNs = now;
    this.msgs = this.replies;
    this.bytes = this.replies * this.cfg.sizeBytes;
    this.progress[this.cfg.slot] = this.msgs;
  }
}

/** Where `replySubject` puts the reply's [start, end); reused so a request allocates nothing. */
export const REPLY_SPAN = new Int32Array(2);

/**
 * Finds the reply subject in a MSG/HMSG line and stores its [start, end) in REPLY_SPAN;
 * false when the line has none. `MSG subj sid reply size` has 5 tokens,
 * `HMSG subj sid reply hdr total` has 6.
 */
export function replySubject(line: Uint8Array, length: number): boolean {
  let tokens = 0;
  let inToken = false;
  for (let i = 0; i < length; i++) {
    const sp = line[i] === 32 || line[i] === 9;
    if (!sp && !inToken) {
      if (tokens === 3) REPLY_SPAN[0] = i;
      tokens++;
    } else if (sp && inToken && tokens === 4) {
      REPLY_SPAN[1] = i;
    }
    inToken = !sp;
  }
  return tokens === (line[0] === 72 /* H */ ? 6 : 5);
}

function makeClient(cfg: WorkerConfig): BenchClient {
  switch (cfg.role) {
    case "pub":
      return new Publisher(cfg);
    case "sub":
      return new Subscriber(cfg);
    case "req":
      return new Requester(cfg);
    case "rep":
      return new Responder(cfg);
  }
}

if (parentPort !== null && workerData !== null && typeof workerData === "object" && "role" in workerData) {
  const port = parentPort;
  const client = makeClient(workerData as WorkerConfig);
  port.on("message", (m: ControlMessage) => {
    if (m.type === "go") client.go();
    else if (m.type === "stop") client.finish();
  });
  client.start().then(
    () => port.postMessage({ type: "ready" } satisfies WorkerMessage),
    (e: Error) => client.finish(e.message),
  );
}
