/**
 * Leaf connections in operator mode with resolvers that fetch (nats-server
 * processClientOrLeafAuthentication → LookupAccount, and createLeafNode for a solicited
 * leaf): a hub with full resolvers looks the leaf user's account up from a cluster peer
 * before answering the CONNECT; a spoke whose remote binds an account it has not loaded
 * fetches that account's JWT from its URL resolver, and when that fails logs nats-server's
 * `Unable to lookup account ... for solicited leafnode connection: <why>` and dials again.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startServer, type NatsServer } from "../../src/index.js";
import { CaptureLogger } from "../helpers/capture-logger.js";
import { routePort, startNode, waitMeshed } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, operatorConfig, rawJwtConnect, type Acct } from "../auth/jwt/fixtures.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";

describe("a hub cluster with full resolvers", () => {
  const root = mkdtempSync(join(tmpdir(), "tsnats-leaf-full-"));
  const nodes: NatsServer[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(root, { recursive: true, force: true });
  });

  test("a leaf's account is looked up from the peer that has it; an account nobody has is refused", async () => {
    const op = await makeOperator();
    const a = await makeAccount(op, "A");
    const stranger = await makeAccount(op, "X");
    const dirOf = (i: number): string => join(root, `n${i}`);
    mkdirSync(dirOf(0), { recursive: true });
    writeFileSync(join(dirOf(0), `${a.pub}.jwt`), a.jwt);
    const config = (i: number): string =>
      `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\n` +
      `resolver { type: full, dir: "${dirOf(i)}", interval: "1m", timeout: "1s" }\nresolver_preload { ${op.sys.pub}: "${op.sys.jwt}" }\n`;
    const leafnodes = { host: "127.0.0.1", port: -1 };
    nodes.push(await startNode("leaf-full", [], { config: config(0), leafnodes }));
    nodes.push(await startNode("leaf-full", [`nats-route://127.0.0.1:${routePort(nodes[0]!)}`], { config: config(1), leafnodes }));
    await waitMeshed(nodes);
    const n1 = nodes[1]!;
    assert.equal(n1.server.operator!.jwtAccounts.has(a.pub), false);
    const ok = await rawJwtConnect(n1.server.leafs!.listenPort, await makeUser(a, "leaf"), { name: "full-leaf" });
    await ok.waitFor((d) => d.includes("PONG\r\n"));
    assert.ok(!ok.data.includes("-ERR"), ok.data);
    assert.equal([...n1.server.leafs!.leafs.values()][0]?.account.name, a.pub);
    ok.close();
    const no = await rawJwtConnect(n1.server.leafs!.listenPort, await makeUser(stranger, "x"), { name: "stranger" });
    await no.waitClosed();
    assert.ok(no.data.endsWith(AUTH_ERR), no.data);
  });
});

describe("a spoke in operator mode with a URL resolver", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-leaf-url-"));
  const servers: NatsServer[] = [];
  const hits: string[] = [];
  let served: Acct[] = [];
  const web = http.createServer((req, res) => {
    const key = (req.url ?? "").split("/").pop() ?? "";
    hits.push(key);
    const jwt = served.find((x) => x.pub === key)?.jwt;
    if (jwt === undefined) res.writeHead(404).end("not found");
    else res.writeHead(200, { "content-type": "application/jwt" }).end(jwt);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    web.closeAllConnections();
    await new Promise<void>((resolve) => web.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("the remote's local account is fetched before the leaf connects; a missing one is logged and retried", async () => {
    const op = await makeOperator();
    const a = await makeAccount(op, "A");
    const gone = await makeAccount(op, "GONE");
    served = [op.sys, a];
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/jwt/v1/accounts/`;
    const hub = await startServer({ port: 0, host: "127.0.0.1", config: operatorConfig(op, [a, gone]), leafnodes: { host: "127.0.0.1", port: -1 } });
    servers.push(hub);
    const hubLeaf = `nats-leaf://127.0.0.1:${hub.server.leafs!.listenPort}`;
    const creds = (name: string): string => join(dir, `${name}.creds`);
    writeFileSync(creds("a"), (await makeUser(a, "spoke-a")).creds);
    writeFileSync(creds("gone"), (await makeUser(gone, "spoke-gone")).creds);
    const log = new CaptureLogger();
    const spoke = await startServer({
      port: 0,
      host: "127.0.0.1",
      logger: log,
      config: `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver: URL("${url}")\n`,
      leafnodes: {
        reconnectMs: 100,
        remotes: [
          { urls: [hubLeaf], credentials: creds("a"), account: a.pub },
          { urls: [hubLeaf], credentials: creds("gone"), account: gone.pub },
        ],
      },
    });
    servers.push(spoke);
    await waitFor(() => [...spoke.server.leafs!.leafs.values()].some((l) => l.account.name === a.pub), { what: "spoke leaf bound to A" });
    assert.ok(hits.includes(a.pub));
    const want = `Unable to lookup account ${gone.pub} for solicited leafnode connection: could not fetch <"${url}${gone.pub}">: 404 Not Found`;
    await waitFor(() => log.has(want) && hits.filter((k) => k === gone.pub).length >= 2, { what: "missing account logged and asked again" });
    assert.equal([...spoke.server.leafs!.leafs.values()].filter((l) => l.account.name === gone.pub).length, 0);
  });
});
