/**
 * Types shared by the pure Raft core, its log, the WAL and the driver. One group (a stream, a
 * consumer or the meta group) is one Raft state machine; a server runs many, and every message
 * names its group so one transport can carry them all (etcd raft's MsgType/Entry/HardState,
 * with the group id of multi-raft designs).
 */

/** Entry kinds: application data, or a whole new configuration (single-server change). */
export const EntryType = { Normal: 0, Conf: 1 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** One log entry. `data` is opaque to Raft; an empty Normal entry is a leader's no-op. */
export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  data: Uint8Array;
}

/** A configuration: who votes, who only receives the log. Ids are never reused. */
export interface ConfState {
  voters: number[];
  learners: number[];
}

/** What a snapshot covers: the log up to `index` (of `term`) and the configuration there. */
export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

/** A snapshot: its meta and the application's opaque state. */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/**
 * State that must be durable before any message that depends on it leaves the node: the term,
 * the vote in that term, and whether the node lost log entries it may have acknowledged
 * (`recovering`: it must not vote until it has caught up with a leader; see docs in wal/).
 */
export interface HardState {
  term: number;
  vote: number;
  recovering: boolean;
}

/** Message kinds on the wire (etcd raft's names without the Msg prefix). */
export const MsgType = {
  PreVote: 1,
  PreVoteResp: 2,
  Vote: 3,
  VoteResp: 4,
  App: 5,
  AppResp: 6,
  Heartbeat: 7,
  HeartbeatResp: 8,
  Snap: 9,
  TimeoutNow: 10,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

/**
 * One message between two members of a group. A single shape for every kind keeps the objects
 * monomorphic; fields a kind does not use are zero. Meanings by kind:
 * - Vote/PreVote: `index`/`logTerm` = candidate's last entry; `transfer` = leader transfer
 *   (bypasses the lease).
 * - App: `index`/`logTerm` = entry before `entries`; `commit`; `last` = leader's last index.
 * - AppResp: `index` = last index matched (or the rejected prev index); `reject`; `hint`/`logTerm`
 *   = where the follower suggests probing next.
 * - Heartbeat: `commit` = min(follower match, leader commit); `ctx` = read-index round; `last`.
 * - HeartbeatResp: `ctx` echoed; `index` = follower's last index; `recovering`.
 * - Snap: `snapshot`.
 */
export interface Message {
  type: MsgType;
  group: string;
  from: number;
  to: number;
  term: number;
  logTerm: number;
  index: number;
  commit: number;
  hint: number;
  last: number;
  ctx: number;
  reject: boolean;
  transfer: boolean;
  recovering: boolean;
  entries: Entry[];
  snapshot: Snapshot | null;
}

/** A blank message of `type`; callers fill the fields the kind uses. */
export function newMessage(type: MsgType, group: string, from: number, to: number, term: number): Message {
  return {
    type,
    group,
    from,
    to,
    term,
    logTerm: 0,
    index: 0,
    commit: 0,
    hint: 0,
    last: 0,
    ctx: 0,
    reject: false,
    transfer: false,
    recovering: false,
    entries: [],
    snapshot: null,
  };
}

/** Node roles. A learner is a follower that is not in `voters`. */
export const Role = { Follower: 0, PreCandidate: 1, Candidate: 2, Leader: 3 } as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLE_NAMES = ["follower", "pre-candidate", "candidate", "leader"] as const;

/** A confirmed read: once the state machine has applied `index`, reading it is linearizable. */
export interface ReadState {
  ctx: number;
  index: number;
}

/**
 * The work a driver must do, in this order: persist `hardState`, `snapshot` and `entries`
 * durably (entries starting at an index ≤ the last persisted one replace that suffix); then
 * send `messages`; then apply `committed` (and restore `snapshot` into the state machine first
 * when present); answer `readStates` once applied; then call `advance(ready)`.
 */
export interface Ready {
  hardState: HardState | null;
  entries: Entry[];
  snapshot: Snapshot | null;
  messages: Message[];
  committed: Entry[];
  readStates: ReadState[];
  /** Leader id and role after this batch (for routing proposals). */
  lead: number;
  role: Role;
}

/**
 * Planted bugs for the simulator (test-only hooks; never set from server options). Each one
 * breaks one safety rule so the simulator can prove it notices.
 */
export interface RaftBugs {
  /** Grant a vote even when already voted for someone else in this term. */
  doubleVote?: boolean;
  /** Commit an entry from an older term by counting replicas (Raft paper figure 8). */
  oldTermCommit?: boolean;
  /** Keep a conflicting suffix instead of truncating it. */
  noTruncate?: boolean;
  /** Answer read-index requests without confirming leadership with a quorum. */
  staleRead?: boolean;
  /** Become leader on a won pre-vote, without the real (persisted) election. */
  preVoteAsVote?: boolean;
}

/** The valid names for `RaftBugs`, for listing. */
export const RAFT_BUG_NAMES: readonly (keyof RaftBugs)[] = [
  "doubleVote",
  "oldTermCommit",
  "noTruncate",
  "staleRead",
  "preVoteAsVote",
];
