/**
 * The crash loop: a child process appends under `sync_interval: always` and reports what the
 * store declared durable; the parent kills it with SIGKILL at a random moment, reopens the
 * store and checks that every acknowledged message is there, in order, with nothing repeated,
 * and that the consumer state is at least as far as acknowledged. Seeded and bounded; set
 * STORE_CRASH_ROUNDS (and optionally STORE_CRASH_SEED) for a longer soak.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { defaultStreamStoreConfig, FileStore } from "../../../src/jetstream/store/index.js";
import { prng } from "../../helpers/prng.js";

const CHILD = fileURLToPath(new URL("./crash-child.js", import.meta.url));
const ROUNDS = Number(process.env.STORE_CRASH_ROUNDS ?? 6);
const SEED = Number(process.env.STORE_CRASH_SEED ?? 1);
const root = mkdtempSync(join(tmpdir(), "tsnats-crash-"));
after(() => rmSync(root, { recursive: true, force: true }));

interface Acked {
  seq: number;
  consumer: [number, number, number];
}

/** Runs one child until it is killed `delayMs` after it is ready; returns what it acknowledged. */
function runChild(dir: string, round: number, delayMs: number, acked: Acked): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(SEED), String(round)], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const [kind, a, b, c] = line.split(" ");
      if (kind === "READY") setTimeout(() => child.kill("SIGKILL"), delayMs);
      else if (kind === "A") acked.seq = Math.max(acked.seq, Number(a));
      else if (kind === "C") acked.consumer = [Number(a), Number(b), Number(c)];
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), delayMs + 20_000);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      if (signal === "SIGKILL") resolve();
      else reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

async function verify(dir: string, acked: Acked, round: number): Promise<void> {
  const s = await FileStore.open(defaultStreamStoreConfig({ name: "C", subjects: ["s.>"] }), { dir, syncAlways: true, blockSize: 64 * 1024 });
  try {
    assert.equal(s.corruptions, 0, `round ${round}: no corruption after a crash`);
    const st = s.state();
    assert.ok(st.lastSeq >= acked.seq, `round ${round}: lastSeq ${st.lastSeq} >= acked ${acked.seq}`);
    const seen = new Set<string>();
    for (let seq = 1; seq <= st.lastSeq; seq++) {
      const m = s.loadMsg(seq);
      if (m === null) {
        assert.ok(seq > acked.seq, `round ${round}: acknowledged seq ${seq} is missing`);
        continue;
      }
      const [r, sq, nn] = m.msg.toString().split(":");
      assert.equal(Number(sq), seq, `round ${round}: seq ${seq} holds the message written for it`);
      const id = `${r}:${nn}`;
      assert.ok(!seen.has(id), `round ${round}: message ${id} appears twice`);
      seen.add(id);
    }
    const c = s.consumerStore("c1", { ackPolicy: "explicit", maxDeliver: 0 }).state();
    const [dc, ds, af] = acked.consumer;
    assert.ok(c.delivered.consumer >= dc && c.delivered.stream >= ds && c.ackFloor.stream >= af,
      `round ${round}: consumer ${JSON.stringify(c.delivered)}/${c.ackFloor.stream} behind acknowledged ${acked.consumer}`);
    assert.equal(c.delivered.consumer, c.delivered.stream, "one delivery per message, in order");
    for (const k of c.pending.keys()) assert.ok(k > c.ackFloor.stream && k <= c.delivered.stream);
  } finally {
    await s.stop();
  }
}

test(`crash loop: SIGKILL at random moments, ${ROUNDS} rounds (seed ${SEED})`, { timeout: 60_000 + ROUNDS * 30_000 }, async () => {
  const dir = join(root, "stream");
  const r = prng(SEED);
  const acked: Acked = { seq: 0, consumer: [0, 0, 0] };
  for (let round = 1; round <= ROUNDS; round++) {
    await runChild(dir, round, 20 + Math.floor(r() * 400), acked);
    await verify(dir, acked, round);
  }
  assert.ok(acked.seq > 0, "the child acknowledged something");
});
