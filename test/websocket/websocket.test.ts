/**
 * WebSocket clients: the official client over `wsconnect` (pub/sub, request, headers,
 * queue groups, with and without compression, mixed with TCP clients), the upgrade's
 * errors and origin checks, control frames and close statuses on the wire, the auth
 * override of the websocket block, the ports file and /varz.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { headers as natsHeaders, wsconnect, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";
import { OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from "../../src/websocket/frame.js";
import { TestWebSocket, encodeFrame, wsFactory, type WsClientOptions } from "../helpers/ws-client.js";
import { waitFor } from "../helpers/wait-for.js";

const servers: NatsServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(ws: Record<string, unknown> = {}, extra: StartServerOptions = {}): Promise<NatsServer> {
  const s = await startServer({ port: 0, host: "127.0.0.1", websocket: { host: "127.0.0.1", port: -1, noTls: true, ...ws }, ...extra });
  servers.push(s);
  return s;
}

function wsURL(s: NatsServer): string {
  return `ws://127.0.0.1:${s.server.websocket!.port}`;
}

async function wsClient(s: NatsServer, opts: WsClientOptions = {}, extra: Record<string, unknown> = {}): Promise<NatsConnection> {
  return wsconnect({ servers: wsURL(s), wsFactory: wsFactory(opts), reconnect: false, ...extra } as Parameters<typeof wsconnect>[0]);
}

/** A raw client that got past the upgrade and read INFO. */
async function rawClient(s: NatsServer, opts: WsClientOptions = {}): Promise<TestWebSocket> {
  const ws = new TestWebSocket(wsURL(s), opts);
  await ws.opened();
  await waitFor(() => ws.received.join("").includes("\r\n"), { timeoutMs: 3000 });
  return ws;
}

for (const compress of [false, true]) {
  describe(`official client over WebSocket, compression ${compress ? "on" : "off"}`, () => {
    test("pub/sub, request/reply, headers, queue groups, and a TCP client alongside", async () => {
      const s = await serve({ compression: compress });
      const nc = await wsClient(s, { compress });
      const tcp = await connect({ servers: s.clientURL });
      // pub/sub, both ways between WS and TCP
      const sub = nc.subscribe("ws.>", { max: 2 });
      await nc.flush();
      const big = "x".repeat(200_000);
      tcp.publish("ws.a", "hello");
      tcp.publish("ws.b", big);
      const got: string[] = [];
      for await (const m of sub) got.push(m.string());
      assert.deepEqual(got, ["hello", big]);
      // request/reply with headers, served over TCP
      const svc = tcp.subscribe("svc", { callback: (_e, m) => void m.respond(`re:${m.string()}:${m.headers?.get("X-Test") ?? ""}`) });
    await tcp.flush();
      const h = natsHeaders();
      h.set("X-Test", "yes");
      const r = await nc.request("svc", "q", { timeout: 3000, headers: h });
      assert.equal(r.string(), "re:q:yes");
      svc.unsubscribe();
      // a WS responder
      nc.subscribe("wsvc", { callback: (_e, m) => void m.respond(m.data) });
      await nc.flush();
      assert.equal((await tcp.request("wsvc", "echo", { timeout: 3000 })).string(), "echo");
      // queue group: each message to one member
      const nc2 = await wsClient(s, { compress });
      let n1 = 0;
      let n2 = 0;
      nc.subscribe("q", { queue: "g", callback: () => void n1++ });
      nc2.subscribe("q", { queue: "g", callback: () => void n2++ });
      await nc.flush();
      await nc2.flush();
      for (let i = 0; i < 100; i++) tcp.publish("q", "m");
      await waitFor(() => n1 + n2 === 100, { timeoutMs: 5000 });
      assert.ok(n1 > 0 || n2 > 0);
      // no responders over WS
      await assert.rejects(nc.request("nobody", "x", { timeout: 2000 }), /no responders/i);
      await Promise.all([nc.close(), nc2.close(), tcp.close()]);
    });
  });
}

describe("compression negotiation", () => {
  test("101 names permessage-deflate with no context takeover only when enabled and asked; frames carry RSV1", async () => {
    const on = await serve({ compression: true });
    const a = await rawClient(on, { compress: true });
    assert.match(a.response, /Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n/);
    // INFO is over the 64-byte threshold: compressed.
    assert.equal(a.frames[0]!.rsv1, true);
    a.close();
    const b = await rawClient(on, {});
    assert.doesNotMatch(b.response, /permessage-deflate/);
    assert.equal(b.frames[0]!.rsv1, false);
    b.close();
    const off = await serve({ compression: false });
    const c = await rawClient(off, { compress: true });
    assert.doesNotMatch(c.response, /permessage-deflate/);
    c.close();
  });

  test("a browser gets frames of at most 4 KiB", async () => {
    const s = await serve();
    const ws = await rawClient(s, { headers: { "User-Agent": "Mozilla/5.0 test" } });
    ws.send('CONNECT {"verbose":false}\r\nSUB big 1\r\nPUB big 10000\r\n' + "y".repeat(10_000) + "\r\nPING\r\n");
    await waitFor(() => ws.received.join("").includes("PONG"), { timeoutMs: 3000 });
    assert.ok(ws.frames.every((f) => f.payload.length <= 4096));
    assert.ok(ws.frames.some((f) => f.opcode === 0), "continuation frames");
    assert.match(ws.received.join(""), /MSG big 1 10000\r\ny{10000}\r\n/);
    ws.close();
  });
});

describe("upgrade", () => {
  test("bad upgrades get nats-server's HTTP errors; the server goes on", async () => {
    const s = await serve();
    const bad400 = /^HTTP\/1\.1 400 Bad Request\r\nContent-Type: text\/plain; charset=utf-8\r\nSec-Websocket-Version: 13\r\nX-Content-Type-Options: nosniff\r\nDate: .+\r\nContent-Length: 12\r\n\r\nBad Request\n$/;
    const cases: Array<[WsClientOptions, RegExp]> = [
      [{ headers: { "Sec-WebSocket-Version": "12" } }, bad400],
      [{ headers: { "Sec-WebSocket-Key": "" } }, bad400],
      [{ headers: { Upgrade: "" } }, bad400],
      [{ headers: { Connection: "keep-alive" } }, bad400],
      [{ method: "POST" }, /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*\r\n\r\nMethod Not Allowed\n$/],
    ];
    for (const [opts, re] of cases) {
      const ws = new TestWebSocket(wsURL(s), opts);
      await ws.closedEvent().catch(() => undefined);
      await waitFor(() => ws.response !== "", { timeoutMs: 3000 });
      assert.match(ws.response, re);
    }
    const nc = await wsClient(s);
    await nc.flush();
    await nc.close();
  });

  test("origin checks: same_origin and allowed_origins refuse with 403", async () => {
    const same = await serve({ sameOrigin: true });
    const host = `127.0.0.1:${same.server.websocket!.port}`;
    const bad = new TestWebSocket(wsURL(same), { headers: { Origin: "http://evil.example" } });
    await bad.closedEvent().catch(() => undefined);
    await waitFor(() => bad.response !== "", { timeoutMs: 3000 });
    assert.match(bad.response, /^HTTP\/1\.1 403 Forbidden\r\n/);
    const good = new TestWebSocket(wsURL(same), { headers: { Origin: `http://${host}` } });
    await good.opened();
    good.close();
    const listed = await serve({ allowedOrigins: ["https://app.example:8443"] });
    const ok = new TestWebSocket(wsURL(listed), { headers: { Origin: "https://app.example:8443" } });
    await ok.opened();
    ok.close();
    const wrongPort = new TestWebSocket(wsURL(listed), { headers: { Origin: "https://app.example" } });
    await wrongPort.closedEvent().catch(() => undefined);
    await waitFor(() => wrongPort.response !== "", { timeoutMs: 3000 });
    assert.match(wrongPort.response, /^HTTP\/1\.1 403 /);
    // No Origin at all (not a browser): accepted, as nats-server.
    const none = new TestWebSocket(wsURL(listed));
    await none.opened();
    none.close();
  });
});

describe("frames on the wire", () => {
  test("INFO in a binary frame; PING gets PONG with the payload; text frames and fragments are accepted", async () => {
    const s = await serve();
    const ws = await rawClient(s);
    assert.equal(ws.frames[0]!.opcode, OP_BINARY);
    assert.equal(ws.frames[0]!.masked, false);
    assert.match(ws.received[0]!, /^INFO \{.*\} \r\n$/);
    ws.sendRaw(encodeFrame(OP_PING, Buffer.from("hb")));
    await waitFor(() => ws.frames.some((f) => f.opcode === OP_PONG), { timeoutMs: 3000 });
    assert.equal(ws.frames.find((f) => f.opcode === OP_PONG)!.payload.toString(), "hb");
    // A NATS command split over a text frame and continuation frames, a ping in between.
    ws.sendRaw(encodeFrame(OP_TEXT, Buffer.from('CONNECT {"verbose":false}\r\nSUB a 1\r\nPU'), { fin: false }));
    ws.sendRaw(encodeFrame(OP_PING, Buffer.alloc(0)));
    ws.sendRaw(encodeFrame(0, Buffer.from("B a 2\r\nhi\r\nPI"), { fin: false }));
    ws.sendRaw(encodeFrame(0, Buffer.from("NG\r\n")));
    await waitFor(() => ws.received.join("").includes("PONG"), { timeoutMs: 3000 });
    assert.match(ws.received.join(""), /MSG a 1 2\r\nhi\r\nPONG\r\n/);
    ws.close();
  });

  test("a client frame without mask is closed with 1002 'mask bit missing'", async () => {
    const s = await serve();
    const ws = await rawClient(s);
    ws.sendRaw(encodeFrame(OP_BINARY, Buffer.from("PING\r\n"), { masked: false }));
    const e = await ws.closedEvent();
    assert.equal(e.code, 1002);
    assert.equal(e.reason, "mask bit missing");
  });

  test("protocol errors: bad opcode, long control frame, continuation without start, bad UTF-8 close reason", async () => {
    const s = await serve();
    const expect = async (frame: Buffer, code: number, reason: RegExp): Promise<void> => {
      const ws = await rawClient(s);
      ws.sendRaw(frame);
      const e = await ws.closedEvent();
      assert.equal(e.code, code);
      assert.match(e.reason, reason);
    };
    await expect(encodeFrame(3, Buffer.from("x")), 1002, /^unknown opcode 3$/);
    await expect(encodeFrame(OP_PING, Buffer.alloc(126)), 1002, /^control frame length bigger than maximum allowed of 125 bytes$/);
    await expect(encodeFrame(0, Buffer.from("x")), 1002, /^invalid continuation frame$/);
    await expect(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8, 0xff, 0xfe])), 1007, /^invalid utf8 body in close frame$/);
    await expect(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65])), 1000, /^bye$/);
    // The server is fine.
    const nc = await wsClient(s);
    await nc.flush();
    await nc.close();
  });

  test("NATS errors close with nats-server's status: auth violation 1008, max payload 1009", async () => {
    const s = await serve({}, { maxPayload: 100, authToken: "t" });
    const a = await rawClient(s);
    a.send('CONNECT {"verbose":false,"auth_token":"wrong"}\r\n');
    const ea = await a.closedEvent();
    assert.equal(ea.code, 1008);
    assert.equal(ea.reason, "Authentication Failure");
    assert.match(a.received.join(""), /-ERR 'Authorization Violation'/);
    const b = await rawClient(s);
    b.send('CONNECT {"verbose":false,"auth_token":"t"}\r\nPUB x 1000\r\n');
    const eb = await b.closedEvent();
    assert.equal(eb.code, 1009);
    assert.match(b.received.join(""), /-ERR 'Maximum Payload Violation'/);
  });
});

describe("auth in the websocket block", () => {
  test("a websocket token overrides: WS clients need it, TCP clients do not", async () => {
    const s = await serve({ token: "wstok" });
    const tcp = await connect({ servers: s.clientURL });
    await tcp.flush();
    const ws = await rawClient(s);
    assert.match(ws.received[0]!, /"auth_required":true/);
    ws.close();
    await assert.rejects(wsClient(s), /Authorization Violation|authorization/i);
    const nc = await wsClient(s, {}, { token: "wstok" });
    await nc.flush();
    await Promise.all([nc.close(), tcp.close()]);
  });

  test("websocket username/password and no_auth_user pick among the server's users", async () => {
    const s = await serve({ username: "wsu", password: "wsp" });
    const nc = await wsClient(s, {}, { user: "wsu", pass: "wsp" });
    await nc.flush();
    await nc.close();
    await assert.rejects(wsClient(s, {}, { user: "wsu", pass: "nope" }));
    const s2 = await serve({ noAuthUser: "alice" }, { users: [{ user: "alice", password: "a" }, { user: "bob", password: "b" }] });
    const anon = await wsClient(s2);
    await anon.flush();
    await anon.close();
    // A TCP client without credentials is refused: the global config has no no_auth_user.
    await assert.rejects(connect({ servers: s2.clientURL, reconnect: false }));
  });
});

describe("ping_interval of the websocket block", () => {
  test("WebSocket clients are PINGed at the block's interval, not the server's", async () => {
    const s = await serve({ pingIntervalMs: 100 }, { pingIntervalMs: 600_000 });
    const ws = await rawClient(s);
    ws.send('CONNECT {"verbose":false}\r\n');
    // Two PINGs: the server's first PING comes early anyway (2 s), the second at the interval.
    await waitFor(() => ws.received.join("").split("PING\r\n").length > 2, { timeoutMs: 5000, what: "two server PINGs" });
    ws.close();
  });
});

describe("operations", () => {
  test("ports file lists websocket; /varz has the websocket section; the log names the listener", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsnats-ws-"));
    try {
      const lines: string[] = [];
      const logger = { traceEnabled: false, notice: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: () => {}, debug: () => {}, trace: () => {}, fatal: () => {} };
      const s = await serve({ compression: true, sameOrigin: true }, { portsFileDir: dir, httpPort: -1, logger } as unknown as StartServerOptions);
      const port = s.server.websocket!.port;
      const file = readdirSync(dir).find((f) => f.endsWith(".ports"))!;
      const ports = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, string[]>;
      assert.deepEqual(ports.websocket, [`ws://127.0.0.1:${port}`]);
      assert.ok(lines.includes(`Listening for websocket clients on ws://127.0.0.1:${port}`), lines.join("\n"));
      assert.ok(lines.includes("Websocket not configured with TLS. DO NOT USE IN PRODUCTION!"));
      const varz = (await (await fetch(`http://127.0.0.1:${s.httpPort}/varz`)).json()) as { websocket: Record<string, unknown> };
      assert.deepEqual(varz.websocket, { host: "127.0.0.1", port, no_tls: true, same_origin: true, compression: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("options nats-server refuses: no TLS without no_tls", async () => {
    await assert.rejects(startServer({ port: 0, websocket: { port: -1 } }), /websocket requires TLS configuration/);
  });

  test("options nats-server 2.11 refuses: allowed origins that are not http(s) URLs with a host, reserved upgrade headers", async () => {
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ allowedOrigins: ["foo"] }, 'unable to parse allowed origin: parse "foo": invalid URI for request'],
      [{ allowedOrigins: ["ftp://x.example"] }, 'unable to parse allowed origin "ftp://x.example": allowed origins must be absolute URLs with http or https scheme'],
      [{ allowedOrigins: ["http://"] }, 'unable to parse allowed origin "http://": host is required'],
      [{ headers: { Upgrade: "x" } }, 'websocket: invalid header "Upgrade" not allowed'],
      [{ headers: { "nats-no-masking": "x" } }, 'websocket: invalid header "nats-no-masking" not allowed'],
      [{ headers: { "Sec-WebSocket-Protocol": "x" } }, 'websocket: invalid header "Sec-WebSocket-Protocol", "Sec-WebSocket-" prefix not allowed'],
    ];
    for (const [ws, message] of refused) {
      await assert.rejects(startServer({ port: 0, websocket: { port: -1, noTls: true, ...ws } } as StartServerOptions), (err: Error) => {
        assert.ok(err.message.includes(message), `${JSON.stringify(ws)}: ${err.message}`);
        return true;
      });
    }
    const s = await serve({ allowedOrigins: ["https://ok.example:8443", "http://b.example"], headers: { "X-Custom": "1" } });
    assert.equal(typeof s.server.websocket!.port, "number");
  });
});
