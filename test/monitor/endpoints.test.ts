import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { waitFor } from "../helpers/wait-for.js";
import { startMonitored, type MonitoredServer } from "../micro/harness.js";

type Conn = Record<string, unknown>;

async function withServer(fn: (s: MonitoredServer) => Promise<void>, opts = {}): Promise<void> {
  const s = await startMonitored(opts);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

describe("/varz", () => {
  test("counts exactly the messages and bytes that happened", async () => {
    await withServer(async (s) => {
      const before = await s.get("/varz");
      assert.equal(before.in_msgs, 0);
      assert.equal(before.connections, 0);
      const nc = await connect({ servers: s.clientURL, name: "varz-test" });
      let received = 0;
      nc.subscribe("counted", {
        callback: () => {
          received++;
        },
      });
      const N = 25;
      for (let i = 0; i < N; i++) nc.publish("counted", "12345");
      await nc.flush();
      await waitFor(() => received === N);
      const v = await s.get("/varz");
      assert.equal(v.in_msgs, N);
      assert.equal(v.out_msgs, N);
      assert.equal(v.in_bytes, N * 5);
      assert.equal(v.out_bytes, N * 5);
      assert.equal(v.connections, 1);
      assert.equal(v.total_connections, 1);
      // The server's own $SYS request handlers count too, as in nats-server.
      assert.equal(v.subscriptions, 1 + s.server.systemAccount.sublist.count());
      assert.equal(v.slow_consumers, 0);
      assert.equal(v.server_id, s.server.id);
      assert.equal(v.port, s.port);
      assert.equal(v.http_port, s.httpPort);
      assert.equal(v.max_payload, 1024 * 1024);
      assert.equal(v.ping_interval, 120_000_000_000, "ping_interval is nanoseconds, as Go marshals Duration");
      assert.equal(v.auth_timeout, 2, "auth_timeout is seconds");
      assert.match(String(v.uptime), /^\d+s$/);
      assert.ok(Number(v.mem) > 0);
      assert.ok(Number(v.cores) > 0);
      assert.deepEqual((v.http_req_stats as Record<string, number>)["/varz"], 2);
      await nc.close();
      await waitFor(async () => (await s.get("/varz")).connections === 0);
    });
  });
});

describe("/connz", () => {
  test("open connections with subscriptions, auth info and paging", async () => {
    await withServer(async (s) => {
      const a = await connect({ servers: s.clientURL, name: "alpha" });
      const b = await connect({ servers: s.clientURL, name: "beta" });
      a.subscribe("orders.*", { queue: "workers" });
      a.subscribe("audit");
      await a.flush();
      for (let i = 0; i < 3; i++) b.publish("orders.new", "x");
      await b.flush();
      await waitFor(async () => ((await s.get("/connz")).connections as Conn[]).find((c) => c.name === "alpha")?.out_msgs === 3);

      const all = await s.get("/connz?subs=1&auth=1");
      assert.equal(all.num_connections, 2);
      assert.equal(all.total, 2);
      assert.equal(all.limit, 1024);
      const conns = all.connections as Conn[];
      const alpha = conns.find((c) => c.name === "alpha")!;
      assert.equal(alpha.kind, "Client");
      assert.equal(alpha.type, "nats");
      assert.equal(alpha.lang, "nats.js");
      assert.equal(alpha.subscriptions, 2);
      assert.deepEqual([...(alpha.subscriptions_list as string[])].sort(), ["audit", "orders.*"]);
      assert.equal(alpha.account, "$G");
      const beta = conns.find((c) => c.name === "beta")!;
      assert.equal(beta.in_msgs, 3);
      assert.equal(beta.in_bytes, 3);

      const detail = await s.get("/connz?subs=detail");
      const d = ((detail.connections as Conn[]).find((c) => c.name === "alpha")!.subscriptions_list_detail as Conn[]).find((x) => x.subject === "orders.*")!;
      assert.equal(d.qgroup, "workers");
      assert.equal(d.msgs, 3);

      const byIn = (await s.get("/connz?sort=msgs_from")).connections as Conn[];
      assert.equal(byIn[0]!.name, "beta");
      const page = await s.get("/connz?sort=cid&limit=1&offset=1");
      assert.equal(page.num_connections, 1);
      assert.equal(page.total, 2);
      assert.equal((page.connections as Conn[])[0]!.cid, Math.max(...conns.map((c) => Number(c.cid))));
      const one = await s.get(`/connz?cid=${String(alpha.cid)}`);
      assert.equal((one.connections as Conn[]).length, 1);
      assert.equal((one.connections as Conn[])[0]!.name, "alpha");
      await a.close();
      await b.close();
    });
  });

  test("a closed client shows in state=closed with reason \"Client Closed\"", async () => {
    await withServer(async (s) => {
      const nc = await connect({ servers: s.clientURL, name: "leaver" });
      nc.subscribe("bye");
      nc.publish("bye", "x");
      await nc.flush();
      await nc.close();
      const closed = await waitFor(async (): Promise<Conn | null> => {
        const c = (await s.get("/connz?state=closed&subs=1")).connections as Conn[];
        return c.find((x) => x.name === "leaver") ?? null;
      });
      assert.ok(closed);
      assert.equal(closed.reason, "Client Closed");
      assert.ok(typeof closed.stop === "string");
      assert.deepEqual(closed.subscriptions_list, ["bye"]);
      assert.equal(closed.in_msgs, 1);
      const open = (await s.get("/connz")).connections as Conn[];
      assert.equal(open.length, 0);
      const any = await s.get("/connz?state=all");
      assert.equal(any.total, 1);
      const byReason = await s.getText("/connz?state=closed&sort=reason");
      assert.equal(byReason.status, 200);
    });
  });

  test("bad queries are 400 with nats-server's text", async () => {
    await withServer(async (s) => {
      const cases: Array<[string, string]> = [
        ["/connz?sort=bogus", "invalid sorting option: bogus"],
        ["/connz?sort=stop", "sort by stop only valid on closed connections"],
        ["/connz?state=bogus", "Error decoding state for bogus"],
        ["/connz?limit=abc", `Error decoding int for 'limit': strconv.Atoi: parsing "abc": invalid syntax`],
        ["/subsz?test=foo.*", "invalid test subject, must be valid publish subject: foo.*"],
        ["/accountz?acc=nope", "Account nope does not exist"],
      ];
      for (const [path, text] of cases) {
        const r = await s.getText(path);
        assert.equal(r.status, 400, path);
        assert.equal(r.body, text, path);
      }
      assert.equal((await s.getText("/nope")).status, 404);
    });
  });
});

describe("/subsz, /accountz, /routez, /healthz, /jsz", () => {
  test("subscription counts and test=subject", async () => {
    await withServer(async (s) => {
      const nc = await connect({ servers: s.clientURL });
      nc.subscribe("foo.*");
      nc.subscribe("foo.bar", { queue: "q" });
      nc.subscribe("baz");
      await nc.flush();
      const st = await s.get("/subsz");
      const system = s.server.systemAccount.sublist.count();
      assert.equal(st.num_subscriptions, 3 + system);
      assert.equal(st.num_inserts, 3 + system);
      assert.equal(st.subscriptions_list, undefined);
      const matched = await s.get("/subsz?subs=1&test=foo.bar");
      assert.equal(matched.total, 2);
      const subjects = (matched.subscriptions_list as Conn[]).map((x) => x.subject).sort();
      assert.deepEqual(subjects, ["foo.*", "foo.bar"]);
      assert.equal((matched.subscriptions_list as Conn[]).find((x) => x.subject === "foo.bar")!.qgroup, "q");
      const acc = await s.get("/accountz");
      assert.ok((acc.accounts as string[]).includes("$G"));
      const detail = (await s.get("/accountz?acc=$G")).account_detail as Conn;
      assert.equal(detail.client_connections, 1);
      assert.equal(detail.subscriptions, 3);
      await nc.close();
    });
  });

  test("routez, gatewayz, leafz, jsz and healthz answer nats-server's shapes", async () => {
    await withServer(async (s) => {
      assert.deepEqual((await s.get("/routez")).routes, []);
      assert.equal((await s.get("/routez")).num_routes, 0);
      assert.equal((await s.get("/leafz")).leafnodes, 0);
      assert.deepEqual((await s.get("/gatewayz")).outbound_gateways, {});
      assert.equal((await s.get("/jsz")).disabled, true);
      const h = await s.getText("/healthz");
      assert.equal(h.status, 200);
      assert.deepEqual(JSON.parse(h.body), { status: "ok" });
      assert.match(h.type, /application\/json/);
    });
  });
});

describe("/metrics", () => {
  test("Prometheus text with the exporter's names and live values", async () => {
    await withServer(async (s) => {
      const nc = await connect({ servers: s.clientURL });
      for (let i = 0; i < 7; i++) nc.publish("m", "ab");
      await nc.flush();
      await waitFor(() => s.server.inMsgs === 7);
      const r = await s.getText("/metrics");
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      const sid = `server_id="${s.server.id}"`;
      assert.ok(r.body.includes(`gnatsd_varz_in_msgs{${sid}} 7\n`), r.body);
      assert.ok(r.body.includes(`gnatsd_varz_in_bytes{${sid}} 14\n`));
      assert.ok(r.body.includes(`gnatsd_varz_connections{${sid}} 1\n`));
      assert.ok(r.body.includes("# TYPE gnatsd_varz_in_msgs counter\n"));
      // Every sample line is `name{labels} number`.
      for (const line of r.body.trim().split("\n")) {
        if (!line.startsWith("#")) assert.match(line, /^[a-z_]+\{[^}]*\} -?[\d.e+-]+$/, line);
      }
      await nc.close();
    });
  });
});

describe("http_base_path", () => {
  test("every endpoint moves under the base path", async () => {
    await withServer(
      async (s) => {
        assert.ok(s.monitorURL.endsWith("/nats"));
        assert.equal((await s.get("/varz")).http_base_path, "/nats");
        const outside = await fetch(`http://127.0.0.1:${s.httpPort}/varz`);
        assert.equal(outside.status, 404);
        const page = await s.getText("/");
        assert.equal(page.status, 200);
        assert.match(page.body, /<title>tsnats dashboard<\/title>/);
        const redirect = await fetch(s.monitorURL, { redirect: "manual" });
        assert.equal(redirect.status, 301);
        assert.equal(redirect.headers.get("location"), "/nats/");
      },
      { httpBasePath: "nats/" },
    );
  });
});
