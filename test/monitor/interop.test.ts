/**
 * The same scenario against nats-server and tsnats: the field names tsnats's /varz,
 * /connz (open and closed entries) and /subsz show must include every one nats-server
 * shows, so tools written for nats-server find what they read. Skips without nats-server.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { freePort, natsServerBinary, startNatsServer } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";
import { startMonitored } from "../micro/harness.js";

type Json = Record<string, unknown>;

/** Runs the scenario and returns the documents seen. */
async function scenario(clientURL: string, monitorURL: string): Promise<Record<string, Json>> {
  const get = async (p: string): Promise<Json> => (await (await fetch(`${monitorURL}${p}`)).json()) as Json;
  const nc = await connect({ servers: clientURL, name: "stays" });
  let got = 0;
  nc.subscribe("work.*", {
    queue: "q",
    callback: () => {
      got++;
    },
  });
  const leaver = await connect({ servers: clientURL, name: "leaves" });
  leaver.subscribe("bye");
  await leaver.flush();
  for (let i = 0; i < 10; i++) leaver.publish("work.x", "payload");
  await leaver.flush();
  await waitFor(() => got === 10);
  await leaver.close();
  await waitFor(async () => ((await get("/connz?state=closed")).connections as Json[]).length > 0);
  const docs = {
    varz: await get("/varz"),
    connz: await get("/connz?subs=1"),
    closed: await get("/connz?state=closed&subs=1"),
    subsz: await get("/subsz?subs=1"),
  };
  await nc.close();
  return docs;
}

function missing(ours: Json, theirs: Json): string[] {
  return Object.keys(theirs).filter((k) => !(k in ours));
}

test("/varz, /connz and /subsz field names are a superset of nats-server's", async (t) => {
  const bin = natsServerBinary();
  if (!bin) {
    t.skip("nats-server not installed");
    return;
  }
  const mport = await freePort();
  const ref = await startNatsServer(bin, ["-m", String(mport)]);
  let theirs: Record<string, Json>;
  try {
    theirs = await scenario(`nats://127.0.0.1:${ref.port}`, `http://127.0.0.1:${mport}`);
  } finally {
    await ref.stop();
  }
  const s = await startMonitored();
  let ours: Record<string, Json>;
  try {
    ours = await scenario(s.clientURL, s.monitorURL);
  } finally {
    await s.close();
  }
  for (const doc of ["varz", "connz", "closed", "subsz"]) {
    assert.deepEqual(missing(ours[doc]!, theirs[doc]!), [], `${doc}: top-level fields nats-server has and tsnats lacks`);
  }
  const entry = (d: Json, name: string): Json => (d.connections as Json[]).find((c) => c.name === name)!;
  assert.deepEqual(missing(entry(ours.connz!, "stays"), entry(theirs.connz!, "stays")), [], "open connection entry");
  assert.deepEqual(missing(entry(ours.closed!, "leaves"), entry(theirs.closed!, "leaves")), [], "closed connection entry");
  // Same values where the scenario fixes them (not total_connections: the helper's
  // readiness probe is one more connection to nats-server).
  for (const k of ["in_msgs", "out_msgs", "in_bytes", "out_bytes", "connections", "slow_consumers"]) {
    assert.equal(ours.varz![k], theirs.varz![k], `varz.${k}`);
  }
  assert.equal(entry(ours.closed!, "leaves").reason, entry(theirs.closed!, "leaves").reason);
  assert.deepEqual(entry(ours.connz!, "stays").subscriptions_list, entry(theirs.connz!, "stays").subscriptions_list);
});
