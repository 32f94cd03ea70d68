/**
 * Account connection events in a mixed cluster: a tsnats server routed to nats-server, both
 * in operator mode with one account limited to 2 connections. Each side reads the other's
 * `account_connections` events (nats-server 2.9.10 publishes and listens on
 * `$SYS.SERVER.ACCOUNT.<acc>.CONNS`), so a client on each server uses the limit up and a
 * third is refused by either with nats-server's `maximum account active connections
 * exceeded`; nats-server's shutdown event makes tsnats forget its count.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { NatsServer } from "../../src/index.js";
import { routePort, startNode } from "../helpers/cluster.js";
import { startNatsServerConf, type InteropNatsServer } from "../helpers/interop.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, NO_LIMITS, operatorConfig, rawJwtConnect, type Acct, type Op, type UserCreds } from "../auth/jwt/fixtures.js";

const bin = natsServerBinary();
const MAX_ERR = "-ERR 'maximum account active connections exceeded'\r\n";

describe("account connection events between tsnats and nats-server", { skip: bin === null ? "nats-server not installed" : false }, () => {
  let op: Op;
  let lim: Acct;
  let u: UserCreds;
  let admin: UserCreds;
  let ts: NatsServer;
  let ns: InteropNatsServer | null = null;
  let nsPort = 0;
  const raws: RawConn[] = [];
  const ncs: NatsConnection[] = [];

  before(async () => {
    op = await makeOperator();
    lim = await makeAccount(op, "LIM", { limits: { ...NO_LIMITS, conn: 2 } });
    u = await makeUser(lim, "u");
    admin = await makeUser(op.sys, "admin");
    ts = await startNode("mixed", [], { config: operatorConfig(op, [lim]), serverName: "ts" });
    const rp = await freePort();
    const lines = operatorConfig(op, [lim]).split("\n");
    ns = await startNatsServerConf(bin!, "ns", [...lines, `cluster { name: mixed, listen: "127.0.0.1:${rp}", routes: ["nats-route://127.0.0.1:${routePort(ts)}"] }`]);
    nsPort = Number(new URL(ns.clientURL).port);
    await waitFor(() => ts.server.routes!.remotes.size === 1, { timeoutMs: 10_000, what: "route to nats-server" });
    // nats-server listens for the events: its interest has reached us.
    await waitFor(() => ts.server.systemAccount.sublist.hasInterest(`$SYS.SERVER.ACCOUNT.${lim.pub}.CONNS`) && ts.server.systemAccount.sublist.match(`$SYS.SERVER.ACCOUNT.${lim.pub}.CONNS`).psubs.length >= 2, {
      what: "nats-server's interest in the events",
    });
  });
  after(async () => {
    for (const r of raws) r.close();
    await Promise.all(ncs.map((nc) => nc.close().catch(() => undefined)));
    await ns?.stop();
    await ts.close();
  });

  const raw = async (port: number): Promise<RawConn> => {
    const c = await rawJwtConnect(port, u);
    raws.push(c);
    return c;
  };
  const remote = (): number => ts.server.accountConns.remoteClients(ts.server.accounts.get(lim.pub)!);

  test("nats-server's event has the fields tsnats sends; tsnats counts its client", async () => {
    const sys = await connect({ port: ts.port, authenticator: credsAuthenticator(admin.creds), reconnect: false });
    ncs.push(sys);
    const events: Array<Record<string, unknown>> = [];
    const sub = sys.subscribe(`$SYS.ACCOUNT.${lim.pub}.SERVER.CONNS`, { callback: (_e, m) => void events.push(m.json()) });
    await sys.flush();
    const c = await raw(nsPort);
    assert.ok(c.data.includes("PONG"), c.data);
    await waitFor(() => events.some((e) => (e.server as { name?: string }).name === "ns"), { timeoutMs: 10_000, what: "nats-server's event" });
    const theirs = events.find((e) => (e.server as { name?: string }).name === "ns")!;
    const ours = ts.server.accountConns.event(ts.server.accounts.get(lim.pub)!);
    for (const k of Object.keys(theirs)) assert.ok(k in ours, `tsnats's event lacks ${k}`);
    assert.equal(theirs.type, ours.type);
    assert.equal(theirs.conns, 1);
    assert.equal(theirs.total_conns, 1);
    await waitFor(() => remote() === 1, { what: "tsnats counts nats-server's client" });
    sub.unsubscribe();
    c.close();
    await waitFor(() => remote() === 0, { what: "tsnats sees it go" });
  });

  test("a client on each server uses conn 2 up: a third is refused on either, with nats-server's error", async () => {
    const a = await raw(nsPort);
    const b = await raw(ts.port);
    assert.ok(a.data.includes("PONG") && b.data.includes("PONG"));
    await waitFor(() => remote() === 1, { what: "tsnats counts nats-server's client" });
    const onTs = await raw(ts.port);
    await onTs.waitClosed();
    assert.ok(onTs.data.endsWith(MAX_ERR), onTs.data);
    // nats-server learns of tsnats's client from tsnats's event.
    let onNs: RawConn | null = null;
    await waitFor(
      async () => {
        onNs?.close();
        onNs = await raw(nsPort);
        if (!onNs.data.includes("-ERR")) return false;
        await onNs.waitClosed();
        return true;
      },
      { timeoutMs: 10_000, what: "nats-server refuses the third" },
    );
    assert.ok(onNs!.data.endsWith(MAX_ERR), onNs!.data);
    b.close();
    a.close();
    await waitFor(() => remote() === 0, { what: "counts back to 0" });
  });

  test("nats-server's shutdown event makes tsnats forget its clients", async () => {
    const a = await raw(nsPort);
    const b = await raw(nsPort);
    assert.ok(a.data.includes("PONG") && b.data.includes("PONG"));
    await waitFor(() => remote() === 2, { what: "tsnats counts two" });
    await ns!.stop();
    ns = null;
    await waitFor(() => remote() === 0, { what: "tsnats forgets the stopped server" });
    const c = await raw(ts.port);
    assert.ok(c.data.includes("PONG"), c.data);
  });
});
