import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultStreamStoreConfig, MemoryStore } from "../../../src/jetstream/store/index.js";
import { modelCheck } from "./model-check.js";
import { storeTable } from "./store-table.js";

storeTable("memory", async (cfg, clock) => new MemoryStore(cfg, clock));
modelCheck("memory", async (cfg, clock) => new MemoryStore(cfg, clock));

test("memory store: slabs of mostly removed messages are repacked without losing the rest", () => {
  const s = new MemoryStore(defaultStreamStoreConfig({ name: "R", subjects: [">"] }));
  const body = (i: number): Buffer => Buffer.from(`m${i}-`.padEnd(100 + (i % 50), "x"));
  for (let i = 1; i <= 10_000; i++) s.storeMsg(`a.${i % 7}`, i % 5 === 0 ? Buffer.from("NATS/1.0\r\nK: v\r\n\r\n") : null, body(i), 0);
  s.storeMsg("big", null, Buffer.alloc(10_000, 7), 0);
  for (let i = 1; i <= 10_000; i++) if (i % 10 !== 0) s.eraseMsg(i);
  for (let i = 10; i <= 10_000; i += 10) {
    const m = s.loadMsg(i)!;
    assert.equal(m.msg.toString(), body(i).toString());
    assert.equal(m.hdr.toString(), "NATS/1.0\r\nK: v\r\n\r\n");
  }
  assert.equal(s.loadMsg(10_001)!.msg.length, 10_000);
  assert.equal(s.state().msgs, 1001);
});
