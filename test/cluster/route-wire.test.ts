/**
 * Bad input on the route port, byte for byte against nats-server: each case is sent to a
 * tsnats route listener and, when nats-server is installed, to nats-server's; the `-ERR`
 * lines and whether the connection was closed must agree, and only that connection goes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { CaptureLogger } from "../helpers/capture-logger.js";
import { probeLinkPort, type LinkOutcome } from "../helpers/link-probe.js";
import { freePort, natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";

const CONNECT = (o: Record<string, unknown>): string => `CONNECT ${JSON.stringify({ verbose: false, cluster: "c", ...o })}\r\n`;
const INFO = (id: string): string => `INFO {"server_id":"${id}","cluster":"c","host":"127.0.0.1","port":1}\r\n`;

const OPEN_CASES: Array<[string, string[], LinkOutcome]> = [
  ["garbage", ["XYZZY\r\n"], { errs: ["-ERR 'Unknown Protocol Operation'"], closed: true }],
  ["a client's CONNECT", ['CONNECT {"verbose":false,"lang":"go","version":"1.0"}\r\n'], { errs: ["-ERR 'attempted to connect to route port'"], closed: true }],
  ["another cluster", [CONNECT({ name: "NX1", cluster: "other" })], { errs: [`-ERR 'Rejecting connection, cluster name "other" does not match "c"'`], closed: true }],
  ["a gateway's CONNECT", [CONNECT({ name: "NX2", gateway: "g" })], { errs: [`-ERR 'Rejecting connection from gateway "g" on the Route port'`], closed: true }],
  ["our own server ID", [CONNECT({ name: "$ID" }), INFO("$ID")], { errs: [], closed: true }],
  ["bad JSON", ["CONNECT {bad\r\n"], { errs: [], closed: true }],
  ["RS+ with one field", [CONNECT({ name: "NX3" }), INFO("NX3"), "RS+ onlyone\r\n"], { errs: [], closed: true }],
  ["RMSG with a bad reply indicator", [CONNECT({ name: "NX4" }), INFO("NX4"), "RMSG $G foo ? r q 3\r\nabc\r\n"], { errs: [], closed: true }],
  ["RMSG with a reply", [CONNECT({ name: "NX5" }), INFO("NX5"), "RMSG $G foo x 3\r\nabc\r\n"], { errs: [], closed: false }],
  ["RS+ for an unknown account", [CONNECT({ name: "NX6" }), INFO("NX6"), "RS+ NOPE foo\r\n"], { errs: [], closed: false }],
  ["RS+ before CONNECT", ["RS+ $G foo\r\n"], { errs: [], closed: false }],
];

const AUTH_CASES: Array<[string, string[], LinkOutcome]> = [
  ["a wrong password", [CONNECT({ name: "NY1", user: "ruser", pass: "bad" })], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["no CONNECT first", ["RS+ $G foo\r\n"], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["a client's CONNECT", ['CONNECT {"verbose":false,"lang":"go"}\r\n'], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["the right password", [CONNECT({ name: "NY2", user: "ruser", pass: "rpass" }), INFO("NY2")], { errs: [], closed: false }],
];

describe("bad input on the route port", () => {
  const log = new CaptureLogger();
  let open: NatsServer;
  let auth: NatsServer;
  let nsOpen: RunningNatsServer | null = null;
  let nsAuth: RunningNatsServer | null = null;
  let nsOpenRoute = 0;
  let nsAuthRoute = 0;

  before(async () => {
    open = await startServer({ port: -1, host: "127.0.0.1", cluster: { name: "c", host: "127.0.0.1", port: -1 }, logger: log });
    auth = await startServer({
      port: -1,
      host: "127.0.0.1",
      cluster: { name: "c", host: "127.0.0.1", port: -1, username: "ruser", password: "rpass" },
    });
    const bin = natsServerBinary();
    if (bin !== null) {
      nsOpenRoute = await freePort();
      nsAuthRoute = await freePort();
      nsOpen = await startNatsServer(bin, ["--cluster", `nats://127.0.0.1:${nsOpenRoute}`, "--cluster_name", "c"]);
      nsAuth = await startNatsServer(bin, ["--cluster", `nats://ruser:rpass@127.0.0.1:${nsAuthRoute}`, "--cluster_name", "c"]);
    }
  });
  after(async () => {
    await Promise.all([open.close(), auth.close(), nsOpen?.stop(), nsAuth?.stop()]);
  });

  for (const [name, lines, want] of OPEN_CASES) {
    test(`${name}: ${want.closed ? "closed" : "kept"}${want.errs.length > 0 ? ` with ${want.errs[0]}` : ""}`, async () => {
      assert.deepEqual(await probeLinkPort(open.server.routes!.listenPort, lines), want, "tsnats");
      if (nsOpen !== null) assert.deepEqual(await probeLinkPort(nsOpenRoute, lines), want, "nats-server");
    });
  }
  for (const [name, lines, want] of AUTH_CASES) {
    test(`with cluster authorization, ${name}: ${want.closed ? "closed" : "kept"}`, async () => {
      assert.deepEqual(await probeLinkPort(auth.server.routes!.listenPort, lines), want, "tsnats");
      if (nsAuth !== null) assert.deepEqual(await probeLinkPort(nsAuthRoute, lines), want, "nats-server");
    });
  }

  test("the log says what nats-server's says, and clients never noticed", async () => {
    for (const line of [
      "[ERR] attempted to connect to route port",
      "Router connection closed: Incorrect Port",
      "Router parser ERROR, state=",
      "processRemoteSub Parse Error: 'onlyone'",
      "processRoutedMsgArgs Bad or Missing Reply Indicator: '?'",
      "Router connection closed: Duplicate Route",
      "Router connection closed: Protocol Violation",
      "Router connection closed: Cluster Name Conflict",
      'Unknown account "NOPE" for remote subject "foo"',
    ]) {
      assert.ok(log.lines.some((l) => l.includes(line.replace("[ERR] ", "")) && (!line.startsWith("[ERR]") || l.startsWith("[ERR]"))), line);
    }
    const c = await connect({ servers: open.clientURL });
    c.subscribe("still.fine", {
      callback: (_e, m) => {
        m.respond("yes");
      },
    });
    assert.equal((await c.request("still.fine", "", { timeout: 2000 })).string(), "yes");
    await c.close();
  });
});
