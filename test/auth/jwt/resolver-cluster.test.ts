/**
 * Full resolvers in a cluster of three routed tsnats (nats-server DirAccResolver): an
 * account JWT pushed to one node is stored by all; a node whose store lacks an account
 * looks it up from its peers when a user logs in; a node that was down when a JWT was
 * pushed catches up through the periodic `$SYS.REQ.CLAIMS.PACK` exchange.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { NatsServer } from "../../../src/index.js";
import { routePort, startNode, waitMeshed } from "../../helpers/cluster.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, rawJwtConnect, type Acct, type Op } from "./fixtures.js";

describe("full resolvers in a cluster", () => {
  const root = mkdtempSync(join(tmpdir(), "tsnats-jwt-cluster-"));
  let op: Op;
  const nodes: NatsServer[] = [];
  const conns: NatsConnection[] = [];
  let seedRoute = "";

  const dirOf = (i: number): string => join(root, `n${i}`);
  const config = (i: number): string =>
    `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\n` +
    `resolver { type: full, dir: "${dirOf(i)}", interval: "250ms", timeout: "2s" }\nresolver_preload { ${op.sys.pub}: "${op.sys.jwt}" }\n`;
  const start = (i: number, routes: string[]): Promise<NatsServer> => startNode("jwt", routes, { config: config(i) });
  const stored = (i: number, acc: Acct): string | null => {
    const f = join(dirOf(i), `${acc.pub}.jwt`);
    return existsSync(f) ? readFileSync(f, "utf8").trim() : null;
  };

  before(async () => {
    op = await makeOperator();
    nodes.push(await start(0, []));
    seedRoute = `nats-route://127.0.0.1:${routePort(nodes[0]!)}`;
    nodes.push(await start(1, [seedRoute]), await start(2, [seedRoute]));
    await waitMeshed(nodes);
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(root, { recursive: true, force: true });
  });

  const sysConn = async (n: NatsServer): Promise<NatsConnection> => {
    const nc = await connect({ port: n.port, authenticator: credsAuthenticator((await makeUser(op.sys, "admin")).creds) });
    conns.push(nc);
    return nc;
  };

  test("a JWT pushed to one node is stored by every node; its users log in anywhere", async () => {
    const a = await makeAccount(op, "A");
    // Every node's update handler must have the push's interest before it is sent.
    await waitFor(() => nodes.every((n) => n.server.accounts.get(op.sys.pub)!.sublist.match("$SYS.REQ.CLAIMS.UPDATE").psubs.length === 3), { what: "update interest on every node" });
    const sys = await sysConn(nodes[0]!);
    const r = (await sys.request("$SYS.REQ.CLAIMS.UPDATE", a.jwt, { timeout: 2000 })).json<{ data: { message: string } }>();
    assert.equal(r.data.message, "jwt updated");
    await waitFor(() => [0, 1, 2].every((i) => stored(i, a) === a.jwt), { what: "A stored on every node" });
    const u = await makeUser(a, "u");
    for (const n of nodes) {
      const c = await rawJwtConnect(n.port, u);
      assert.ok(c.data.includes("PONG\r\n"), c.data);
      c.close();
    }
  });

  test("a node without an account looks it up from the others when a user logs in", async () => {
    const b = await makeAccount(op, "B");
    // Only node 0 has B (as if it had been given it while the others were cut off).
    mkdirSync(dirOf(0), { recursive: true });
    writeFileSync(join(dirOf(0), `${b.pub}.jwt`), b.jwt);
    assert.equal(stored(2, b), null);
    const c = await rawJwtConnect(nodes[2]!.port, await makeUser(b, "u"));
    assert.ok(c.data.includes("PONG\r\n"), c.data);
    c.close();
    assert.equal(stored(2, b), b.jwt);
  });

  test("a node that was down when a JWT was pushed catches up by the pack exchange", async () => {
    const down = nodes.pop()!;
    await down.close();
    await waitMeshed(nodes);
    const c1 = await makeAccount(op, "C");
    const sys = await sysConn(nodes[0]!);
    await sys.request("$SYS.REQ.CLAIMS.UPDATE", c1.jwt, { timeout: 2000 });
    await waitFor(() => stored(1, c1) === c1.jwt, { what: "C on node 1" });
    assert.equal(stored(2, c1), null);
    const back = await start(2, [seedRoute]);
    nodes.push(back);
    await waitMeshed(nodes);
    await waitFor(() => stored(2, c1) === c1.jwt, { what: "C merged into the returning node", timeoutMs: 10_000 });
    const u = await makeUser(c1, "u");
    const c = await rawJwtConnect(back.port, u);
    assert.ok(c.data.includes("PONG\r\n"), c.data);
    c.close();
  });
});
