/**
 * Clients of the replicated KV register in a real-process group: each runs writes, compare-and-
 * sets and linearizable reads on a few keys, following the leader hint in `not_leader` replies,
 * and records a history for the linearizability checker (test/raft/sim/linearizability.ts).
 * A request that times out (or fails at the client) has an unknown outcome: its return is at
 * infinity. A refusal (not_leader, dropped) took no effect and is left out.
 */
import { performance } from "node:perf_hooks";
import { checkHistory, type Op, type Verdict } from "../raft/sim/linearizability.js";
import type { KvCluster, KvState } from "./kv-cluster.js";

const KEYS = ["a", "b", "c"];
/** Replies that say the operation took no effect. */
const REFUSALS = new Set(["not_leader", "dropped", "conf_change", "bad request"]);

interface Reply {
  error?: string;
  leader?: number;
  index?: number;
  swapped?: boolean;
  value?: string | null;
}

export class Workload {
  readonly ops: Op[] = [];
  /** Ids of the writes and CASes whose outcome the group acknowledged. */
  readonly acked = new Set<number>();
  readonly issued = new Set<number>();
  refused = 0;
  private nextId = 1;
  private hint = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly cluster: KvCluster;
  private readonly rng: () => number;
  private readonly timeoutMs: number;

  constructor(cluster: KvCluster, rng: () => number, timeoutMs = 3000) {
    this.cluster = cluster;
    this.rng = rng;
    this.timeoutMs = timeoutMs;
  }

  start(clients: number): void {
    this.running = true;
    for (let c = 0; c < clients; c++) this.loops.push(this.loop(c));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Operations whose outcome is known (acknowledged). */
  get completed(): number {
    return this.ops.filter((o) => o.ret !== Infinity).length;
  }

  private target(): number {
    const ids = this.cluster.nodes.map((n) => n.id).filter((id) => this.cluster.isUp(id));
    if (this.hint !== 0 && ids.includes(this.hint)) return this.hint;
    return ids.length > 0 ? ids[Math.floor(this.rng() * ids.length)]! : 1;
  }

  private async loop(client: number): Promise<void> {
    while (this.running) {
      const ok = await this.one(client);
      // Back off a little when the group cannot take it (no leader, node down).
      await new Promise((r) => setTimeout(r, ok ? 2 : 50));
    }
  }

  /** Runs one random operation; false when it did not complete. */
  async one(client: number): Promise<boolean> {
    const r = this.rng();
    const key = KEYS[Math.floor(this.rng() * KEYS.length)]!;
    const id = this.nextId++;
    const kind: Op["kind"] = r < 0.4 ? "r" : r < 0.8 ? "w" : "cas";
    const op: Op = { client, key, kind, call: 0, ret: Infinity, value: null, expect: null, ok: null, id };
    let body: Record<string, unknown> = { op: "r", k: key };
    if (kind !== "r") {
      op.value = `v${id}`;
      body = { op: kind === "w" ? "w" : "c", k: key, v: op.value, id };
      if (kind === "cas") {
        op.expect = this.rng() < 0.2 ? null : `v${Math.max(1, id - 1 - Math.floor(this.rng() * 8))}`;
        body.e = op.expect;
      }
      this.issued.add(id);
    }
    const target = this.target();
    const nc = this.cluster.node(target).nc;
    if (nc === null) return false;
    op.call = performance.now();
    let reply: Reply;
    try {
      const m = await nc.request(`$TSKV.kv.${target}`, JSON.stringify(body), { timeout: this.timeoutMs });
      reply = m.json<Reply>();
    } catch {
      this.hint = 0;
      if (kind !== "r") this.ops.push(op);
      return false;
    }
    return this.record(op, reply, target);
  }

  private record(op: Op, reply: Reply, target: number): boolean {
    if (reply.error !== undefined) {
      this.hint = reply.leader ?? 0;
      if (REFUSALS.has(reply.error)) {
        this.refused++;
        return false;
      }
      if (op.kind !== "r") this.ops.push(op);
      return false;
    }
    this.hint = target;
    op.ret = performance.now();
    if (op.kind === "r") op.value = reply.value ?? null;
    if (op.kind === "cas") op.ok = reply.swapped === true;
    if (op.kind !== "r") this.acked.add(op.id);
    this.ops.push(op);
    return true;
  }

  /** Writes until one commits (the group makes progress). */
  async progress(deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (Date.now() < end) {
      const before = this.completed;
      await this.one(99);
      if (this.completed > before) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no operation completed within ${deadlineMs} ms after the faults ended`);
  }

  check(): Verdict {
    return checkHistory(this.ops);
  }

  /**
   * Every acknowledged write is in the applied log of every node, applied once, and nothing
   * the clients did not issue was applied.
   */
  checkDurable(states: KvState[]): string[] {
    const problems: string[] = [];
    for (const s of states) {
      const seen = new Set<number>();
      for (const id of s.ids) {
        if (seen.has(id)) problems.push(`node ${s.id}: write ${id} applied twice`);
        if (!this.issued.has(id)) problems.push(`node ${s.id}: applied write ${id} that no client issued`);
        seen.add(id);
      }
      const lost = [...this.acked].filter((id) => !seen.has(id));
      if (lost.length > 0) problems.push(`node ${s.id}: ${lost.length} acknowledged writes missing, e.g. ${lost.slice(0, 5).join(", ")}`);
    }
    return problems;
  }
}
