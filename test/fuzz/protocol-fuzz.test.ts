/**
 * Random and mutated protocol bytes from many connections for a bounded time: the
 * server never crashes, memory stays bounded, and well-behaved clients on other
 * connections keep receiving every message, in order. Seeded; the seed is printed
 * so a failure can be replayed with FUZZ_SEED=<seed>.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";
import { mutate } from "../helpers/mutate.js";
import { prng } from "../helpers/prng.js";

const VALID = [
  'CONNECT {"verbose":false,"pedantic":true,"headers":true}\r\n',
  "PUB fuzz.a 5\r\nhello\r\n",
  "PUB fuzz.b reply.x 3\r\nabc\r\n",
  "HPUB fuzz.h 12 14\r\nNATS/1.0\r\n\r\nxx\r\n",
  "SUB fuzz.* 1\r\n",
  "SUB fuzz.> q 2\r\n",
  "UNSUB 1 3\r\n",
  "PING\r\n",
  "PONG\r\n",
  "SUB good 9\r\n",
];

test("fuzzed protocol never hurts the server or other clients", async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const rand = prng(seed);
  console.log(`fuzz seed ${seed}`);
  const s = await startServer({ port: 0, host: "127.0.0.1" });
  const rssBefore = process.memoryUsage().rss;
  const sub = await connect({ servers: s.clientURL });
  const pub = await connect({ servers: s.clientURL });
  const got: number[] = [];
  sub.subscribe("good", { callback: (_e, m) => void got.push(Number(m.string())) });
  await sub.flush();

  const deadline = Date.now() + 3000;
  let sent = 0;
  let fuzzConns = 0;
  const fuzzer = async (): Promise<void> => {
    // Bounded by time and by connection count.
    while (Date.now() < deadline && fuzzConns < 2000) {
      fuzzConns++;
      const sock = net.connect(s.port, "127.0.0.1");
      sock.on("error", () => {});
      await new Promise<void>((resolve) => {
        sock.once("connect", () => resolve());
        sock.once("close", () => resolve());
      });
      const n = 1 + Math.floor(rand() * 20);
      for (let i = 0; i < n && !sock.destroyed; i++) {
        const base = VALID[Math.floor(rand() * VALID.length)]!;
        sock.write(rand() < 0.5 ? Buffer.from(base, "latin1") : mutate(rand, base));
        if (rand() < 0.3) await new Promise((r) => setImmediate(r));
      }
      if (rand() < 0.5) sock.destroy();
      else sock.end();
    }
  };
  const publisher = async (): Promise<void> => {
    while (Date.now() < deadline && sent < 20_000) {
      pub.publish("good", String(sent++));
      if (sent % 50 === 0) await pub.flush();
    }
    await pub.flush();
  };
  await Promise.all([fuzzer(), fuzzer(), fuzzer(), fuzzer(), fuzzer(), fuzzer(), fuzzer(), fuzzer(), publisher()]);

  await waitFor(() => got.length === sent, { timeoutMs: 10_000, what: `received ${got.length}/${sent} (seed ${seed})` });
  assert.deepEqual(got, Array.from({ length: sent }, (_, i) => i), `in order (seed ${seed})`);

  // Still serving new connections.
  const probe = await RawConn.connect(s.port);
  probe.send("PING\r\n");
  await probe.waitFor((d) => d.endsWith("PONG\r\n"));
  probe.close();

  const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  assert.ok(grownMb < 300, `rss grew by ${grownMb.toFixed(0)} MB (seed ${seed})`);
  console.log(`fuzz: ${fuzzConns} fuzz connections, ${sent} good messages, rss +${grownMb.toFixed(0)} MB`);
  await sub.close();
  await pub.close();
  await s.close();
});
