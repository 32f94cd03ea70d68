/**
 * Auth callout, config mode, 2.10/2.11 details: `allowed_accounts` (nats-server
 * TestAuthCalloutAllowedAccounts: only logins the configuration places in one of those
 * accounts, or in none, go to the service), the `$SYS.ACCOUNT.CLIENT.AUTH.ERR` event a refused
 * login publishes in the callout account (events.go sendAccountAuthErrorEvent), and the
 * `expires` of `$SYS.REQ.USER.INFO` for a user whose JWT expires. tsnats only: nats-server
 * 2.9 has no auth callout.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAccount, type KeyPair } from "@nats-io/jwt";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../../src/index.js";
import { waitFor } from "../../helpers/wait-for.js";
import { startCalloutService, type CalloutService, type Decision } from "./service.js";

type Json = Record<string, any>;

function config(issuer: string, allowed: string): string {
  return `
accounts {
  AUTH { users [ {user: "auth", password: "pwd"} ] }
  FOO { users [ {user: "foo", password: "pwd"} ] }
  BAR {}
  SYS { users [ {user: "sys", password: "pwd"} ] }
}
system_account: SYS
no_auth_user: foo
authorization {
  timeout: 5s
  auth_callout {
    issuer: ${issuer}
    account: AUTH
    auth_users: [ auth ]
    ${allowed}
  }
}`;
}

async function userInfo(nc: NatsConnection): Promise<Json> {
  return (await nc.request("$SYS.REQ.USER.INFO", "", { timeout: 2000 })).json<Json>().data as Json;
}

describe("auth callout, allowed_accounts", () => {
  let issuer: KeyPair;
  let server: NatsServer;
  let service: CalloutService;
  let decide: (r: { connect_opts: { user?: string; pass?: string } }) => Decision;

  before(async () => {
    issuer = createAccount();
    server = await startServer({ port: 0, host: "127.0.0.1", config: config(issuer.getPublicKey(), "allowed_accounts: [ BAR ]") });
    decide = (r) => (r.connect_opts.user === "dlc" && r.connect_opts.pass === "zzz" ? { allow: { account: "BAR" } } : { raw: () => new Uint8Array(0) });
    service = await startCalloutService({ port: server.port, login: { user: "auth", pass: "pwd" }, issuer, decide: (r) => decide(r) });
  });
  after(async () => {
    await service.close();
    await server.close();
  });

  test("configured users of accounts not allowed log in as configured; others go to the service (TestAuthCalloutAllowedAccounts)", async () => {
    const cases: Array<[user: string, pass: string, account: string]> = [
      ["dlc", "zzz", "BAR"],
      ["foo", "", "FOO"],
      ["sys", "pwd", "SYS"],
    ];
    for (const [user, pass, account] of cases) {
      const before = service.seen.length;
      const nc = await connect({ port: server.port, ...(pass === "" ? {} : { user, pass }) });
      try {
        assert.deepEqual(await userInfo(nc), { user, account }, user);
        assert.equal(service.seen.length - before, user === "dlc" ? 1 : 0, `${user}: asked the service`);
      } finally {
        await nc.close();
      }
    }
  });

  test("a wrong password of a configured user is the service's to decide (nats-server: the login is in $G then)", async () => {
    const before = service.seen.length;
    await assert.rejects(connect({ port: server.port, user: "foo", pass: "wrong", reconnect: false }), /Authorization Violation/);
    assert.equal(service.seen.length - before, 1);
    assert.equal(service.seen.at(-1)!.req.connect_opts.user, "foo");
  });

  test("a refused login publishes $SYS.ACCOUNT.CLIENT.AUTH.ERR in the callout account, with the reason", async () => {
    const events: Json[] = [];
    const sub = service.nc.subscribe("$SYS.ACCOUNT.CLIENT.AUTH.ERR", { callback: (_e, m) => void events.push(m.json<Json>()) });
    const sys = await connect({ port: server.port, user: "sys", pass: "pwd" });
    const serverEvents: Json[] = [];
    sys.subscribe(`$SYS.SERVER.${server.server.id}.CLIENT.AUTH.ERR`, { callback: (_e, m) => void serverEvents.push(m.json<Json>()) });
    await Promise.all([service.nc.flush(), sys.flush()]);
    try {
      await assert.rejects(connect({ port: server.port, user: "eve", pass: "x", name: "eve-conn", reconnect: false }), /Authorization Violation/);
      await waitFor(() => events.length === 1 && serverEvents.length === 1, { timeoutMs: 3000 });
      const ev = events[0]!;
      assert.equal(ev.type, "io.nats.server.advisory.v1.client_disconnect");
      assert.equal(ev.server.id, server.server.id);
      assert.equal(ev.reason, 'Auth callout violation: "no reason supplied" on account "AUTH"');
      assert.equal(ev.client.acc, "AUTH");
      assert.equal(ev.client.user, "eve");
      assert.equal(ev.client.name, "eve-conn");
      assert.equal(ev.client.kind, "Client");
      assert.equal(ev.client.client_type, "nats");
      assert.ok(typeof ev.client.rtt === "number" && ev.client.rtt > 0);
      assert.deepEqual(ev.sent, { msgs: 0, bytes: 0 });
      // The server-wide one, in the system account, for every Authorization Violation.
      const sev = serverEvents[0]!;
      assert.equal(sev.reason, "Authentication Failure");
      assert.equal(sev.client.acc, "$G");
      assert.equal(sev.client.user, "eve");
    } finally {
      sub.unsubscribe();
      await sys.close();
    }
  });
});

describe("auth callout, every account allowed", () => {
  test("without allowed_accounts a configured user goes to the service too", async () => {
    const issuer = createAccount();
    const server = await startServer({ port: 0, host: "127.0.0.1", config: config(issuer.getPublicKey(), "") });
    const service = await startCalloutService({ port: server.port, login: { user: "auth", pass: "pwd" }, issuer, decide: () => ({ allow: { account: "BAR", exp: Math.floor(Date.now() / 1000) + 60 } }) });
    try {
      const nc = await connect({ port: server.port, user: "foo", pass: "pwd" });
      try {
        const info = await userInfo(nc);
        assert.equal(info.account, "BAR");
        assert.equal(service.seen.at(-1)!.req.connect_opts.user, "foo");
        // USER.INFO `expires`: the time the JWT has left, whole seconds, as a Go Duration (ns).
        assert.equal(info.expires % 1e9, 0);
        assert.ok(info.expires >= 57e9 && info.expires <= 60e9, String(info.expires));
      } finally {
        await nc.close();
      }
    } finally {
      await service.close();
      await server.close();
    }
  });
});
