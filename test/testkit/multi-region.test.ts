/**
 * The multi-region test (issue 9): a cluster spread over three regions, eu (n0), us (n1)
 * and ap (n2), with an edge leaf node under us; one-way latency 40 ms eu–us and edge–us,
 * 120 ms to ap, all through startCluster's link proxies. A publisher in eu sends a steady
 * numbered stream (fan-out subscribers in every region, and a queue group with members in
 * us and ap) while the eu–ap link is cut long enough for both ends to declare the route
 * dead, and interest changes in ap during the partition; then the link heals.
 *
 * Checked: no subscriber ever gets a message twice or out of order; nothing published
 * while a subscriber's path was healthy is lost (us and the edge for the whole run, ap
 * before the cut and after the heal); each job goes to one queue member at most, and to
 * exactly one while every path is healthy; ap's interest (a new subscription, a removed
 * one, its queue member) is back in eu within a bound after the heal; and bystander probes
 * on both ends of the cut link never time out (no server stalls on an unreachable peer).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { Account } from "../../src/accounts/account.js";
import { startCluster, type Topology } from "../../src/index.js";
import { formatStats, startBystander, type Bystander } from "../helpers/bystander.js";
import { waitFor } from "../helpers/wait-for.js";

/** Route PINGs every 1.5 s, two unanswered make it stale: a cut route dies within ~4.5 s. */
const PING_INTERVAL_MS = 1500;
/** Interest must be back this soon after the heal (a redial after 1 s, maybe two). */
const RECONVERGE_BOUND_MS = 10_000;
const PUBLISH_EVERY_MS = 10;
const HEALTHY_MESSAGES = 100;

/** What one subscriber received: sequence numbers, in arrival order. */
class Received {
  readonly seqs: number[] = [];
  constructor(readonly name: string) {}
  add(seq: number): void {
    this.seqs.push(seq);
  }
  has(seq: number): boolean {
    return this.seqs.includes(seq);
  }
  /** No duplicates, in publish order. */
  assertOnceInOrder(): void {
    for (let i = 1; i < this.seqs.length; i++) {
      assert.ok(this.seqs[i]! > this.seqs[i - 1]!, `${this.name}: ${this.seqs[i]} after ${this.seqs[i - 1]}`);
    }
  }
  /** Every sequence number in [from, to) arrived. */
  assertAll(from: number, to: number): void {
    const missing: number[] = [];
    for (let s = from; s < to; s++) if (!this.has(s)) missing.push(s);
    assert.deepEqual(missing, [], `${this.name} lost ${missing.length} of [${from}, ${to})`);
  }
}

describe("multi-region: eu, us, ap and an edge leaf, with the eu–ap link cut and healed", () => {
  let t: Topology;
  const conns: NatsConnection[] = [];
  const probes: Bystander[] = [];
  /** The publisher's loop runs while this is true (the after hook stops it if a check failed). */
  let publishing = false;
  before(async () => {
    t = await startCluster({ nodes: 3, leafs: [{ hub: 1, name: "edge" }], server: { pingIntervalMs: PING_INTERVAL_MS, pingMax: 2 } });
    t.setLatency("n0", "n1", 40);
    t.setLatency("n0", "n2", 120);
    t.setLatency("n1", "n2", 120);
    t.setLatency("edge", "n1", 40);
  });
  after(async () => {
    publishing = false;
    await Promise.all(probes.map((p) => p.stop()));
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await t.close();
  });

  async function client(node: string): Promise<NatsConnection> {
    const c = await connect({ servers: t.node(node).clientURL, name: `region-${node}` });
    conns.push(c);
    return c;
  }

  function subscribe(c: NatsConnection, subject: string, into: Received, queue?: string): Subscription {
    return c.subscribe(subject, { queue, callback: (_e, m) => into.add(Number(m.string())) });
  }

  test("no duplicates, no loss on healthy paths, interest back within a bound, no stalls", async (tc) => {
    const [eu, us, ap, edge] = await Promise.all(["n0", "n1", "n2", "edge"].map(client));
    const got = { us: new Received("us"), ap: new Received("ap"), edge: new Received("edge") };
    const workers = { us: new Received("worker-us"), ap: new Received("worker-ap") };
    subscribe(us!, "ev", got.us);
    subscribe(ap!, "ev", got.ap);
    subscribe(edge!, "ev", got.edge);
    subscribe(us!, "job", workers.us, "workers");
    subscribe(ap!, "job", workers.ap, "workers");
    const gone = ap!.subscribe("region.gone");
    await Promise.all([us!, ap!, edge!].map((c) => c.flush()));
    const euAccount = (): Account => t.node("n0").server.server.accounts.get("$G")!;
    // eu sees "ev" from us and ap (the edge's comes through us), and both queue members.
    const apInterestInEu = (): boolean => euAccount().sublist.match("ev").psubs.length === 2 && euAccount().sublist.match("job").qsubs[0]?.length === 2;
    await waitFor(apInterestInEu, { what: "eu sees the subscriptions of us and ap" });
    await t.waitInterest("region.gone", { nodes: ["n0"] });

    // Probes on both ends of the link to be cut, for the whole run.
    probes.push(await startBystander(t.node("n0").clientURL, { timeoutMs: 2000, intervalMs: 20 }));
    probes.push(await startBystander(t.node("n2").clientURL, { timeoutMs: 2000, intervalMs: 20 }));

    // A steady stream from eu: "ev" to everyone, "job" to one worker.
    let seq = 0;
    publishing = true;
    const publisher = (async () => {
      while (publishing && !eu!.isClosed()) {
        eu!.publish("ev", String(seq));
        eu!.publish("job", String(seq));
        seq++;
        await new Promise((r) => setTimeout(r, PUBLISH_EVERY_MS));
      }
    })();
    const jobs = [workers.us, workers.ap];
    const deliveries = (s: number): number => jobs.filter((w) => w.has(s)).length;
    const jobsDone = (from: number, to: number): boolean => {
      for (let s = from; s < to; s++) if (deliveries(s) !== 1) return false;
      return true;
    };

    // 1. Healthy: everything arrives everywhere, each job once. What is published after
    // `firstCutSeq` may be on its way to ap (120 ms) when the link is cut, and die with it.
    await waitFor(() => seq >= HEALTHY_MESSAGES, { timeoutMs: 20_000 });
    const firstCutSeq = seq;
    await waitFor(() => [got.us, got.ap, got.edge].every((r) => r.seqs.length >= firstCutSeq) && jobsDone(0, firstCutSeq), {
      timeoutMs: 10_000,
      what: "phase 1 delivered",
    });

    // 2. Cut eu–ap, change ap's interest, until both ends drop the route.
    t.cut("n0", "n2");
    const late = ap!.subscribe("region.late");
    gone.unsubscribe();
    await ap!.flush();
    const routeTo = (from: string, to: string): boolean => t.node(from).server.server.routes!.remotes.has(t.node(to).id);
    await waitFor(() => !routeTo("n0", "n2") && !routeTo("n2", "n0"), { timeoutMs: 15_000, what: "both ends drop the cut route" });
    const lastCutSeq = seq;

    // 3. Heal: ap's interest must come back to eu, as it is now.
    const healedAt = performance.now();
    t.heal("n0", "n2");
    await waitFor(
      () => routeTo("n0", "n2") && apInterestInEu() && euAccount().sublist.hasInterest("region.late") && !euAccount().sublist.hasInterest("region.gone"),
      { timeoutMs: RECONVERGE_BOUND_MS, what: `interest re-converges within ${RECONVERGE_BOUND_MS} ms of the heal` },
    );
    const reconvergeMs = performance.now() - healedAt;

    // 4. Healthy again: another run delivered everywhere, each job once.
    const resumedAt = seq;
    await waitFor(() => seq >= resumedAt + HEALTHY_MESSAGES, { timeoutMs: 20_000 });
    publishing = false;
    await publisher;
    await eu!.flush();
    const end = seq;
    await waitFor(() => [got.us, got.ap, got.edge].every((r) => r.has(end - 1)) && jobsDone(resumedAt, end), {
      timeoutMs: 10_000,
      what: "phase 4 delivered",
    });
    await new Promise((r) => setTimeout(r, 300));
    late.unsubscribe();
    const [probeEu, probeAp] = await Promise.all(probes.splice(0).map((p) => p.stop()));

    tc.diagnostic(`published ${end}; cut during [${firstCutSeq}, ${lastCutSeq}); interest back ${reconvergeMs.toFixed(0)} ms after the heal`);
    tc.diagnostic(`probe eu: ${formatStats(probeEu!)}; probe ap: ${formatStats(probeAp!)}`);
    for (const r of [got.us, got.ap, got.edge, workers.us, workers.ap]) r.assertOnceInOrder();
    // us and the edge never lost their path from eu; ap had it before the cut and after the heal.
    got.us.assertAll(0, end);
    got.edge.assertAll(0, end);
    got.ap.assertAll(0, firstCutSeq);
    got.ap.assertAll(resumedAt, end);
    for (let s = 0; s < end; s++) assert.ok(deliveries(s) <= 1, `job ${s} delivered twice`);
    assert.ok(jobsDone(0, firstCutSeq) && jobsDone(resumedAt, end), "a job published on healthy paths not delivered exactly once");
    assert.equal(probeEu!.timeouts, 0, `eu stalled: ${formatStats(probeEu!)}`);
    assert.equal(probeAp!.timeouts, 0, `ap stalled: ${formatStats(probeAp!)}`);
  });
});
