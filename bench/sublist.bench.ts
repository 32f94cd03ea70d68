/**
 * Micro-benchmark of the sublist: match on hot subjects (cache hit), cache misses, insert/remove
 * churn, and a request/reply mix comparing cache strategies.
 *
 *   node dist/bench/sublist.bench.js [msPerCase]     (default 400 ms per case, ~6 s in all)
 *
 * Prints ops/s per case. The "flush" variant clears the whole cache on every insert/remove:
 * it is what the patching strategy in Sublist is measured against.
 */
import { Sublist, type SublistSub } from "../src/sublist/index.js";

class Sub implements SublistSub {
  constructor(readonly subject: string, readonly queue: string | null = null) {}
}

/** Invalidate-everything variant, for comparison only. */
class FlushSublist<S extends SublistSub> extends Sublist<S> {
  protected override cacheInsert(): void {
    this.cache?.clear();
  }

  protected override cacheRemove(): void {
    this.cache?.clear();
  }
}

const msPerCase = Number(process.argv[2] ?? 400);
let sink = 0;

/** Runs `fn(i)` in rounds until `msPerCase` elapsed; returns ops/s. */
function measure(name: string, fn: (i: number) => void): number {
  for (let i = 0; i < 2000; i++) fn(i); // warm up
  let ops = 0;
  const start = process.hrtime.bigint();
  const budgetNs = BigInt(msPerCase) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budgetNs) {
    for (let j = 0; j < 1000; j++) fn(ops++);
    elapsed = process.hrtime.bigint() - start;
  }
  const opsPerSec = (ops * 1e9) / Number(elapsed);
  console.log(`${name.padEnd(58)} ${Math.round(opsPerSec).toLocaleString("en-US").padStart(14)} ops/s`);
  return opsPerSec;
}

/** ~3,300 subscriptions: literals, `*` and `>` wildcards, queue groups, like a busy account. */
function populate(s: Sublist<Sub>): void {
  for (let i = 0; i < 2000; i++) s.insert(new Sub(`orders.${i % 50}.item.${i}`));
  for (let i = 0; i < 500; i++) s.insert(new Sub(`orders.${i % 50}.*.${i}`));
  for (let i = 0; i < 50; i++) s.insert(new Sub(`orders.${i}.>`));
  for (let i = 0; i < 200; i++) s.insert(new Sub(`svc.${i % 20}.req`, `workers${i % 4}`));
  for (let i = 0; i < 500; i++) s.insert(new Sub(`_INBOX.conn${i}.*`));
  s.insert(new Sub(">"));
  for (let i = 0; i < 20; i++) s.insert(new Sub("orders.7.item.7"));
}

const HOT = ["orders.7.item.7", "svc.3.req", "orders.1.item.1", "metrics.cpu"];

function main(): void {
  console.log(`sublist micro-benchmark, ${msPerCase} ms per case, node ${process.version}`);
  const cached = new Sublist<Sub>();
  const uncached = new Sublist<Sub>({ cache: false });
  populate(cached);
  populate(uncached);
  console.log(`subscriptions: ${cached.count()}`);

  measure("match hot literal subjects, cache hit", (i) => {
    sink += cached.match(HOT[i & 3] as string).psubs.length;
  });
  measure("match hot literal subjects, no cache (trie walk)", (i) => {
    sink += uncached.match(HOT[i & 3] as string).psubs.length;
  });
  const missSubjects = Array.from({ length: 65536 }, (_, i) => `orders.${i % 50}.item.x${i}`);
  measure("match, cache miss (unique subjects, sweeps included)", (i) => {
    sink += cached.match(missSubjects[i & 65535] as string).psubs.length;
  });
  measure("hasInterest, uncached subjects", (i) => {
    sink += uncached.hasInterest(missSubjects[i & 65535] as string) ? 1 : 0;
  });

  const inboxes = Array.from({ length: 4096 }, (_, i) => new Sub(`_INBOX.req${i}`));
  const muxes = Array.from({ length: 4096 }, (_, i) => new Sub(`_INBOX.mux${i}.*`));
  measure("insert+remove literal _INBOX sub (cache on)", (i) => {
    const sub = inboxes[i & 4095] as Sub;
    cached.insert(sub);
    cached.remove(sub);
  });
  measure("insert+remove wildcard _INBOX.x.* sub (cache on, full cache)", (i) => {
    const sub = muxes[i & 4095] as Sub;
    cached.insert(sub);
    cached.remove(sub);
  });

  // Request/reply: per request a reply subscription comes and goes, the service subject is hot
  // and each reply goes to a one-off inbox subject.
  const variants: [string, Sublist<Sub>][] = [
    ["patch (Sublist)", new Sublist<Sub>()],
    ["flush on change", new FlushSublist<Sub>()],
    ["no cache", new Sublist<Sub>({ cache: false })],
  ];
  for (const [name, s] of variants) {
    populate(s);
    const hot = HOT[1] as string;
    measure(`request/reply mix, ${name}`, (i) => {
      const sub = inboxes[i & 4095] as Sub;
      s.insert(sub);
      for (let k = 0; k < 8; k++) sink += s.match(hot).qsubs.length; // publishes to the service
      sink += s.match(sub.subject).psubs.length; // the reply
      s.remove(sub);
    });
    const st = s.stats();
    console.log(`    cache hit rate ${(st.cacheHitRate * 100).toFixed(1)}%, cached subjects ${st.numCache}`);
  }
  if (sink === -1) console.log(sink);
}

main();
