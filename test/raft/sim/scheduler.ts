/** A discrete-event scheduler over virtual milliseconds: events run in (time, insertion) order. */
interface Ev {
  time: number;
  seq: number;
  fn: () => void;
}

export class Scheduler {
  now = 0;
  private seq = 0;
  private heap: Ev[] = [];
  events = 0;

  at(time: number, fn: () => void): void {
    const ev = { time: Math.max(time, this.now), seq: this.seq++, fn };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, ev)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = ev;
  }

  after(delayMs: number, fn: () => void): void {
    this.at(this.now + delayMs, fn);
  }

  /** Runs events up to `time` (inclusive), or until `stop()` returns true. */
  runUntil(time: number, stop: () => boolean = () => false): void {
    while (this.heap.length > 0 && this.heap[0]!.time <= time) {
      const ev = this.pop();
      this.now = ev.time;
      this.events++;
      ev.fn();
      if (stop()) return;
    }
    this.now = Math.max(this.now, time);
  }

  private pop(): Ev {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && less(h[r]!, h[l]!) ? r : l;
        if (less(last, h[c]!)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function less(a: Ev, b: Ev): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
