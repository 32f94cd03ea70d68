/**
 * A service import across a gateway between tsnats and nats-server 2.9: the requester in
 * the importing account on one side, the responder in the exporting account on the other,
 * both ways (nats-server maps its `_R_.` replies to `_GR_.`, tsnats must too). Skips when
 * nats-server is missing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { AccountOptions } from "../../src/accounts/config.js";
import type { NatsServer } from "../../src/index.js";
import { startNatsServerConf, type InteropNatsServer } from "../helpers/interop.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { gatewayPort, startGatewayNode } from "../helpers/supercluster.js";
import { waitFor } from "../helpers/wait-for.js";

const bin = natsServerBinary();

const ACCOUNTS: AccountOptions[] = [
  { name: "SVC", users: [{ user: "svc", password: "p" }], exports: [{ kind: "service", subject: "svc.>" }] },
  { name: "CLI", users: [{ user: "cli", password: "p" }], imports: [{ kind: "service", account: "SVC", subject: "svc.>" }] },
];
const ACCOUNTS_CONF = `accounts {
  SVC { users: [ { user: svc, password: p } ], exports: [ { service: "svc.>" } ] }
  CLI { users: [ { user: cli, password: p } ], imports: [ { service: { account: SVC, subject: "svc.>" } } ] }
}`;

describe("service import across a tsnats / nats-server gateway", { skip: bin === null ? "nats-server not installed" : false }, () => {
  let t: NatsServer;
  let n: InteropNatsServer;
  const conns: NatsConnection[] = [];
  const login = async (url: string, user: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: url, user, pass: "p" });
    conns.push(nc);
    return nc;
  };

  before(async () => {
    t = await startGatewayNode("T", null, [], { accounts: ACCOUNTS, serverName: "t" });
    const gp = await freePort();
    n = await startNatsServerConf(bin!, "n", [
      ACCOUNTS_CONF,
      `gateway { name: N, listen: "127.0.0.1:${gp}", gateways: [ { name: T, urls: ["nats://127.0.0.1:${gatewayPort(t)}"] } ] }`,
    ]);
    await waitFor(() => t.server.gateways!.out.has("N") && t.server.gateways!.inbound.size > 0, { timeoutMs: 15_000, what: "gateways T<->N" });
  });

  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await Promise.all([t?.close(), n?.stop()]);
  });

  async function requestAcross(requesterURL: string, responderURL: string, subject: string): Promise<void> {
    const responder = await login(responderURL, "svc");
    responder.subscribe(subject, { callback: (_e, m) => void m.respond(`echo ${m.string()}`) });
    await responder.flush();
    const requester = await login(requesterURL, "cli");
    const reply = await waitFor(
      async () => {
        try {
          return (await requester.request(subject, "hi", { timeout: 500 })).string();
        } catch {
          return false;
        }
      },
      { timeoutMs: 15_000, what: `the answer on ${subject} from the other cluster` },
    );
    assert.equal(reply, "echo hi");
  }

  test("tsnats requester, nats-server responder", () => requestAcross(t.clientURL, n.clientURL, "svc.a"));
  test("nats-server requester, tsnats responder", () => requestAcross(n.clientURL, t.clientURL, "svc.b"));
});
