/**
 * A size-limited file store (`max_file_store`) that fills up, end to end: publishes get
 * nats-server's "insufficient resources" (503, 10023), everything acknowledged is kept
 * (also across a restart, under sync_interval: always), reads and memory streams go on.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, StorageType, type PubAck } from "@nats-io/jetstream";
import { startServer, type NatsServer } from "../../src/index.js";

const LIMIT = 256 * 1024;

function start(storeDir: string): Promise<NatsServer> {
  return startServer({
    port: -1,
    host: "127.0.0.1",
    jetstream: true,
    storeDir,
    jetstreamOptions: { maxStore: LIMIT, syncAlways: true },
  });
}

const payload = (i: number): Uint8Array => new TextEncoder().encode(`msg-${i}-`.padEnd(1000, "x"));

test("a full file store answers insufficient resources and loses nothing acknowledged", async () => {
  const storeDir = mkdtempSync(join(tmpdir(), "tsnats-full-"));
  let server = await start(storeDir);
  let nc: NatsConnection | null = null;
  try {
    nc = await connect({ servers: server.clientURL });
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: "F", subjects: ["f.>"], storage: StorageType.File });
    const acked = new Map<number, number>(); // stream seq -> message index
    let i = 0;
    let refusal = "";
    for (; i < 1000 && refusal === ""; i++) {
      try {
        acked.set((await js.publish(`f.${i}`, payload(i))).seq, i);
      } catch (err) {
        refusal = (err as Error).message;
      }
    }
    assert.equal(refusal, "insufficient resources");
    assert.ok(acked.size > 100 && acked.size < 300, `acked ${acked.size}`);
    // Raw reply: nats-server's error JSON, exactly.
    const raw = await nc.request("f.raw", payload(0), { timeout: 5000 });
    assert.equal(raw.string(), '{"error":{"code":503,"err_code":10023,"description":"insufficient resources"},"stream":"F","seq":0}');
    // A burst of async publishes: each is acked or refused, none lost once acked.
    const burst = await Promise.allSettled(Array.from({ length: 200 }, (_, k) => js.publish(`f.b${k}`, payload(i + k))));
    burst.forEach((r, k) => {
      if (r.status === "fulfilled") acked.set((r.value as PubAck).seq, i + k);
      else assert.match(String(r.reason), /insufficient resources/);
    });
    // Reads go on, and so do memory streams.
    assert.equal((await jsm.streams.getMessage("F", { seq: 1 }))?.string(), new TextDecoder().decode(payload(0)));
    await jsm.streams.add({ name: "M", subjects: ["m"], storage: StorageType.Memory });
    assert.equal((await js.publish("m", "still")).seq, 1);
    assert.equal((await jsm.streams.info("F")).state.messages, acked.size);
    await nc.close();
    await server.close();

    server = await start(storeDir);
    nc = await connect({ servers: server.clientURL });
    const jsm2 = await jetstreamManager(nc);
    const si = await jsm2.streams.info("F");
    assert.equal(si.state.messages, acked.size);
    for (const [seq, idx] of acked) {
      const m = await jsm2.streams.getMessage("F", { seq });
      assert.equal(m?.string(), new TextDecoder().decode(payload(idx)), `seq ${seq}`);
    }
    // Space given back by a purge takes publishes again.
    await jsm2.streams.purge("F");
    assert.ok((await jetstream(nc).publish("f.again", payload(0))).seq > 0);
  } finally {
    await nc?.close().catch(() => {});
    await server.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
});
