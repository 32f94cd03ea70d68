/**
 * Bad input on the gateway port, byte for byte against nats-server: each case is sent to a
 * tsnats gateway listener and, when nats-server is installed, to nats-server's; the `-ERR`
 * lines and whether the connection was closed must agree, and only that connection goes.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { probeLinkPort as probe, type LinkOutcome as Outcome } from "../helpers/link-probe.js";
import { freePort, natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";

const confFiles: string[] = [];

const CONNECT = (o: Record<string, unknown>): string => `CONNECT ${JSON.stringify({ echo: false, verbose: false, pedantic: false, ...o })}\r\n`;
const INFO = (id: string): string => `INFO {"server_id":"${id}","gateway":"Z","gateway_urls":[],"host":"127.0.0.1","port":1}\r\n`;

const OPEN_CASES: Array<[string, string[], Outcome]> = [
  ["garbage before CONNECT", ["XYZZY\r\n"], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["PING before CONNECT", [], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["garbage after CONNECT", [CONNECT({ name: "NX0", gateway: "Z" }), "XYZZY\r\n"], { errs: ["-ERR 'Unknown Protocol Operation'"], closed: true }],
  ["a client's CONNECT", ['CONNECT {"verbose":false,"lang":"go","version":"1.0"}\r\n'], { errs: ["-ERR 'attempted to connect to gateway port'"], closed: true }],
  ["a route's CONNECT", [CONNECT({ name: "NX1", cluster: "c" })], { errs: ["-ERR 'attempted to connect to gateway port'"], closed: true }],
  ["bad JSON", ["CONNECT {bad\r\n"], { errs: [], closed: true }],
  ["RS+ on an inbound connection", [CONNECT({ name: "NX2", gateway: "Z" }), INFO("NX2"), "RS+ $G foo\r\n"], { errs: [], closed: true }],
  ["RMSG with too few fields", [CONNECT({ name: "NX4", gateway: "Z" }), INFO("NX4"), "RMSG $G\r\n"], { errs: [], closed: true }],
  ["a good RMSG", [CONNECT({ name: "NX3", gateway: "Z" }), INFO("NX3"), "RMSG $G foo 3\r\nabc\r\n"], { errs: [], closed: false }],
];

const AUTH_CASES: Array<[string, string[], Outcome]> = [
  ["a wrong password", [CONNECT({ name: "NY1", gateway: "Z", user: "gu", pass: "bad" })], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["a client's CONNECT", ['CONNECT {"verbose":false,"lang":"go"}\r\n'], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["the right password", [CONNECT({ name: "NY2", gateway: "Z", user: "gu", pass: "gp" }), INFO("NY2")], { errs: [], closed: false }],
];

describe("bad input on the gateway port", () => {
  let open: NatsServer;
  let auth: NatsServer;
  let nsOpen: RunningNatsServer | null = null;
  let nsAuth: RunningNatsServer | null = null;
  let nsOpenGw = 0;
  let nsAuthGw = 0;

  before(async () => {
    open = await startServer({ port: -1, host: "127.0.0.1", gateway: { name: "G", host: "127.0.0.1", port: -1 } });
    auth = await startServer({ port: -1, host: "127.0.0.1", gateway: { name: "G", host: "127.0.0.1", port: -1, username: "gu", password: "gp" } });
    const bin = natsServerBinary();
    if (bin !== null) {
      nsOpenGw = await freePort();
      nsOpen = await startNatsServer(bin, gatewayFlags("G", nsOpenGw));
      nsAuthGw = await freePort();
      nsAuth = await startNatsServer(bin, gatewayFlags("G", nsAuthGw, "gu:gp"));
    }
  });

  after(async () => {
    await Promise.all([open.close(), auth.close(), nsOpen?.stop(), nsAuth?.stop()]);
    for (const f of confFiles) fs.rmSync(f, { force: true });
  });

  for (const [name, lines, want] of OPEN_CASES) {
    test(name, async () => {
      assert.deepEqual(await probe(open.server.gateways!.listenPort, lines), want);
      if (nsOpen !== null) assert.deepEqual(await probe(nsOpenGw, lines), want, "nats-server agrees");
    });
  }

  for (const [name, lines, want] of AUTH_CASES) {
    test(`with gateway authorization: ${name}`, async () => {
      assert.deepEqual(await probe(auth.server.gateways!.listenPort, lines), want);
      if (nsAuth !== null) assert.deepEqual(await probe(nsAuthGw, lines), want, "nats-server agrees");
    });
  }

  test("reject_unknown_cluster: a gateway not configured is refused, one configured is not", async () => {
    const strict = await startServer({
      port: -1,
      host: "127.0.0.1",
      gateway: { name: "G", host: "127.0.0.1", port: -1, rejectUnknownCluster: true, gateways: [{ name: "K", urls: ["nats://127.0.0.1:1"] }] },
    });
    const unknown = [CONNECT({ name: "NZ1", gateway: "Z" })];
    const known = [CONNECT({ name: "NZ2", gateway: "K" })];
    const refused = { errs: [`-ERR 'Connection to gateway "G" rejected'`], closed: true };
    try {
      assert.deepEqual(await probe(strict.server.gateways!.listenPort, unknown), refused);
      assert.deepEqual(await probe(strict.server.gateways!.listenPort, known), { errs: [], closed: false });
      const bin = natsServerBinary();
      if (bin !== null) {
        const gw = await freePort();
        const conf = writeConf("G", gw, undefined, 'reject_unknown_cluster: true, gateways: [ { name: K, url: "nats://127.0.0.1:1" } ]');
        const ns = await startNatsServer(bin, ["-c", conf]);
        try {
          assert.deepEqual(await probe(gw, unknown), refused, "nats-server agrees");
          assert.deepEqual(await probe(gw, known), { errs: [], closed: false }, "nats-server agrees");
        } finally {
          await ns.stop();
        }
      }
    } finally {
      await strict.close();
    }
  });

  test("only the offending connection is closed: clients and a good link stay", async () => {
    const c = await connect({ servers: `127.0.0.1:${open.server.listenPort}` });
    const good = net.connect(open.server.gateways!.listenPort, "127.0.0.1");
    good.on("error", () => {});
    await new Promise((r) => good.once("connect", r));
    good.write(CONNECT({ name: "NGOOD", gateway: "Z" }) + INFO("NGOOD"));
    for (const [, lines] of OPEN_CASES) await probe(open.server.gateways!.listenPort, lines);
    await c.flush();
    assert.equal(c.isClosed(), false);
    let pong = "";
    good.on("data", (d: Buffer) => (pong += d.toString("latin1")));
    good.write("PING\r\n");
    const deadline = Date.now() + 3000;
    while (!pong.includes("PONG") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(pong.includes("PONG"), "the good gateway link still answers");
    good.destroy();
    await c.close();
  });
});

/** nats-server has no gateway flags: a config file in the temp directory holds the block. */
function gatewayFlags(name: string, port: number, userPass?: string): string[] {
  return ["-c", writeConf(name, port, userPass)];
}

function writeConf(name: string, port: number, userPass?: string, extra?: string): string {
  let auth = userPass !== undefined ? `, authorization { user: ${userPass.split(":")[0]}, password: ${userPass.split(":")[1]} }` : "";
  if (extra !== undefined) auth += `, ${extra}`;
  const file = path.join(os.tmpdir(), `tsnats-gw-${process.pid}-${port}.conf`);
  confFiles.push(file);
  fs.writeFileSync(file, `gateway { name: ${name}, host: 127.0.0.1, port: ${port}${auth} }\n`);
  return file;
}
