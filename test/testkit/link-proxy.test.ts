/**
 * The link proxy that stands for the network in cluster tests: latency per direction,
 * a cut that holds bytes (a partition, not a reset) and a heal that delivers them, in
 * order; NATS clients through it see the same.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { LinkProxy } from "../../src/testkit/link-proxy.js";
import { waitFor } from "../helpers/wait-for.js";

/** An echo server that records what it got. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

async function client(port: number): Promise<{ socket: net.Socket; text: () => string }> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((r) => socket.once("connect", () => r()));
  let got = "";
  socket.on("data", (d: Buffer) => (got += d.toString()));
  return { socket, text: () => got };
}

describe("LinkProxy", () => {
  test("adds one-way latency in each direction, in order", async () => {
    const echo = await echoServer();
    const proxy = new LinkProxy({ targetPort: echo.port });
    await proxy.start();
    proxy.setLatency(60, "forward");
    proxy.setLatency(40, "backward");
    const c = await client(proxy.port);
    try {
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) c.socket.write(`${i}`);
      await waitFor(() => c.text() === "01234");
      assert.ok(Date.now() - t0 >= 95, `round trip ${Date.now() - t0} ms`);
      assert.equal(proxy.bytes[0], 5);
      assert.equal(proxy.bytes[1], 5);
    } finally {
      c.socket.destroy();
      await proxy.close();
      await echo.close();
    }
  });

  test("a cut holds bytes and new connections; heal delivers them", async () => {
    const echo = await echoServer();
    const proxy = new LinkProxy({ targetPort: echo.port });
    await proxy.start();
    const c = await client(proxy.port);
    try {
      c.socket.write("a");
      await waitFor(() => c.text() === "a");
      proxy.cutLink();
      c.socket.write("b");
      const late = await client(proxy.port);
      late.socket.write("x");
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(c.text(), "a");
      assert.equal(late.text(), "");
      proxy.heal();
      await waitFor(() => c.text() === "ab" && late.text() === "x");
      late.socket.destroy();
    } finally {
      c.socket.destroy();
      await proxy.close();
      await echo.close();
    }
  });

  test("NATS through a cut link: the client's request waits, then completes after heal", async () => {
    const s = await startServer({ port: -1, host: "127.0.0.1" });
    const proxy = new LinkProxy({ targetPort: s.port });
    await proxy.start();
    const responder = await connect({ servers: s.clientURL });
    responder.subscribe("svc", {
      callback: (_e, m) => {
        m.respond("pong");
      },
    });
    await responder.flush();
    const nc = await connect({ servers: `nats://127.0.0.1:${proxy.port}` });
    try {
      assert.equal((await nc.request("svc", "", { timeout: 2000 })).string(), "pong");
      proxy.cutLink();
      const pending = nc.request("svc", "", { timeout: 5000 });
      await new Promise((r) => setTimeout(r, 200));
      proxy.heal();
      assert.equal((await pending).string(), "pong");
    } finally {
      await nc.close();
      await responder.close();
      await proxy.close();
      await s.close();
    }
  });
});
