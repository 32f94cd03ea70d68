/**
 * Back-pressure under sustained load (issue 15 §5): a subscriber that keeps reading, only
 * slower than the publisher, is never cut; the publisher is throttled to its pace instead.
 * The write deadline applies to a socket that takes nothing at all, as nats-server's
 * per-write deadline does; a subscriber that stops reading is still cut.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, test } from "node:test";
import { startServer } from "../../src/index.js";
import { waitFor } from "../helpers/wait-for.js";

const PAYLOAD = 1024;

/** A subscriber on a raw socket that reads in short bursts: `burstMs` of reading every `everyMs`. */
async function trickleSubscriber(port: number, subject: string, burstMs: number, everyMs: number) {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((r) => socket.once("connect", () => r()));
  let bytes = 0;
  let closed = false;
  let pong = false;
  socket.on("data", (d: Buffer) => {
    bytes += d.length;
    if (!pong && d.includes("PONG")) pong = true;
  });
  socket.on("close", () => (closed = true));
  socket.on("error", () => {});
  socket.write(`CONNECT {"verbose":false}\r\nSUB ${subject} 1\r\nPING\r\n`);
  await waitFor(() => pong, { what: "subscriber ready" });
  bytes = 0; // count messages only, not INFO and PONG
  socket.pause();
  const timer = setInterval(() => {
    socket.resume();
    setTimeout(() => socket.pause(), burstMs);
  }, everyMs);
  return {
    get bytes() {
      return bytes;
    },
    get closed() {
      return closed;
    },
    close(): void {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

/** Publishes `count` messages of PAYLOAD bytes as fast as the socket takes them. */
async function publishAll(port: number, subject: string, count: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((r) => socket.once("connect", () => r()));
  socket.on("error", () => {});
  const frame = Buffer.from(`PUB ${subject} ${PAYLOAD}\r\n${"x".repeat(PAYLOAD)}\r\n`, "latin1");
  const batch = Buffer.concat(Array<Buffer>(64).fill(frame));
  socket.write('CONNECT {"verbose":false}\r\n');
  for (let sent = 0; sent < count; sent += 64) {
    if (!socket.write(batch)) await new Promise((r) => socket.once("drain", r));
  }
  return socket;
}

describe("back-pressure", () => {
  test("a slow but steady reader is not cut by the write deadline; the publisher is throttled", async () => {
    // A short deadline: the reader pauses 300 ms at a time, so any deadline counted from
    // the first queued byte (rather than from the last progress) would cut it.
    const s = await startServer({ port: -1, host: "127.0.0.1", writeDeadlineMs: 1000, maxPending: 32 * 1024 * 1024, pingIntervalMs: 0 });
    const sub = await trickleSubscriber(s.port, "steady", 5, 300);
    const count = 24 * 1024; // 24 MiB of payload, well beyond the socket buffers
    const pub = await publishAll(s.port, "steady", count);
    try {
      const expected = count * (PAYLOAD + "MSG steady 1 1024\r\n\r\n".length);
      await waitFor(() => sub.bytes >= expected || sub.closed, { timeoutMs: 90_000, what: "every message delivered" });
      assert.equal(sub.closed, false, "the steady reader was cut");
      assert.equal(s.server.slowConsumers, 0);
      assert.equal(sub.bytes, expected);
    } finally {
      sub.close();
      pub.destroy();
      await s.close();
    }
  });

  test("a reader that stops is still cut at the write deadline, and the publisher goes on", async () => {
    const s = await startServer({ port: -1, host: "127.0.0.1", writeDeadlineMs: 500 });
    const dead = await trickleSubscriber(s.port, "dead", 0, 1_000_000);
    const pub = await publishAll(s.port, "dead", 16 * 1024);
    try {
      await waitFor(() => s.server.slowConsumers === 1, { timeoutMs: 30_000, what: "the dead reader cut" });
      const why = s.server.closedClients.map((c) => c.reason);
      assert.ok(why.includes("Slow Consumer (Write Deadline)"), why.join(", "));
      // The publisher was throttled while the reader was behind, never closed.
      assert.equal(pub.destroyed, false);
      assert.equal(s.server.clients.size, 1);
    } finally {
      dead.close();
      pub.destroy();
      await s.close();
    }
  });
});
