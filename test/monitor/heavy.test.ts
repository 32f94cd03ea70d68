/**
 * Issue 15, item 2 (monitoring), bounded: parallel dumps of a server with 50,000
 * subscriptions are built in slices, a couple at a time, and answer correctly, while a
 * bystander's request/reply (every 10 ms, on the same event loop as the server here) goes
 * on without timeouts. `bench/monitor-load.ts` runs the figures beside nats-server.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { parseServerUrl } from "../../src/bench/args.js";
import { RawConnection } from "../../src/bench/raw-conn.js";
import { heavyGateOf } from "../../src/monitor/slices.js";
import { formatStats, startBystander } from "../helpers/bystander.js";
import { waitFor } from "../helpers/wait-for.js";
import { startMonitored } from "../micro/harness.js";

const CONNS = 10;
const SUBS_PER_CONN = 5000;
const PARALLEL = 10;

type Json = Record<string, unknown>;

async function holdSubscriptions(url: string): Promise<RawConnection[]> {
  const server = parseServerUrl(url);
  if (typeof server === "string") throw new Error(server);
  const conns: RawConnection[] = [];
  for (let c = 0; c < CONNS; c++) {
    const rc = new RawConnection(server, `holder-${c}`, new Uint8Array(16 * 1024));
    await rc.ready();
    for (let i = 0; i < SUBS_PER_CONN; i += 1000) {
      let lines = "";
      for (let k = i; k < i + 1000; k++) lines += `SUB load.${c}.${k} ${k + 1}\r\n`;
      rc.socket.write(lines);
      await rc.flush();
    }
    conns.push(rc);
  }
  return conns;
}

test("parallel /subsz?subs=1 and /connz?subs=1 dumps are sliced, correct, and leave a bystander alone", async (t) => {
  const s = await startMonitored();
  t.after(() => s.close());
  const holders = await holdSubscriptions(s.clientURL);
  t.after(() => holders.forEach((h) => h.close()));
  const gate = heavyGateOf(s.server);

  const by = await startBystander(s.clientURL, { timeoutMs: 1000 });
  const expected = (await s.get("/subsz?acc=$G")).num_subscriptions as number;
  assert.ok(expected >= CONNS * SUBS_PER_CONN);
  const tasksBefore = gate.tasks;
  const subsz = await Promise.all(Array.from({ length: PARALLEL }, () => s.get("/subsz?subs=1&acc=$G&offset=10")));
  const connz = await Promise.all(Array.from({ length: PARALLEL }, () => s.get("/connz?subs=1&limit=64")));
  const stats = await by.stop();

  for (const d of subsz) {
    assert.equal(d.total, expected);
    const list = d.subscriptions_list as Json[];
    assert.equal(list.length, 1024);
    assert.deepEqual(list[0], { account: "$G", subject: `load.0.10`, sid: "11", msgs: 0, cid: (list[0] as Json).cid });
  }
  for (const d of connz) {
    const conns = (d.connections as Json[]).filter((c) => String(c.name).startsWith("holder-"));
    assert.equal(conns.length, CONNS);
    for (const c of conns) assert.equal((c.subscriptions_list as string[]).length, SUBS_PER_CONN);
  }
  assert.equal(gate.tasks - tasksBefore, 2 * PARALLEL);
  assert.ok(gate.pauses >= PARALLEL, `the dumps yielded to the event loop ${gate.pauses} times`);
  assert.equal(stats.timeouts, 0, `bystander during the dumps: ${formatStats(stats)}`);
});

test("a connection with 50,000 subscriptions is streamed, not built in one piece", async (t) => {
  const s = await startMonitored();
  t.after(() => s.close());
  const server = parseServerUrl(s.clientURL);
  if (typeof server === "string") throw new Error(server);
  const rc = new RawConnection(server, "big", new Uint8Array(16 * 1024));
  t.after(() => rc.close());
  await rc.ready();
  for (let i = 0; i < 50_000; i += 5000) {
    let lines = "";
    for (let k = i; k < i + 5000; k++) lines += `SUB big.${k} ${k + 1}\r\n`;
    rc.socket.write(lines);
    await rc.flush();
  }
  const gate = heavyGateOf(s.server);
  const d = await s.get("/connz?subs=detail");
  const c = (d.connections as Json[]).find((x) => x.name === "big")!;
  const list = c.subscriptions_list_detail as Json[];
  assert.equal(list.length, 50_000);
  assert.deepEqual(list[49_999], { account: "$G", subject: "big.49999", sid: "50000", msgs: 0, cid: c.cid });
  assert.ok(gate.pauses >= 1, "the one connection's list yielded");

  // A monitoring client that leaves in the middle of the document frees its slot.
  await new Promise<void>((resolve) => {
    const sock = net.connect(s.httpPort!, "127.0.0.1", () => sock.write("GET /connz?subs=detail HTTP/1.1\r\nHost: x\r\n\r\n"));
    sock.once("data", () => {
      sock.destroy();
      resolve();
    });
  });
  await waitFor(() => gate.load.running === 0 && gate.load.waiting === 0, { what: "the gate is free again" });
  assert.equal(((await s.get("/connz?cid=1&subs=1")).connections as Json[]).length, 1);
});
