/**
 * Bad input on the leafnode port, against nats-server: each case goes to a tsnats
 * leafnodes listener and, when nats-server is installed, to nats-server's (same config
 * text); the `-ERR` lines and whether the connection was closed must agree with the
 * expected outcome on both, and a client of the hub never notices.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { probeLinkPort, type LinkOutcome } from "../helpers/link-probe.js";
import { freePort, natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";

const LEAF = (o: Record<string, unknown>): string => `CONNECT ${JSON.stringify({ headers: true, ...o })}\r\n`;

const CASES: Array<[string, string[], LinkOutcome]> = [
  ["a client's CONNECT", ['CONNECT {"lang":"go","verbose":false}\r\n'], { errs: ["-ERR 'attempted to connect to leaf node port'"], closed: true }],
  ["garbage first", ["XYZZY\r\n"], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["interest before CONNECT", ["LS+ foo\r\n"], { errs: ["-ERR 'Authorization Violation'"], closed: true }],
  ["a leaf CONNECT, then interest", [LEAF({ name: "x1" }), "LS+ foo\r\n", "LS+ bar q 1\r\n", "LS- foo\r\n"], { errs: [], closed: false }],
  ["LS+ without a subject", [LEAF({ name: "x2" }), "LS+\r\n"], { errs: ["-ERR 'Unknown Protocol Operation'"], closed: true }],
  ["a message", [LEAF({ name: "x3" }), "LMSG foo 3\r\nabc\r\n"], { errs: [], closed: false }],
  ["a message with a reply and queues", [LEAF({ name: "x4" }), "LMSG foo + r q1 q2 3\r\nabc\r\n"], { errs: [], closed: false }],
  ["garbage after CONNECT", [LEAF({ name: "x5" }), "XYZZY\r\n"], { errs: ["-ERR 'Unknown Protocol Operation'"], closed: true }],
  ["a gateway's CONNECT", [LEAF({ name: "x6", gateway: "g" })], { errs: [`-ERR 'Rejecting connection from gateway "g" on the leafnode port'`], closed: true }],
];

describe("bad input on the leafnode port", () => {
  let hub: NatsServer;
  let ns: RunningNatsServer | null = null;
  let nsLeafPort = 0;
  let dir = "";

  before(async () => {
    hub = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { host: "127.0.0.1", port: -1 } });
    const bin = natsServerBinary();
    if (bin !== null) {
      nsLeafPort = await freePort();
      dir = mkdtempSync(join(tmpdir(), "tsnats-leafwire-"));
      const conf = join(dir, "hub.conf");
      writeFileSync(conf, `leafnodes { listen: "127.0.0.1:${nsLeafPort}" }\n`);
      ns = await startNatsServer(bin, ["-c", conf]);
    }
  });
  after(async () => {
    await Promise.all([hub.close(), ns?.stop()]);
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, lines, want] of CASES) {
    test(`${name}: ${want.closed ? "closed" : "kept"}${want.errs.length > 0 ? ` with ${want.errs[0]}` : ""}`, async () => {
      assert.deepEqual(await probeLinkPort(hub.server.leafs!.listenPort, lines), want, "tsnats");
      if (ns !== null) assert.deepEqual(await probeLinkPort(nsLeafPort, lines), want, "nats-server");
    });
  }

  test("the hub's clients never noticed", async () => {
    const c = await connect({ servers: hub.clientURL });
    c.subscribe("still.fine", {
      callback: (_e, m) => {
        m.respond("yes");
      },
    });
    assert.equal((await c.request("still.fine", "", { timeout: 2000 })).string(), "yes");
    await c.close();
  });
});
