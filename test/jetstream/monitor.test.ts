/**
 * JetStream in monitoring: /varz `jetstream`, /jsz with its accounts / streams /
 * consumers / config options, INFO `jetstream: true`, /accountz jetstream_enabled.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AckPolicy } from "@nats-io/jetstream";
import { startJs, type JsEnv } from "./helpers.js";

async function get(env: JsEnv, path: string): Promise<Record<string, any>> {
  const r = await fetch(`http://127.0.0.1:${env.server.httpPort}${path}`);
  assert.equal(r.status, 200);
  return (await r.json()) as Record<string, any>;
}

describe("jetstream in monitoring", () => {
  let env: JsEnv;
  before(async () => {
    env = await startJs({ httpPort: -1, jetstreamOptions: { maxMemory: 1 << 30, maxStore: 2 ** 31 } });
    await env.jsm.streams.add({ name: "MON", subjects: ["mon.>"] });
    for (let i = 0; i < 3; i++) await env.js.publish(`mon.${i}`, "x");
    await env.jsm.consumers.add("MON", { durable_name: "C1", ack_policy: AckPolicy.Explicit });
  });
  after(() => env.close());

  test("INFO says jetstream, /varz has config and stats", async () => {
    assert.equal(env.nc.info?.jetstream, true);
    const v = await get(env, "/varz");
    assert.equal(v.jetstream.config.max_memory, 1 << 30);
    assert.equal(v.jetstream.config.max_storage, 2 ** 31);
    assert.match(v.jetstream.config.store_dir, /jetstream$/);
    assert.equal(v.jetstream.stats.accounts, 1);
    assert.ok(v.jetstream.stats.api.total >= 2);
  });

  test("/jsz totals, and details with accounts, streams, consumers, config", async () => {
    const plain = await get(env, "/jsz");
    assert.equal(plain.streams, 1);
    assert.equal(plain.consumers, 1);
    assert.equal(plain.messages, 3);
    assert.equal(plain.account_details, undefined);
    const full = await get(env, "/jsz?consumers=true&config=true");
    const acc = full.account_details[0];
    assert.equal(acc.name, "$G");
    const sd = acc.stream_detail[0];
    assert.equal(sd.name, "MON");
    assert.equal(sd.config.name, "MON");
    assert.equal(sd.state.messages, 3);
    assert.equal(sd.consumer_detail[0].name, "C1");
    assert.equal(sd.consumer_detail[0].config.durable_name, "C1");
    const noCfg = await get(env, "/jsz?acc=$G&streams=true");
    assert.equal(noCfg.account_details[0].stream_detail[0].config, undefined);
    const acz = await get(env, "/accountz?acc=$G");
    assert.equal(acz.account_detail.jetstream_enabled, true);
  });

  test("the dashboard document carries streams and their consumers", async () => {
    const d = await get(env, "/api/dashboard");
    assert.equal(d.jetstream.total, 1);
    const st = d.jetstream.streams[0];
    assert.equal(st.name, "MON");
    assert.equal(st.messages, 3);
    assert.deepEqual(st.consumers.map((c: { name: string; kind: string; pending: number }) => [c.name, c.kind, c.pending]), [["C1", "pull", 3]]);
    const page = await (await fetch(`http://127.0.0.1:${env.server.httpPort}/`)).text();
    assert.match(page, /id="jetstream"/);
  });
});
