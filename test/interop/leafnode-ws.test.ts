/**
 * Leaf nodes over WebSocket between tsnats and the real nats-server, both ways and
 * tsnats to tsnats: ws:// with and without compression (and without masking), wss://
 * with the test certificates. Each topology runs the leaf suite (messages, a queue group
 * exactly once across the link, requests both ways); the hub side is bound to account A
 * by the user in the remote URL.
 */
import { startServer } from "../../src/index.js";
import { makeCerts } from "../auth/certs.js";
import { startNatsServerConf } from "../helpers/interop.js";
import { leafSuite } from "../helpers/leaf-suite.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";

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
