/**
 * The bystander check: no store operation holds the event loop for long. Big work (opening and
 * rebuilding a large store, the checksum scrub, compaction) runs in slices; bulk removals
 * (purge, compact, truncate of a million messages; purgeEx of 100k) are single tight loops.
 *
 * Measured as CPU time (process.cpuUsage) per event-loop turn, not wall time, so other
 * processes on a loaded machine do not count; CPU time also counts GC and libuv threads, so
 * the bound is 40 ms for a 20 ms target. A measurement over the bound is repeated (up to three
 * attempts, the best counts): a real stall shows every time, contention noise does not. The
 * loads are bounded (300k messages on disk, 1M in memory); STORE_BYSTANDER_MSGS raises the
 * file store's.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { defaultStreamStoreConfig, FileStore, MemoryStore } from "../../../src/jetstream/store/index.js";

const LIMIT_MS = 40;
const FILE_MSGS = Number(process.env.STORE_BYSTANDER_MSGS ?? 300_000);
const MEM_MSGS = 1_000_000;
const root = mkdtempSync(join(tmpdir(), "tsnats-by-"));
after(() => rmSync(root, { recursive: true, force: true }));
const CFG = defaultStreamStoreConfig({ name: "B", subjects: ["s.>"] });
const body = Buffer.alloc(16, 1);

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs `work` while a probe records the CPU time of each event-loop turn; returns the largest. */
async function maxTurnCpu(work: () => Promise<void>): Promise<number> {
  let max = 0;
  let last = cpuMs();
  let running = true;
  const probe = (): void => {
    const now = cpuMs();
    if (now - last > max) max = now - last;
    last = now;
    if (running) setImmediate(probe);
  };
  setImmediate(probe);
  try {
    await work();
  } finally {
    running = false;
  }
  return max;
}

function syncCpu(fn: () => void): number {
  const c0 = cpuMs();
  fn();
  return cpuMs() - c0;
}

async function fill(s: FileStore | MemoryStore, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    s.storeMsg(`s.${i % 1000}`, null, body, 0);
    if (i % 20_000 === 0) await new Promise((r) => setImmediate(r));
  }
}

describe("bystander: the event loop stays free", () => {
  test(`file store of ${FILE_MSGS} messages: open, rebuild, scrub, compaction, purge`, async () => {
    const dir = join(root, "f");
    let s = await FileStore.open(CFG, { dir });
    await fill(s, FILE_MSGS);
    await s.stop();
    const report: Record<string, number> = {};
    report.openFromIndex = await maxTurnCpu(async () => {
      s = await FileStore.open(CFG, { dir });
      await s.scrubbed;
    });
    assert.equal(s.state().msgs, FILE_MSGS);
    await s.stop();
    rmSync(join(dir, "msgs", "index.db"));
    report.rebuild = await maxTurnCpu(async () => {
      s = await FileStore.open(CFG, { dir });
    });
    assert.equal(s.state().msgs, FILE_MSGS);
    report.removeAndCompact = Infinity;
    for (let attempt = 0; attempt < 3 && report.removeAndCompact >= LIMIT_MS; attempt++) {
      // Each attempt removes 3/4 of a fresh batch, so blocks fill up with dead bytes and compact.
      const from = s.state().lastSeq + 1;
      if (attempt > 0) await fill(s, FILE_MSGS / 2);
      const to = s.state().lastSeq;
      const ms = await maxTurnCpu(async () => {
        for (let seq = from; seq <= to; seq++) {
          if (seq % 4 !== 0) s.removeMsg(seq);
          if (seq % 200 === 0) await new Promise((r) => setImmediate(r));
        }
        await s.compactionIdle();
      });
      report.removeAndCompact = Math.min(report.removeAndCompact, ms);
    }
    report.purge = syncCpu(() => s.purge());
    await s.stop();
    for (const [what, ms] of Object.entries(report)) assert.ok(ms < LIMIT_MS, `${what}: ${ms.toFixed(1)} ms CPU in one turn`);
  });

  test(`memory store of ${MEM_MSGS} messages: purge, compact, purgeEx, truncate`, async () => {
    const mk = async (): Promise<MemoryStore> => {
      const m = new MemoryStore(CFG);
      await fill(m, MEM_MSGS);
      return m;
    };
    const report: Record<string, number> = {};
    const best = (what: string, ms: number): void => {
      report[what] = Math.min(report[what] ?? Infinity, ms);
    };
    for (let attempt = 0; attempt < 3 && (attempt === 0 || Object.values(report).some((v) => v >= LIMIT_MS)); attempt++) {
      let m = await mk();
      best("purge", syncCpu(() => assert.equal(m.purge(), MEM_MSGS)));
      m = await mk();
      // purgeEx removes message by message (~100-150 ns of CPU each): 100k per call here.
      best("purgeEx100k", syncCpu(() => m.purgeEx("s.*", 100_001, 0)));
      best("compactHalf", syncCpu(() => m.compact(MEM_MSGS / 2)));
      best("truncateQuarter", syncCpu(() => m.truncate((MEM_MSGS * 3) / 4)));
      best("lastBySubject", syncCpu(() => {
        for (let i = 0; i < 10_000; i++) m.loadLastMsg(`s.${i % 1000}`);
      }));
    }
    for (const [what, ms] of Object.entries(report)) assert.ok(ms < LIMIT_MS, `${what}: ${ms.toFixed(1)} ms CPU`);
  });
});
