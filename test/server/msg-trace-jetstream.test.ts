/**
 * Message tracing into JetStream (nats-server 2.11 msgtrace.go): a stream that stores the
 * traced message adds a `js` event (stream, subject); trace-only records it without storing;
 * `nointerest` when an interest stream has no consumer for it, and the `error` the stream's
 * processing ended with (refused publish, duplicate, store limit), as nats-server 2.11 reports them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers } from "@nats-io/transport-node";
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { startServer } from "../../src/index.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

test("a js event for the stream that stores it; trace-only stores nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-trace-js-"));
  const s = await startServer({ port: -1, host: "127.0.0.1", jetstream: true, storeDir: dir });
  const nc = await connect({ servers: s.clientURL });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"], storage: StorageType.Memory });
    const docs: Json[] = [];
    nc.subscribe("trace.js", { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await nc.flush();
    for (const only of [false, true]) {
      const h = headers();
      h.set("Nats-Trace-Dest", "trace.js");
      if (only) h.set("Nats-Trace-Only", "true");
      nc.publish("orders.new", "x", { headers: h });
    }
    await waitFor(() => docs.length === 2);
    for (const doc of docs) {
      assert.deepEqual(
        doc.events.map((e: Json) => [e.type, e.stream, e.subject]),
        [
          ["in", undefined, undefined],
          ["js", "ORDERS", "orders.new"],
        ],
      );
    }
    await waitFor(async () => (await jsm.streams.info("ORDERS")).state.messages === 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await jsm.streams.info("ORDERS")).state.messages, 1);
  } finally {
    await nc.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the js event reports nointerest and the stream's error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-trace-js-"));
  const s = await startServer({ port: -1, host: "127.0.0.1", jetstream: true, storeDir: dir });
  const nc = await connect({ servers: s.clientURL });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "INT", subjects: ["int.>"], storage: StorageType.Memory, retention: RetentionPolicy.Interest });
    await jsm.streams.add({ name: "ONE", subjects: ["one.>"], storage: StorageType.Memory, max_msgs: 1, discard: DiscardPolicy.New });
    const docs: Json[] = [];
    nc.subscribe("trace.js", { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await nc.flush();
    /** Publishes one traced message and returns its js event. */
    const js = async (subject: string, hdrs: Record<string, string> = {}): Promise<Json> => {
      const n = docs.length;
      const h = headers();
      h.set("Nats-Trace-Dest", "trace.js");
      for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
      nc.publish(subject, "x", { headers: h });
      await waitFor(() => docs.length === n + 1);
      return docs[n]!.events.find((e: Json) => e.type === "js");
    };
    const strip = (e: Json): Json => ({ ...e, ts: 0 });
    // Interest retention, no consumer: skipped, delivered or trace-only.
    assert.deepEqual(strip(await js("int.a")), { type: "js", ts: 0, stream: "INT", subject: "int.a", nointerest: true });
    assert.deepEqual(strip(await js("int.a", { "Nats-Trace-Only": "true" })), { type: "js", ts: 0, stream: "INT", subject: "int.a", nointerest: true });
    // Stored: neither.
    assert.deepEqual(strip(await js("one.a", { "Nats-Msg-Id": "m1" })), { type: "js", ts: 0, stream: "ONE", subject: "one.a" });
    assert.equal((await js("one.a", { "Nats-Msg-Id": "m1" })).error, "msgid is duplicate");
    assert.equal((await js("one.b", { "Nats-Expected-Last-Sequence": "7" })).error, "wrong last sequence: 1 (10071)");
    assert.equal((await js("one.c")).error, "maximum messages exceeded");
    assert.equal((await jsm.streams.info("ONE")).state.messages, 1);
  } finally {
    await nc.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a stream import into the importer's stream: se, then js with the subject there", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-trace-js-"));
  const s = await startServer({
    port: -1,
    host: "127.0.0.1",
    config: `jetstream { store_dir: "${dir.replace(/\\/g, "/")}" }
accounts {
  A: { users: [{ user: a, password: a }], exports: [{ stream: "feed.>" }] }
  B: { jetstream: enabled, users: [{ user: b, password: b }], imports: [{ stream: { account: A, subject: "feed.>" }, prefix: fromA, allow_trace: true }] }
}`,
  });
  const a = await connect({ servers: s.clientURL, user: "a", pass: "a" });
  const b = await connect({ servers: s.clientURL, user: "b", pass: "b" });
  try {
    const jsm = await jetstreamManager(b);
    await jsm.streams.add({ name: "FEED", subjects: ["fromA.feed.>"], storage: StorageType.Memory });
    const docs: Json[] = [];
    a.subscribe("trace.imp", { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await a.flush();
    const h = headers();
    h.set("Nats-Trace-Dest", "trace.imp");
    a.publish("feed.x", "1", { headers: h });
    await waitFor(() => docs.length === 1);
    const events = docs[0]!.events.map((e: Json) => [e.type, e.acc ?? e.stream, e.to ?? e.subject]);
    assert.deepEqual(events, [
      ["in", "A", undefined],
      ["se", "B", "fromA.feed.x"],
      ["js", "FEED", "fromA.feed.x"],
    ]);
    await waitFor(async () => (await jsm.streams.info("FEED")).state.messages === 1);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
