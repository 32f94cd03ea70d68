/**
 * /gatewayz and the /varz `gateway` section of a linked pair, field by field as nats-server
 * names them (monitor.go Gatewayz, RemoteGatewayz, AccountGatewayz, GatewayOptsVarz).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startSuperCluster, waitGatewayInterest, type SuperCluster } from "../helpers/supercluster.js";

type Json = Record<string, unknown>;

describe("/gatewayz", () => {
  let sc: SuperCluster;
  let nc: NatsConnection;
  let get: (path: string) => Promise<Json>;

  before(async () => {
    sc = await startSuperCluster(["A", "B"], [1, 1], { httpPort: -1 });
    const a = sc.all[0]!;
    get = async (p) => (await (await fetch(`http://127.0.0.1:${a.httpPort}${p}`)).json()) as Json;
    nc = await connect({ servers: `127.0.0.1:${sc.all[1]!.server.listenPort}` });
    nc.subscribe("mon.x");
    nc.subscribe("mon.q", { queue: "g" });
    await nc.flush();
    await waitGatewayInterest(sc, "B", "mon.x");
    await waitGatewayInterest(sc, "B", "mon.q", "g");
  });

  after(async () => {
    await nc.close();
    await sc.close();
  });

  test("outbound and inbound connections with nats-server's fields", async () => {
    const z = await get("/gatewayz");
    assert.deepEqual(Object.keys(z), ["server_id", "now", "name", "host", "port", "outbound_gateways", "inbound_gateways"]);
    assert.equal(z.name, "A");
    const out = (z.outbound_gateways as Json).B as Json;
    assert.equal(out.configured, false, "A learned B from B's dial");
    const conn = out.connection as Json;
    for (const k of ["cid", "kind", "ip", "port", "start", "last_activity", "uptime", "idle", "pending_bytes", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "subscriptions", "name"]) {
      assert.ok(k in conn, `connection.${k}`);
    }
    assert.equal(conn.kind, "Gateway");
    assert.equal(conn.name, sc.all[1]!.server.id);
    const inbound = (z.inbound_gateways as Json).B as Json[];
    assert.equal(inbound.length, 1);
    assert.equal(inbound[0]!.configured, false);
    assert.equal(out.accounts, undefined, "accounts only with accs=1");
  });

  test("accs=1: interest mode per account; acc_name= one account; gw_name= one gateway", async () => {
    const z = await get("/gatewayz?accs=1");
    const accs = ((z.outbound_gateways as Json).B as Json).accounts as Json[];
    const g = accs.find((a) => a.name === "$G")!;
    assert.deepEqual(g, { name: "$G", interest_mode: "Interest-Only", interest_only_threshold: 1000, num_subs: 2, num_queue_subs: 1 });
    const inb = (((z.inbound_gateways as Json).B as Json[])[0]!.accounts as Json[]).find((a) => a.name === "$G");
    assert.deepEqual(inb, { name: "$G", interest_mode: "Interest-Only", interest_only_threshold: 1000 });
    const one = await get("/gatewayz?acc_name=$G");
    assert.equal((((one.outbound_gateways as Json).B as Json).accounts as Json[]).length, 1);
    const none = await get("/gatewayz?gw_name=C");
    assert.deepEqual(none.outbound_gateways, {});
    assert.deepEqual(none.inbound_gateways, {});
  });

  test("/varz gateway section", async () => {
    const v = (await get("/varz")).gateway as Json;
    assert.equal(v.name, "A");
    assert.equal(v.host, "127.0.0.1");
    assert.equal(v.port, sc.all[0]!.server.gateways!.listenPort);
    assert.equal(v.auth_timeout, 2);
    assert.equal(v.tls_timeout, 2);
    assert.equal(v.gateways, undefined, "A has no configured remote");
    const b = sc.all[1]!;
    const vb = (await (await fetch(`http://127.0.0.1:${b.httpPort}/varz`)).json()) as Json;
    assert.deepEqual((vb.gateway as Json).gateways, [{ name: "A", urls: [`127.0.0.1:${sc.all[0]!.server.gateways!.listenPort}`] }]);
  });
});
