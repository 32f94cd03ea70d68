/**
 * A consumer's state on disk: an operation log (`obs/<name>/o.log`) that starts with a
 * snapshot and records every successful ConsumerStore call after it. Appends ride on the
 * stream store's group commit (same write turn, same fsync under `syncAlways`); reopening
 * replays the log through the same state machine, so delivered, ack floor, pending and
 * redelivery counts come back exactly. The log is rewritten as one snapshot when it has grown
 * well past the state's size (temporary file, fsync, rename).
 */
import { join } from "node:path";
import { ConsumerStateMachine } from "../consumer-state.js";
import { ErrStoreClosed, ErrStoreIo, ErrStoreResources, isNoSpaceError, type StoreError } from "../errors.js";
import type { ConsumerState, ConsumerStore, ConsumerStoreConfig } from "../types.js";
import {
  OP_ACK, OP_CONFIG, OP_DELIVERED, OP_SNAPSHOT, OP_STARTING, OP_UPDATE_STARTING, OpReader, OpWriter, readConfig,
  readOp, readSnapshot, writeConfig, writeSnapshot,
} from "./consumer-codec.js";
import type { FileStore } from "./file-store.js";
import { fsyncP, writeAll } from "./io.js";

/** Rewrite the log once it is this big and four times its snapshot. */
const COMPACT_MIN_BYTES = 1024 * 1024;

export class FileConsumerStore implements ConsumerStore {
  private readonly owner: FileStore;
  private readonly dir: string;
  private readonly path: string;
  private readonly sm: ConsumerStateMachine;
  private readonly w = new OpWriter();
  private fd: number;
  private fileLen = 0;
  private pending: Buffer = Buffer.allocUnsafe(4096);
  private pendingLen = 0;
  private snapshotLen = 0;
  private unsynced = false;
  private writeErr: StoreError | null = null;
  private closed = false;

  constructor(owner: FileStore, name: string, cfg: ConsumerStoreConfig) {
    this.owner = owner;
    this.dir = join(owner.dir, "obs", encodeURIComponent(name));
    this.path = join(this.dir, "o.log");
    this.sm = new ConsumerStateMachine(cfg);
    const io = owner.io;
    io.mkdirSync(this.dir);
    this.fd = io.openSync(this.path, io.existsSync(this.path) ? "r+" : "w+");
    this.replay();
    if (this.sm.cfg.ackPolicy !== cfg.ackPolicy || this.sm.cfg.maxDeliver !== cfg.maxDeliver) this.updateConfig(cfg);
    if (this.fileLen === 0) this.rewrite();
  }

  /** Replays the log into the state machine; cuts a torn tail. */
  private replay(): void {
    const io = this.owner.io;
    const size = io.sizeSync(this.fd);
    const buf = Buffer.allocUnsafe(size);
    if (size > 0) io.readSync(this.fd, buf, 0, size, 0);
    let off = 0;
    while (off < size) {
      const op = readOp(buf, off);
      if (op !== null) {
        this.apply(op[0], new OpReader(buf, op[1], op[2]), op[3]);
        off += op[3];
        continue;
      }
      let next = off + 1;
      while (next < size && readOp(buf, next) === null) next++;
      if (next >= size) break;
      // Damage in the middle: report it and go on with the records after it.
      this.owner.reportCorrupt(this.path, off, next - off, []);
      off = next;
    }
    if (off < size) io.ftruncateSync(this.fd, off); // a record cut short by a crash
    this.fileLen = off;
  }

  private apply(kind: number, r: OpReader, len: number): void {
    const sm = this.sm;
    try {
      switch (kind) {
        case OP_SNAPSHOT: {
          const [cfg, st] = readSnapshot(r);
          if (!r.ok) return;
          sm.cfg = cfg;
          sm.update(st, true);
          this.snapshotLen = len;
          break;
        }
        case OP_DELIVERED: sm.updateDelivered(r.get(), r.get(), r.get(), r.time()); break;
        case OP_ACK: sm.updateAcks(r.get(), r.get()); break;
        case OP_STARTING: sm.setStarting(r.get()); break;
        case OP_UPDATE_STARTING: sm.updateStarting(r.get()); break;
        case OP_CONFIG: sm.cfg = readConfig(r); break;
        default: break;
      }
    } catch {
      // Only successful calls are logged, so a replayed one succeeds too; ignore the impossible.
    }
  }

  private log(rec: Buffer): void {
    const need = this.pendingLen + rec.length;
    if (need > this.pending.length) {
      const b = Buffer.allocUnsafe(Math.max(need, this.pending.length * 2));
      this.pending.copy(b, 0, 0, this.pendingLen);
      this.pending = b;
    }
    rec.copy(this.pending, this.pendingLen);
    this.pendingLen = need;
    this.owner.consumerDirty();
  }

  private check(): void {
    if (this.closed) throw ErrStoreClosed;
  }

  setStarting(sseq: number): void {
    this.check();
    this.sm.setStarting(sseq);
    this.log(this.w.begin(OP_STARTING).put(sseq).end());
  }

  updateStarting(sseq: number): void {
    this.check();
    this.sm.updateStarting(sseq);
    this.log(this.w.begin(OP_UPDATE_STARTING).put(sseq).end());
  }

  hasState(): boolean {
    return this.sm.hasState();
  }

  updateDelivered(dseq: number, sseq: number, dc: number, tsMs: number): void {
    this.check();
    if (this.sm.updateDelivered(dseq, sseq, dc, tsMs)) {
      this.log(this.w.begin(OP_DELIVERED).put(dseq).put(sseq).put(dc).putTime(tsMs).end());
    }
  }

  updateAcks(dseq: number, sseq: number): void {
    this.check();
    try {
      this.sm.updateAcks(dseq, sseq);
    } finally {
      // Logged even when refused: it still cleared a redelivery count, and replay does the same.
      if (this.sm.cfg.ackPolicy !== "none") this.log(this.w.begin(OP_ACK).put(dseq).put(sseq).end());
    }
  }

  update(state: ConsumerState): void {
    this.check();
    this.sm.update(state);
    this.log(writeSnapshot(this.w, this.sm.cfg, this.sm.st));
  }

  updateConfig(cfg: ConsumerStoreConfig): void {
    this.sm.cfg = { ...cfg };
    if (!this.closed) this.log(writeConfig(this.w, cfg));
  }

  state(): ConsumerState {
    this.check();
    return this.sm.state();
  }

  waitDurable(): Promise<void> {
    if (this.writeErr !== null) return Promise.reject(this.writeErr);
    return this.owner.waitEpoch(this.pendingLen > 0);
  }

  /** Called by the stream's flush: writes the pending records; false on failure (kept for a retry). */
  writePending(): boolean {
    if (this.pendingLen === 0 || this.closed) return true;
    try {
      writeAll(this.owner.io, this.fd, this.pending, 0, this.pendingLen, this.fileLen);
    } catch (err) {
      // Kept pending for the next flush; waiters hear about it meanwhile.
      this.writeErr = isNoSpaceError(err) ? ErrStoreResources : ErrStoreIo;
      return true;
    }
    this.writeErr = null;
    this.fileLen += this.pendingLen;
    this.pendingLen = 0;
    this.unsynced = true;
    if (this.fileLen > COMPACT_MIN_BYTES && this.fileLen > 4 * this.snapshotLen) this.rewrite();
    return true;
  }

  /** Adds this log's file to an fsync round if it was written since the last one. */
  unsyncedFd(fds: number[]): void {
    if (!this.unsynced || this.closed) return;
    this.unsynced = false;
    fds.push(this.fd);
  }

  /**
   * Replaces the log by one snapshot: written to `o.log.tmp`, fsynced (blocking, but small and
   * rare), renamed over the log. A crash leaves either the old log or the new one, both whole.
   */
  private rewrite(): void {
    const io = this.owner.io;
    const rec = writeSnapshot(this.w, this.sm.cfg, this.sm.st);
    const tmp = `${this.path}.tmp`;
    const fd = io.openSync(tmp, "w+");
    writeAll(io, fd, rec, 0, rec.length, 0);
    io.fsyncSync(fd);
    io.renameSync(tmp, this.path);
    io.closeSync(this.fd);
    this.fd = fd;
    this.fileLen = rec.length;
    this.snapshotLen = rec.length;
    this.unsynced = false;
    io.fsyncDir(this.dir, () => {});
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.writePending();
    this.closed = true;
    try {
      await fsyncP(this.owner.io, this.fd);
    } finally {
      this.owner.io.closeSync(this.fd);
      this.owner.forgetConsumerLog(this);
    }
  }

  async delete(): Promise<void> {
    await this.stop();
    this.owner.io.rmSync(this.dir);
  }
}
