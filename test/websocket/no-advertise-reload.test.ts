/**
 * Reloading the cluster block's `no_advertise` (nats-server reload.go clusterOption): from
 * then on the route INFO a server gives new routes carries its client and WebSocket URLs
 * (`connect_urls`, `ws_connect_urls`) or not, so a node that joins later learns them or not;
 * an open route keeps what it was told, as in nats-server.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfigFile } from "../../src/config/index.js";
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";
import { reloadConfig } from "../../src/server/reload.js";
import { startNode, waitMeshed } from "../helpers/cluster.js";
import { freePort } from "../helpers/nats-server.js";
import { RawConn } from "../helpers/raw.js";
import { TestWebSocket } from "../helpers/ws-client.js";
import { waitFor } from "../helpers/wait-for.js";

let dir = "";
let file = "";
let ports = { client: 0, ws: 0, route: 0 };
let a: NatsServer;
const nodes: NatsServer[] = [];
const sockets: TestWebSocket[] = [];

function writeConfig(noAdvertise: boolean): void {
  writeFileSync(
    file,
    `listen: "127.0.0.1:${ports.client}"
websocket { listen: "127.0.0.1:${ports.ws}", no_tls: true }
cluster { name: NOADV, listen: "127.0.0.1:${ports.route}", no_advertise: ${noAdvertise} }
`,
  );
}

function reload(noAdvertise: boolean): void {
  writeConfig(noAdvertise);
  const r = reloadConfig(a.server);
  assert.ok(r.ok, r.errors.join("; "));
}

/** The route INFO `a` gives a new route connection. */
async function routeInfo(): Promise<Record<string, unknown>> {
  const raw = await RawConn.connect(ports.route);
  try {
    const data = await raw.waitFor((d) => /^INFO .*\r\n/.test(d));
    return JSON.parse(/^INFO (.*)\r\n/.exec(data)![1]!) as Record<string, unknown>;
  } finally {
    raw.close();
  }
}

/** A node that joins `a`'s cluster, with a WebSocket listener. */
async function joinNode(): Promise<NatsServer> {
  const s = await startNode("NOADV", [`nats-route://127.0.0.1:${ports.route}`], {
    websocket: { host: "127.0.0.1", port: -1, noTls: true },
  } as StartServerOptions);
  nodes.push(s);
  return s;
}

/** The `connect_urls` of the last INFO a protocol-1 WebSocket client on `s` got. */
async function wsUrlsOn(s: NatsServer): Promise<() => string[]> {
  const ws = new TestWebSocket(`ws://127.0.0.1:${s.server.websocket!.port}`);
  sockets.push(ws);
  await ws.opened();
  ws.send('CONNECT {"protocol":1,"verbose":false}\r\nPING\r\n');
  await waitFor(() => ws.received.join("").includes("PONG\r\n"), { timeoutMs: 5000, what: "PONG" });
  return () => {
    const infos = [...ws.received.join("").matchAll(/INFO (\{.*?\}) ?\r\n/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    return (infos.at(-1)?.connect_urls as string[] | undefined) ?? [];
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tsnats-noadv-reload-"));
  file = join(dir, "a.conf");
  ports = { client: await freePort(), ws: await freePort(), route: await freePort() };
  writeConfig(false);
  a = await startServer(loadConfigFile(file).options);
  nodes.push(a);
});

after(async () => {
  for (const ws of sockets) ws.close();
  await Promise.all(nodes.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

test("reloaded no_advertise: new routes get no client or WebSocket URLs; open ones keep theirs", async () => {
  const aWs = `127.0.0.1:${ports.ws}`;
  const first = await routeInfo();
  assert.deepEqual(first.connect_urls, [`127.0.0.1:${ports.client}`]);
  assert.deepEqual(first.ws_connect_urls, [aWs]);
  const b = await joinNode();
  await waitMeshed([a, b]);
  const onB = await wsUrlsOn(b);
  await waitFor(() => onB().includes(aWs), { timeoutMs: 5000, what: "a's WebSocket URL at b" });

  reload(true);
  const info = await routeInfo();
  assert.equal(info.connect_urls, undefined);
  assert.equal(info.ws_connect_urls, undefined);
  const c = await joinNode();
  await waitMeshed([a, b, c]);
  const onC = await wsUrlsOn(c);
  const bWs = `127.0.0.1:${b.server.websocket!.port}`;
  await waitFor(() => onC().includes(bWs), { timeoutMs: 5000, what: "b's WebSocket URL at c" });
  assert.equal(onC().includes(aWs), false);
  // b's route to a was open before the reload: a's URL stays.
  assert.ok(onB().includes(aWs));

  reload(false);
  const again = await routeInfo();
  assert.deepEqual(again.ws_connect_urls, [aWs]);
});
