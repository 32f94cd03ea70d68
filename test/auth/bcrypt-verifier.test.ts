/** The bcrypt verifier without sockets: verdict caches, busy, dropped checks, the pool. */
import assert from "node:assert/strict";
import { test } from "node:test";
import bcrypt from "bcryptjs";
import { BcryptVerifier } from "../../src/auth/bcrypt.js";

const HASH = bcrypt.hashSync("right", 4);

test("wrong passwords evict only wrong verdicts: the right one is still remembered", () => {
  const v = new BcryptVerifier({ verdictsMax: 8 });
  assert.equal(v.compareSync("right", HASH), true);
  for (let i = 0; i < 50; i++) assert.equal(v.compareSync(`wrong${i}`, HASH), false);
  assert.equal(v.verdict("right", HASH), true);
  assert.equal(v.verdict("wrong49", HASH), false);
  assert.equal(v.verdict("wrong0", HASH), undefined, "old wrong verdicts are evicted one by one");
});

test("checks run in a worker and are remembered", async (t) => {
  const v = new BcryptVerifier({ workers: 2 });
  t.after(() => v.close());
  const job = (given: string) => ({ given, hash: HASH, source: "127.0.0.1", isGone: () => false });
  assert.deepEqual(await Promise.all([v.check(job("right")), v.check(job("nope")), v.check(job("right"))]), ["ok", "wrong", "ok"]);
  assert.equal(v.verdict("right", HASH), true);
  assert.equal(v.verdict("nope", HASH), false);
});

test("a check whose connection has gone is dropped, never run; a full queue answers busy", async (t) => {
  const v = new BcryptVerifier({ workers: 1, maxPending: 3, maxPendingPerSource: 2 });
  t.after(() => v.close());
  let gone = false;
  const first = v.check({ given: "a", hash: HASH, source: "x", isGone: () => false }); // in the worker
  const leaver = v.check({ given: "b", hash: HASH, source: "x", isGone: () => gone });
  const second = v.check({ given: "c", hash: HASH, source: "x", isGone: () => false });
  assert.equal(await v.check({ given: "d", hash: HASH, source: "x", isGone: () => false }), "busy", "over the source's share");
  gone = true;
  assert.deepEqual(await Promise.all([first, leaver, second]), ["wrong", "gone", "wrong"]);
  assert.equal(v.dropped, 1);
  assert.equal(v.busy, 1);
  assert.equal(v.verdict("b", HASH), undefined, "the dropped check was never made");
});
