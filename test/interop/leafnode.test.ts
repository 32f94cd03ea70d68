/**
 * Leaf nodes between tsnats and the real nats-server, both ways: a tsnats leaf under a
 * nats-server hub and a nats-server leaf under a tsnats hub, each bound to one hub account
 * by the user in its remote URL; and a tsnats leaf authenticating to a nats-server hub in
 * operator mode with a credentials file, and a nats-server leaf with one under a tsnats hub in
 * operator mode. Messages, a queue group spread over both sides
 * (exactly once) and requests cross the link both ways; another account's traffic does not.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createAccount, createOperator, createUser } from "@nats-io/nkeys";
import { startServer, type NatsServer } from "../../src/index.js";
import { startNatsServerConf } from "../helpers/interop.js";
import { leafSuite } from "../helpers/leaf-suite.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

const bin = natsServerBinary();
const ACCOUNTS = `accounts { A: { users: [ { user: a, password: pa } ] }, B: { users: [ { user: b, password: pb } ] } }`;

async function tsnatsHub(): Promise<NatsServer> {
  return startServer({ port: -1, host: "127.0.0.1", config: ACCOUNTS, leafnodes: { host: "127.0.0.1", port: -1 } });
}

leafSuite("nats-server hub, tsnats leaf bound to account A by its user", async () => {
  const lp = await freePort();
  const ns = await startNatsServerConf(bin!, "hub", [ACCOUNTS, `leafnodes { listen: "127.0.0.1:${lp}" }`]);
  const l = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { remotes: [{ urls: [`nats-leaf://a:pa@127.0.0.1:${lp}`] }], reconnectMs: 100 } });
  return {
    hub: { url: ns.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
    leaf: { url: l.clientURL, bound: {}, other: null },
    stop: async () => {
      await l.close();
      await ns.stop();
    },
  };
});

leafSuite("tsnats hub, nats-server leaf bound to account A by its user", async () => {
  const h = await tsnatsHub();
  const ns = await startNatsServerConf(bin!, "leaf", [`leafnodes { remotes: [ { url: "nats-leaf://a:pa@127.0.0.1:${h.server.leafs!.listenPort}" } ] }`]);
  return {
    hub: { url: h.clientURL, bound: { user: "a", pass: "pa" }, other: { user: "b", pass: "pb" } },
    leaf: { url: ns.clientURL, bound: {}, other: null },
    stop: async () => {
      await ns.stop();
      await h.close();
    },
  };
});

leafSuite("nats-server hub in operator mode, tsnats leaf with a credentials file", async (dir) => {
  const okp = createOperator();
  const akp = createAccount();
  const bkp = createAccount();
  const ukp = createUser();
  const bukp = createUser();
  const opJwt = await encodeOperator("OP", okp);
  // The library's default account limits allow no connections.
  const limits = { limits: { conn: -1, leaf: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true } };
  const accJwt = await encodeAccount("A", akp, limits, { signer: okp });
  const bJwt = await encodeAccount("B", bkp, limits, { signer: okp });
  const userJwt = await encodeUser("leaf", ukp, akp);
  const bUserJwt = await encodeUser("other", bukp, bkp);
  const creds = join(dir, "leaf.creds");
  writeFileSync(creds, fmtCreds(userJwt, ukp));
  const lp = await freePort();
  const a = akp.getPublicKey();
  const b = bkp.getPublicKey();
  const ns = await startNatsServerConf(bin!, "hub", [
    `operator: ${opJwt}`,
    "resolver: MEMORY",
    `resolver_preload: { ${a}: ${accJwt}, ${b}: ${bJwt} }`,
    `leafnodes { listen: "127.0.0.1:${lp}" }`,
  ]);
  const l = await startServer({
    port: -1,
    host: "127.0.0.1",
    leafnodes: { remotes: [{ urls: [`nats-leaf://127.0.0.1:${lp}`], credentials: creds }], reconnectMs: 100 },
  });
  const { credsAuthenticator } = await import("@nats-io/transport-node");
  return {
    hub: {
      url: ns.clientURL,
      bound: { authenticator: credsAuthenticator(fmtCreds(userJwt, ukp)) },
      other: { authenticator: credsAuthenticator(fmtCreds(bUserJwt, bukp)) },
    },
    leaf: { url: l.clientURL, bound: {}, other: null },
    noSystemAccount: true,
    stop: async () => {
      await l.close();
      await ns.stop();
    },
  };
});

leafSuite("tsnats hub in operator mode, nats-server leaf with a credentials file", async (dir) => {
  const okp = createOperator();
  const akp = createAccount();
  const bkp = createAccount();
  const ukp = createUser();
  const hukp = createUser();
  const bukp = createUser();
  const opJwt = await encodeOperator("OP", okp);
  const limits = { limits: { conn: -1, leaf: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true } };
  const accJwt = await encodeAccount("A", akp, limits, { signer: okp });
  const bJwt = await encodeAccount("B", bkp, limits, { signer: okp });
  const leafJwt = await encodeUser("leaf", ukp, akp, { allowed_connection_types: ["LEAFNODE"] });
  const hubJwt = await encodeUser("hub", hukp, akp);
  const bUserJwt = await encodeUser("other", bukp, bkp);
  const creds = join(dir, "leaf.creds");
  writeFileSync(creds, fmtCreds(leafJwt, ukp));
  const a = akp.getPublicKey();
  const b = bkp.getPublicKey();
  const config = [`operator: ${opJwt}`, "resolver: MEMORY", `resolver_preload: { ${a}: ${accJwt}, ${b}: ${bJwt} }`].join("\n");
  const h = await startServer({ port: -1, host: "127.0.0.1", config, leafnodes: { host: "127.0.0.1", port: -1 } });
  const ns = await startNatsServerConf(bin!, "leaf", [`leafnodes { remotes: [ { url: "nats-leaf://127.0.0.1:${h.server.leafs!.listenPort}", credentials: "${creds}" } ] }`]);
  await waitFor(() => [...h.server.leafs!.leafs.values()].some((l) => l.account.name === a), { what: "nats-server leaf bound to A" });
  const { credsAuthenticator } = await import("@nats-io/transport-node");
  return {
    hub: {
      url: h.clientURL,
      bound: { authenticator: credsAuthenticator(fmtCreds(hubJwt, hukp)) },
      other: { authenticator: credsAuthenticator(fmtCreds(bUserJwt, bukp)) },
    },
    leaf: { url: ns.clientURL, bound: {}, other: null },
    noSystemAccount: true,
    stop: async () => {
      await ns.stop();
      await h.close();
    },
  };
});
