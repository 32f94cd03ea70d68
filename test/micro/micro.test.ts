/**
 * Micro services built with @nats-io/services (the examples) on a tsnats server, seen
 * through `tsnats micro` (run as a subprocess) and through the dashboard's services API.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Service } from "@nats-io/services";
import { addCalculator, startCalculators } from "../../examples/services/calculator.js";
import { startGeometry } from "../../examples/services/geometry.js";
import { waitFor } from "../helpers/wait-for.js";
import { runCli, startMonitored, type MonitoredServer } from "./harness.js";

type Json = Record<string, unknown>;
type Running = Array<{ nc: NatsConnection; svc: Service }>;

describe("micro services on tsnats", () => {
  let s: MonitoredServer;
  let calcs: Running;
  let geos: Running;
  let client: NatsConnection;
  const REQUESTS = 60;

  before(async () => {
    s = await startMonitored();
    calcs = await startCalculators(s.clientURL, 3);
    geos = await startGeometry(s.clientURL, 2);
    client = await connect({ servers: s.clientURL, name: "micro-test" });
    for (let i = 0; i < REQUESTS; i++) {
      const r = await client.request("calc.add", `${i} 1`, { timeout: 2000 });
      assert.equal(r.string(), String(i + 1));
    }
  });

  after(async () => {
    await client.close();
    for (const r of [...calcs, ...geos]) {
      if (!r.svc.isStopped) await r.svc.stop();
      if (!r.nc.isClosed()) await r.nc.close();
    }
    await s.close();
  });

  test("tsnats micro ls lists every instance", async () => {
    const r = await runCli(["micro", "ls", "--json", "-s", s.clientURL]);
    assert.equal(r.code, 0, r.stderr);
    const infos = JSON.parse(r.stdout) as Json[];
    assert.equal(infos.filter((i) => i.name === "calc").length, 3);
    assert.equal(infos.filter((i) => i.name === "geometry").length, 2);
    assert.equal(new Set(infos.map((i) => i.id)).size, 5, "instance ids are distinct");
    const table = await runCli(["micro", "ls", "-s", s.clientURL]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /All Micro Services/);
    assert.match(table.stdout, /2 services, 5 instances/);
    assert.equal(table.stdout.split("\n").filter((l) => /│ calc +│/.test(l)).length, 3);
  });

  test("stats add up across instances, and requests are spread over them", async () => {
    const r = await runCli(["micro", "stats", "calc", "--json", "-s", s.clientURL]);
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(r.stdout) as Array<{ id: string; endpoints: Json[] }>;
    assert.equal(stats.length, 3);
    const perInstance = stats.map((st) => Number(st.endpoints.find((e) => e.name === "add")!.num_requests));
    assert.equal(perInstance.reduce((a, b) => a + b, 0), REQUESTS);
    // Random queue-group choice: with 60 requests over 3 members, each gets some
    // (a member getting none has probability 3·(2/3)^60 ≈ 1e-10).
    for (const n of perInstance) assert.ok(n > 0, `every instance served some: ${perInstance.join(", ")}`);
    const table = await runCli(["micro", "stats", "calc", "-s", s.clientURL]);
    assert.match(table.stdout, /calc Service Statistics/);
    const footer = table.stdout.split("\n").filter((l) => l.startsWith("│")).at(-1)!;
    assert.match(footer, new RegExp(`│ +${REQUESTS} │`), "the footer row sums requests");
  });

  test("errors are counted with the last error; a service calling another works", async () => {
    const bad = await client.request("calc.div", "1 0", { timeout: 2000 });
    assert.equal(bad.headers?.get("Nats-Service-Error"), "division by zero");
    const area = await client.request("geometry.area.rect", "3 4", { timeout: 2000 });
    assert.equal(area.string(), "12");
    const r = await runCli(["micro", "info", "calc", "-s", s.clientURL]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Instances: 3/);
    assert.match(r.stdout, /│ div +│ +1 │ q +│ +1 │.*division by zero/);
  });

  test("the dashboard's services API sees the same services and counts", async () => {
    const snap = await waitFor(async () => {
      const v = await s.get("/api/services");
      const svcs = v.services as Json[];
      const calc = svcs.find((x) => x.name === "calc");
      return calc && Number(calc.numRequests) >= REQUESTS ? v : null;
    }, { timeoutMs: 10_000, intervalMs: 500 });
    const svcs = (snap as Json).services as Array<Json & { instances: Json[] }>;
    assert.deepEqual(svcs.map((x) => [x.name, x.instances.length]), [["calc", 3], ["geometry", 2]]);
  });

  test("a stopped instance disappears", async () => {
    const gone = calcs[0]!;
    const goneId = gone.svc.info().id;
    await gone.svc.stop();
    await gone.nc.close();
    const r = await runCli(["micro", "ls", "calc", "--json", "-s", s.clientURL]);
    const ids = (JSON.parse(r.stdout) as Json[]).map((i) => i.id);
    assert.equal(ids.length, 2);
    assert.ok(!ids.includes(goneId));
    const ping = await runCli(["micro", "ping", "calc", "-s", s.clientURL]);
    assert.equal(ping.code, 0);
    assert.match(ping.stdout, /2 replies/);
  });

  test("asking for a service nobody runs fails clearly", async () => {
    const r = await runCli(["micro", "info", "nope", "-s", s.clientURL, "--timeout", "500ms"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no instance of service "nope" answered/);
  });
});

describe("service discovery needs no credentials and sees every account", () => {
  test("services in two accounts of an auth-only server (bcrypt, nkeys) show in the dashboard API", async () => {
    const bcrypt = (await import("bcryptjs")).default;
    const s = await startMonitored({
      accounts: [
        { name: "A", users: [{ user: "a", password: bcrypt.hashSync("a", 4), account: "A" }] },
        { name: "B", users: [{ user: "b", password: bcrypt.hashSync("b", 4), account: "B" }] },
      ],
    });
    const conns: NatsConnection[] = [];
    try {
      for (const u of ["a", "b"]) {
        const nc = await connect({ servers: s.clientURL, user: u, pass: u, name: `calc-${u}` });
        conns.push(nc);
        await addCalculator(nc);
      }
      const snap = await waitFor(
        async () => {
          const v = (await s.get("/api/services")) as { available: boolean; services: Array<{ name: string; instances: unknown[] }> };
          return v.services.find((x) => x.name === "calc")?.instances.length === 2 ? v : null;
        },
        { timeoutMs: 10_000, intervalMs: 200, what: "calc instances from both accounts" },
      );
      assert.equal(snap?.available, true);
      const connz = await s.get("/connz");
      assert.equal(connz.num_connections, 2, "discovery opens no connection of its own");
    } finally {
      for (const nc of conns) await nc.close();
      await s.close();
    }
  });
});
