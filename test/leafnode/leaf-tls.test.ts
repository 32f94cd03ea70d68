/**
 * Leaf nodes over TLS on the leafnodes port, tsnats to tsnats: the INFO goes out in plain
 * text with `tls_required` (and `tls_verify` with `verify`), then the leaf starts the
 * handshake. Messages, a queue group and requests cross the TLS link; a leaf without the
 * hub's CA, one without a client certificate under `verify`, one with a certificate of
 * another CA, and a peer that sends plain text or garbage instead of a ClientHello are
 * each refused with nats-server's log line, and only that connection closes.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import tls from "node:tls";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { makeCerts, type TestCerts } from "../auth/certs.js";
import { CaptureLogger } from "../helpers/capture-logger.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";

const certs = makeCerts();
const servers: NatsServer[] = [];

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  certs?.cleanup();
});

async function start(o: Parameters<typeof startServer>[0]): Promise<NatsServer> {
  const s = await startServer({ port: -1, host: "127.0.0.1", ...o });
  servers.push(s);
  return s;
}

function hubTls(c: TestCerts, verify: boolean): string {
  const v = verify ? `, ca_file: "${c.caCert}", verify: true` : "";
  return `tls { cert_file: "${c.serverCert}", key_file: "${c.serverKey}"${v}, timeout: 1 }`;
}

async function tlsHub(c: TestCerts, verify: boolean, log: CaptureLogger | false = false): Promise<NatsServer> {
  return start({ logger: log, config: `leafnodes { host: "127.0.0.1", port: -1, ${hubTls(c, verify)} }` });
}

async function leafTo(hub: NatsServer, remoteTls: string, log: CaptureLogger | false = false): Promise<NatsServer> {
  const url = `nats-leaf://127.0.0.1:${hub.server.leafs!.listenPort}`;
  return start({ logger: log, config: `leafnodes { reconnect: "100ms", remotes: [ { url: "${url}"${remoteTls === "" ? "" : `, ${remoteTls}`} } ] }` });
}

describe("leaf nodes over TLS, tsnats to tsnats", { skip: certs === null ? "openssl not installed" : false }, () => {
  const c = certs!;

  test("INFO in plain text says tls_required and tls_verify after auth_required, then only a handshake is taken", async () => {
    const log = new CaptureLogger();
    const hub = await tlsHub(c, true, log);
    const raw = await RawConn.connect(hub.server.leafs!.listenPort);
    const info = JSON.parse(raw.data.slice(5, raw.data.indexOf("\r\n"))) as Record<string, unknown>;
    const keys = Object.keys(info);
    assert.equal(info.tls_required, true);
    assert.equal(info.tls_verify, true);
    assert.deepEqual(keys.slice(keys.indexOf("auth_required"), keys.indexOf("auth_required") + 4), ["auth_required", "tls_required", "tls_verify", "max_payload"]);
    // A plain CONNECT instead of the handshake: that connection only is closed.
    raw.send(Buffer.from('CONNECT {"name":"plain"}\r\n'));
    await raw.waitClosed();
    await waitFor(() => log.has("TLS leafnode handshake error: ") && log.has("Leafnode connection closed: TLS Handshake Failure"), { what: "the refusal logged" });
    const plain = await tlsHub(c, false);
    const info2 = JSON.parse((await RawConn.connect(plain.server.leafs!.listenPort)).data.split("\r\n")[0]!.slice(5)) as Record<string, unknown>;
    assert.equal(info2.tls_required, true);
    assert.equal(info2.tls_verify, undefined);
  });

  for (const verify of [false, true]) {
    test(`messages, a queue group exactly once and requests cross the link (verify ${verify})`, async () => {
      const hub = await tlsHub(c, verify);
      const mine = verify ? `, cert_file: "${c.clientCert}", key_file: "${c.clientKey}"` : "";
      const leaf = await leafTo(hub, `tls { ca_file: "${c.caCert}"${mine} }`);
      await waitFor(() => hub.server.leafs!.leafs.size === 1 && leaf.server.leafs!.leafs.size === 1, { what: "the TLS link" });
      const [hubLeaf] = [...hub.server.leafs!.leafs.values()];
      assert.equal(hubLeaf!.tlsActive, true);
      const h = await connect({ servers: hub.clientURL });
      const l = await connect({ servers: leaf.clientURL });
      try {
        let q1 = 0;
        let q2 = 0;
        const got: string[] = [];
        l.subscribe("q", { queue: "g", callback: () => void q1++ });
        h.subscribe("q", { queue: "g", callback: () => void q2++ });
        l.subscribe("plain", { callback: (_e, m) => void got.push(m.string()) });
        l.subscribe("svc", { callback: (_e, m) => void m.respond("from leaf") });
        await l.flush();
        const answer = await waitFor(async () => (await h.request("svc", "q", { timeout: 300 }).catch(() => null))?.string(), { what: "a request over TLS" });
        assert.equal(answer, "from leaf");
        for (let i = 0; i < 50; i++) h.publish("q", "x");
        h.publish("plain", "hello");
        await h.flush();
        await waitFor(() => q1 + q2 === 50 && got.length === 1, { what: "the queue group and the message" });
        assert.deepEqual(got, ["hello"]);
        // Leaf to hub, request the other way.
        h.subscribe("up", { callback: (_e, m) => void m.respond("from hub") });
        await h.flush();
        const back = await waitFor(async () => (await l.request("up", "q", { timeout: 300 }).catch(() => null))?.string(), { what: "a request from the leaf" });
        assert.equal(back, "from hub");
      } finally {
        await Promise.all([h.close(), l.close()]);
      }
    });
  }

  test("a leaf without the hub's CA fails the handshake on the hub's certificate; the hub lives on", async () => {
    const hub = await tlsHub(c, false);
    const log = new CaptureLogger();
    // No tls {} at all: the hub's tls_required starts TLS, checked against the system roots.
    await leafTo(hub, "", log);
    await waitFor(() => log.has("Starting TLS leafnode client handshake") && log.has("TLS leafnode handshake error: "), { what: "the leaf's refusal" });
    assert.ok(log.has("Leafnode connection closed: TLS Handshake Failure"));
    assert.equal(hub.server.leafs!.leafs.size, 0);
    const good = await leafTo(hub, `tls { ca_file: "${c.caCert}" }`);
    await waitFor(() => good.server.leafs!.leafs.size === 1, { what: "a good leaf still admitted" });
  });

  test("a remote with tls { insecure: true } links without the CA; a hub with such a remote warns as nats-server", async () => {
    const hub = await tlsHub(c, false);
    const log = new CaptureLogger();
    const url = `nats-leaf://127.0.0.1:${hub.server.leafs!.listenPort}`;
    const leaf = await start({ logger: log, config: `leafnodes { host: "127.0.0.1", port: -1, reconnect: "100ms", remotes: [ { url: "${url}", tls { insecure: true } } ] }` });
    await waitFor(() => leaf.server.leafs!.leafs.size === 1 && hub.server.leafs!.leafs.size === 1, { what: "the insecure link" });
    assert.ok(log.has("[WRN] TLS certificate chain and hostname of solicited leafnodes will not be verified. DO NOT USE IN PRODUCTION!"));
  });

  test("with verify: no client certificate, or one from another CA, is refused", async () => {
    const log = new CaptureLogger();
    const hub = await tlsHub(c, true, log);
    await leafTo(hub, `tls { ca_file: "${c.caCert}" }`);
    await waitFor(() => log.has("TLS leafnode handshake error: "), { what: "no certificate refused" });
    const n = log.lines.length;
    await leafTo(hub, `tls { ca_file: "${c.caCert}", cert_file: "${c.rogueCert}", key_file: "${c.rogueKey}" }`);
    await waitFor(() => log.lines.slice(n).some((l) => l.includes("TLS leafnode handshake error: ")), { what: "the rogue certificate refused" });
    assert.equal(hub.server.leafs!.leafs.size, 0);
  });

  test("garbage or silence instead of a ClientHello closes only that connection", async () => {
    const log = new CaptureLogger();
    const hub = await tlsHub(c, false, log);
    const good = await leafTo(hub, `tls { ca_file: "${c.caCert}" }`);
    await waitFor(() => hub.server.leafs!.leafs.size === 1, { what: "the good leaf" });
    const garbage = await RawConn.connect(hub.server.leafs!.listenPort);
    garbage.send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0xff, 0xff]));
    await garbage.waitClosed();
    // Silence: the handshake times out after the tls timeout (1 s here).
    const silent = await RawConn.connect(hub.server.leafs!.listenPort);
    await silent.waitClosed();
    assert.ok(log.has("TLS leafnode handshake timeout"));
    // A client of a TLS-wrapped socket that aborts mid-handshake.
    const aborted = tls.connect({ host: "127.0.0.1", port: hub.server.leafs!.listenPort, rejectUnauthorized: false });
    aborted.on("error", () => {});
    aborted.destroy();
    assert.equal(hub.server.leafs!.leafs.size, 1);
    const h = await connect({ servers: hub.clientURL });
    const l = await connect({ servers: good.clientURL });
    try {
      const got: string[] = [];
      l.subscribe("still", { callback: (_e, m) => void got.push(m.string()) });
      await l.flush();
      await waitFor(
        async () => {
          h.publish("still", "x");
          await h.flush();
          return got.length > 0;
        },
        { what: "the good link still carrying messages" },
      );
    } finally {
      await Promise.all([h.close(), l.close()]);
    }
  });
});
