/**
 * The `gateway {}` block served: a supercluster from config text with gateway credentials,
 * nats-server's start-up checks and wording, and the cluster taking the gateway's name.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { resolveOptions, validateOptions } from "../../src/server/options.js";
import { waitFor } from "../helpers/wait-for.js";

describe("gateway {} from config", () => {
  test("credentials: the gateway's own authorization is used to dial, a wrong one in the URL is refused", async () => {
    const auth = "authorization { user: gw, password: s3cret }";
    const b = await startServer({ config: `host: 127.0.0.1\nport: -1\ngateway { name: B, host: 127.0.0.1, port: -1, ${auth} }` });
    const bUrl = `127.0.0.1:${b.server.gateways!.listenPort}`;
    const a = await startServer({
      config: `host: 127.0.0.1\nport: -1\ngateway { name: A, host: 127.0.0.1, port: -1, ${auth}, gateways: [ { name: B, url: "nats://${bUrl}" } ] }`,
    });
    const bad = await startServer({
      config: `host: 127.0.0.1\nport: -1\ngateway { name: C, host: 127.0.0.1, port: -1, gateways: [ { name: B, url: "nats://gw:wrong@${bUrl}" } ] }`,
    });
    try {
      await waitFor(() => a.server.gateways!.out.has("B") && b.server.gateways!.out.has("A"), { timeoutMs: 10_000, what: "A and B linked" });
      const nb = await connect({ servers: b.clientURL });
      const na = await connect({ servers: a.clientURL });
      const got: string[] = [];
      nb.subscribe("cfg", { callback: (_e, m) => void got.push(m.string()) });
      await nb.flush();
      await waitFor(() => a.server.gateways!.out.get("B")!.outsim!.interest("$G", "cfg"));
      na.publish("cfg", "hi");
      await na.flush();
      await waitFor(() => got.length === 1);
      await Promise.all([na.close(), nb.close()]);
      // C's CONNECT was refused every time: it never registered an outbound to B.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(bad.server.gateways!.out.size, 0);
      assert.equal([...b.server.gateways!.inbound.values()].some((g) => g.name === "C"), false);
    } finally {
      await Promise.all([a.close(), b.close(), bad.close()]);
    }
  });

  test("nats-server's start-up checks, in its words", () => {
    const check = (gateway: object, cluster?: object): string[] => validateOptions(resolveOptions({ gateway, cluster } as never));
    assert.deepEqual(check({ name: "A", port: 0 }), ['gateway "A" has no port specified (select -1 for random port)']);
    assert.deepEqual(check({ port: 7222 }), ["gateway has no name"]);
    assert.deepEqual(check({ name: "A", port: -1, gateways: [{ name: "", urls: ["nats://h:1"] }] }), ["gateway in the list 0 has no name"]);
    assert.deepEqual(check({ name: "A", port: -1, gateways: [{ name: "B", urls: [] }] }), ['gateway "B" has no URL']);
    assert.deepEqual(check({ name: "A", port: -1 }, { name: "other", port: -1 }), ["cluster name conflicts between cluster and gateway definitions"]);
    assert.deepEqual(check({ name: "A", port: -1 }, { port: -1 }), []);
  });

  test("a cluster without a name takes the gateway's", () => {
    assert.equal(resolveOptions({ gateway: { name: "G1", port: -1 }, cluster: { port: -1 } } as never).cluster!.name, "G1");
  });
});
