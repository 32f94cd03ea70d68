/**
 * The debugging requests of nats-server 2.10+ (events.go): `$SYS.REQ.SERVER.<id|PING>.PROFILEZ`,
 * `EXPVARZ`, `IPQUEUESZ`, `RAFTZ`, each answered with nats-server's envelope and data shape.
 * nats-server 2.9 (the reference binary here) has none of them, so these run against tsnats only.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";

type Json = Record<string, any>;

describe("$SYS.REQ.SERVER debugging requests", () => {
  let s: NatsServer;
  let nc: NatsConnection;
  const ask = async (subject: string, body: unknown = ""): Promise<Json> =>
    (await nc.request(subject, typeof body === "string" ? body : JSON.stringify(body), { timeout: 5000 })).json<Json>();

  before(async () => {
    s = await startServer({ port: -1, host: "127.0.0.1", systemAccount: "SYS", accounts: [{ name: "SYS", users: [{ user: "sys", password: "sys", account: "SYS" }] }] });
    nc = await connect({ port: s.port, user: "sys", pass: "sys" });
  });
  after(async () => {
    await nc.close();
    await s.close();
  });

  test("PROFILEZ refuses a missing or unknown profile and a bad CPU duration as nats-server does", async () => {
    const id = s.server.id;
    const cases: Array<[unknown, string]> = [
      ["", "Profile name not specified"],
      [{ name: "goroutine" }, 'Profile "goroutine" not found'],
      [{ name: "cpu" }, "Duration 0s should be between 0s and 15s"],
      [{ name: "cpu", duration: 20e9 }, "Duration 20s should be between 0s and 15s"],
    ];
    for (const [body, error] of cases) {
      const r = await ask(`$SYS.REQ.SERVER.${id}.PROFILEZ`, body);
      assert.equal(r.server.id, id);
      assert.deepEqual(r.data, { profile: null, error });
    }
  });

  test("PROFILEZ cpu is a V8 CPU profile (base64 .cpuprofile JSON); heap the V8 heap statistics", async () => {
    const cpu = await ask("$SYS.REQ.SERVER.PING.PROFILEZ", { name: "cpu", duration: 50e6 });
    assert.equal(cpu.data.error, "");
    const profile = JSON.parse(Buffer.from(cpu.data.profile as string, "base64").toString("utf8")) as Json;
    assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0);
    assert.ok(typeof profile.startTime === "number" && profile.endTime >= profile.startTime);
    const heap = await ask(`$SYS.REQ.SERVER.${s.server.id}.PROFILEZ`, { name: "heap" });
    assert.equal(heap.data.error, "");
    const stats = JSON.parse(Buffer.from(heap.data.profile as string, "base64").toString("utf8")) as Json;
    assert.ok(stats.heap.used_heap_size > 0);
    assert.ok(Array.isArray(stats.spaces));
  });

  test("two CPU profiles at once: the second gets Go's already-in-use error", async () => {
    const [a, b] = await Promise.all([
      ask("$SYS.REQ.SERVER.PING.PROFILEZ", { name: "cpu", duration: 200e6 }),
      (async () => {
        // Sent once the first is running (the first request is answered off the read batch).
        await nc.flush();
        return ask("$SYS.REQ.SERVER.PING.PROFILEZ", { name: "cpu", duration: 50e6 });
      })(),
    ]);
    const errors = [a.data.error, b.data.error].sort();
    assert.deepEqual(errors, ["", "Failed to start CPU profile: cpu profiling already in use"]);
  });

  test("EXPVARZ, IPQUEUESZ and RAFTZ answer with nats-server's shapes", async () => {
    const ex = await ask("$SYS.REQ.SERVER.PING.EXPVARZ");
    assert.deepEqual(Object.keys(ex.data).sort(), ["cmdline", "memstats"]);
    assert.ok(Array.isArray(ex.data.cmdline));
    assert.ok(ex.data.memstats.HeapAlloc > 0);
    const ipq = await ask(`$SYS.REQ.SERVER.${s.server.id}.IPQUEUESZ`, { all: true });
    assert.deepEqual(ipq.data, {});
    const raft = await ask("$SYS.REQ.SERVER.PING.RAFTZ", { account: "SYS" });
    assert.deepEqual(raft.data, {});
  });

  test("bad options are a 400 with Go's unmarshal error; server filters apply", async () => {
    const r = await ask("$SYS.REQ.SERVER.PING.IPQUEUESZ", { all: "yes" });
    assert.deepEqual(r.error, { code: 400, description: "json: cannot unmarshal string into Go struct field IpqueueszEventOptions.all of type bool" });
    assert.equal(r.data, undefined);
    // Filtered out: no answer at all.
    await assert.rejects(nc.request("$SYS.REQ.SERVER.PING.EXPVARZ", JSON.stringify({ server_name: "not-this-one" }), { timeout: 300 }));
  });
});
