/**
 * Core behaviour through the official clients (@nats-io/transport-node v3 and nats v2)
 * over real sockets: what a NATS user sees.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, headers, NoRespondersError, RequestError, type NatsConnection } from "@nats-io/transport-node";
import { connect as connectV2, StringCodec } from "nats";
import { startServer, type NatsServer } from "../../src/index.js";
import { waitFor } from "../helpers/wait-for.js";

const enc = new TextEncoder();

describe("core pub/sub with @nats-io/transport-node", () => {
  let s: NatsServer;
  const conns: NatsConnection[] = [];
  const nc = async (opts: Record<string, unknown> = {}): Promise<NatsConnection> => {
    const c = await connect({ servers: s.clientURL, ...opts });
    conns.push(c);
    return c;
  };

  before(async () => {
    s = await startServer({ port: 0, host: "127.0.0.1" });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await s.close();
  });

  test("publish and subscribe, in order", async () => {
    const c = await nc();
    const got: string[] = [];
    const sub = c.subscribe("orders.created", { max: 100 });
    const done = (async () => {
      for await (const m of sub) got.push(m.string());
    })();
    for (let i = 0; i < 100; i++) c.publish("orders.created", `m${i}`);
    await done;
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => `m${i}`));
  });

  test("wildcards * and >", async () => {
    const c = await nc();
    const star: string[] = [];
    const gt: string[] = [];
    c.subscribe("w.*.x", { callback: (_e, m) => void star.push(m.subject) });
    c.subscribe("w.>", { callback: (_e, m) => void gt.push(m.subject) });
    await c.flush();
    for (const subj of ["w.a.x", "w.b.x", "w.a.y", "w.a.x.z", "w"]) c.publish(subj);
    await c.flush();
    await waitFor(() => gt.length === 4);
    assert.deepEqual(star, ["w.a.x", "w.b.x"]);
    assert.deepEqual(gt, ["w.a.x", "w.b.x", "w.a.y", "w.a.x.z"]);
  });

  test("queue group: each message to one member, spread roughly evenly", async () => {
    const counts = [0, 0, 0, 0];
    let plain = 0;
    for (let i = 0; i < counts.length; i++) {
      const c = await nc();
      c.subscribe("work", { queue: "workers", callback: () => void counts[i]!++ });
      await c.flush();
    }
    const p = await nc();
    p.subscribe("work", { callback: () => void plain++ });
    await p.flush();
    for (let i = 0; i < 1000; i++) p.publish("work", "x");
    await p.flush();
    await waitFor(() => counts.reduce((a, b) => a + b, 0) === 1000 && plain === 1000);
    for (const n of counts) assert.ok(n > 150 && n < 350, `uneven distribution: ${counts.join(",")}`);
  });

  test("request/reply with _INBOX replies", async () => {
    const c = await nc();
    c.subscribe("svc.echo", { callback: (_e, m) => void m.respond(enc.encode(`echo:${m.string()}`)) });
    await c.flush();
    const r = await nc();
    for (let i = 0; i < 20; i++) {
      const m = await r.request("svc.echo", `hi${i}`, { timeout: 2000 });
      assert.equal(m.string(), `echo:hi${i}`);
    }
  });

  test("headers round trip", async () => {
    const c = await nc();
    const got = new Promise<{ h: string | undefined; body: string; all: string[] }>((resolve) => {
      c.subscribe("hdr", {
        max: 1,
        callback: (_e, m) => resolve({ h: m.headers?.get("X-Trace"), body: m.string(), all: m.headers?.values("Multi") ?? [] }),
      });
    });
    await c.flush();
    const h = headers();
    h.set("X-Trace", "abc-123");
    h.append("Multi", "1");
    h.append("Multi", "2");
    c.publish("hdr", "body", { headers: h });
    const r = await got;
    assert.deepEqual(r, { h: "abc-123", body: "body", all: ["1", "2"] });
  });

  test("a request nobody serves fails fast with no responders", async () => {
    const c = await nc();
    const t0 = Date.now();
    await assert.rejects(c.request("nobody.home", "x", { timeout: 5000 }), (err: unknown) => {
      return err instanceof NoRespondersError || (err instanceof RequestError && err.isNoResponders());
    });
    assert.ok(Date.now() - t0 < 4000, "no-responders must not wait for the timeout");
  });

  test("echo: false hides a connection's own messages", async () => {
    const c = await nc({ noEcho: true });
    const other = await nc();
    const got: string[] = [];
    c.subscribe("echo.test", { callback: (_e, m) => void got.push(m.string()) });
    await c.flush();
    c.publish("echo.test", "mine");
    await c.flush();
    other.publish("echo.test", "theirs");
    await other.flush();
    await waitFor(() => got.length === 1);
    await c.flush();
    assert.deepEqual(got, ["theirs"]);
  });

  test("auto-unsubscribe after max", async () => {
    const c = await nc();
    const sub = c.subscribe("auto", { max: 3 });
    const got: string[] = [];
    const done = (async () => {
      for await (const m of sub) got.push(m.string());
    })();
    for (let i = 0; i < 10; i++) c.publish("auto", String(i));
    await done;
    assert.deepEqual(got, ["0", "1", "2"]);
    await c.flush();
    await waitFor(() => s.server.globalAccount.sublist.match("auto").psubs.length === 0);
  });

  test("drain delivers what was in flight, then closes", async () => {
    const c = await nc();
    let n = 0;
    c.subscribe("drain.me", { callback: () => void n++ });
    await c.flush();
    const p = await nc();
    for (let i = 0; i < 500; i++) p.publish("drain.me", "x");
    await p.flush();
    await c.drain();
    assert.equal(n, 500);
    assert.equal(c.isClosed(), true);
  });

  test("max payload: the client refuses, and the server closes a raw violator", async () => {
    const small = await startServer({ port: 0, host: "127.0.0.1", maxPayload: 1024 });
    try {
      const c = await connect({ servers: small.clientURL });
      assert.equal(c.info?.max_payload, 1024);
      assert.throws(() => c.publish("big", new Uint8Array(2048)));
      await c.close();
    } finally {
      await small.close();
    }
  });

  test("payloads up to max_payload arrive intact", async () => {
    const c = await nc();
    const sizes = [0, 1, 4095, 65_536, 1024 * 1024 - 1024];
    const got: Uint8Array[] = [];
    c.subscribe("big", { callback: (_e, m) => void got.push(m.data) });
    await c.flush();
    const sent = sizes.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff));
    for (const p of sent) c.publish("big", p);
    await waitFor(() => got.length === sizes.length);
    got.forEach((g, i) => assert.ok(Buffer.from(g).equals(Buffer.from(sent[i]!)), `payload of ${sizes[i]} bytes`));
  });

  test("INFO tells clients the protocol facts", async () => {
    const c = await nc();
    const info = c.info!;
    assert.equal(info.proto, 1);
    assert.equal(info.headers, true);
    assert.equal(info.max_payload, 1024 * 1024);
    assert.match(info.server_id, /^N[A-Z2-7]{55}$/);
    assert.match(info.version, /^2\.\d+\.\d+$/);
  });
});

describe("the older nats v2 client", () => {
  test("pub/sub and request/reply", async () => {
    const s = await startServer({ port: 0, host: "127.0.0.1" });
    const sc = StringCodec();
    const nc = await connectV2({ servers: s.clientURL });
    try {
      nc.subscribe("v2.echo", { callback: (_e, m) => void m.respond(sc.encode(`re:${sc.decode(m.data)}`)) });
      const got: string[] = [];
      nc.subscribe("v2.>", { callback: (_e, m) => void got.push(m.subject) });
      await nc.flush();
      const r = await nc.request("v2.echo", sc.encode("ping"), { timeout: 2000 });
      assert.equal(sc.decode(r.data), "re:ping");
      nc.publish("v2.a.b");
      await waitFor(() => got.includes("v2.a.b"));
    } finally {
      await nc.close();
      await s.close();
    }
  });
});

describe("reconnect", () => {
  test("a client reconnects when the server restarts on the same port", async () => {
    const s1 = await startServer({ port: 0, host: "127.0.0.1" });
    const port = s1.port;
    const c = await connect({ servers: s1.clientURL, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    const got: string[] = [];
    c.subscribe("re.sub", { callback: (_e, m) => void got.push(m.string()) });
    await c.flush();
    await s1.close();
    const s2 = await startServer({ port, host: "127.0.0.1" });
    try {
      // The client resubscribes on reconnect; publish until a message comes back.
      await waitFor(
        async () => {
          c.publish("re.sub", "after");
          await c.flush().catch(() => undefined);
          return got.includes("after");
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
    } finally {
      await c.close();
      await s2.close();
    }
  });
});

