/**
 * The pure Raft core against the rules of the Raft paper and Ongaro's thesis, one scenario per
 * rule (etcd raft_paper_test.go style), driven synchronously through the test harness.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfChangeType } from "../../src/raft/conf.js";
import { RaftNode } from "../../src/raft/raft.js";
import { Role, MsgType, newMessage } from "../../src/raft/types.js";
import { prng } from "../helpers/prng.js";
import { Group, ents, restoreOf } from "./harness.js";

describe("raft: election (§5.2, thesis §9.6 pre-vote, §6.2 check-quorum)", () => {
  test("a campaign wins a term, the others follow", () => {
    const g = new Group([1, 2, 3]);
    const n = g.elect(1);
    assert.equal(n.role, Role.Leader);
    assert.equal(n.term, 1);
    for (const id of [2, 3]) {
      assert.equal(g.get(id).lead, 1);
      assert.equal(g.get(id).term, 1);
    }
    assert.deepEqual(g.leaders(), [1]);
  });

  test("election timeouts elect exactly one leader", () => {
    const g = new Group([1, 2, 3, 4, 5]);
    for (let i = 0; i < 40 && g.leaders().length === 0; i++) g.tickAll();
    assert.equal(g.leaders().length, 1);
  });

  test("pre-vote: an isolated node does not raise its term and does not disrupt on return", () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.isolate(3);
    for (let i = 0; i < 100; i++) g.get(3).tick();
    g.settle();
    assert.equal(g.get(3).term, 1, "pre-vote failed, so no term bump");
    g.heal();
    g.tickAll(3);
    assert.equal(g.get(1).role, Role.Leader);
    assert.equal(g.get(1).term, 1);
  });

  test("check-quorum: a leader cut off from its majority steps down", () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    g.isolate(1);
    g.tick(1, 25);
    assert.equal(g.get(1).role, Role.Follower);
  });

  test("lease: a follower that hears from its leader ignores a higher-term vote request", () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    const m = { ...g.get(2).msg(MsgType.Vote, 3, 5), from: 3, to: 2, index: 10, logTerm: 5 };
    g.get(3).term = 4;
    g.get(2).step(m);
    assert.equal(g.get(2).term, 1, "vote ignored inside the lease");
    assert.equal(g.get(2).vote, 1, "still its term-1 vote");
  });

  test("one vote per term; a candidate with an older log is refused (§5.4.1)", () => {
    const g = new Group([1, 2, 3], {}, (id) => restoreOf([1, 2, 3], id === 1 ? [1] : [1, 1], 1));
    g.get(1).campaignNow();
    g.settle();
    assert.notEqual(g.get(1).role, Role.Leader, "its log is behind both others");
    const n2 = g.elect(2);
    assert.equal(n2.role, Role.Leader);
  });
});

describe("raft: replication and commit (§5.3, §5.4.2)", () => {
  test("a proposal is replicated and committed everywhere", () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    const r = g.get(1).propose(Buffer.from("x"));
    assert.ok(!("error" in r));
    g.settle();
    g.tickAll(2);
    for (const id of [1, 2, 3]) {
      const a = g.applied.get(id)!;
      assert.equal(Buffer.from(a[a.length - 1]!.data).toString(), "x", `node ${id}`);
    }
  });

  test("figure 7: a new leader makes every follower's log equal to its own", () => {
    const logs: Record<number, number[]> = {
      1: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
      2: [1, 1, 1, 4, 4, 5, 5, 6, 6],
      3: [1, 1, 1, 4],
      4: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
      5: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
      6: [1, 1, 1, 4, 4, 4, 4],
      7: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    };
    const ids = [1, 2, 3, 4, 5, 6, 7];
    const g = new Group(ids, {}, (id) => restoreOf(ids, logs[id], 7));
    const l = g.elect(1);
    assert.equal(l.role, Role.Leader);
    assert.equal(l.term, 8);
    g.tickAll(3);
    const want = [...logs[1]!, 8];
    for (const id of ids) assert.deepEqual(g.logTerms(id), want, `follower ${id}`);
    assert.equal(l.log.commit, 11);
  });

  for (const bug of [false, true]) {
    test(`figure 8: an entry of an older term is not committed by counting replicas${bug ? " (planted bug commits it)" : ""}`, () => {
      // S1 has (2:t2) that S3 never saw; S3 holds (2:t3). S1 leads term 4 and copies (2:t2) to S2:
      // a majority holds it, but committing it would let S3 (last term 3) win and overwrite it.
      const logs: Record<number, number[]> = { 1: [1, 2], 2: [1], 3: [1, 3] };
      const g = new Group([1, 2, 3], { maxBatchEntries: 1, bugs: { oldTermCommit: bug } }, (id) => restoreOf([1, 2, 3], logs[id], 3));
      g.isolate(3);
      const l = g.elect(1);
      assert.equal(l.role, Role.Leader);
      assert.equal(l.term, 4);
      // Deliver appends one at a time until S2 holds index 2 but not yet the no-op at 3.
      const s2 = g.get(2);
      for (let i = 0; i < 50 && !(s2.log.lastIndex() >= 2 && s2.log.term(2) === 2); i++) g.tickAll();
      if (!bug) {
        assert.ok(l.log.commit < 2 || l.log.term(3) === 4, "index 2 only commits with the term-4 no-op");
        g.tickAll(5);
        assert.equal(l.log.commit, 3);
      } else {
        assert.ok(l.log.commit >= 2);
      }
    });
  }

  test("a follower's conflicting suffix is replaced (§5.3)", () => {
    const g = new Group([1, 2, 3], {}, (id) => restoreOf([1, 2, 3], id === 3 ? [1, 2, 2, 2] : [1, 3], 3));
    g.elect(1);
    g.tickAll(3);
    assert.deepEqual(g.logTerms(3), [1, 3, 4]);
  });
});

describe("raft: snapshots, membership, transfer, reads", () => {
  test("a follower behind the compaction point catches up by snapshot", () => {
    const g = new Group([1, 2, 3]);
    const l = g.elect(1);
    g.isolate(3);
    for (let i = 0; i < 20; i++) l.propose(Buffer.from(`p${i}`));
    g.settle();
    g.tick(1);
    const snap = l.createSnapshot(l.log.applied, Buffer.from("state"));
    l.compact(snap);
    assert.ok(l.log.snapIndex > 10);
    g.heal();
    g.tickAll(3);
    const f = g.get(3);
    assert.equal(f.log.snapIndex, snap.meta.index);
    assert.equal(f.log.lastIndex(), l.log.lastIndex());
    assert.equal(Buffer.from(f.snapshot!.data).toString(), "state");
  });

  test("single-server changes: learner, promote, remove; one at a time, after an own-term commit", () => {
    const g = new Group([1, 2, 3]);
    const l = g.get(1);
    l.campaignNow();
    // Before the no-op of its term commits, a leader refuses changes (thesis §4.1 errata).
    assert.ok("error" in l.proposeConfChange({ type: ConfChangeType.AddLearner, id: 4 }));
    g.settle();
    g.add(4, {}, { hardState: { term: 0, vote: 0, recovering: false }, snapshot: null, entries: [] });
    assert.ok(!("error" in l.proposeConfChange({ type: ConfChangeType.AddLearner, id: 4 })));
    assert.ok("error" in l.proposeConfChange({ type: ConfChangeType.Promote, id: 4 }), "pending change");
    g.tickAll(3);
    assert.deepEqual(g.get(4).conf, { voters: [1, 2, 3], learners: [4] });
    assert.equal(g.get(4).log.lastIndex(), l.log.lastIndex());
    assert.ok(!("error" in l.proposeConfChange({ type: ConfChangeType.Promote, id: 4 })));
    g.tickAll(3);
    assert.ok(!("error" in l.proposeConfChange({ type: ConfChangeType.Remove, id: 2 })));
    g.tickAll(3);
    for (const id of [1, 3, 4]) assert.deepEqual(g.get(id).conf.voters, [1, 3, 4]);
    g.isolate(2);
    l.propose(Buffer.from("after"));
    g.tickAll(2);
    assert.equal(g.get(4).log.commit, l.log.commit, "the new voter counts");
  });

  test("leader transfer: the target campaigns at once and wins", () => {
    const g = new Group([1, 2, 3]);
    g.elect(1);
    assert.ok(g.get(1).transferLeader(3));
    g.settle();
    assert.equal(g.get(3).role, Role.Leader);
    assert.equal(g.get(3).term, 2);
    assert.equal(g.get(1).role, Role.Follower);
  });

  test("read-index is released only after a quorum confirms leadership", () => {
    const g = new Group([1, 2, 3]);
    const l = g.elect(1);
    g.tickAll(2);
    const ctx = l.readIndex();
    assert.ok(ctx > 0);
    g.settle();
    assert.ok(g.readStates.get(1)!.some((r) => r.ctx === ctx));
    g.isolate(1);
    const ctx2 = l.readIndex();
    g.settle();
    assert.ok(!g.readStates.get(1)!.some((r) => r.ctx === ctx2), "an isolated leader cannot confirm");
  });

  test("a recovering node neither votes nor campaigns until it caught up with a leader", () => {
    const ids = [1, 2, 3];
    const g = new Group(ids, {}, (id) => {
      const r = restoreOf(ids, [1, 1, 1], 1);
      if (id === 3) r.hardState.recovering = true;
      if (id === 3) r.entries = ents([1]);
      return r;
    });
    g.get(3).campaignNow();
    g.settle();
    assert.equal(g.get(3).role, Role.Follower);
    g.isolate(2);
    g.get(1).campaignNow();
    g.settle();
    assert.notEqual(g.get(1).role, Role.Leader, "node 3 refuses to vote while recovering");
    g.heal();
    g.elect(1);
    g.tickAll(3);
    assert.equal(g.get(3).recovering, false);
    assert.equal(g.get(3).log.lastIndex(), g.get(1).log.lastIndex());
  });

  test("a recovering node that first hears from a leader through a snapshot votes only after reaching the leader's last index", () => {
    const r = restoreOf([1, 2, 3], [], 1);
    r.hardState.recovering = true;
    const n = new RaftNode({ id: 3, group: "t", random: prng(3), electionTicks: 10, heartbeatTicks: 1 }, r);
    const snap = newMessage(MsgType.Snap, "t", 1, 3, 2);
    snap.snapshot = { meta: { index: 10, term: 2, conf: { voters: [1, 2, 3], learners: [] } }, data: Buffer.from("s") };
    snap.last = 15;
    n.step(snap);
    assert.equal(n.recovering, true, "entries 11-15 may hold its lost acknowledgements");
    const app = newMessage(MsgType.App, "t", 1, 3, 2);
    app.index = 10;
    app.logTerm = 2;
    app.entries = ents([2, 2, 2, 2, 2], 11);
    app.commit = 15;
    app.last = 15;
    n.step(app);
    assert.equal(n.recovering, false);
  });

  test("a leader's snapshot tells the follower its last index", () => {
    const g = new Group([1, 2, 3]);
    const l = g.elect(1);
    g.isolate(3);
    for (let i = 0; i < 20; i++) l.propose(Buffer.from(`p${i}`));
    g.settle();
    l.compact(l.createSnapshot(l.log.applied, Buffer.from("state")));
    g.heal();
    g.tickAll(3);
    const snaps = g.delivered.filter((m) => m.type === MsgType.Snap && m.to === 3);
    assert.ok(snaps.length > 0);
    for (const m of snaps) assert.equal(m.last, l.log.lastIndex());
  });
});
