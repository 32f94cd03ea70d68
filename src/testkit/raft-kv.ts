/**
 * A replicated key-value register over one Raft group, for real-process tests of the Raft
 * layer: clients write, compare-and-set and read (linearizably, by read-index) with NATS
 * request/reply on `$TSKV.<group>.<member id>` in the global account. Every member answers
 * its own subject; a follower answers `not_leader` with the leader's id so a client retries
 * there. Test-only: not reachable from server options (src/testkit/raft-kv-server.ts runs it).
 *
 * Requests and replies are JSON:
 *   {"op":"w","k":K,"v":V,"id":N}          -> {"index":I}
 *   {"op":"c","k":K,"v":V,"e":E|null,"id":N} -> {"index":I,"swapped":bool}
 *   {"op":"r","k":K}                        -> {"value":V|null}
 *   {"op":"state"}                          -> this member's applied state (no consensus), for checkers
 *   errors                                  -> {"error":"not_leader"|"dropped"|"stopped"|..., "leader":id}
 */
import type { RaftDriver, StateMachine } from "../raft/driver.js";
import { EntryType, Role, ROLE_NAMES, type Entry, type Snapshot } from "../raft/types.js";
import type { Server } from "../server/server.js";

export const KV_SUBJECT_PREFIX = "$TSKV";

export interface KvWrite {
  /** w: write, c: compare-and-set */
  t: "w" | "c";
  k: string;
  v: string;
  /** cas: the expected current value (null: absent) */
  e: string | null;
  /** the client's operation id, recorded so a checker can find every acknowledged write */
  id: number;
}

export interface KvApplied {
  index: number;
  swapped: boolean;
}

/** The replicated state: the map, and the ids of the writes applied (in order). */
export class KvRegister implements StateMachine {
  map = new Map<string, string>();
  ids: number[] = [];
  applied = 0;

  apply(e: Entry): unknown {
    this.applied = e.index;
    if (e.type !== EntryType.Normal || e.data.length === 0) return undefined;
    const w = JSON.parse(Buffer.from(e.data).toString("utf8")) as KvWrite;
    this.ids.push(w.id);
    const swapped = w.t === "w" || (this.map.get(w.k) ?? null) === w.e;
    if (swapped) this.map.set(w.k, w.v);
    return { index: e.index, swapped } satisfies KvApplied;
  }

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify({ map: [...this.map.entries()], ids: this.ids }));
  }

  restore(s: Snapshot): void {
    this.applied = s.meta.index;
    if (s.data.length === 0) {
      this.map = new Map();
      this.ids = [];
      return;
    }
    const st = JSON.parse(Buffer.from(s.data).toString("utf8")) as { map: [string, string][]; ids: number[] };
    this.map = new Map(st.map);
    this.ids = st.ids;
  }
}

interface KvRequest {
  op?: unknown;
  k?: unknown;
  v?: unknown;
  e?: unknown;
  id?: unknown;
}

/** Answers the KV requests of one group member. */
export class KvService {
  private readonly server: Server;
  private readonly driver: RaftDriver;
  private readonly sm: KvRegister;

  constructor(server: Server, driver: RaftDriver, sm: KvRegister) {
    this.server = server;
    this.driver = driver;
    this.sm = sm;
    const subject = `${KV_SUBJECT_PREFIX}.${driver.node.group}.${driver.id}`;
    server.subscribeInternal(server.globalAccount, subject, (_s, reply, _hdr, data) => this.handle(reply, data));
  }

  private respond(reply: string, body: unknown): void {
    if (reply === "") return;
    this.server.publishInternal(this.server.globalAccount, reply, "", Buffer.from(`${JSON.stringify(body)}\r\n`, "utf8"), -1);
  }

  private fail(reply: string, err: Error & { code?: string }): void {
    this.respond(reply, { error: err.code ?? err.message, leader: this.driver.node.lead });
  }

  private handle(reply: string, data: Buffer): void {
    let req: KvRequest | null;
    try {
      req = JSON.parse(data.toString("utf8")) as KvRequest | null;
    } catch {
      req = null;
    }
    if (typeof req !== "object" || req === null) return this.respond(reply, { error: "bad request" });
    if (req.op === "state") return this.respond(reply, this.state());
    if (typeof req.k !== "string") return this.respond(reply, { error: "bad request" });
    if (req.op === "r") return this.read(reply, req.k);
    const e = req.e === undefined || req.e === null ? null : String(req.e);
    if ((req.op !== "w" && req.op !== "c") || typeof req.v !== "string" || typeof req.id !== "number") {
      return this.respond(reply, { error: "bad request" });
    }
    const w: KvWrite = { t: req.op, k: req.k, v: req.v, e, id: req.id };
    this.driver.propose(Buffer.from(JSON.stringify(w)), (err, result) => {
      if (err) return this.fail(reply, err);
      this.respond(reply, result as KvApplied);
    });
  }

  private read(reply: string, k: string): void {
    this.driver.read((err) => {
      if (err) return this.fail(reply, err);
      this.respond(reply, { value: this.sm.map.get(k) ?? null });
    });
  }

  private state(): unknown {
    const n = this.driver.node;
    return {
      id: n.id,
      role: ROLE_NAMES[n.role],
      leader: n.role === Role.Leader ? n.id : n.lead,
      term: n.term,
      commit: n.log.commit,
      applied: this.sm.applied,
      recovering: n.recovering,
      map: Object.fromEntries([...this.sm.map.entries()].sort()),
      ids: this.sm.ids,
    };
  }
}
