/**
 * The leader's half of the state machine: replication (probe, pipelined streaming with a bounded
 * window, snapshots for followers behind the compaction point), commit by current-term majority,
 * check-quorum, heartbeats with read-index rounds, and leadership transfer. Functions over a
 * RaftNode so raft.ts stays one screenful per concern.
 */
import assert from "node:assert/strict";
import { isVoter, members, quorum } from "./conf.js";
import { Progress, ProgressState } from "./progress.js";
import type { RaftNode } from "./raft.js";
import { MsgType, Role, type Message } from "./types.js";

/** Makes `r.prs` hold exactly the current members (but us); new ones start probing. */
export function syncProgress(r: RaftNode): void {
  const want = new Set(members(r.conf));
  for (const id of [...r.prs.keys()]) if (!want.has(id)) r.prs.delete(id);
  for (const id of want) {
    if (id === r.id || r.prs.has(id)) continue;
    const pr = new Progress(r.log.lastIndex() + 1, r.maxInflight);
    pr.recentActive = true;
    r.prs.set(id, pr);
  }
  if (r.leadTransferee !== 0 && !want.has(r.leadTransferee)) r.leadTransferee = 0;
}

export function tickLeader(r: RaftNode): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  for (const pr of r.prs.values()) {
    // A snapshot that got no answer within an election timeout was lost: probe again.
    if (pr.state === ProgressState.Snapshot && ++pr.snapshotTicks >= r.electionTicks) pr.becomeProbe();
  }
  if (r.electionElapsed >= r.electionTicks) {
    r.electionElapsed = 0;
    if (r.checkQuorum && !quorumActive(r)) {
      r.becomeFollower(r.term, 0);
      return;
    }
    if (r.leadTransferee !== 0) r.leadTransferee = 0;
  }
  if (r.heartbeatElapsed >= r.heartbeatTicks) {
    r.heartbeatElapsed = 0;
    bcastHeartbeat(r, r.reads.length > 0 ? r.readSeq : 0);
  }
}

/** Check-quorum (thesis §6.2): a leader that did not hear from a majority steps down. */
function quorumActive(r: RaftNode): boolean {
  let active = 0;
  for (const v of r.conf.voters) {
    if (v === r.id) active++;
    else if (r.prs.get(v)?.recentActive) active++;
  }
  for (const pr of r.prs.values()) pr.recentActive = false;
  return active >= quorum(r.conf.voters.length);
}

export function startTransfer(r: RaftNode, to: number): void {
  if (r.leadTransferee === to) return;
  r.leadTransferee = to;
  r.electionElapsed = 0;
  const pr = r.prs.get(to);
  if (pr && pr.match === r.log.lastIndex()) r.send(r.msg(MsgType.TimeoutNow, to));
  else sendAppend(r, to, true);
}

export function startRead(r: RaftNode): number {
  const seq = ++r.readSeq;
  const read = { seq, index: r.log.commit, acks: new Set<number>([r.id]) };
  r.reads.push(read);
  if (r.bugs.staleRead || quorum(r.conf.voters.length) <= 1) releaseReads(r);
  else bcastHeartbeat(r, seq);
  return seq;
}

/** Hands out, in order, every read whose round a quorum acknowledged. */
function releaseReads(r: RaftNode): void {
  const q = quorum(r.conf.voters.length);
  while (r.reads.length > 0) {
    const rd = r.reads[0]!;
    let n = 0;
    for (const v of r.conf.voters) if (rd.acks.has(v)) n++;
    if (n < q && !r.bugs.staleRead) return;
    r.reads.shift();
    r.readStates.push({ ctx: rd.seq, index: rd.index });
  }
}

/** Sends new entries (or, with `ifEmpty`, at least the new commit index) to every follower. */
export function bcastAppend(r: RaftNode, ifEmpty: boolean): void {
  for (const id of r.prs.keys()) sendAppend(r, id, ifEmpty);
}

function bcastHeartbeat(r: RaftNode, ctx: number): void {
  for (const [id, pr] of r.prs) {
    const m = r.msg(MsgType.Heartbeat, id);
    m.commit = Math.min(pr.match, r.log.commit);
    m.ctx = ctx;
    m.last = r.log.lastIndex();
    r.send(m);
  }
}

/**
 * Sends `to` what it needs next: entries from its next index (a batch), or the snapshot when
 * those were compacted. Returns whether something was sent. `ifEmpty` sends an empty append
 * (a probe or a commit update) when there is nothing new.
 */
export function sendAppend(r: RaftNode, to: number, ifEmpty: boolean): boolean {
  const pr = r.prs.get(to);
  if (!pr || pr.isPaused()) return false;
  const last = r.log.lastIndex();
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm < 0) return sendSnapshot(r, to, pr);
  if (pr.next > last && !ifEmpty && pr.state !== ProgressState.Probe) return false;
  const ents = pr.next <= last ? r.log.slice(pr.next, last, r.maxBatchEntries, r.maxBatchBytes) : [];
  const m = r.msg(MsgType.App, to);
  m.index = prevIndex;
  m.logTerm = prevTerm;
  m.entries = ents;
  m.commit = r.log.commit;
  m.last = last;
  pr.sentEntries(ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex);
  r.send(m);
  return ents.length > 0;
}

function sendSnapshot(r: RaftNode, to: number, pr: Progress): boolean {
  const s = r.snapshot;
  assert.ok(s !== null, "entries compacted but no snapshot");
  const m = r.msg(MsgType.Snap, to);
  m.snapshot = s;
  // A recovering follower that first hears from us through a snapshot must still catch up to
  // our last index, not just to the snapshot, before it votes again.
  m.last = r.log.lastIndex();
  pr.becomeSnapshot(s.meta.index);
  r.send(m);
  return false;
}

/** Commits the highest index a majority of voters holds, if it is of this term (§5.4.2). */
export function maybeCommit(r: RaftNode): boolean {
  const matches: number[] = [];
  for (const v of r.conf.voters) matches.push(v === r.id ? r.log.stable : (r.prs.get(v)?.match ?? 0));
  if (matches.length === 0) return false;
  matches.sort((a, b) => b - a);
  const n = matches[quorum(matches.length) - 1]!;
  if (n <= r.log.commit) return false;
  if (r.log.term(n) !== r.term && !r.bugs.oldTermCommit) return false;
  r.log.commitTo(n);
  // A leader removed from the configuration leads until that change commits (thesis §4.2.2).
  if (!isVoter(r.conf, r.id) && r.confIndex <= r.log.commit) r.becomeFollower(r.term, 0);
  return true;
}

export function stepLeader(r: RaftNode, m: Message): void {
  switch (m.type) {
    case MsgType.AppResp:
      onAppResp(r, m);
      return;
    case MsgType.HeartbeatResp:
      onHeartbeatResp(r, m);
      return;
    case MsgType.App:
    case MsgType.Heartbeat:
    case MsgType.Snap:
      assert.fail(`two leaders in term ${r.term}: ${r.id} and ${m.from}`);
      return;
    default:
      return;
  }
}

function onAppResp(r: RaftNode, m: Message): void {
  const pr = r.prs.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  if (m.reject) {
    const probeAt = m.logTerm > 0 ? r.log.findConflictByTerm(m.hint, m.logTerm) : m.hint;
    if (pr.maybeDecrTo(m.index, probeAt)) {
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      sendAppend(r, m.from, true);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  const updated = pr.maybeUpdate(m.index);
  // Every answer frees its slot in the window, also one that moved nothing (an empty append
  // carrying only the commit index): otherwise the window leaks shut.
  if (pr.state === ProgressState.Replicate) pr.freeTo(m.index);
  if (!updated && !(pr.match === m.index && pr.state === ProgressState.Probe)) {
    if (wasPaused && !pr.isPaused()) while (sendAppend(r, m.from, false));
    return;
  }
  if (pr.state === ProgressState.Probe) pr.becomeReplicate();
  else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe();
    pr.becomeReplicate();
  }
  if (maybeCommit(r)) r.needBcast = true;
  if (r.role !== Role.Leader) return;
  while (sendAppend(r, m.from, false));
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) r.send(r.msg(MsgType.TimeoutNow, m.from));
}

function onHeartbeatResp(r: RaftNode, m: Message): void {
  const pr = r.prs.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  pr.probeSent = false;
  if (m.recovering && pr.state !== ProgressState.Snapshot) {
    // It lost part of its log on restart: match only what it still has, and probe so that a
    // successful append proves it caught up.
    pr.lowerMatch(Math.min(pr.match, m.index));
    pr.becomeProbe();
  }
  if (pr.state === ProgressState.Replicate && pr.match < r.log.lastIndex()) {
    // It has not acknowledged what we streamed, and made no progress since the last heartbeat:
    // appends or their answers were lost. Probe again from its match (etcd waits for new
    // traffic to notice; an idle group would never catch that follower up).
    if (pr.match === pr.matchAtBeat) pr.becomeProbe();
    pr.matchAtBeat = pr.match;
  }
  if (pr.match < r.log.lastIndex() || m.recovering) sendAppend(r, m.from, true);
  if (m.ctx > 0 && r.reads.length > 0) {
    for (const rd of r.reads) if (rd.seq <= m.ctx) rd.acks.add(m.from);
    releaseReads(r);
  }
}
