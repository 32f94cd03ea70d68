/**
 * Stream semantics through the official client: publish expectations, rollups, limits
 * and discard policies, sealed / deny_delete / deny_purge, purge options, retention
 * (work queue exactly once across consumers, interest), republish and direct get.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AckPolicy, DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { startJs, type JsEnv } from "./helpers.js";
import { waitFor } from "../helpers/wait-for.js";

describe("jetstream streams", () => {
  let env: JsEnv;
  before(async () => {
    env = await startJs();
  });
  after(() => env.close());

  test("expected stream, last sequence, last subject sequence, last msg id", async () => {
    await env.jsm.streams.add({ name: "EXP", subjects: ["exp.>"], storage: StorageType.Memory });
    await env.js.publish("exp.a", "1", { msgID: "m1" });
    await assert.rejects(env.js.publish("exp.a", "x", { expect: { streamName: "OTHER" } }), /expected stream does not match/);
    await assert.rejects(env.js.publish("exp.a", "x", { expect: { lastSequence: 5 } }), /wrong last sequence: 1/);
    await env.js.publish("exp.a", "2", { expect: { lastSequence: 1 } });
    await assert.rejects(env.js.publish("exp.b", "x", { expect: { lastSubjectSequence: 1 } }), /wrong last sequence: 0/);
    await env.js.publish("exp.b", "3", { expect: { lastSubjectSequence: 0 } });
    await assert.rejects(env.js.publish("exp.b", "x", { expect: { lastMsgID: "nope" } }), /wrong last msg ID/);
    assert.equal((await env.js.publish("exp.c", "4", { msgID: "m4" })).seq, 4);
    await env.js.publish("exp.c", "5", { expect: { lastMsgID: "m4" } });
  });

  test("rollup by subject and all, only with allow_rollup_hdrs", async () => {
    await env.jsm.streams.add({ name: "ROLL", subjects: ["roll.>"], allow_rollup_hdrs: true });
    for (let i = 0; i < 3; i++) await env.js.publish("roll.a", `a${i}`);
    await env.js.publish("roll.b", "b");
    const h = headers();
    h.set("Nats-Rollup", "sub");
    await env.js.publish("roll.a", "a-rolled", { headers: h });
    let si = await env.jsm.streams.info("ROLL");
    assert.equal(si.state.messages, 2);
    const all = headers();
    all.set("Nats-Rollup", "all");
    await env.js.publish("roll.c", "everything", { headers: all });
    si = await env.jsm.streams.info("ROLL");
    assert.equal(si.state.messages, 1);
    await env.jsm.streams.add({ name: "NOROLL", subjects: ["noroll"] });
    await assert.rejects(env.js.publish("noroll", "x", { headers: h }), /rollup not permitted/);
  });

  test("limits: max_msgs with discard old and new, max_msgs_per_subject, max_msg_size", async () => {
    await env.jsm.streams.add({ name: "LOLD", subjects: ["lold"], max_msgs: 3 });
    for (let i = 0; i < 5; i++) await env.js.publish("lold", `${i}`);
    let si = await env.jsm.streams.info("LOLD");
    assert.deepEqual([si.state.messages, si.state.first_seq, si.state.last_seq], [3, 3, 5]);
    await env.jsm.streams.add({ name: "LNEW", subjects: ["lnew"], max_msgs: 2, discard: DiscardPolicy.New });
    await env.js.publish("lnew", "1");
    await env.js.publish("lnew", "2");
    await assert.rejects(env.js.publish("lnew", "3"), /maximum messages exceeded/);
    await env.jsm.streams.add({
      name: "LPER",
      subjects: ["lper.>"],
      max_msgs_per_subject: 1,
      discard: DiscardPolicy.New,
      discard_new_per_subject: true,
    });
    await env.js.publish("lper.a", "1");
    await env.js.publish("lper.b", "1");
    await assert.rejects(env.js.publish("lper.a", "2"), /maximum messages per subject exceeded/);
    await env.jsm.streams.add({ name: "LSIZE", subjects: ["lsize"], max_msg_size: 10 });
    await assert.rejects(env.js.publish("lsize", "01234567890"), /message size exceeds maximum allowed/);
    si = await env.jsm.streams.info("LPER");
    assert.equal(si.state.messages, 2);
  });

  test("sealed, deny_delete, deny_purge; purge by filter, keep and seq", async () => {
    await env.jsm.streams.add({ name: "PRG", subjects: ["prg.>"] });
    for (let i = 1; i <= 10; i++) await env.js.publish(`prg.${i % 2 === 0 ? "even" : "odd"}`, `${i}`);
    assert.equal((await env.jsm.streams.purge("PRG", { filter: "prg.odd" })).purged, 5);
    assert.equal((await env.jsm.streams.purge("PRG", { keep: 2 })).purged, 3);
    assert.equal((await env.jsm.streams.purge("PRG", { seq: 10 })).purged, 1);
    assert.equal(await env.jsm.streams.deleteMessage("PRG", 10), true);
    await assert.rejects(env.jsm.streams.deleteMessage("PRG", 10), /sequence 10 not found/);
    await env.jsm.streams.add({ name: "DENY", subjects: ["deny"], deny_delete: true, deny_purge: true });
    await env.js.publish("deny", "x");
    await assert.rejects(env.jsm.streams.deleteMessage("DENY", 1), /message delete not permitted/);
    await assert.rejects(env.jsm.streams.purge("DENY"), /stream purge not permitted/);
    const si = await env.jsm.streams.info("DENY");
    await env.jsm.streams.update("DENY", { ...si.config, sealed: true } as typeof si.config);
    await assert.rejects(env.js.publish("deny", "y"), /invalid operation on sealed stream/);
  });

  test("work queue: each message to exactly one of many consumers", async () => {
    await env.jsm.streams.add({ name: "WQ", subjects: ["wq.>"], retention: RetentionPolicy.Workqueue });
    const parts = ["a", "b", "c", "d"];
    for (const p of parts) {
      await env.jsm.consumers.add("WQ", { durable_name: `w${p}`, filter_subject: `wq.${p}`, ack_policy: AckPolicy.Explicit });
    }
    await assert.rejects(env.jsm.consumers.add("WQ", { durable_name: "overlap", filter_subject: "wq.a", ack_policy: AckPolicy.Explicit }), /filtered consumer not unique/);
    const total = 400;
    for (let i = 0; i < total; i++) await env.js.publish(`wq.${parts[i % 4]}`, `${i}`);
    const seen = new Set<string>();
    await Promise.all(
      parts.map(async (p) => {
        const c = await env.js.consumers.get("WQ", `w${p}`);
        const it = await c.consume({ max_messages: 16 });
        let n = 0;
        for await (const m of it) {
          const k = m.string();
          assert.ok(!seen.has(k), `delivered twice: ${k}`);
          seen.add(k);
          m.ack();
          if (++n === total / 4) break;
        }
      }),
    );
    assert.equal(seen.size, total);
    await waitFor(async () => (await env.jsm.streams.info("WQ")).state.messages === 0, { what: "acked messages removed" });
  });

  test("interest retention keeps a message until every consumer acked it", async () => {
    await env.jsm.streams.add({ name: "INT", subjects: ["int"], retention: RetentionPolicy.Interest });
    await env.js.publish("int", "no-one-listens");
    assert.equal((await env.jsm.streams.info("INT")).state.messages, 0);
    await env.jsm.consumers.add("INT", { durable_name: "i1", ack_policy: AckPolicy.Explicit });
    await env.jsm.consumers.add("INT", { durable_name: "i2", ack_policy: AckPolicy.Explicit });
    await env.js.publish("int", "kept");
    const m1 = (await (await env.js.consumers.get("INT", "i1")).next({ expires: 2000 }))!;
    await m1.ackAck();
    assert.equal((await env.jsm.streams.info("INT")).state.messages, 1);
    const m2 = (await (await env.js.consumers.get("INT", "i2")).next({ expires: 2000 }))!;
    await m2.ackAck();
    await waitFor(async () => (await env.jsm.streams.info("INT")).state.messages === 0);
  });

  test("republish and direct get (last by subject)", async () => {
    await env.jsm.streams.add({ name: "REP", subjects: ["rep.>"], allow_direct: true, republish: { src: "rep.>", dest: "out.>" } });
    const sub = env.nc.subscribe("out.>", { max: 1 });
    await env.js.publish("rep.x", "hello");
    for await (const m of sub) {
      assert.equal(m.subject, "out.x");
      assert.equal(m.headers?.get("Nats-Stream"), "REP");
      assert.equal(m.headers?.get("Nats-Sequence"), "1");
      assert.equal(m.string(), "hello");
    }
    const s = await env.js.streams.get("REP");
    const last = await s.getMessage({ last_by_subj: "rep.x" });
    assert.equal(last?.string(), "hello");
    assert.equal(last?.seq, 1);
  });
});

describe("mirrors and sources", () => {
  let env: JsEnv;
  before(async () => {
    env = await startJs();
  });
  after(() => env.close());

  test("a mirror keeps the upstream's sequences, including ones published before it existed", async () => {
    await env.jsm.streams.add({ name: "UP", subjects: ["up.>"] });
    for (let i = 1; i <= 5; i++) await env.js.publish(`up.${i}`, `u${i}`);
    await env.jsm.streams.deleteMessage("UP", 3);
    await env.jsm.streams.add({ name: "MIR", mirror: { name: "UP" } });
    await env.js.publish("up.6", "u6");
    await waitFor(async () => (await env.jsm.streams.info("MIR")).state.last_seq === 6, { what: "mirror caught up" });
    const mi = await env.jsm.streams.info("MIR");
    assert.equal(mi.state.messages, 5);
    assert.equal(mi.mirror?.name, "UP");
    assert.equal((await env.jsm.streams.getMessage("MIR", { seq: 4 }))?.string(), "u4");
    assert.equal(await env.jsm.streams.getMessage("MIR", { seq: 3 }).catch(() => null), null);
  });

  test("sources merge streams, with a filter and a subject transform, and a source header", async () => {
    await env.jsm.streams.add({ name: "SA", subjects: ["sa.>"] });
    await env.jsm.streams.add({ name: "SB", subjects: ["sb.>"] });
    await env.js.publish("sa.1", "a1");
    await env.js.publish("sb.keep", "b1");
    await env.js.publish("sb.drop", "b2");
    await env.jsm.streams.add({
      name: "AGG",
      subjects: [],
      sources: [{ name: "SA", subject_transforms: [{ src: "sa.>", dest: "agg.a.>" }] }, { name: "SB", filter_subject: "sb.keep" }],
    });
    await env.js.publish("sa.2", "a2");
    await waitFor(async () => (await env.jsm.streams.info("AGG")).state.messages === 3, { what: "sources merged" });
    const m = await env.jsm.streams.getMessage("AGG", { last_by_subj: "agg.a.2" });
    assert.equal(m?.string(), "a2");
    assert.match(m?.header.get("Nats-Stream-Source") ?? "", /^SA 2 /);
    const info = await env.jsm.streams.info("AGG");
    assert.deepEqual(info.sources?.map((s) => s.name).sort(), ["SA", "SB"]);
  });
});
