/**
 * What a leader knows about one follower (etcd raft tracker.Progress): how far its log matches,
 * what to send next, and whether to probe, stream (bounded pipelining) or wait for a snapshot.
 */
export const ProgressState = { Probe: 0, Replicate: 1, Snapshot: 2 } as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export class Progress {
  match = 0;
  next = 1;
  state: ProgressState = ProgressState.Probe;
  /** Probe: one append is outstanding; wait for its answer or a heartbeat response. */
  probeSent = false;
  /** Replicate: last index of each append in flight, oldest first (bounded window). */
  inflight: number[] = [];
  pendingSnapshot = 0;
  snapshotTicks = 0;
  /** Replicate: match when the last heartbeat answer came (to notice lost appends). */
  matchAtBeat = -1;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly maxInflight: number;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.maxInflight = maxInflight;
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    else this.next = this.match + 1;
    this.reset(ProgressState.Probe);
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.reset(ProgressState.Replicate);
  }

  becomeSnapshot(index: number): void {
    this.reset(ProgressState.Snapshot);
    this.pendingSnapshot = index;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.inflight.length = 0;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.matchAtBeat = -1;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflight.length >= this.maxInflight;
      default:
        return true;
    }
  }

  /** An append was acknowledged up to `n`; returns whether match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Records an append of entries ending at `last` (Replicate: optimistic next). */
  sentEntries(last: number): void {
    if (this.state === ProgressState.Replicate) {
      this.next = last + 1;
      this.inflight.push(last);
    } else if (this.state === ProgressState.Probe) {
      this.probeSent = true;
    }
  }

  /** Frees the window up to `index` (those appends were answered). */
  freeTo(index: number): void {
    let k = 0;
    while (k < this.inflight.length && this.inflight[k]! <= index) k++;
    if (k > 0) this.inflight.splice(0, k);
  }

  /**
   * A rejection of the append after `rejected`; `probeAt` is the next index to try. Returns
   * false for a stale rejection (an answer to an append we already moved past). A `probeAt`
   * below `match` means the follower lost entries it had (a damaged log cut back on restart):
   * lowering match is always safe, keeping it would skip what it now lacks.
   */
  maybeDecrTo(rejected: number, probeAt: number): boolean {
    if (probeAt < this.match) {
      this.lowerMatch(probeAt);
      return true;
    }
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, probeAt + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** The follower's log is shorter than we thought: match only what it still has. */
  lowerMatch(index: number): void {
    if (index < this.match) this.match = index;
    this.next = this.match + 1;
    this.probeSent = false;
  }
}
