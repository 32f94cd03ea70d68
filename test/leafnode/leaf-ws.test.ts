/**
 * Leaf nodes over WebSocket, tsnats on both ends: the upgrade request byte for byte as
 * nats-server 2.9.10 sends it, the hub's answer checked as it checks it, which paths are
 * leaves, what each side agreed (compression, masking), `allowed_connection_types`
 * LEAFNODE_WS (which LEAFNODE does not admit) for config users and user JWTs, the websocket block's no_auth_user, leafnode
 * INFO `ws_connect_urls` from a cluster, a hub restart, the start-up check on mixed URLs,
 * and bad upgrades and bad frames on the leaf path closing only their own connection.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import net from "node:net";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { acceptKey, upgradeKind } from "../../src/websocket/upgrade.js";
import { checkUpgradeResponse, upgradeRequest } from "../../src/leafnode/leaf-ws-dial.js";
import { OP_BINARY, OP_CLOSE } from "../../src/websocket/frame.js";
import { makeAccount, makeOperator, makeUser, operatorConfig } from "../auth/jwt/fixtures.js";
import { CaptureLogger } from "../helpers/capture-logger.js";
import { TestWebSocket, encodeFrame } from "../helpers/ws-client.js";
import { freePort } from "../helpers/nats-server.js";
import { prng } from "../helpers/prng.js";
import { waitFor } from "../helpers/wait-for.js";

const SEED = Number(process.env.WS_FUZZ_SEED ?? 20261204);

describe("the upgrade, without sockets", () => {
  test("the request is nats-server 2.9.10's, byte for byte (captured from it)", () => {
    const key = "BpidHoqdFraSGO1SqipYkw==";
    assert.equal(
      upgradeRequest(new URL("ws://127.0.0.1:18431/foo/bar"), key, true, true),
      "GET /leafnodefoo/bar HTTP/1.1\r\nHost: 127.0.0.1:18431\r\nUser-Agent: Go-http-client/1.1\r\nConnection: Upgrade\r\nNats-No-Masking: true\r\n" +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        "Sec-Websocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\nUpgrade: websocket\r\n\r\n",
    );
    assert.match(upgradeRequest(new URL("wss://h:443"), key, false, false), /^GET \/leafnode HTTP\/1\.1\r\nHost: h\r\n/);
  });

  test("paths: /leafnode as 2.9 prefixes it and 2.10+ suffixes it is a leaf, /mqtt MQTT, the rest clients", () => {
    assert.equal(upgradeKind("/leafnode"), "leaf");
    assert.equal(upgradeKind("/leafnodefoo/bar"), "leaf");
    assert.equal(upgradeKind("/foo/bar/leafnode"), "leaf");
    assert.equal(upgradeKind("/mqtt"), "mqtt");
    assert.equal(upgradeKind("/"), "client");
    assert.equal(upgradeKind("/x?to=/leafnode"), "client");
  });

  test("the hub's answer: 101 with the right accept key; compression only without context takeover", () => {
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    const ok = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n`;
    const s = checkUpgradeResponse(`${ok}\r\n`, key, true, true);
    assert.ok(typeof s !== "string");
    assert.equal(s.compress, false, "not offered back: off");
    assert.equal(s.noMasking, false, "not echoed: we mask");
    const both = checkUpgradeResponse(`${ok}Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\nNats-No-Masking: true\r\n\r\n`, key, true, true);
    assert.ok(typeof both !== "string" && both.compress && both.noMasking);
    assert.equal(checkUpgradeResponse(`${ok}Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n`, key, true, false), "compression negotiation error");
    assert.equal(checkUpgradeResponse(`${ok}\r\n`, "other", false, false), "invalid websocket connection");
    assert.equal(checkUpgradeResponse("HTTP/1.1 400 Bad Request\r\n\r\n", key, false, false), "invalid websocket connection");
  });
});

describe("leaf nodes over WebSocket, tsnats to tsnats", () => {
  const servers: NatsServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (o: Parameters<typeof startServer>[0]): Promise<NatsServer> => {
    const s = await startServer({ port: -1, host: "127.0.0.1", ...o });
    servers.push(s);
    return s;
  };
  const wsBlock = (extra: Record<string, unknown> = {}) => ({ host: "127.0.0.1", port: -1, noTls: true, compression: true, sameOrigin: false, ...extra });

  test("each side holds what was agreed: compression, masking the dialer's frames unless no masking was agreed", async () => {
    const hub = await start({ leafnodes: { host: "127.0.0.1", port: -1 }, websocket: wsBlock() });
    const wsUrl = `ws://127.0.0.1:${hub.server.websocket!.port}`;
    const l1 = await start({ config: `leafnodes { remotes: [ { url: "${wsUrl}", ws_compression: true } ] }` });
    const l2 = await start({ config: `leafnodes { remotes: [ { url: "${wsUrl}", ws_no_masking: true } ] }` });
    await waitFor(() => hub.server.leafs!.leafs.size === 2 && l1.server.leafs!.leafs.size === 1 && l2.server.leafs!.leafs.size === 1, { what: "two ws leaves" });
    const d1 = [...l1.server.leafs!.leafs.values()][0]!;
    const d2 = [...l2.server.leafs!.leafs.values()][0]!;
    assert.equal(d1.ws!.settings.compress, true);
    assert.equal(d1.ws!.maskWrite, true);
    assert.equal(d2.ws!.settings.compress, false);
    assert.equal(d2.ws!.maskWrite, false);
    assert.match(d1.logPrefix(), / - lid_ws:\d+ - $/);
    const accepted = [...hub.server.leafs!.leafs.values()];
    assert.ok(accepted.every((l) => l.ws !== null && l.websocket));
    assert.deepEqual(accepted.map((l) => l.ws!.settings.compress).sort(), [false, true]);
    // A message each way through both.
    const h = await connect({ servers: hub.clientURL });
    const c1 = await connect({ servers: l1.clientURL });
    const c2 = await connect({ servers: l2.clientURL });
    const got: string[] = [];
    c2.subscribe("big", { callback: (_e, m) => void got.push(m.string()) });
    await c2.flush();
    const big = "x".repeat(200_000);
    await waitFor(
      async () => {
        c1.publish("big", big);
        await c1.flush();
        await new Promise((r) => setTimeout(r, 20));
        return got.length > 0;
      },
      { timeoutMs: 5000, what: "a 200 KB message from leaf to leaf through the hub" },
    );
    assert.equal(got[0], big);
    c1.subscribe("svc", { callback: (_e, m) => void m.respond("from l1") });
    await c1.flush();
    const answer = await waitFor(async () => (await h.request("svc", "q", { timeout: 300 }).catch(() => null))?.string(), { what: "a request from the hub answered on l1" });
    assert.equal(answer, "from l1");
    await Promise.all([h.close(), c1.close(), c2.close()]);
  });

  test("allowed_connection_types: LEAFNODE_WS admits leaves over WebSocket, LEAFNODE and MQTT do not", async () => {
    const log = new CaptureLogger();
    const users = [
      `{ user: tcp, password: p, allowed_connection_types: ["LEAFNODE"] }`,
      `{ user: ws, password: p, allowed_connection_types: ["leafnode_ws"] }`,
      `{ user: mqtt, password: p, allowed_connection_types: ["MQTT", "MQTT_WS"] }`,
    ];
    const hub = await start({ logger: log, config: `authorization { users: [ ${users.join(", ")} ] }`, leafnodes: { host: "127.0.0.1", port: -1 }, websocket: wsBlock() });
    const ws = (u: string) => `ws://${u}:p@127.0.0.1:${hub.server.websocket!.port}`;
    const tcp = (u: string) => `nats-leaf://${u}:p@127.0.0.1:${hub.server.leafs!.listenPort}`;
    const named = async (name: string, url: string) => start({ config: `server_name: ${name}\nleafnodes { reconnect: "100ms", remotes: [ { url: "${url}" } ] }` });
    await named("ws-ok", ws("ws"));
    await named("tcp-ok", tcp("tcp"));
    await named("ws-as-tcp", ws("tcp"));
    await named("tcp-as-ws", tcp("ws"));
    await named("ws-mqtt", ws("mqtt"));
    const names = () => [...hub.server.leafs!.leafs.values()].map((l) => l.remoteName).sort();
    await waitFor(() => names().length === 2, { what: "the two admitted leaves" });
    // The three refused ones have each been refused (and retried) a few times by now.
    await waitFor(() => log.lines.filter((l) => /lid_ws:\d+ - authentication error/.test(l)).length >= 4 && log.lines.some((l) => /lid:\d+ - authentication error/.test(l)), { what: "refusals" });
    assert.deepEqual(names(), ["tcp-ok", "ws-ok"]);
  });

  test("operator mode: a user JWT allowing LEAFNODE_WS logs a leaf in over WebSocket, one allowing only LEAFNODE does not", async () => {
    const op = await makeOperator();
    const acc = await makeAccount(op, "A");
    const log = new CaptureLogger();
    const hub = await start({ logger: log, config: operatorConfig(op, [acc]), leafnodes: { host: "127.0.0.1", port: -1 }, websocket: wsBlock() });
    const dir = mkdtempSync(join(tmpdir(), "tsnats-leafws-"));
    try {
      const leafWith = async (name: string, types: Array<"LEAFNODE" | "LEAFNODE_WS">) => {
        const file = join(dir, `${name}.creds`);
        writeFileSync(file, (await makeUser(acc, name, { allowed_connection_types: types })).creds);
        const url = `ws://127.0.0.1:${hub.server.websocket!.port}`;
        return start({ config: `server_name: ${name}\nleafnodes { reconnect: "100ms", remotes: [ { url: "${url}", credentials: "${file}" } ] }` });
      };
      await leafWith("tcp-only", ["LEAFNODE"]);
      await leafWith("ws-ok", ["LEAFNODE_WS"]);
      await waitFor(() => hub.server.leafs!.leafs.size === 1, { what: "the LEAFNODE_WS leaf" });
      await waitFor(() => log.lines.some((l) => /lid_ws:\d+ - authentication error/.test(l)), { what: "the LEAFNODE one refused" });
      const [only] = [...hub.server.leafs!.leafs.values()];
      assert.equal(only!.remoteName, "ws-ok");
      assert.equal(only!.account.name, acc.pub);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the websocket block's no_auth_user logs in leaves that come over WebSocket", async () => {
    const hub = await start({
      config: `accounts { A: { users: [ { user: a, password: pa } ] } }`,
      leafnodes: { host: "127.0.0.1", port: -1 },
      websocket: wsBlock({ noAuthUser: "a" }),
    });
    const leaf = await start({ config: `leafnodes { remotes: [ { url: "ws://127.0.0.1:${hub.server.websocket!.port}" } ] }` });
    await waitFor(() => hub.server.leafs!.leafs.size === 1 && leaf.server.leafs!.leafs.size === 1, { what: "the leaf bound by no_auth_user" });
    assert.equal([...hub.server.leafs!.leafs.values()][0]!.account.name, "A");
  });

  test("a hub cluster tells a ws remote its other servers' WebSocket URLs (leafnode INFO ws_connect_urls)", async () => {
    const rp = await freePort();
    const n0 = await start({ config: `server_name: n0\ncluster { name: C, listen: "127.0.0.1:${rp}" }`, leafnodes: { host: "127.0.0.1", port: -1 }, websocket: wsBlock() });
    const n1 = await start({ config: `server_name: n1\ncluster { name: C, listen: "127.0.0.1:-1", routes: ["nats://127.0.0.1:${rp}"] }`, leafnodes: { host: "127.0.0.1", port: -1 }, websocket: wsBlock() });
    await waitFor(() => (n0.server.routes?.peerWsConnectUrls() ?? []).length > 0, { what: "n1's ws URL gossiped to n0" });
    const leaf = await start({ config: `leafnodes { remotes: [ { url: "ws://127.0.0.1:${n0.server.websocket!.port}" } ] }` });
    const remote = leaf.server.leafs!.remotes[0]!;
    const n1Url = `ws://127.0.0.1:${n1.server.websocket!.port}`;
    await waitFor(() => remote.urls.some((u) => u.href.startsWith(n1Url)), { what: `${n1Url} learned` });
    // Raw on the leafnode port: the INFO carries it, as nats-server's does.
    const info = await new Promise<string>((resolve) => {
      const s = net.connect(n0.server.leafs!.listenPort, "127.0.0.1");
      s.once("data", (d) => {
        resolve(d.toString());
        s.destroy();
      });
    });
    assert.deepEqual(JSON.parse(info.slice(5)).ws_connect_urls, [`127.0.0.1:${n1.server.websocket!.port}`]);
  });

  test("the leaf reconnects after the hub restarts on the same port", async () => {
    const wp = await freePort();
    const hubOpts = { leafnodes: { host: "127.0.0.1", port: -1 }, websocket: wsBlock({ port: wp }) };
    const hub = await startServer({ port: -1, host: "127.0.0.1", ...hubOpts });
    const leaf = await start({ config: `leafnodes { reconnect: "100ms", remotes: [ { url: "ws://127.0.0.1:${wp}", ws_compression: true } ] }` });
    await waitFor(() => leaf.server.leafs!.leafs.size === 1, { what: "first connection" });
    await hub.close();
    await waitFor(() => leaf.server.leafs!.leafs.size === 0, { what: "the leaf saw the hub go" });
    const hub2 = await start(hubOpts);
    await waitFor(() => leaf.server.leafs!.leafs.size === 1 && hub2.server.leafs!.leafs.size === 1, { timeoutMs: 10_000, what: "reconnected" });
    const h = await connect({ servers: hub2.clientURL });
    const l = await connect({ servers: leaf.clientURL });
    let heard = 0;
    l.subscribe("after", { callback: () => void heard++ });
    await l.flush();
    await waitFor(
      async () => {
        h.publish("after", "restart");
        await h.flush();
        return heard > 0;
      },
      { what: "a message across the new link" },
    );
    await Promise.all([h.close(), l.close()]);
  });

  test("start-up refuses a remote mixing ws:// and other URLs, as nats-server", async () => {
    await assert.rejects(
      startServer({ port: -1, config: `leafnodes { remotes: [ { urls: [ "ws://u:secret@h:80", "nats-leaf://h:7422" ] } ] }` }),
      /remote leaf node configuration cannot have a mix of websocket and non-websocket urls: \["ws:\/\/u:xxxxx@h:80" "nats-leaf:\/\/h:7422"\]/,
    );
  });

  test("bad upgrades, no leafnodes listener, MQTT, and bad frames on the leaf path close only their own connection", async () => {
    const log = new CaptureLogger();
    const hub = await start({ logger: log, leafnodes: { host: "127.0.0.1", port: -1 }, websocket: wsBlock() });
    const port = hub.server.websocket!.port;
    const leaf = await start({ config: `leafnodes { remotes: [ { url: "ws://127.0.0.1:${port}" } ] }` });
    await waitFor(() => hub.server.leafs!.leafs.size === 1, { what: "a good leaf" });
    const h = await connect({ servers: hub.clientURL });
    const l = await connect({ servers: leaf.clientURL });
    const got: string[] = [];
    l.subscribe("alive", { callback: (_e, m) => void got.push(m.string()) });
    await l.flush();
    const alive = async (n: string) =>
      waitFor(
        async () => {
          h.publish("alive", n);
          await h.flush();
          return got.includes(n);
        },
        { what: `the good leaf still carries ${n}` },
      );
    await alive("0");
    // Bad upgrades on the leaf path: HTTP errors.
    const post = new TestWebSocket(`ws://127.0.0.1:${port}/leafnode`, { method: "POST" });
    await waitFor(() => post.response.startsWith("HTTP/1.1 405"), { what: "405" });
    const noKey = new TestWebSocket(`ws://127.0.0.1:${port}/leafnode`, { headers: { "Sec-WebSocket-Key": "" } });
    await waitFor(() => noKey.response.startsWith("HTTP/1.1 400"), { what: "400" });
    const mqtt = new TestWebSocket(`ws://127.0.0.1:${port}/mqtt`);
    await waitFor(() => mqtt.response.startsWith("HTTP/1.1 400"), { what: "MQTT refused" });
    // Unmasked frames from a "leaf": protocol error 1002, that connection only.
    const unmasked = new TestWebSocket(`ws://127.0.0.1:${port}/leafnode`);
    await unmasked.opened();
    await waitFor(() => unmasked.received.join("").startsWith("INFO "), { what: "the leaf INFO" });
    unmasked.sendRaw(encodeFrame(OP_BINARY, Buffer.from("CONNECT {}\r\n"), { masked: false }));
    await waitFor(() => unmasked.frames.some((f) => f.opcode === OP_CLOSE && f.payload.readUInt16BE(0) === 1002), { what: "close 1002" });
    // Seeded random frames after a valid start.
    const rnd = prng(SEED);
    const byte = (): number => Math.floor(rnd() * 256);
    for (let round = 0; round < 25; round++) {
      const ws = new TestWebSocket(`ws://127.0.0.1:${port}/leafnode`);
      await ws.opened();
      const parts: Buffer[] = [];
      for (let i = 1 + Math.floor(rnd() * 5); i > 0; i--) {
        if (rnd() < 0.15) parts.push(Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 40) }, byte)));
        else {
          const len = rnd() < 0.8 ? Math.floor(rnd() * 200) : Math.floor(rnd() * 70_000);
          const payload = Buffer.from(Array.from({ length: len }, () => (rnd() < 0.7 ? 0x41 + Math.floor(rnd() * 26) : byte())));
          parts.push(encodeFrame(rnd() < 0.6 ? OP_BINARY : Math.floor(rnd() * 16), payload, { fin: rnd() < 0.8, rsv1: rnd() < 0.1, masked: rnd() < 0.85 }));
        }
      }
      ws.sendRaw(Buffer.concat(parts));
      await new Promise((r) => setTimeout(r, 5));
      ws.close();
    }
    await alive("1");
    // No leafnodes listener: the upgrade is answered and the connection dropped (nats-server).
    const noLeaf = await start({ logger: log, websocket: wsBlock() });
    const lost = new TestWebSocket(`ws://127.0.0.1:${noLeaf.server.websocket!.port}/leafnode`);
    await waitFor(() => lost.readyState === TestWebSocket.CLOSED, { what: "dropped" });
    assert.ok(log.lines.some((x) => x.includes("Not configured to accept leaf node connections")));
    assert.equal(hub.server.leafs!.leafs.size, 1);
    await Promise.all([h.close(), l.close()]);
  });
});
