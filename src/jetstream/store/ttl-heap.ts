/**
 * Per-message TTL deadlines (nats-server 2.11 `Nats-TTL`): a binary min-heap of
 * (expiry time, sequence) in parallel arrays. Removals are lazy: an entry whose message is
 * already gone is skipped when it reaches the top. nats-server uses a hash wheel; a heap
 * keeps the next deadline exact and costs O(log n) per message.
 */
export class TtlHeap {
  private at: number[] = [];
  private seqs: number[] = [];

  get size(): number {
    return this.at.length;
  }

  /** Earliest deadline (ms since the epoch), or Infinity. */
  peekAt(): number {
    return this.at.length > 0 ? this.at[0]! : Infinity;
  }

  /** Sequence of the earliest deadline (only valid when size > 0). */
  peekSeq(): number {
    return this.seqs[0]!;
  }

  push(atMs: number, seq: number): void {
    const at = this.at;
    const seqs = this.seqs;
    let i = at.length;
    at.push(atMs);
    seqs.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (at[parent]! <= atMs) break;
      at[i] = at[parent]!;
      seqs[i] = seqs[parent]!;
      i = parent;
    }
    at[i] = atMs;
    seqs[i] = seq;
  }

  /** Removes the earliest entry. */
  pop(): void {
    const at = this.at;
    const seqs = this.seqs;
    const lastAt = at.pop()!;
    const lastSeq = seqs.pop()!;
    const n = at.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && at[c + 1]! < at[c]!) c++;
      if (at[c]! >= lastAt) break;
      at[i] = at[c]!;
      seqs[i] = seqs[c]!;
      i = c;
    }
    at[i] = lastAt;
    seqs[i] = lastSeq;
  }

  clear(): void {
    this.at = [];
    this.seqs = [];
  }

  /** All entries, unordered (for persisting). */
  entries(): { at: readonly number[]; seqs: readonly number[] } {
    return { at: this.at, seqs: this.seqs };
  }
}

/**
 * Parses a `Nats-TTL` header value into seconds: a Go duration ("10s", "1h30m", "1.5h") or
 * plain seconds; "never" is -1. Returns null when invalid or under one second, as
 * nats-server's parseMessageTTL rejects those.
 */
export function parseMessageTtl(value: string): number | null {
  const v = value.trim();
  if (v.toLowerCase() === "never") return -1;
  if (/^\d+$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== v.length || total < 1) return null;
  return Math.floor(total);
}

/** The `Nats-TTL` value in a header block, or null (byte-level scan, no parsing of others). */
export function ttlHeaderValue(hdr: Buffer): string | null {
  const text = hdr.toString("latin1");
  const re = /\r\nNats-TTL:[ \t]*([^\r\n]*)/;
  const m = re.exec(text);
  return m ? m[1]!.trim() : null;
}
