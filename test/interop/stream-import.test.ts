/**
 * A stream import across a link between tsnats and nats-server 2.9, each way: gateways,
 * routes and leaf nodes. The publisher is in the exporting account STR on one server, the
 * subscriber in the importing account CLI (prefix `imp`) on the other. nats-server sends
 * the subscriber's interest as a shadow subscription in STR (RS+/LS+ STR ev.>) and expects
 * the exporter's message in STR, mapped into CLI where the subscriber is; tsnats must do
 * both, and deliver each message once. Skips when nats-server is missing.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { routePort } from "../helpers/cluster.js";
import { startNatsServerConf, type InteropNatsServer } from "../helpers/interop.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { gatewayPort } from "../helpers/supercluster.js";
import { waitFor } from "../helpers/wait-for.js";
import { streamAcross } from "../helpers/stream-import.js";

const bin = natsServerBinary();

const ACCOUNTS = `accounts {
  STR { users: [ { user: str, password: p } ], exports: [ { stream: "ev.>" } ] }
  CLI { users: [ { user: cli, password: p } ], imports: [ { stream: { account: STR, subject: "ev.>" }, prefix: imp } ] }
}`;

describe("stream import across tsnats / nats-server links", { skip: bin === null ? "nats-server not installed" : false }, () => {
  const stops: Array<() => Promise<void>> = [];
  const conns: NatsConnection[] = [];
  const login = async (url: string, user: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: url, user, pass: "p" });
    conns.push(nc);
    return nc;
  };
  const tsnats = async (extra: Record<string, unknown>): Promise<NatsServer> => {
    const s = await startServer({ port: -1, host: "127.0.0.1", config: ACCOUNTS, ...extra });
    stops.push(() => s.close());
    return s;
  };
  const natsServer = async (name: string, lines: string[]): Promise<InteropNatsServer> => {
    const n = await startNatsServerConf(bin!, name, [ACCOUNTS, ...lines]);
    stops.push(() => n.stop());
    return n;
  };
  /** Publisher on `pubURL` (STR), subscriber on `subURL` (CLI): each message once, mapped. */
  const check = async (pubURL: string, subURL: string): Promise<void> => {
    await streamAcross(await login(pubURL, "str"), await login(subURL, "cli"), "imp.");
  };

  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await Promise.all(stops.map((s) => s()));
  });

  test("gateways: tsnats publisher, nats-server subscriber and the reverse", async () => {
    const t = await tsnats({ serverName: "t", gateway: { name: "T", host: "127.0.0.1", port: -1, gateways: [] } });
    const gp = await freePort();
    const n = await natsServer("n", [`gateway { name: N, listen: "127.0.0.1:${gp}", gateways: [ { name: T, urls: ["nats://127.0.0.1:${gatewayPort(t)}"] } ] }`]);
    await waitFor(() => t.server.gateways!.out.has("N") && t.server.gateways!.inbound.size > 0, { timeoutMs: 15_000, what: "gateways T<->N" });
    await check(t.clientURL, n.clientURL);
    await check(n.clientURL, t.clientURL);
  });

  test("routes: tsnats publisher, nats-server subscriber and the reverse", async () => {
    const t = await tsnats({ serverName: "rt", cluster: { name: "c", host: "127.0.0.1", port: -1, routes: [] } });
    const n = await natsServer("rn", [`cluster { name: c, listen: "127.0.0.1:${await freePort()}", routes: ["nats://127.0.0.1:${routePort(t)}"] }`]);
    await waitFor(() => t.server.routes!.remotes.size === 1, { timeoutMs: 15_000, what: "route t<->n" });
    await check(t.clientURL, n.clientURL);
    await check(n.clientURL, t.clientURL);
  });

  test("leaf nodes: bound to CLI under a hub that has both accounts, each server as the hub", async () => {
    // nats-server leaf under a tsnats hub: the leaf's client is in the hub's CLI.
    const hub = await tsnats({ serverName: "hub", leafnodes: { host: "127.0.0.1", port: -1 } });
    const leaf = await startNatsServerConf(bin!, "leaf", [`leafnodes { remotes: [ { url: "nats-leaf://cli:p@127.0.0.1:${hub.server.leafs!.listenPort}" } ] }`]);
    stops.push(() => leaf.stop());
    await waitFor(() => hub.server.leafs!.leafs.size === 1, { timeoutMs: 15_000, what: "leaf linked to the tsnats hub" });
    const sub = await connect({ servers: leaf.clientURL });
    conns.push(sub);
    await streamAcross(await login(hub.clientURL, "str"), sub, "imp.");
    // tsnats leaf under a nats-server hub.
    const lp = await freePort();
    const nhub = await natsServer("nhub", [`leafnodes { listen: "127.0.0.1:${lp}" }`]);
    const tleaf = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { remotes: [{ urls: [`nats-leaf://cli:p@127.0.0.1:${lp}`] }], reconnectMs: 100 } });
    stops.push(() => tleaf.close());
    await waitFor(() => tleaf.server.leafs!.leafs.size === 1, { timeoutMs: 15_000, what: "tsnats leaf linked to the nats-server hub" });
    const tsub = await connect({ servers: tleaf.clientURL });
    conns.push(tsub);
    await streamAcross(await login(nhub.clientURL, "str"), tsub, "imp.");
  });
});
