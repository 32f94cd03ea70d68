/**
 * File streams and durable consumers survive a restart: messages, stream config,
 * consumer config and delivery/ack state come back from the store directory.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { startServer } from "../../src/index.js";

test("file streams, KV buckets and durable consumers are recovered after a restart", async () => {
  const storeDir = mkdtempSync(join(tmpdir(), "tsnats-restart-"));
  try {
    let server = await startServer({ port: -1, host: "127.0.0.1", jetstream: true, storeDir });
    let nc = await connect({ servers: server.clientURL });
    let jsm = await jetstreamManager(nc);
    let js = jetstream(nc);
    await jsm.streams.add({ name: "KEEP", subjects: ["keep.>"], max_msgs_per_subject: 10 });
    for (let i = 0; i < 20; i++) await js.publish(`keep.${i % 4}`, `m${i}`);
    await jsm.consumers.add("KEEP", { durable_name: "D", ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get("KEEP", "D");
    for await (const m of await c.fetch({ max_messages: 5, expires: 2000 })) if (m.seq <= 3) m.ack();
    const kv = await new Kvm(nc).create("settings");
    await kv.put("color", "blue");
    await nc.flush();
    await nc.close();
    await server.close();

    server = await startServer({ port: -1, host: "127.0.0.1", jetstream: true, storeDir });
    nc = await connect({ servers: server.clientURL });
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
    const si = await jsm.streams.info("KEEP");
    assert.equal(si.state.messages, 20);
    assert.equal(si.config.max_msgs_per_subject, 10);
    const ci = await jsm.consumers.info("KEEP", "D");
    assert.equal(ci.delivered.stream_seq, 5);
    assert.equal(ci.ack_floor.stream_seq, 3);
    assert.equal(ci.num_ack_pending, 2);
    assert.equal(ci.num_pending, 15);
    const c2 = await js.consumers.get("KEEP", "D");
    const m = await c2.next({ expires: 2000 });
    assert.equal(m?.seq, 6);
    assert.equal((await (await new Kvm(nc).open("settings")).get("color"))?.string(), "blue");
    await nc.close();
    await server.close();
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
});
