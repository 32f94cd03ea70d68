/**
 * The check every stream-import-across-a-link test makes: `pub` (in the exporting account)
 * publishes on `ev.*`, `sub` (in the importing account) subscribed to `<prefix>ev.>` gets
 * each message once, under the mapped subject.
 */
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/transport-node";
import { waitFor } from "./wait-for.js";

export async function streamAcross(pub: NatsConnection, sub: NatsConnection, prefix: string): Promise<void> {
  const got: string[] = [];
  let probes = 0;
  const s = sub.subscribe(`${prefix}ev.>`, {
    callback: (_e, m) => {
      if (m.subject === `${prefix}ev.probe`) probes++;
      else got.push(`${m.subject} ${m.string()}`);
    },
  });
  await sub.flush();
  try {
    // Interest crosses the link in its own time: probe until one arrives.
    await waitFor(
      async () => {
        pub.publish("ev.probe");
        await pub.flush();
        await sub.flush();
        return probes > 0;
      },
      { timeoutMs: 15_000, intervalMs: 50, what: "the imported stream across the link" },
    );
    pub.publish("ev.one", "1");
    pub.publish("ev.two", "2");
    pub.publish("ev.end", "end");
    await pub.flush();
    // One link keeps order: a second copy of any message would come before the last one.
    await waitFor(() => got.includes(`${prefix}ev.end end`), { timeoutMs: 10_000, what: "the last message" });
    assert.deepEqual(got, [`${prefix}ev.one 1`, `${prefix}ev.two 2`, `${prefix}ev.end end`]);
  } finally {
    s.unsubscribe();
  }
}
