/**
 * Message tracing across gateways where the message changes hands (nats-server 2.11
 * msgtrace.go): a request that a service import takes into the exporter's account and then
 * to the responder's cluster carries `Nats-Trace-Hop` and `Nats-Trace-Origin-Account`, so
 * the far server traces it and publishes its document in the publisher's account; a response
 * sent back by its `_GR_.` subject is traced on both sides; a link's message naming an
 * origin account this server lacks is delivered untraced; a sampled W3C `traceparent` is
 * traced by the far side to the account's destination, as across a route.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import type { AccountOptions } from "../../src/accounts/config.js";
import type { NatsServer } from "../../src/index.js";
import { gatewayPort, startGatewayNode, waitGatewaysMeshed } from "../helpers/supercluster.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

const SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

const ACCOUNTS: AccountOptions[] = [
  { name: "SVC", users: [{ user: "svc", password: "p" }], exports: [{ kind: "service", subject: "svc.>", allowTrace: true }], msgTrace: { dest: "trace.tp", sampling: 100 } },
  { name: "CLI", users: [{ user: "cli", password: "p" }], imports: [{ kind: "service", account: "SVC", subject: "svc.>" }] },
];

describe("message tracing across gateways", () => {
  let a: NatsServer;
  let b: NatsServer;
  const conns: NatsConnection[] = [];
  const login = async (s: NatsServer, user: string, name = ""): Promise<NatsConnection> => {
    const nc = await connect({ servers: s.clientURL, user, pass: "p", name });
    conns.push(nc);
    return nc;
  };
  /** Trace documents on `dest`, as `watcher` gets them. */
  const watch = async (watcher: NatsConnection, dest: string): Promise<Json[]> => {
    const docs: Json[] = [];
    watcher.subscribe(dest, { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await watcher.flush();
    return docs;
  };

  before(async () => {
    a = await startGatewayNode("A", null, [], { accounts: ACCOUNTS, serverName: "a" });
    b = await startGatewayNode("B", null, [{ name: "A", urls: [`nats://127.0.0.1:${gatewayPort(a)}`] }], { accounts: ACCOUNTS, serverName: "b" });
    await waitGatewaysMeshed([[a], [b]]);
  });

  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await Promise.all([a?.close(), b?.close()]);
  });

  test("a service import, then a gateway: the far side traces it and reports in the publisher's account", async () => {
    const responder = await login(b, "svc", "responder");
    const got: Msg[] = [];
    responder.subscribe("svc.t", { callback: (_e, m) => void got.push(m) });
    await responder.flush();
    const cli = await login(a, "cli");
    const docs = await watch(cli, "trace.si");
    // The responder's interest crosses first: probe untraced until it answers.
    await waitFor(
      async () => {
        cli.publish("svc.t", "probe");
        await cli.flush();
        await responder.flush();
        return got.length > 0;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: "the responder's interest at A" },
    );
    got.length = 0;
    const h = headers();
    h.set("Nats-Trace-Dest", "trace.si");
    cli.publish("svc.t", "hi", { headers: h });
    await waitFor(() => docs.length === 2 && got.length === 1, { timeoutMs: 10_000, what: `2 documents (${docs.length}) and the request` });
    const first = docs.find((d) => d.server.name === "a")!;
    const second = docs.find((d) => d.server.name === "b")!;
    assert.equal(first.hops, 1);
    assert.deepEqual(
      first.events.map((e: Json) => [e.type, e.kind, e.acc, e.hop]),
      [
        ["in", 0, "CLI", undefined],
        ["si", undefined, "SVC", undefined],
        ["eg", 2, undefined, "1"],
      ],
    );
    // The far side: its ingress is in the message's account, its document went to CLI.
    assert.deepEqual(second.request.header["Nats-Trace-Origin-Account"], ["CLI"]);
    assert.deepEqual(second.request.header["Nats-Trace-Hop"], ["1"]);
    assert.deepEqual(
      second.events.map((e: Json) => [e.type, e.kind, e.acc, e.name, e.subj ?? e.sub]),
      [
        ["in", 2, "SVC", "a", "svc.t"],
        ["eg", 0, "SVC", "responder", "svc.t"],
      ],
    );
    // The responder got the request with the headers the far side was given.
    assert.equal(got[0]!.headers?.get("Nats-Trace-Origin-Account"), "CLI");
  });

  test("a response by its _GR_. subject is traced where it is sent and where it arrives", async () => {
    const responder = await login(b, "svc", "gr-responder");
    responder.subscribe("gr.q", {
      callback: (_e, m) => {
        const h = headers();
        h.set("Nats-Trace-Dest", "trace.gr");
        m.respond("answer", { headers: h });
      },
    });
    await responder.flush();
    const requester = await login(a, "svc", "gr-requester");
    const docs = await watch(requester, "trace.gr");
    await waitFor(() => b.server.gateways!.out.get("A")!.outsim!.interest("SVC", "trace.gr"), { timeoutMs: 10_000, what: "interest in trace.gr at B" });
    const reply = await waitFor(async () => (await requester.request("gr.q", "", { timeout: 500 }).catch(() => null))?.string(), {
      timeoutMs: 10_000,
      what: "the answer from B",
    });
    assert.equal(reply, "answer");
    await waitFor(() => docs.length >= 2, { timeoutMs: 10_000, what: `2 documents (${docs.length})` });
    const sent = docs.find((d) => d.server.name === "b")!;
    const arrived = docs.find((d) => d.server.name === "a")!;
    assert.deepEqual(
      sent.events.map((e: Json) => [e.type, e.kind, e.hop]),
      [
        ["in", 0, undefined],
        ["eg", 2, "1"],
      ],
    );
    assert.match(sent.events[0].subj, /^_INBOX\./);
    assert.deepEqual(
      arrived.events.map((e: Json) => [e.type, e.kind, e.name]),
      [
        ["in", 2, "b"],
        ["eg", 0, "gr-requester"],
      ],
    );
    // The ingress names the subject as it came: the mapped one.
    assert.equal(arrived.events[0].subj, `_GR_.${a.server.gateways!.clusterHash}.${a.server.gateways!.serverHash}.${sent.events[0].subj}`);
    assert.deepEqual(arrived.request.header["Nats-Trace-Hop"], ["1"]);
  });

  test("an origin account this server lacks: delivered untraced", async () => {
    const sub = await login(a, "svc");
    const got: Msg[] = [];
    sub.subscribe("raw.x", { callback: (_e, m) => void got.push(m) });
    const docs = await watch(sub, "trace.raw");
    // A raw gateway connection to A, as gateway B would be.
    const sock = net.connect(gatewayPort(a), "127.0.0.1");
    sock.on("error", () => {});
    await new Promise((r) => sock.once("connect", r));
    const hdr = "NATS/1.0\r\nNats-Trace-Dest: trace.raw\r\nNats-Trace-Origin-Account: NOPE\r\nNats-Trace-Hop: 1\r\n\r\n";
    sock.write(
      'CONNECT {"echo":false,"verbose":false,"pedantic":false,"name":"NRAW1","gateway":"B"}\r\n' +
        'INFO {"server_id":"NRAW1","gateway":"B","gateway_urls":[],"host":"127.0.0.1","port":1,"headers":true,"proto":3}\r\n' +
        `HMSG SVC raw.x ${hdr.length} ${hdr.length + 2}\r\n${hdr}hi\r\n`,
    );
    try {
      await waitFor(() => got.length === 1, { timeoutMs: 10_000, what: "the message" });
      assert.equal(got[0]!.string(), "hi");
      // A document would have come before a later message on the same subject space.
      sub.publish("trace.raw", "{}");
      await waitFor(() => docs.length === 1, { what: "the marker" });
      assert.deepEqual(docs, [{}]);
    } finally {
      sock.destroy();
    }
  });

  test("a sampled traceparent: the far side traces it to the account's destination", async () => {
    const far = await login(b, "svc", "tp-far");
    const got: Msg[] = [];
    far.subscribe("tp.x", { callback: (_e, m) => void got.push(m) });
    await far.flush();
    const near = await login(a, "svc", "tp-near");
    const docs = await watch(near, "trace.tp");
    await waitFor(() => b.server.gateways!.out.get("A")!.outsim!.interest("SVC", "trace.tp"), { timeoutMs: 10_000, what: "interest in trace.tp at B" });
    await waitFor(() => a.server.gateways!.out.get("B")!.outsim!.interest("SVC", "tp.x"), { timeoutMs: 10_000, what: "interest in tp.x at A" });
    const h = headers();
    h.set("traceparent", SAMPLED);
    near.publish("tp.x", "hi", { headers: h });
    await waitFor(() => docs.length === 2 && got.length === 1, { timeoutMs: 10_000, what: `2 documents (${docs.length}) and the message` });
    const second = docs.find((d) => d.server.name === "b")!;
    assert.deepEqual(second.request.header.traceparent, [SAMPLED]);
    assert.deepEqual(second.request.header["Nats-Trace-Hop"], ["1"]);
    assert.deepEqual(
      second.events.map((e: Json) => [e.type, e.kind, e.acc, e.name]),
      [
        ["in", 2, "SVC", "a"],
        ["eg", 0, undefined, "tp-far"],
      ],
    );
    assert.equal(got[0]!.headers?.get("traceparent"), SAMPLED);
  });

  test("a sampled traceparent on a response by its _GR_. subject is traced where it arrives", async () => {
    const responder = await login(b, "svc", "tp-responder");
    responder.subscribe("tp.q", {
      callback: (_e, m) => {
        const h = headers();
        h.set("traceparent", SAMPLED);
        m.respond("answer", { headers: h });
      },
    });
    await responder.flush();
    const requester = await login(a, "svc", "tp-requester");
    const docs = await watch(requester, "trace.tp");
    await waitFor(() => b.server.gateways!.out.get("A")!.outsim!.interest("SVC", "trace.tp"), { timeoutMs: 10_000, what: "interest in trace.tp at B" });
    const reply = await waitFor(async () => (await requester.request("tp.q", "", { timeout: 500 }).catch(() => null))?.string(), {
      timeoutMs: 10_000,
      what: "the answer from B",
    });
    assert.equal(reply, "answer");
    await waitFor(() => docs.some((d) => d.server.name === "a"), { timeoutMs: 10_000, what: "the document from A" });
    const arrived = docs.find((d) => d.server.name === "a")!;
    assert.deepEqual(
      arrived.events.map((e: Json) => [e.type, e.kind, e.name]),
      [
        ["in", 2, "b"],
        ["eg", 0, "tp-requester"],
      ],
    );
  });
});
