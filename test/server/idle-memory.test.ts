/**
 * What an idle client connection costs the server (issue 13): measured in a server
 * process of its own after full collections, 1,000 subscribed connections that have
 * seen their first server PING hold no outbound buffer, and their V8 heap per connection
 * stays under a bound (about 3.2 KiB measured: Client, Parser, PubArg, Socket, stream
 * states, the ping timer; the socket handlers are shared functions, not closures). Memory, not time: no figure here depends on the machine's speed.
 */
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RawConnection } from "../../src/bench/raw-conn.js";
import type { IdleMemorySample } from "../helpers/idle-memory-child.js";
import { waitFor } from "../helpers/wait-for.js";

const CONNECTIONS = 1000;
/** Opened before the baseline, so code compiled on first use is not counted per connection. */
const WARM_UP = 20;
const HEAP_PER_CONN_MAX = 5 * 1024;
const ARRAY_BUFFERS_PER_CONN_MAX = 128;
/**
 * The first server PING comes 2 s after connect, the next one a ping interval later: with
 * an interval this long, every connection sees exactly one while the test runs, and no
 * PING's buffer is in flight when memory is read.
 */
const PING_INTERVAL_MS = 10 * 60_000;

function ask<T>(child: ChildProcess, m: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (v) => resolve(v as T));
    child.send(m);
  });
}

test("1,000 idle connections: no outbound buffers, bounded heap per connection", { timeout: 60_000 }, async (t) => {
  const child = fork(fileURLToPath(new URL("../helpers/idle-memory-child.js", import.meta.url)), [String(PING_INTERVAL_MS)], {
    execArgv: ["--expose-gc"],
    stdio: "inherit",
  });
  const conns: RawConnection[] = [];
  t.after(() => {
    for (const c of conns) c.close();
    child.send("stop");
  });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once("message", (m) => resolve(m as { port: number })));
  const server = { host: "127.0.0.1", port, user: "", pass: "", token: "" };
  const readBuffer = new Uint8Array(64 * 1024);
  const open = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i += 100) {
      const batch: RawConnection[] = [];
      for (let j = i; j < Math.min(n, i + 100); j++) {
        const c = new RawConnection(server, `idle-${conns.length}`, readBuffer);
        c.socket.write(`SUB idle.${conns.length % 10} 1\r\n`);
        conns.push(c);
        batch.push(c);
      }
      await Promise.all(batch.map((c) => c.flush()));
    }
  };
  /** Every connection got a server PING: its idle look is done and that PING written. */
  const settled = (): Promise<boolean> =>
    waitFor(() => conns.every((c) => c.scanner.pings > 0), { timeoutMs: 20_000, what: "a server PING on every connection" });

  await open(WARM_UP);
  await settled();
  const before = await ask<IdleMemorySample>(child, "mem");
  await open(CONNECTIONS);
  await settled();
  const after = await ask<IdleMemorySample>(child, "mem");

  assert.equal(after.clients, WARM_UP + CONNECTIONS);
  assert.equal(after.withOutbound, 0, "idle connections hold no outbound buffer");
  const heapPerConn = (after.heapUsed - before.heapUsed) / CONNECTIONS;
  const abPerConn = (after.arrayBuffers - before.arrayBuffers) / CONNECTIONS;
  t.diagnostic(`per idle connection: heap ${heapPerConn.toFixed(0)} B, ArrayBuffers ${abPerConn.toFixed(0)} B`);
  assert.ok(heapPerConn < HEAP_PER_CONN_MAX, `V8 heap per idle connection ${heapPerConn.toFixed(0)} B`);
  assert.ok(abPerConn < ARRAY_BUFFERS_PER_CONN_MAX, `ArrayBuffer memory per idle connection ${abPerConn.toFixed(0)} B`);
});
