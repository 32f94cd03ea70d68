/**
 * The memory store (nats-server memstore.go): everything is {@link BaseStore} except where the
 * bytes live. Each index page (4096 sequences) packs its messages into 64 KiB chunks
 * (`u32 header length | header | payload` per message; `aux` = chunk * 65536 + offset), so
 * storing a message allocates nothing most of the time and the garbage collector sees a few
 * objects per page, not one per message; the chunks go away with their page. A page whose
 * chunks are mostly removed messages is repacked. Messages over 4 KiB get a buffer of their
 * own. Loads return views.
 * Nothing survives a restart; "durable" means "stored": `durableSeq` is the last sequence.
 */
import { randomFillSync } from "node:crypto";
import { BaseStore, EMPTY_BUF } from "./base-store.js";
import { ConsumerStateMachine } from "./consumer-state.js";
import { ErrStoreClosed } from "./errors.js";
import { PAGE_SIZE, type Page } from "./seq-index.js";
import { systemClock, type StoreClock } from "./time.js";
import type { ConsumerState, ConsumerStore, ConsumerStoreConfig, StoreMsg, StreamStoreConfig } from "./types.js";

/** Messages bigger than this (with their 4-byte header length) get a buffer of their own. */
const OWN_BUFFER_OVER = 4096;
/** A page is repacked once this much of its chunks (and three quarters) is removed messages. */
const REPACK_MIN = 64 * 1024;
const CHUNK = 65536;

/**
 * Appends room for `need` bytes to the page's chunks; returns the `aux` position. A new chunk
 * is `size` bytes (a repack sizes its chunks to what it copies).
 */
function chunkRoom(page: Page, need: number, size = CHUNK): number {
  let chunks = page.chunks;
  if (chunks === null) chunks = page.chunks = [];
  if (chunks.length === 0 || page.chunkFill + need > chunks[chunks.length - 1]!.length) {
    chunks.push(Buffer.allocUnsafeSlow(Math.max(need, Math.min(size, CHUNK))));
    page.chunkFill = 0;
  }
  const pos = (chunks.length - 1) * CHUNK + page.chunkFill;
  page.chunkFill += need;
  page.slabUsed += need;
  return pos;
}

export class MemoryStore extends BaseStore {
  readonly type = "memory" as const;

  constructor(cfg: StreamStoreConfig, clock: StoreClock = systemClock()) {
    super(cfg, clock, true);
    this.initFirstSeq();
  }

  /** nats-server memStoreMsgSize: subject + header + payload + 16 (sequence and time). */
  protected msgSize(subjectLen: number, hdrLen: number, msgLen: number): number {
    return subjectLen + hdrLen + msgLen + 16;
  }

  protected checkWritable(): void {}

  protected putPayload(_seq: number, _tsMs: number, _tsNs: number, _subject: string, hdr: Buffer | null,
    msg: Buffer, page: Page, slot: number): void {
    const hlen = hdr === null ? 0 : hdr.length;
    const need = 4 + hlen + msg.length;
    let buf: Buffer;
    let off: number;
    if (need > OWN_BUFFER_OVER) {
      buf = Buffer.allocUnsafe(need);
      off = 0;
      page.data![slot] = buf;
      page.aux[slot] = -1;
    } else {
      const pos = chunkRoom(page, need);
      buf = page.chunks![Math.floor(pos / CHUNK)]!;
      off = pos % CHUNK;
      page.aux[slot] = pos;
    }
    buf.writeUInt32LE(hlen, off);
    if (hlen > 0) hdr!.copy(buf, off + 4);
    msg.copy(buf, off + 4 + hlen);
  }

  /** Where message `slot` starts, and in which buffer. */
  private locate(page: Page, slot: number): [Buffer, number] {
    const off = page.aux[slot]!;
    return off < 0 ? [page.data![slot]!, 0] : [page.chunks![Math.floor(off / CHUNK)]!, off % CHUNK];
  }

  /** The length of a message's bytes in its buffer: 4 + header + payload (size is subject + those + 16). */
  private storedLen(page: Page, slot: number): number {
    return page.size[slot]! - 12 - this.subjects.names[page.subj[slot]!]!.length;
  }

  protected getPayload(_seq: number, page: Page, slot: number, out: StoreMsg): boolean {
    const [buf, off] = this.locate(page, slot);
    const hlen = buf.readUInt32LE(off);
    const end = off + this.storedLen(page, slot);
    out.hdr = hlen > 0 ? buf.subarray(off + 4, off + 4 + hlen) : EMPTY_BUF;
    out.msg = buf.subarray(off + 4 + hlen, end);
    return true;
  }

  protected slotCleared(): void {}

  protected dropPayload(_seq: number, page: Page, slot: number, erase: boolean): void {
    const off = page.aux[slot]!;
    if (off < 0) {
      if (erase) randomFillSync(page.data![slot]!);
      page.data![slot] = null;
      return;
    }
    const len = this.storedLen(page, slot);
    if (erase) randomFillSync(page.chunks![Math.floor(off / CHUNK)]!, off % CHUNK, len);
    page.slabDead += len;
    // Repack a page whose chunks are mostly removed messages (the page itself goes when empty).
    if (!this.bulkRemoving && page.live > 1 && page.slabDead > REPACK_MIN && page.slabDead * 4 > page.slabUsed * 3) {
      this.repack(page, slot);
    }
  }

  /** Copies a page's live chunk messages (except `skip`, being removed) into new chunks. */
  private repack(page: Page, skip: number): void {
    const old = page.chunks!;
    let left = page.slabUsed - page.slabDead; // `skip` is already counted as removed
    page.chunks = [];
    page.chunkFill = 0;
    page.slabUsed = 0;
    page.slabDead = 0;
    for (let i = 0; i < PAGE_SIZE; i++) {
      const from = page.aux[i]!;
      if (i === skip || page.subj[i]! < 0 || from < 0) continue;
      const len = this.storedLen(page, i);
      const pos = chunkRoom(page, len, left);
      left -= len;
      old[Math.floor(from / CHUNK)]!.copy(page.chunks[Math.floor(pos / CHUNK)]!, pos % CHUNK, from % CHUNK, (from % CHUNK) + len);
      page.aux[i] = pos;
    }
  }

  protected bulkRemoved(): void {}

  protected cleared(): void {}

  protected skipped(): void {}

  protected newConsumerStore(_name: string, cfg: ConsumerStoreConfig): ConsumerStore {
    return new MemoryConsumerStore(this, cfg);
  }

  get durableSeq(): number {
    return this.lastSeq;
  }

  waitDurable(): Promise<void> {
    return Promise.resolve();
  }

  flushAllPending(): void {}

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closeBase();
    for (const c of [...this.consumers]) await c.stop();
  }

  async delete(): Promise<void> {
    await this.stop();
    this.index.clear();
    this.subjects.clear();
  }
}

/** A consumer's state held in memory (nats-server consumerMemStore). */
export class MemoryConsumerStore implements ConsumerStore {
  private readonly sm: ConsumerStateMachine;
  private readonly owner: BaseStore;
  private closed = false;

  constructor(owner: BaseStore, cfg: ConsumerStoreConfig) {
    this.owner = owner;
    this.sm = new ConsumerStateMachine(cfg);
  }

  private check(): void {
    if (this.closed) throw ErrStoreClosed;
  }

  setStarting(sseq: number): void {
    this.check();
    this.sm.setStarting(sseq);
  }

  updateStarting(sseq: number): void {
    this.check();
    this.sm.updateStarting(sseq);
  }

  hasState(): boolean {
    return this.sm.hasState();
  }

  updateDelivered(dseq: number, sseq: number, dc: number, tsMs: number): void {
    this.check();
    this.sm.updateDelivered(dseq, sseq, dc, tsMs);
  }

  updateAcks(dseq: number, sseq: number): void {
    this.check();
    this.sm.updateAcks(dseq, sseq);
  }

  update(state: ConsumerState): void {
    this.check();
    this.sm.update(state);
  }

  updateConfig(cfg: ConsumerStoreConfig): void {
    this.sm.cfg = { ...cfg };
  }

  state(): ConsumerState {
    this.check();
    return this.sm.state();
  }

  waitDurable(): Promise<void> {
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.owner.forgetConsumer(this);
  }

  async delete(): Promise<void> {
    await this.stop();
  }
}
