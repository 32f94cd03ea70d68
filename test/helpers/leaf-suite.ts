/**
 * The leaf node interop suite (test/interop/leafnode*.test.ts): given a hub and a leaf of
 * any make, clients on both sides exchange messages, share a queue group (each message
 * delivered exactly once), make requests both ways, reach the system imports, and another
 * hub account's traffic stays off the link.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsServerBinary } from "./nats-server.js";
import { waitFor } from "./wait-for.js";

const bin = natsServerBinary();

export interface Side {
  /** Options for a client in the bound account, and one in another account (null: none). */
  url: string;
  bound: Record<string, unknown>;
  other: Record<string, unknown> | null;
}

/** What every topology must do: both sides exchange messages, queue work and requests. */
export function leafSuite(title: string, build: (dir: string) => Promise<{ hub: Side; leaf: Side; stop: () => Promise<void>; noSystemAccount?: true }>): void {
  describe(title, { skip: bin === null ? "nats-server not installed" : false }, () => {
    let dir = "";
    let hub: Side;
    let leaf: Side;
    let stop: () => Promise<void> = async () => {};
    let noSystemAccount = false;
    const conns: NatsConnection[] = [];
    const nc = async (side: Side, opts: Record<string, unknown>): Promise<NatsConnection> => {
      const c = await connect({ servers: side.url, ...opts });
      conns.push(c);
      return c;
    };
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "tsnats-leaf-"));
      const built = await build(dir);
      ({ hub, leaf, stop } = built);
      noSystemAccount = built.noSystemAccount === true;
    });
    after(async () => {
      await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
      await stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("messages, a shared queue group and requests cross the link both ways", async () => {
      const h = await nc(hub, hub.bound);
      const l = await nc(leaf, leaf.bound);
      const got: string[] = [];
      const q: string[] = [];
      h.subscribe("x", { callback: (_e, m) => void got.push(`hub<-${m.string()}`) });
      l.subscribe("x", { callback: (_e, m) => void got.push(`leaf<-${m.string()}`) });
      h.subscribe("work", { queue: "w", callback: (_e, m) => void q.push(`h:${m.string()}`) });
      l.subscribe("work", { queue: "w", callback: (_e, m) => void q.push(`l:${m.string()}`) });
      h.subscribe("only.leaf.side", { queue: "w2", callback: (_e, m) => void q.push(`h2:${m.string()}`) });
      h.subscribe("svc.hub", { callback: (_e, m) => void m.respond("hub") });
      l.subscribe("svc.leaf", { callback: (_e, m) => void m.respond("leaf") });
      await Promise.all([h.flush(), l.flush()]);
      // Interest crosses the link: requests succeed once it has.
      await waitFor(async () => (await h.request("svc.leaf", "", { timeout: 500 }).catch(() => null))?.string() === "leaf", { timeoutMs: 10_000 });
      await waitFor(async () => (await l.request("svc.hub", "", { timeout: 500 }).catch(() => null))?.string() === "hub", { timeoutMs: 10_000 });
      await waitFor(
        async () => {
          got.length = 0;
          h.publish("x", "H");
          l.publish("x", "L");
          await Promise.all([h.flush(), l.flush()]);
          await new Promise((r) => setTimeout(r, 100));
          return got.length === 4;
        },
        { timeoutMs: 10_000 },
      );
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(got.sort(), ["hub<-H", "hub<-L", "leaf<-H", "leaf<-L"]);
      q.length = 0;
      for (let i = 0; i < 200; i++) (i % 2 === 0 ? h : l).publish("work", String(i));
      for (let i = 0; i < 50; i++) l.publish("only.leaf.side", String(i));
      await Promise.all([h.flush(), l.flush()]);
      await waitFor(() => q.length >= 250, { what: `250 queue deliveries, ${q.length}` });
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(q.length, 250);
      assert.equal(new Set(q.filter((e) => !e.startsWith("h2")).map((e) => e.split(":")[1])).size, 200);
      assert.equal(q.filter((e) => e.startsWith("h2")).length, 50);
    });

    test("system imports: an account CONNZ/STATZ ping from either side is answered by both servers, each for its account", async (t) => {
      if (noSystemAccount) return t.skip("the hub has no system account");
      const h = await nc(hub, { ...hub.bound, name: "hub-side" });
      const l = await nc(leaf, { ...leaf.bound, name: "leaf-side" });
      type Answer = { data?: { connections?: Array<{ name?: string }>; account_statz?: Array<{ acc: string }> } };
      const ask = async (from: NatsConnection, subject: string): Promise<Answer[]> => {
        const out: Answer[] = [];
        for await (const m of await from.requestMany(subject, "", { maxWait: 500 })) out.push(m.json<Answer>());
        return out;
      };
      for (const from of [l, h]) {
        let connz: Answer[] = [];
        await waitFor(async () => (connz = await ask(from, "$SYS.REQ.ACCOUNT.PING.CONNZ")).length === 2, { timeoutMs: 10_000, what: "two CONNZ answers" });
        const names = connz.map((a) => (a.data?.connections ?? []).map((c) => c.name).filter((n) => n === "hub-side" || n === "leaf-side"));
        assert.deepEqual(names.flat().sort(), ["hub-side", "leaf-side"]);
        const statz = await ask(from, "$SYS.REQ.ACCOUNT.PING.STATZ");
        assert.equal(statz.length, 2);
        assert.deepEqual(statz.map((a) => (a.data?.account_statz ?? []).map((r) => r.acc)).flat().sort(), ["$G", "A"]);
      }
    });

    test("another hub account's traffic does not reach the leaf", async (t) => {
      if (hub.other === null) return t.skip("no other account here");
      const l = await nc(leaf, leaf.bound);
      const got: string[] = [];
      l.subscribe("news", { callback: (_e, m) => void got.push(m.string()) });
      await l.flush();
      const mine = await nc(hub, hub.bound);
      const theirs = await nc(hub, hub.other);
      await waitFor(
        async () => {
          mine.publish("news", "mine");
          await mine.flush();
          await new Promise((r) => setTimeout(r, 50));
          return got.includes("mine");
        },
        { timeoutMs: 10_000 },
      );
      theirs.publish("news", "theirs");
      await theirs.flush();
      mine.publish("news", "mine again");
      await waitFor(() => got.includes("mine again"));
      assert.equal(got.includes("theirs"), false);
    });
  });
}

