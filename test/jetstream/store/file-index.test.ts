/**
 * The index file (msgs/index.db) is a cache: whether it is current, stale (a crash after more
 * writes), missing, truncated or corrupt, opening a copy of the directory must give exactly the
 * state of the store it was copied from. Seeded random operations; a copy of the directory
 * stands for the disk at the moment of a crash.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { defaultStreamStoreConfig, FileStore, type CorruptionReport } from "../../../src/jetstream/store/index.js";
import { prng } from "../../helpers/prng.js";

const root = mkdtempSync(join(tmpdir(), "tsnats-fsi-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const CFG = defaultStreamStoreConfig({ name: "I", subjects: ["k.>"], allowMsgTtl: true });
const open = (dir: string, onCorruption?: (r: CorruptionReport) => void): Promise<FileStore> =>
  FileStore.open(CFG, { dir, blockSize: 2048, onCorruption });

/** Everything observable about a store's contents. */
function snapshot(s: FileStore): unknown {
  const st = s.state();
  const msgs: string[] = [];
  for (let seq = st.firstSeq; seq <= st.lastSeq; seq++) {
    const m = s.loadMsg(seq);
    if (m !== null) msgs.push(`${seq} ${m.subject} ${m.hdr.toString()} ${m.msg.toString()} ${m.tsMs}.${m.tsNs}`);
  }
  return {
    msgs: st.msgs, bytes: st.bytes, first: st.firstSeq, last: st.lastSeq, numSubjects: st.numSubjects,
    deleted: st.deleted, list: msgs, subjects: [...s.subjectsState("")].sort(), lastPer: s.allLastSeqs(),
  };
}

function randomOp(s: FileStore, r: () => number, i: number): void {
  const st = s.state();
  const x = r();
  const span = Math.max(1, st.lastSeq - st.firstSeq + 1);
  if (x < 0.6) {
    const hdr = r() < 0.2 ? Buffer.from(`NATS/1.0\r\nNats-TTL: 3600\r\n\r\n`) : null;
    s.storeMsg(`k.${Math.floor(r() * 20)}`, hdr, Buffer.from(`v${i}`.repeat(1 + Math.floor(r() * 20))), hdr ? 3600 : 0);
  } else if (x < 0.75) s.removeMsg(st.firstSeq + Math.floor(r() * span));
  else if (x < 0.8) s.eraseMsg(st.firstSeq + Math.floor(r() * span));
  else if (x < 0.84) s.purgeEx(`k.${Math.floor(r() * 20)}`, 0, Math.floor(r() * 3));
  else if (x < 0.86) s.compact(st.firstSeq + Math.floor(r() * span));
  else if (x < 0.88) {
    if (st.msgs > 0) s.truncate(st.firstSeq + Math.floor(r() * span));
  } else if (x < 0.9) s.skipMsgs(0, 1 + Math.floor(r() * 3));
  else if (x < 0.91) s.purge();
}

describe("file store index file", () => {
  // STORE_SOAK_SEEDS=<n> runs n seeds instead of 6.
  const seeds = Number(process.env.STORE_SOAK_SEEDS ?? 6);
  for (let seed = 1; seed <= seeds; seed++) {
    test(`current, stale, missing and damaged index files all give the same state (seed ${seed})`, async () => {
      const r = prng(seed);
      const dir = join(root, `i${n++}`);
      let s = await open(dir);
      for (let i = 0; i < 600; i++) {
        randomOp(s, r, i);
        if (r() < 0.02) {
          // Stop (writes a current index) and reopen.
          const want = snapshot(s);
          await s.stop();
          s = await open(dir);
          assert.deepEqual(snapshot(s), want, `seed ${seed} step ${i}: reopen`);
        }
        if (r() < 0.03) {
          // "Crash": copy the directory as it is on disk, maybe damage the index, open the copy.
          s.flushAllPending();
          const copy = join(root, `c${n++}`);
          cpSync(dir, copy, { recursive: true });
          const idx = join(copy, "msgs", "index.db");
          const damage = r();
          if (existsSync(idx)) {
            if (damage < 0.25) rmSync(idx);
            else if (damage < 0.5) truncateSync(idx, Math.floor(r() * statSync(idx).size));
            else if (damage < 0.75) {
              const b = readFileSync(idx);
              const off = Math.floor(r() * b.length);
              b[off] = b[off]! ^ 0x10;
              writeFileSync(idx, b);
            }
          }
          const reports: CorruptionReport[] = [];
          const c = await open(copy, (x) => reports.push(x));
          await c.scrubbed;
          assert.deepEqual(snapshot(c), snapshot(s), `seed ${seed} step ${i}: crash copy (damage ${damage.toFixed(2)})`);
          assert.deepEqual(reports, []);
          await c.stop();
          rmSync(copy, { recursive: true, force: true });
        }
      }
      await s.stop();
    });
  }
});
