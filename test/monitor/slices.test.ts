/** The slicing toolkit alone: sorted like Array.prototype.sort, JSON byte for byte, the gate. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ListDocument, StringSink } from "../../src/monitor/json-stream.js";
import { HeavyGate, mapInSlices, Slicer, sortInSlices } from "../../src/monitor/slices.js";
import { prng } from "../helpers/prng.js";

/** A slicer whose slices are used up at every check: every loop yields as often as it can. */
const tiny = (): Slicer => new Slicer(0);

test("sortInSlices sorts as Array.prototype.sort does (stable), across many slices", async () => {
  const rnd = prng(7);
  for (const n of [0, 1, 2, 1023, 1024, 1025, 5000, 20_000]) {
    const items = Array.from({ length: n }, (_, i) => ({ key: Math.floor(rnd() * 50), i }));
    const cmp = (a: { key: number }, b: { key: number }): number => a.key - b.key;
    const want = [...items].sort(cmp);
    assert.deepEqual(await sortInSlices(items, cmp, tiny()), want, `n=${n}`);
  }
  const sorted = Array.from({ length: 3000 }, (_, i) => i);
  assert.equal(await sortInSlices(sorted, (a, b) => a - b, tiny()), sorted, "already sorted: the same array back");
});

test("mapInSlices keeps order and drops undefined", async () => {
  const out = await mapInSlices(
    Array.from({ length: 1000 }, (_, i) => i),
    (i) => (i % 3 === 0 ? undefined : i * 2),
    tiny(),
  );
  assert.equal(out.length, 666);
  assert.equal(out[0], 2);
  assert.equal(out.at(-1), 1996);
});

test("ListDocument writes exactly JSON.stringify, pretty and compact", async () => {
  const element = (x: number): unknown => (x % 2 === 0 ? { n: x, list: [x, "a\nb"], nested: { deep: [] } } : { n: x, s: 'q"\\' });
  const cases: Array<{ head: Record<string, unknown>; list: number[] }> = [
    { head: { server_id: "S", now: "t", total: 0 }, list: [] },
    { head: { a: 1, b: [1, 2], c: { d: null } }, list: [1, 2, 3, 4] },
    { head: {}, list: [1] },
    { head: {}, list: [] },
    { head: { big: true }, list: Array.from({ length: 3000 }, (_, i) => i) },
  ];
  for (const c of cases) {
    const doc = new ListDocument(c.head, "items", c.list, element);
    const obj = { ...c.head, items: c.list.map(element) };
    for (const pretty of [true, false]) {
      const sink = new StringSink();
      await doc.writeTo(sink, pretty, tiny());
      assert.equal(sink.text(), JSON.stringify(obj, null, pretty ? 2 : undefined), `${JSON.stringify(c.head)} pretty=${pretty}`);
    }
  }
});

test("ListDocument streams nested documents and live iterables, byte for byte", async () => {
  const subs = new Map([
    ["1", "a.b"],
    ["2", "c.>"],
  ]);
  const rows = [
    { cid: 1, subs },
    { cid: 2, subs: new Map<string, string>() },
    { cid: 3, subs: null },
  ];
  const element = (r: (typeof rows)[number]): unknown => {
    const head = { cid: r.cid, nested: { x: [1] } };
    if (r.subs === null) return head;
    return new ListDocument(head, "subscriptions_list", r.subs.values(), (subject) => ({ subject }));
  };
  const plain = (r: (typeof rows)[number]): unknown => {
    const head = { cid: r.cid, nested: { x: [1] } };
    return r.subs === null ? head : { ...head, subscriptions_list: [...r.subs.values()].map((subject) => ({ subject })) };
  };
  const doc = new ListDocument({ server_id: "S" }, "connections", rows, element);
  const obj = { server_id: "S", connections: rows.map(plain) };
  for (const pretty of [true, false]) {
    const sink = new StringSink();
    await doc.writeTo(sink, pretty, tiny());
    assert.equal(sink.text(), JSON.stringify(obj, null, pretty ? 2 : undefined), `pretty=${pretty}`);
  }
});

test("HeavyGate runs at most `max` tasks at once, the rest in arrival order", async () => {
  const gate = new HeavyGate(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const task = (i: number) => async (): Promise<number> => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    order.push(i);
    running--;
    return i;
  };
  const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => gate.run(task(i))));
  assert.equal(gate.tasks, 6);
  assert.deepEqual(results, [0, 1, 2, 3, 4, 5]);
  assert.equal(peak, 2);
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
  await assert.rejects(gate.run(() => Promise.reject(new Error("boom"))), /boom/);
  assert.deepEqual(gate.load, { running: 0, waiting: 0 }, "a failed task frees its slot");
});
