/**
 * One connection's input cannot hold the event loop (issue 15 §2): a client that floods
 * SUBs, UNSUBs or PUBs to distinct subjects is served in slices, yielding between turns,
 * while a bystander's requests keep being answered. The loop's delay is measured in
 * process with perf_hooks; bounds are loose (a busy CI machine stretches every turn),
 * but far below the second-long stalls of a connection that never yields.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";

const FLOOD = 100_000;
const MAX_TURN_MS = 400;

async function flood(port: number, lines: string): Promise<void> {
  const s = net.connect(port, "127.0.0.1");
  await new Promise<void>((r) => s.once("connect", () => r()));
  s.on("error", () => {});
  let acc = "";
  const done = new Promise<void>((resolve) => {
    s.on("data", (d: Buffer) => {
      acc += d.toString("latin1");
      if (acc.includes("PONG")) resolve();
    });
  });
  s.write('CONNECT {"verbose":false}\r\n');
  s.write(lines);
  s.write("PING\r\n");
  await done;
  s.destroy();
}

async function measure(lines: string): Promise<{ maxMs: number; answered: number }> {
  const server = await startServer({ port: -1, host: "127.0.0.1" });
  const nc = await connect({ servers: server.clientURL });
  nc.subscribe("echo", {
    callback: (_e, m) => {
      m.respond(m.data);
    },
  });
  await nc.flush();
  const h = monitorEventLoopDelay({ resolution: 5 });
  let answered = 0;
  let running = true;
  const probe = (async () => {
    while (running) {
      await nc.request("echo", "x", { timeout: 5000 });
      answered++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    h.enable();
    await flood(server.port, lines);
    h.disable();
    running = false;
    await probe;
    return { maxMs: h.max / 1e6, answered };
  } finally {
    running = false;
    await nc.close();
    await server.close();
  }
}

describe("a flooding connection yields the event loop", () => {
  test("100k SUBs then 100k UNSUBs", async () => {
    let lines = "";
    for (let i = 0; i < FLOOD; i++) lines += `SUB flood.${i} ${i}\r\n`;
    for (let i = 0; i < FLOOD; i++) lines += `UNSUB ${i}\r\n`;
    const r = await measure(lines);
    assert.ok(r.maxMs < MAX_TURN_MS, `the loop was held for ${r.maxMs.toFixed(0)} ms`);
    assert.ok(r.answered > 0);
  });

  test("100k PUBs to distinct subjects", async () => {
    let lines = "";
    for (let i = 0; i < FLOOD; i++) lines += `PUB distinct.${i} 2\r\nhi\r\n`;
    const r = await measure(lines);
    assert.ok(r.maxMs < MAX_TURN_MS, `the loop was held for ${r.maxMs.toFixed(0)} ms`);
  });
});
