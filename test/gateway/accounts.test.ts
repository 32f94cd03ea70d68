/**
 * Accounts across gateways: a service import whose responder is in the other cluster, a
 * stream import whose subscriber is in the other cluster (shadow subscriptions), and an account added by a config
 * reload that the gateways then watch (switched to interest-only, its RS+ sent), as
 * nats-server does for accounts it registers after the gateway started.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { AccountOptions } from "../../src/accounts/config.js";
import type { NatsServer } from "../../src/index.js";
import { applyOptions } from "../../src/server/reload.js";
import { gatewayPort, startGatewayNode, waitGatewaysMeshed } from "../helpers/supercluster.js";
import { streamAcross } from "../helpers/stream-import.js";
import { waitFor } from "../helpers/wait-for.js";

const ACCOUNTS: AccountOptions[] = [
  { name: "SVC", users: [{ user: "svc", password: "p" }], exports: [{ kind: "service", subject: "svc.>" }] },
  { name: "STR", users: [{ user: "str", password: "p" }], exports: [{ kind: "stream", subject: "ev.>" }] },
  {
    name: "CLI",
    users: [{ user: "cli", password: "p" }],
    imports: [
      { kind: "service", account: "SVC", subject: "svc.>" },
      { kind: "stream", account: "STR", subject: "ev.>" },
    ],
  },
];
const ADDED: AccountOptions = { name: "NEW", users: [{ user: "new", password: "p" }] };

describe("accounts across gateways", () => {
  let a: NatsServer;
  let b: NatsServer;
  const conns: NatsConnection[] = [];
  const login = async (s: NatsServer, user: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: s.clientURL, user, pass: "p" });
    conns.push(nc);
    return nc;
  };

  before(async () => {
    a = await startGatewayNode("A", null, [], { accounts: ACCOUNTS, serverName: "a" });
    b = await startGatewayNode("B", null, [{ name: "A", urls: [`nats://127.0.0.1:${gatewayPort(a)}`] }], {
      accounts: ACCOUNTS,
      serverName: "b",
    });
    await waitGatewaysMeshed([[a], [b]]);
  });

  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await Promise.all([a?.close(), b?.close()]);
  });

  test("a service import answered by a responder in the other cluster", async () => {
    const responder = await login(b, "svc");
    responder.subscribe("svc.echo", { callback: (_e, m) => void m.respond(`echo ${m.string()}`) });
    await responder.flush();
    const requester = await login(a, "cli");
    const reply = await waitFor(
      async () => {
        try {
          return (await requester.request("svc.echo", "hi", { timeout: 500 })).string();
        } catch {
          return false;
        }
      },
      { timeoutMs: 10_000, what: "the service's answer from the other cluster" },
    );
    assert.equal(reply, "echo hi");
  });

  // The importer's subscription is interest in the exporter's account (RS+ STR ev.>, its
  // shadow), so the exporter's message crosses in STR and is mapped into CLI on arrival.
  test("a stream import reaches a subscriber in the other cluster", async () => {
    await streamAcross(await login(a, "str"), await login(b, "cli"), "");
    await streamAcross(await login(b, "str"), await login(a, "cli"), "");
  });

  test("an account added by reload is watched: interest-only at the peer, its subscriptions sent", async () => {
    for (const s of [a, b]) {
      const r = applyOptions(s.server, { ...s.server.options, accounts: [...ACCOUNTS, ADDED] });
      assert.equal(r.ok, true, r.errors.join("\n"));
    }
    // A's outbound link to B: the new account switched to interest-only by B (nats-server
    // 2.9 makes every account interest-only on an inbound gateway).
    const outsim = () => a.server.gateways!.out.get("B")!.outsim!;
    await waitFor(() => outsim().accounts.get("NEW")?.mode === 2, { timeoutMs: 10_000, what: "NEW interest-only on A→B" });
    const sub = await login(b, "new");
    const got: string[] = [];
    sub.subscribe("n.*", { callback: (_e, m) => void got.push(m.subject) });
    await sub.flush();
    await waitFor(() => outsim().interest("NEW", "n.1"), { timeoutMs: 10_000, what: "RS+ NEW n.* at A" });
    const pub = await login(a, "new");
    pub.publish("n.1");
    await pub.flush();
    await waitFor(() => got.length === 1, { timeoutMs: 5_000, what: "NEW's message across the gateway" });
    assert.deepEqual(got, ["n.1"]);
  });
});
