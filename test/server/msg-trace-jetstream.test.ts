/**
 * Message tracing into JetStream (nats-server 2.11 msgtrace.go): a stream that stores the
 * traced message adds a `js` event (stream, subject); trace-only records it without storing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers } from "@nats-io/transport-node";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
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
