/**
 * Gateway interest, as pure state (nats-server gateway.go outsie, insie, sitally). Each
 * side of a gateway pair keeps its own half:
 *
 * - the outbound connection (we send messages on it) keeps, per account, what the remote
 *   cluster told us: in optimistic mode the subjects it has no interest in (RS-), its
 *   queue groups, and once it switched the account to interest-only mode every
 *   subscription it has (`OutboundInterest`);
 * - the inbound connection (the remote sends messages on it) keeps, per account, what we
 *   told the remote: the RS- we sent in optimistic mode, or that the account is
 *   interest-only and every change is sent (`InboundInterest`);
 * - the server keeps the tally of its cluster's subscriptions per account, subject and
 *   queue, so first and last interest are known (`InterestTally`).
 */
import { Sublist, type SublistResult, type SublistSub, subjectIsSubsetMatch } from "../sublist/index.js";
import { MAX_RUNSUB_BEFORE_SWITCH } from "./gateway-proto.js";

/** nats-server GatewayInterestMode. */
export const enum Mode {
  Optimistic = 0,
  Transitioning = 1,
  InterestOnly = 2,
}

/** GatewayInterestMode.String(), as /gatewayz shows it. */
export const MODE_NAMES: readonly string[] = ["Optimistic", "Transitioning", "Interest-Only"];

/** A subscription the remote cluster told us about (RS+), in an outbound account's sublist. */
export class RemoteInterest implements SublistSub {
  constructor(
    readonly subject: string,
    readonly queue: string | null,
    public weight: number,
  ) {}
}

/** One account on an outbound connection (nats-server outsie). */
export class OutboundAccount {
  mode = Mode.Optimistic;
  /** Optimistic mode: subjects the remote has no interest in; null once interest-only. */
  ni: Set<string> | null = new Set();
  readonly sl = new Sublist<RemoteInterest>();
  /** Subscriptions in `sl` by `subject [queue]`. */
  readonly subs = new Map<string, RemoteInterest>();
  qsubs = 0;
}

const EMPTY_RESULT: SublistResult<RemoteInterest> = { psubs: [], qsubs: [] };

/** What the remote cluster has interest in, per account (the outbound side). */
export class OutboundInterest {
  /** null: the remote has no interest in the whole account (A-). */
  readonly accounts = new Map<string, OutboundAccount | null>();
  /** Queue groups the remote has, over all accounts. */
  totalQueueSubs = 0;
  /** The queue part of the last `interest()` answer. */
  queues: SublistResult<RemoteInterest> = EMPTY_RESULT;

  /** `interestOnly`: the remote switches every account at once (INFO gateway_iom). */
  constructor(public interestOnly = false) {}

  /** A-: no interest in the account, except for queue groups already known. */
  accountUnsub(account: string): void {
    const e = this.accounts.get(account);
    if (e !== undefined && e !== null && e.qsubs > 0) e.ni = new Set();
    else if (e === undefined || e !== null) this.accounts.set(account, null);
  }

  /** A+: the remote has interest in the account again. */
  accountSub(account: string): void {
    const e = this.accounts.get(account);
    if (e === null || (e !== undefined && e.qsubs === 0)) this.accounts.delete(account);
  }

  /**
   * RS+: a queue group, or a subject in an interest-only account, or an end to an RS-.
   * Returns the subscription when one was added.
   */
  remoteSub(account: string, subject: string, queue: string | null, weight: number): RemoteInterest | null {
    let e = this.accounts.get(account);
    if (e === undefined || e === null) {
      if (queue === null) return null;
      e = new OutboundAccount();
      this.accounts.set(account, e);
    }
    if (queue !== null || e.mode !== Mode.Optimistic) {
      const key = queue === null ? subject : `${subject} ${queue}`;
      const existing = e.subs.get(key);
      if (existing !== undefined) {
        existing.weight = weight;
        return null;
      }
      const sub = new RemoteInterest(subject, queue, weight);
      e.sl.insert(sub);
      e.subs.set(key, sub);
      if (queue !== null) {
        e.qsubs++;
        this.totalQueueSubs++;
      }
      return sub;
    }
    const ni = e.ni!;
    if (subject.includes("*") || subject.includes(">")) {
      for (const k of ni) if (subjectIsSubsetMatch(k, subject)) ni.delete(k);
    } else ni.delete(subject);
    return null;
  }

  /**
   * RS-: a queue group or an interest-only subscription left, or no interest in a subject.
   * Returns the subscription when one was removed.
   */
  remoteUnsub(account: string, subject: string, queue: string | null): RemoteInterest | null {
    let e = this.accounts.get(account);
    if (e === undefined || e === null) {
      if (queue !== null) return null;
      e = new OutboundAccount();
      this.accounts.set(account, e);
    }
    if (queue !== null || e.mode !== Mode.Optimistic) {
      const key = queue === null ? subject : `${subject} ${queue}`;
      const sub = e.subs.get(key);
      if (sub === undefined) return null;
      e.sl.remove(sub);
      e.subs.delete(key);
      if (queue !== null) {
        e.qsubs--;
        this.totalQueueSubs--;
      }
      if (e.sl.count() === 0 && e.mode === Mode.Optimistic && e.ni!.size === 0) this.accounts.delete(account);
      return sub;
    }
    e.ni!.add(subject);
    return null;
  }

  /** Every subscription the remote described in `account` (for a new leaf connection). */
  subsOf(account: string): RemoteInterest[] {
    const e = this.accounts.get(account);
    return e === undefined || e === null ? [] : [...e.subs.values()];
  }

  /** gateway_cmd AllSubsStart: the remote is about to send every subscription of the account. */
  allSubsStart(account: string): void {
    let e = this.accounts.get(account);
    if (e === undefined || e === null) {
      e = new OutboundAccount();
      this.accounts.set(account, e);
    }
    e.mode = Mode.Transitioning;
  }

  /** gateway_cmd AllSubsComplete: from now on, only what is in the sublist has interest. */
  allSubsComplete(account: string): void {
    const e = this.accounts.get(account);
    if (e === undefined || e === null) return;
    e.ni = null;
    e.mode = Mode.InterestOnly;
  }

  /**
   * nats-server gatewayInterest: whether plain subscribers of the remote want `subject`;
   * the remote's matching queue groups are left in `queues`.
   */
  interest(account: string, subject: string): boolean {
    this.queues = EMPTY_RESULT;
    const e = this.accounts.get(account);
    if (e === null) return false;
    if (e === undefined) return !this.interestOnly;
    let plain = !this.interestOnly && e.ni !== null && !e.ni.has(subject);
    if (e.ni === null || e.qsubs > 0) {
      const r = e.sl.match(subject);
      if (r.psubs.length > 0) plain = true;
      this.queues = r;
    }
    return plain;
  }
}

/** One account on an inbound connection (nats-server insie). */
export class InboundAccount {
  /** RS- sent for these subjects (optimistic mode); null once switching or interest-only. */
  ni: Set<string> | null = new Set();
  mode = Mode.Optimistic;
}

/** What we told the remote cluster, per account (the inbound side). */
export class InboundInterest {
  /** null: we sent A- for the account. */
  readonly accounts = new Map<string, InboundAccount | null>();

  /**
   * A message the cluster has no subscriber for (gatewayHandleSubjectNoInterest): "rs-"
   * to send RS-, "switch" when too many were sent and the account goes interest-only.
   */
  subjectNoInterest(account: string, subject: string): "rs-" | "switch" | null {
    let e = this.accounts.get(account);
    if (e === undefined || e === null) {
      e = new InboundAccount();
      e.ni!.add(subject);
      this.accounts.set(account, e);
      return "rs-";
    }
    if (e.ni === null || e.ni.has(subject)) return null;
    if (e.ni.size >= MAX_RUNSUB_BEFORE_SWITCH) return "switch";
    e.ni.add(subject);
    return "rs-";
  }

  /** An account with no subscriber at all: true when A- is to be sent (once). */
  accountNoInterest(account: string): boolean {
    const e = this.accounts.get(account);
    if (e === null) return false;
    this.accounts.set(account, null);
    return true;
  }

  /** Starts the switch to interest-only: false when the account is not optimistic. */
  beginSwitch(account: string): boolean {
    let e = this.accounts.get(account);
    if (e === undefined || e === null) {
      e = new InboundAccount();
      this.accounts.set(account, e);
    }
    if (e.mode !== Mode.Optimistic) return false;
    e.ni = null;
    e.mode = Mode.Transitioning;
    return true;
  }

  completeSwitch(account: string): void {
    const e = this.accounts.get(account);
    if (e !== undefined && e !== null) e.mode = Mode.InterestOnly;
  }

  /**
   * First or last local interest in a plain subject (maybeSendSubOrUnsubToGateways): "RS"
   * to send RS+/RS-, "A+" to lift an A-, null for nothing.
   */
  plainChanged(account: string, subject: string, added: boolean): "RS" | "A+" | null {
    const e = this.accounts.get(account);
    if (e === undefined) return null;
    if (e === null) {
      if (!added) return null;
      this.accounts.delete(account);
      return "A+";
    }
    if (e.ni !== null && added) {
      let lifted = false;
      if (subject.includes("*") || subject.includes(">")) {
        for (const k of e.ni) {
          if (subjectIsSubsetMatch(k, subject)) {
            e.ni.delete(k);
            lifted = true;
          }
        }
      } else lifted = e.ni.delete(subject);
      return lifted ? "RS" : null;
    }
    return e.mode === Mode.InterestOnly ? "RS" : null;
  }

  /** A queue group appearing lifts an A- (sendQueueSubOrUnsubToGateways). */
  queueAdded(account: string): void {
    if (this.accounts.get(account) === null) this.accounts.delete(account);
  }
}

/** One subject (and queue) of the cluster's interest (nats-server sitally). */
interface Tally {
  n: number;
  subject: string;
  queue: string | null;
}

/** The cluster's subscriptions per account, subject and queue (nats-server pasi). */
export class InterestTally {
  readonly accounts = new Map<string, Map<string, Tally>>();

  /** Adds `delta`; returns +1 on first interest, -1 on last, 0 otherwise. */
  change(account: string, subject: string, queue: string | null, delta: number): number {
    let m = this.accounts.get(account);
    const key = queue === null ? subject : `${subject} ${queue}`;
    if (m === undefined) {
      if (delta <= 0) return 0;
      m = new Map();
      this.accounts.set(account, m);
    }
    const t = m.get(key);
    if (t === undefined) {
      if (delta <= 0) return 0;
      m.set(key, { n: delta, subject, queue });
      return 1;
    }
    t.n += delta;
    if (t.n > 0) return 0;
    m.delete(key);
    if (m.size === 0) this.accounts.delete(account);
    return -1;
  }

  hasAny(account: string): boolean {
    return this.accounts.has(account);
  }

  /** Entries of one account, plain subjects or queue groups. */
  entries(account: string, queues: boolean): Array<{ subject: string; queue: string | null }> {
    const out: Array<{ subject: string; queue: string | null }> = [];
    const m = this.accounts.get(account);
    if (m === undefined) return out;
    for (const t of m.values()) if ((t.queue !== null) === queues) out.push({ subject: t.subject, queue: t.queue });
    return out;
  }
}
