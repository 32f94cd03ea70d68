/**
 * JetStream through the official client as users write it: streams, publish acks,
 * pull consumers with next/fetch/consume, acks and redelivery.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { startJs, type JsEnv } from "./helpers.js";

describe("jetstream basics", () => {
  let env: JsEnv;
  before(async () => {
    env = await startJs();
  });
  after(() => env.close());

  test("create a stream, publish, read back", async () => {
    const si = await env.jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"] });
    assert.equal(si.config.name, "ORDERS");
    const pa = await env.js.publish("orders.1", "one");
    assert.deepEqual([pa.stream, pa.seq, pa.duplicate], ["ORDERS", 1, false]);
    const pa2 = await env.js.publish("orders.2", "two", { msgID: "x" });
    const dup = await env.js.publish("orders.2", "two", { msgID: "x" });
    assert.equal(pa2.seq, 2);
    assert.equal(dup.duplicate, true);
    assert.equal(dup.seq, 2);
    const info = await env.jsm.streams.info("ORDERS");
    assert.equal(info.state.messages, 2);
    const m = await env.jsm.streams.getMessage("ORDERS", { seq: 1 });
    assert.equal(m?.string(), "one");
  });

  test("pull consumer: next, fetch, consume with acks", async () => {
    await env.jsm.consumers.add("ORDERS", { durable_name: "C", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const c = await env.js.consumers.get("ORDERS", "C");
    const m1 = await c.next({ expires: 2000 });
    assert.equal(m1?.string(), "one");
    m1!.ack();
    const batch = await c.fetch({ max_messages: 5, expires: 1000 });
    const got: string[] = [];
    for await (const m of batch) {
      got.push(m.string());
      m.ack();
    }
    assert.deepEqual(got, ["two"]);
    for (let i = 0; i < 100; i++) await env.js.publish(`orders.x${i}`, `m${i}`);
    const iter = await c.consume({ max_messages: 20 });
    let n = 0;
    for await (const m of iter) {
      m.ack();
      if (++n === 100) break;
    }
    assert.equal(n, 100);
    const ci = await c.info();
    assert.equal(ci.num_pending, 0);
  });
});
