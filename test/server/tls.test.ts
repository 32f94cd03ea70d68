/**
 * TLS for clients: upgrade after INFO, verify with a CA, wrong CA refused, plain clients
 * cut off (not left hanging), handshake_first. Certificates are generated per run.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { makeCerts, type TestCerts } from "../auth/certs.js";
import { RawConn } from "../helpers/raw.js";

const certs: TestCerts | null = makeCerts();
const skip = certs === null ? "openssl not installed: no certificates for TLS tests" : false;

describe("client TLS", { skip }, () => {
  const c = certs!;
  const servers: NatsServer[] = [];
  const serve = async (tls: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<NatsServer> => {
    const s = await startServer({ port: 0, host: "127.0.0.1", tls: { certFile: c.serverCert, keyFile: c.serverKey, ...tls }, ...extra });
    servers.push(s);
    return s;
  };
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    c.cleanup();
  });

  test("unverified: INFO says tls_required, a client trusting the CA connects and talks", async () => {
    const s = await serve({});
    const raw = await RawConn.connect(s.port);
    const info = JSON.parse(raw.data.slice(5, raw.data.indexOf("\r\n"))) as Record<string, unknown>;
    assert.equal(info.tls_required, true);
    assert.equal(info.tls_verify, undefined);
    raw.close();
    const nc = await connect({ servers: s.clientURL, tls: { ca: readFileSync(c.caCert, "utf8") } });
    const sub = nc.subscribe("t", { max: 1 });
    nc.publish("t", "secure");
    for await (const m of sub) assert.equal(m.string(), "secure");
    await nc.close();
  });

  test("a plain client against a TLS server is cut off after INFO, as nats-server does", async () => {
    const s = await serve({});
    const raw = await RawConn.connect(s.port);
    raw.send('CONNECT {"verbose":false}\r\nPING\r\n');
    await raw.waitClosed(5000);
    assert.ok(!raw.data.includes("PONG"), raw.data);
    // The official client refuses on its own when it is told not to use TLS.
    await assert.rejects(connect({ servers: s.clientURL, reconnect: false, timeout: 2000 }));
  });

  test("verify: a client certificate from the CA is required", async () => {
    const s = await serve({ caFile: c.caCert, verify: true });
    const raw = await RawConn.connect(s.port);
    assert.ok(raw.data.includes('"tls_verify":true'), raw.data);
    raw.close();
    const ca = readFileSync(c.caCert, "utf8");
    const nc = await connect({
      servers: s.clientURL,
      tls: { ca, cert: readFileSync(c.clientCert, "utf8"), key: readFileSync(c.clientKey, "utf8") },
    });
    await nc.flush();
    await nc.close();
    await assert.rejects(connect({ servers: s.clientURL, tls: { ca }, reconnect: false, timeout: 2000 }));
    await assert.rejects(
      connect({
        servers: s.clientURL,
        tls: { ca, cert: readFileSync(c.rogueCert, "utf8"), key: readFileSync(c.rogueKey, "utf8") },
        reconnect: false,
        timeout: 2000,
      }),
    );
  });

  test("a client that trusts another CA refuses the server", async () => {
    const s = await serve({});
    await assert.rejects(connect({ servers: s.clientURL, tls: { ca: readFileSync(c.rogueCa, "utf8") }, reconnect: false, timeout: 2000 }));
  });

  test("handshake_first: TLS before INFO", async () => {
    const s = await serve({ handshakeFirst: true });
    const nc = await connect({ servers: s.clientURL, tls: { ca: readFileSync(c.caCert, "utf8"), handshakeFirst: true } });
    await nc.flush();
    assert.equal(nc.info?.tls_required, true);
    await nc.close();
  });

  test("allow_non_tls: plain and TLS clients both connect", async () => {
    const s = await serve({}, { allowNonTls: true });
    // The client upgrades whenever it may, unless told `tls: null`.
    const plain = await connect({ servers: s.clientURL, tls: null });
    await plain.flush();
    const secure = await connect({ servers: s.clientURL, tls: { ca: readFileSync(c.caCert, "utf8") } });
    await secure.flush();
    const sub = plain.subscribe("x", { max: 1 });
    await plain.flush();
    secure.publish("x", "hello");
    for await (const m of sub) assert.equal(m.string(), "hello");
    await plain.close();
    await secure.close();
  });

  test("verify_and_map: the certificate's e-mail or subject names the user", async () => {
    const ca = readFileSync(c.caCert, "utf8");
    const clientTls = { ca, cert: readFileSync(c.clientCert, "utf8"), key: readFileSync(c.clientKey, "utf8") };
    for (const user of ["client@example.com", "CN=client"]) {
      const s = await serve(
        { caFile: c.caCert, verifyAndMap: true },
        { users: [{ user, permissions: { publish: { allow: ["allowed.>"] } } }] },
      );
      const nc = await connect({ servers: s.clientURL, tls: clientTls });
      await nc.flush();
      const [conn] = [...s.server.clients.values()];
      assert.equal(conn?.user, user);
      // The mapped user's permissions apply.
      const errs: string[] = [];
      (async () => {
        for await (const st of nc.status()) if (st.type === "error") errs.push(String(st.error));
      })().catch(() => undefined);
      nc.publish("denied", "x");
      await nc.flush();
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(errs.some((e) => e.includes("Permissions Violation for Publish")), errs.join(";"));
      await nc.close();
    }
  });

  test("verify_and_map: a certificate that names no user is an authorization violation", async () => {
    const s = await serve({ caFile: c.caCert, verifyAndMap: true }, { users: [{ user: "someone-else" }] });
    const ca = readFileSync(c.caCert, "utf8");
    await assert.rejects(
      connect({
        servers: s.clientURL,
        tls: { ca, cert: readFileSync(c.clientCert, "utf8"), key: readFileSync(c.clientKey, "utf8") },
        reconnect: false,
        timeout: 2000,
      }),
      /Authorization Violation/i,
    );
  });
});
