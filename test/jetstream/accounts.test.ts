/**
 * JetStream and accounts: only accounts with `jetstream` get it (others are told
 * "JetStream not enabled for account"), per-account limits (streams, consumers, memory,
 * storage), a JetStream domain, and another account reaching a stream through an import
 * of `$JS.API.>` (requests, pull consumers and a source over the API prefix).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { startJs, type JsEnv } from "./helpers.js";
import { waitFor } from "../helpers/wait-for.js";

const CONFIG = `
accounts {
  A: {
    jetstream: { max_streams: 2, max_consumers: 1, max_mem: 2048, max_file: 1M }
    users: [{ user: a, password: a }]
    exports: [{ service: "$JS.API.>" }, { stream: "deliver.>" }]
  }
  B: {
    jetstream: enabled
    users: [{ user: b, password: b }]
    imports: [{ service: { account: A, subject: "$JS.API.>" }, to: "JS.A.API.>" }]
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

  test("a stream in B sources A's stream through the API prefix", async () => {
    const jsmB = await jetstreamManager(b);
    await jsmB.streams.add({ name: "FROM_A", sources: [{ name: "A2", external: { api: "JS.A.API", deliver: "" } }] });
    await waitFor(async () => (await jsmB.streams.info("FROM_A")).state.messages === 2, { what: "sourced from A" });
  });
});
