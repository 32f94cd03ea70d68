/**
 * The same topology under nats-server and under tsnats, from the same config text: A
 * and B form cluster `c1`, leaf node L hangs off A. A client on B subscribes to `foo.bar`
 * and queue group `g` on `q.>`, one on L to `leaf.x`. Then /routez (subs=1, subs=detail),
 * /leafz (subs=1) and the /varz `cluster` and `leaf` sections of A and L must carry the
 * same field names as nats-server's, and the same values wherever they do not depend on
 * ports, IDs or time. tsnats's cluster blocks add `pool_size: -1`, to keep one route per
 * peer as 2.9 does (2.9 refuses the key). Skips when nats-server is not installed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { freePort, natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

type Json = Record<string, unknown>;
const bin = natsServerBinary();

interface Ports {
  client: number;
  http: number;
  cluster: number;
  leaf: number;
}

async function ports(): Promise<Ports> {
  return { client: await freePort(), http: await freePort(), cluster: await freePort(), leaf: await freePort() };
}

/** The three config texts, nats-server's format, both servers read them (`extra` goes in cluster blocks). */
function configs(a: Ports, b: Ports, l: Ports, extra = ""): { a: string; b: string; l: string } {
  const route = (p: Ports): string => `nats-route://127.0.0.1:${p.cluster}`;
  return {
    a: `server_name: A\nport: ${a.client}\nhttp: ${a.http}
cluster { name: c1, listen: "127.0.0.1:${a.cluster}", routes: ["${route(b)}"]${extra} }
leafnodes { listen: "127.0.0.1:${a.leaf}" }\n`,
    b: `server_name: B\nport: ${b.client}\nhttp: ${b.http}
cluster { name: c1, listen: "127.0.0.1:${b.cluster}", routes: ["${route(a)}"]${extra} }\n`,
    l: `server_name: L\nport: ${l.client}\nhttp: ${l.http}
leafnodes { remotes: [ { url: "nats-leaf://127.0.0.1:${a.leaf}" } ] }\n`,
  };
}

interface Topology {
  a: Ports;
  b: Ports;
  l: Ports;
  stop(): Promise<void>;
}

async function natsServerTopology(): Promise<Topology> {
  const [a, b, l] = [await ports(), await ports(), await ports()];
  const dir = mkdtempSync(join(tmpdir(), "tsnats-clmon-"));
  const c = configs(a, b, l);
  const procs: RunningNatsServer[] = [];
  for (const [name, text, p] of [["a", c.a, a], ["b", c.b, b], ["l", c.l, l]] as const) {
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, text);
    // startNatsServer picks the client port; the config's is replaced by -p.
    const ns = await startNatsServer(bin!, ["-c", file]);
    p.client = ns.port;
    procs.push(ns);
  }
  return {
    a,
    b,
    l,
    stop: async () => {
      await Promise.all(procs.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function tsnatsTopology(): Promise<Topology> {
  const [a, b, l] = [await ports(), await ports(), await ports()];
  const c = configs(a, b, l, ", pool_size: -1");
  const servers: NatsServer[] = [];
  for (const [text, p] of [[c.a, a], [c.b, b], [c.l, l]] as const) {
    const s = await startServer({ config: text, host: "127.0.0.1" });
    p.client = s.port;
    servers.push(s);
  }
  return { a, b, l, stop: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}

const get = async (p: Ports, path: string): Promise<Json> => (await (await fetch(`http://127.0.0.1:${p.http}${path}`)).json()) as Json;

interface Seen {
  routez: Json;
  routezList: Json;
  routezDetail: Json;
  leafz: Json;
  leafLeafz: Json;
  varz: Json;
  leafVarz: Json;
}

/** Subscribes on B and L, waits until A sees both through its links (and RTTs are measured), reads the documents. */
async function scenario(t: Topology): Promise<Seen> {
  const conns: NatsConnection[] = [];
  try {
    const onB = await connect({ servers: `127.0.0.1:${t.b.client}` });
    const onL = await connect({ servers: `127.0.0.1:${t.l.client}` });
    conns.push(onB, onL);
    onB.subscribe("foo.bar");
    onB.subscribe("q.>", { queue: "g" });
    onL.subscribe("leaf.x");
    await Promise.all(conns.map((c) => c.flush()));
    const route = async (): Promise<Json | undefined> => ((await get(t.a, "/routez?subs=1")).routes as Json[])[0];
    const leaf = async (p: Ports): Promise<Json | undefined> => ((await get(p, "/leafz?subs=1")).leafs as Json[])[0];
    await waitFor(
      async () => {
        const r = await route();
        const la = await leaf(t.a);
        const ll = await leaf(t.l);
        const has = (j: Json | undefined, s: string): boolean => ((j?.subscriptions_list as string[] | undefined) ?? []).includes(s);
        return has(r, "q.>") && has(r, "foo.bar") && has(la, "leaf.x") && has(ll, "foo.bar") && [r, la, ll].every((j) => j?.rtt !== undefined);
      },
      { timeoutMs: 20_000, what: "interest and RTTs on every link" },
    );
    return {
      routez: await get(t.a, "/routez"),
      routezList: await get(t.a, "/routez?subs=1"),
      routezDetail: await get(t.a, "/routez?subs=detail"),
      leafz: await get(t.a, "/leafz?subs=1"),
      leafLeafz: await get(t.l, "/leafz?subs=1"),
      varz: await get(t.a, "/varz"),
      leafVarz: await get(t.l, "/varz"),
    };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}

const keys = (j: unknown): string[] => Object.keys(j as Json).sort();
const first = (j: Json, list: string): Json => (j[list] as Json[])[0]!;
/** A Go time.Duration string as nats-server prints an RTT. */
const GO_DURATION = /^(\d+(\.\d+)?(ns|µs|ms|s))$/;

describe("cluster monitoring next to nats-server", { skip: bin === null ? "nats-server not installed" : false }, () => {
  let theirs: Seen;
  let ours: Seen;
  let ourTopology: Topology;
  before(async () => {
    const ref = await natsServerTopology();
    try {
      theirs = await scenario(ref);
    } finally {
      await ref.stop();
    }
    ourTopology = await tsnatsTopology();
    ours = await scenario(ourTopology);
  });
  after(() => ourTopology?.stop());

  test("/routez: same document and route fields, subs=1 and subs=detail", () => {
    for (const doc of ["routez", "routezList", "routezDetail"] as const) {
      assert.deepEqual(keys(ours[doc]), keys(theirs[doc]), doc);
      assert.deepEqual(keys(first(ours[doc], "routes")), keys(first(theirs[doc], "routes")), `${doc} route`);
    }
    const [o, g] = [first(ours.routezDetail, "routes"), first(theirs.routezDetail, "routes")];
    for (const f of ["ip", "pending_size"]) assert.deepEqual(o[f], g[f], f);
    // Which side's dial won depends on timing, on either server.
    for (const f of ["did_solicit", "is_configured"]) assert.equal(typeof o[f], typeof g[f], f);
    assert.equal(ours.routez.num_routes, 1);
    assert.match(String(o.rtt), GO_DURATION);
    // The application subscriptions look alike (the $SYS ones differ: tsnats serves fewer).
    const app = (r: Json): Json[] =>
      (r.subscriptions_list_detail as Json[]).filter((d) => !String(d.subject).startsWith("$SYS")).map((d) => ({ ...d, cid: 0 }));
    const byOrder = (a: Json, b: Json): number => String(a.subject).localeCompare(String(b.subject));
    assert.deepEqual(app(o).sort(byOrder), app(g).sort(byOrder));
    assert.equal(app(o).length, 2);
    assert.ok((o.subscriptions_list_detail as Json[]).every((d) => d.cid === o.rid));
    const names = (r: Json): string[] => (r.subscriptions_list as string[]).filter((s) => !s.startsWith("$SYS")).sort();
    assert.deepEqual(names(first(ours.routezList, "routes")), names(first(theirs.routezList, "routes")));
  });

  test("/leafz on the hub and on the leaf: same fields, the leaf's interest and its $LDS subject", () => {
    for (const doc of ["leafz", "leafLeafz"] as const) {
      assert.deepEqual(keys(ours[doc]), keys(theirs[doc]), doc);
      assert.deepEqual(keys(first(ours[doc], "leafs")), keys(first(theirs[doc], "leafs")), `${doc} leaf`);
      assert.equal(ours[doc].leafnodes, 1);
      const o = first(ours[doc], "leafs");
      assert.equal(o.account, first(theirs[doc], "leafs").account);
      assert.match(String(o.rtt), GO_DURATION);
    }
    const onHub = first(ours.leafz, "leafs").subscriptions_list as string[];
    assert.ok(onHub.includes("leaf.x") && onHub.some((s) => s.startsWith("$LDS.")), onHub.join(" "));
    assert.equal(first(ours.leafLeafz, "leafs").port, ourTopology.a.leaf);
  });

  test("/varz cluster and leaf sections, and the link counts", () => {
    for (const f of ["cluster", "leaf"]) assert.deepEqual(keys(ours.varz[f]), keys(theirs.varz[f]), f);
    const portless = (v: unknown, ...drop: string[]): Json => {
      const c: Json = { ...(v as Json) };
      for (const d of drop) delete c[d];
      return c;
    };
    assert.deepEqual(portless(ours.varz.cluster, "cluster_port", "urls"), portless(theirs.varz.cluster, "cluster_port", "urls"));
    assert.deepEqual((ours.varz.cluster as Json).urls, [`127.0.0.1:${ourTopology.b.cluster}`]);
    assert.deepEqual(portless(ours.varz.leaf, "port"), portless(theirs.varz.leaf, "port"));
    for (const f of ["routes", "remotes", "leafnodes"]) assert.equal(ours.varz[f], theirs.varz[f], f);
    // A leaf-only server takes its server name as cluster name, as nats-server does.
    assert.deepEqual(ours.leafVarz.cluster, theirs.leafVarz.cluster);
    assert.deepEqual(ours.leafVarz.cluster, { name: "L" });
    assert.deepEqual(keys(ours.leafVarz.leaf), keys(theirs.leafVarz.leaf));
    assert.deepEqual((ours.leafVarz.leaf as Json).remotes, [{ local_account: "$G", urls: [`127.0.0.1:${ourTopology.a.leaf}`] }]);
  });
});
