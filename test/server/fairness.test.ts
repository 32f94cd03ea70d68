/**
 * One connection's input cannot hold the event loop (issue 15 §2): a client that floods
 * SUBs, UNSUBs or PUBs to distinct subjects is served in slices, yielding between turns,
 * while a bystander's requests keep being answered. What is measured is the CPU time of
 * the longest turn of the event loop (a setImmediate probe reading process.cpuUsage),
 * garbage collection taken out: unlike wall-clock delay it does not grow when a busy
 * machine deschedules the process.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { PerformanceObserver } from "node:perf_hooks";
import { describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";

const FLOOD = 100_000;
/**
 * The longest turn allowed, in CPU milliseconds: the budget is 10 ms of input per turn
 * (measured: 25-45 ms per turn with the bystander, the flooder and GC's helper threads
 * in this process); a connection that never yields spends 95-125 ms here.
 */
const MAX_TURN_CPU_MS = 80;

/**
 * Runs once per turn of the loop and records each turn's CPU time and wall interval, so
 * garbage collection (which no yielding avoids, and which nats-server has too) can be
 * taken out: what is left is the time spent on input.
 */
class TurnProbe {
  private readonly turns: Array<{ from: number; to: number; cpuMs: number }> = [];
  private readonly gcs: Array<{ at: number; ms: number }> = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gcs.push({ at: e.startTime, ms: e.duration });
  });
  private running = false;

  start(): void {
    this.running = true;
    this.observer.observe({ entryTypes: ["gc"] });
    let lastCpu = cpuMs();
    let lastAt = performance.now();
    const step = (): void => {
      if (!this.running) return;
      const cpu = cpuMs();
      const at = performance.now();
      this.turns.push({ from: lastAt, to: at, cpuMs: cpu - lastCpu });
      lastCpu = cpu;
      lastAt = at;
      setImmediate(step);
    };
    setImmediate(step);
  }

  /** Stops, and returns the most CPU one turn spent outside garbage collection. */
  async stop(): Promise<number> {
    this.running = false;
    await new Promise((r) => setTimeout(r, 50)); // gc entries arrive asynchronously
    this.observer.disconnect();
    let max = 0;
    for (const t of this.turns) {
      let gc = 0;
      for (const g of this.gcs) if (g.at >= t.from && g.at < t.to) gc += g.ms;
      max = Math.max(max, t.cpuMs - gc);
    }
    return max;
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

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
  const turns = new TurnProbe();
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
    turns.start();
    await flood(server.port, lines);
    const maxMs = await turns.stop();
    running = false;
    await probe;
    return { maxMs, answered };
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
    assert.ok(r.maxMs < MAX_TURN_CPU_MS, `one turn of the loop took ${r.maxMs.toFixed(0)} ms of CPU`);
    assert.ok(r.answered > 0);
  });

  test("100k PUBs to distinct subjects", async () => {
    let lines = "";
    for (let i = 0; i < FLOOD; i++) lines += `PUB distinct.${i} 2\r\nhi\r\n`;
    const r = await measure(lines);
    assert.ok(r.maxMs < MAX_TURN_CPU_MS, `one turn of the loop took ${r.maxMs.toFixed(0)} ms of CPU`);
  });
});
