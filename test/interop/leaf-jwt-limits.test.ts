/**
 * An account JWT's `subs` limit on a hub's leaf connection, tsnats and nats-server 2.9.10
 * side by side (nats-server processLeafSub subsAtLimit): an LS+ past the limit is answered
 * `-ERR 'maximum subscriptions exceeded'` and ignored, the connection stays.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { startServer } from "../../src/index.js";
import { startNatsServerConf } from "../helpers/interop.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import type { RawConn } from "../helpers/raw.js";
import { makeAccount, makeOperator, makeUser, NO_LIMITS, operatorConfig, rawJwtConnect } from "../auth/jwt/fixtures.js";

const bin = natsServerBinary();

describe("a leaf over its account's subs limit", { skip: bin === null ? "nats-server not installed" : false }, () => {
  const stops: Array<() => Promise<unknown>> = [];
  const raws: RawConn[] = [];
  after(async () => {
    for (const r of raws) r.close();
    for (const s of stops) await s();
  });

  test("both hubs answer the third LS+ with the same error and keep the leaf", async () => {
    const op = await makeOperator();
    const acc = await makeAccount(op, "S", { limits: { ...NO_LIMITS, subs: 2 } });
    const u = await makeUser(acc, "leafy");
    const lp = await freePort();
    const ns = await startNatsServerConf(bin!, "ns-hub", [...operatorConfig(op, [acc]).split("\n"), `leafnodes { listen: "127.0.0.1:${lp}" }`]);
    stops.push(() => ns.stop());
    const ts = await startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [acc]), leafnodes: { host: "127.0.0.1", port: -1 } });
    stops.push(() => ts.close());
    const errs: string[] = [];
    for (const port of [lp, ts.server.leafs!.listenPort]) {
      const c = await rawJwtConnect(port, u, { name: `spoke-${port}` });
      raws.push(c);
      assert.ok(c.data.includes("PONG"), c.data);
      c.send("LS+ a\r\nLS+ b\r\nLS+ c\r\nPING\r\n");
      await c.waitFor((d) => d.split("PONG").length > 2);
      errs.push(c.data.split("\r\n").filter((l) => l.startsWith("-ERR")).join("|"));
      assert.equal(c.closed, false);
    }
    assert.equal(errs[0], "-ERR 'maximum subscriptions exceeded'");
    assert.equal(errs[1], errs[0]);
  });
});
