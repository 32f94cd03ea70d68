/**
 * `tsnats stream` and `tsnats consumer` as a user runs them: the built CLI against an
 * embedded tsnats server with JetStream.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstreamManager } from "@nats-io/jetstream";
import { runCli } from "../micro/harness.js";
import { startJs, type JsEnv } from "../jetstream/helpers.js";

describe("tsnats stream / consumer", () => {
  let env: JsEnv;
  let url: string;
  before(async () => {
    env = await startJs();
    url = env.server.clientURL;
  });
  after(() => env.close());

  test("stream add, ls, info, rm", async () => {
    const none = await runCli(["stream", "ls", "-s", url]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /No Streams defined/);
    const add = await runCli(["stream", "add", "ORDERS", "--subjects", "orders.>", "--storage", "memory", "--max-msgs", "100", "-s", url]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /Stream ORDERS was created/);
    assert.match(add.stdout, /Subjects: orders\.>/);
    assert.match(add.stdout, /Maximum Messages: 100/);
    const nc = await connect({ servers: url });
    for (let i = 0; i < 3; i++) await nc.request(`orders.${i}`, "x");
    const ls = await runCli(["stream", "ls", "-s", url]);
    assert.match(ls.stdout, /│ ORDERS │/);
    assert.match(ls.stdout, /│\s+3 │/);
    const info = await runCli(["stream", "info", "ORDERS", "--json", "-s", url]);
    assert.equal((JSON.parse(info.stdout) as { state: { messages: number } }).state.messages, 3);
    const missing = await runCli(["stream", "info", "NOPE", "-s", url]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /stream not found \(10059\)/);
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add("ORDERS", { durable_name: "C1", ack_policy: AckPolicy.Explicit });
    const cls = await runCli(["consumer", "ls", "ORDERS", "-s", url]);
    assert.match(cls.stdout, /│ C1 /);
    const cinfo = await runCli(["consumer", "info", "ORDERS", "C1", "-s", url]);
    assert.match(cinfo.stdout, /Information for Consumer ORDERS > C1/);
    assert.match(cinfo.stdout, /Unprocessed Messages: 3/);
    const noForce = await runCli(["stream", "rm", "ORDERS", "-s", url]);
    assert.equal(noForce.code, 2);
    const rm = await runCli(["stream", "rm", "ORDERS", "-f", "-s", url]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await jsm.streams.list().next()).length, 0);
    await nc.close();
  });
});
