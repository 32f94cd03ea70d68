/**
 * A server in a process of its own, started with --expose-gc, for per-connection memory
 * figures (test/server/idle-memory.test.ts): sends its port, then answers "mem" with the
 * V8 heap and ArrayBuffer memory after full collections, and how many clients it holds
 * and how many of them hold outbound memory; "stop" closes it.
 */
import { startServer } from "../../src/index.js";

export interface IdleMemorySample {
  heapUsed: number;
  arrayBuffers: number;
  clients: number;
  /** Clients whose outbound buffer holds an allocation, but for those with a write about to go out (a PING). */
  withOutbound: number;
}

const pingIntervalMs = Number(process.argv[2] ?? 0) || undefined;
const s = await startServer({ port: -1, host: "127.0.0.1", pingIntervalMs });
const gc = (globalThis as { gc?: () => void }).gc;
process.send?.({ port: s.port });
process.on("message", (m) => {
  if (m === "mem") {
    void (async () => {
      // Several rounds: sockets closed on the other side finish closing between them.
      for (let i = 0; i < 4; i++) {
        gc?.();
        await new Promise((r) => setTimeout(r, 20));
      }
      const mu = process.memoryUsage();
      let withOutbound = 0;
      for (const c of s.server.clients.values()) if (c.out.buf.length > 0 && !c.flushQueued) withOutbound++;
      const sample: IdleMemorySample = { heapUsed: mu.heapUsed, arrayBuffers: mu.arrayBuffers, clients: s.server.clients.size, withOutbound };
      process.send?.(sample);
    })();
  } else if (m === "stop") {
    void s.close().then(() => process.exit(0));
  }
});
