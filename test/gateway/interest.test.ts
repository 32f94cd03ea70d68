/**
 * Gateway interest as pure state (src/gateway/interest.ts), step by step as nats-server's
 * gateway.go moves it: optimistic mode with RS- for unwanted subjects, A-/A+ for whole
 * accounts, queue groups always known, and the switch to interest-only mode.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_RUNSUB_BEFORE_SWITCH } from "../../src/gateway/gateway-proto.js";
import { InboundInterest, InterestTally, Mode, OutboundInterest } from "../../src/gateway/interest.js";

describe("OutboundInterest (what the remote cluster wants)", () => {
  test("optimistic: everything is wanted until the remote says RS-; RS+ lifts it, wildcards too", () => {
    const o = new OutboundInterest();
    assert.equal(o.interest("$G", "a.b"), true);
    o.remoteUnsub("$G", "a.b", null);
    o.remoteUnsub("$G", "a.c", null);
    assert.equal(o.interest("$G", "a.b"), false);
    assert.equal(o.interest("$G", "x"), true);
    o.remoteSub("$G", "a.*", null, 1);
    assert.equal(o.interest("$G", "a.b"), true);
    assert.equal(o.interest("$G", "a.c"), true);
  });

  test("A- stops a whole account, A+ restores optimism; queue groups survive A-", () => {
    const o = new OutboundInterest();
    o.accountUnsub("ACC");
    assert.equal(o.interest("ACC", "anything"), false);
    o.accountSub("ACC");
    assert.equal(o.interest("ACC", "anything"), true);
    o.remoteSub("ACC", "work", "q", 2);
    o.accountUnsub("ACC");
    assert.equal(o.interest("ACC", "other"), true, "A- with queue groups resets the no-interest set only");
    assert.equal(o.interest("ACC", "work"), true);
    assert.equal(o.queues.qsubs.length, 1);
    assert.equal(o.queues.qsubs[0]![0]!.weight, 2);
    assert.equal(o.totalQueueSubs, 1);
    o.remoteUnsub("ACC", "work", "q");
    assert.equal(o.totalQueueSubs, 0);
  });

  test("interest-only after the remote's all-subscriptions commands: only its subscriptions", () => {
    const o = new OutboundInterest();
    o.remoteUnsub("$G", "no", null);
    o.allSubsStart("$G");
    o.remoteSub("$G", "yes.>", null, 1);
    o.allSubsComplete("$G");
    const e = o.accounts.get("$G")!;
    assert.equal(e.mode, Mode.InterestOnly);
    assert.equal(e.ni, null);
    assert.equal(o.interest("$G", "yes.1"), true);
    assert.equal(o.interest("$G", "maybe"), false);
    o.remoteUnsub("$G", "yes.>", null);
    assert.equal(o.interest("$G", "yes.1"), false);
  });

  test("a remote that forces interest-only (gateway_iom) wants nothing of an account it has not described", () => {
    const o = new OutboundInterest(true);
    assert.equal(o.interest("$G", "a"), false);
    o.allSubsStart("$G");
    o.remoteSub("$G", "a", null, 1);
    o.allSubsComplete("$G");
    assert.equal(o.interest("$G", "a"), true);
  });
});

describe("InboundInterest (what we told the remote)", () => {
  test("one RS- per subject, then a switch after the threshold", () => {
    const i = new InboundInterest();
    assert.equal(i.subjectNoInterest("$G", "s0"), "rs-");
    assert.equal(i.subjectNoInterest("$G", "s0"), null, "said once");
    for (let n = 1; n < MAX_RUNSUB_BEFORE_SWITCH; n++) assert.equal(i.subjectNoInterest("$G", `s${n}`), "rs-");
    assert.equal(i.subjectNoInterest("$G", "one.more"), "switch");
    assert.equal(i.beginSwitch("$G"), true);
    assert.equal(i.beginSwitch("$G"), false, "only once");
    i.completeSwitch("$G");
    assert.equal(i.accounts.get("$G")!.mode, Mode.InterestOnly);
    assert.equal(i.subjectNoInterest("$G", "later"), null, "no RS- in interest-only mode");
    assert.equal(i.plainChanged("$G", "new.sub", true), "RS");
    assert.equal(i.plainChanged("$G", "new.sub", false), "RS");
  });

  test("optimistic: a new subscription lifts an RS- sent for it (wildcards lift many)", () => {
    const i = new InboundInterest();
    i.subjectNoInterest("$G", "a.1");
    i.subjectNoInterest("$G", "a.2");
    assert.equal(i.plainChanged("$G", "b", true), null, "nothing was said about b");
    assert.equal(i.plainChanged("$G", "a.*", true), "RS");
    assert.equal(i.accounts.get("$G")!.ni!.size, 0);
  });

  test("A- once per account; a subscription sends A+; a queue group clears it", () => {
    const i = new InboundInterest();
    assert.equal(i.accountNoInterest("X"), true);
    assert.equal(i.accountNoInterest("X"), false);
    assert.equal(i.plainChanged("X", "s", true), "A+");
    assert.equal(i.accounts.has("X"), false);
    i.accountNoInterest("X");
    i.queueAdded("X");
    assert.equal(i.accounts.has("X"), false);
  });
});

describe("InterestTally (the cluster's subscriptions)", () => {
  test("first and last interest per subject and queue; queue weights count", () => {
    const t = new InterestTally();
    assert.equal(t.change("$G", "a", null, 1), 1);
    assert.equal(t.change("$G", "a", null, 1), 0);
    assert.equal(t.change("$G", "a", null, -1), 0);
    assert.equal(t.change("$G", "a", null, -1), -1);
    assert.equal(t.hasAny("$G"), false);
    assert.equal(t.change("$G", "w", "q", 3), 1);
    assert.equal(t.change("$G", "w", "q", -2), 0);
    assert.deepEqual(t.entries("$G", true), [{ subject: "w", queue: "q" }]);
    assert.deepEqual(t.entries("$G", false), []);
    assert.equal(t.change("$G", "w", "q", -1), -1);
    assert.equal(t.change("$G", "never", null, -1), 0);
  });
});
