/**
 * `$SYS` requests across a leaf node: an account's CONNZ (`$SYS.REQ.ACCOUNT.PING.CONNZ`
 * from a client on the leaf) lists, on the hub, the leaf connection as a `Leafnode` row with
 * the peer's server name and version, as nats-server's Connz with an account does (checked
 * against nats-server 2.9.10 as the hub); the plain /connz lists clients only.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { startNatsServerConf, type InteropNatsServer } from "../helpers/interop.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;
const bin = natsServerBinary();

/** The CONNZ answers a client on the leaf gets, by server name. */
async function connzAnswers(nc: NatsConnection, want: number): Promise<Map<string, Json>> {
  const out = new Map<string, Json>();
  await waitFor(
    async () => {
      out.clear();
      for await (const m of await nc.requestMany("$SYS.REQ.ACCOUNT.PING.CONNZ", "", { maxWait: 500 })) {
        const j = m.json<Json>();
        out.set(j.server.name, j.data);
      }
      return out.size === want;
    },
    { timeoutMs: 10_000, what: `${want} CONNZ answers` },
  );
  return out;
}

describe("an account's CONNZ across a leaf node", () => {
  const stops: Array<() => Promise<unknown>> = [];
  const ncs: NatsConnection[] = [];
  after(async () => {
    await Promise.all(ncs.map((nc) => nc.close().catch(() => undefined)));
    for (const s of stops.reverse()) await s();
  });

  const leafTo = async (port: number): Promise<NatsServer> => {
    const leaf = await startServer({
      port: -1,
      host: "127.0.0.1",
      serverName: "spoke",
      leafnodes: { remotes: [{ urls: [`nats-leaf://la:la@127.0.0.1:${port}`] }], reconnectMs: 100 },
    });
    stops.push(() => leaf.close());
    await waitFor(() => leaf.server.leafs!.leafs.size === 1, { timeoutMs: 10_000, what: "leaf linked" });
    return leaf;
  };

  let tsLeafRow: Json | null = null;

  test("a tsnats hub lists the leaf connection as a Leafnode row; /connz does not", async () => {
    const hub = await startServer({
      port: -1,
      host: "127.0.0.1",
      serverName: "hub",
      config: "accounts { A { users [ {user: a, password: a}, {user: la, password: la} ] } }",
      leafnodes: { host: "127.0.0.1", port: -1 },
    });
    stops.push(() => hub.close());
    const leaf = await leafTo(hub.server.leafs!.listenPort);
    const lc = await connect({ servers: leaf.clientURL });
    ncs.push(lc);
    await waitFor(() => leaf.server.accounts.get("$G")!.sublist.hasInterest("$SYS.REQ.ACCOUNT.PING.CONNZ") && hub.server.accounts.get("A")!.sublist.count() > 0, {
      what: "the hub's import interest on the leaf",
    });
    const answers = await connzAnswers(lc, 2);
    const rows = answers.get("hub")!.connections as Json[];
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row.kind, "Leafnode");
    assert.equal(row.name, "spoke");
    assert.equal(typeof row.version, "string");
    assert.equal("type" in row, false);
    tsLeafRow = row;
    // The spoke lists its own client and its solicited leaf connection (no name there).
    const spoke = answers.get("spoke")!.connections as Json[];
    assert.deepEqual(spoke.map((r) => r.kind).sort(), ["Client", "Leafnode"]);
    assert.equal(spoke.find((r) => r.kind === "Leafnode")!.name, undefined);
    // The server-wide /connz (no account) stays clients only.
    const { connz, parseConnzOptions } = await import("../../src/monitor/connz.js");
    const { Slicer } = await import("../../src/monitor/slices.js");
    const doc = await connz(hub.server, parseConnzOptions(new URLSearchParams()), new Slicer());
    assert.equal(doc.head.num_connections, 0);
  });

  test("nats-server 2.9.10 as the hub: the same Leafnode row", { skip: bin === null ? "nats-server not installed" : false }, async () => {
    const lp = await freePort();
    const ns: InteropNatsServer = await startNatsServerConf(bin!, "hub", [
      "accounts { A { users [ {user: a, password: a}, {user: la, password: la} ] } }",
      `leafnodes { listen: "127.0.0.1:${lp}" }`,
    ]);
    stops.push(() => ns.stop());
    const leaf = await leafTo(lp);
    const lc = await connect({ servers: leaf.clientURL });
    ncs.push(lc);
    const answers = await connzAnswers(lc, 2);
    const rows = answers.get("hub")!.connections as Json[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.kind, "Leafnode");
    assert.equal(rows[0]!.name, "spoke");
    if (tsLeafRow !== null) assert.deepEqual(Object.keys(tsLeafRow), Object.keys(rows[0]!));
  });
});
