/**
 * The WAL on a real temporary directory (node:fs): round trips, and what a damaged file does on
 * open — a torn tail, a flipped byte, a cut file, a damaged state file.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { EntryType, type Entry } from "../../src/raft/types.js";
import { crc32, crc32Table } from "../../src/raft/wal/crc.js";
import { FsDisk } from "../../src/raft/wal/disk.js";
import { STATE_FILE, segName } from "../../src/raft/wal/format.js";
import { Wal, type WalOptions } from "../../src/raft/wal/wal.js";

function entries(from: number, n: number, term = 1): Entry[] {
  return Array.from({ length: n }, (_, i) => ({ index: from + i, term, type: EntryType.Normal, data: Buffer.from(`entry-${from + i}`) }));
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "tsnats-wal-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function save(wal: Wal, hs: { term: number; vote: number } | null, es: Entry[]): Promise<void> {
  return new Promise((resolve, reject) =>
    wal.save(hs ? { ...hs, recovering: false } : null, es, null, (err) => (err ? reject(err) : resolve())),
  );
}

async function fresh(dir: string, opts: WalOptions = {}, n = 10): Promise<void> {
  const { wal } = Wal.open(new FsDisk(dir), opts);
  wal.create(7, { voters: [7, 8, 9], learners: [] });
  const { wal: w2 } = Wal.open(new FsDisk(dir), opts);
  await save(w2, { term: 3, vote: 8 }, entries(1, n));
  w2.close();
}

function reopen(dir: string, opts: WalOptions = {}) {
  const { wal, recovery } = Wal.open(new FsDisk(dir), opts);
  wal.close();
  return recovery;
}

function segPath(dir: string, first = 1): string {
  return join(dir, segName(first));
}

describe("raft WAL on disk", () => {
  test("crc32: native and table agree", () => {
    for (const s of ["", "a", "hello world", "x".repeat(1000)]) assert.equal(crc32(Buffer.from(s), 5), crc32Table(Buffer.from(s), 5));
  });

  test("entries, term and vote survive a reopen", async (t) => {
    const dir = tempDir(t);
    await fresh(dir);
    const r = reopen(dir);
    assert.equal(r.status, "ok");
    assert.equal(r.nodeId, 7);
    assert.deepEqual(r.hardState, { term: 3, vote: 8, recovering: false });
    assert.deepEqual(
      r.entries.map((e) => Buffer.from(e.data).toString()),
      entries(1, 10).map((e) => Buffer.from(e.data).toString()),
    );
    assert.deepEqual(r.snapshot?.meta.conf.voters, [7, 8, 9]);
  });

  test("segments roll over and a conflicting suffix is replaced durably", async (t) => {
    const dir = tempDir(t);
    const opts = { segmentBytes: 256 };
    await fresh(dir, opts, 30);
    assert.ok(fs.readdirSync(dir).filter((f) => f.startsWith("log-")).length > 3);
    const { wal } = Wal.open(new FsDisk(dir), opts);
    await save(wal, { term: 4, vote: 7 }, entries(5, 3, 4));
    wal.close();
    const r = reopen(dir, opts);
    assert.equal(r.status, "ok");
    assert.deepEqual(
      r.entries.map((e) => e.term),
      [1, 1, 1, 1, 4, 4, 4],
    );
  });

  test("a torn tail is cut and the node marked recovering", async (t) => {
    const dir = tempDir(t);
    await fresh(dir);
    const p = segPath(dir);
    const b = fs.readFileSync(p);
    let end = b.length;
    while (b[end - 1] === 0) end--;
    // a half-written frame after the last one: a length, then part of a payload
    b.writeUInt32BE(40, end);
    b.write("partial", end + 8);
    fs.writeFileSync(p, b);
    const r = reopen(dir);
    assert.equal(r.status, "recovered");
    assert.equal(r.entries.length, 10);
    assert.equal(r.hardState.recovering, true);
    assert.equal(reopen(dir).hardState.recovering, true, "the mark is durable");
  });

  test("a flipped byte discards the log from the damaged entry on", async (t) => {
    const dir = tempDir(t);
    await fresh(dir);
    const p = segPath(dir);
    const b = fs.readFileSync(p);
    const at = b.indexOf("entry-6");
    b[at + 3]! ^= 0x10;
    fs.writeFileSync(p, b);
    const r = reopen(dir);
    assert.equal(r.status, "recovered");
    assert.deepEqual(
      r.entries.map((e) => e.index),
      [1, 2, 3, 4, 5],
    );
    assert.equal(r.hardState.recovering, true);
    assert.match(r.problems.join(), /checksum/);
    const again = reopen(dir);
    assert.equal(again.entries.length, 5, "the cut is repaired on disk");
  });

  test("a file cut short is detected even at a frame boundary (preallocated size)", async (t) => {
    const dir = tempDir(t);
    await fresh(dir);
    const p = segPath(dir);
    const b = fs.readFileSync(p);
    const cut = b.indexOf("entry-9") - 8 - 13;
    fs.truncateSync(p, cut);
    const r = reopen(dir);
    assert.equal(r.hardState.recovering, true);
    assert.deepEqual(
      r.entries.map((e) => e.index),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });

  test("planted bugs: trusting a corrupt entry, cutting silently", async (t) => {
    const dir = tempDir(t);
    await fresh(dir);
    const p = segPath(dir);
    const b = fs.readFileSync(p);
    b[b.indexOf("entry-6") + 3]! ^= 0x10;
    fs.writeFileSync(p, b);
    const dir2 = tempDir(t);
    fs.cpSync(dir, dir2, { recursive: true });
    const trusted = reopen(dir, { bugs: { trustCorrupt: true } });
    assert.equal(trusted.entries.length, 10);
    assert.equal(trusted.hardState.recovering, false);
    const silent = reopen(dir2, { bugs: { truncateSilently: true } });
    assert.equal(silent.entries.length, 5);
    assert.equal(silent.hardState.recovering, false);
  });

  test("state is replaced atomically; a leftover temp file is ignored; a damaged state loses the identity", async (t) => {
    const dir = tempDir(t);
    await fresh(dir);
    fs.writeFileSync(join(dir, STATE_FILE + ".tmp"), "garbage");
    const r = reopen(dir);
    assert.deepEqual(r.hardState, { term: 3, vote: 8, recovering: false });
    assert.ok(!fs.existsSync(join(dir, STATE_FILE + ".tmp")));
    const s = fs.readFileSync(join(dir, STATE_FILE));
    s[s.length - 2]! ^= 1;
    fs.writeFileSync(join(dir, STATE_FILE), s);
    assert.equal(reopen(dir).status, "identityLost");
  });

  test("a snapshot replaces the log; compaction drops covered segments", async (t) => {
    const dir = tempDir(t);
    const opts = { segmentBytes: 256 };
    await fresh(dir, opts, 30);
    const { wal } = Wal.open(new FsDisk(dir), opts);
    const snap = { meta: { index: 20, term: 1, conf: { voters: [7, 8, 9], learners: [] } }, data: Buffer.from("sm") };
    await new Promise<void>((res, rej) => wal.saveSnapshot(snap, (e) => (e ? rej(e) : res())));
    wal.close();
    const r = reopen(dir, opts);
    assert.equal(r.snapshot?.meta.index, 20);
    assert.deepEqual(
      r.entries.map((e) => e.index),
      entries(21, 10).map((e) => e.index),
    );
    const { wal: w2 } = Wal.open(new FsDisk(dir), opts);
    const leaderSnap = { meta: { index: 50, term: 5, conf: { voters: [7, 8, 9], learners: [] } }, data: Buffer.from("sm2") };
    await new Promise<void>((res, rej) => w2.save({ term: 5, vote: 0, recovering: false }, entries(51, 2, 5), leaderSnap, (e) => (e ? rej(e) : res())));
    w2.close();
    const r2 = reopen(dir, opts);
    assert.equal(r2.status, "ok");
    assert.equal(r2.snapshot?.meta.index, 50);
    assert.deepEqual(
      r2.entries.map((e) => e.index),
      [51, 52],
    );
  });

  test("lazy mode writes without fsync until sync()", async (t) => {
    const dir = tempDir(t);
    const { wal } = Wal.open(new FsDisk(dir), { sync: "lazy" });
    wal.create(1, { voters: [1], learners: [] });
    const { wal: w } = Wal.open(new FsDisk(dir), { sync: "lazy" });
    await save(w, null, entries(1, 5));
    await new Promise<void>((res, rej) => w.sync((e) => (e ? rej(e) : res())));
    w.close();
    assert.equal(reopen(dir).entries.length, 5);
  });
});
