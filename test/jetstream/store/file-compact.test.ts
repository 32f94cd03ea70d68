/**
 * Compaction: blocks mostly made of removed messages are rewritten to give the space back,
 * without losing a live message or bringing back a removed one, also when removals and erases
 * happen while the rewritten copy is being fsynced.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { defaultStreamStoreConfig, FileStore } from "../../../src/jetstream/store/index.js";
import { waitFor } from "../../helpers/wait-for.js";
import { FaultyFs } from "./faulty-fs.js";

const root = mkdtempSync(join(tmpdir(), "tsnats-fsc-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const CFG = defaultStreamStoreConfig({ name: "K", subjects: ["k.>"] });
const open = (dir: string, fs = new FaultyFs()): Promise<FileStore> =>
  FileStore.open(CFG, { dir, blockSize: 64 * 1024, fs });

const blockBytes = (dir: string): number =>
  readdirSync(join(dir, "msgs")).filter((f) => f.endsWith(".blk")).reduce((t, f) => t + statSync(join(dir, "msgs", f)).size, 0);

async function fill(s: FileStore, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) s.storeMsg(`k.${i % 10}`, null, Buffer.from(`msg-${i}-`.padEnd(100, "z")), 0);
  await s.waitDurable(count);
}

function checkLive(s: FileStore, live: (seq: number) => boolean, count: number): void {
  for (let i = 1; i <= count; i++) {
    const m = s.loadMsg(i);
    if (live(i)) assert.equal(m?.msg.toString(), `msg-${i}-`.padEnd(100, "z"), `seq ${i} live`);
    else assert.equal(m, null, `seq ${i} removed`);
  }
}

describe("file store compaction", () => {
  test("blocks mostly removed are rewritten; state survives reopen with and without the index", async () => {
    const dir = join(root, `c${n++}`);
    const s = await open(dir);
    await fill(s, 3000);
    const before = blockBytes(dir);
    const live = (seq: number): boolean => seq % 4 === 0 || seq > 2900;
    for (let i = 1; i <= 3000; i++) if (!live(i)) s.removeMsg(i);
    await s.waitDurable(3000);
    await s.compactionIdle();
    const after1 = blockBytes(dir);
    assert.ok(after1 < before * 0.5, `space given back: ${before} -> ${after1}`);
    checkLive(s, live, 3000);
    const state = s.state();
    await s.stop();
    for (const withIndex of [true, false]) {
      if (!withIndex) rmSync(join(dir, "msgs", "index.db"), { force: true });
      const s2 = await open(dir);
      await s2.scrubbed;
      assert.equal(s2.corruptions, 0);
      assert.deepEqual(s2.state().deleted, state.deleted);
      checkLive(s2, live, 3000);
      await s2.stop();
    }
  });

  test("removals while the copy is fsynced are carried over; an erase abandons the copy", async () => {
    const dir = join(root, `c${n++}`);
    const fs = new FaultyFs();
    const s = await open(dir, fs);
    await fill(s, 2000);
    const removed = new Set<number>();
    for (let i = 1; i <= 1000; i++) {
      if (i % 3 !== 0) {
        s.removeMsg(i);
        removed.add(i);
      }
    }
    await s.waitDurable(2000);
    fs.holdSyncs = true;
    const syncs = fs.syncs;
    for (let i = 1001; i <= 1400; i++) {
      s.removeMsg(i);
      removed.add(i);
    }
    await waitFor(() => fs.syncs > syncs, { timeoutMs: 5000 });
    // Meanwhile, more removals in blocks being copied.
    for (let i = 3; i <= 600; i += 3) {
      s.removeMsg(i);
      removed.add(i);
    }
    s.eraseMsg(999);
    removed.add(999);
    fs.holdSyncs = false;
    fs.releaseSyncs();
    await s.compactionIdle();
    await s.waitDurable(2000);
    const live = (seq: number): boolean => !removed.has(seq);
    checkLive(s, live, 2000);
    await s.stop();
    rmSync(join(dir, "msgs", "index.db"), { force: true });
    const s2 = await open(dir);
    checkLive(s2, live, 2000);
    const disk = readdirSync(join(dir, "msgs")).map((f) => readFileSync(join(dir, "msgs", f), "latin1")).join("");
    assert.ok(!disk.includes("msg-999-"), "erased bytes are gone");
    await s2.stop();
  });
});
