/**
 * Consumer behaviour through the official client: push and ordered consumers,
 * ack policies, nak/term/working, redelivery after ack_wait and backoff, max_deliver
 * advisories, deliver policies, filters, headers_only.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AckPolicy, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { startJs, type JsEnv } from "./helpers.js";
import { waitFor } from "../helpers/wait-for.js";

describe("jetstream consumers", () => {
  let env: JsEnv;
  before(async () => {
    env = await startJs();
  });
  after(() => env.close());

  async function stream(name: string, subjects: string[], extra: Record<string, unknown> = {}): Promise<void> {
    await env.jsm.streams.add({ name, subjects, ...extra });
  }

  test("push consumer delivers to its deliver subject, with acks", async () => {
    await stream("PUSH", ["push.>"]);
    for (let i = 0; i < 10; i++) await env.js.publish(`push.${i}`, `p${i}`);
    await env.jsm.consumers.add("PUSH", { durable_name: "P", deliver_subject: "deliver.p", ack_policy: AckPolicy.Explicit });
    const c = await env.js.consumers.getPushConsumer("PUSH", "P");
    const iter = await c.consume();
    const got: string[] = [];
    for await (const m of iter) {
      got.push(m.string());
      m.ack();
      if (got.length === 10) break;
    }
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => `p${i}`));
    await waitFor(async () => (await env.jsm.consumers.info("PUSH", "P")).num_ack_pending === 0);
  });

  test("ordered pull and push consumers read everything in order", async () => {
    await stream("ORD", ["ord.>"]);
    for (let i = 0; i < 50; i++) await env.js.publish(`ord.${i % 5}`, `o${i}`);
    const oc = await env.js.consumers.get("ORD");
    const iter = await oc.consume();
    let i = 0;
    for await (const m of iter) {
      assert.equal(m.string(), `o${i}`);
      if (++i === 50) break;
    }
    const pc = await env.js.consumers.getPushConsumer("ORD");
    const piter = await pc.consume();
    i = 0;
    for await (const m of piter) {
      assert.equal(m.string(), `o${i}`);
      if (++i === 50) break;
    }
  });

  test("nak redelivers, term stops, working extends the ack wait", async () => {
    await stream("NAK", ["nak"]);
    await env.js.publish("nak", "n1");
    await env.jsm.consumers.add("NAK", { durable_name: "N", ack_policy: AckPolicy.Explicit, ack_wait: nanos(2000) });
    const c = await env.js.consumers.get("NAK", "N");
    const m1 = (await c.next({ expires: 2000 }))!;
    assert.equal(m1.info.deliveryCount, 1);
    m1.nak();
    const m2 = (await c.next({ expires: 2000 }))!;
    assert.equal(m2.info.deliveryCount, 2);
    assert.equal(m2.redelivered, true);
    m2.working();
    m2.term("done with it");
    const none = await c.next({ expires: 1000 });
    assert.equal(none, null);
    const ci = await c.info();
    assert.equal(ci.num_ack_pending, 0);
  });

  test("redelivery after ack_wait, backoff, and the max_deliver advisory", async () => {
    await stream("RD", ["rd"]);
    await env.js.publish("rd", "r");
    const adv = env.nc.subscribe("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.RD.R", { max: 1 });
    await env.jsm.consumers.add("RD", {
      durable_name: "R",
      ack_policy: AckPolicy.Explicit,
      max_deliver: 3,
      backoff: [nanos(200), nanos(300)],
    });
    const c = await env.js.consumers.get("RD", "R");
    const counts: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const m = await c.next({ expires: 3000 });
      assert.ok(m !== null, `delivery ${i + 1}`);
      counts.push(m.info.deliveryCount);
    }
    assert.deepEqual(counts, [1, 2, 3]);
    assert.ok(Date.now() - started >= 450, "backoff waits 200ms then 300ms");
    for await (const a of adv) {
      const ev = a.json<{ type: string; stream_seq: number; deliveries: number }>();
      assert.equal(ev.type, "io.nats.jetstream.advisory.v1.max_deliver");
      assert.equal(ev.stream_seq, 1);
      assert.equal(ev.deliveries, 3);
    }
    assert.equal(await c.next({ expires: 1000 }), null);
  });

  test("ack all acknowledges everything below", async () => {
    await stream("ALL", ["all.>"]);
    for (let i = 0; i < 5; i++) await env.js.publish(`all.${i}`, `${i}`);
    await env.jsm.consumers.add("ALL", { durable_name: "A", ack_policy: AckPolicy.All });
    const c = await env.js.consumers.get("ALL", "A");
    const msgs: JsMsg[] = [];
    for await (const m of await c.fetch({ max_messages: 5, expires: 1000 })) msgs.push(m);
    assert.equal(msgs.length, 5);
    await msgs[3]!.ackAck();
    const ci = await c.info();
    assert.equal(ci.ack_floor.stream_seq, 4);
    assert.equal(ci.num_ack_pending, 1);
  });

  test("deliver policies: last, new, by sequence, last per subject; filters; headers only", async () => {
    await stream("DP", ["dp.>"]);
    for (let i = 1; i <= 6; i++) await env.js.publish(`dp.${i % 3}`, `v${i}`);
    // Fetches exactly what num_pending says, so no fetch has to wait for its expiry.
    const first = async (cfg: Record<string, unknown>): Promise<string[]> => {
      const ci = await env.jsm.consumers.add("DP", { ack_policy: AckPolicy.None, ...cfg });
      const c = await env.js.consumers.get("DP", ci.name);
      const out: string[] = [];
      if (ci.num_pending === 0) return out;
      for await (const m of await c.fetch({ max_messages: ci.num_pending, expires: 2000 })) out.push(m.string());
      return out;
    };
    assert.deepEqual(await first({ deliver_policy: DeliverPolicy.Last }), ["v6"]);
    assert.deepEqual(await first({ deliver_policy: DeliverPolicy.New }), []);
    assert.deepEqual(await first({ deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 5 }), ["v5", "v6"]);
    assert.deepEqual(await first({ deliver_policy: DeliverPolicy.LastPerSubject, filter_subject: "dp.>" }), ["v4", "v5", "v6"]);
    assert.deepEqual(await first({ filter_subject: "dp.1" }), ["v1", "v4"]);
    assert.deepEqual(await first({ filter_subjects: ["dp.1", "dp.2"] }), ["v1", "v2", "v4", "v5"]);
    const ci = await env.jsm.consumers.add("DP", { ack_policy: AckPolicy.None, headers_only: true });
    const c = await env.js.consumers.get("DP", ci.name);
    const m = (await c.next({ expires: 1000 }))!;
    assert.equal(m.data.length, 0);
    assert.equal(m.headers?.get("Nats-Msg-Size"), "2");
  });
});
