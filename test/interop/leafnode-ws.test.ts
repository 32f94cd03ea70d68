/**
 * Leaf nodes over WebSocket between tsnats and the real nats-server, both ways and
 * tsnats to tsnats: ws:// with and without compression (and without masking), wss://
 * with the test certificates. Each topology runs the leaf suite (messages, a queue group
 * exactly once across the link, requests both ways); the hub side is bound to account A
 * by the user in the remote URL. Then a restarted hub of either make is reconnected to, and
 * both makes of hub agree that LEAFNODE_WS, not LEAFNODE, admits a leaf over WebSocket.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { makeCerts } from "../auth/certs.js";
import { monitorJson, startNatsServerConf } from "../helpers/interop.js";
import { leafSuite } from "../helpers/leaf-suite.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

const bin = natsServerBinary();
const certs = makeCerts();
const ACCOUNTS = `accounts { A: { users: [ { user: a, password: pa } ] }, B: { users: [ { user: b, password: pb } ] } }`;

/** A tsnats hub with a websocket listener (wss with `tls`) that takes leaf nodes. */
async function tsnatsHub(compression: boolean, tls: boolean): ReturnType<typeof startServer> {
  const c = certs!;
  return startServer({
    port: -1,
    host: "127.0.0.1",
    config: ACCOUNTS,
    leafnodes: { host: "127.0.0.1", port: -1 },
    websocket: {
      host: "127.0.0.1",
      port: -1,
      noTls: !tls,
      compression,
      sameOrigin: false,
      ...(tls ? { tls: { certFile: c.serverCert, keyFile: c.serverKey } } : {}),
    },
  });
}

/** nats-server's websocket block for a hub: plain or with the test server certificate. */
function nsWebsocket(port: number, compression: boolean, tls: boolean): string {
  const c = certs!;
  const t = tls ? `tls { cert_file: "${c.serverCert}", key_file: "${c.serverKey}" }` : "no_tls: true";
  return `websocket { listen: "127.0.0.1:${port}", compression: ${compression}, ${t} }`;
}

for (const compression of [false, true]) {
  leafSuite(`nats-server hub over ws (compression ${compression}), tsnats leaf bound to A`, async () => {
    const lp = await freePort();
    const wp = await freePort();
    const ns = await startNatsServerConf(bin!, "hub", [ACCOUNTS, `leafnodes { listen: "127.0.0.1:${lp}" }`, nsWebsocket(wp, compression, false)]);
    const l = await startServer({
      port: -1,
      host: "127.0.0.1",
      config: `leafnodes { reconnect: "100ms", remotes: [ { url: "ws://a:pa@127.0.0.1:${wp}", ws_compression: ${compression} } ] }`,
    });
    return {
      hub: { url: ns.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
      leaf: { url: l.clientURL, bound: {}, other: null },
      stop: async () => {
        await l.close();
        await ns.stop();
      },
    };
  });

  leafSuite(`tsnats hub over ws (compression ${compression}), nats-server leaf bound to A without masking`, async () => {
    const h = await tsnatsHub(compression, false);
    const url = `ws://a:pa@127.0.0.1:${h.server.websocket!.port}`;
    const ns = await startNatsServerConf(bin!, "leaf", [`leafnodes { remotes: [ { url: "${url}", ws_compression: ${compression}, ws_no_masking: true } ] }`]);
    return {
      hub: { url: h.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
      leaf: { url: ns.clientURL, bound: {}, other: null },
      stop: async () => {
        await ns.stop();
        await h.close();
      },
    };
  });
}

leafSuite("tsnats hub over ws (compression on), tsnats leaf bound to A", async () => {
  const h = await tsnatsHub(true, false);
  const l = await startServer({
    port: -1,
    host: "127.0.0.1",
    config: `leafnodes { reconnect: "100ms", remotes: [ { url: "ws://a:pa@127.0.0.1:${h.server.websocket!.port}", ws_compression: true } ] }`,
  });
  return {
    hub: { url: h.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
    leaf: { url: l.clientURL, bound: {}, other: null },
    stop: async () => {
      await l.close();
      await h.close();
    },
  };
});

if (certs !== null) {
  leafSuite("nats-server hub over wss, tsnats leaf checking the hub's certificate", async () => {
    const lp = await freePort();
    const wp = await freePort();
    const ns = await startNatsServerConf(bin!, "hub", [ACCOUNTS, `leafnodes { listen: "127.0.0.1:${lp}" }`, nsWebsocket(wp, true, true)]);
    const l = await startServer({
      port: -1,
      host: "127.0.0.1",
      config: `leafnodes { reconnect: "100ms", remotes: [ { url: "wss://a:pa@127.0.0.1:${wp}", ws_compression: true, tls { ca_file: "${certs.caCert}" } } ] }`,
    });
    return {
      hub: { url: ns.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
      leaf: { url: l.clientURL, bound: {}, other: null },
      stop: async () => {
        await l.close();
        await ns.stop();
      },
    };
  });

  leafSuite("tsnats hub over wss, nats-server leaf checking the hub's certificate", async () => {
    const h = await tsnatsHub(false, true);
    const url = `wss://a:pa@127.0.0.1:${h.server.websocket!.port}`;
    const ns = await startNatsServerConf(bin!, "leaf", [`leafnodes { remotes: [ { url: "${url}", tls { ca_file: "${certs.caCert}" } } ] }`]);
    return {
      hub: { url: h.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
      leaf: { url: ns.clientURL, bound: {}, other: null },
      stop: async () => {
        await ns.stop();
        await h.close();
      },
    };
  });
}

describe("leaf nodes over ws with nats-server: restarts and connection types", { skip: bin === null ? "nats-server not installed" : false }, () => {
  /** Publishes on `from` until a subscriber on `to` hears it (interest takes a moment to cross). */
  async function crosses(from: string, to: string, subject: string): Promise<void> {
    const p = await connect({ servers: from });
    const s = await connect({ servers: to });
    let heard = 0;
    s.subscribe(subject, { callback: () => void heard++ });
    await s.flush();
    await waitFor(
      async () => {
        p.publish(subject, "x");
        await p.flush();
        await new Promise((r) => setTimeout(r, 20));
        return heard > 0;
      },
      { timeoutMs: 10_000, what: `${subject} from ${from} to ${to}` },
    );
    await Promise.all([p.close(), s.close()]);
  }

  test("a tsnats leaf reconnects after the nats-server hub restarts", async () => {
    const lp = await freePort();
    const wp = await freePort();
    const lines = [`leafnodes { listen: "127.0.0.1:${lp}" }`, nsWebsocket(wp, true, false)];
    const ns = await startNatsServerConf(bin!, "hub", lines);
    const l = await startServer({ port: -1, host: "127.0.0.1", config: `leafnodes { reconnect: "100ms", remotes: [ { url: "ws://127.0.0.1:${wp}", ws_compression: true } ] }` });
    try {
      await crosses(ns.clientURL, l.clientURL, "before");
      await ns.stop();
      await waitFor(() => l.server.leafs!.leafs.size === 0, { what: "the hub gone" });
      const ns2 = await startNatsServerConf(bin!, "hub", lines);
      try {
        await crosses(ns2.clientURL, l.clientURL, "after");
        await crosses(l.clientURL, ns2.clientURL, "back");
      } finally {
        await ns2.stop();
      }
    } finally {
      await l.close();
    }
  });

  test("a nats-server leaf reconnects after the tsnats hub restarts", async () => {
    const wp = await freePort();
    const hubOpts = { port: -1, host: "127.0.0.1", leafnodes: { host: "127.0.0.1", port: -1 }, websocket: { host: "127.0.0.1", port: wp, noTls: true, compression: true, sameOrigin: false } };
    const h = await startServer(hubOpts);
    const ns = await startNatsServerConf(bin!, "leaf", [`leafnodes { reconnect: 1, remotes: [ { url: "ws://127.0.0.1:${wp}", ws_compression: true } ] }`]);
    let h2: Awaited<ReturnType<typeof startServer>> | null = null;
    try {
      await crosses(h.clientURL, ns.clientURL, "before");
      await h.close();
      h2 = await startServer(hubOpts);
      await waitFor(() => h2!.server.leafs!.leafs.size === 1, { timeoutMs: 10_000, what: "the nats-server leaf back" });
      await crosses(h2.clientURL, ns.clientURL, "after");
      await crosses(ns.clientURL, h2.clientURL, "back");
    } finally {
      await ns.stop();
      await h2?.close();
    }
  });

  test("nats-server and tsnats hubs agree: LEAFNODE_WS admits a leaf over ws, LEAFNODE does not", async () => {
    const users = `authorization { users: [ { user: tcp, password: p, allowed_connection_types: ["LEAFNODE"] }, { user: ws, password: p, allowed_connection_types: ["LEAFNODE_WS"] } ] }`;
    const lp = await freePort();
    const wp = await freePort();
    const ns = await startNatsServerConf(bin!, "hub", [users, `leafnodes { listen: "127.0.0.1:${lp}" }`, nsWebsocket(wp, false, false)]);
    const h = await startServer({ port: -1, host: "127.0.0.1", config: users, leafnodes: { host: "127.0.0.1", port: -1 }, websocket: { host: "127.0.0.1", port: -1, noTls: true, compression: false, sameOrigin: false } });
    const leaves: Array<Awaited<ReturnType<typeof startServer>>> = [];
    try {
      for (const [name, port] of [
        ["ns", wp],
        ["ts", h.server.websocket!.port],
      ] as const) {
        for (const user of ["tcp", "ws"]) {
          leaves.push(await startServer({ port: -1, host: "127.0.0.1", config: `server_name: ${name}-${user}\nleafnodes { reconnect: "100ms", remotes: [ { url: "ws://${user}:p@127.0.0.1:${port}" } ] }` }));
        }
      }
      await waitFor(() => leaves[1]!.server.leafs!.leafs.size === 1 && leaves[3]!.server.leafs!.leafs.size === 1, { what: "the ws users' leaves up" });
      // The LEAFNODE-only users were refused (and retried) meanwhile; neither is up on either hub.
      await waitFor(async () => (await monitorJson<{ leafnodes: number }>(ns, "/leafz")).leafnodes === 1, { what: "nats-server: one leaf" });
      assert.equal(leaves[0]!.server.leafs!.leafs.size, 0);
      assert.equal(leaves[2]!.server.leafs!.leafs.size, 0);
      assert.deepEqual([...h.server.leafs!.leafs.values()].map((l) => l.remoteName), ["ts-ws"]);
    } finally {
      await Promise.all(leaves.map((l) => l.close()));
      await h.close();
      await ns.stop();
    }
  });
});
