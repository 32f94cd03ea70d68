/**
 * File store recovery: restart, byte flips and truncation at seeded random offsets in block
 * files, torn tails. Whatever the damage, what the store serves is exactly what was stored,
 * damage is reported, and the rest of the stream keeps being served.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  defaultStreamStoreConfig, FileStore, type CorruptionReport, type FileStoreOptions, type StreamStoreConfig,
} from "../../../src/jetstream/store/index.js";
import { prng } from "../../helpers/prng.js";

const root = mkdtempSync(join(tmpdir(), "tsnats-fsr-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = (): string => join(root, `r${n++}`);
const CFG = defaultStreamStoreConfig({ name: "R", subjects: [">"], allowMsgTtl: true });

function open(dir: string, opts: Partial<FileStoreOptions> = {}, cfg: StreamStoreConfig = CFG): Promise<FileStore> {
  return FileStore.open(cfg, { dir, blockSize: 8192, ...opts });
}

const payload = (seq: number, r: () => number): Buffer => Buffer.from(`payload-${seq}-`.padEnd(10 + Math.floor(r() * 200), "x"));
const subjectOf = (seq: number): string => `sub.${seq % 7}`;

/** Fills a store with `count` messages (some with headers) and returns seq → payload. */
async function build(dir: string, count: number, seed: number): Promise<Map<number, string>> {
  const r = prng(seed);
  const s = await open(dir);
  const want = new Map<number, string>();
  for (let i = 1; i <= count; i++) {
    const hdr = i % 3 === 0 ? Buffer.from(`NATS/1.0\r\nX-I: ${i}\r\n\r\n`) : null;
    const p = payload(i, r);
    assert.equal(s.storeMsg(subjectOf(i), hdr, p, 0), i);
    want.set(i, p.toString());
  }
  await s.stop();
  return want;
}

/** Everything the store serves matches what was stored; returns how many it serves. */
function checkServed(s: FileStore, want: Map<number, string>): number {
  let served = 0;
  const st = s.state();
  for (let seq = st.firstSeq; seq <= st.lastSeq; seq++) {
    const m = s.loadMsg(seq);
    if (m === null) continue;
    served++;
    assert.equal(m.msg.toString(), want.get(seq), `seq ${seq} payload`);
    assert.equal(m.subject, subjectOf(seq), `seq ${seq} subject`);
    if (seq % 3 === 0) assert.equal(m.hdr.toString(), `NATS/1.0\r\nX-I: ${seq}\r\n\r\n`);
  }
  assert.equal(served, s.state().msgs, "served = state.msgs");
  return served;
}

function blockFiles(dir: string): string[] {
  return readdirSync(join(dir, "msgs")).filter((f) => f.endsWith(".blk"))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10)).map((f) => join(dir, "msgs", f));
}

describe("file store recovery", () => {
  test("restart keeps messages, deletes, purges, skips, TTLs and the sequence", async () => {
    const dir = newDir();
    const want = await build(dir, 300, 1);
    let s = await open(dir);
    assert.equal(s.state().msgs, 300);
    checkServed(s, want);
    s.removeMsg(10);
    s.eraseMsg(11);
    s.purgeEx("sub.3", 0, 0);
    s.skipMsgs(301, 5);
    s.storeMsg("sub.1", Buffer.from("NATS/1.0\r\nNats-TTL: 60s\r\n\r\n"), Buffer.from("ttl"), 60);
    const before = s.state();
    await s.stop();
    s = await open(dir);
    const after = s.state();
    assert.deepEqual({ ...after, firstTsMs: 0, lastTsMs: 0 }, { ...before, firstTsMs: 0, lastTsMs: 0 });
    assert.equal(after.lastSeq, 306);
    assert.equal(s.loadMsg(306)!.msg.toString(), "ttl");
    assert.equal(s.filteredState(0, "sub.3").msgs, 0);
    const blocks = blockFiles(dir).map((f) => readFileSync(f, "latin1")).join("");
    assert.ok(!blocks.includes("payload-11-"), "erased bytes are gone from disk");
    s.compact(200);
    s.truncate(250);
    const st2 = s.state();
    await s.stop();
    s = await open(dir);
    assert.deepEqual(s.state().msgs, st2.msgs);
    assert.equal(s.state().firstSeq, 200);
    assert.equal(s.state().lastSeq, 250);
    assert.equal(s.storeMsg("sub.1", null, Buffer.from("x"), 0), 251);
    s.purge();
    await s.stop();
    s = await open(dir);
    assert.equal(s.state().msgs, 0);
    assert.equal(s.state().firstSeq, 252);
    assert.equal(s.storeMsg("sub.1", null, Buffer.from("x"), 0), 252);
    await s.stop();
  });

  test("a crash-torn tail is cut without a corruption report", async () => {
    const dir = newDir();
    const want = await build(dir, 100, 2);
    const last = blockFiles(dir).at(-1)!;
    writeFileSync(last, Buffer.concat([readFileSync(last), Buffer.from([0x55, 0, 0, 0, 1, 2, 3])]));
    const reports: CorruptionReport[] = [];
    const s = await open(dir, { onCorruption: (r) => reports.push(r) });
    assert.equal(reports.length, 0);
    assert.equal(checkServed(s, want), 100);
    assert.equal(s.storeMsg("sub.1", null, Buffer.from("after"), 0), 101);
    await s.stop();
    const s2 = await open(dir);
    assert.equal(s2.loadMsg(101)!.msg.toString(), "after");
    await s2.stop();
  });

  for (let seed = 1; seed <= 12; seed++) {
    test(`byte flips at random offsets are detected and the rest is served (seed ${seed})`, async () => {
      const dir = newDir();
      const want = await build(dir, 400, seed);
      const r = prng(seed * 7919);
      const files = blockFiles(dir);
      const flips = 1 + Math.floor(r() * 3);
      for (let k = 0; k < flips; k++) {
        const f = files[Math.floor(r() * files.length)]!;
        const buf = readFileSync(f);
        const off = Math.floor(r() * buf.length);
        buf[off] = buf[off]! ^ (1 + Math.floor(r() * 255));
        writeFileSync(f, buf);
      }
      const reports: CorruptionReport[] = [];
      const s = await open(dir, { onCorruption: (rep) => reports.push(rep) });
      await s.scrubbed;
      assert.ok(reports.length >= 1 && s.corruptions === reports.length, `seed ${seed}: corruption reported`);
      const served = checkServed(s, want);
      assert.ok(served >= 400 - 80, `seed ${seed}: most messages still served (${served})`);
      // Still writable, and a second open agrees.
      const next = s.state().lastSeq + 1;
      assert.equal(s.storeMsg("sub.1", null, Buffer.from("more"), 0), next);
      await s.stop();
      const s2 = await open(dir);
      assert.equal(s2.loadMsg(next)!.msg.toString(), "more");
      want.set(next, "more");
      checkServedLoose(s2, want);
      await s2.stop();
    });
  }

  for (let seed = 1; seed <= 8; seed++) {
    test(`truncation at a random offset of a block file (seed ${seed})`, async () => {
      const dir = newDir();
      const want = await build(dir, 300, 100 + seed);
      const r = prng(seed * 31);
      const files = blockFiles(dir);
      const which = Math.floor(r() * files.length);
      const f = files[which]!;
      const cut = Math.floor(r() * statSync(f).size);
      truncateSync(f, cut);
      const reports: CorruptionReport[] = [];
      const s = await open(dir, { onCorruption: (rep) => reports.push(rep) });
      await s.scrubbed;
      const served = checkServed(s, want);
      const st = s.state();
      if (which === files.length - 1) {
        assert.equal(reports.length, 0, "a cut tail looks like a crash");
        assert.equal(served, st.lastSeq - st.firstSeq + 1, "a prefix survives, in order");
      } else {
        const lost = reports.flatMap((x) => x.seqs);
        assert.equal(served + lost.length, 300, `seed ${seed}: every message served or reported lost`);
      }
      await s.stop();
    });
  }

  test("a block with a damaged header is set aside and reported", async () => {
    const dir = newDir();
    const want = await build(dir, 300, 9);
    const f = blockFiles(dir)[1]!;
    const buf = readFileSync(f);
    buf[2] = buf[2]! ^ 0xff;
    writeFileSync(f, buf);
    const reports: CorruptionReport[] = [];
    const s = await open(dir, { onCorruption: (rep) => reports.push(rep) });
    assert.equal(reports.length, 1);
    assert.ok(readdirSync(join(dir, "msgs")).some((x) => x.endsWith(".bad")));
    checkServed(s, want);
    await s.stop();
  });
});

/** Like checkServed, without requiring header/subject shape for added messages. */
function checkServedLoose(s: FileStore, want: Map<number, string>): void {
  const st = s.state();
  for (let seq = st.firstSeq; seq <= st.lastSeq; seq++) {
    const m = s.loadMsg(seq);
    if (m !== null) assert.equal(m.msg.toString(), want.get(seq), `seq ${seq}`);
  }
}
