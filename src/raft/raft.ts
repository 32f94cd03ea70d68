/**
 * The pure Raft state machine for one group (etcd raft's RawNode: tick/step/propose/ready/
 * advance). It does no I/O: the driver feeds it ticks and messages and carries out each Ready
 * (persist, send, apply). No clock, no randomness of its own: `random` is injected.
 *
 * Rules implemented (Raft paper, Ongaro's thesis): pre-vote (§9.6), check-quorum and the leader
 * lease on votes (§6.2 / §4.2.3), pipelined replication with a bounded window, commit only of
 * an entry of the current term (§5.4.2, figure 8), snapshots (§5), single-server membership
 * changes, proposed only after the leader committed an entry of its own term (§4.1, the 2015
 * errata), leader transfer with TimeoutNow (§3.10), read-index (§6.4). A node that lost part of
 * its log (`recovering`) neither votes nor campaigns until it has caught up with a leader.
 */
import assert from "node:assert/strict";
import { applyChange, cloneConf, decodeConf, encodeConf, isVoter, members, quorum, type ConfChange } from "./conf.js";
import { RaftLog } from "./log.js";
import { Progress } from "./progress.js";
import {
  EntryType,
  MsgType,
  Role,
  newMessage,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type RaftBugs,
  type ReadState,
  type Ready,
  type Snapshot,
} from "./types.js";
import * as leader from "./leader.js";

export interface RaftOptions {
  id: number;
  group: string;
  /** Ticks without a leader before a follower campaigns (randomized in [n, 2n)). */
  electionTicks?: number;
  heartbeatTicks?: number;
  /** Injected randomness in [0, 1): the only source of nondeterminism. */
  random: () => number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Appends in flight per follower (pipelining window). */
  maxInflight?: number;
  maxBatchEntries?: number;
  maxBatchBytes?: number;
  /** Test-only planted bugs (simulator); empty in production. */
  bugs?: RaftBugs;
}

/** What a node starts from: its durable state as the WAL recovered it. */
export interface RaftRestore {
  hardState: HardState;
  /** The latest snapshot; for a bootstrapped group, index 0 with the initial configuration. */
  snapshot: Snapshot | null;
  entries: Entry[];
}

interface PendingRead {
  seq: number;
  index: number;
  acks: Set<number>;
}

/** Thrown-free result of a proposal: the index and term it got, or why it was refused. */
export type ProposeResult = { index: number; term: number } | { error: string };

export class RaftNode {
  readonly id: number;
  readonly group: string;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflight: number;
  readonly maxBatchEntries: number;
  readonly maxBatchBytes: number;
  readonly bugs: RaftBugs;
  private readonly random: () => number;

  term = 0;
  vote = 0;
  lead = 0;
  role: Role = Role.Follower;
  recovering = false;
  log: RaftLog;
  conf: ConfState;
  confIndex = 0;
  /** The configuration at the snapshot point, and every configuration entry after it. */
  private snapConf: ConfState;
  private confLog: { index: number; conf: ConfState }[] = [];
  snapshot: Snapshot | null = null;
  private pendingSnapshot: Snapshot | null = null;
  prs = new Map<number, Progress>();
  private votes = new Map<number, boolean>();
  electionElapsed = 0;
  heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  leadTransferee = 0;
  /** While recovering: the term whose leader we follow and its last index when first heard. */
  private recoverTerm = 0;
  private recoverTarget = 0;
  reads: PendingRead[] = [];
  readSeq = 0;
  readStates: ReadState[] = [];
  msgs: Message[] = [];
  needBcast = false;
  private prevHs: HardState;

  constructor(opts: RaftOptions, restore: RaftRestore) {
    this.id = opts.id;
    this.group = opts.group;
    this.electionTicks = opts.electionTicks ?? 10;
    this.heartbeatTicks = opts.heartbeatTicks ?? 1;
    this.random = opts.random;
    this.preVote = opts.preVote ?? true;
    this.checkQuorum = opts.checkQuorum ?? true;
    this.maxInflight = opts.maxInflight ?? 64;
    this.maxBatchEntries = opts.maxBatchEntries ?? 512;
    this.maxBatchBytes = opts.maxBatchBytes ?? 1 << 20;
    this.bugs = opts.bugs ?? {};
    assert.ok(this.id > 0 && this.heartbeatTicks < this.electionTicks);
    const hs = restore.hardState;
    const snap = restore.snapshot;
    this.log = new RaftLog(snap?.meta.index ?? 0, snap?.meta.term ?? 0, restore.entries);
    this.snapshot = snap && snap.meta.index > 0 ? snap : null;
    this.snapConf = snap ? cloneConf(snap.meta.conf) : { voters: [], learners: [] };
    this.conf = this.snapConf;
    this.confIndex = snap?.meta.index ?? 0;
    for (const e of restore.entries) if (e.type === EntryType.Conf) this.applyConfEntry(e.index, decodeConf(e.data));
    // An entry of a later term on disk proves we saw that term (its hard state may lag).
    this.term = Math.max(hs.term, this.log.lastTerm());
    this.vote = this.term === hs.term ? hs.vote : 0;
    this.recovering = hs.recovering;
    this.prevHs = { term: hs.term, vote: hs.vote, recovering: hs.recovering };
    this.resetRandomizedTimeout();
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** One unit of logical time (the driver's coarse ticker). */
  tick(): void {
    if (this.role === Role.Leader) {
      leader.tickLeader(this);
      return;
    }
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.preVote, false);
    }
  }

  /** Starts an election now (tests, and an operator's "campaign"). */
  campaignNow(): void {
    if (this.role !== Role.Leader && this.promotable()) this.campaign(this.preVote, false);
  }

  /** Proposes application data; only a leader (not transferring) accepts. */
  propose(data: Uint8Array): ProposeResult {
    if (this.role !== Role.Leader) return { error: "not leader" };
    if (this.leadTransferee !== 0) return { error: "leadership transfer in progress" };
    const e: Entry = { index: this.log.lastIndex() + 1, term: this.term, type: EntryType.Normal, data };
    this.appendLocal(e);
    return { index: e.index, term: e.term };
  }

  /**
   * Proposes one membership change. Refused until this leader committed an entry of its own term
   * and while another change is uncommitted (thesis §4.1 and its 2015 errata).
   */
  proposeConfChange(cc: ConfChange): ProposeResult {
    if (this.role !== Role.Leader) return { error: "not leader" };
    if (this.leadTransferee !== 0) return { error: "leadership transfer in progress" };
    if (this.log.term(this.log.commit) !== this.term) return { error: "no entry of this term committed yet" };
    if (this.confIndex > this.log.commit) return { error: "a configuration change is pending" };
    const next = applyChange(this.conf, cc);
    if (typeof next === "string") return { error: next };
    const e: Entry = { index: this.log.lastIndex() + 1, term: this.term, type: EntryType.Conf, data: encodeConf(next) };
    this.appendLocal(e);
    this.applyConfEntry(e.index, next);
    return { index: e.index, term: e.term };
  }

  /** Hands leadership to `to` (thesis §3.10): catch it up, then TimeoutNow. */
  transferLeader(to: number): boolean {
    if (this.role !== Role.Leader || to === this.id || !isVoter(this.conf, to)) return false;
    leader.startTransfer(this, to);
    return true;
  }

  /**
   * Asks for a linearizable read point. Returns a context number; a ReadState with it appears
   * in a Ready once a quorum confirmed this node is still leader. 0 when not possible now.
   */
  readIndex(): number {
    if (this.role !== Role.Leader || this.log.term(this.log.commit) !== this.term) return 0;
    return leader.startRead(this);
  }

  /** Builds a snapshot of the state machine at `index` (≤ applied) without changing the log. */
  createSnapshot(index: number, data: Uint8Array): Snapshot {
    assert.ok(index <= this.log.applied && index > this.log.snapIndex, `snapshot at ${index}`);
    return { meta: { index, term: this.log.term(index), conf: cloneConf(this.confAt(index)) }, data };
  }

  /** Drops the log up to a snapshot the driver has made durable. */
  compact(snap: Snapshot): void {
    const i = snap.meta.index;
    if (i <= this.log.snapIndex || this.log.term(i) !== snap.meta.term) return;
    this.snapConf = cloneConf(snap.meta.conf);
    this.confLog = this.confLog.filter((c) => c.index > i);
    this.log.compact(i);
    this.snapshot = snap;
  }

  /** Feeds a message from a peer. */
  step(m: Message): void {
    if (m.term > this.term) {
      if (!this.acceptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.stepStale(m);
      return;
    }
    switch (m.type) {
      case MsgType.PreVote:
      case MsgType.Vote:
        this.handleVote(m);
        return;
      default:
        break;
    }
    if (this.role === Role.Leader) leader.stepLeader(this, m);
    else if (this.role === Role.Follower) this.stepFollower(m);
    else this.stepCandidate(m);
  }

  // ---- outputs ------------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.needBcast ||
      this.readStates.length > 0 ||
      this.pendingSnapshot !== null ||
      this.log.stable < this.log.lastIndex() ||
      this.hardStateChanged() ||
      Math.min(this.log.commit, this.log.stable) > this.log.applied
    );
  }

  ready(): Ready {
    if (this.needBcast) {
      this.needBcast = false;
      if (this.role === Role.Leader) leader.bcastAppend(this, true);
    }
    const hs = this.hardStateChanged() ? this.hardState() : null;
    if (hs) this.prevHs = hs;
    const rd: Ready = {
      hardState: hs,
      entries: this.log.unstable(),
      snapshot: this.pendingSnapshot,
      messages: this.msgs,
      committed: this.log.toApply(),
      readStates: this.readStates,
      lead: this.lead,
      role: this.role,
    };
    this.msgs = [];
    this.readStates = [];
    this.pendingSnapshot = null;
    return rd;
  }

  /** The driver carried out `rd`: its entries are durable and its committed entries applied. */
  advance(rd: Ready): void {
    const last = rd.entries[rd.entries.length - 1];
    if (last) this.log.stableTo(last.index, last.term);
    const applied = rd.committed[rd.committed.length - 1];
    if (applied && applied.index > this.log.applied) this.log.applied = applied.index;
    if (this.role === Role.Leader && leader.maybeCommit(this)) this.needBcast = true;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, recovering: this.recovering };
  }

  /** True when a vote, a campaign or a commit count may include this node. */
  promotable(): boolean {
    return isVoter(this.conf, this.id) && !this.recovering;
  }

  // ---- internals shared with leader.ts ------------------------------------------------------

  send(m: Message): void {
    this.msgs.push(m);
  }

  msg(type: MsgType, to: number, term = this.term): Message {
    return newMessage(type, this.group, this.id, to, term);
  }

  /** Peers that receive the log (everyone in the configuration but us). */
  peers(): number[] {
    return members(this.conf).filter((x) => x !== this.id);
  }

  becomeFollower(term: number, lead: number): void {
    this.reset(term);
    this.role = Role.Follower;
    this.lead = lead;
  }

  /** The configuration in force at `index` (the latest one at or before it). */
  confAt(index: number): ConfState {
    let c = this.snapConf;
    for (const x of this.confLog) if (x.index <= index) c = x.conf;
    return c;
  }

  applyConfEntry(index: number, conf: ConfState): void {
    this.confLog.push({ index, conf });
    this.conf = conf;
    this.confIndex = index;
    if (this.role === Role.Leader) leader.syncProgress(this);
  }

  // ---- private ------------------------------------------------------------------------------

  private hardStateChanged(): boolean {
    const p = this.prevHs;
    return p.term !== this.term || p.vote !== this.vote || p.recovering !== this.recovering;
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = 0;
    }
    this.lead = 0;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedTimeout();
    this.votes.clear();
    this.leadTransferee = 0;
    this.reads = [];
    this.prs.clear();
  }

  private resetRandomizedTimeout(): void {
    const r = this.random();
    assert.ok(r >= 0 && r < 1, "random() out of [0,1)");
    this.randomizedElectionTimeout = this.electionTicks + Math.floor(r * this.electionTicks);
  }

  private appendLocal(e: Entry): void {
    this.log.truncateAndAppend([e]);
    this.needBcast = true;
  }

  becomeLeader(): void {
    assert.notEqual(this.role, Role.Follower, "follower cannot become leader directly");
    this.reset(this.term);
    this.role = Role.Leader;
    this.lead = this.id;
    leader.syncProgress(this);
    // The no-op of a new term: lets this leader commit (and so learn) everything before it.
    this.appendLocal({ index: this.log.lastIndex() + 1, term: this.term, type: EntryType.Normal, data: new Uint8Array(0) });
  }

  private campaign(pre: boolean, transfer: boolean): void {
    let voteTerm: number;
    let type: MsgType;
    if (pre) {
      this.reset(this.term);
      this.role = Role.PreCandidate;
      voteTerm = this.term + 1;
      type = MsgType.PreVote;
    } else {
      this.reset(this.term + 1);
      this.role = Role.Candidate;
      this.vote = this.id;
      voteTerm = this.term;
      type = MsgType.Vote;
    }
    if (this.poll(this.id, true)) return;
    for (const v of this.conf.voters) {
      if (v === this.id) continue;
      const m = this.msg(type, v, voteTerm);
      m.index = this.log.lastIndex();
      m.logTerm = this.log.lastTerm();
      m.transfer = transfer;
      this.send(m);
    }
  }

  /** Records a vote; returns true when the election was decided (won or lost). */
  private poll(from: number, granted: boolean): boolean {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const v of this.conf.voters) {
      const g = this.votes.get(v);
      if (g === true) yes++;
      else if (g === false) no++;
    }
    const q = quorum(this.conf.voters.length);
    if (yes >= q) {
      if (this.role === Role.PreCandidate) {
        if (this.bugs.preVoteAsVote) {
          this.reset(this.term + 1);
          this.role = Role.Candidate;
          this.becomeLeader();
        } else this.campaign(false, false);
      } else this.becomeLeader();
      return true;
    }
    if (no > this.conf.voters.length - q) {
      this.becomeFollower(this.term, 0);
      return true;
    }
    return false;
  }

  /** A message of a higher term: maybe ignore (lease), else adopt the term. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.type === MsgType.PreVote || m.type === MsgType.Vote) {
      const inLease = this.checkQuorum && this.lead !== 0 && this.electionElapsed < this.electionTicks;
      if (inLease && !m.transfer) return false;
    }
    if (m.type === MsgType.PreVote || (m.type === MsgType.PreVoteResp && !m.reject)) return true;
    const fromLeader = m.type === MsgType.App || m.type === MsgType.Heartbeat || m.type === MsgType.Snap;
    this.becomeFollower(m.term, fromLeader ? m.from : 0);
    return true;
  }

  /** A message of an older term: tell a stale leader or pre-candidate about ours. */
  private stepStale(m: Message): void {
    if (m.type === MsgType.App || m.type === MsgType.Heartbeat) {
      this.send(this.msg(MsgType.AppResp, m.from));
    } else if (m.type === MsgType.PreVote || m.type === MsgType.Vote) {
      const r = this.msg(m.type === MsgType.PreVote ? MsgType.PreVoteResp : MsgType.VoteResp, m.from);
      r.reject = true;
      this.send(r);
    }
  }

  private handleVote(m: Message): void {
    const pre = m.type === MsgType.PreVote;
    let canVote =
      this.vote === m.from || (this.vote === 0 && this.lead === 0) || (pre && m.term > this.term) || (!pre && this.bugs.doubleVote === true);
    if (this.recovering) canVote = false;
    const grant = canVote && this.log.isUpToDate(m.index, m.logTerm);
    const r = this.msg(pre ? MsgType.PreVoteResp : MsgType.VoteResp, m.from, grant && pre ? m.term : this.term);
    r.reject = !grant;
    if (grant && !pre) {
      this.electionElapsed = 0;
      this.vote = m.from;
    }
    this.send(r);
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case MsgType.App:
      case MsgType.Heartbeat:
      case MsgType.Snap:
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case MsgType.PreVoteResp:
        if (this.role === Role.PreCandidate) this.poll(m.from, !m.reject);
        return;
      case MsgType.VoteResp:
        if (this.role === Role.Candidate) this.poll(m.from, !m.reject);
        return;
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MsgType.App:
        this.heardFromLeader(m);
        this.handleAppend(m);
        return;
      case MsgType.Heartbeat:
        this.heardFromLeader(m);
        this.handleHeartbeat(m);
        return;
      case MsgType.Snap:
        this.heardFromLeader(m);
        this.handleSnapshot(m);
        return;
      case MsgType.TimeoutNow:
        if (this.promotable()) this.campaign(false, true);
        return;
      default:
        return;
    }
  }

  private heardFromLeader(m: Message): void {
    this.electionElapsed = 0;
    this.lead = m.from;
    if (this.recovering && this.recoverTerm !== this.term) {
      this.recoverTerm = this.term;
      this.recoverTarget = m.last;
    }
  }

  /**
   * Our log now equals the leader's up to `matched` in this term. A recovering node that reached
   * what the leader had when first heard holds every entry it may have acknowledged before it
   * lost them (any such entry that is or will be committed is in that leader's log), so it may
   * vote again.
   */
  private matchedLeader(matched: number): void {
    if (this.recovering && this.recoverTerm === this.term && matched >= this.recoverTarget) this.recovering = false;
  }

  private handleAppend(m: Message): void {
    const reply = this.msg(MsgType.AppResp, m.from);
    if (m.index < this.log.commit) {
      reply.index = this.log.commit;
      this.send(reply);
      return;
    }
    if (!this.log.matchTerm(m.index, m.logTerm)) {
      reply.reject = true;
      reply.index = m.index;
      reply.hint = this.log.findConflictByTerm(m.index, m.logTerm);
      reply.logTerm = Math.max(this.log.term(reply.hint), 0);
      this.send(reply);
      return;
    }
    const lastNew = m.index + m.entries.length;
    const conflict = this.log.findConflict(m.entries);
    if (conflict !== 0) {
      assert.ok(conflict > this.log.commit, `conflict ${conflict} with committed entry (commit ${this.log.commit})`);
      let from = conflict;
      if (this.bugs.noTruncate && conflict <= this.log.lastIndex()) from = this.log.lastIndex() + 1;
      const ents = m.entries.slice(from - m.index - 1);
      this.replaceSuffix(ents);
    }
    this.log.commitTo(Math.min(m.commit, lastNew, this.log.lastIndex()));
    this.matchedLeader(lastNew);
    reply.index = lastNew;
    this.send(reply);
  }

  /** Appends entries that may replace a suffix; configurations follow the log (thesis §4.1). */
  private replaceSuffix(ents: Entry[]): void {
    if (ents.length === 0) return;
    const first = ents[0]!.index;
    this.log.truncateAndAppend(ents);
    if (this.confLog.length > 0 && this.confLog[this.confLog.length - 1]!.index >= first) {
      this.confLog = this.confLog.filter((c) => c.index < first);
      const lastConf = this.confLog[this.confLog.length - 1];
      this.conf = lastConf ? lastConf.conf : this.snapConf;
      this.confIndex = lastConf ? lastConf.index : this.log.snapIndex;
    }
    for (const e of ents) if (e.type === EntryType.Conf) this.applyConfEntry(e.index, decodeConf(e.data));
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends min(our match, its commit); a log cut back on restart may be shorter.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    const r = this.msg(MsgType.HeartbeatResp, m.from);
    r.ctx = m.ctx;
    r.index = this.log.lastIndex();
    r.recovering = this.recovering;
    this.send(r);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    assert.ok(s !== null, "Snap without snapshot");
    const reply = this.msg(MsgType.AppResp, m.from);
    const { index, term } = s.meta;
    if (index <= this.log.commit) {
      reply.index = this.log.commit;
    } else if (this.log.matchTerm(index, term)) {
      this.log.commitTo(index);
      reply.index = index;
    } else {
      this.log.restore(index, term);
      this.snapshot = s;
      this.pendingSnapshot = s;
      this.snapConf = cloneConf(s.meta.conf);
      this.conf = this.snapConf;
      this.confLog = [];
      this.confIndex = index;
      reply.index = index;
    }
    this.matchedLeader(reply.index);
    this.send(reply);
  }
}
