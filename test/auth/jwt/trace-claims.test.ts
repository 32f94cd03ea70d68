/**
 * Message tracing settings in account JWTs (nats-server 2.11 reads jwt v2's account
 * `trace { dest, sampling }`, export and import `allow_trace`): the account's trace
 * destination behaves as the config's `msg_trace` (a sampled `traceparent` is traced there),
 * an invalid destination is none, a live JWT update changes or removes it, and the JWT's
 * `allow_trace` lets a trace cross a stream import. nats-server 2.9 has no tracing: tsnats only.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, credsAuthenticator, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../../src/index.js";
import { traceOf } from "../../../src/auth/jwt/account-links.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, operatorConfig, type Acct, type Op } from "./fixtures.js";

type Json = Record<string, any>;
const SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

test("traceOf: a valid publish subject is the destination; sampling outside 1..100 is 100", async () => {
  const op = await makeOperator();
  const claims = async (trace: unknown): Promise<Parameters<typeof traceOf>[0]> => {
    const a = await makeAccount(op, "T", { trace } as never);
    return JSON.parse(Buffer.from(a.jwt.split(".")[1]!, "base64url").toString()) as Parameters<typeof traceOf>[0];
  };
  assert.deepEqual(traceOf(await claims({ dest: "t.x", sampling: 50 })), { dest: "t.x", sampling: 50 });
  assert.deepEqual(traceOf(await claims({ dest: "t.x" })), { dest: "t.x", sampling: 100 });
  assert.deepEqual(traceOf(await claims({ dest: "t.x", sampling: 200 })), { dest: "t.x", sampling: 100 });
  assert.equal(traceOf(await claims({ dest: "t.*", sampling: 50 })), null);
  assert.equal(traceOf(await claims({ sampling: 50 })), null);
});

describe("operator mode: trace settings from account JWTs", () => {
  let op: Op;
  let a: Acct;
  let exp: Acct;
  let imp: Acct;
  let noTrace: Acct;
  let server: NatsServer;
  const conns: NatsConnection[] = [];
  const as = async (acct: Acct, name: string): Promise<NatsConnection> => {
    const nc = await connect({ port: server.port, name, authenticator: credsAuthenticator((await makeUser(acct, name)).creds) });
    conns.push(nc);
    return nc;
  };

  before(async () => {
    op = await makeOperator();
    a = await makeAccount(op, "A", { trace: { dest: "trace.a", sampling: 100 } } as never);
    exp = await makeAccount(op, "EXP", { exports: [{ name: "feed", subject: "feed.>", type: "stream" }] });
    imp = await makeAccount(op, "IMP", { imports: [{ name: "feed", subject: "feed.>", account: exp.pub, type: "stream", allow_trace: true }] } as never);
    noTrace = await makeAccount(op, "IMP2", { imports: [{ name: "feed", subject: "feed.>", account: exp.pub, type: "stream" }] });
    server = await startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [a, exp, imp, noTrace]) });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await server.close();
  });

  /** Publishes `subject` with a sampled traceparent from `nc`; resolves once `got` has one delivery. */
  async function tracedPublish(nc: NatsConnection, subject: string, extra: Record<string, string> = {}): Promise<void> {
    const h = headers();
    h.set("traceparent", SAMPLED);
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    nc.publish(subject, "payload", { headers: h });
    await nc.flush();
  }

  test("the account JWT's trace destination traces a sampled traceparent, as msg_trace does", async () => {
    const nc = await as(a, "conn-a");
    const got: Msg[] = [];
    const docs: Json[] = [];
    nc.subscribe("x", { callback: (_e, m) => void got.push(m) });
    nc.subscribe("trace.a", { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await nc.flush();
    await tracedPublish(nc, "x");
    await waitFor(() => got.length === 1 && docs.length === 1, { what: "delivery and trace document" });
    const [ingress, egress] = docs[0]!.events;
    assert.deepEqual([ingress.type, ingress.acc, ingress.subj, ingress.name], ["in", a.pub, "x", "conn-a"]);
    assert.deepEqual([egress.type, egress.sub], ["eg", "x"]);
  });

  test("a live JWT update without trace removes the destination; one with it sets it again", async () => {
    const sys = await as(op.sys, "admin");
    const nc = await as(a, "conn-a2");
    const got: Msg[] = [];
    const docs: Json[] = [];
    nc.subscribe("y", { callback: (_e, m) => void got.push(m) });
    nc.subscribe("trace.>", { callback: (_e, m) => void docs.push({ subject: m.subject, ...m.json<Json>() }) });
    await nc.flush();
    const push = async (jwt: string): Promise<void> => {
      const r = (await sys.request(`$SYS.REQ.ACCOUNT.${a.pub}.CLAIMS.UPDATE`, jwt, { timeout: 2000 })).json<{ data?: { code?: number } }>();
      assert.equal(r.data?.code, 200, JSON.stringify(r));
    };
    await push((await makeAccount(op, "A", {}, { kp: a.kp })).jwt);
    await waitFor(() => server.server.accounts.get(a.pub)!.traceDest === null, { what: "destination removed" });
    await tracedPublish(nc, "y");
    // A round trip after the publish: a trace document would have come before the PONG.
    await waitFor(() => got.length === 1);
    await nc.flush();
    assert.equal(docs.length, 0);
    await push((await makeAccount(op, "A", { trace: { dest: "trace.other", sampling: 100 } } as never, { kp: a.kp })).jwt);
    await waitFor(() => server.server.accounts.get(a.pub)!.traceDest === "trace.other", { what: "destination set" });
    await tracedPublish(nc, "y");
    await waitFor(() => got.length === 2 && docs.length === 1, { what: "traced to the new destination" });
    assert.equal(docs[0]!.subject, "trace.other");
  });

  for (const allowed of [true, false]) {
  test(`a JWT stream import ${allowed ? "with" : "without"} allow_trace: the trace ${allowed ? "crosses it" : "ends at its se event"}`, async () => {
    const pub = await as(exp, `exp-pub-${allowed}`);
    const sub = await as(allowed ? imp : noTrace, `imp-sub-${allowed}`);
    const subject = allowed ? "feed.a" : "feed.b";
    const docs: Json[] = [];
    const got: Msg[] = [];
    sub.subscribe(subject, { callback: (_e, m) => void got.push(m) });
    pub.subscribe(`trace.${subject}`, { callback: (_e, m) => void docs.push(m.json<Json>()) });
    await sub.flush();
    await waitFor(() => server.server.accounts.get(exp.pub)!.sublist.match(subject).psubs.length > 0, { what: "shadow subscription" });
    const h = headers();
    h.set("Nats-Trace-Dest", `trace.${subject}`);
    pub.publish(subject, "payload", { headers: h });
    await pub.flush();
    await waitFor(() => got.length === 1 && docs.length === 1, { what: "delivery across the import and its trace" });
    const types = (docs[0]!.events as Json[]).map((e) => e.type);
    assert.ok(types.includes("se"), JSON.stringify(types));
    assert.equal(types.includes("eg"), allowed, JSON.stringify(types));
  });
  }
});
