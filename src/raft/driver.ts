/**
 * The thin I/O shell around one group's RaftNode: a coarse ticker drives logical time, the WAL
 * makes each Ready durable before its messages leave, the transport carries messages, and the
 * application's state machine applies committed entries. One Ready is in flight at a time;
 * whatever arrives meanwhile is batched into the next one (group commit).
 *
 * Time and scheduling come from an injected `Env`, so the simulator runs this same code.
 */
import { Role, type ConfState, type Entry, type Message, type Ready, type Snapshot } from "./types.js";
import { RaftNode, type RaftOptions } from "./raft.js";
import type { ConfChange } from "./conf.js";
import type { Transport } from "./transport.js";
import { Wal, type WalOptions, type WalRecovery } from "./wal/wal.js";
import type { Disk } from "./wal/disk.js";

/** Scheduling the driver needs: run soon (another turn), and a repeating timer. */
export interface Env {
  defer(fn: () => void): void;
  every(ms: number, fn: () => void): () => void;
}

/** Real time: setImmediate and an unref'd setInterval (one coarse ticker per group). */
export const realEnv: Env = {
  defer: (fn) => void setImmediate(fn),
  every: (ms, fn) => {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

/** The application side: a deterministic state machine fed by committed entries. */
export interface StateMachine {
  /**
   * Applies one committed entry, in log order; the result goes to the proposer. Normal entries
   * with empty data are a leader's no-op; Conf entries carry the new configuration (decodeConf).
   */
  apply(entry: Entry): unknown;
  /** The state as of the last applied entry. */
  snapshot(): Uint8Array;
  /** Replaces the state by a snapshot's. */
  restore(snap: Snapshot): void;
}

export type ProposeCallback = (err: Error | null, result?: unknown) => void;

export interface DriverOptions {
  raft: Omit<RaftOptions, "id" | "group">;
  group: string;
  disk: Disk;
  wal?: WalOptions;
  transport: Transport;
  stateMachine: StateMachine;
  env?: Env;
  tickMs?: number;
  /** Take a snapshot (and compact the log) after this many applied entries. */
  snapshotEntries?: number;
  /** A new member's id when the directory is empty or its identity was lost. */
  newId: () => number;
  /** The initial configuration when this node creates the group; null to join one. */
  bootstrap: ConfState | null;
  /** Storage failed: the group on this node stops (restart it). */
  onFatal?: (err: Error) => void;
  /** A member that opened with a damaged log caught up with a leader and votes again (durably). */
  onCaughtUp?: () => void;
}

export class RaftError extends Error {
  override name = "RaftError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

function stoppedError(): RaftError {
  return new RaftError("stopped", "raft group stopped");
}

export class RaftDriver {
  readonly node: RaftNode;
  readonly wal: Wal;
  readonly recovery: WalRecovery;
  private readonly opts: DriverOptions;
  private readonly env: Env;
  private persisting = false;
  private snapshotting = false;
  private scheduled = false;
  private stopped = false;
  private stopTicker: (() => void) | null = null;
  private stopListen: (() => void) | null = null;
  private proposals = new Map<number, { term: number; cb: ProposeCallback }>();
  private reads = new Map<number, (err: Error | null) => void>();
  private readyReads: { index: number; cb: (err: Error | null) => void }[] = [];
  /** The durable hard state says the log was damaged (cleared once a leader caught us up). */
  private recoveringOnDisk = false;

  /** Opens (or creates) the node's log in `opts.disk` and builds the node; call start() next. */
  constructor(opts: DriverOptions) {
    this.opts = opts;
    this.env = opts.env ?? realEnv;
    let { wal, recovery } = Wal.open(opts.disk, opts.wal);
    if (recovery.status === "fresh" || recovery.status === "identityLost") {
      const lost = recovery.status === "identityLost";
      if (lost) wal.wipe();
      wal.create(opts.newId(), lost ? null : opts.bootstrap);
      ({ wal, recovery } = Wal.open(opts.disk, opts.wal));
      if (lost) recovery = { ...recovery, status: "identityLost" };
    }
    this.wal = wal;
    this.recovery = recovery;
    this.node = new RaftNode({ ...opts.raft, id: recovery.nodeId, group: opts.group }, recovery);
    this.recoveringOnDisk = this.node.recovering;
    if (recovery.snapshot && recovery.snapshot.meta.index > 0) opts.stateMachine.restore(recovery.snapshot);
  }

  get id(): number {
    return this.node.id;
  }

  start(): void {
    this.stopListen = this.opts.transport.listen(this.opts.group, this.node.id, (m) => this.receive(m));
    this.stopTicker = this.env.every(this.opts.tickMs ?? 100, () => this.tick());
    this.kick();
  }

  /** Stops ticking and receiving; pending callbacks fail. Durable state stays as it is. */
  stop(): void {
    this.stopped = true;
    this.stopTicker?.();
    this.stopListen?.();
    const err = stoppedError();
    for (const p of this.proposals.values()) p.cb(err);
    for (const r of this.reads.values()) r(err);
    for (const r of this.readyReads) r.cb(err);
    this.proposals.clear();
    this.reads.clear();
    this.readyReads = [];
  }

  tick(): void {
    if (this.stopped) return;
    this.node.tick();
    this.kick();
  }

  receive(m: Message): void {
    if (this.stopped) return;
    this.node.step(m);
    this.kick();
  }

  /** Proposes `data`; `cb` runs with the state machine's result once applied here, or an error. */
  propose(data: Uint8Array, cb: ProposeCallback): void {
    if (this.stopped) return cb(stoppedError());
    const r = this.node.propose(data);
    if ("error" in r) return cb(new RaftError("not_leader", r.error));
    this.proposals.set(r.index, { term: r.term, cb });
    this.kick();
  }

  proposeConfChange(cc: ConfChange, cb: ProposeCallback): void {
    if (this.stopped) return cb(stoppedError());
    const r = this.node.proposeConfChange(cc);
    if ("error" in r) return cb(new RaftError("conf_change", r.error));
    this.proposals.set(r.index, { term: r.term, cb });
    this.kick();
  }

  transferLeader(to: number): boolean {
    const ok = this.node.transferLeader(to);
    this.kick();
    return ok;
  }

  /** Calls back once reading the state machine is linearizable (read-index), or with an error. */
  read(cb: (err: Error | null) => void): void {
    if (this.stopped) return cb(stoppedError());
    const ctx = this.node.readIndex();
    if (ctx === 0) return cb(new RaftError("not_leader", "not leader or no entry of this term committed"));
    this.reads.set(ctx, cb);
    this.kick();
  }

  private kick(): void {
    if (this.scheduled || this.persisting || this.stopped) return;
    this.scheduled = true;
    this.env.defer(() => {
      this.scheduled = false;
      this.process();
    });
  }

  private process(): void {
    if (this.persisting || this.stopped || !this.node.hasReady()) return;
    const rd = this.node.ready();
    this.persisting = true;
    const done = (err: Error | null) => {
      if (this.stopped) return;
      if (err) return this.fatal(err);
      this.carryOut(rd);
      this.persisting = false;
      this.maybeSnapshot();
      this.kick();
    };
    if (rd.hardState || rd.entries.length > 0 || rd.snapshot) this.wal.save(rd.hardState, rd.entries, rd.snapshot, done);
    else done(null);
  }

  /** Everything in `rd` after it is durable: send, apply, answer, advance. */
  private carryOut(rd: Ready): void {
    if (this.recoveringOnDisk && rd.hardState?.recovering === false) {
      this.recoveringOnDisk = false;
      this.opts.onCaughtUp?.();
    }
    for (const m of rd.messages) this.opts.transport.send(m);
    const sm = this.opts.stateMachine;
    if (rd.snapshot) sm.restore(rd.snapshot);
    for (const e of rd.committed) {
      const result = sm.apply(e);
      const p = this.proposals.get(e.index);
      if (p) {
        this.proposals.delete(e.index);
        if (p.term === e.term) p.cb(null, result);
        else p.cb(new RaftError("dropped", "entry replaced by another leader's"));
      }
    }
    for (const rs of rd.readStates) {
      const cb = this.reads.get(rs.ctx);
      if (cb) {
        this.reads.delete(rs.ctx);
        this.readyReads.push({ index: rs.index, cb });
      }
    }
    this.node.advance(rd);
    const applied = this.node.log.applied;
    if (this.readyReads.length > 0) {
      const still: typeof this.readyReads = [];
      for (const r of this.readyReads) (r.index <= applied ? r.cb(null) : still.push(r));
      this.readyReads = still;
    }
    if (rd.role !== Role.Leader && this.reads.size > 0) {
      const err = new RaftError("not_leader", "leadership lost");
      for (const cb of this.reads.values()) cb(err);
      this.reads.clear();
    }
  }

  private maybeSnapshot(): void {
    const every = this.opts.snapshotEntries ?? 8192;
    const log = this.node.log;
    if (this.snapshotting || log.applied - log.snapIndex < every) return;
    const snap = this.node.createSnapshot(log.applied, this.opts.stateMachine.snapshot());
    this.snapshotting = true;
    this.wal.saveSnapshot(snap, (err) => {
      this.snapshotting = false;
      if (this.stopped) return;
      if (err) return this.fatal(err);
      this.node.compact(snap);
    });
  }

  private fatal(err: Error): void {
    this.stop();
    this.opts.onFatal?.(err);
  }
}
