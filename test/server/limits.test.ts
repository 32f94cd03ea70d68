/**
 * Limits, liveness and bad peers: each gets nats-server's error, the offending
 * connection is closed when nats-server would, and everyone else keeps working.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, test } from "node:test";
import { connect, errors } from "@nats-io/transport-node";
import { startServer, type StartServerOptions } from "../../src/index.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";

async function withServer(opts: StartServerOptions, fn: (s: Awaited<ReturnType<typeof startServer>>) => Promise<void>): Promise<void> {
  const s = await startServer({ port: 0, host: "127.0.0.1", ...opts });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

describe("slow consumers", () => {
  test("a subscriber that never reads is cut off; memory stays bounded; others get everything", async () => {
    const maxPending = 2 * 1024 * 1024;
    await withServer({ maxPending }, async (s) => {
      // A raw subscriber that stops reading after subscribing.
      const slow = await RawConn.connect(s.port);
      slow.send('CONNECT {"verbose":false}\r\nSUB firehose 1\r\nPING\r\n');
      await slow.waitFor((d) => d.includes("PONG"));
      slow.pause();
      const [slowCid] = [...s.server.clients.keys()];

      const good = await connect({ servers: s.clientURL });
      let received = 0;
      good.subscribe("firehose", { callback: () => void received++ });
      await good.flush();

      const pub = await connect({ servers: s.clientURL });
      const payload = new Uint8Array(8 * 1024);
      const total = 4000; // 32 MiB in all, far over max_pending
      let maxSeen = 0;
      for (let i = 0; i < total; i++) {
        pub.publish("firehose", payload);
        if (i % 50 === 0) {
          await pub.flush();
          for (const c of s.server.clients.values()) maxSeen = Math.max(maxSeen, c.pendingBytes());
        }
      }
      await pub.flush();
      await waitFor(() => s.server.slowConsumers >= 1, { timeoutMs: 15_000, what: "slow consumer detected" });
      await waitFor(() => received === total, { timeoutMs: 15_000, what: `good subscriber got ${received}/${total}` });
      assert.ok(maxSeen <= maxPending + payload.length + 256, `pending grew to ${maxSeen}`);
      const closed = s.server.closedClients.filter((c) => c.reason.startsWith("Slow Consumer"));
      assert.deepEqual(
        closed.map((c) => [c.cid, c.reason]),
        [[slowCid, "Slow Consumer (Pending Bytes)"]],
        "only the reader that never reads is cut off",
      );
      slow.close();
      await good.close();
      await pub.close();
    });
  });
});

describe("liveness", () => {
  test("unanswered PINGs make a stale connection", async () => {
    await withServer({ pingIntervalMs: 50, pingMax: 2 }, async (s) => {
      const c = await RawConn.connect(s.port);
      await c.waitClosed(5000);
      assert.equal(c.data.replace(/^INFO .*\r\n/, ""), "PING\r\nPING\r\n-ERR 'Stale Connection'\r\n");
      assert.equal(s.server.closedClients.at(-1)?.reason, "Stale Connection");
    });
  });

  test("a client that answers PINGs stays", async () => {
    await withServer({ pingIntervalMs: 30, pingMax: 1 }, async (s) => {
      const nc = await connect({ servers: s.clientURL });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(nc.isClosed(), false);
      await nc.close();
    });
  });

  test("auth timeout", async () => {
    await withServer({ authToken: "s3cret", authTimeoutMs: 100 }, async (s) => {
      const c = await RawConn.connect(s.port);
      await c.waitClosed(5000);
      assert.equal(c.data.replace(/^INFO .*\r\n/, ""), "-ERR 'Authentication Timeout'\r\n");
    });
  });
});

describe("authentication from the command line", () => {
  test("user and password", async () => {
    await withServer({ username: "alice", password: "pw" }, async (s) => {
      const ok = await connect({ servers: s.clientURL, user: "alice", pass: "pw" });
      await ok.flush();
      await ok.close();
      await assert.rejects(connect({ servers: s.clientURL, user: "alice", pass: "wrong", reconnect: false }), (e: unknown) => {
        return e instanceof errors.AuthorizationError || /Authorization Violation/i.test(String(e));
      });
      const raw = await RawConn.connect(s.port);
      assert.match(raw.data, /"auth_required":true/);
      raw.send('CONNECT {"user":"alice","pass":"nope"}\r\nPING\r\n');
      await raw.waitClosed();
      assert.equal(raw.data.replace(/^INFO .*\r\n/, ""), "-ERR 'Authorization Violation'\r\n");
    });
  });

  test("token; and any op before CONNECT is a violation", async () => {
    await withServer({ authToken: "tok" }, async (s) => {
      const ok = await connect({ servers: s.clientURL, token: "tok" });
      await ok.close();
      const raw = await RawConn.connect(s.port);
      raw.send("PING\r\n");
      await raw.waitClosed();
      assert.equal(raw.data.replace(/^INFO .*\r\n/, ""), "-ERR 'Authorization Violation'\r\n");
    });
  });
});

describe("connection and subscription limits", () => {
  test("max_connections", async () => {
    await withServer({ maxConnections: 1 }, async (s) => {
      const a = await RawConn.connect(s.port);
      const b = await RawConn.connect(s.port);
      await b.waitClosed();
      assert.match(b.data, /^INFO .* \r\n-ERR 'maximum connections exceeded'\r\n$/);
      assert.equal(a.closed, false);
      a.close();
    });
  });

  test("max_subscriptions keeps the connection open", async () => {
    await withServer({ maxSubscriptions: 2 }, async (s) => {
      const c = await RawConn.connect(s.port);
      c.send('CONNECT {"verbose":false}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPUB a 5\r\nhello\r\nPING\r\n');
      await c.waitFor((d) => d.endsWith("PONG\r\n"));
      assert.equal(c.data.replace(/^INFO .*\r\n/, ""), "-ERR 'maximum subscriptions exceeded'\r\nMSG a 1 5\r\nhello\r\nPONG\r\n");
      c.close();
    });
  });
});

describe("bad peers never hurt others", () => {
  test("a client that vanishes mid-message", async () => {
    await withServer({}, async (s) => {
      const nc = await connect({ servers: s.clientURL });
      const got: string[] = [];
      nc.subscribe("ok", { callback: (_e, m) => void got.push(m.string()) });
      await nc.flush();
      for (let i = 0; i < 20; i++) {
        const sock = net.connect(s.port, "127.0.0.1");
        await new Promise((r) => sock.once("data", r));
        sock.write(`CONNECT {"verbose":false}\r\nPUB ok 100\r\npartial`);
        sock.destroy();
      }
      nc.publish("ok", "still here");
      await waitFor(() => got.includes("still here"));
      assert.deepEqual(got, ["still here"]);
      await waitFor(() => s.server.clients.size === 1);
      await nc.close();
    });
  });
});
