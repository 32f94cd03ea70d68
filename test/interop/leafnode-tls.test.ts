/**
 * Leaf nodes over TLS on the leafnodes port between tsnats and the real nats-server, both
 * ways and tsnats to tsnats, with the test certificates: the hub sends INFO in plain text
 * with `tls_required`, the leaf starts the handshake. With and without `verify` (the leaf
 * then presents the client certificate). Each topology runs the leaf suite (messages, a
 * queue group exactly once across the link, requests both ways); the hub side is bound to
 * account A by the user in the remote URL. A peer that answers the INFO in plain text is
 * refused by both makes of hub with the same log line.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startServer } from "../../src/index.js";
import { makeCerts, type TestCerts } from "../auth/certs.js";
import { CaptureLogger } from "../helpers/capture-logger.js";
import { startNatsServerConf } from "../helpers/interop.js";
import { leafSuite } from "../helpers/leaf-suite.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";

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

describe("a plain-text peer on a TLS leafnodes port, both makes of hub", { skip: bin === null || certs === null ? "nats-server or openssl missing" : false }, () => {
  const NOT_TLS = "TLS leafnode handshake error: tls: first record does not look like a TLS handshake";

  /** Reads the INFO, answers with a plain CONNECT, and waits for the hub to close; returns the INFO. */
  async function plainConnect(port: number): Promise<Record<string, unknown>> {
    const raw = await RawConn.connect(port);
    const info = JSON.parse(raw.data.slice(5, raw.data.indexOf("\r\n"))) as Record<string, unknown>;
    raw.send(Buffer.from('CONNECT {"name":"plain"}\r\n'));
    await raw.waitClosed();
    return info;
  }

  test("both send tls_required and tls_verify, then close the connection with nats-server's error", async () => {
    const c = certs!;
    const dir = mkdtempSync(join(tmpdir(), "tsnats-leaftls-"));
    const logFile = join(dir, "hub.log");
    const lp = await freePort();
    const ns = await startNatsServerConf(bin!, "hub", [`log_file: "${logFile}"`, `leafnodes { listen: "127.0.0.1:${lp}", ${hubTls(c, true)} }`]);
    const log = new CaptureLogger();
    const h = await startServer({ port: -1, host: "127.0.0.1", logger: log, config: `leafnodes { host: "127.0.0.1", port: -1, ${hubTls(c, true)} }` });
    try {
      const nsInfo = await plainConnect(lp);
      const ourInfo = await plainConnect(h.server.leafs!.listenPort);
      for (const info of [nsInfo, ourInfo]) {
        assert.equal(info.tls_required, true);
        assert.equal(info.tls_verify, true);
      }
      await waitFor(() => readFileSync(logFile, "utf8").includes(NOT_TLS), { what: "nats-server's refusal logged" });
      await waitFor(() => log.has(NOT_TLS), { what: "tsnats's refusal logged" });
      assert.ok(readFileSync(logFile, "utf8").includes("Leafnode connection closed: TLS Handshake Failure"));
      assert.ok(log.has("Leafnode connection closed: TLS Handshake Failure"));
    } finally {
      await h.close();
      await ns.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
