/**
 * File store under injected I/O faults: disk full, EIO, torn and short writes, failing fsync,
 * the store's byte budget; and the durability contract of group commit (acknowledge only
 * after the write, or with syncAlways after the fsync).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  defaultStreamStoreConfig, ErrStoreIo, ErrStoreResources, FileStore, type FileStoreOptions, type StoreError,
} from "../../../src/jetstream/store/index.js";
import { prng } from "../../helpers/prng.js";
import { waitFor } from "../../helpers/wait-for.js";
import { FaultyFs } from "./faulty-fs.js";
import { FakeClock } from "./store-table.js";

const root = mkdtempSync(join(tmpdir(), "tsnats-fsf-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const CFG = defaultStreamStoreConfig({ name: "F", subjects: [">"] });
const B = (s: string): Buffer => Buffer.from(s);
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function open(opts: Partial<FileStoreOptions> & { fs: FaultyFs }, dir = join(root, `f${n++}`)): Promise<FileStore> {
  return FileStore.open(CFG, { dir, blockSize: 4096, writeRetryMs: 50, ...opts });
}

describe("file store faults", () => {
  for (const [code, err] of [["ENOSPC", ErrStoreResources], ["EIO", ErrStoreIo]] as const) {
    test(`${code} on write: unwritten messages are dropped, writes refused, nothing stored before is lost`, async () => {
      const fs = new FaultyFs();
      const clock = new FakeClock();
      const s = await open({ fs, clock });
      const events: [number, number, StoreError | null][] = [];
      s.registerDurableUpdates((d, f, e) => events.push([d, f, e]));
      for (let i = 1; i <= 10; i++) s.storeMsg("a", null, B(`ok${i}`), 0);
      await s.waitDurable(10);
      fs.failCode = code;
      fs.failWrites = 1;
      const p = s.waitDurable(13);
      for (let i = 11; i <= 13; i++) s.storeMsg("a", null, B(`lost${i}`), 0);
      await assert.rejects(p, (e) => e === err);
      assert.deepEqual(events.at(-1), [10, 11, err]);
      assert.equal(s.state().msgs, 10);
      assert.equal(s.loadMsg(11), null);
      assert.equal(s.loadMsg(5)!.msg.toString(), "ok5");
      assert.throws(() => s.storeMsg("a", null, B("x"), 0), (e) => e === err);
      clock.t += 100;
      assert.equal(s.storeMsg("a", null, B("again"), 0), 14, "sequences are not reused");
      await s.waitDurable(14);
      const dir = s.dir;
      await s.stop();
      const s2 = await open({ fs: new FaultyFs() }, dir);
      assert.equal(s2.state().msgs, 11);
      assert.equal(s2.state().lastSeq, 14);
      assert.equal(s2.loadMsg(14)!.msg.toString(), "again");
      assert.equal(s2.loadMsg(12), null);
      await s2.stop();
    });
  }

  test("a torn write is overwritten or cut, never served", async () => {
    const fs = new FaultyFs();
    const clock = new FakeClock();
    const s = await open({ fs, clock });
    for (let i = 1; i <= 5; i++) s.storeMsg("a", null, B(`ok${i}`), 0);
    await s.waitDurable(5);
    fs.tornWrites = 1;
    s.storeMsg("a", null, B("torn".repeat(100)), 0);
    await turn();
    assert.equal(s.loadMsg(6), null);
    clock.t += 100;
    s.storeMsg("a", null, B("short"), 0);
    await s.waitDurable(7);
    const dir = s.dir;
    await s.stop();
    const s2 = await open({ fs: new FaultyFs() }, dir);
    assert.equal(s2.corruptions, 0);
    assert.deepEqual([1, 2, 3, 4, 5, 7].map((q) => s2.loadMsg(q)?.msg.toString()), ["ok1", "ok2", "ok3", "ok4", "ok5", "short"]);
    await s2.stop();
  });

  test("short writes are completed transparently", async () => {
    const fs = new FaultyFs(prng(5));
    fs.shortRate = 0.7;
    const s = await open({ fs });
    for (let i = 1; i <= 500; i++) s.storeMsg(`a.${i % 5}`, null, B(`m${i}`.repeat(20)), 0);
    await s.waitDurable(500);
    const dir = s.dir;
    await s.stop();
    const s2 = await open({ fs: new FaultyFs() }, dir);
    assert.equal(s2.state().msgs, 500);
    assert.equal(s2.loadMsg(321)!.msg.toString(), "m321".repeat(20));
    await s2.stop();
  });

  test("a failed fsync stops writes; reads go on; reopening recovers", async () => {
    const fs = new FaultyFs();
    const s = await open({ fs, syncAlways: true });
    s.storeMsg("a", null, B("one"), 0);
    await s.waitDurable(1);
    fs.failSyncs = 1;
    s.storeMsg("a", null, B("two"), 0);
    await assert.rejects(s.waitDurable(2), (e) => e === ErrStoreIo);
    assert.throws(() => s.storeMsg("a", null, B("three"), 0), (e) => e === ErrStoreIo);
    assert.equal(s.loadMsg(1)!.msg.toString(), "one");
    const dir = s.dir;
    await s.stop();
    const s2 = await open({ fs: new FaultyFs(), syncAlways: true }, dir);
    assert.equal(s2.loadMsg(1)!.msg.toString(), "one");
    assert.equal(s2.storeMsg("a", null, B("four"), 0), s2.state().lastSeq);
    await s2.stop();
  });

  test("syncAlways: durable only after the fsync, one write and one fsync per batch", async () => {
    const fs = new FaultyFs();
    const s = await open({ fs, syncAlways: true, blockSize: 1 << 20 });
    await s.waitDurable(0);
    fs.holdSyncs = true;
    const writes0 = fs.writes;
    const syncs0 = fs.syncs;
    let durable = 0;
    s.registerDurableUpdates((d) => (durable = d));
    for (let i = 0; i < 1000; i++) s.storeMsg("a", null, B("x".repeat(16)), 0);
    await waitFor(() => fs.syncs > syncs0, { timeoutMs: 2000 });
    assert.equal(fs.writes - writes0, 1, "one write for the batch");
    assert.equal(s.durableSeq, 0);
    assert.equal(durable, 0);
    // Appends while the fsync is in flight go into the next group.
    for (let i = 0; i < 10; i++) s.storeMsg("a", null, B("y"), 0);
    await turn();
    fs.holdSyncs = false;
    fs.releaseSyncs();
    await s.waitDurable(1010);
    assert.equal(durable, 1010);
    assert.ok(fs.syncs - syncs0 <= 4, `few fsyncs (${fs.syncs - syncs0})`);
    await s.stop();
  });

  test("periodic sync: durable once written, fsync on the interval", async () => {
    const fs = new FaultyFs();
    const s = await open({ fs, syncIntervalMs: 50 });
    const syncs0 = fs.syncs;
    s.storeMsg("a", null, B("x"), 0);
    await s.waitDurable(1);
    await waitFor(() => fs.syncs > syncs0, { timeoutMs: 3000 });
    await s.stop();
  });

  test("the byte budget refuses writes with ErrStoreResources; reads and purge work", async () => {
    const s = await open({ fs: new FaultyFs(), maxDiskBytes: 2000 });
    let refused = 0;
    for (let i = 0; i < 50; i++) {
      try {
        s.storeMsg("a", null, B("x".repeat(100)), 0);
      } catch (e) {
        assert.equal(e, ErrStoreResources);
        refused++;
      }
    }
    assert.ok(refused > 0);
    const kept = s.state().msgs;
    assert.ok(kept > 5);
    assert.equal(s.loadMsg(1)!.msg.length, 100);
    s.purge();
    await s.waitDurable(s.state().lastSeq);
    await waitFor(() => {
      try {
        s.storeMsg("a", null, B("after purge"), 0);
        return true;
      } catch {
        return false;
      }
    }, { timeoutMs: 3000 });
    await s.stop();
  });
});
