/**
 * A linearizability checker for a key-value history of reads, writes and compare-and-sets, in
 * the style of Porcupine / Knossos (Wing & Gong's search with Lowe's memoization): each key is a
 * register checked on its own (single-key operations compose, so partitioning by key is exact
 * and keeps the search small). An operation whose outcome is unknown (timed out) has its return
 * at infinity: it may take effect at any point after its call, or never.
 */
export interface Op {
  client: number;
  key: string;
  kind: "r" | "w" | "cas";
  call: number;
  /** Infinity when the outcome is unknown. */
  ret: number;
  /** w/cas: the new value; r: the value read. */
  value: string | null;
  /** cas: the expected value. */
  expect: string | null;
  /** cas: whether it succeeded (null: unknown). */
  ok: boolean | null;
  id: number;
}

export type Verdict = { ok: true } | { ok: false; key: string; ops: Op[] } | { ok: "unknown"; key: string };

function step(state: string | null, op: Op): [boolean, string | null] {
  switch (op.kind) {
    case "r":
      return [op.value === state, state];
    case "w":
      return [true, op.value];
    default: {
      const matches = state === op.expect;
      if (op.ok === null) return [true, matches ? op.value : state];
      if (op.ok !== matches) return [false, state];
      return [true, matches ? op.value : state];
    }
  }
}

interface Node {
  op: number;
  isCall: boolean;
  match: Node | null;
  prev: Node | null;
  next: Node | null;
}

/** Checks one key's history; `budget` bounds the search (then the verdict is "unknown"). */
export function checkRegister(ops: Op[], budget = 2_000_000): boolean | "unknown" {
  const evs: { t: number; call: boolean; i: number }[] = [];
  ops.forEach((o, i) => {
    evs.push({ t: o.call, call: true, i }, { t: o.ret, call: false, i });
  });
  evs.sort((a, b) => a.t - b.t || (a.call === b.call ? a.i - b.i : a.call ? -1 : 1));
  const head: Node = { op: -1, isCall: false, match: null, prev: null, next: null };
  let tail = head;
  const calls: Node[] = [];
  for (const e of evs) {
    const n: Node = { op: e.i, isCall: e.call, match: null, prev: tail, next: null };
    tail.next = n;
    tail = n;
    if (e.call) calls[e.i] = n;
    else calls[e.i]!.match = n;
  }
  const lift = (n: Node) => {
    n.prev!.next = n.next;
    if (n.next) n.next.prev = n.prev;
    const m = n.match!;
    m.prev!.next = m.next;
    if (m.next) m.next.prev = m.prev;
  };
  const unlift = (n: Node) => {
    const m = n.match!;
    m.prev!.next = m;
    if (m.next) m.next.prev = m;
    n.prev!.next = n;
    if (n.next) n.next.prev = n;
  };
  const seen = new Set<string>();
  const stack: { n: Node; state: string | null }[] = [];
  let lin = 0n;
  let state: string | null = null;
  let entry = head.next;
  let steps = 0;
  while (entry) {
    if (++steps > budget) return "unknown";
    if (entry.isCall) {
      const [ok, next] = step(state, ops[entry.op]!);
      if (ok) {
        const nl = lin | (1n << BigInt(entry.op));
        const key = `${nl.toString(36)}|${next}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ n: entry, state });
          state = next;
          lin = nl;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      const top = stack.pop();
      if (!top) return false;
      lin &= ~(1n << BigInt(top.n.op));
      state = top.state;
      unlift(top.n);
      entry = top.n.next;
    }
  }
  return true;
}

/** Checks a whole history, key by key. */
export function checkHistory(ops: Op[]): Verdict {
  const byKey = new Map<string, Op[]>();
  for (const o of ops) {
    let l = byKey.get(o.key);
    if (!l) byKey.set(o.key, (l = []));
    l.push(o);
  }
  for (const key of [...byKey.keys()].sort()) {
    const r = checkRegister(byKey.get(key)!);
    if (r === "unknown") return { ok: "unknown", key };
    if (!r) return { ok: false, key, ops: byKey.get(key)! };
  }
  return { ok: true };
}
