/**
 * The driver in real time: three groups members on real temp directories (fsync) over the
 * in-memory transport, and over the NATS-subject transport on a stand-in bus; a restart from
 * disk; the message codec round trip.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { decodeMessage, encodeMessage } from "../../src/raft/codec.js";
import { RaftDriver, type StateMachine } from "../../src/raft/driver.js";
import { MemoryTransport, NatsTransport, type InternalBus, type Transport } from "../../src/raft/transport.js";
import { EntryType, MsgType, Role, newMessage, type Entry, type Snapshot } from "../../src/raft/types.js";
import { FsDisk } from "../../src/raft/wal/disk.js";
import { prng } from "../helpers/prng.js";
import { waitFor } from "../helpers/wait-for.js";

class Log implements StateMachine {
  items: string[] = [];
  apply(e: Entry): unknown {
    if (e.type === EntryType.Normal && e.data.length > 0) this.items.push(Buffer.from(e.data).toString());
    return this.items.length;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.items));
  }
  restore(s: Snapshot): void {
    this.items = s.data.length > 0 ? (JSON.parse(Buffer.from(s.data).toString()) as string[]) : [];
  }
}

function startGroup(t: { after: (fn: () => void) => void }, transport: Transport, dirs?: string[]) {
  const ds = dirs ?? [1, 2, 3].map(() => fs.mkdtempSync(join(tmpdir(), "tsnats-raft-")));
  if (!dirs) t.after(() => ds.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const sms = ds.map(() => new Log());
  const drivers = ds.map((d, i) => {
    const dr = new RaftDriver({
      raft: { random: prng(i + 1), electionTicks: 10, heartbeatTicks: 1 },
      group: "g1",
      disk: new FsDisk(d),
      transport,
      stateMachine: sms[i]!,
      tickMs: 10,
      snapshotEntries: 20,
      newId: () => i + 1,
      bootstrap: { voters: [1, 2, 3], learners: [] },
    });
    dr.start();
    return dr;
  });
  t.after(() => drivers.forEach((d) => d.stop()));
  return { ds, sms, drivers };
}

function propose(d: RaftDriver, s: string): Promise<unknown> {
  return new Promise((res, rej) => d.propose(Buffer.from(s), (err, r) => (err ? rej(err) : res(r))));
}

async function leaderOf(drivers: RaftDriver[]): Promise<RaftDriver> {
  const l = await waitFor(() => drivers.find((d) => d.node.role === Role.Leader && d.node.log.commit > 0), { timeoutMs: 10_000, what: "a leader" });
  return l!;
}

describe("raft driver", () => {
  test("codec: a message round-trips", () => {
    const m = newMessage(MsgType.App, "stream.ORDERS", 7, 9, 5);
    Object.assign(m, { logTerm: 4, index: 100, commit: 99, last: 101, ctx: 3, reject: true, recovering: true });
    m.entries = [{ index: 101, term: 5, type: EntryType.Normal, data: Buffer.from("hello") }];
    m.snapshot = { meta: { index: 90, term: 3, conf: { voters: [7, 9], learners: [11] } }, data: Buffer.from("snap") };
    const back = decodeMessage(encodeMessage(m));
    assert.deepEqual({ ...back, entries: back.entries.map((e) => ({ ...e, data: Buffer.from(e.data).toString() })), snapshot: { ...back.snapshot!, data: "snap" } }, {
      ...m,
      entries: [{ index: 101, term: 5, type: 0, data: "hello" }],
      snapshot: { ...m.snapshot, data: "snap" },
    });
    assert.throws(() => decodeMessage(Buffer.from([1, 2, 3])), /malformed/);
  });

  test("three members on disk replicate, snapshot, and a restarted member keeps its log", async (t) => {
    const transport = new MemoryTransport();
    const g = startGroup(t, transport);
    const l = await leaderOf(g.drivers);
    for (let i = 0; i < 50; i++) await propose(l, `v${i}`);
    await waitFor(() => g.sms.every((s) => s.items.length === 50), { timeoutMs: 10_000, what: "all applied" });
    assert.ok(l.node.log.snapIndex > 0, "compacted after snapshotEntries");
    const follower = g.drivers.find((d) => d !== l)!;
    const idx = g.drivers.indexOf(follower);
    follower.stop();
    follower.wal.close();
    await propose(l, "while-down");
    const sm = new Log();
    const again = new RaftDriver({
      raft: { random: prng(99), electionTicks: 10, heartbeatTicks: 1 },
      group: "g1",
      disk: new FsDisk(g.ds[idx]!),
      transport,
      stateMachine: sm,
      tickMs: 10,
      newId: () => 1000,
      bootstrap: null,
    });
    t.after(() => again.stop());
    assert.equal(again.recovery.status, "ok");
    assert.equal(again.id, follower.id, "same identity");
    again.start();
    await waitFor(() => sm.items.length === 51, { timeoutMs: 10_000, what: "restarted member caught up" });
    assert.equal(sm.items[50], "while-down");
  });

  test("the NATS-subject transport routes by group and member", async (t) => {
    const subs = new Map<string, (d: Buffer) => void>();
    const bus: InternalBus = {
      subscribe: (subject, cb) => {
        subs.set(subject, cb);
        return () => subs.delete(subject);
      },
      publish: (subject, data) => setImmediate(() => subs.get(subject)?.(data)),
    };
    const g = startGroup(t, new NatsTransport(bus));
    assert.ok(subs.has("$TSRAFT.g1.1"));
    const l = await leaderOf(g.drivers);
    assert.equal(await propose(l, "over-nats"), 1);
    await waitFor(() => g.sms.every((s) => s.items[0] === "over-nats"), { timeoutMs: 10_000, what: "replicated" });
  });
});
