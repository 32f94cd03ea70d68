/**
 * Gateways over TLS: the handshake comes first on both sides, the dialer checks the
 * remote's certificate against the CA, and messages cross as in the clear.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { makeCerts } from "../auth/certs.js";
import { waitFor } from "../helpers/wait-for.js";

const certs = makeCerts();

describe("gateway TLS", { skip: certs === null ? "openssl not installed" : false }, () => {
  test("a TLS gateway pair links and carries messages; a dialer without the CA is refused", async () => {
    const tls = { certFile: certs!.serverCert, keyFile: certs!.serverKey, caFile: certs!.caCert, timeoutMs: 2000 };
    const b = await startServer({ port: -1, host: "127.0.0.1", gateway: { name: "B", host: "127.0.0.1", port: -1, tls } });
    const url = `nats://127.0.0.1:${b.server.gateways!.listenPort}`;
    const a = await startServer({ port: -1, host: "127.0.0.1", gateway: { name: "A", host: "127.0.0.1", port: -1, tls, solicitDelayMs: 10, gateways: [{ name: "B", urls: [url] }] } });
    // No tls block: C dials in the clear and never gets past B's TLS handshake.
    const c = await startServer({ port: -1, host: "127.0.0.1", gateway: { name: "C", host: "127.0.0.1", port: -1, solicitDelayMs: 10, gateways: [{ name: "B", urls: [url] }] } });
    try {
      await waitFor(() => a.server.gateways!.out.has("B") && b.server.gateways!.out.has("A"), { timeoutMs: 10_000, what: "TLS link" });
      assert.equal(b.server.gateways!.infoLine().includes('"tls_required":true'), true);
      const [na, nb] = await Promise.all([connect({ servers: a.clientURL }), connect({ servers: b.clientURL })]);
      const got: string[] = [];
      na.subscribe("sec", { callback: (_e, m) => void got.push(m.string()) });
      await na.flush();
      await waitFor(() => b.server.gateways!.out.get("A")!.outsim!.interest("$G", "sec"));
      nb.publish("sec", "over tls");
      await nb.flush();
      await waitFor(() => got.length === 1);
      await Promise.all([na.close(), nb.close()]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(c.server.gateways!.out.size, 0);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
      certs!.cleanup();
    }
  });
});
