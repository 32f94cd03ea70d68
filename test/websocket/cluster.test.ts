/**
 * WebSocket URLs across a cluster (nats-server route INFO `ws_connect_urls`): each server
 * gossips its WebSocket URLs (the block's `advertise`, else its listen address) to its
 * routes; a WebSocket client's INFO `connect_urls` lists every node's WebSocket URLs (never
 * the TCP ones), updated by async INFO as nodes join and leave, and the lame duck INFO in
 * its WebSocket form; `no_advertise` of the cluster block keeps them to itself. Also against nats-server 2.9, whose route INFO
 * carries them too.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { NatsServer, StartServerOptions } from "../../src/index.js";
import { routePort, startNode, waitMeshed } from "../helpers/cluster.js";
import { freePort, natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";
import { RawConn } from "../helpers/raw.js";
import { TestWebSocket } from "../helpers/ws-client.js";
import { waitFor } from "../helpers/wait-for.js";

const nodes: NatsServer[] = [];
const sockets: TestWebSocket[] = [];
after(async () => {
  for (const ws of sockets) ws.close();
  await Promise.all(nodes.map((s) => s.close()));
});

function wsOpts(extra: Record<string, unknown> = {}): StartServerOptions {
  return { websocket: { host: "127.0.0.1", port: -1, noTls: true, ...extra } } as StartServerOptions;
}

async function node(routes: string[], extra: StartServerOptions = {}): Promise<NatsServer> {
  const s = await startNode("WS", routes, { ...wsOpts(), ...extra });
  nodes.push(s);
  return s;
}

function wsUrl(s: NatsServer): string {
  return `127.0.0.1:${s.server.websocket!.port}`;
}

function seedOf(s: NatsServer): string {
  return `nats-route://127.0.0.1:${routePort(s)}`;
}

/** The INFO lines a raw WebSocket client received, parsed. */
function infos(ws: TestWebSocket): Array<Record<string, unknown>> {
  return [...ws.received.join("").matchAll(/INFO (\{.*?\}) ?\r\n/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
}

/** A WebSocket client that sent CONNECT with protocol 1 (so it takes async INFO) and got PONG. */
async function wsClient(port: number): Promise<TestWebSocket> {
  const ws = new TestWebSocket(`ws://127.0.0.1:${port}`);
  sockets.push(ws);
  await ws.opened();
  ws.send('CONNECT {"protocol":1,"verbose":false}\r\nPING\r\n');
  await waitFor(() => ws.received.join("").includes("PONG\r\n"), { timeoutMs: 5000, what: "PONG" });
  return ws;
}

/** The `connect_urls` of the last INFO, sorted after the first (the server's own). */
function lastUrls(ws: TestWebSocket): string[] | undefined {
  return infos(ws).at(-1)?.connect_urls as string[] | undefined;
}

describe("ws_connect_urls in a tsnats cluster", () => {
  test("a WebSocket client learns every node's WebSocket URL (advertise where set), own first; TCP clients get TCP URLs", async () => {
    const a = await node([], wsOpts({ advertise: "ws-a.example:8443" }));
    const b = await node([seedOf(a)], { ...wsOpts(), httpPort: -1 } as StartServerOptions);
    const c = await node([seedOf(a)]);
    await waitMeshed([a, b, c]);
    const ws = await wsClient(b.server.websocket!.port);
    const urls = lastUrls(ws)!;
    assert.equal(urls[0], wsUrl(b));
    assert.deepEqual([...urls].sort(), ["ws-a.example:8443", wsUrl(b), wsUrl(c)].sort());
    // The WebSocket INFO names the websocket listener.
    assert.equal(infos(ws)[0]!.port, b.server.websocket!.port);
    // TCP clients see only TCP URLs.
    const tcp = await RawConn.connect(b.port);
    const info = JSON.parse((await tcp.waitFor((d) => d.includes("\r\n"))).slice(5).split("\r\n")[0]!) as { connect_urls: string[]; port: number };
    tcp.close();
    assert.deepEqual([...info.connect_urls].sort(), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`, `127.0.0.1:${c.port}`].sort());
    assert.equal(info.port, b.port);
    // /varz has both lists, as nats-server's.
    const varz = (await (await fetch(`http://127.0.0.1:${b.httpPort}/varz`)).json()) as { connect_urls: string[]; ws_connect_urls: string[] };
    assert.deepEqual(varz.ws_connect_urls, urls);
    assert.deepEqual(varz.connect_urls, info.connect_urls);
  });

  test("async INFO as a node joins and leaves", async () => {
    const a = await node([]);
    const b = await node([seedOf(a)]);
    await waitMeshed([a, b]);
    const ws = await wsClient(a.server.websocket!.port);
    await waitFor(() => lastUrls(ws)?.includes(wsUrl(b)) === true, { timeoutMs: 5000, what: "b's URL" });
    const c = await node([seedOf(a)]);
    await waitMeshed([a, b, c]);
    await waitFor(() => lastUrls(ws)?.includes(wsUrl(c)) === true, { timeoutMs: 5000, what: "INFO with c's URL" });
    const cUrl = wsUrl(c);
    nodes.splice(nodes.indexOf(c), 1);
    await c.close();
    await waitFor(() => lastUrls(ws)?.includes(cUrl) === false, { timeoutMs: 5000, what: "INFO without c's URL" });
    assert.deepEqual(lastUrls(ws)!.sort(), [wsUrl(a), wsUrl(b)].sort());
  });

  test("lame duck mode: a WebSocket client gets ldm with the other nodes' WebSocket URLs, a TCP client the TCP ones", async () => {
    const a = await node([], { ...wsOpts(), lameDuckDurationMs: 200, lameDuckGracePeriodMs: 50 } as StartServerOptions);
    const b = await node([seedOf(a)]);
    await waitMeshed([a, b]);
    const ws = await wsClient(a.server.websocket!.port);
    await waitFor(() => lastUrls(ws)?.includes(wsUrl(b)) === true, { timeoutMs: 5000, what: "b's URL" });
    const tcp = await RawConn.connect(a.port);
    tcp.send('CONNECT {"protocol":1,"verbose":false}\r\nPING\r\n');
    await tcp.waitFor((d) => d.includes("PONG\r\n"));
    const done = a.server.enterLameDuckMode();
    await waitFor(() => infos(ws).some((i) => i.ldm === true), { timeoutMs: 5000, what: "the lame duck INFO over WebSocket" });
    const ldm = infos(ws).find((i) => i.ldm === true)!;
    // Its own URL is gone; the WebSocket form: the websocket listener's port, WS URLs only.
    assert.deepEqual(ldm.connect_urls, [wsUrl(b)]);
    assert.equal(ldm.port, a.server.websocket!.port);
    const line = (await tcp.waitFor((d) => /INFO [^\r]*"ldm":true/.test(d))).match(/INFO ([^\r]*"ldm":true[^\r]*?) ?\r\n/)![1]!;
    const tcpLdm = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(tcpLdm.connect_urls, [`127.0.0.1:${b.port}`]);
    assert.equal(tcpLdm.port, a.port);
    await done;
    await tcp.waitClosed();
    nodes.splice(nodes.indexOf(a), 1);
  });

  test("no_advertise: the node neither gossips its WebSocket URL nor lists the others'", async () => {
    const a = await node([], { ...wsOpts(), cluster: { noAdvertise: true } } as StartServerOptions);
    const b = await node([seedOf(a)]);
    await waitMeshed([a, b]);
    const onA = await wsClient(a.server.websocket!.port);
    const onB = await wsClient(b.server.websocket!.port);
    assert.equal(lastUrls(onA), undefined);
    assert.equal(lastUrls(onB), undefined);
  });
});

const bin = natsServerBinary();

describe("ws_connect_urls with nats-server", { skip: bin === null ? "nats-server not installed" : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-ws-cluster-"));
  let ref: RunningNatsServer | undefined;
  after(async () => {
    await ref?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("each side's WebSocket clients learn the other's WebSocket URL through the route", async () => {
    const refWs = await freePort();
    const refRoute = await freePort();
    const conf = join(dir, "ref.conf");
    writeFileSync(
      conf,
      `websocket { host: 127.0.0.1, port: ${refWs}, no_tls: true, advertise: "ref.example:443" }\n` +
        `cluster { name: WS, host: 127.0.0.1, port: ${refRoute} }\n`,
    );
    ref = await startNatsServer(bin!, ["-c", conf]);
    const ours = await node([`nats-route://127.0.0.1:${refRoute}`]);
    const onOurs = await wsClient(ours.server.websocket!.port);
    await waitFor(() => lastUrls(onOurs)?.includes("ref.example:443") === true, { timeoutMs: 10_000, what: `nats-server's ws URL (routes ${ours.server.routes!.remotes.size}): ${onOurs.received.join("")}` });
    assert.equal(lastUrls(onOurs)![0], wsUrl(ours));
    const onRef = await wsClient(refWs);
    await waitFor(() => lastUrls(onRef)?.includes(wsUrl(ours)) === true, { timeoutMs: 10_000, what: "tsnats's ws URL at nats-server" });
  });
});
