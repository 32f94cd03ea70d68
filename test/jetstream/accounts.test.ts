/**
 * JetStream and accounts: only accounts with `jetstream` get it (others are told
 * "JetStream not enabled for account"), per-account limits (streams, consumers, memory,
 * storage), a JetStream domain, and another account reaching a stream through an import
 * of `$JS.API.>` (requests, pull consumers whose whole batches reach the importer, and a
 * source over the API prefix); an account added by a config reload gets JetStream.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { loadConfigFile } from "../../src/config/index.js";
import { startServer } from "../../src/index.js";
import { reloadConfig } from "../../src/server/reload.js";
import { startJs, type JsEnv } from "./helpers.js";
import { waitFor } from "../helpers/wait-for.js";

const CONFIG = `
accounts {
  A: {
    jetstream: { max_streams: 2, max_consumers: 1, max_mem: 2048, max_file: 1M }
    users: [{ user: a, password: a }]
    exports: [{ service: "$JS.API.>" }, { service: "$JS.ACK.>" }, { stream: "deliver.>" }]
  }
  B: {
    jetstream: enabled
    users: [{ user: b, password: b }]
    imports: [
      { service: { account: A, subject: "$JS.API.>" }, to: "JS.A.API.>" }
      { service: { account: A, subject: "$JS.ACK.>" } }
    ]
  }
  NOJS: { users: [{ user: n, password: n }] }
}
jetstream { domain: hub }
`;

describe("jetstream per account", () => {
  let env: JsEnv;
  let a: NatsConnection;
  let b: NatsConnection;
  before(async () => {
    env = await startJs({ config: CONFIG }, { user: "a", pass: "a" });
    const url = env.server.clientURL;
    a = await connect({ servers: url, user: "a", pass: "a" });
    b = await connect({ servers: url, user: "b", pass: "b" });
  });
  after(async () => {
    await a.close();
    await b.close();
    await env.close();
  });

  test("an account without jetstream is told so", async () => {
    const n = await connect({ servers: env.server.clientURL, user: "n", pass: "n" });
    const r = (await n.request("$JS.API.INFO", "", { timeout: 2000 })).json<{ error: { code: number; err_code: number } }>();
    assert.deepEqual([r.error.code, r.error.err_code], [503, 10039]);
    await n.close();
  });

  test("account limits: streams, consumers, memory", async () => {
    const jsm = await jetstreamManager(a);
    const info = await jsm.getAccountInfo();
    assert.equal(info.limits.max_streams, 2);
    assert.equal(info.domain, "hub");
    await jsm.streams.add({ name: "A1", subjects: ["a1"], storage: StorageType.Memory });
    await jsm.streams.add({ name: "A2", subjects: ["a2"], storage: StorageType.Memory });
    await assert.rejects(jsm.streams.add({ name: "A3", subjects: ["a3"] }), /maximum number of streams reached/);
    await jsm.consumers.add("A1", { durable_name: "c1", ack_policy: AckPolicy.Explicit });
    await assert.rejects(jsm.consumers.add("A1", { durable_name: "c2", ack_policy: AckPolicy.Explicit }), /maximum consumers limit reached/);
    const js = jetstream(a);
    const big = new Uint8Array(1500);
    await js.publish("a1", big);
    await assert.rejects(js.publish("a1", big), /resource limits exceeded for account/);
    const pa = await js.publish("a2", "small");
    assert.equal(pa.domain, "hub");
  });

  test("the domain prefix reaches the same API", async () => {
    const r = (await a.request("$JS.hub.API.INFO", "", { timeout: 2000 })).json<{ type: string; streams: number }>();
    assert.equal(r.type, "io.nats.jetstream.api.v1.account_info_response");
    assert.equal(r.streams, 2);
  });

  test("another account works on A's streams through its import of the API", async () => {
    const jsA = jetstream(a);
    await jsA.publish("a2", "for-b");
    const jsmB = await jetstreamManager(b, { apiPrefix: "JS.A.API" });
    const si = await jsmB.streams.info("A2");
    assert.equal(si.state.messages, 2);
    const m = await jsmB.streams.getMessage("A2", { last_by_subj: "a2" });
    assert.equal(m?.string(), "for-b");
  });

  test("a pull consumer of A's stream fetched from B delivers whole batches to B's inbox", async () => {
    const jsmA = await jetstreamManager(a);
    const jsA = jetstream(a);
    for (let i = 0; i < 10; i++) await jsA.publish("a1", `m${i}`); // after the 1500-byte one
    const jsB = jetstream(b, { apiPrefix: "JS.A.API" });
    const c = await jsB.consumers.get("A1", "c1");
    const got: string[] = [];
    const iter = await c.fetch({ max_messages: 11, expires: 5000 });
    for await (const m of iter) {
      got.push(m.data.length === 1500 ? "big" : m.string());
      await m.ackAck();
    }
    assert.deepEqual(got, ["big", ...Array.from({ length: 10 }, (_, i) => `m${i}`)]);
    const ci = await jsmA.consumers.info("A1", "c1");
    assert.equal(ci.num_ack_pending, 0);
    assert.equal(ci.ack_floor.stream_seq, 11);
  });

  test("a stream in B sources A's stream through the API prefix", async () => {
    const jsmB = await jetstreamManager(b);
    await jsmB.streams.add({ name: "FROM_A", sources: [{ name: "A2", external: { api: "JS.A.API", deliver: "" } }] });
    await waitFor(async () => (await jsmB.streams.info("FROM_A")).state.messages === 2, { what: "sourced from A" });
  });
});

describe("jetstream and config reload", () => {
  test("an account added by a reload gets JetStream with its limits", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "tsnats-jsreload-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "server.conf");
    const conf = (more: string): string =>
      `jetstream { store_dir: "${join(dir, "js")}" }\naccounts {\n  A: { jetstream: enabled, users: [{ user: a, password: a }] }\n${more}}\n`;
    writeFileSync(file, conf(""));
    const loaded = loadConfigFile(file);
    assert.deepEqual(loaded.errors, []);
    const s = await startServer({ ...loaded.options, port: 0, host: "127.0.0.1" });
    t.after(() => s.close());
    writeFileSync(file, conf("  C: { jetstream: { max_streams: 1 }, users: [{ user: c, password: c }] }\n"));
    const r = reloadConfig(s.server);
    assert.equal(r.ok, true, r.errors.join("\n"));
    const c = await connect({ servers: s.clientURL, user: "c", pass: "c" });
    t.after(() => c.close());
    let jsm: Awaited<ReturnType<typeof jetstreamManager>> | null = null;
    await waitFor(async () => (jsm = await jetstreamManager(c).catch(() => null)) !== null, { what: "JetStream in C" });
    assert.equal((await jsm!.getAccountInfo()).limits.max_streams, 1);
    await jsm!.streams.add({ name: "C1", subjects: ["c1"] });
    assert.equal((await jetstream(c).publish("c1", "hi")).seq, 1);
    await assert.rejects(jsm!.streams.add({ name: "C2", subjects: ["c2"] }), /maximum number of streams reached/);
  });
});

describe("jetstream taken away by a reload", () => {
  test("its streams stop cleanly, keep their files, and come back when it is given back", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "tsnats-jsoff-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "server.conf");
    const conf = (js: boolean): string =>
      `jetstream { store_dir: "${join(dir, "js")}" }\naccounts {\n  A: { ${js ? "jetstream: enabled, " : ""}users: [{ user: a, password: a }] }\n  K: { jetstream: enabled, users: [{ user: k, password: k }] }\n}\n`;
    writeFileSync(file, conf(true));
    const loaded = loadConfigFile(file);
    assert.deepEqual(loaded.errors, []);
    const s = await startServer({ ...loaded.options, port: 0, host: "127.0.0.1" });
    t.after(() => s.close());
    const a = await connect({ servers: s.clientURL, user: "a", pass: "a" });
    t.after(() => a.close());
    const k = await connect({ servers: s.clientURL, user: "k", pass: "k" });
    t.after(() => k.close());
    const jsm = await jetstreamManager(a);
    await jsm.streams.add({ name: "S", subjects: ["s.>"] });
    const kjsm = await jetstreamManager(k);
    await kjsm.streams.add({ name: "KS", subjects: ["k.>"] });
    const js = jetstream(a);
    for (let i = 0; i < 20; i++) await js.publish(`s.${i}`, `m${i}`);
    await jsm.consumers.add("S", { durable_name: "D", ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get("S", "D");
    const batch = await c.fetch({ max_messages: 5, expires: 2000 });
    for await (const m of batch) await m.ackAck();

    writeFileSync(file, conf(false));
    let r = reloadConfig(s.server);
    assert.equal(r.ok, true, r.errors.join("\n"));
    await s.server.jetstream!.reloadAccounts(); // the reload's own run, awaited (they queue)
    const err = async (subject: string): Promise<number[]> => {
      const res = (await a.request(subject, "", { timeout: 2000 })).json<{ error?: { code: number; err_code: number; description: string } }>();
      return [res.error?.code ?? 0, res.error?.err_code ?? 0];
    };
    assert.deepEqual(await err("$JS.API.INFO"), [503, 10039]);
    assert.deepEqual(await err("$JS.API.STREAM.INFO.S"), [503, 10039]);
    assert.deepEqual(await err("$JS.API.CONSUMER.INFO.S.D"), [503, 10039]);
    // The stream no longer takes messages: nobody answers a publish on its subjects.
    await assert.rejects(a.request("s.x", "late", { timeout: 1000 }), /no responders|503|TIMEOUT/i);
    // Its files are still there, and another account's JetStream is untouched.
    assert.ok(existsSync(join(dir, "js", "jetstream", "A", "streams", "S")), "stream files kept");
    assert.equal((await kjsm.streams.info("KS")).config.name, "KS");

    writeFileSync(file, conf(true));
    r = reloadConfig(s.server);
    assert.equal(r.ok, true, r.errors.join("\n"));
    await s.server.jetstream!.reloadAccounts();
    const info = await jsm.streams.info("S");
    assert.equal(info.state.messages, 20);
    const ci = await jsm.consumers.info("S", "D");
    assert.equal(ci.ack_floor.stream_seq, 5);
    assert.equal(ci.num_pending, 15);
    assert.equal((await js.publish("s.again", "back")).seq, 21);
  });
});
