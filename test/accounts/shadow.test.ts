/**
 * Stream imports on the subscriber's side (accounts/shadow.ts): which exporter subject a
 * subscription's shadow listens on, for the four cases of nats-server
 * addShadowSubscriptions and each kind of mapping; shadows follow subscriptions in and out
 * and are rebuilt by a reload; and the imported stream crosses a route and a leaf node
 * between tsnats servers once per message.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Account } from "../../src/accounts/account.js";
import { SubjectMapping, streamImportMapping } from "../../src/accounts/config.js";
import { StreamImportRef } from "../../src/accounts/shadow.js";
import { startServer, type NatsServer } from "../../src/index.js";
import { applyOptions } from "../../src/server/reload.js";
import { startCluster } from "../helpers/cluster.js";
import { streamAcross } from "../helpers/stream-import.js";
import { waitFor } from "../helpers/wait-for.js";

const exporter = new Account("STR");
const ref = (from: string, opts: { to?: string; prefix?: string }): StreamImportRef =>
  new StreamImportRef(exporter, from, streamImportMapping({ kind: "stream", account: "STR", subject: from, ...opts }));

describe("shadow subjects", () => {
  test("no mapping: equal, narrower, wider and overlapping subscriptions", () => {
    const r = ref("ev.>", {});
    assert.equal(r.to, "ev.>");
    assert.equal(r.shadowSubject("ev.>"), "ev.>");
    assert.equal(r.shadowSubject("ev.a.*"), "ev.a.*");
    assert.equal(r.shadowSubject(">"), "ev.>");
    assert.equal(r.shadowSubject("*.a"), "ev.a");
    assert.equal(r.shadowSubject("other.a"), null);
    assert.equal(r.deliverSubject("ev.a.b"), "ev.a.b");
  });

  test("a prefix maps back by dropping it", () => {
    const r = ref("ev.>", { prefix: "imp" });
    assert.equal(r.to, "imp.ev.>");
    assert.equal(r.shadowSubject("imp.ev.x"), "ev.x");
    assert.equal(r.shadowSubject("imp.>"), "ev.>");
    assert.equal(r.shadowSubject("*.ev.x"), "ev.x");
    assert.equal(r.shadowSubject("ev.x"), null);
    assert.equal(r.deliverSubject("ev.x"), "imp.ev.x");
  });

  test("a literal import maps to its literal subject", () => {
    const r = ref("ev.one", { to: "mine" });
    assert.equal(r.shadowSubject("mine"), "ev.one");
    assert.equal(r.shadowSubject(">"), "ev.one");
    assert.equal(r.shadowSubject("ev.one"), null);
    assert.equal(r.deliverSubject("ev.one"), "mine");
  });

  test("a wildcard mapping is reversed, tokens swapped", () => {
    const r = ref("ev.*.*", { to: "b.$2.$1" });
    assert.ok(r.mapping instanceof SubjectMapping);
    assert.equal(r.to, "b.*.*");
    assert.equal(r.shadowSubject("b.y.x"), "ev.x.y");
    assert.equal(r.shadowSubject("b.y.*"), "ev.*.y");
    assert.equal(r.shadowSubject("b.>"), "ev.*.*");
    assert.equal(r.deliverSubject("ev.x.y"), "b.y.x");
  });
});

describe("shadow subscriptions on an account", () => {
  let s: NatsServer;
  const conns: NatsConnection[] = [];
  const config = (prefix: string) => `accounts {
    STR { users: [ { user: str, password: p } ], exports: [ { stream: "ev.>" } ] }
    CLI { users: [ { user: cli, password: p } ], imports: [ { stream: { account: STR, subject: "ev.>" }, prefix: ${prefix} } ] }
  }`;
  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await s?.close();
  });

  test("a subscription adds its shadow, an unsubscribe removes it, a reload keeps or rebuilds it", async () => {
    s = await startServer({ port: -1, host: "127.0.0.1", config: config("imp") });
    const str = s.server.accounts.get("STR")!;
    const shadows = (): string[] => str.sublist.all().map((x) => x.subject);
    const sub = await connect({ servers: s.clientURL, user: "cli", pass: "p" });
    const pub = await connect({ servers: s.clientURL, user: "str", pass: "p" });
    conns.push(sub, pub);
    const sid = sub.subscribe("imp.ev.a");
    await sub.flush();
    assert.deepEqual(shadows(), ["ev.a"]);
    sid.unsubscribe();
    await sub.flush();
    await waitFor(() => shadows().length === 0, { what: "shadow removed" });
    const got: string[] = [];
    sub.subscribe("*.ev.>", { callback: (_e, m) => void got.push(m.subject) });
    await sub.flush();
    assert.deepEqual(shadows(), ["ev.>"]);
    // The same imports again: the shadow stays (no RS-/RS+ churn across the cluster).
    const before = str.sublist.all()[0];
    assert.equal(applyOptions(s.server, { ...s.server.options }).ok, true);
    assert.equal(str.sublist.all()[0], before);
    const cfg = { ...s.server.options };
    const r = applyOptions(s.server, { ...cfg, accounts: cfg.accounts!.map((a) => (a.name === "CLI" ? { ...a, imports: [{ kind: "stream" as const, account: "STR", subject: "ev.>", prefix: "new" }] } : a)) });
    assert.equal(r.ok, true, r.errors.join("\n"));
    assert.deepEqual(shadows(), ["ev.>"]);
    pub.publish("ev.x");
    await pub.flush();
    await waitFor(() => got.length === 1, { what: "the message under the new prefix" });
    assert.deepEqual(got, ["new.ev.x"]);
  });
});

describe("stream imports across tsnats links", () => {
  const ACCOUNTS = `accounts {
    STR { users: [ { user: str, password: p } ], exports: [ { stream: "ev.>" } ] }
    CLI { users: [ { user: cli, password: p } ], imports: [ { stream: { account: STR, subject: "ev.>" }, prefix: imp } ] }
  }`;
  const closers: Array<() => Promise<void>> = [];
  const conns: NatsConnection[] = [];
  const login = async (url: string, user: string | null): Promise<NatsConnection> => {
    const nc = await connect(user === null ? { servers: url } : { servers: url, user, pass: "p" });
    conns.push(nc);
    return nc;
  };
  after(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await Promise.all(closers.map((c) => c()));
  });

  test("over a route, each way", async () => {
    const cl = await startCluster(2, "si", { config: ACCOUNTS });
    closers.push(() => cl.close());
    const [a, b] = [cl.nodes[0]!, cl.nodes[1]!];
    await streamAcross(await login(a.clientURL, "str"), await login(b.clientURL, "cli"), "imp.");
    await streamAcross(await login(b.clientURL, "str"), await login(a.clientURL, "cli"), "imp.");
  });

  test("over a leaf node bound to the importer, and one bound to the exporter", async () => {
    const hub = await startServer({ port: -1, host: "127.0.0.1", config: ACCOUNTS, leafnodes: { host: "127.0.0.1", port: -1 } });
    closers.push(() => hub.close());
    const port = hub.server.leafs!.listenPort;
    const leafAs = async (user: string): Promise<NatsServer> => {
      const l = await startServer({ port: -1, host: "127.0.0.1", leafnodes: { remotes: [{ urls: [`nats-leaf://${user}:p@127.0.0.1:${port}`] }], reconnectMs: 100 } });
      closers.push(() => l.close());
      return l;
    };
    const cliLeaf = await leafAs("cli");
    const strLeaf = await leafAs("str");
    await waitFor(() => hub.server.leafs!.leafs.size === 2, { timeoutMs: 10_000, what: "two leafs linked" });
    // Subscriber behind the CLI leaf, publisher in the hub's STR.
    await streamAcross(await login(hub.clientURL, "str"), await login(cliLeaf.clientURL, null), "imp.");
    // Publisher behind the STR leaf, subscriber in the hub's CLI.
    await streamAcross(await login(strLeaf.clientURL, null), await login(hub.clientURL, "cli"), "imp.");
  });
});
