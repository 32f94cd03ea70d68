/**
 * The server-wide read budget (issue 10): every file store's read windows share one byte
 * budget, the least recently used windows go first, and reads stay correct after theirs
 * were evicted.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { FileStore } from "../../../src/jetstream/store/file/file-store.js";
import { ReadBudget } from "../../../src/jetstream/store/file/read-cache.js";
import { defaultStreamStoreConfig } from "../../../src/jetstream/store/index.js";

const root = mkdtempSync(join(tmpdir(), "tsnats-budget-"));
after(() => rmSync(root, { recursive: true, force: true }));

const STORES = 40;
const MSGS = 300;
const SIZE = 1000;
const BUDGET = 1024 * 1024;

function payload(store: number, seq: number): Buffer {
  const b = Buffer.alloc(SIZE, (store * 31 + seq) & 0xff);
  b.writeUInt32BE(seq, 0);
  return b;
}

/** Reads every message of `s` in order and checks its bytes. */
function readAll(s: FileStore, i: number, budget: ReadBudget): void {
  for (let seq = 1; seq <= MSGS; seq++) {
    const m = s.loadMsg(seq);
    assert.ok(m !== null, `store ${i} seq ${seq}`);
    assert.ok(m.msg.equals(payload(i, seq)), `store ${i} seq ${seq} bytes`);
    assert.ok(budget.bytes <= BUDGET, `budget held ${budget.bytes}`);
  }
}

describe("read budget shared by file stores", () => {
  test("many streams stay within one budget, oldest windows first", async () => {
    const budget = new ReadBudget(BUDGET);
    const stores: FileStore[] = [];
    try {
      for (let i = 0; i < STORES; i++) {
        const s = await FileStore.open(defaultStreamStoreConfig({ name: `S${i}`, subjects: [`s${i}`] }), {
          dir: join(root, `s${i}`),
          readBudget: budget,
        });
        for (let seq = 1; seq <= MSGS; seq++) s.storeMsg(`s${i}`, null, payload(i, seq), 0);
        stores.push(s);
      }
      await new Promise((r) => setTimeout(r, 20)); // the group commit writes the blocks
      // 40 stores x 4 windows x 64 KiB would be 10 MiB: the budget holds 1 MiB.
      for (let i = 0; i < STORES; i++) readAll(stores[i]!, i, budget);
      assert.ok(budget.evictions > 0, "windows were evicted");
      assert.ok(budget.bytes > BUDGET / 2, `the budget is used (${budget.bytes})`);
      // The stores read last hold the windows; the first ones lost theirs.
      assert.equal((stores[0] as unknown as { readCache: { heldBytes(): number } }).readCache.heldBytes(), 0);
      assert.ok((stores[STORES - 1] as unknown as { readCache: { heldBytes(): number } }).readCache.heldBytes() > 0);
      // A recently used window survives others' loads: keep touching store 0 while reading store 1.
      const m0 = stores[0]!.loadMsg(1)!;
      assert.ok(m0.msg.equals(payload(0, 1)));
      const before = budget.evictions;
      readAll(stores[1]!, 1, budget);
      assert.ok(budget.evictions > before);
      readAll(stores[0]!, 0, budget); // evicted or not, the bytes are right
      // Closing a store gives its windows back.
      const held = budget.bytes;
      await stores[0]!.stop();
      assert.ok(budget.bytes < held, "stop releases windows");
      stores.shift();
    } finally {
      for (const s of stores) await s.stop();
    }
    assert.equal(budget.bytes, 0);
    assert.equal(budget.windows, 0);
  });

  test("LRU order: a touched window outlives older untouched ones", async () => {
    const budget = new ReadBudget(3 * 64 * 1024);
    const stores: FileStore[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const s = await FileStore.open(defaultStreamStoreConfig({ name: `L${i}`, subjects: [`l${i}`] }), {
          dir: join(root, `l${i}`),
          readBudget: budget,
        });
        for (let seq = 1; seq <= MSGS; seq++) s.storeMsg(`l${i}`, null, payload(i, seq), 0);
        stores.push(s);
      }
      await new Promise((r) => setTimeout(r, 20));
      const held = (i: number): number => (stores[i] as unknown as { readCache: { heldBytes(): number } }).readCache.heldBytes();
      // One random-read window (32 KiB) per store: stores 0, 1, 2, then touch 0, then 3 and 4's worth.
      for (const i of [0, 1, 2]) stores[i]!.loadMsg(100);
      stores[0]!.loadMsg(100); // a hit: 0 is now the most recent
      for (let k = 0; k < 4; k++) stores[3]!.loadMsg(1 + k * 40); // 4 windows of store 3
      assert.ok(held(0) > 0, "the touched window stayed");
      assert.equal(held(1), 0, "the least recently used went first");
      assert.ok(budget.bytes <= budget.maxBytes);
    } finally {
      for (const s of stores) await s.stop();
    }
  });
});
