/**
 * `$SYS.REQ.*` requests (nats-server events.go): USER.INFO from any account, the account
 * requests a system-account client makes, the system imports other accounts get
 * (ACCOUNT.PING.CONNZ / SERVER.PING.CONNZ / ACCOUNT.PING.STATZ), request options as JSON,
 * server filters, and errors; then across a two-node route cluster.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";
import { startCluster, waitInterest, type TestCluster } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

/** Accounts A (restricted user), B and SYS, as the interop test configures nats-server. */
export const ACCOUNTS_OPTIONS: StartServerOptions = {
  systemAccount: "SYS",
  accounts: [
    {
      name: "A",
      users: [
        {
          user: "a",
          password: "a",
          account: "A",
          permissions: { publish: { allow: ["foo.>", "$SYS.REQ.>", "_INBOX.>"] }, subscribe: { deny: ["bar"] } },
        },
      ],
      mappings: [{ source: "m.in", destinations: [{ subject: "m.out", weight: 100 }] }],
    },
    { name: "B", users: [{ user: "b", password: "b", account: "B" }] },
    { name: "SYS", users: [{ user: "sys", password: "sys", account: "SYS" }] },
  ],
};

/** Every reply to `subject` within `ms` (the servers of a cluster each answer). */
async function gather(nc: NatsConnection, subject: string, body = "", ms = 500): Promise<Json[]> {
  const out: Json[] = [];
  const it = await nc.requestMany(subject, body, { maxWait: ms });
  for await (const m of it) out.push(m.json<Json>());
  return out;
}

describe("$SYS.REQ on one server", () => {
  let s: NatsServer;
  const conns: NatsConnection[] = [];
  const as = async (user: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: s.clientURL, user, pass: user, name: `conn-${user}` });
    conns.push(nc);
    return nc;
  };
  before(async () => {
    s = await startServer({ port: -1, host: "127.0.0.1", ...ACCOUNTS_OPTIONS });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await s.close();
  });

  test("USER.INFO answers any client with its user, account and permissions", async () => {
    const a = await as("a");
    const r = (await a.request("$SYS.REQ.USER.INFO", "", { timeout: 2000 })).json<Json>();
    assert.equal(r.server.id, s.server.id);
    assert.deepEqual(r.data, {
      user: "a",
      account: "A",
      permissions: { publish: { allow: ["foo.>", "$SYS.REQ.>", "_INBOX.>"] }, subscribe: { deny: ["bar"] } },
    });
    const sys = await as("sys");
    const r2 = (await sys.request("$SYS.REQ.USER.INFO", "", { timeout: 2000 })).json<Json>();
    assert.deepEqual(r2.data, { user: "sys", account: "SYS" });
  });

  test("a client of A sees only A through the system imports", async () => {
    const a = await as("a");
    const b = await as("b");
    b.subscribe("x");
    await b.flush();
    for (const subj of ["$SYS.REQ.ACCOUNT.PING.CONNZ", "$SYS.REQ.SERVER.PING.CONNZ"]) {
      const r = (await a.request(subj, "", { timeout: 2000 })).json<Json>();
      assert.deepEqual([...new Set(r.data.connections.map((c: Json) => c.name))], ["conn-a"], subj);
    }
    const st = (await a.request("$SYS.REQ.ACCOUNT.PING.STATZ", "", { timeout: 2000 })).json<Json>();
    assert.deepEqual(
      st.data.account_statz.map((x: Json) => x.acc),
      ["A"],
    );
    assert.ok(st.data.account_statz[0].conns >= 1);
    // Everything else stays in the system account.
    await assert.rejects(a.request("$SYS.REQ.SERVER.PING.VARZ", "", { timeout: 500 }));
    await assert.rejects(a.request("$SYS.REQ.ACCOUNT.B.CONNZ", "", { timeout: 500 }));
  });

  test("account requests from the system account", async () => {
    const a = await as("a");
    a.subscribe("foo.one");
    await a.flush();
    const sys = await as("sys");
    const req = async (subj: string, body = ""): Promise<Json> => (await sys.request(subj, body, { timeout: 2000 })).json<Json>();
    const info = await req("$SYS.REQ.ACCOUNT.A.INFO");
    assert.equal(info.data.account_name, "A");
    assert.ok(info.data.client_connections >= 1);
    assert.deepEqual(info.data.mappings, { "m.in": [{ subject: "m.out", weight: 100 }] });
    assert.ok(info.data.imports.some((i: Json) => i.subject === "$SYS.REQ.ACCOUNT.PING.CONNZ" && i.to === "$SYS.REQ.ACCOUNT.A.CONNZ"));
    const subsz = await req("$SYS.REQ.ACCOUNT.A.SUBSZ");
    assert.ok(subsz.data.subscriptions_list.some((x: Json) => x.subject === "foo.one" && x.account === "A"));
    const connz = await req("$SYS.REQ.ACCOUNT.A.CONNZ", JSON.stringify({ subscriptions: true }));
    assert.ok(connz.data.connections.some((x: Json) => x.subscriptions_list?.includes("foo.one")));
    assert.ok(connz.data.connections.every((x: Json) => x.name === "conn-a"));
    const statz = await req("$SYS.REQ.ACCOUNT.A.STATZ");
    assert.equal(statz.data.account_statz[0].acc, "A");
    const leafz = await req("$SYS.REQ.ACCOUNT.A.LEAFZ");
    assert.equal(leafz.data.leafnodes, 0);
    const jsz = await req("$SYS.REQ.ACCOUNT.A.JSZ");
    assert.deepEqual(jsz.error, { code: 500, description: "jetstream not enabled" });
    assert.equal(jsz.data, null);
    const missing = await req("$SYS.REQ.ACCOUNT.NOPE.INFO");
    assert.deepEqual(missing.error, { code: 500, description: "Account NOPE does not exist" });
    // STATZ of an account without connections ($G here): no answer unless include_unused.
    await assert.rejects(sys.request("$SYS.REQ.ACCOUNT.$G.STATZ", "", { timeout: 300 }));
    const unused = await req("$SYS.REQ.ACCOUNT.$G.STATZ", JSON.stringify({ include_unused: true }));
    assert.equal(unused.data.account_statz[0].acc, "$G");
    const ping = await req("$SYS.REQ.ACCOUNT.PING.STATZ", JSON.stringify({ accounts: ["A"] }));
    assert.deepEqual(
      ping.data.account_statz.map((x: Json) => x.acc),
      ["A"],
    );
  });

  test("server requests take the endpoint's options as JSON, and the server filters", async () => {
    const sys = await as("sys");
    const req = async (subj: string, body = ""): Promise<Json> => (await sys.request(subj, body, { timeout: 2000 })).json<Json>();
    const connz = await req(`$SYS.REQ.SERVER.${s.server.id}.CONNZ`, JSON.stringify({ acc: "SYS", limit: 1 }));
    assert.equal(connz.data.limit, 1);
    assert.ok(connz.data.connections.every((c: Json) => c.name === "conn-sys"));
    const accountz = await req("$SYS.REQ.SERVER.PING.ACCOUNTZ");
    assert.deepEqual(accountz.data.accounts, ["$G", "A", "B", "SYS"]);
    assert.equal(accountz.data.system_account, "SYS");
    const jsz = await req("$SYS.REQ.SERVER.PING.JSZ");
    assert.equal(jsz.data.disabled, true);
    assert.equal((await req("$SYS.REQ.SERVER.PING.IDZ")).data.server_id, s.server.id);
    const bad = await req("$SYS.REQ.SERVER.PING.VARZ", "bad json");
    assert.deepEqual(bad.error, { code: 400, description: "invalid character 'b' looking for beginning of value" });
    assert.equal("data" in bad, false);
    const typed = await req("$SYS.REQ.SERVER.PING.CONNZ", JSON.stringify({ limit: "x" }));
    assert.equal(typed.error.code, 400);
    const sort = await req("$SYS.REQ.SERVER.PING.CONNZ", JSON.stringify({ sort: "nope" }));
    assert.deepEqual(sort.error, { code: 500, description: "invalid sorting option: nope" });
    // Filtered out: no answer at all.
    await assert.rejects(sys.request("$SYS.REQ.SERVER.PING.VARZ", JSON.stringify({ server_name: "not-this-one" }), { timeout: 300 }));
    const named = await req("$SYS.REQ.SERVER.PING.HEALTHZ", JSON.stringify({ server_name: s.server.name, exact_match: true }));
    assert.deepEqual(named.data, { status: "ok" });
    const statsz = await req("$SYS.REQ.SERVER.PING.STATSZ");
    assert.ok(statsz.statsz.connections >= 1);
  });

  test("CONNS answers with an account_connections event", async () => {
    await as("a");
    const sys = await as("sys");
    const r = (await sys.request("$SYS.REQ.ACCOUNT.A.CONNS", "", { timeout: 2000 })).json<Json>();
    assert.equal(r.type, "io.nats.server.advisory.v1.account_connections");
    assert.equal(r.acc, "A");
    assert.ok(r.conns >= 1);
  });

  test("/accountz?acc= shares the account detail", async () => {
    const m = await startServer({ port: -1, host: "127.0.0.1", httpPort: -1, ...ACCOUNTS_OPTIONS });
    try {
      const doc = (await (await fetch(`http://127.0.0.1:${m.httpPort}/accountz?acc=A`)).json()) as Json;
      assert.equal(doc.account_detail.account_name, "A");
      assert.ok(doc.account_detail.imports.length >= 3);
    } finally {
      await m.close();
    }
  });
});

describe("$SYS.REQ across a route cluster", () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster(2, "sysreq", ACCOUNTS_OPTIONS);
  });
  after(async () => {
    await c.close();
  });

  test("ACCOUNT.PING.CONNZ from A gets A's connections from every server", async () => {
    const [n1, n2] = c.nodes as [NatsServer, NatsServer];
    const a1 = await connect({ servers: n1.clientURL, user: "a", pass: "a", name: "a-on-1" });
    const a2 = await connect({ servers: n2.clientURL, user: "a", pass: "a", name: "a-on-2" });
    try {
      await waitInterest(c.nodes, `$SYS.REQ.ACCOUNT.A.CONNZ`, "SYS");
      await waitFor(async () => (await gather(a1, "$SYS.REQ.ACCOUNT.PING.CONNZ")).length === 2, { what: "two answers" });
      const docs = await gather(a1, "$SYS.REQ.ACCOUNT.PING.CONNZ");
      const names = docs.flatMap((d) => d.data.connections.map((x: Json) => x.name)).sort();
      assert.deepEqual(names, ["a-on-1", "a-on-2"]);
      assert.deepEqual(new Set(docs.map((d) => d.server.id)), new Set([n1.server.id, n2.server.id]));
      // USER.INFO is answered by the client's own server only.
      const infos = await gather(a2, "$SYS.REQ.USER.INFO");
      assert.deepEqual(
        infos.map((d) => d.server.id),
        [n2.server.id],
      );
    } finally {
      await a1.close();
      await a2.close();
    }
  });
});
