/**
 * wss: the websocket listener with `tls {}`: the official client over TLS, the ports file
 * and log name wss://, a plain-text peer is cut off without harming the server.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { readFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import { wsconnect } from "@nats-io/nats-core";
import { startServer, type NatsServer } from "../../src/index.js";
import { makeCerts } from "../auth/certs.js";
import { wsFactory } from "../helpers/ws-client.js";

const certs = makeCerts();
const skip = certs === null ? "openssl not installed: no certificates for TLS tests" : false;

describe("websocket over TLS (wss)", { skip }, () => {
  const servers: NatsServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test("pub/sub over wss with the server's certificate verified; plain HTTP to it is dropped", async () => {
    const c = certs!;
    const s = await startServer({
      port: 0,
      host: "127.0.0.1",
      websocket: { host: "127.0.0.1", port: -1, noTls: false, compression: false, sameOrigin: false, tls: { certFile: c.serverCert, keyFile: c.serverKey } },
    });
    servers.push(s);
    const port = s.server.websocket!.port;
    assert.equal(s.server.websocket!.scheme, "wss");
    const ca = readFileSync(c.caCert, "utf8");
    const nc = await wsconnect({ servers: `wss://127.0.0.1:${port}`, wsFactory: wsFactory({ ca }), reconnect: false } as Parameters<typeof wsconnect>[0]);
    const sub = nc.subscribe("t", { max: 1 });
    await nc.flush();
    nc.publish("t", "secure");
    for await (const m of sub) assert.equal(m.string(), "secure");
    // A plain-text upgrade on the TLS port: the TLS handshake fails, the socket closes.
    const closed = await new Promise<boolean>((resolve) => {
      const p = net.connect({ host: "127.0.0.1", port }, () => p.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      p.on("error", () => undefined);
      p.on("close", () => resolve(true));
      setTimeout(() => resolve(false), 5000).unref();
    });
    assert.equal(closed, true);
    await nc.flush();
    await nc.close();
  });
});
