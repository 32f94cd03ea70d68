/**
 * The durable log of one Raft node: preallocated segment files of checksummed entries, an
 * atomically replaced state file (node id, term, vote, recovering), and the latest snapshot.
 *
 * Durability rules:
 * - `save` writes entries and fsyncs them, then replaces the state file (temp, fsync, rename,
 *   fsync dir), and only then calls back: the driver sends votes and acknowledgements after.
 * - `sync: "lazy"` skips the per-save fsync of entries (the state file is always synced). Then
 *   a power loss (not a process crash: the page cache survives `kill -9`) can lose entries this
 *   node acknowledged, silently, and it may vote without them: a minority power loss can lose
 *   acknowledged writes. Use it only where that is acceptable.
 *
 * Recovery rules on open (see docs/raft.md):
 * - Zeros after the last good frame of the last segment are the normal end of the log.
 * - Anything else (a bad checksum, a torn frame, bytes after the end, a cut file, a gap between
 *   segments or after the snapshot) is damage: the log is cut before it and the node is marked
 *   `recovering` durably, so it neither votes nor campaigns until it has caught up with a leader.
 *   A torn write after a power loss is treated the same way: it cannot be told from the loss
 *   of an acknowledged entry.
 * - A damaged state or snapshot file, or a log without a state file, loses the node's identity
 *   (its vote or its base state): it must be wiped and rejoin as a new member with a new id.
 */
import assert from "node:assert/strict";
import type { ConfState, Entry, HardState, Snapshot } from "../types.js";
import type { Disk, DiskCallback } from "./disk.js";
import {
  SEG_HEADER,
  SNAP_FILE,
  STATE_FILE,
  TMP_SUFFIX,
  decodeSnapshot,
  decodeState,
  encodeSegHeader,
  encodeSnapshot,
  encodeState,
  frameSize,
  scanSegment,
  segFirst,
  segName,
  writeFrame,
} from "./format.js";

/** Planted WAL bugs for the simulator (test-only). */
export interface WalBugs {
  /** Report entries durable before fsync completes. */
  ackBeforeFsync?: boolean;
  /** Accept entries whose checksum fails. */
  trustCorrupt?: boolean;
  /** Lose the vote on restart. */
  forgetVote?: boolean;
  /** Cut a damaged log without marking the node recovering (it votes with the shorter log). */
  truncateSilently?: boolean;
}

export const WAL_BUG_NAMES: readonly (keyof WalBugs)[] = ["ackBeforeFsync", "trustCorrupt", "forgetVote", "truncateSilently"];

export interface WalOptions {
  /** Preallocated size of each segment (larger entries get a segment of their own). */
  segmentBytes?: number;
  sync?: "always" | "lazy";
  bugs?: WalBugs;
}

export type WalStatus = "fresh" | "ok" | "recovered" | "identityLost";

export interface WalRecovery {
  status: WalStatus;
  nodeId: number;
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
  /** What damage was found (empty when none). */
  problems: string[];
}

interface Segment {
  name: string;
  first: number;
  size: number;
  used: number;
  offsets: number[];
}

type Task = (done: DiskCallback) => void;

export class Wal {
  readonly disk: Disk;
  readonly segmentBytes: number;
  readonly syncOnSave: boolean;
  readonly bugs: WalBugs;
  nodeId = 0;
  private segs: Segment[] = [];
  private snapIndex = 0;
  private queue: { task: Task; cb: DiskCallback }[] = [];
  private busy = false;
  private dirty = new Set<string>();
  private failed: Error | null = null;

  private constructor(disk: Disk, opts: WalOptions) {
    this.disk = disk;
    this.segmentBytes = opts.segmentBytes ?? 4 << 20;
    this.bugs = opts.bugs ?? {};
    this.syncOnSave = opts.sync !== "lazy" && !this.bugs.ackBeforeFsync;
  }

  /** Reads the log in `disk`, repairing damage as described above. */
  static open(disk: Disk, opts: WalOptions = {}): { wal: Wal; recovery: WalRecovery } {
    const wal = new Wal(disk, opts);
    return { wal, recovery: wal.recover() };
  }

  /** Makes a fresh directory a member: `conf` bootstraps a new group, null joins an existing one. */
  create(nodeId: number, conf: ConfState | null): void {
    assert.equal(this.disk.list().length, 0, "create on a non-empty log");
    this.nodeId = nodeId;
    if (conf) this.disk.writeSyncDurable(SNAP_FILE, encodeSnapshot({ meta: { index: 0, term: 0, conf }, data: new Uint8Array(0) }));
    this.disk.writeSyncDurable(STATE_FILE, encodeState({ nodeId, term: 0, vote: 0, recovering: false }));
  }

  /** Removes every file (a node that lost its identity rejoins with a new id). */
  wipe(): void {
    for (const f of this.disk.list()) this.disk.removeSync(f);
    this.segs = [];
    this.snapIndex = 0;
  }

  lastIndex(): number {
    const s = this.segs[this.segs.length - 1];
    return s ? Math.max(this.snapIndex, s.first + s.offsets.length - 1) : this.snapIndex;
  }

  /**
   * Persists one Ready: a snapshot to install (replacing the log), entries (replacing any suffix
   * from their first index), then the hard state. `cb` runs once all of it is durable.
   */
  save(hs: HardState | null, entries: Entry[], snap: Snapshot | null, cb: DiskCallback): void {
    this.enqueue((done) => {
      const steps: Task[] = [];
      if (snap) steps.push((d) => this.installSnapshot(snap, d));
      if (entries.length > 0) steps.push((d) => this.append(entries, d));
      if (hs) steps.push((d) => this.writeAtomic(STATE_FILE, encodeState({ nodeId: this.nodeId, ...hs }), d));
      series(steps, done);
    }, cb);
  }

  /** Persists a snapshot this node took, then drops the segments it covers. */
  saveSnapshot(snap: Snapshot, cb: DiskCallback): void {
    this.enqueue((done) => {
      // A leader's snapshot installed meanwhile is newer: ours is useless then.
      if (snap.meta.index <= this.snapIndex) return done(null);
      this.writeAtomic(SNAP_FILE, encodeSnapshot(snap), (err) => {
        if (err) return done(err);
        this.snapIndex = Math.max(this.snapIndex, snap.meta.index);
        const drop: Segment[] = [];
        while (this.segs.length > 1 && segLast(this.segs[0]!) <= snap.meta.index) drop.push(this.segs.shift()!);
        series(
          drop.map((s) => (d: DiskCallback) => this.disk.remove(s.name, d)),
          (e) => (e || drop.length === 0 ? done(e) : this.disk.fsyncDir(done)),
        );
      });
    }, cb);
  }

  /** Lazy mode: makes everything written so far durable. */
  sync(cb: DiskCallback): void {
    this.enqueue((done) => {
      const names = [...this.dirty];
      this.dirty.clear();
      series(
        names.map((n) => (d: DiskCallback) => this.disk.fsync(n, d)),
        done,
      );
    }, cb);
  }

  close(): void {
    this.disk.close();
  }

  // ---- recovery -----------------------------------------------------------------------------

  private recover(): WalRecovery {
    const files = this.disk.list();
    for (const f of files) if (f.endsWith(TMP_SUFFIX)) this.disk.removeSync(f);
    const names = files.filter((f) => segFirst(f) >= 0).sort((a, b) => segFirst(a) - segFirst(b));
    const blank: WalRecovery = { status: "fresh", nodeId: 0, hardState: { term: 0, vote: 0, recovering: false }, snapshot: null, entries: [], problems: [] };
    const stateBuf = this.disk.readSync(STATE_FILE);
    const snapBuf = this.disk.readSync(SNAP_FILE);
    if (!stateBuf) {
      if (names.length === 0 && !snapBuf) return blank;
      return { ...blank, status: "identityLost", problems: ["log without a state file"] };
    }
    const st = decodeState(stateBuf);
    if (!st) return { ...blank, status: "identityLost", problems: ["state file damaged"] };
    const snap = snapBuf ? decodeSnapshot(snapBuf) : null;
    if (snapBuf && !snap) return { ...blank, status: "identityLost", nodeId: st.nodeId, problems: ["snapshot file damaged"] };
    this.nodeId = st.nodeId;
    this.snapIndex = snap?.meta.index ?? 0;
    const problems: string[] = [];
    const entries = this.loadSegments(names, problems);
    const kept = this.alignWithSnapshot(entries, snap, problems);
    // A crashed process may have left writes in the page cache only: make what we recovered
    // durable before building on it, or a later power loss could cut a hole below new entries.
    for (const s of this.segs) this.disk.syncSync(s.name);
    const hardState: HardState = { term: st.term, vote: this.bugs.forgetVote ? 0 : st.vote, recovering: st.recovering };
    if (problems.length > 0 && !this.bugs.truncateSilently && !hardState.recovering) {
      hardState.recovering = true;
      this.disk.writeSyncDurable(STATE_FILE, encodeState({ nodeId: st.nodeId, ...hardState }));
    }
    return { status: problems.length > 0 ? "recovered" : "ok", nodeId: st.nodeId, hardState, snapshot: snap, entries: kept, problems };
  }

  /** Scans segments in order; at the first damage, cuts there and drops what follows. */
  private loadSegments(names: string[], problems: string[]): Entry[] {
    const entries: Entry[] = [];
    let expected = -1;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const buf = this.disk.readSync(name) ?? Buffer.alloc(0);
      if (i === names.length - 1 && buf.every((x) => x === 0)) {
        // A segment whose creation did not complete: frames are written only after its header
        // is durable, so nothing in it was ever acknowledged.
        this.disk.removeSync(name);
        break;
      }
      const scan = scanSegment(buf, this.bugs.trustCorrupt);
      // Segments may skip what a snapshot covers (a fresh segment after an installed snapshot).
      const gap = expected >= 0 && scan.first !== expected && !(scan.first <= this.snapIndex + 1 && expected <= this.snapIndex + 1);
      if (scan.used === 0 || gap) {
        problems.push(`${name}: ${gap ? `starts at ${scan.first}, expected ${expected}` : scan.problem}`);
        for (const rest of names.slice(i)) this.disk.removeSync(rest);
        break;
      }
      for (const e of scan.entries) entries.push(e);
      const seg: Segment = { name, first: scan.first, size: scan.size, used: scan.used, offsets: scan.offsets };
      this.segs.push(seg);
      expected = scan.first + scan.entries.length;
      if (scan.problem !== null) {
        problems.push(`${name}: ${scan.problem}`);
        this.rewriteSegment(seg, buf);
        for (const rest of names.slice(i + 1)) this.disk.removeSync(rest);
        break;
      }
    }
    return entries;
  }

  /** Rewrites a damaged segment as its good frames followed by zeros, full size. */
  private rewriteSegment(seg: Segment, buf: Buffer): void {
    const b = Buffer.alloc(seg.size);
    buf.copy(b, 0, 0, Math.min(seg.used, buf.length));
    this.disk.writeSyncDurable(seg.name, b);
  }

  /** Keeps the entries after the snapshot that continue it; a stale or gapped log is dropped. */
  private alignWithSnapshot(entries: Entry[], snap: Snapshot | null, problems: string[]): Entry[] {
    const si = snap?.meta.index ?? 0;
    const kept = entries.filter((e) => e.index > si);
    let ok = true;
    if (kept.length > 0 && kept[0]!.index !== si + 1) {
      problems.push(`log continues at ${kept[0]!.index}, after snapshot ${si}`);
      ok = false;
    } else if (si > 0 && kept.length > 0) {
      const at = entries.find((e) => e.index === si);
      // A snapshot installed from the leader replaced a log that did not match it, and a crash
      // came before the old segments were removed: those entries were never committed.
      if (at && at.term !== snap?.meta.term) ok = false;
    }
    if (!ok) {
      for (const s of this.segs) this.disk.removeSync(s.name);
      this.segs = [];
      return [];
    }
    return kept;
  }

  // ---- writing ------------------------------------------------------------------------------

  private enqueue(task: Task, cb: DiskCallback): void {
    this.queue.push({ task, cb });
    this.pump();
  }

  /** Runs queued writes one at a time. After a failed write the log's state on disk is unknown:
   * every later write fails with the same error (the node must be restarted). */
  private pump(): void {
    while (!this.busy) {
      const item = this.queue.shift();
      if (!item) return;
      if (this.failed) {
        item.cb(this.failed);
        continue;
      }
      this.busy = true;
      item.task((err) => {
        if (err) this.failed ??= err;
        this.busy = false;
        item.cb(err);
        this.pump();
      });
    }
  }

  private writeAtomic(name: string, data: Buffer, cb: DiskCallback): void {
    const tmp = name + TMP_SUFFIX;
    series(
      [
        (d) => this.disk.write(tmp, 0, data, d),
        (d) => this.disk.truncate(tmp, data.length, d),
        (d) => this.disk.fsync(tmp, d),
        (d) => this.disk.rename(tmp, name, d),
        (d) => this.disk.fsyncDir(d),
      ],
      cb,
    );
  }

  private installSnapshot(snap: Snapshot, cb: DiskCallback): void {
    this.writeAtomic(SNAP_FILE, encodeSnapshot(snap), (err) => {
      if (err) return cb(err);
      const old = this.segs;
      this.segs = [];
      this.snapIndex = snap.meta.index;
      series(
        old.map((s) => (d: DiskCallback) => this.disk.remove(s.name, d)),
        (e) => (e ? cb(e) : this.disk.fsyncDir(cb)),
      );
    });
  }

  private append(entries: Entry[], cb: DiskCallback): void {
    const first = entries[0]!.index;
    assert.ok(first > this.snapIndex && first <= this.lastIndex() + 1, `append at ${first}: log is ${this.snapIndex}..${this.lastIndex()}`);
    const steps: Task[] = [];
    if (first <= this.lastIndex()) steps.push((d) => this.truncateFrom(first, d));
    steps.push((d) => this.writeFrames(entries, d));
    series(steps, cb);
  }

  /**
   * Removes entries from `index` on, durably, before anything new is written where they were:
   * later segments are deleted and the tail is zeroed, so a torn write can never splice old
   * entries after new ones.
   */
  private truncateFrom(index: number, cb: DiskCallback): void {
    let k = this.segs.length - 1;
    while (k > 0 && this.segs[k]!.first > index) k--;
    const seg = this.segs[k]!;
    const later = this.segs.splice(k + 1);
    const steps: Task[] = later.map((s) => (d: DiskCallback) => this.disk.remove(s.name, d));
    if (later.length > 0) steps.push((d) => this.disk.fsyncDir(d));
    const rel = index - seg.first;
    if (rel <= 0 && k === 0 && seg.first >= index) {
      // The whole first segment goes: remove it too; the next write creates a fresh one.
      this.segs = [];
      steps.push((d) => this.disk.remove(seg.name, d), (d) => this.disk.fsyncDir(d));
    } else {
      const off = seg.offsets[rel]!;
      const zeros = Buffer.alloc(seg.used - off);
      seg.offsets.length = rel;
      seg.used = off;
      steps.push(
        (d) => this.disk.write(seg.name, off, zeros, d),
        (d) => this.disk.fsync(seg.name, d),
      );
    }
    series(steps, cb);
  }

  /**
   * Appends frames, rolling over to new segments. A segment is fsynced before the next one is
   * created: a durable later segment then proves the earlier one complete, so a gap between
   * segments on open always means damage, never an ordinary unsynced tail.
   */
  private writeFrames(entries: Entry[], cb: DiskCallback): void {
    const steps: Task[] = [];
    let open: string | null = null;
    const flush = (name: string) => {
      if (this.syncOnSave) steps.push((d) => this.disk.fsync(name, d));
      else this.dirty.add(name);
    };
    let i = 0;
    while (i < entries.length) {
      let seg = this.segs[this.segs.length - 1];
      const need = frameSize(entries[i]!);
      if (!seg || seg.used + need > seg.size || seg.first + seg.offsets.length !== entries[i]!.index) {
        if (open) flush(open);
        open = null;
        seg = this.newSegment(entries[i]!.index, Math.max(this.segmentBytes, SEG_HEADER + need), steps);
      }
      let bytes = 0;
      let j = i;
      while (j < entries.length && seg.used + bytes + frameSize(entries[j]!) <= seg.size) bytes += frameSize(entries[j++]!);
      const buf = Buffer.allocUnsafe(bytes);
      let o = 0;
      const at = seg.used;
      for (let x = i; x < j; x++) {
        seg.offsets.push(at + o);
        o = writeFrame(buf, o, entries[x]!);
      }
      seg.used += bytes;
      const name = seg.name;
      steps.push((d) => this.disk.write(name, at, buf, d));
      open = name;
      i = j;
    }
    if (open) flush(open);
    series(steps, cb);
  }

  /** Adds a preallocated segment; its size and header are durable before any frame goes in. */
  private newSegment(first: number, size: number, steps: Task[]): Segment {
    const seg: Segment = { name: segName(first), first, size, used: SEG_HEADER, offsets: [] };
    this.segs.push(seg);
    steps.push(
      (d) => this.disk.truncate(seg.name, size, d),
      (d) => this.disk.write(seg.name, 0, encodeSegHeader(first, size), d),
      (d) => this.disk.fsync(seg.name, d),
      (d) => this.disk.fsyncDir(d),
    );
    return seg;
  }
}

function segLast(s: Segment): number {
  return s.first + s.offsets.length - 1;
}

/** Runs callback-style steps one after another, stopping at the first error. */
function series(steps: Task[], cb: DiskCallback): void {
  let i = 0;
  const next = (err: Error | null): void => {
    if (err || i >= steps.length) return cb(err);
    steps[i++]!(next);
  };
  next(null);
}
