import assert from "node:assert/strict";
import { test } from "node:test";
import { LruMap } from "../../src/util/lru.js";

test("evicts the least recently used entry, one at a time", () => {
  const m = new LruMap<string, number>(3);
  m.set("a", 1);
  m.set("b", 2);
  m.set("c", 3);
  assert.equal(m.get("a"), 1); // a is now the most recent
  m.set("d", 4); // evicts b
  assert.equal(m.has("b"), false);
  assert.deepEqual(["a", "c", "d"].map((k) => m.get(k)), [1, 3, 4]);
  m.set("c", 30); // update refreshes
  m.set("e", 5); // evicts a
  assert.equal(m.has("a"), false);
  assert.equal(m.size, 3);
  assert.equal(m.delete("c"), true);
  assert.equal(m.size, 2);
});
