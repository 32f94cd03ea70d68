/**
 * The same raw WebSocket client against nats-server's websocket listener and tsnats':
 * INFO over WS carries the same fields, bad upgrades get the same HTTP status and body,
 * protocol errors the same close status and reason. Skipped without nats-server.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startServer, type NatsServer } from "../../src/index.js";
import { OP_BINARY } from "../../src/websocket/frame.js";
import { freePort, natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";
import { TestWebSocket, encodeFrame, type WsClientOptions } from "../helpers/ws-client.js";
import { waitFor } from "../helpers/wait-for.js";

const bin = natsServerBinary();

describe("websocket next to nats-server", { skip: bin === null ? "nats-server not installed" : false }, () => {
  let ref: RunningNatsServer;
  let refWs = 0;
  let ours: NatsServer;
  const dir = mkdtempSync(join(tmpdir(), "tsnats-ws-interop-"));
  before(async () => {
    refWs = await freePort();
    const conf = join(dir, "ws.conf");
    writeFileSync(conf, `websocket { host: 127.0.0.1, port: ${refWs}, no_tls: true }\n`);
    ref = await startNatsServer(bin!, ["-c", conf]);
    ours = await startServer({ port: 0, host: "127.0.0.1", websocket: { host: "127.0.0.1", port: -1, noTls: true } });
  });
  after(async () => {
    await Promise.all([ref?.stop(), ours?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const urls = (): Array<[string, string]> => [
    ["nats-server", `ws://127.0.0.1:${refWs}`],
    ["tsnats", `ws://127.0.0.1:${ours.server.websocket!.port}`],
  ];

  async function answer(url: string, opts: WsClientOptions): Promise<string> {
    const ws = new TestWebSocket(url, opts);
    await ws.closedEvent().catch(() => undefined);
    await waitFor(() => ws.response !== "", { timeoutMs: 3000 });
    // The Date header differs by the clock only.
    return ws.response.replace(/Date: [^\r]*\r\n/, "");
  }

  test("INFO over WebSocket has nats-server's fields", async () => {
    const keys: Record<string, string[]> = {};
    for (const [name, url] of urls()) {
      const ws = new TestWebSocket(url);
      await ws.opened();
      await waitFor(() => ws.received.join("").includes("\r\n"), { timeoutMs: 3000 });
      keys[name] = Object.keys(JSON.parse(/^INFO (\{.*\}) \r\n/.exec(ws.received[0]!)![1]!) as object);
      ws.close();
    }
    const missing = keys["nats-server"]!.filter((k) => !keys.tsnats!.includes(k));
    assert.deepEqual(missing, []);
  });

  test("bad upgrades: same status line, headers and body", async () => {
    const cases: WsClientOptions[] = [
      { headers: { "Sec-WebSocket-Version": "12" } },
      { headers: { "Sec-WebSocket-Key": "" } },
      { headers: { Connection: "keep-alive" } },
      { method: "POST" },
    ];
    for (const c of cases) {
      const [a, b] = urls().map(([, u]) => u);
      assert.equal(await answer(b!, c), await answer(a!, c), JSON.stringify(c));
    }
  });

  // nats-server 2.9.10 drops the connection without a close frame (1006 at the client);
  // tsnats sends the close frame (1002 "mask bit missing") that wsHandleProtocolError
  // queues, as RFC 6455 7.1.7 asks. Both close only that connection.
  test("an unmasked client frame closes the connection on both", async () => {
    const got: Array<{ code: number; reason: string }> = [];
    for (const [, url] of urls()) {
      const ws = new TestWebSocket(url);
      await ws.opened();
      ws.sendRaw(encodeFrame(OP_BINARY, Buffer.from("PING\r\n"), { masked: false }));
      const e = await ws.closedEvent();
      got.push({ code: e.code, reason: e.reason });
    }
    assert.ok(got[0]!.code === 1002 || got[0]!.code === 1006, JSON.stringify(got[0]));
    assert.deepEqual(got[1], { code: 1002, reason: "mask bit missing" });
  });
});
