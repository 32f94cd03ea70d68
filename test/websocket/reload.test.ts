/**
 * Config reload and the websocket block, as nats-server reload.go: any change to the block
 * but its TLS certificates fails the reload with "config reload not supported for
 * Websocket" and leaves the running config alone; new certificates serve the next wss
 * handshakes; auth changes of the server reach WebSocket clients (open ones re-checked,
 * new ones with the new users).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { wsconnect, type NatsConnection } from "@nats-io/nats-core";
import type { NatsServer } from "../../src/index.js";
import { reloadConfig } from "../../src/server/reload.js";
import { makeCerts } from "../auth/certs.js";
import { wsFactory, type WsClientOptions } from "../helpers/ws-client.js";
import { configFiles, serveConfigFile } from "../helpers/config-files.js";
import { waitFor } from "../helpers/wait-for.js";

const files = configFiles("tsnats-ws-reload-");
const servers: NatsServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  files.remove();
});
const conf = files.conf;

async function serve(file: string): Promise<NatsServer> {
  const s = await serveConfigFile(file);
  servers.push(s);
  return s;
}

async function wsClient(s: NatsServer, extra: Record<string, unknown> = {}, opts: WsClientOptions = {}, scheme = "ws"): Promise<NatsConnection> {
  const url = `${scheme}://127.0.0.1:${s.server.websocket!.port}`;
  const nc = await wsconnect({ servers: url, wsFactory: wsFactory(opts), reconnect: false, ...extra } as Parameters<typeof wsconnect>[0]);
  await nc.flush();
  return nc;
}

const WS = "websocket { host: 127.0.0.1, port: -1, no_tls: true }";

describe("reload and the websocket block", () => {
  test("a change to the block fails the reload with nats-server's message; the running block stays", async () => {
    const file = conf(`${WS}\n`);
    const s = await serve(file);
    writeFileSync(file, `websocket { host: 127.0.0.1, port: -1, no_tls: true, compression: true }\n`);
    const r = reloadConfig(s.server);
    assert.equal(r.ok, false);
    assert.match(r.errors[0]!, /^config reload not supported for Websocket: old=.*, new=.*/);
    assert.equal(s.server.options.websocket!.compression, false);
    const nc = await wsClient(s);
    await nc.close();
    // Unchanged (the same block, port -1 again) reloads fine.
    writeFileSync(file, `${WS}\ndebug: true\n`);
    assert.equal(reloadConfig(s.server).ok, true);
  });

  test("server auth changes reach WebSocket clients: the changed user is closed, a new user logs in", async () => {
    const file = conf(`authorization { users: [ {user: a, password: one}, {user: b, password: bee} ] }\n${WS}\n`);
    const s = await serve(file);
    const a = await wsClient(s, { user: "a", pass: "one" });
    const b = await wsClient(s, { user: "b", pass: "bee" });
    const aClosed = a.closed();
    writeFileSync(file, `authorization { users: [ {user: a, password: two}, {user: b, password: bee}, {user: c, password: sea} ] }\n${WS}\n`);
    const r = reloadConfig(s.server);
    assert.equal(r.ok, true, r.errors.join("\n"));
    assert.equal(r.closed, 1);
    const err = await aClosed;
    assert.match(String(err), /Authorization Violation/i);
    await b.flush();
    const c = await wsClient(s, { user: "c", pass: "sea" });
    const a2 = await wsClient(s, { user: "a", pass: "two" });
    await assert.rejects(wsClient(s, { user: "a", pass: "one" }), /Authorization Violation/i);
    await Promise.all([b.close(), c.close(), a2.close()]);
  });

  test("the websocket block's no_auth_user follows the users a reload brings", async () => {
    const file = conf(`authorization { users: [ {user: anon, password: x, permissions: { publish: "ok" }} ] }\nwebsocket { host: 127.0.0.1, port: -1, no_tls: true, no_auth_user: anon }\n`);
    const s = await serve(file);
    const nc = await wsClient(s);
    await nc.close();
    writeFileSync(file, `authorization { users: [ {user: anon, password: x, permissions: { publish: "ok" }}, {user: z, password: y} ] }\nwebsocket { host: 127.0.0.1, port: -1, no_tls: true, no_auth_user: anon }\n`);
    assert.equal(reloadConfig(s.server).ok, true);
    const anon = await wsClient(s);
    const z = await wsClient(s, { user: "z", pass: "y" });
    await Promise.all([anon.close(), z.close()]);
  });
});

const certsA = makeCerts();
const certsB = certsA !== null ? makeCerts() : null;

describe("reload of the websocket TLS certificates", { skip: certsA === null ? "openssl not installed" : false }, () => {
  after(() => {
    certsA?.cleanup();
    certsB?.cleanup();
  });

  test("new certificates serve the next wss handshakes; open connections stay", async () => {
    const block = (c: { serverCert: string; serverKey: string }): string =>
      `websocket { host: 127.0.0.1, port: -1, tls { cert_file: "${c.serverCert}", key_file: "${c.serverKey}" } }\n`;
    const file = conf(block(certsA!));
    const s = await serve(file);
    const caA = readFileSync(certsA!.caCert, "utf8");
    const caB = readFileSync(certsB!.caCert, "utf8");
    const open = await wsClient(s, {}, { ca: caA }, "wss");
    writeFileSync(file, block(certsB!));
    const r = reloadConfig(s.server);
    assert.equal(r.ok, true, r.errors.join("\n"));
    const next = await wsClient(s, {}, { ca: caB }, "wss");
    await assert.rejects(wsClient(s, {}, { ca: caA }, "wss"));
    await open.flush();
    await waitFor(() => !open.isClosed(), { timeoutMs: 1000 });
    await Promise.all([open.close(), next.close()]);
  });
});
