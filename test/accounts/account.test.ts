/**
 * The account's one door for interest (addSub/removeSub): listeners hear first and last
 * interest per subject and every queue weight change, whoever subscribed (clients, the
 * server itself), and nothing once they stop listening.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import type { Account, InterestListener } from "../../src/accounts/account.js";
import type { Subscription } from "../../src/server/subscription.js";
import { startServer } from "../../src/index.js";
import { waitFor } from "../helpers/wait-for.js";

class Recorder implements InterestListener {
  events: string[] = [];
  interestChanged(_account: Account, sub: Subscription, count: number): void {
    this.events.push(`${sub.closed ? "-" : "+"}${sub.subject}${sub.queue !== null ? ` ${sub.queue}` : ""}=${count}`);
  }
}

test("interest listeners hear first/last interest and queue weights from every subscriber", async () => {
  const s = await startServer({ port: -1, host: "127.0.0.1" });
  const nc = await connect({ servers: s.clientURL });
  try {
    const account = s.server.globalAccount;
    const pre = nc.subscribe("before");
    await nc.flush();
    const rec = new Recorder();
    account.addInterestListener(rec);
    assert.deepEqual(
      account.localInterest().filter((e) => e.subject === "before"),
      [{ subject: "before", queue: null, count: 1 }],
    );

    const a1 = nc.subscribe("orders.*");
    const a2 = nc.subscribe("orders.*");
    const q1 = nc.subscribe("work", { queue: "w" });
    const q2 = nc.subscribe("work", { queue: "w" });
    await nc.flush();
    const internal = s.server.subscribeInternal(account, "svc", () => {});
    a1.unsubscribe();
    q1.unsubscribe();
    await nc.flush();
    s.server.unsubscribeInternal(internal);
    a2.unsubscribe();
    pre.unsubscribe();
    await nc.flush();
    await waitFor(() => rec.events.length === 10);
    assert.deepEqual([...rec.events], [
      "+orders.*=1",
      "+orders.*=2",
      "+work w=1",
      "+work w=2",
      "+svc=1",
      "-orders.*=1",
      "-work w=1",
      "-svc=0",
      "-orders.*=0",
      "-before=0",
    ]);

    // A closing connection leaves through the same door.
    account.removeInterestListener(rec);
    const rec2 = new Recorder();
    account.addInterestListener(rec2);
    await nc.close();
    await waitFor(() => rec2.events.includes("-work w=0"));
    account.removeInterestListener(rec2);
    void q2;
  } finally {
    await nc.close().catch(() => undefined);
    await s.close();
  }
});
