/** Start, graceful close and lame duck mode, as clients see them. */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";

test("many servers in one process, each on its own port", async () => {
  const servers = await Promise.all(Array.from({ length: 12 }, () => startServer({ port: 0, host: "127.0.0.1" })));
  assert.equal(new Set(servers.map((s) => s.port)).size, 12);
  assert.equal(new Set(servers.map((s) => s.server.id)).size, 12);
  await Promise.all(servers.map((s) => s.close()));
});

test("close() flushes what subscribers have pending before closing", async () => {
  const s = await startServer({ port: 0, host: "127.0.0.1" });
  const sub = await RawConn.connect(s.port);
  sub.send('CONNECT {"verbose":false}\r\nSUB x 1\r\nPING\r\n');
  await sub.waitFor((d) => d.includes("PONG"));
  const pub = await RawConn.connect(s.port);
  const n = 2000;
  pub.send('CONNECT {"verbose":false}\r\n' + "PUB x 3\r\nabc\r\n".repeat(n) + "PING\r\n");
  await pub.waitFor((d) => d.includes("PONG"));
  await s.close();
  await sub.waitClosed();
  assert.equal(sub.data.split("MSG x 1 3\r\n").length - 1, n);
});

test("lame duck mode: clients hear ldm, new connections are refused, then all close", async () => {
  const s = await startServer({ port: 0, host: "127.0.0.1", lameDuckDurationMs: 400, lameDuckGracePeriodMs: 50 });
  const nc = await connect({ servers: s.clientURL, reconnect: false });
  let sawLdm = false;
  (async () => {
    for await (const st of nc.status()) if (st.type === "ldm") sawLdm = true;
  })().catch(() => undefined);
  const raw = await RawConn.connect(s.port);
  raw.send(`CONNECT {"protocol":1,"verbose":false}\r\nPING\r\n`);
  await raw.waitFor((d) => d.includes("PONG\r\n"));
  // nats-server sendLDMToClients: no async INFO for protocol 0, nor before the first PONG.
  const proto0 = await RawConn.connect(s.port);
  proto0.send(`CONNECT {"protocol":0,"verbose":false}\r\nPING\r\n`);
  await proto0.waitFor((d) => d.includes("PONG\r\n"));
  const early = await RawConn.connect(s.port);
  early.send(`CONNECT {"protocol":1,"verbose":false}\r\n`);
  await waitFor(() => s.server.clients.size === 4);
  const done = s.server.enterLameDuckMode();
  await raw.waitFor((d) => /INFO .*"ldm":true/.test(d.slice(d.indexOf("\r\n") + 2)));
  for (const c of [proto0, early]) {
    c.send("PING\r\n");
    await c.waitFor((d) => d.split("PONG\r\n").length === (c === proto0 ? 3 : 2));
    assert.equal(c.data.split("INFO ").length - 1, 1, "only the first INFO");
  }
  // The listener is closed: a new connection is refused.
  const refused = await new Promise<boolean>((resolve) => {
    const sock = net.connect(s.port, "127.0.0.1");
    sock.on("error", () => resolve(true));
    sock.on("data", () => resolve(false));
  });
  assert.equal(refused, true);
  await done;
  await raw.waitClosed();
  await proto0.waitClosed();
  await early.waitClosed();
  await waitFor(() => nc.isClosed());
  assert.equal(sawLdm, true);
});

test("the server pings soon after connect, so the RTT is known", async () => {
  const s = await startServer({ port: 0, host: "127.0.0.1" });
  const nc = await connect({ servers: s.clientURL });
  try {
    const [c] = [...s.server.clients.values()];
    await waitFor(() => c!.rttMs > 0, { timeoutMs: 5000, what: "rtt measured" });
  } finally {
    await nc.close();
    await s.close();
  }
});

test("client_advertise sets the host and port INFO tells clients", async () => {
  for (const [advertise, host, port] of [
    ["nats.example.com:4333", "nats.example.com", 4333],
    ["nats.example.com", "nats.example.com", -1],
    ["[::1]:4444", "::1", 4444],
  ] as const) {
    const s = await startServer({ port: 0, host: "127.0.0.1", clientAdvertise: advertise });
    const raw = await RawConn.connect(s.port);
    const info = JSON.parse(raw.data.slice(5, raw.data.indexOf("\r\n"))) as { host: string; port: number };
    assert.deepEqual([info.host, info.port], [host, port === -1 ? s.port : port], advertise);
    raw.close();
    await s.close();
  }
});
