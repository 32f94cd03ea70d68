/**
 * The memory store (nats-server memstore.go): everything is {@link BaseStore} except where the
 * bytes live. Each index page (4096 sequences) packs its messages into one growing buffer (the
 * slab: `u32 header length | header | payload` per message, `aux` = offset), so storing a
 * message allocates nothing most of the time and the garbage collector sees one object per
 * page, not one per message; the slab goes away with its page. A slab that is mostly removed
 * messages is repacked. Messages over 4 KiB get a buffer of their own. Loads return views.
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
/** A slab is repacked once this much of it (and three quarters) is removed messages. */
const REPACK_MIN = 64 * 1024;

/** The page's slab with room for `need` more bytes at `slabLen` (grown by doubling). */
function slabRoom(page: Page, need: number): Buffer {
  const slab = page.slab;
  const want = page.slabLen + need;
  if (slab !== null && want <= slab.length) return slab;
  let cap = slab === null ? 16 * 1024 : slab.length * 2;
  while (cap < want) cap *= 2;
  const grown = Buffer.allocUnsafe(cap);
  if (slab !== null) slab.copy(grown, 0, 0, page.slabLen);
  page.slab = grown;
  return grown;
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
      off = page.slabLen;
      buf = slabRoom(page, need);
      page.slabLen += need;
      page.aux[slot] = off;
    }
    buf.writeUInt32LE(hlen, off);
    if (hlen > 0) hdr!.copy(buf, off + 4);
    msg.copy(buf, off + 4 + hlen);
  }

  /** Where message `slot` starts, and in which buffer. */
  private locate(page: Page, slot: number): [Buffer, number] {
    const off = page.aux[slot]!;
    return off < 0 ? [page.data![slot]!, 0] : [page.slab!, off];
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
    if (erase) randomFillSync(page.slab!, off, len);
    page.slabDead += len;
    // Repack a slab that is mostly removed messages (the page itself goes when empty).
    if (!this.bulkRemoving && page.live > 1 && page.slabDead > REPACK_MIN && page.slabDead * 4 > page.slabLen * 3) this.repack(page, slot);
  }

  /** Copies a page's live slab messages (except `skip`, being removed) into a new slab. */
  private repack(page: Page, skip: number): void {
    const old = page.slab!;
    page.slab = Buffer.allocUnsafe(page.slabLen - page.slabDead + 64);
    page.slabLen = 0;
    page.slabDead = 0;
    for (let i = 0; i < PAGE_SIZE; i++) {
      if (i === skip || page.subj[i]! < 0 || page.aux[i]! < 0) continue;
      const from = page.aux[i]!;
      const len = this.storedLen(page, i);
      old.copy(slabRoom(page, len), page.slabLen, from, from + len);
      page.aux[i] = page.slabLen;
      page.slabLen += len;
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
