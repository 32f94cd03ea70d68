/**
 * Non-ASCII subjects: bytes on the wire, UTF-8 text in configuration and monitoring.
 * Permissions and mappings written in the config must match what clients send, and
 * /subsz must show subjects as text.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";
import { waitFor } from "../helpers/wait-for.js";

test("permissions, mappings and monitoring with non-ASCII subjects", async (t) => {
  const s = await startServer({
    port: 0,
    host: "127.0.0.1",
    httpPort: -1,
    users: [{ user: "u", password: "p", permissions: { publish: { allow: ["größe.>", "ü"] }, subscribe: { allow: [">"] } } }],
    mappings: [{ source: "ü", destinations: [{ subject: "ö.mapped", weight: 100 }] }],
  });
  t.after(() => s.close());
  const nc = await connect({ servers: s.clientURL, user: "u", pass: "p" });
  t.after(() => nc.close());
  const errors: string[] = [];
  (async () => {
    for await (const st of nc.status()) if (st.type === "error") errors.push(String(st.error));
  })().catch(() => undefined);
  const got: string[] = [];
  nc.subscribe("größe.*", { callback: (_e, m) => void got.push(m.subject) });
  nc.subscribe("ö.mapped", { callback: (_e, m) => void got.push(m.subject) });
  await nc.flush();
  nc.publish("größe.x");
  nc.publish("ü");
  nc.publish("other");
  await nc.flush();
  await waitFor(() => got.length === 2 && errors.length === 1);
  assert.deepEqual(got.sort(), ["größe.x", "ö.mapped"]);
  assert.match(errors[0]!, /Permissions Violation for Publish to "other"/);

  const subsz = (await (await fetch(`http://127.0.0.1:${s.httpPort}/subsz?subs=1&test=${encodeURIComponent("größe.y")}`)).json()) as {
    subscriptions_list: Array<{ subject: string }>;
  };
  assert.deepEqual(
    subsz.subscriptions_list.map((x) => x.subject),
    ["größe.*"],
  );
});
