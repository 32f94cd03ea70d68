/**
 * One deterministic simulation run: a Raft group of 3 or 5 nodes, its network, disks and clock in
 * one process, driven by one seed. Clients run a key-value workload throughout while the fault
 * schedule plays; then every fault is healed and the group must make progress and converge.
 *
 * Invariants, checked as the run goes: at most one leader per term; every node applies the same
 * entry at every index (compared by term and checksum across nodes); no acknowledged write lost;
 * and at the end: progress within a bound after faults stop, convergence of every member's state,
 * and a linearizable client history.
 */
import { ConfChangeType, isMember, isVoter } from "../../../src/raft/conf.js";
import { Role, type Entry, type RaftBugs } from "../../../src/raft/types.js";
import type { WalBugs } from "../../../src/raft/wal/wal.js";
import { crc32 } from "../../../src/raft/wal/crc.js";
import { describeFault, generateFaults, type Fault } from "./faults.js";
import type { ApplyResult, KvCommand } from "./kv.js";
import { KvMachine, encodeCommand } from "./kv.js";
import { checkHistory, type Op } from "./linearizability.js";
import { CALM, SimNetwork } from "./network.js";
import { SimNode, TICK_MS } from "./node.js";
import { Rng } from "./rng.js";
import { Scheduler } from "./scheduler.js";

export interface SimOptions {
  seed: number;
  nodes: number;
  bug?: string;
  /** Length of the fault phase in virtual ms. */
  faultMs?: number;
  /** Keep only these faults (by schedule position); all when absent. */
  keep?: ReadonlySet<number>;
}

export interface SimResult {
  ok: boolean;
  violation: string | null;
  trace: string[];
  faults: Fault[];
  events: number;
  virtualMs: number;
  /** Client operations in the checked history, and how many were acknowledged writes. */
  ops: number;
  acked: number;
}

/** Planted bugs by CLI name. */
export const BUGS: Record<string, { raft?: RaftBugs; wal?: WalBugs }> = {
  "double-vote": { raft: { doubleVote: true } },
  "old-term-commit": { raft: { oldTermCommit: true } },
  "no-truncate": { raft: { noTruncate: true } },
  "stale-read": { raft: { staleRead: true } },
  "prevote-as-vote": { raft: { preVoteAsVote: true } },
  "ack-before-fsync": { wal: { ackBeforeFsync: true } },
  "trust-corrupt": { wal: { trustCorrupt: true } },
  "forget-vote": { wal: { forgetVote: true } },
  "truncate-silently": { wal: { truncateSilently: true } },
};

class Violation extends Error {}

const CLIENTS = 6;
const KEYS = ["a", "b", "c", "d", "e"];
const OP_TIMEOUT_MS = 800;
const LIVENESS_MS = 15_000;

export function runSim(opts: SimOptions): SimResult {
  return new World(opts).run();
}

class World {
  readonly opts: SimOptions;
  readonly sched = new Scheduler();
  readonly net: SimNetwork;
  readonly nodes: SimNode[] = [];
  readonly faults: Fault[];
  readonly trace: string[] = [];
  private readonly rngClient: Rng;
  private readonly rngFault: Rng;
  /** Per-seed replication shape: batch size and pipelining window. */
  private readonly shape: { maxBatch: number; maxInflight: number };
  /** Each client's idea of the leader (clients have no oracle: a deposed leader still gets traffic). */
  private clientLeader: number[] = [];
  private nextId = 1000;
  private leaders = new Map<number, number>();
  private committed = new Map<number, { term: number; crc: number; op: number }>();
  private history: Op[] = [];
  private inflight = new Set<Op>();
  private acked: { op: Op; index: number }[] = [];
  private opSeq = 0;
  private healed = false;
  /** A leader-killer fault is active until then. */
  private churnUntil = 0;
  private stopClients = false;
  private probeDone = false;
  private cutSeq = 0;
  /** Slots that lost their identity: the id to remove once the new one is in. */
  private replaced = new Map<number, number[]>();

  constructor(opts: SimOptions) {
    this.opts = opts;
    const bug = opts.bug ? BUGS[opts.bug] : undefined;
    if (opts.bug && !bug) throw new Error(`unknown bug ${opts.bug}`);
    this.net = new SimNetwork(this.sched, new Rng(opts.seed, 2), (id) => this.slotOf(id));
    this.rngClient = new Rng(opts.seed, 3);
    this.rngFault = new Rng(opts.seed, 4);
    this.shape = { maxBatch: this.rngFault.pick([1, 2, 4, 16, 64]), maxInflight: this.rngFault.pick([1, 2, 8, 32]) };
    const all = generateFaults(opts.seed, opts.nodes, opts.faultMs ?? 6000);
    this.faults = opts.keep ? all.filter((f) => opts.keep!.has(f.n)) : all;
    for (let i = 0; i < opts.nodes; i++) {
      const hooks = {
        after: (n: SimNode) => this.afterEvent(n),
        crashed: (n: SimNode, err: unknown) => {
          if (err instanceof Violation) throw err;
          this.fail(`node ${n.id} (slot ${n.slot}) threw: ${(err as Error).stack ?? err}`);
        },
        newId: (n: SimNode) => {
          const id = n.bootId || this.nextId++;
          n.bootId = 0;
          return id;
        },
        kv: (n: SimNode) => this.makeKv(n),
      };
      const cfg = { raftBugs: bug?.raft ?? {}, walBugs: bug?.wal ?? {}, maxInflight: this.shape.maxInflight, maxBatchEntries: this.shape.maxBatch };
      this.nodes.push(new SimNode(i, this.sched, this.net, new Rng(opts.seed, 10 + i), hooks, cfg));
    }
  }

  log(s: string): void {
    this.trace.push(`t=${this.sched.now.toFixed(1)} ${s}`);
  }

  fail(msg: string): never {
    throw new Violation(msg);
  }

  slotOf(id: number): number {
    for (const n of this.nodes) if (n.id === id) return n.slot;
    return -1;
  }

  run(): SimResult {
    let violation: string | null = null;
    try {
      this.boot();
      const faultMs = this.opts.faultMs ?? 6000;
      for (const f of this.faults) this.sched.at(f.at, () => this.applyFault(f));
      for (let c = 0; c < CLIENTS; c++) this.sched.after(50 + c, () => this.clientLoop(c));
      this.adminLoop();
      this.sched.runUntil(faultMs);
      this.heal();
      this.sched.runUntil(faultMs + LIVENESS_MS, () => this.converged());
      if (!this.probeDone) this.fail(`no progress within ${LIVENESS_MS} ms after faults stopped`);
      if (!this.converged()) this.fail(`members did not converge within ${LIVENESS_MS} ms: ${this.status()}`);
      this.finalChecks();
    } catch (err) {
      if (!(err instanceof Violation)) throw err;
      violation = err.message;
      this.log(`VIOLATION: ${violation}`);
    }
    return { ok: violation === null, violation, trace: this.trace, faults: this.faults, events: this.sched.events, virtualMs: this.sched.now, ops: this.history.length, acked: this.acked.length };
  }

  private boot(): void {
    const conf = { voters: this.nodes.map((_, i) => i + 1), learners: [] };
    for (const n of this.nodes) {
      n.bootId = n.slot + 1;
      n.start(conf);
    }
    this.log(`boot ${this.nodes.length} nodes, voters ${conf.voters.join(",")}`);
  }

  // ---- invariants -----------------------------------------------------------------------------

  private makeKv(n: SimNode): KvMachine {
    const kv = new KvMachine();
    kv.onApply = (e: Entry, c: KvCommand | null) => {
      if (e.index !== n.lastApplied + 1) this.fail(`node ${n.id} applied ${e.index} after ${n.lastApplied}`);
      n.lastApplied = e.index;
      const crc = crc32(e.data, e.term);
      const prev = this.committed.get(e.index);
      if (!prev) this.committed.set(e.index, { term: e.term, crc, op: c?.id ?? -1 });
      else if (prev.term !== e.term || prev.crc !== crc) {
        this.fail(`committed logs diverge at ${e.index}: node ${n.id} applied term ${e.term} op ${c?.id ?? -1} crc ${crc} type ${e.type} len ${e.data.length}, another applied term ${prev.term} op ${prev.op} crc ${prev.crc}`);
      }
    };
    kv.onRestore = (s) => {
      n.lastApplied = s.meta.index;
    };
    return kv;
  }

  private afterEvent(n: SimNode): void {
    const r = n.driver?.node;
    if (!r) return;
    if (r.role === Role.Leader) {
      const l = this.leaders.get(r.term);
      if (l === undefined) {
        this.leaders.set(r.term, r.id);
        this.log(`leader ${r.id} (slot ${n.slot}) term ${r.term}`);
        if (this.churnUntil > this.sched.now && this.rngFault.chance(0.5)) {
          // The leader killer also strikes right after an election, before the new leader's
          // first entries left it.
          const inc = n.incarnation;
          this.sched.after(this.rngFault.float() * 3, () => {
            if (this.healed || n.incarnation !== inc) return;
            n.crash();
            this.sched.after(this.rngFault.range(5, 60), () => {
              if (!this.healed) this.restart(n);
            });
          });
        }
      } else if (l !== r.id) this.fail(`two leaders in term ${r.term}: ${l} and ${r.id}`);
    }
    // Healthy again only once a restart would also see it so: a node that caught up but crashed
    // before its cleared `recovering` flag was durable comes back recovering, still damaged.
    if (n.damaged && !r.recovering && n.up && !n.storage.durablyRecovering()) n.damaged = false;
  }

  private finalChecks(): void {
    // Operations still in flight when the run ends: their outcome is unknown.
    for (const op of this.inflight) if (op.kind !== "r") this.history.push(op);
    for (const { op, index } of this.acked) {
      const c = this.committed.get(index);
      if (!c || c.op !== op.id) this.fail(`acknowledged op ${op.id} (${op.kind} ${op.key}) at index ${index} lost: index holds op ${c?.op}`);
    }
    const v = checkHistory(this.history);
    if (v.ok === false) {
      const lines = v.ops
        .slice()
        .sort((a, b) => a.call - b.call)
        .map((o) => `  c${o.client} ${o.kind} ${o.expect ?? ""}${o.kind === "cas" ? "->" : ""}${o.value} ok=${o.ok} [${o.call.toFixed(1)}, ${o.ret === Infinity ? "?" : o.ret.toFixed(1)}]`);
      this.fail(`history not linearizable for key ${v.key}:\n${lines.slice(-40).join("\n")}`);
    }
    if (v.ok === "unknown") this.log(`linearizability search budget exceeded for key ${v.key} (not a violation)`);
  }

  // ---- cluster state ----------------------------------------------------------------------

  leader(): SimNode | null {
    let best: SimNode | null = null;
    for (const n of this.nodes) {
      const r = n.driver?.node;
      if (n.up && !n.paused && r && r.role === Role.Leader && (!best || r.term > best.driver!.node.term)) best = n;
    }
    return best;
  }

  private converged(): boolean {
    if (!this.probeDone) return false;
    const l = this.leader();
    if (!l) return false;
    const conf = l.driver!.node.conf;
    if (this.replaced.size > 0 || conf.learners.length > 0) return false;
    const commit = l.driver!.node.log.commit;
    const dump = l.kv.dump();
    for (const n of this.nodes) {
      if (!isMember(conf, n.id)) continue;
      if (!n.up || !n.driver || n.driver.node.log.applied !== commit || n.kv.dump() !== dump) return false;
    }
    return true;
  }

  private status(): string {
    return this.nodes
      .map((n) => {
        const r = n.driver?.node;
        return `[slot ${n.slot} id ${n.id} ${n.up ? "up" : "down"}${r ? ` role ${r.role} term ${r.term} commit ${r.log.commit} applied ${r.log.applied} last ${r.log.lastIndex()} rec ${r.recovering} conf ${r.conf.voters}/${r.conf.learners}${[...r.prs].map(([id, p]) => ` pr${id}:m${p.match}n${p.next}s${p.state}${p.probeSent ? "P" : ""}i${p.inflight.length}`).join("")}` : ""}]`;
      })
      .join(" ");
  }

  // ---- faults -------------------------------------------------------------------------------

  private budgetAllowsDamage(slot: number): boolean {
    const f = Math.floor((this.nodes.length - 1) / 2);
    let damaged = 0;
    for (const n of this.nodes) if (n.damaged || n.slot === slot || this.replaced.has(n.slot)) damaged++;
    return damaged <= f;
  }

  private applyFault(f: Fault): void {
    if (this.healed) return;
    const rng = new Rng(f.arg, 7);
    // Half of the node faults hit the current leader (Jepsen's "primaries" targeting).
    const l = this.leader();
    const n = l && rng.chance(0.5) && f.kind !== "transfer" ? l : this.nodes[f.slot]!;
    const end = (fn: () => void) =>
      this.sched.after(f.durMs, () => {
        if (!this.healed) fn();
      });
    switch (f.kind) {
      case "crash":
        if (!n.up) return;
        this.log(`fault ${describeFault(f)}`);
        n.crash();
        end(() => this.restart(n));
        return;
      case "powerloss":
      case "flip":
      case "cut":
      case "wipe":
        if (!n.up || !this.budgetAllowsDamage(n.slot)) return;
        this.log(`fault ${describeFault(f)}`);
        this.damage(n, f.kind, rng);
        end(() => this.restart(n));
        return;
      case "pause":
        this.log(`fault ${describeFault(f)}`);
        n.pause();
        end(() => n.resume());
        return;
      case "partition":
      case "oneway":
      case "bridge": {
        const cut = this.makeCut(f.kind, rng);
        const key = this.cutSeq++;
        this.net.cuts.set(key, cut);
        this.log(`fault ${describeFault(f)}: ${[...cut].join(" ")}`);
        end(() => this.net.cuts.delete(key));
        return;
      }
      case "chaos":
        this.net.chaos = { loss: rng.float() * 0.3, dup: rng.float() * 0.2, jitterMs: rng.int(150) };
        this.log(`fault ${describeFault(f)}: ${JSON.stringify(this.net.chaos)}`);
        end(() => (this.net.chaos = { ...CALM }));
        return;
      case "clockjump":
        this.log(`fault ${describeFault(f)}`);
        if (rng.chance(0.5)) n.jumpAhead(rng.range(5, 40));
        else n.clockHold = Math.round(f.durMs / TICK_MS);
        return;
      case "churn": {
        // A leader killer: whoever leads is crashed every few ms, back shortly after. Short-lived
        // leaders leave entries that never replicated (the stuff of figure 8).
        this.log(`fault ${describeFault(f)}`);
        const stopAt = this.sched.now + f.durMs;
        this.churnUntil = Math.max(this.churnUntil, stopAt);
        const kill = () => {
          if (this.healed || this.sched.now > stopAt) return;
          const v = this.leader();
          if (v) {
            v.crash();
            this.sched.after(rng.range(5, 60), () => {
              if (!this.healed) this.restart(v);
            });
          }
          this.sched.after(rng.range(5, 40), kill);
        };
        kill();
        return;
      }
      case "slowclock":
        this.log(`fault ${describeFault(f)}`);
        n.clockRate = rng.range(3, 10);
        end(() => (n.clockRate = 1));
        return;
      case "slowdisk":
        this.log(`fault ${describeFault(f)}`);
        n.timing.slow = rng.range(5, 50);
        end(() => (n.timing.slow = 1));
        return;
      case "stalldisk":
        this.log(`fault ${describeFault(f)}`);
        n.timing.stallUntil = this.sched.now + f.durMs;
        return;
      case "blackout":
        // Every node loses power at once; each keeps whole writes only (no torn sector), so a
        // correct log loses nothing it acknowledged and none is damaged.
        this.log(`fault ${describeFault(f)}`);
        for (const x of this.nodes) {
          if (!x.up) continue;
          x.crash();
          x.storage.powerLoss(rng, false);
          this.sched.after(f.durMs + rng.int(50), () => {
            if (!this.healed) this.restart(x);
          });
        }
        return;
      case "transfer": {
        const l = this.leader();
        const to = this.nodes[f.slot]!;
        if (l && to.id !== l.id) {
          this.log(`fault ${describeFault(f)}: leader ${l.id} -> ${to.id}`);
          l.run(l.incarnation, () => l.driver!.transferLeader(to.id));
        }
        return;
      }
    }
  }

  private damage(n: SimNode, kind: string, rng: Rng): void {
    n.crash();
    n.damaged = true;
    if (kind === "powerloss") {
      n.storage.powerLoss(rng);
      this.log(`  power loss on slot ${n.slot}`);
    } else if (kind === "wipe") {
      n.storage.wipe();
      this.log(`  wiped slot ${n.slot}`);
    } else {
      const names = n.storage.names().filter((x) => x.startsWith("log-"));
      const all = n.storage.names();
      const pool = rng.chance(0.85) && names.length > 0 ? names : all;
      if (pool.length === 0) return;
      const name = rng.pick(pool);
      this.log(`  ${kind === "flip" ? n.storage.flipBit(name, rng) : n.storage.cut(name, rng)}`);
    }
  }

  private restart(n: SimNode): void {
    if (n.up) return;
    const before = n.id;
    n.start(null);
    if (!n.up) return;
    if (n.id !== before) {
      this.log(`slot ${n.slot} rejoins as new member ${n.id} (was ${before})`);
      this.replaced.set(n.slot, [...(this.replaced.get(n.slot) ?? []), before]);
    } else this.log(`restart slot ${n.slot} id ${n.id} recovering=${n.driver?.node.recovering}${n.driver?.recovery.problems.length ? ` (${n.driver.recovery.problems.join("; ")})` : ""}`);
  }

  private makeCut(kind: string, rng: Rng): Set<string> {
    const slots = this.nodes.map((n) => n.slot);
    const cut = new Set<string>();
    const both = (a: number, b: number) => {
      cut.add(`${a}>${b}`);
      cut.add(`${b}>${a}`);
    };
    if (kind === "oneway") {
      const [a, b] = rng.sample(slots, 2) as [number, number];
      cut.add(`${a}>${b}`);
      return cut;
    }
    let side = rng.sample(slots, rng.range(1, Math.floor(slots.length / 2)));
    // Like Jepsen's nemeses, often target the leader: put it in the minority side.
    const l = this.leader();
    if (l && !side.includes(l.slot) && rng.chance(0.5)) side = [l.slot, ...side.slice(1)];
    const other = slots.filter((s) => !side.includes(s));
    const bridge = kind === "bridge" ? rng.pick(other) : -1;
    for (const a of side) for (const b of other) if (b !== bridge) both(a, b);
    return cut;
  }

  private heal(): void {
    this.healed = true;
    this.stopClients = true;
    this.log("heal: faults stop");
    this.net.cuts.clear();
    this.net.chaos = { ...CALM };
    for (const n of this.nodes) {
      n.timing.slow = 1;
      n.timing.stallUntil = 0;
      n.clockHold = 0;
      n.clockRate = 1;
      n.resume();
      if (!n.up) this.restart(n);
    }
    this.sched.after(1, () => this.probe(0));
  }

  // ---- workload -----------------------------------------------------------------------------

  /** The node client `c` talks to: the one it last found leading, sometimes a random one. */
  private target(c: number): SimNode {
    const slot = this.clientLeader[c];
    if (slot !== undefined && this.rngClient.chance(0.7)) return this.nodes[slot]!;
    return this.rngClient.pick(this.nodes);
  }

  /** After a refusal, follow the node's hint about who leads. */
  private redirect(c: number, n: SimNode): void {
    const lead = n.driver?.node.lead ?? 0;
    const slot = lead !== 0 ? this.slotOf(lead) : -1;
    this.clientLeader[c] = slot >= 0 ? slot : this.rngClient.int(this.nodes.length);
  }

  private clientLoop(c: number): void {
    if (this.stopClients) return;
    const n = this.target(c);
    const r = this.rngClient.float();
    const key = this.rngClient.pick(KEYS);
    const kind = r < 0.4 ? "r" : r < 0.75 ? "w" : "cas";
    const id = ++this.opSeq;
    const op: Op = { client: c, key, kind, call: this.sched.now, ret: Infinity, value: null, expect: null, ok: null, id };
    let done = false;
    const next = () => this.sched.after(this.rngClient.range(1, 30), () => this.clientLoop(c));
    let why = "";
    this.inflight.add(op);
    const finish = (outcome: "ok" | "fail" | "unknown", reason = "") => {
      why = reason;
      if (done) return;
      done = true;
      this.inflight.delete(op);
      if (outcome === "ok") op.ret = this.sched.now;
      if (outcome === "ok") this.clientLeader[c] = n.slot;
      else this.redirect(c, n);
      if (outcome !== "fail") this.history.push(op);
      if (process.env.SIM_DEBUG && (op.key === process.env.SIM_DEBUG || process.env.SIM_DEBUG === "*")) this.log(`op ${op.id} c${c} ${op.kind} ${op.value} on ${n.id} -> ${outcome} ${why}`);
      next();
    };
    this.sched.after(OP_TIMEOUT_MS, () => finish(op.kind === "r" ? "fail" : "unknown"));
    if (kind === "cas") op.expect = this.rngClient.chance(0.2) ? null : (this.lastWritten.get(key) ?? null);
    if (kind !== "r") op.value = `${c}-${id}`;
    if (!n.up || !n.driver) return finish("fail");
    n.run(n.incarnation, () => this.issue(n, op, finish));
  }

  private lastWritten = new Map<string, string>();

  private issue(n: SimNode, op: Op, finish: (o: "ok" | "fail" | "unknown", why?: string) => void): void {
    const d = n.driver!;
    if (op.kind === "r") {
      d.read((err) => {
        if (err) return finish("fail");
        op.value = n.kv.map.get(op.key) ?? null;
        finish("ok");
      });
      return;
    }
    const cmd: KvCommand = op.kind === "w" ? { t: "w", k: op.key, v: op.value!, id: op.id } : { t: "c", k: op.key, v: op.value!, e: op.expect, id: op.id };
    d.propose(encodeCommand(cmd), (err, res) => {
      if (err) {
        const code = (err as { code?: string }).code;
        return finish(code === "not_leader" || code === "dropped" ? "fail" : "unknown", code);
      }
      const ar = res as ApplyResult;
      if (op.kind === "cas") op.ok = ar.ok;
      if (ar.ok) this.lastWritten.set(op.key, op.value!);
      this.acked.push({ op, index: ar.index });
      finish("ok");
    });
  }

  /** After the faults: one write must succeed within the liveness bound. */
  private probe(attempt: number): void {
    if (this.probeDone) return;
    const n = this.leader() ?? this.nodes[attempt % this.nodes.length]!;
    const op: Op = { client: CLIENTS, key: "probe", kind: "w", call: this.sched.now, ret: Infinity, value: `p${attempt}`, expect: null, ok: null, id: ++this.opSeq };
    let settled = false;
    const retry = () => {
      if (settled) return;
      settled = true;
      this.sched.after(50, () => this.probe(attempt + 1));
    };
    this.sched.after(OP_TIMEOUT_MS, () => {
      if (!settled) this.history.push(op);
      retry();
    });
    if (!n.up || !n.driver) return;
    n.run(n.incarnation, () =>
      n.driver!.propose(encodeCommand({ t: "w", k: "probe", v: op.value!, id: op.id }), (err, res) => {
        if (settled) return;
        if (err) {
          if ((err as { code?: string }).code !== "not_leader" && (err as { code?: string }).code !== "dropped") this.history.push(op);
          return retry();
        }
        settled = true;
        op.ret = this.sched.now;
        this.history.push(op);
        this.acked.push({ op, index: (res as ApplyResult).index });
        this.probeDone = true;
        this.log(`probe write committed at index ${(res as ApplyResult).index}`);
      }),
    );
  }

  /** Membership: a node that rejoined with a new id is added as a learner, then replaces its old id. */
  private adminLoop(): void {
    this.sched.after(200, () => this.adminLoop());
    const l = this.leader();
    if (!l) return;
    const r = l.driver!.node;
    for (const [slot, oldIds] of this.replaced) {
      const n = this.nodes[slot]!;
      if (!n.up) continue;
      const step = (type: number, id: number, what: string) =>
        l.run(l.incarnation, () =>
          l.driver!.proposeConfChange({ type: type as 0 | 1 | 2, id }, (err) => {
            if (!err) this.log(`membership: ${what} committed`);
          }),
        );
      if (!isMember(r.conf, n.id)) return step(ConfChangeType.AddLearner, n.id, `add learner ${n.id}`);
      const caughtUp = n.id === r.id || (r.prs.get(n.id)?.match ?? 0) >= r.log.commit;
      if (!caughtUp) return;
      const old = oldIds.find((x) => isMember(r.conf, x));
      if (old !== undefined) return step(ConfChangeType.Remove, old, `remove ${old}`);
      if (!isVoter(r.conf, n.id)) return step(ConfChangeType.Promote, n.id, `promote ${n.id}`);
      // The leader's configuration may not be committed yet (and may still be truncated away).
      if (r.confIndex > r.log.commit) return;
      this.replaced.delete(slot);
      n.damaged = false;
      return;
    }
  }
}
