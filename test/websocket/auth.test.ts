/**
 * Who may log in over WebSocket: credentials from the upgrade request's cookies
 * (user_cookie, pass_cookie, token_cookie: nats-server 2.11 wsUpgrade/processConnect),
 * `allowed_connection_types` of config users and of user JWTs (WEBSOCKET vs STANDARD),
 * and the connection type the auth callout request names (client_info.type "websocket").
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createAccount } from "@nats-io/jwt";
import { credsAuthenticator, wsconnect, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";
import { wsFactory, type WsClientOptions } from "../helpers/ws-client.js";
import { makeAccount, makeOperator, makeUser, operatorConfig } from "../auth/jwt/fixtures.js";
import { startCalloutService } from "../auth/callout/service.js";

const servers: NatsServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(o: StartServerOptions): Promise<NatsServer> {
  const s = await startServer({ port: 0, host: "127.0.0.1", ...o });
  servers.push(s);
  return s;
}

/** A websocket block listening on a free port without TLS, plus `extra` lines. */
function wsBlock(extra = ""): string {
  return `websocket { host: 127.0.0.1, port: -1, no_tls: true\n${extra}\n}`;
}

async function wsClient(s: NatsServer, opts: WsClientOptions = {}, extra: Record<string, unknown> = {}): Promise<NatsConnection> {
  const url = `ws://127.0.0.1:${s.server.websocket!.port}`;
  const nc = await wsconnect({ servers: url, wsFactory: wsFactory(opts), reconnect: false, ...extra } as Parameters<typeof wsconnect>[0]);
  await nc.flush();
  return nc;
}

function cookie(value: string): WsClientOptions {
  return { headers: { Cookie: value } };
}

describe("credentials from upgrade cookies", () => {
  test("user_cookie and pass_cookie log in a configured user when CONNECT has none", async () => {
    const s = await serve({
      config: `authorization { users: [ {user: alice, password: apw}, {user: bob, password: bpw} ] }\n${wsBlock("user_cookie: nu\npass_cookie: np")}`,
    });
    const nc = await wsClient(s, cookie("other=1; nu=alice; np=apw"));
    await nc.close();
    // A wrong password in the cookie is refused.
    await assert.rejects(wsClient(s, cookie("nu=alice; np=nope")), /Authorization Violation/i);
    // No cookie, no credentials: refused.
    await assert.rejects(wsClient(s), /Authorization Violation/i);
    // What CONNECT carries wins over the cookie.
    const bob = await wsClient(s, cookie("nu=alice; np=apw"), { user: "bob", pass: "bpw" });
    await bob.close();
    await assert.rejects(wsClient(s, cookie("nu=alice; np=apw"), { user: "bob", pass: "wrong" }), /Authorization Violation/i);
    // Cookies of other names do not count.
    await assert.rejects(wsClient(s, cookie("user=alice; pass=apw")), /Authorization Violation/i);
  });

  test("token_cookie stands in for auth_token; TCP clients get nothing from it", async () => {
    const s = await serve({ config: `authorization { token: s3cret }\n${wsBlock("token_cookie: tk")}` });
    const nc = await wsClient(s, cookie("tk=s3cret"));
    await nc.close();
    await assert.rejects(wsClient(s, cookie("tk=wrong")), /Authorization Violation/i);
    await assert.rejects(connect({ port: s.port, reconnect: false }), /Authorization Violation/i);
  });
});

describe("jwt_cookie", () => {
  test("a bearer user JWT in the cookie logs in when CONNECT has none; without it the login is refused", async () => {
    const op = await makeOperator();
    const acc = await makeAccount(op, "A");
    const s = await serve({ config: `${operatorConfig(op, [acc])}\n${wsBlock("jwt_cookie: my_jwt")}` });
    const bearer = await makeUser(acc, "b", { bearer_token: true });
    const nc = await wsClient(s, cookie(`my_jwt=${bearer.jwt}`));
    await nc.close();
    await assert.rejects(wsClient(s), /Authorization Violation/i);
    // Not a bearer JWT: the nonce must be signed, which a cookie cannot do.
    const signed = await makeUser(acc, "s");
    await assert.rejects(wsClient(s, cookie(`my_jwt=${signed.jwt}`)), /Authorization Violation/i);
  });
});

describe("allowed_connection_types", () => {
  test("config users: WEBSOCKET-only logs in over WebSocket and not TCP; STANDARD-only the other way round", async () => {
    const s = await serve({
      config: `authorization { users: [
        {user: w, password: p, allowed_connection_types: ["WEBSOCKET"]},
        {user: t, password: p, allowed_connection_types: ["STANDARD"]},
        {user: any, password: p}
      ] }\n${wsBlock()}`,
    });
    const w = await wsClient(s, {}, { user: "w", pass: "p" });
    await assert.rejects(connect({ port: s.port, user: "w", pass: "p", reconnect: false }), /Authorization Violation/i);
    const t = await connect({ port: s.port, user: "t", pass: "p" });
    await assert.rejects(wsClient(s, {}, { user: "t", pass: "p" }), /Authorization Violation/i);
    const a1 = await wsClient(s, {}, { user: "any", pass: "p" });
    const a2 = await connect({ port: s.port, user: "any", pass: "p" });
    await Promise.all([w.close(), t.close(), a1.close(), a2.close()]);
  });

  test("user JWTs: WEBSOCKET-only logs in over WebSocket and not TCP", async () => {
    const op = await makeOperator();
    const acc = await makeAccount(op, "A");
    const s = await serve({ config: `${operatorConfig(op, [acc])}\n${wsBlock()}` });
    const wsOnly = await makeUser(acc, "ws", { allowed_connection_types: ["WEBSOCKET"] });
    const stdOnly = await makeUser(acc, "std", { allowed_connection_types: ["STANDARD"] });
    const auth = (u: { creds: Uint8Array }) => ({ authenticator: credsAuthenticator(u.creds) });
    const nc = await wsClient(s, {}, auth(wsOnly));
    await assert.rejects(connect({ port: s.port, reconnect: false, ...auth(wsOnly) }), /Authorization Violation/i);
    await assert.rejects(wsClient(s, {}, auth(stdOnly)), /Authorization Violation/i);
    const tcp = await connect({ port: s.port, ...auth(stdOnly) });
    await Promise.all([nc.close(), tcp.close()]);
  });
});

describe("auth callout and WebSocket clients", () => {
  test("the request's client_info.type is websocket; a WEBSOCKET-only grant admits the WS client and refuses TCP", async () => {
    const issuer = createAccount();
    const s = await serve({
      config: `authorization {
        timeout: 2
        users: [ { user: auth, password: pwd } ]
        auth_callout { issuer: ${issuer.getPublicKey()}, auth_users: [ auth ] }
      }
      accounts { BAZ {} }
      ${wsBlock()}`,
    });
    const service = await startCalloutService({
      port: s.port,
      login: { user: "auth", pass: "pwd" },
      issuer,
      decide: () => ({ allow: { account: "BAZ", user: { allowed_connection_types: ["WEBSOCKET"] } } }),
    });
    try {
      const nc = await wsClient(s, {}, { user: "u", pass: "x" });
      const seen = service.seen.at(-1)!;
      assert.equal(seen.req.client_info.type, "websocket");
      assert.equal(seen.req.client_info.kind, "Client");
      await nc.close();
      await assert.rejects(connect({ port: s.port, user: "u", pass: "x", reconnect: false }), /Authorization Violation/i);
      assert.equal(service.seen.at(-1)!.req.client_info.type, "nats");
    } finally {
      await service.close();
    }
  });
});
