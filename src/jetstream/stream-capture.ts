/**
 * Small pieces of a stream's capture path, kept allocation-free per message: the subject
 * string of a published message (one string per run of equal subjects), and the queue of
 * publish acks waiting for their message to become durable.
 */
import type { PubArg } from "../protocol/pub-arg.js";

/** Longest subject remembered by {@link SubjectMemo}. */
const MEMO_MAX = 256;

/** The subject of a PubArg as a latin1 string, reusing the last one when the bytes repeat. */
export class SubjectMemo {
  private readonly bytes = Buffer.allocUnsafe(MEMO_MAX);
  private len = -1;
  private last = "";

  of(pa: PubArg): string {
    const arg = pa.arg;
    const start = pa.subjectStart;
    const n = pa.subjectEnd - start;
    if (n === this.len) {
      const b = this.bytes;
      let i = 0;
      while (i < n && b[i] === arg[start + i]) i++;
      if (i === n) return this.last;
    }
    const s = arg.toString("latin1", start, pa.subjectEnd);
    if (n <= MEMO_MAX) {
      arg.copy(this.bytes, 0, start, pa.subjectEnd);
      this.len = n;
      this.last = s;
    }
    return s;
  }
}

/**
 * Publish acks (sequence, reply subject) in sequence order, waiting for durability: two
 * parallel arrays consumed from a head index, compacted once half is consumed.
 */
export class AckQueue {
  private seqs: number[] = [];
  private replies: string[] = [];
  private head = 0;

  get length(): number {
    return this.seqs.length - this.head;
  }

  push(seq: number, reply: string): void {
    this.seqs.push(seq);
    this.replies.push(reply);
  }

  headSeq(): number {
    return this.seqs[this.head]!;
  }

  headReply(): string {
    return this.replies[this.head]!;
  }

  /** Removes the head entry; returns its sequence. */
  shift(): number {
    const seq = this.seqs[this.head]!;
    this.replies[this.head] = "";
    this.head++;
    if (this.head === this.seqs.length) {
      this.seqs.length = 0;
      this.replies.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.replies = this.replies.slice(this.head);
      this.head = 0;
    }
    return seq;
  }

  /** Removes every entry with a sequence from `seq` on, calling `each` with its reply. */
  dropFrom(seq: number, each: (reply: string) => void): void {
    const keepSeqs: number[] = [];
    const keepReplies: string[] = [];
    for (let i = this.head; i < this.seqs.length; i++) {
      if (this.seqs[i]! >= seq) each(this.replies[i]!);
      else {
        keepSeqs.push(this.seqs[i]!);
        keepReplies.push(this.replies[i]!);
      }
    }
    this.seqs = keepSeqs;
    this.replies = keepReplies;
    this.head = 0;
  }
}
