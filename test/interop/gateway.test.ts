/**
 * A supercluster of a tsnats cluster and a nats-server cluster (2.9), two servers each,
 * linked by gateways: once with tsnats dialing (nats-server meshes back implicitly), once
 * with nats-server dialing. Every server publishes to every server of the other cluster,
 * queue groups get each message exactly once and stay in the publisher's cluster when it
 * has members, and requests are answered both ways. Skips when nats-server is missing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { NatsServer } from "../../src/index.js";
import { routePort } from "../helpers/cluster.js";
import { monitorJson, startNatsServerConf, warmUp, type InteropNatsServer } from "../helpers/interop.js";
import { freePort, natsServerBinary } from "../helpers/nats-server.js";
import { gatewayPort, startGatewayNode } from "../helpers/supercluster.js";
import { waitFor } from "../helpers/wait-for.js";

const bin = natsServerBinary();

type NsNode = InteropNatsServer;

/** A nats-server of cluster N: routes to `seedRoute`, its gateway dialing `remote` (if any). */
async function nsNode(name: string, rp: number, gp: number, seedRoute: number | null, remote: string | null): Promise<NsNode> {
  const routes = seedRoute !== null ? `, routes: ["nats-route://127.0.0.1:${seedRoute}"]` : "";
  const gws = remote !== null ? `, gateways: [{ name: T, urls: ["${remote}"] }]` : "";
  return startNatsServerConf(bin!, name, [
    `cluster { name: N, listen: "127.0.0.1:${rp}"${routes} }`,
    `gateway { name: N, listen: "127.0.0.1:${gp}"${gws} }`,
  ]);
}

interface Gatewayz {
  outbound_gateways: Record<string, { accounts?: Array<{ name: string; num_queue_subs?: number; num_subs?: number }> }>;
  inbound_gateways: Record<string, unknown[]>;
}

async function gatewayz(n: NsNode, accs = false): Promise<Gatewayz> {
  return monitorJson<Gatewayz>(n, `/gatewayz${accs ? "?accs=1" : ""}`);
}

function superclusterSuite(title: string, tsnatsDials: boolean): void {
  describe(title, { skip: bin === null ? "nats-server not installed" : false }, () => {
    let ts: NatsServer[] = [];
    let ns: NsNode[] = [];
    let conns: NatsConnection[] = [];

    before(async () => {
      const [nr1, nr2, ng1, ng2] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const t1 = await startGatewayNode("T", null, tsnatsDials ? [{ name: "N", urls: [`nats://127.0.0.1:${ng1}`] }] : [], { serverName: "t1" });
      const t2 = await startGatewayNode("T", `nats-route://127.0.0.1:${routePort(t1)}`, [], { serverName: "t2" });
      ts = [t1, t2];
      const remote = tsnatsDials ? null : `nats://127.0.0.1:${gatewayPort(t1)}`;
      ns = [await nsNode("n1", nr1, ng1, null, remote), await nsNode("n2", nr2, ng2, nr1, null)];
      await waitFor(
        async () => {
          if (!ts.every((t) => t.server.gateways!.out.has("N"))) return false;
          if (ts.reduce((k, t) => k + t.server.gateways!.inbound.size, 0) !== 2) return false;
          const z = await Promise.all(ns.map((n) => gatewayz(n)));
          return z.every((g) => g.outbound_gateways.T !== undefined);
        },
        { timeoutMs: 20_000, what: "gateways between T and N" },
      );
      conns = await Promise.all([...ts.map((t) => t.clientURL), ...ns.map((n) => n.clientURL)].map((u) => connect({ servers: u })));
      await warmUp(conns, "warm");
    });

    after(async () => {
      await Promise.all(conns.map((c) => c.close()));
      await Promise.all([...ts.map((t) => t.close()), ...ns.map((n) => n.stop())]);
    });

    test("every server publishes to every server of the other cluster", async () => {
      const got: string[] = [];
      conns.forEach((c, i) => c.subscribe("all.to.all", { callback: (_e, m) => void got.push(`${i}<${m.string()}`) }));
      await Promise.all(conns.map((c) => c.flush()));
      await warmUp(conns, "all.to.all.ready");
      conns.forEach((c, i) => c.publish("all.to.all", String(i)));
      await Promise.all(conns.map((c) => c.flush()));
      await waitFor(() => got.length >= 16, { what: `16 deliveries, got ${got.length}` });
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(got.length, 16);
      assert.equal(new Set(got).size, 16);
    });

    test("requests are answered across, both ways", async () => {
      conns[1]!.subscribe("svc.t", { callback: (_e, m) => void m.respond(`t2:${m.string()}`) });
      conns[3]!.subscribe("svc.n", { callback: (_e, m) => void m.respond(`n2:${m.string()}`) });
      await Promise.all(conns.map((c) => c.flush()));
      await warmUp(conns, "svc.ready");
      for (const [i, c] of conns.entries()) {
        assert.equal((await c.request("svc.t", String(i), { timeout: 3000 })).string(), `t2:${i}`);
        assert.equal((await c.request("svc.n", String(i), { timeout: 3000 })).string(), `n2:${i}`);
      }
    });

    test("queue groups: each message once, in the publisher's cluster when it has members", async () => {
      const got: string[] = [];
      const nsBefore = await nsQueueCount(ns);
      conns.forEach((c, i) => c.subscribe("q.work", { queue: "w", callback: (_e, m) => void got.push(`${i}:${m.string()}`) }));
      await Promise.all(conns.map((c) => c.flush()));
      await waitQueues(ts, ns, "q.work w", [0, 1, 2, 3], nsBefore);
      for (let i = 0; i < 80; i++) conns[i % 4]!.publish("q.work", String(i));
      await Promise.all(conns.map((c) => c.flush()));
      await waitFor(() => got.length >= 80, { what: `80 deliveries, got ${got.length}` });
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(got.length, 80);
      for (const g of got) {
        const [node, n] = g.split(":").map(Number) as [number, number];
        assert.equal(node < 2, n % 4 < 2, `message ${n} from node ${n % 4} was served by node ${node}`);
      }
    });

    test("a queue group in the other cluster only gets each message once", async () => {
      for (const [members, publishers] of [[[0, 1], [2, 3]], [[2, 3], [0, 1]]] as const) {
        const got: string[] = [];
        const subject = `q.far.${members[0]}`;
        const nsBefore = await nsQueueCount(ns);
        const subs = members.map((i) => conns[i]!.subscribe(subject, { queue: "f", callback: (_e, m) => void got.push(m.string()) }));
        await Promise.all(conns.map((c) => c.flush()));
        await waitQueues(ts, ns, `${subject} f`, members, nsBefore);
        for (let i = 0; i < 60; i++) conns[publishers[i % 2]!]!.publish(subject, String(i));
        await Promise.all(conns.map((c) => c.flush()));
        await waitFor(() => got.length >= 60, { what: `60 deliveries to ${members}, got ${got.length}` });
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(got.length, 60);
        assert.equal(new Set(got).size, 60);
        for (const s of subs) s.unsubscribe();
      }
    });
  });
}

/** Queue groups nats-server's outbound gateways know, over the whole N cluster. */
async function nsQueueCount(ns: NsNode[]): Promise<number> {
  const z = await Promise.all(ns.map((n) => gatewayz(n, true)));
  return z.reduce((k, g) => k + (g.outbound_gateways.T?.accounts ?? []).reduce((q, a) => q + (a.num_queue_subs ?? 0), 0), 0);
}

/**
 * Waits until the queue group `subject queue` is known across: by tsnats's outbound
 * gateways when nats-server servers (2, 3) are members, by nats-server's (more groups
 * than `nsBefore`) when tsnats servers (0, 1) are.
 */
async function waitQueues(ts: NatsServer[], ns: NsNode[], key: string, members: readonly number[], nsBefore: number): Promise<void> {
  await waitFor(
    async () => {
      if (members.some((m) => m >= 2) && !ts.every((t) => t.server.gateways!.out.get("N")?.outsim!.accounts.get("$G")?.subs.has(key) === true)) return false;
      return !members.some((m) => m < 2) || (await nsQueueCount(ns)) > nsBefore;
    },
    { timeoutMs: 10_000, what: `queue group ${key} known across` },
  );
}

superclusterSuite("tsnats cluster dials a nats-server cluster", true);
superclusterSuite("a nats-server cluster dials a tsnats cluster", false);
