/**
 * A flood of API requests cannot starve client traffic: while thousands of `$JS.API`
 * requests wait in the queue, a bystander's request/reply round trips keep completing;
 * past the queue limit, requests are refused at once with the overload error.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, createInbox } from "@nats-io/transport-node";
import { startJs } from "./helpers.js";
import { waitFor } from "../helpers/wait-for.js";

test("bystander round trips complete while the API queue is busy", { timeout: 120_000 }, async () => {
  const env = await startJs({ jetstreamOptions: { requestQueueLimit: 50_000 } });
  const api = env.server.server.jetstream!.api;
  try {
    await env.jsm.streams.add({ name: "F", subjects: ["f.>"] });
    const flooder = await connect({ servers: env.server.clientURL });
    const echo = await connect({ servers: env.server.clientURL });
    echo.subscribe("echo", { callback: (_e, m) => void m.respond(m.data) });
    await echo.flush();
    const bystander = await connect({ servers: env.server.clientURL });
    const inbox = createInbox();
    let answered = 0;
    flooder.subscribe(inbox, { callback: () => void answered++ });
    const flood = 20_000;
    for (let i = 0; i < flood; i++) flooder.publish("$JS.API.STREAM.INFO.F", "", { reply: inbox });
    await flooder.flush();
    let duringBacklog = 0;
    const latencies: number[] = [];
    for (let i = 0; i < 50 && api.pending > 0; i++) {
      const t0 = performance.now();
      await bystander.request("echo", "ping", { timeout: 10_000 });
      latencies.push(performance.now() - t0);
      if (api.pending > 0) duringBacklog++;
    }
    assert.ok(duringBacklog > 0, "round trips completed while API requests were still queued");
    await waitFor(() => answered === flood, { timeoutMs: 90_000, what: "every API request answered" });
    latencies.sort((a, b) => a - b);
    process.stdout.write(`# bystander: ${latencies.length} round trips during the flood, median ${latencies[latencies.length >> 1]?.toFixed(1)} ms\n`);
    await Promise.all([flooder.close(), echo.close(), bystander.close()]);
  } finally {
    await env.close();
  }
});

test("past the queue limit requests are refused at once with the overload error", { timeout: 60_000 }, async () => {
  const env = await startJs({ jetstreamOptions: { requestQueueLimit: 100 } });
  try {
    const nc = await connect({ servers: env.server.clientURL });
    const inbox = createInbox();
    const replies: Array<{ type: string; error?: { code: number; err_code: number } }> = [];
    nc.subscribe(inbox, { callback: (_e, m) => void replies.push(m.json()) });
    for (let i = 0; i < 2000; i++) nc.publish("$JS.API.INFO", "", { reply: inbox });
    await nc.flush();
    await waitFor(() => replies.length === 2000, { timeoutMs: 30_000, what: "2000 answers" });
    const refused = replies.filter((r) => r.type === "io.nats.jetstream.api.v1.system_overloaded");
    assert.ok(refused.length > 0, "some requests were refused");
    assert.deepEqual([refused[0]!.error?.code, refused[0]!.error?.err_code], [503, 10008]);
    assert.ok(replies.some((r) => r.type === "io.nats.jetstream.api.v1.account_info_response"));
    await nc.close();
  } finally {
    await env.close();
  }
});
