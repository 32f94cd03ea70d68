/**
 * The `tsnats` client subcommands as a user runs them: the built CLI as a subprocess
 * against an embedded tsnats server, checking output and exit codes.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { waitFor } from "../helpers/wait-for.js";
import { runCli, spawnCli, startMonitored, type MonitoredServer } from "../micro/harness.js";

/** Resolves once the server has a client with this CONNECT name and `subs` subscriptions. */
function waitForClient(s: MonitoredServer, name: string, subs = 1, count = 1): Promise<unknown> {
  return waitFor(() => [...s.server.clients.values()].filter((c) => c.name === name && c.subs.size >= subs).length >= count, {
    timeoutMs: 10_000,
    what: `${count} client(s) named ${name}`,
  });
}

describe("tsnats pub/sub/req/reply/server", () => {
  let s: MonitoredServer;
  before(async () => {
    s = await startMonitored();
  });
  after(async () => {
    await s.close();
  });

  test("sub --count receives what pub --count publishes, headers included", async () => {
    const sub = spawnCli(["sub", "cli.test", "--count", "3", "--json", "-s", s.clientURL]);
    await waitForClient(s, "tsnats sub");
    const pub = await runCli(["pub", "cli.test", "msg {{Count}}", "--count", "3", "-H", "X-Test:yes", "-s", s.clientURL]);
    assert.equal(pub.code, 0, pub.stderr);
    assert.match(pub.stdout, /Published 3 messages/);
    assert.equal(await sub.exited, 0);
    const lines = sub.output().stdout.trim().split("\n").map((l) => JSON.parse(l) as { subject: string; data: string; headers: Record<string, string[]> });
    assert.deepEqual(lines.map((l) => l.data), ["msg 1", "msg 2", "msg 3"]);
    assert.equal(lines[0]!.subject, "cli.test");
    assert.deepEqual(lines[0]!.headers["X-Test"], ["yes"]);
  });

  test("pub reads the body from stdin and honours NATS_URL", async () => {
    const nc = await connect({ servers: s.clientURL });
    const got = nc.subscribe("cli.stdin", { max: 1 });
    await nc.flush();
    const pub = await runCli(["pub", "cli.stdin"], { stdin: "from stdin", env: { NATS_URL: s.clientURL } });
    assert.equal(pub.code, 0, pub.stderr);
    for await (const m of got) assert.equal(m.string(), "from stdin");
    await nc.close();
  });

  test("reply instances share a queue group; req prints the reply", async () => {
    const r1 = spawnCli(["reply", "cli.svc", "pong {{Request}}", "-s", s.clientURL]);
    const r2 = spawnCli(["reply", "cli.svc", "pong {{Request}}", "-s", s.clientURL]);
    await waitForClient(s, "tsnats reply", 1, 2);
    const req = await runCli(["req", "cli.svc", "ping", "-s", s.clientURL]);
    assert.equal(req.code, 0, req.stderr);
    assert.match(req.stdout, /^pong ping$/m);
    const json = await runCli(["req", "cli.svc", "x", "--json", "-s", s.clientURL]);
    assert.equal((JSON.parse(json.stdout) as { data: string }).data, "pong x");
    const nc = await connect({ servers: s.clientURL });
    for (let i = 0; i < 20; i++) await nc.request("cli.svc", `n${i}`, { timeout: 2000 });
    await nc.close();
    const served = [r1, r2].map((r) => (r.output().stdout.match(/Received on/g) ?? []).length);
    assert.equal(served[0]! + served[1]!, 22);
    assert.ok(served[0]! > 0 && served[1]! > 0, `both instances served: ${served.join(", ")}`);
    r1.child.kill("SIGINT");
    r2.child.kill("SIGINT");
    assert.deepEqual(await Promise.all([r1.exited, r2.exited]), [0, 0]);
  });

  test("req: no responders and timeouts are clear errors with exit code 1", async () => {
    const none = await runCli(["req", "cli.nobody", "x", "-s", s.clientURL]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no responders/);
    const nc = await connect({ servers: s.clientURL });
    nc.subscribe("cli.silent", { callback: () => {} });
    await nc.flush();
    const slow = await runCli(["req", "cli.silent", "x", "--timeout", "300ms", "-s", s.clientURL]);
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /no reply on "cli.silent" within 300ms/);
    await nc.close();
  });

  test("server info reads /varz; server ping measures round trips", async () => {
    const info = await runCli(["server", "info", "--json", "--monitor", s.monitorURL, "-s", s.clientURL]);
    assert.equal(info.code, 0, info.stderr);
    assert.equal((JSON.parse(info.stdout) as { server_id: string }).server_id, s.server.id);
    const text = await runCli(["server", "info", "--monitor", s.monitorURL]);
    assert.match(text.stdout, new RegExp(`Server information for .*\\(${s.server.id}\\)`));
    assert.match(text.stdout, /Statistics:/);
    const ping = await runCli(["server", "ping", "--count", "2", "--json", "-s", s.clientURL]);
    assert.equal(ping.code, 0, ping.stderr);
    const p = JSON.parse(ping.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
    assert.ok(Array.isArray(p) || typeof p.avg_ms === "number");
  });
});

describe("tsnats errors and exit codes", () => {
  test("no server: exit 1 with the reason", async () => {
    const r = await runCli(["pub", "x", "y", "-s", "nats://127.0.0.1:1"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tsnats pub: cannot connect to nats:\/\/127\.0\.0\.1:1: connection refused/);
  });

  test("auth failure: exit 1; the right token works", async () => {
    const s = await startMonitored({ authToken: "s3cret" });
    try {
      const bad = await runCli(["pub", "x", "y", "--token", "wrong", "-s", s.clientURL]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /authorization violation/);
      const good = await runCli(["pub", "x", "y", "--token", "s3cret", "-s", s.clientURL]);
      assert.equal(good.code, 0, good.stderr);
    } finally {
      await s.close();
    }
  });

  test("usage mistakes: exit 2 with the command's help", async () => {
    for (const args of [["pub"], ["sub"], ["req"], ["micro"], ["micro", "info"], ["server", "bogus"], ["pub", "x", "--count", "many"], ["sub", "x", "--bogus"]]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /Usage: tsnats /, args.join(" "));
    }
    const unknown = await runCli(["frobnicate"]);
    assert.equal(unknown.code, 2);
    const help = await runCli(["pub", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--header K:V/);
  });
});
