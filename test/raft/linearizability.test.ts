/** The linearizability checker on small hand-made histories (it must be able to say no). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkHistory, type Op } from "./sim/linearizability.js";

let id = 0;
function op(kind: Op["kind"], call: number, ret: number, value: string | null, extra: Partial<Op> = {}): Op {
  return { client: id % 3, key: "k", kind, call, ret, value, expect: null, ok: null, id: ++id, ...extra };
}

test("sequential write then read is linearizable; a stale read is not", () => {
  assert.equal(checkHistory([op("w", 0, 1, "a"), op("r", 2, 3, "a")]).ok, true);
  assert.equal(checkHistory([op("w", 0, 1, "a"), op("w", 2, 3, "b"), op("r", 4, 5, "a")]).ok, false);
});

test("concurrent operations may take effect in either order", () => {
  assert.equal(checkHistory([op("w", 0, 10, "a"), op("r", 1, 2, "a"), op("r", 3, 4, null)]).ok, false);
  assert.equal(checkHistory([op("w", 0, 10, "a"), op("r", 1, 2, null), op("r", 3, 4, "a")]).ok, true);
});

test("an unknown outcome may happen late or never", () => {
  assert.equal(checkHistory([op("w", 0, Infinity, "a"), op("r", 5, 6, null), op("r", 7, 8, "a")]).ok, true);
  assert.equal(checkHistory([op("w", 0, Infinity, "a"), op("r", 7, 8, "a"), op("r", 9, 10, null)]).ok, false);
});

test("compare-and-set results must match the state", () => {
  const h = [op("w", 0, 1, "a"), op("cas", 2, 3, "b", { expect: "a", ok: true }), op("cas", 4, 5, "c", { expect: "a", ok: true })];
  assert.equal(checkHistory(h).ok, false);
  const h2 = [op("w", 0, 1, "a"), op("cas", 2, 3, "b", { expect: "a", ok: true }), op("cas", 4, 5, "c", { expect: "a", ok: false }), op("r", 6, 7, "b")];
  assert.equal(checkHistory(h2).ok, true);
});

test("keys are checked independently", () => {
  const h = [op("w", 0, 1, "a"), { ...op("r", 2, 3, null), key: "other" }];
  assert.equal(checkHistory(h).ok, true);
});
