/**
 * Leaf nodes between tsnats and the real nats-server, both ways: a tsnats leaf under a
 * nats-server hub and a nats-server leaf under a tsnats hub, each bound to one hub account
 * by the user in its remote URL; and a tsnats leaf authenticating to a nats-server hub in
 * operator mode with a credentials file, and a nats-server leaf with one under a tsnats hub in
 * operator mode. Messages, a queue group spread over both sides
 * (exactly once) and requests cross the link both ways; another account's traffic does not.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createAccount, createOperator, createUser } from "@nats-io/nkeys";
import { startServer, type NatsServer } from "../../src/index.js";
import { startNatsServerConf } from "../helpers/interop.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

const bin = natsServerBinary();
const ACCOUNTS = `accounts { A: { users: [ { user: a, password: pa } ] }, B: { users: [ { user: b, password: pb } ] } }`;

interface Side {
  /** Options for a client in the bound account, and one in another account (null: none). */
  url: string;
  bound: Record<string, unknown>;
  other: Record<string, unknown> | null;
}

/** What every topology must do: both sides exchange messages, queue work and requests. */
function leafSuite(title: string, build: (dir: string) => Promise<{ hub: Side; leaf: Side; stop: () => Promise<void>; noSystemAccount?: true }>): void {
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

async function tsnatsHub(): Promise<NatsServer> {
  return startServer({ port: -1, host: "127.0.0.1", config: ACCOUNTS, leafnodes: { host: "127.0.0.1", port: -1 } });
}

leafSuite("nats-server hub, tsnats leaf bound to account A by its user", async () => {
  const lp = await freePort();
  const ns = await startNatsServerConf(bin!, "hub", [ACCOUNTS, `leafnodes { listen: "127.0.0.1:${lp}" }`]);
  const l = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { remotes: [{ urls: [`nats-leaf://a:pa@127.0.0.1:${lp}`] }], reconnectMs: 100 } });
  return {
    hub: { url: ns.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
    leaf: { url: l.clientURL, bound: {}, other: null },
    stop: async () => {
      await l.close();
      await ns.stop();
    },
  };
});

leafSuite("tsnats hub, nats-server leaf bound to account A by its user", async () => {
  const h = await tsnatsHub();
  const ns = await startNatsServerConf(bin!, "leaf", [`leafnodes { remotes: [ { url: "nats-leaf://a:pa@127.0.0.1:${h.server.leafs!.listenPort}" } ] }`]);
  return {
    hub: { url: h.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
    leaf: { url: ns.clientURL, bound: {}, other: null },
    stop: async () => {
      await ns.stop();
      await h.close();
    },
  };
});

leafSuite("nats-server hub in operator mode, tsnats leaf with a credentials file", async (dir) => {
  const okp = createOperator();
  const akp = createAccount();
  const bkp = createAccount();
  const ukp = createUser();
  const bukp = createUser();
  const opJwt = await encodeOperator("OP", okp);
  // The library's default account limits allow no connections.
  const limits = { limits: { conn: -1, leaf: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true } };
  const accJwt = await encodeAccount("A", akp, limits, { signer: okp });
  const bJwt = await encodeAccount("B", bkp, limits, { signer: okp });
  const userJwt = await encodeUser("leaf", ukp, akp);
  const bUserJwt = await encodeUser("other", bukp, bkp);
  const creds = join(dir, "leaf.creds");
  writeFileSync(creds, fmtCreds(userJwt, ukp));
  const lp = await freePort();
  const a = akp.getPublicKey();
  const b = bkp.getPublicKey();
  const ns = await startNatsServerConf(bin!, "hub", [
    `operator: ${opJwt}`,
    "resolver: MEMORY",
    `resolver_preload: { ${a}: ${accJwt}, ${b}: ${bJwt} }`,
    `leafnodes { listen: "127.0.0.1:${lp}" }`,
  ]);
  const l = await startServer({
    port: -1,
    host: "127.0.0.1",
    leafnodes: { remotes: [{ urls: [`nats-leaf://127.0.0.1:${lp}`], credentials: creds }], reconnectMs: 100 },
  });
  const { credsAuthenticator } = await import("@nats-io/transport-node");
  return {
    hub: {
      url: ns.clientURL,
      bound: { authenticator: credsAuthenticator(fmtCreds(userJwt, ukp)) },
      other: { authenticator: credsAuthenticator(fmtCreds(bUserJwt, bukp)) },
    },
    leaf: { url: l.clientURL, bound: {}, other: null },
    noSystemAccount: true,
    stop: async () => {
      await l.close();
      await ns.stop();
    },
  };
});

leafSuite("tsnats hub in operator mode, nats-server leaf with a credentials file", async (dir) => {
  const okp = createOperator();
  const akp = createAccount();
  const bkp = createAccount();
  const ukp = createUser();
  const hukp = createUser();
  const bukp = createUser();
  const opJwt = await encodeOperator("OP", okp);
  const limits = { limits: { conn: -1, leaf: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true } };
  const accJwt = await encodeAccount("A", akp, limits, { signer: okp });
  const bJwt = await encodeAccount("B", bkp, limits, { signer: okp });
  const leafJwt = await encodeUser("leaf", ukp, akp, { allowed_connection_types: ["LEAFNODE"] });
  const hubJwt = await encodeUser("hub", hukp, akp);
  const bUserJwt = await encodeUser("other", bukp, bkp);
  const creds = join(dir, "leaf.creds");
  writeFileSync(creds, fmtCreds(leafJwt, ukp));
  const a = akp.getPublicKey();
  const b = bkp.getPublicKey();
  const config = [`operator: ${opJwt}`, "resolver: MEMORY", `resolver_preload: { ${a}: ${accJwt}, ${b}: ${bJwt} }`].join("\n");
  const h = await startServer({ port: -1, host: "127.0.0.1", config, leafnodes: { host: "127.0.0.1", port: -1 } });
  const ns = await startNatsServerConf(bin!, "leaf", [`leafnodes { remotes: [ { url: "nats-leaf://127.0.0.1:${h.server.leafs!.listenPort}", credentials: "${creds}" } ] }`]);
  await waitFor(() => [...h.server.leafs!.leafs.values()].some((l) => l.account.name === a), { what: "nats-server leaf bound to A" });
  const { credsAuthenticator } = await import("@nats-io/transport-node");
  return {
    hub: {
      url: h.clientURL,
      bound: { authenticator: credsAuthenticator(fmtCreds(hubJwt, hukp)) },
      other: { authenticator: credsAuthenticator(fmtCreds(bUserJwt, bukp)) },
    },
    leaf: { url: ns.clientURL, bound: {}, other: null },
    noSystemAccount: true,
    stop: async () => {
      await ns.stop();
      await h.close();
    },
  };
});
