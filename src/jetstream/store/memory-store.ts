/**
 * The memory store (nats-server memstore.go): each message's header and payload are copied
 * into one Buffer held in the index page; everything else is {@link BaseStore}. Nothing
 * survives a restart; "durable" means "stored", so `durableSeq` is always the last sequence.
 */
import { randomFillSync } from "node:crypto";
import { BaseStore, EMPTY_BUF } from "./base-store.js";
import { ConsumerStateMachine } from "./consumer-state.js";
import { ErrStoreClosed } from "./errors.js";
import type { Page } from "./seq-index.js";
import { systemClock, type StoreClock } from "./time.js";
import type { ConsumerState, ConsumerStore, ConsumerStoreConfig, StoreMsg, StreamStoreConfig } from "./types.js";

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
    const buf = Buffer.allocUnsafe(hlen + msg.length);
    if (hlen > 0) hdr!.copy(buf, 0);
    msg.copy(buf, hlen);
    page.data![slot] = buf;
    page.aux[slot] = hlen;
  }

  protected getPayload(_seq: number, page: Page, slot: number, out: StoreMsg): boolean {
    const buf = page.data![slot]!;
    const hlen = page.aux[slot]!;
    out.hdr = hlen > 0 ? buf.subarray(0, hlen) : EMPTY_BUF;
    out.msg = buf.subarray(hlen);
    return true;
  }

  protected slotCleared(): void {}

  protected dropPayload(_seq: number, page: Page, slot: number, erase: boolean): void {
    const buf = page.data![slot];
    if (erase && buf) randomFillSync(buf);
    page.data![slot] = null;
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
