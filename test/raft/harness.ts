/**
 * A synchronous in-memory group of RaftNodes for unit tests (etcd raft's `network`): every Ready
 * is "persisted" at once, its messages delivered in order, unless a link is cut.
 */
import { RaftNode, type RaftOptions, type RaftRestore } from "../../src/raft/raft.js";
import { EntryType, type Entry, type Message, type ReadState } from "../../src/raft/types.js";
import { prng } from "../helpers/prng.js";

export function ents(terms: number[], from = 1): Entry[] {
  return terms.map((term, i) => ({ index: from + i, term, type: EntryType.Normal, data: Buffer.from(`e${from + i}`) }));
}

export function restoreOf(voters: number[], terms: number[] = [], term = 0, vote = 0): RaftRestore {
  return {
    hardState: { term: Math.max(term, ...terms, 0), vote, recovering: false },
    snapshot: { meta: { index: 0, term: 0, conf: { voters, learners: [] } }, data: new Uint8Array(0) },
    entries: ents(terms),
  };
}

export class Group {
  nodes = new Map<number, RaftNode>();
  cut = new Set<string>();
  applied = new Map<number, Entry[]>();
  readStates = new Map<number, ReadState[]>();
  delivered: Message[] = [];

  constructor(ids: number[], opts: Partial<RaftOptions> = {}, restore?: (id: number) => RaftRestore) {
    for (const id of ids) this.add(id, opts, restore ? restore(id) : restoreOf(ids));
  }

  add(id: number, opts: Partial<RaftOptions>, r: RaftRestore): RaftNode {
    const n = new RaftNode({ id, group: "t", random: prng(id * 7919), electionTicks: 10, heartbeatTicks: 1, ...opts }, r);
    this.nodes.set(id, n);
    this.applied.set(id, []);
    this.readStates.set(id, []);
    return n;
  }

  get(id: number): RaftNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  isolate(id: number): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Runs every node's Ready and delivers messages until quiet. */
  settle(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const msgs: Message[] = [];
      for (const [id, n] of this.nodes) {
        if (!n.hasReady()) continue;
        const rd = n.ready();
        msgs.push(...rd.messages);
        this.applied.get(id)!.push(...rd.committed);
        this.readStates.get(id)!.push(...rd.readStates);
        n.advance(rd);
      }
      if (msgs.length === 0) {
        let more = false;
        for (const n of this.nodes.values()) more ||= n.hasReady();
        if (!more) return;
      }
      for (const m of msgs) {
        if (this.cut.has(`${m.from}>${m.to}`)) continue;
        const to = this.nodes.get(m.to);
        if (!to) continue;
        this.delivered.push(m);
        to.step(m);
      }
    }
    throw new Error("group did not settle");
  }

  tick(id: number, n = 1): void {
    for (let i = 0; i < n; i++) {
      this.get(id).tick();
      this.settle();
    }
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.tick();
      this.settle();
    }
  }

  elect(id: number): RaftNode {
    this.get(id).campaignNow();
    this.settle();
    return this.get(id);
  }

  leaders(): number[] {
    return [...this.nodes.values()].filter((n) => n.role === 3).map((n) => n.id);
  }

  logTerms(id: number): number[] {
    const l = this.get(id).log;
    return l.entries.map((e) => e.term);
  }
}
