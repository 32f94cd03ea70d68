/**
 * A consumer's delivery and ack state as a pure state machine (nats-server consumerMemStore's
 * UpdateDelivered/UpdateAcks semantics). The memory consumer store is this machine; the file
 * consumer store logs each operation and replays the log through it after a restart, so the
 * state after recovery is exactly the state before.
 */
import { ErrBadConsumerState, ErrNoAckPolicy, ErrStoreMsgNotFound, ErrStoreOldUpdate } from "./errors.js";
import type { ConsumerState, ConsumerStoreConfig, Pending } from "./types.js";

/** An empty state. */
export function emptyConsumerState(): ConsumerState {
  return { delivered: { consumer: 0, stream: 0 }, ackFloor: { consumer: 0, stream: 0 }, pending: new Map(), redelivered: new Map() };
}

/** A deep copy of a state. */
export function copyConsumerState(s: ConsumerState): ConsumerState {
  const pending = new Map<number, Pending>();
  for (const [k, v] of s.pending) pending.set(k, { sequence: v.sequence, timestampMs: v.timestampMs });
  return {
    delivered: { ...s.delivered },
    ackFloor: { ...s.ackFloor },
    pending,
    redelivered: new Map(s.redelivered),
  };
}

/** Throws ErrBadConsumerState unless `s` is internally consistent (nats-server Update's checks). */
export function validateConsumerState(s: ConsumerState): void {
  if (s.ackFloor.consumer > s.delivered.consumer || s.ackFloor.stream > s.delivered.stream) throw ErrBadConsumerState;
  for (const seq of s.pending.keys()) {
    if (seq <= s.ackFloor.stream || seq > s.delivered.stream) throw ErrBadConsumerState;
  }
}

export class ConsumerStateMachine {
  st: ConsumerState = emptyConsumerState();
  cfg: ConsumerStoreConfig;

  constructor(cfg: ConsumerStoreConfig) {
    this.cfg = { ...cfg };
  }

  setStarting(sseq: number): void {
    this.st.delivered.stream = sseq;
    this.st.ackFloor.stream = sseq;
  }

  updateStarting(sseq: number): void {
    const st = this.st;
    if (sseq > st.delivered.stream) {
      st.delivered.stream = sseq;
      if (this.cfg.ackPolicy === "none") st.ackFloor.stream = sseq;
    }
  }

  hasState(): boolean {
    return this.st.delivered.consumer !== 0 || this.st.delivered.stream !== 0;
  }

  /** Returns false when the update was a no-op (an old replay). */
  updateDelivered(dseq: number, sseq: number, dc: number, tsMs: number): boolean {
    const st = this.st;
    const cfg = this.cfg;
    if (dc !== 1 && cfg.ackPolicy === "none") throw ErrNoAckPolicy;
    if (dseq <= st.ackFloor.consumer) return false;
    if (cfg.ackPolicy === "none") {
      if (dseq > st.delivered.consumer) {
        st.delivered.consumer = dseq;
        st.ackFloor.consumer = dseq;
      }
      if (sseq > st.delivered.stream) {
        st.delivered.stream = sseq;
        st.ackFloor.stream = sseq;
      }
      return true;
    }
    if (sseq <= st.delivered.stream) {
      const p = st.pending.get(sseq);
      // A redelivery keeps the original consumer sequence; only the time moves.
      if (p !== undefined) p.timestampMs = tsMs;
    } else {
      st.pending.set(sseq, { sequence: dseq, timestampMs: tsMs });
    }
    if (dseq > st.delivered.consumer) st.delivered.consumer = dseq;
    if (sseq > st.delivered.stream) st.delivered.stream = sseq;
    if (dc > 1) {
      if (cfg.maxDeliver > 0 && dc > cfg.maxDeliver) st.pending.delete(sseq);
      if ((st.redelivered.get(sseq) ?? 0) < dc - 1) st.redelivered.set(sseq, dc - 1);
    }
    return true;
  }

  /** Returns false when the ack was a no-op (an old replay). */
  updateAcks(dseq: number, sseq: number): boolean {
    const st = this.st;
    if (this.cfg.ackPolicy === "none") throw ErrNoAckPolicy;
    st.redelivered.delete(sseq);
    if (dseq <= st.ackFloor.consumer) return false;
    if (!st.pending.has(sseq)) throw ErrStoreMsgNotFound;
    if (this.cfg.ackPolicy === "all") {
      this.ackAll(dseq, sseq);
      return true;
    }
    let d = dseq;
    const p = st.pending.get(sseq)!;
    st.pending.delete(sseq);
    if (d > p.sequence && p.sequence > 0) d = p.sequence;
    if (st.pending.size === 0) {
      st.ackFloor.consumer = st.delivered.consumer;
      st.ackFloor.stream = st.delivered.stream;
    } else if (d === st.ackFloor.consumer + 1) {
      st.ackFloor.consumer = d;
      st.ackFloor.stream = sseq;
      if (st.delivered.consumer > d) this.advanceFloor(sseq);
    }
    return true;
  }

  /** After acking the message at the floor, move the floor up to just below the next pending one. */
  private advanceFloor(sseq: number): void {
    const st = this.st;
    if (st.delivered.stream - sseq > st.pending.size) {
      // Sparse: find the smallest pending sequence above sseq from the map.
      let min = Infinity;
      for (const k of st.pending.keys()) if (k > sseq && k < min) min = k;
      if (min !== Infinity) this.floorBelow(min);
      return;
    }
    for (let ss = sseq + 1; ss <= st.delivered.stream; ss++) {
      if (st.pending.has(ss)) {
        this.floorBelow(ss);
        return;
      }
    }
  }

  private floorBelow(ss: number): void {
    const p = this.st.pending.get(ss)!;
    if (p.sequence > 0) {
      this.st.ackFloor.consumer = p.sequence - 1;
      this.st.ackFloor.stream = ss - 1;
    }
  }

  private ackAll(dseq: number, sseq: number): void {
    const st = this.st;
    const gap = sseq - st.ackFloor.stream;
    st.ackFloor.consumer = dseq;
    st.ackFloor.stream = sseq;
    if (gap > st.pending.size) {
      for (const k of [...st.pending.keys()]) {
        if (k <= sseq) {
          st.pending.delete(k);
          st.redelivered.delete(k);
        }
      }
    } else {
      for (let s = sseq; s > sseq - gap && st.pending.size > 0; s--) {
        st.pending.delete(s);
        st.redelivered.delete(s);
      }
    }
  }

  /** Replaces the state; ErrStoreOldUpdate when it is older than ours (unless `force`). */
  update(s: ConsumerState, force = false): void {
    validateConsumerState(s);
    if (!force && (s.delivered.consumer < this.st.delivered.consumer || s.ackFloor.stream < this.st.ackFloor.stream)) {
      throw ErrStoreOldUpdate;
    }
    this.st = copyConsumerState(s);
  }

  state(): ConsumerState {
    return copyConsumerState(this.st);
  }
}
