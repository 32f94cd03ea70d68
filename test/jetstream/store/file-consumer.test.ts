/**
 * The file consumer store: its state survives a restart exactly (delivered, ack floor, pending
 * with times, redelivery counts, config changes), a torn tail is cut, damage in the middle is
 * reported and skipped, and the log is rewritten as a snapshot when it grows.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  defaultStreamStoreConfig, FileStore, type ConsumerState, type CorruptionReport,
} from "../../../src/jetstream/store/index.js";
import { prng } from "../../helpers/prng.js";

const root = mkdtempSync(join(tmpdir(), "tsnats-fcs-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const CFG = defaultStreamStoreConfig({ name: "C", subjects: [">"] });
const EXPLICIT = { ackPolicy: "explicit" as const, maxDeliver: 5 };
const open = (dir: string, onCorruption?: (r: CorruptionReport) => void): Promise<FileStore> =>
  FileStore.open(CFG, { dir, onCorruption });

/** Drives a consumer with a seeded mix of deliveries, redeliveries and acks. */
function drive(c: { updateDelivered: (d: number, s: number, dc: number, t: number) => void; updateAcks: (d: number, s: number) => void },
  seed: number, from: number, steps: number): number {
  const r = prng(seed);
  let dseq = from;
  const pending: [number, number][] = [];
  let sseq = from;
  for (let i = 0; i < steps; i++) {
    const x = r();
    if (x < 0.5 || pending.length === 0) {
      sseq++;
      dseq++;
      c.updateDelivered(dseq, sseq, 1, 1_700_000_000_000 + i + 0.25);
      pending.push([dseq, sseq]);
    } else if (x < 0.65) {
      const [, s] = pending[Math.floor(r() * pending.length)]!;
      dseq++;
      c.updateDelivered(dseq, s, 2 + Math.floor(r() * 3), 1_700_000_000_000 + i);
    } else {
      const k = Math.floor(r() * pending.length);
      const [d, s] = pending.splice(k, 1)[0]!;
      try {
        c.updateAcks(d, s);
      } catch {
        // Over max_deliver: no longer pending.
      }
    }
  }
  return dseq;
}

const plain = (s: ConsumerState): unknown => ({
  ...s,
  pending: [...s.pending].sort((a, b) => a[0] - b[0]),
  redelivered: [...s.redelivered].sort((a, b) => a[0] - b[0]),
});

describe("file consumer store", () => {
  test("state survives restarts exactly, including config changes", async () => {
    const dir = join(root, `c${n++}`);
    let s = await open(dir);
    let c = s.consumerStore("dur", EXPLICIT);
    c.setStarting(0);
    drive(c, 1, 0, 2000);
    c.updateConfig({ ackPolicy: "explicit", maxDeliver: 2 });
    drive(c, 2, c.state().delivered.stream, 500);
    const want = plain(c.state());
    await c.waitDurable();
    await s.stop();
    s = await open(dir);
    c = s.consumerStore("dur", { ackPolicy: "explicit", maxDeliver: 2 });
    assert.deepEqual(plain(c.state()), want);
    assert.equal(s.state().consumerCount, 1);
    await c.delete();
    assert.equal(s.state().consumerCount, 0);
    const fresh = s.consumerStore("dur", EXPLICIT);
    assert.equal(fresh.hasState(), false);
    await s.stop();
  });

  test("a torn tail is cut; damage in the middle is reported and skipped", async () => {
    const dir = join(root, `c${n++}`);
    let s = await open(dir);
    let c = s.consumerStore("d", EXPLICIT);
    for (let i = 1; i <= 50; i++) c.updateDelivered(i, i, 1, 1000 + i);
    await c.waitDurable();
    await s.stop();
    const log = join(dir, "obs", "d", "o.log");
    const size = statSync(log).size;
    appendFileSync(log, Buffer.from([40, 0, 0, 0, 2, 1, 2]));
    s = await open(dir);
    c = s.consumerStore("d", EXPLICIT);
    assert.equal(c.state().delivered.consumer, 50);
    assert.equal(statSync(log).size, size, "the torn record is cut off");
    await s.stop();
    const buf = readFileSync(log);
    buf[Math.floor(buf.length / 2)] = buf[Math.floor(buf.length / 2)]! ^ 0xff;
    writeFileSync(log, buf);
    const reports: CorruptionReport[] = [];
    s = await open(dir, (r) => reports.push(r));
    c = s.consumerStore("d", EXPLICIT);
    assert.equal(reports.length, 1);
    assert.equal(c.state().delivered.consumer, 50, "records after the damage still apply");
    await s.stop();
  });

  test("the log is rewritten as one snapshot when it grows", async () => {
    const dir = join(root, `c${n++}`);
    let s = await open(dir);
    let c = s.consumerStore("big", { ackPolicy: "all", maxDeliver: 0 });
    for (let i = 1; i <= 60_000; i++) {
      c.updateDelivered(i, i, 1, 1);
      c.updateAcks(i, i);
      if (i % 5000 === 0) await c.waitDurable();
    }
    await c.waitDurable();
    const log = join(dir, "obs", "big", "o.log");
    assert.ok(statSync(log).size < 1024 * 1024 + 64 * 1024, `log stays small (${statSync(log).size})`);
    const want = plain(c.state());
    await s.stop();
    s = await open(dir);
    c = s.consumerStore("big", { ackPolicy: "all", maxDeliver: 0 });
    assert.deepEqual(plain(c.state()), want);
    await s.stop();
  });
});
