/**
 * The behavioural table every StreamStore must pass (nats-server runs its store tests over
 * memory and file stores alike: testAllStoreAllPermutations). Each store's test file calls
 * {@link storeTable} with a factory.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  defaultStreamStoreConfig, ErrMaxBytes, ErrMaxMsgs, ErrMaxMsgsPerSubject, ErrMsgTooLarge, ErrNoAckPolicy,
  ErrSequenceMismatch, ErrStoreMsgNotFound, ErrTooManyResults, makeFilter, newStoreMsg,
} from "../../../src/jetstream/store/index.js";
import type { StreamStore, StreamStoreConfig } from "../../../src/jetstream/store/index.js";

/** A clock tests move by hand. */
export class FakeClock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
}

export type StoreFactory = (cfg: StreamStoreConfig, clock: FakeClock) => Promise<StreamStore>;

const B = (s: string): Buffer => Buffer.from(s);
const HDR = (h: string): Buffer => Buffer.from(`NATS/1.0\r\n${h}\r\n\r\n`);

async function withStore(f: StoreFactory, cfg: Partial<StreamStoreConfig>, fn: (s: StreamStore, c: FakeClock) => void | Promise<void>): Promise<void> {
  const clock = new FakeClock();
  const s = await f(defaultStreamStoreConfig({ name: "T", subjects: ["foo.>", "bar", "baz.*"], ...cfg }), clock);
  try {
    await fn(s, clock);
  } finally {
    await s.stop();
  }
}

function fill(s: StreamStore, subjects: string[], n: number): void {
  for (let i = 0; i < n; i++) s.storeMsg(subjects[i % subjects.length]!, null, B(`m${i}`), 0);
}

export function storeTable(kind: string, f: StoreFactory): void {
  describe(`${kind} store: behaviour table`, () => {
    test("store and load: sequences, subjects, headers, time", () => withStore(f, {}, (s, clock) => {
      const pos = { seq: 0, tsMs: 0, tsNs: 0 };
      clock.t += 0.5;
      assert.equal(s.storeMsg("foo.a", HDR("X: 1"), B("hello"), 0, pos), 1);
      assert.deepEqual(pos, { seq: 1, tsMs: 1_700_000_000_000, tsNs: 500_000 });
      assert.equal(s.storeMsg("bar", null, B("world"), 0), 2);
      const m = s.loadMsg(1)!;
      assert.equal(m.subject, "foo.a");
      assert.equal(m.hdr.toString(), "NATS/1.0\r\nX: 1\r\n\r\n");
      assert.equal(m.msg.toString(), "hello");
      assert.equal(m.tsNs, 500_000);
      const out = newStoreMsg();
      assert.equal(s.loadMsg(2, out), out);
      assert.equal(out.hdr.length, 0);
      assert.equal(out.msg.toString(), "world");
      assert.equal(s.loadMsg(3), null);
      const st = s.state();
      assert.equal(st.msgs, 2);
      assert.equal(st.firstSeq, 1);
      assert.equal(st.lastSeq, 2);
      assert.equal(st.numSubjects, 2);
      assert.equal(st.firstTsMs, 1_700_000_000_000);
      assert.equal(s.subjectForSeq(2), "bar");
      assert.equal(s.durableSeq <= 2, true);
    }));

    test("a new empty store starts at first_seq", () => withStore(f, { firstSeq: 100 }, (s) => {
      assert.equal(s.state().firstSeq, 100);
      assert.equal(s.storeMsg("bar", null, B("x"), 0), 100);
    }));

    test("max_msgs: discard old drops the oldest, discard new refuses", async () => {
      await withStore(f, { maxMsgs: 10 }, (s) => {
        fill(s, ["foo.a"], 25);
        const st = s.state();
        assert.equal(st.msgs, 10);
        assert.equal(st.firstSeq, 16);
        assert.equal(st.lastSeq, 25);
      });
      await withStore(f, { maxMsgs: 10, discard: "new" }, (s) => {
        fill(s, ["foo.a"], 10);
        assert.throws(() => s.storeMsg("foo.a", null, B("x"), 0), (e) => e === ErrMaxMsgs);
        assert.equal(s.state().lastSeq, 10);
      });
    });

    test("max_bytes: discard old and new", async () => {
      let one = 0;
      await withStore(f, {}, (s) => {
        s.storeMsg("foo.a", null, B("0123456789"), 0);
        one = s.state().bytes;
      });
      await withStore(f, { maxBytes: one * 5 }, (s) => {
        for (let i = 0; i < 12; i++) s.storeMsg("foo.a", null, B("0123456789"), 0);
        assert.equal(s.state().msgs, 5);
        assert.equal(s.state().bytes, one * 5);
        assert.equal(s.state().firstSeq, 8);
      });
      await withStore(f, { maxBytes: one * 5, discard: "new" }, (s) => {
        for (let i = 0; i < 5; i++) s.storeMsg("foo.a", null, B("0123456789"), 0);
        assert.throws(() => s.storeMsg("foo.a", null, B("0123456789"), 0), (e) => e === ErrMaxBytes);
        assert.equal(s.state().msgs, 5);
      });
    });

    test("max_msgs_per_subject: old drops that subject's oldest; discard new per subject refuses", async () => {
      await withStore(f, { maxMsgsPerSubject: 2 }, (s) => {
        fill(s, ["foo.a", "foo.b"], 10);
        assert.equal(s.state().msgs, 4);
        assert.deepEqual([...s.subjectsTotals("")].sort(), [["foo.a", 2], ["foo.b", 2]]);
        assert.equal(s.loadMsg(7)!.subject, "foo.a");
        assert.equal(s.loadMsg(6), null);
      });
      await withStore(f, { maxMsgsPerSubject: 2, discard: "new", discardNewPerSubject: true }, (s) => {
        fill(s, ["foo.a"], 2);
        assert.throws(() => s.storeMsg("foo.a", null, B("x"), 0), (e) => e === ErrMaxMsgsPerSubject);
        s.storeMsg("foo.b", null, B("x"), 0);
        // A rollup may pass: it purges the subject afterwards.
        s.storeMsg("foo.a", HDR("Nats-Rollup: sub"), B("x"), 0);
        assert.equal(s.state().lastSeq, 4);
      });
      await withStore(f, { maxMsgs: 3, maxMsgsPerSubject: 1, discard: "new" }, (s) => {
        fill(s, ["foo.a", "foo.b", "foo.c"], 3);
        assert.throws(() => s.storeMsg("foo.d", null, B("x"), 0), (e) => e === ErrMaxMsgs);
        // At the subject limit the new message replaces the old one: accepted.
        s.storeMsg("foo.a", null, B("y"), 0);
        assert.equal(s.state().msgs, 3);
      });
    });

    test("max_msg_size refuses bigger messages", () => withStore(f, { maxMsgSize: 8 }, (s) => {
      s.storeMsg("bar", null, B("12345678"), 0);
      assert.throws(() => s.storeMsg("bar", null, B("123456789"), 0), (e) => e === ErrMsgTooLarge);
      assert.throws(() => s.storeMsg("bar", HDR("A: b"), B("1"), 0), (e) => e === ErrMsgTooLarge);
    }));

    test("remove and erase: interior deletes, first sequence moves", () => withStore(f, {}, (s) => {
      fill(s, ["foo.a"], 10);
      assert.equal(s.removeMsg(5), true);
      assert.equal(s.removeMsg(5), false);
      assert.equal(s.eraseMsg(6), true);
      assert.equal(s.loadMsg(6), null);
      assert.equal(s.removeMsg(1), true);
      assert.equal(s.removeMsg(2), true);
      const st = s.state();
      assert.equal(st.firstSeq, 3);
      assert.deepEqual(st.deleted, [5, 6]);
      assert.equal(st.numDeleted, 2);
      assert.equal(st.msgs, 6);
      for (let i = 3; i <= 10; i++) s.removeMsg(i);
      assert.equal(s.state().firstSeq, 11);
      assert.equal(s.state().msgs, 0);
      assert.equal(s.storeMsg("foo.a", null, B("x"), 0), 11);
    }));

    test("purge keeps the sequence going", () => withStore(f, {}, (s) => {
      fill(s, ["foo.a", "bar"], 10);
      assert.equal(s.purge(), 10);
      const st = s.state();
      assert.equal(st.msgs, 0);
      assert.equal(st.bytes, 0);
      assert.equal(st.firstSeq, 11);
      assert.equal(st.lastSeq, 10);
      assert.equal(st.numSubjects, 0);
      assert.equal(s.storeMsg("bar", null, B("x"), 0), 11);
      assert.equal(s.state().firstSeq, 11);
    }));

    test("purgeEx: by subject, wildcard, keep, and up to a sequence", () => withStore(f, {}, (s) => {
      fill(s, ["foo.a", "foo.b", "bar"], 30); // 10 each
      assert.equal(s.purgeEx("foo.a", 0, 3), 7);
      assert.equal(s.filteredState(1, "foo.a").msgs, 3);
      assert.equal(s.filteredState(1, "foo.a").first, 22);
      assert.equal(s.purgeEx("foo.*", 11, 0), 3); // foo.b 2, 5, 8 (foo.a has nothing left below 11)
      assert.equal(s.filteredState(1, "foo.b").first, 11);
      assert.equal(s.purgeEx("bar", 0, 0), 10);
      assert.equal(s.numPending(0, "bar", false), 0);
      assert.equal(s.purgeEx("", 20, 0), 3); // compact below 20
      assert.equal(s.state().firstSeq, 20);
      const before = s.state().msgs;
      assert.equal(s.purgeEx(">", 0, 2), before - 2);
      assert.equal(s.state().msgs, 2);
      assert.equal(s.purgeEx("nope", 0, 0), 0);
      assert.equal(s.purgeEx("", 1, 0), 0);
    }));

    test("compact inside the range and past the end", () => withStore(f, {}, (s) => {
      fill(s, ["foo.a", "bar"], 20);
      s.removeMsg(12);
      assert.equal(s.compact(12), 11);
      assert.equal(s.state().firstSeq, 13);
      assert.equal(s.state().msgs, 8);
      assert.equal(s.filteredState(0, "foo.a").msgs, 4);
      assert.equal(s.compact(5), 0);
      assert.equal(s.compact(100), 8);
      const st = s.state();
      assert.equal(st.firstSeq, 100);
      assert.equal(st.lastSeq, 99);
      assert.equal(s.storeMsg("bar", null, B("x"), 0), 100);
    }));

    test("truncate drops the tail; truncate(0) resets", () => withStore(f, {}, (s, clock) => {
      for (let i = 0; i < 10; i++) {
        clock.t += 1;
        s.storeMsg(i % 2 ? "bar" : "foo.a", null, B(`m${i}`), 0);
      }
      s.truncate(6);
      const st = s.state();
      assert.equal(st.lastSeq, 6);
      assert.equal(st.msgs, 6);
      assert.equal(st.lastTsMs, 1_700_000_000_006);
      assert.equal(s.loadMsg(7), null);
      assert.equal(s.subjectsTotals("").get("bar"), 3);
      assert.equal(s.loadLastMsg("bar")!.seq, 6);
      assert.equal(s.storeMsg("bar", null, B("x"), 0), 7);
      s.truncate(0);
      assert.equal(s.state().lastSeq, 0);
      assert.equal(s.state().msgs, 0);
      assert.equal(s.storeMsg("bar", null, B("x"), 0), 1);
    }));

    test("loadNextMsg with literal, wildcard and multiple filters", () => withStore(f, {}, (s) => {
      const subs = ["foo.a", "foo.b.c", "bar", "baz.x"];
      fill(s, subs, 40);
      assert.equal(s.loadNextMsg("bar", false, 1)!.seq, 3);
      assert.equal(s.loadNextMsg("bar", false, 4)!.seq, 7);
      assert.equal(s.loadNextMsg("foo.*", true, 1)!.seq, 1);
      assert.equal(s.loadNextMsg("foo.*", true, 2)!.seq, 5);
      assert.equal(s.loadNextMsg("foo.>", true, 2)!.seq, 2);
      assert.equal(s.loadNextMsg("*.x", true, 1)!.seq, 4);
      assert.equal(s.loadNextMsg(">", true, 17)!.seq, 17);
      assert.equal(s.loadNextMsg("", false, 17)!.seq, 17);
      assert.equal(s.loadNextMsg("bar", false, 40), null);
      assert.equal(s.loadNextMsg("nope", false, 1), null);
      assert.equal(s.loadNextMsg("foo.*", false, 1), null); // not a wildcard when wc is false
      const multi = makeFilter(["bar", "baz.*"]);
      assert.equal(s.loadNextMsgMulti(multi, 1)!.seq, 3);
      assert.equal(s.loadNextMsgMulti(multi, 4)!.seq, 4);
      assert.equal(s.loadNextMsgMulti(multi, 5)!.seq, 7);
      s.removeMsg(7);
      assert.equal(s.loadNextMsgMulti(multi, 5)!.seq, 8);
      assert.equal(s.loadNextMsgMulti(makeFilter(["zzz"]), 1), null);
    }));

    test("loadLastMsg and loadPrevMsg", () => withStore(f, {}, (s) => {
      fill(s, ["foo.a", "foo.b", "bar"], 9);
      assert.equal(s.loadLastMsg("foo.a")!.seq, 7);
      assert.equal(s.loadLastMsg("foo.*")!.seq, 8);
      assert.equal(s.loadLastMsg("")!.seq, 9);
      assert.equal(s.loadLastMsg(">")!.seq, 9);
      assert.equal(s.loadLastMsg("nope"), null);
      s.removeMsg(7);
      assert.equal(s.loadLastMsg("foo.a")!.seq, 4);
      assert.equal(s.loadPrevMsg("foo.a", false, 6)!.seq, 4);
      assert.equal(s.loadPrevMsg("", false, 6)!.seq, 6);
      assert.equal(s.loadPrevMsg("foo.*", true, 3)!.seq, 2);
      assert.equal(s.loadPrevMsg("bar", false, 2), null);
    }));

    test("numPending and filteredState", () => withStore(f, {}, (s) => {
      fill(s, ["foo.a", "foo.b", "bar"], 30);
      assert.equal(s.numPending(1, "", false), 30);
      assert.equal(s.numPending(11, ">", false), 20);
      assert.equal(s.numPending(1, "foo.a", false), 10);
      assert.equal(s.numPending(5, "foo.a", false), 8);
      assert.equal(s.numPending(1, "foo.*", false), 20);
      assert.equal(s.numPending(29, "foo.*", false), 1);
      assert.equal(s.numPending(1, "", true), 3);
      assert.equal(s.numPending(29, "", true), 2);
      assert.equal(s.numPending(1, "foo.*", true), 2);
      assert.equal(s.numPending(1, "foo.a", true), 1);
      assert.equal(s.numPendingMulti(1, makeFilter(["foo.a", "bar"]), false), 20);
      assert.equal(s.numPendingMulti(10, makeFilter(["foo.a", "bar"]), true), 2);
      assert.deepEqual(s.filteredState(5, "foo.b"), { msgs: 9, first: 5, last: 29 });
      assert.deepEqual(s.filteredState(1, "bar"), { msgs: 10, first: 3, last: 30 });
      assert.deepEqual(s.filteredState(100, "bar"), { msgs: 0, first: 0, last: 0 });
      assert.deepEqual(s.filteredState(4, "foo.*"), { msgs: 18, first: 4, last: 29 });
      s.removeMsg(4);
      assert.deepEqual(s.filteredState(4, "foo.*"), { msgs: 17, first: 5, last: 29 });
    }));

    test("subjectsState, subjectsTotals, allLastSeqs, multiLastSeqs", () => withStore(f, {}, (s) => {
      fill(s, ["foo.a", "foo.b", "bar"], 9);
      assert.deepEqual(s.subjectsState("foo.*").get("foo.b"), { msgs: 3, first: 2, last: 8 });
      assert.equal(s.subjectsState("").size, 3);
      assert.deepEqual([...s.subjectsTotals("foo.>")].sort(), [["foo.a", 3], ["foo.b", 3]]);
      assert.deepEqual(s.allLastSeqs(), [7, 8, 9]);
      s.removeMsg(9);
      assert.deepEqual(s.allLastSeqs(), [6, 7, 8]);
      assert.deepEqual(s.multiLastSeqs(["foo.*"], 0, 0), [7, 8]);
      assert.deepEqual(s.multiLastSeqs(["foo.a", "bar"], 5, 0), [3, 4]);
      assert.throws(() => s.multiLastSeqs([">"], 0, 2), (e) => e === ErrTooManyResults);
    }));

    test("getSeqFromTime", () => withStore(f, {}, (s, clock) => {
      for (let i = 0; i < 20; i++) {
        clock.t += 10;
        s.storeMsg("bar", null, B("x"), 0);
      }
      const t0 = 1_700_000_000_000;
      assert.equal(s.getSeqFromTime(t0, 0), 1);
      assert.equal(s.getSeqFromTime(t0 + 10, 0), 1);
      assert.equal(s.getSeqFromTime(t0 + 10, 1), 2);
      assert.equal(s.getSeqFromTime(t0 + 55, 0), 6);
      assert.equal(s.getSeqFromTime(t0 + 200, 0), 20);
      assert.equal(s.getSeqFromTime(t0 + 201, 0), 21);
      for (let i = 5; i <= 9; i++) s.removeMsg(i);
      assert.equal(s.getSeqFromTime(t0 + 55, 0), 10);
    }));

    test("max_age expires old messages", () => withStore(f, { maxAgeMs: 1000 }, (s, clock) => {
      fill(s, ["bar"], 5);
      clock.t += 500;
      fill(s, ["bar"], 5);
      clock.t += 600;
      s.runExpiry();
      assert.equal(s.state().msgs, 5);
      assert.equal(s.state().firstSeq, 6);
      clock.t += 500;
      s.runExpiry();
      assert.equal(s.state().msgs, 0);
    }));

    test("per-message TTL and never", () => withStore(f, { allowMsgTtl: true, maxAgeMs: 10_000 }, (s, clock) => {
      s.storeMsg("bar", HDR("Nats-TTL: 1s"), B("a"), 1);
      s.storeMsg("bar", HDR("Nats-TTL: never"), B("b"), -1);
      s.storeMsg("bar", null, B("c"), 0);
      s.storeMsg("bar", HDR("Nats-TTL: 5s"), B("d"), 5);
      clock.t += 1500;
      s.runExpiry();
      assert.deepEqual(s.state().deleted ?? [], []);
      assert.equal(s.state().firstSeq, 2);
      clock.t += 4000;
      s.runExpiry();
      assert.equal(s.loadMsg(4), null);
      assert.equal(s.state().msgs, 2);
      clock.t += 10_000;
      s.runExpiry();
      assert.equal(s.state().msgs, 1);
      assert.equal(s.loadMsg(2)!.msg.toString(), "b");
    }));

    test("skipMsg, skipMsgs and storeRawMsg", () => withStore(f, {}, (s) => {
      assert.equal(s.skipMsg(0), 1);
      assert.equal(s.state().firstSeq, 2);
      s.skipMsgs(2, 5);
      assert.equal(s.state().lastSeq, 6);
      s.storeRawMsg("bar", null, B("x"), 7, 1_600_000_000_000, 123, 0, true);
      assert.equal(s.loadMsg(7)!.tsNs, 123);
      assert.throws(() => s.storeRawMsg("bar", null, B("x"), 9, 1, 0, 0, true), (e) => e === ErrSequenceMismatch);
      assert.throws(() => s.skipMsg(3), (e) => e === ErrSequenceMismatch);
      s.storeRawMsg("bar", null, B("y"), 0, 1_600_000_000_001, 0, 0, true);
      assert.equal(s.state().lastSeq, 8);
      assert.equal(s.skipMsg(9), 9);
      assert.equal(s.storeMsg("bar", null, B("z"), 0), 10);
      assert.deepEqual(s.state().deleted, [9]);
    }));

    test("storage update callbacks", () => withStore(f, { maxMsgs: 3 }, (s) => {
      const calls: [number, number, number, string][] = [];
      s.registerStorageUpdates((m, b, seq, subj) => calls.push([m, b, seq, subj]));
      s.storeMsg("bar", null, B("x"), 0);
      const size = calls[0]![1];
      for (let i = 0; i < 3; i++) s.storeMsg("bar", null, B("x"), 0);
      assert.deepEqual(calls.slice(-2), [[-1, -size, 1, "bar"], [1, size, 4, "bar"]]);
      s.removeMsg(3);
      assert.deepEqual(calls.at(-1), [-1, -size, 3, "bar"]);
      s.purge();
      assert.deepEqual(calls.at(-1), [-2, -2 * size, 0, ""]);
    }));

    test("consumer store: explicit acks, floor, redeliveries", () => withStore(f, {}, (s) => {
      const c = s.consumerStore("dur", { ackPolicy: "explicit", maxDeliver: 3 });
      assert.equal(s.state().consumerCount, 1);
      c.setStarting(0);
      for (let i = 1; i <= 5; i++) c.updateDelivered(i, i, 1, 1000 + i);
      c.updateDelivered(6, 2, 2, 2000);
      let st = c.state();
      assert.deepEqual(st.delivered, { consumer: 6, stream: 5 });
      assert.equal(st.pending.size, 5);
      assert.deepEqual(st.pending.get(2), { sequence: 2, timestampMs: 2000 });
      assert.equal(st.redelivered.get(2), 1);
      c.updateAcks(1, 1);
      c.updateAcks(6, 2);
      st = c.state();
      assert.deepEqual(st.ackFloor, { consumer: 2, stream: 2 });
      assert.equal(st.redelivered.size, 0);
      c.updateAcks(4, 4);
      assert.deepEqual(c.state().ackFloor, { consumer: 2, stream: 2 });
      c.updateAcks(3, 3);
      assert.deepEqual(c.state().ackFloor, { consumer: 4, stream: 4 });
      assert.throws(() => c.updateAcks(9, 9), (e) => e === ErrStoreMsgNotFound);
      c.updateAcks(5, 5);
      assert.deepEqual(c.state().ackFloor, { consumer: 6, stream: 5 });
      assert.equal(c.state().pending.size, 0);
    }));

    test("consumer store: ack all and ack none", () => withStore(f, {}, (s) => {
      const all = s.consumerStore("all", { ackPolicy: "all", maxDeliver: 0 });
      for (let i = 1; i <= 5; i++) all.updateDelivered(i, i * 2, 1, 1);
      all.updateAcks(3, 6);
      assert.deepEqual(all.state().ackFloor, { consumer: 3, stream: 6 });
      assert.deepEqual([...all.state().pending.keys()].sort((a, b) => a - b), [8, 10]);
      const none = s.consumerStore("none", { ackPolicy: "none", maxDeliver: 0 });
      none.updateDelivered(1, 10, 1, 1);
      assert.deepEqual(none.state().ackFloor, { consumer: 1, stream: 10 });
      assert.throws(() => none.updateAcks(1, 10), (e) => e === ErrNoAckPolicy);
      assert.throws(() => none.updateDelivered(2, 10, 2, 1), (e) => e === ErrNoAckPolicy);
      const u = s.consumerStore("upd", { ackPolicy: "explicit", maxDeliver: 0 });
      u.update({ delivered: { consumer: 5, stream: 9 }, ackFloor: { consumer: 3, stream: 7 },
        pending: new Map([[9, { sequence: 5, timestampMs: 5 }]]), redelivered: new Map([[9, 2]]) });
      assert.equal(u.state().redelivered.get(9), 2);
      assert.throws(() => u.update({ delivered: { consumer: 1, stream: 1 }, ackFloor: { consumer: 2, stream: 1 },
        pending: new Map(), redelivered: new Map() }));
    }));
  });
}
