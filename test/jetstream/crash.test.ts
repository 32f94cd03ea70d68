/**
 * End to end crash safety: tsnats as a child process with `sync_interval: always`, async
 * publishes with acks and consumer acks (with ack replies) in flight, SIGKILL at a random
 * moment, restart: every acknowledged publish is there at its sequence, and no message
 * whose ack was acknowledged is ever delivered again (unacknowledged ones are, after
 * ack_wait). Bounded rounds.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { connect, createInbox, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { freePort } from "../helpers/nats-server.js";
import { prng } from "../helpers/prng.js";

const SERVER = fileURLToPath(new URL("../../src/cli/tsnats-server.js", import.meta.url));
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);

async function startChild(conf: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SERVER, "-c", conf], { stdio: "ignore" });
  for (let i = 0; i < 500; i++) {
    try {
      const nc = await connect({ port, reconnect: false, timeout: 500 });
      await nc.close();
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  child.kill("SIGKILL");
  throw new Error("server did not start");
}

/** Publishes until the connection dies; records what was acknowledged. */
async function publishUntilDead(nc: NatsConnection, acked: Map<number, string>): Promise<void> {
  const inbox = createInbox();
  let sent = 0;
  let outstanding = 0;
  await new Promise<void>((resolve) => {
    nc.closed().then(() => resolve());
    const pump = (): void => {
      while (outstanding < 64 && !nc.isClosed()) {
        outstanding++;
        nc.publish("crash.x", `p${sent++}`, { reply: inbox });
      }
    };
    nc.subscribe(inbox, {
      callback: (_e, m) => {
        outstanding--;
        const r = m.json<{ seq?: number }>();
        if (r.seq !== undefined) acked.set(r.seq, "");
        pump();
      },
    });
    pump();
  });
}

test("acknowledged messages and consumer acks survive SIGKILL (sync_interval: always)", { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-crash-"));
  const rand = prng(Number(process.env.CRASH_SEED ?? 7));
  try {
    const port = await freePort();
    const conf = join(dir, "server.conf");
    writeFileSync(conf, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, "store")}", sync_interval: always }\n`);
    let child = await startChild(conf, port);
    let nc = await connect({ port });
    await (await jetstreamManager(nc)).streams.add({ name: "CRASH", subjects: ["crash.>"] });
    await (await jetstreamManager(nc)).consumers.add("CRASH", { durable_name: "C", ack_policy: AckPolicy.Explicit, ack_wait: 3e9 });
    await nc.close();
    const acked = new Map<number, string>();
    const ackedSeqs = new Set<number>();
    const redelivered: number[] = [];
    const consume = async (c: Awaited<ReturnType<ReturnType<typeof jetstream>["consumers"]["get"]>>, idleRounds: number): Promise<void> => {
      let idle = 0;
      try {
        while (idle < idleRounds) {
          const m = await c.next({ expires: 1000 });
          if (m === null) {
            idle++;
            continue;
          }
          if (ackedSeqs.has(m.seq)) redelivered.push(m.seq);
          if (await m.ackAck()) ackedSeqs.add(m.seq);
        }
      } catch {
        // The server went away.
      }
    };
    for (let round = 0; round < ROUNDS; round++) {
      nc = await connect({ port, reconnect: false });
      const js = jetstream(nc);
      const c = await js.consumers.get("CRASH", "C");
      const consuming = consume(c, Infinity);
      const pub = publishUntilDead(nc, acked);
      await new Promise((r) => setTimeout(r, 300 + Math.floor(rand() * 700)));
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      await Promise.race([pub, new Promise((r) => setTimeout(r, 3000))]);
      await consuming;
      await nc.close().catch(() => {});
      child = await startChild(conf, port);
      nc = await connect({ port });
      const jsm = await jetstreamManager(nc);
      const si = await jsm.streams.info("CRASH");
      // A loop, not Math.max(...keys): a longer soak (CRASH_ROUNDS) acknowledges more than the stack takes.
      let maxAcked = 0;
      for (const seq of acked.keys()) if (seq > maxAcked) maxAcked = seq;
      assert.ok(si.state.last_seq >= maxAcked, `round ${round}: last_seq ${si.state.last_seq} < acked ${maxAcked}`);
      for (const seq of acked.keys()) {
        const m = await jsm.streams.getMessage("CRASH", { seq });
        assert.ok(m !== null && m.subject === "crash.x", `round ${round}: acknowledged seq ${seq} is missing`);
      }
      await nc.close();
    }
    // Past ack_wait every unacknowledged delivery comes again; an acknowledged one never may.
    nc = await connect({ port });
    await consume(await jetstream(nc).consumers.get("CRASH", "C"), 5);
    await nc.close();
    assert.deepEqual(redelivered, [], "messages delivered again after their ack was acknowledged");
    assert.ok(acked.size > 0 && ackedSeqs.size > 0, "something was acknowledged");
    child.kill("SIGKILL");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
