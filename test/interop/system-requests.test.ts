/**
 * `$SYS.REQ.*` next to nats-server 2.9 (system_account configured): the same requests on
 * both servers; every field nats-server answers with must be in tsnats's answer (envelope,
 * `server`, `data` and the first list entry), and errors must be the same. USER.INFO is
 * 2.10 (2.9 has no responder), so it is tested in test/server/system-requests.test.ts only.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { natsServerBinary, startNatsServer } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, any>;

const CONF = `
accounts {
  SYS { users: [{user: sys, password: sys}] }
  A { users: [{user: a, password: a, permissions: {publish: {allow: ["foo.>", "$SYS.REQ.>", "_INBOX.>"]}, subscribe: {deny: ["bar"]}}}]
      mappings: { "m.in": "m.out" } }
}
system_account: SYS
`;

/** [user, subject, body] of every request compared. */
const REQUESTS: Array<[string, string, string]> = [
  ["a", "$SYS.REQ.ACCOUNT.PING.CONNZ", ""],
  ["a", "$SYS.REQ.SERVER.PING.CONNZ", ""],
  ["a", "$SYS.REQ.ACCOUNT.PING.STATZ", ""],
  ["sys", "$SYS.REQ.ACCOUNT.A.INFO", ""],
  ["sys", "$SYS.REQ.ACCOUNT.A.CONNZ", '{"subscriptions": true}'],
  ["sys", "$SYS.REQ.ACCOUNT.A.SUBSZ", ""],
  ["sys", "$SYS.REQ.ACCOUNT.A.LEAFZ", ""],
  ["sys", "$SYS.REQ.ACCOUNT.A.JSZ", ""],
  ["sys", "$SYS.REQ.ACCOUNT.A.STATZ", ""],
  ["sys", "$SYS.REQ.ACCOUNT.A.CONNS", ""],
  ["sys", "$SYS.REQ.ACCOUNT.PING.STATZ", '{"accounts": ["A"]}'],
  ["sys", "$SYS.REQ.SERVER.PING.ACCOUNTZ", ""],
  ["sys", "$SYS.REQ.SERVER.PING.JSZ", ""],
  ["sys", "$SYS.REQ.SERVER.PING.HEALTHZ", ""],
  ["sys", "$SYS.REQ.SERVER.PING.STATSZ", ""],
  ["sys", "$SYS.REQ.SERVER.PING.SUBSZ", '{"subscriptions": true, "account": "A"}'],
  ["sys", "$SYS.REQ.SERVER.PING.VARZ", "bad json"],
];

async function run(port: number): Promise<Json[]> {
  const nc: Record<string, NatsConnection> = {};
  for (const u of ["a", "sys"]) nc[u] = await connect({ port, user: u, pass: u, name: `conn-${u}` });
  try {
    nc.a!.subscribe("foo.x");
    await nc.a!.flush();
    const out: Json[] = [];
    for (const [u, subject, body] of REQUESTS) {
      const m = await nc[u]!.request(subject, body, { timeout: 2000 });
      out.push(m.json<Json>());
    }
    return out;
  } finally {
    await Promise.all(Object.values(nc).map((c) => c.close()));
  }
}

const missing = (ours: unknown, theirs: unknown): string[] =>
  theirs !== null && typeof theirs === "object" ? Object.keys(theirs).filter((k) => ours === null || typeof ours !== "object" || !(k in ours)) : [];

/** The first entry of a data list, to compare row fields too. */
function firstRow(d: Json | null | undefined): Json | undefined {
  if (d == null) return undefined;
  for (const k of ["connections", "subscriptions_list", "account_statz", "imports"]) {
    const l = d[k] as Json[] | undefined;
    if (Array.isArray(l) && l.length > 0 && typeof l[0] === "object") return l[0];
  }
  return undefined;
}

test("$SYS.REQ answers carry every field nats-server 2.9 answers with", async (t) => {
  const bin = natsServerBinary();
  if (!bin) {
    t.skip("nats-server not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tsnats-sysreq-"));
  const conf = join(dir, "sys.conf");
  writeFileSync(conf, CONF);
  let theirs: Json[];
  const ref = await startNatsServer(bin, ["-c", conf]);
  try {
    theirs = await run(ref.port);
  } finally {
    await ref.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const s = await startServer({
    port: -1,
    host: "127.0.0.1",
    systemAccount: "SYS",
    accounts: [
      { name: "SYS", users: [{ user: "sys", password: "sys", account: "SYS" }] },
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
    ],
  });
  let ours: Json[];
  try {
    ours = await run(s.port);
  } finally {
    await s.close();
  }
  for (let i = 0; i < REQUESTS.length; i++) {
    const what = REQUESTS[i]![1];
    const [o, g] = [ours[i]!, theirs[i]!];
    assert.deepEqual(missing(o, g), [], `${what}: envelope`);
    if (g.server !== undefined) assert.deepEqual(missing(o.server, g.server), [], `${what}: server`);
    assert.deepEqual(missing(o.data, g.data), [], `${what}: data`);
    assert.deepEqual(missing(o.statsz, g.statsz).filter((k) => k !== "active_servers"), [], `${what}: statsz`);
    assert.deepEqual(missing(firstRow(o.data), firstRow(g.data)), [], `${what}: first row`);
    assert.deepEqual(o.error, g.error, `${what}: error`);
    if (g.type !== undefined) assert.equal(o.type, g.type, `${what}: event type`);
  }
});

/** Subscribes to the server's CLIENT.AUTH.ERR as `sys`, makes one login fail, returns the event. */
async function authErrorEvent(port: number): Promise<Json> {
  const sys = await connect({ port, user: "sys", pass: "sys" });
  try {
    const sub = sys.subscribe("$SYS.SERVER.*.CLIENT.AUTH.ERR", { max: 1, timeout: 5000 });
    await sys.flush();
    await assert.rejects(connect({ port, user: "a", pass: "wrong", name: "refused", reconnect: false }), /Authorization Violation/);
    for await (const m of sub) return m.json<Json>();
    throw new Error("no CLIENT.AUTH.ERR event");
  } finally {
    await sys.close();
  }
}

test("$SYS.SERVER.<id>.CLIENT.AUTH.ERR carries every field nats-server 2.9 sends", async (t) => {
  const bin = natsServerBinary();
  if (!bin) {
    t.skip("nats-server not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tsnats-autherr-"));
  const conf = join(dir, "sys.conf");
  writeFileSync(conf, CONF);
  let theirs: Json;
  const ref = await startNatsServer(bin, ["-c", conf]);
  try {
    theirs = await authErrorEvent(ref.port);
  } finally {
    await ref.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const s = await startServer({ port: -1, host: "127.0.0.1", config: CONF });
  let ours: Json;
  try {
    ours = await authErrorEvent(s.port);
  } finally {
    await s.close();
  }
  assert.deepEqual(missing(ours, theirs), []);
  assert.deepEqual(missing(ours.client, theirs.client), []);
  assert.deepEqual(missing(ours.server, theirs.server), []);
  for (const k of ["type", "reason", "sent", "received"]) assert.deepEqual(ours[k], theirs[k], k);
  for (const k of ["acc", "user", "name", "kind", "client_type", "host"]) assert.deepEqual(ours.client[k], theirs.client[k], `client.${k}`);
  assert.equal(typeof ours.client.rtt, typeof theirs.client.rtt);
});

/** As `sys`, watches account A's CONNECT and DISCONNECT events around one client of A. */
async function clientEvents(port: number): Promise<Json[]> {
  const sys = await connect({ port, user: "sys", pass: "sys" });
  try {
    const events: Json[] = [];
    sys.subscribe("$SYS.ACCOUNT.A.*", { callback: (_e, m) => void events.push(m.json<Json>()) });
    await sys.flush();
    const a = await connect({ port, user: "a", pass: "a", name: "ev" });
    a.subscribe("foo.x", { callback: () => undefined });
    for (let i = 0; i < 3; i++) a.publish("foo.x", "12345");
    await a.flush();
    await a.close();
    await waitFor(() => events.length === 2);
    return events;
  } finally {
    await sys.close();
  }
}

test("client CONNECT and DISCONNECT events carry nats-server 2.9's fields, rtt in nanoseconds", async (t) => {
  const bin = natsServerBinary();
  if (!bin) {
    t.skip("nats-server not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tsnats-clientev-"));
  const conf = join(dir, "sys.conf");
  writeFileSync(conf, CONF);
  let theirs: Json[];
  const ref = await startNatsServer(bin, ["-c", conf]);
  try {
    theirs = await clientEvents(ref.port);
  } finally {
    await ref.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const s = await startServer({ port: -1, host: "127.0.0.1", config: CONF });
  let ours: Json[];
  try {
    ours = await clientEvents(s.port);
  } finally {
    await s.close();
  }
  for (let i = 0; i < 2; i++) {
    const [o, g] = [ours[i]!, theirs[i]!];
    assert.equal(o.type, g.type);
    assert.deepEqual(missing(o, g), [], `${g.type}: envelope`);
    assert.deepEqual(missing(o.client, g.client).filter((k) => k !== "rtt"), [], `${g.type}: client`);
    if (g.client.rtt !== undefined) assert.equal(typeof o.client.rtt, "number", `${g.type}: rtt`);
    for (const k of ["sent", "received", "reason"]) assert.deepEqual(o[k], g[k], `${g.type}: ${k}`);
  }
});
