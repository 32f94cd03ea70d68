/**
 * Leaf nodes over TLS on the leafnodes port between tsnats and the real nats-server, both
 * ways and tsnats to tsnats, with the test certificates: the hub sends INFO in plain text
 * with `tls_required`, the leaf starts the handshake. With and without `verify` (the leaf
 * then presents the client certificate). Each topology runs the leaf suite (messages, a
 * queue group exactly once across the link, requests both ways); the hub side is bound to
 * account A by the user in the remote URL.
 */
import { startServer } from "../../src/index.js";
import { makeCerts, type TestCerts } from "../auth/certs.js";
import { startNatsServerConf } from "../helpers/interop.js";
import { leafSuite } from "../helpers/leaf-suite.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";

const bin = natsServerBinary();
const certs = makeCerts();
const ACCOUNTS = `accounts { A: { users: [ { user: a, password: pa } ] }, B: { users: [ { user: b, password: pb } ] } }`;

/** The hub's leafnodes `tls` block: the server certificate, and with `verify` the CA that signs leaf certificates. */
function hubTls(c: TestCerts, verify: boolean): string {
  const v = verify ? `, ca_file: "${c.caCert}", verify: true` : "";
  return `tls { cert_file: "${c.serverCert}", key_file: "${c.serverKey}"${v} }`;
}

/** A remote's `tls` block: the CA to check the hub with, and with `verify` our client certificate. */
function remoteTls(c: TestCerts, verify: boolean): string {
  const v = verify ? `, cert_file: "${c.clientCert}", key_file: "${c.clientKey}"` : "";
  return `tls { ca_file: "${c.caCert}"${v} }`;
}

if (certs !== null) {
  for (const verify of [false, true]) {
    leafSuite(`nats-server hub over TLS (verify ${verify}), tsnats leaf bound to A`, async () => {
      const lp = await freePort();
      const ns = await startNatsServerConf(bin!, "hub", [ACCOUNTS, `leafnodes { listen: "127.0.0.1:${lp}", ${hubTls(certs, verify)} }`]);
      const l = await startServer({
        port: -1,
        host: "127.0.0.1",
        config: `leafnodes { reconnect: "100ms", remotes: [ { url: "nats-leaf://a:pa@127.0.0.1:${lp}", ${remoteTls(certs, verify)} } ] }`,
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

    leafSuite(`tsnats hub over TLS (verify ${verify}), nats-server leaf bound to A`, async () => {
      const h = await startServer({ port: -1, host: "127.0.0.1", config: `${ACCOUNTS}\nleafnodes { host: "127.0.0.1", port: -1, ${hubTls(certs, verify)} }` });
      const url = `nats-leaf://a:pa@127.0.0.1:${h.server.leafs!.listenPort}`;
      const ns = await startNatsServerConf(bin!, "leaf", [`leafnodes { reconnect: 1, remotes: [ { url: "${url}", ${remoteTls(certs, verify)} } ] }`]);
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
}
