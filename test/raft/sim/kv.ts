/** The simulator's replicated state machine: a string map with write and compare-and-set. */
import type { StateMachine } from "../../../src/raft/driver.js";
import type { Entry, Snapshot } from "../../../src/raft/types.js";
import { EntryType } from "../../../src/raft/types.js";

export interface KvCommand {
  /** w: write, c: compare-and-set */
  t: "w" | "c";
  k: string;
  v: string;
  /** cas: the expected current value (null: absent) */
  e?: string | null;
  /** operation id (unique per run) */
  id: number;
}

export interface ApplyResult {
  ok: boolean;
  index: number;
}

export function encodeCommand(c: KvCommand): Uint8Array {
  return Buffer.from(JSON.stringify(c));
}

export class KvMachine implements StateMachine {
  map = new Map<string, string>();
  /** Called for every committed entry applied here (the simulator's invariant hooks). */
  onApply: (e: Entry, c: KvCommand | null) => void = () => undefined;
  onRestore: (s: Snapshot) => void = () => undefined;

  /** Returns, for a command, whether it took effect and the index it was applied at. */
  apply(e: Entry): unknown {
    const isCmd = e.type === EntryType.Normal && e.data.length > 0;
    const c = isCmd ? (JSON.parse(Buffer.from(e.data).toString()) as KvCommand) : null;
    this.onApply(e, c);
    if (!c) return undefined;
    let ok = true;
    if (c.t === "w") this.map.set(c.k, c.v);
    else if ((this.map.get(c.k) ?? null) === c.e) this.map.set(c.k, c.v);
    else ok = false;
    return { ok, index: e.index } satisfies ApplyResult;
  }

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify([...this.map.entries()].sort()));
  }

  restore(s: Snapshot): void {
    this.map = new Map(s.data.length > 0 ? (JSON.parse(Buffer.from(s.data).toString()) as [string, string][]) : []);
    this.onRestore(s);
  }

  dump(): string {
    return JSON.stringify([...this.map.entries()].sort());
  }
}
