/**
 * The waiting room of the bcrypt checks: bounded in total and per source (a remote
 * address), served round-robin across sources, so one address flooding the server with
 * logins cannot fill it or make everyone else wait behind it. Items that have become
 * worthless (`isDead`: their connection has gone) are dropped before they are served and
 * whenever room is needed, so they never cost a check. Pure: no I/O, no clock.
 */
export class FairQueue<T> {
  /** Waiting items by source; the Map's order is the round-robin order. */
  private readonly sources = new Map<string, T[]>();
  private count = 0;

  constructor(
    readonly maxTotal: number,
    readonly maxPerSource: number,
    private readonly isDead: (item: T) => boolean,
  ) {}

  /** Items waiting (dead ones not yet dropped included). */
  get size(): number {
    return this.count;
  }

  /**
   * Queues `item` from `source`; false when that source already has `maxPerSource` live
   * items waiting, or the queue has `maxTotal`.
   */
  push(source: string, item: T): boolean {
    if (this.waiting(source) >= this.maxPerSource) this.dropDead(source);
    if (this.waiting(source) >= this.maxPerSource) return false;
    if (this.count >= this.maxTotal) for (const s of [...this.sources.keys()]) this.dropDead(s);
    if (this.count >= this.maxTotal) return false;
    const list = this.sources.get(source);
    if (list !== undefined) list.push(item);
    else this.sources.set(source, [item]);
    this.count++;
    return true;
  }

  /** The next live item, one source after the other; undefined when none is left. */
  shift(): T | undefined {
    for (const [source, list] of this.sources) {
      this.sources.delete(source);
      let item: T | undefined;
      while (item === undefined && list.length > 0) {
        const next = list.shift()!;
        this.count--;
        if (!this.isDead(next)) item = next;
      }
      // Served (or emptied): the source goes to the back of the line.
      if (list.length > 0) this.sources.set(source, list);
      if (item !== undefined) return item;
    }
    return undefined;
  }

  private waiting(source: string): number {
    return this.sources.get(source)?.length ?? 0;
  }

  /** Drops the dead items of one source, keeping the order of the others. */
  private dropDead(source: string): void {
    const list = this.sources.get(source);
    if (list === undefined) return;
    let kept = 0;
    for (const x of list) if (!this.isDead(x)) list[kept++] = x;
    this.count -= list.length - kept;
    list.length = kept;
    if (kept === 0) this.sources.delete(source);
  }
}
