/**
 * Seeded fuzz of the frame reader through a live server: valid traffic split at every
 * offset decodes the same, and random frames (masked or not, any opcode, bad lengths,
 * junk) never crash the server: only the offending connection closes, a bystander
 * WebSocket client and a TCP client go on.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { OP_BINARY, OP_PING, OP_TEXT } from "../../src/websocket/frame.js";
import { TestWebSocket, encodeFrame } from "../helpers/ws-client.js";
import { prng } from "../helpers/prng.js";
import { waitFor } from "../helpers/wait-for.js";

const SEED = Number(process.env.WS_FUZZ_SEED ?? 20261204);

describe("websocket frame fuzz", () => {
  let s: NatsServer;
  after(async () => {
    await s?.close();
  });

  async function open(): Promise<TestWebSocket> {
    const ws = new TestWebSocket(`ws://127.0.0.1:${s.server.websocket!.port}`);
    await ws.opened();
    await waitFor(() => ws.received.join("").includes("\r\n"), { timeoutMs: 3000 });
    return ws;
  }

  test("a stream of frames split at every offset yields the same messages", async () => {
    s = await startServer({ port: 0, host: "127.0.0.1", websocket: { host: "127.0.0.1", port: -1, noTls: true } });
    const proto = 'CONNECT {"verbose":false}\r\nSUB f 1\r\nPUB f 5\r\nhello\r\nPUB f 300\r\n' + "z".repeat(300) + "\r\nPING\r\n";
    // Frames of different sizes (7-bit, 16-bit lengths), text and binary, a PING in between.
    const wire = Buffer.concat([
      encodeFrame(OP_TEXT, Buffer.from(proto.slice(0, 20)), { fin: false }),
      encodeFrame(OP_PING, Buffer.from("p")),
      encodeFrame(0, Buffer.from(proto.slice(20, 200)), { fin: false }),
      encodeFrame(0, Buffer.from(proto.slice(200))),
    ]);
    for (let cut = 1; cut < wire.length; cut += cut < 40 ? 1 : 17) {
      const ws = await open();
      ws.sendRaw(wire.subarray(0, cut));
      await new Promise((r) => setImmediate(r));
      ws.sendRaw(wire.subarray(cut));
      await waitFor(() => ws.received.join("").includes("PONG"), { timeoutMs: 3000 });
      assert.match(ws.received.join(""), new RegExp(`MSG f 1 5\\r\\nhello\\r\\nMSG f 1 300\\r\\nz{300}\\r\\nPONG\\r\\n$`), `cut at ${cut}`);
      ws.close();
    }
  });

  test("random frames close only their own connection", async () => {
    const rnd = prng(SEED);
    const byte = (): number => Math.floor(rnd() * 256);
    const bystander = await open();
    bystander.send('CONNECT {"verbose":false}\r\nSUB by 1\r\n');
    const tcp = await connect({ servers: s.clientURL });
    for (let round = 0; round < 60; round++) {
      const ws = await open();
      const parts: Buffer[] = [];
      const nFrames = 1 + Math.floor(rnd() * 6);
      for (let i = 0; i < nFrames; i++) {
        const kind = rnd();
        if (kind < 0.15) {
          parts.push(Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 40) }, byte)));
        } else {
          const len = rnd() < 0.8 ? Math.floor(rnd() * 200) : Math.floor(rnd() * 70_000);
          const payload = Buffer.from(Array.from({ length: len }, () => (rnd() < 0.7 ? 0x41 + Math.floor(rnd() * 26) : byte())));
          const opcode = rnd() < 0.6 ? OP_BINARY : Math.floor(rnd() * 16);
          parts.push(encodeFrame(opcode, payload, { fin: rnd() < 0.8, rsv1: rnd() < 0.1, masked: rnd() < 0.85 }));
        }
      }
      const wire = Buffer.concat(parts);
      // Sent in random pieces.
      for (let off = 0; off < wire.length; ) {
        const n = 1 + Math.floor(rnd() * Math.min(wire.length - off, 5000));
        ws.sendRaw(wire.subarray(off, off + n));
        off += n;
      }
      await new Promise((r) => setTimeout(r, 5));
      ws.close();
    }
    // The server and its other clients are fine.
    const before = bystander.received.length;
    tcp.publish("by", "still here");
    await tcp.flush();
    await waitFor(() => bystander.received.slice(before).join("").includes("still here"), { timeoutMs: 3000 });
    assert.equal(bystander.readyState, TestWebSocket.OPEN);
    bystander.close();
    await tcp.close();
  });
});
