/**
 * The debugging endpoints nats-server 2.10+ serves over HTTP (monitor.go): `/ipqueuesz`
 * (`all`, `queues`), `/raftz` (`acc`, `group`; 404 `No Raft nodes registered` without Raft
 * nodes) and Go's expvar handler at `/debug/vars`. 2.9.10 has only `/ipqueuesz`: its bytes
 * are compared with nats-server's when it is installed.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { freePort, natsServerBinary, startNatsServer } from "../helpers/nats-server.js";
import { startMonitored, type MonitoredServer } from "../micro/harness.js";

describe("debug endpoints", () => {
  let s: MonitoredServer;
  before(async () => {
    s = await startMonitored();
  });
  after(async () => {
    await s.close();
  });

  test("/ipqueuesz answers the queue map, indented as nats-server indents it", async () => {
    for (const q of ["", "?all=1", "?all=true&queues=Send"]) {
      const r = await s.getText(`/ipqueuesz${q}`);
      assert.equal(r.status, 200);
      assert.equal(r.type, "application/json");
      assert.deepEqual(JSON.parse(r.body), {});
    }
  });

  test("/ipqueuesz refuses a bad boolean with nats-server's text", async () => {
    const r = await s.getText("/ipqueuesz?all=x");
    assert.equal(r.status, 400);
    assert.equal(r.body, `Error decoding boolean for 'all': strconv.ParseBool: parsing "x": invalid syntax`);
  });

  test("/raftz without Raft nodes is 404 with nats-server's reason, whatever the filters", async () => {
    for (const q of ["", "?acc=$SYS", "?acc=A&group=G"]) {
      const r = await s.getText(`/raftz${q}`);
      assert.equal(r.status, 404);
      assert.equal(r.body, "No Raft nodes registered");
    }
  });

  test("/debug/vars is Go's expvar document: cmdline and memstats", async () => {
    const r = await s.getText("/debug/vars");
    assert.equal(r.status, 200);
    assert.equal(r.type, "application/json; charset=utf-8");
    assert.match(r.body, /^\{\n"cmdline": \[.*\],\n"memstats": \{.*\}\n\}\n$/s);
    const doc = JSON.parse(r.body) as { cmdline: string[]; memstats: Record<string, number> };
    assert.ok(Array.isArray(doc.cmdline));
    for (const k of ["Alloc", "Sys", "HeapAlloc", "HeapSys", "HeapInuse"]) assert.equal(typeof doc.memstats[k], "number", k);
  });

  test("the debug endpoints are not counted in http_req_stats, and /expvarz is not an endpoint", async () => {
    await s.getText("/ipqueuesz");
    await s.getText("/raftz");
    await s.getText("/debug/vars");
    assert.equal((await s.getText("/expvarz")).status, 404);
    const stats = (await s.get("/varz")).http_req_stats as Record<string, number>;
    for (const p of ["/ipqueuesz", "/raftz", "/debug/vars"]) assert.equal(stats[p], undefined, p);
  });

  test("the dashboard links the debug endpoints", async () => {
    const page = (await s.getText("/")).body;
    for (const href of ['href="raftz"', 'href="ipqueuesz?all=1"', 'href="debug/vars"']) assert.ok(page.includes(href), href);
  });
});

test("/ipqueuesz bytes match nats-server 2.9.10's for an idle server", async (t) => {
  const bin = natsServerBinary();
  if (!bin) {
    t.skip("nats-server not installed");
    return;
  }
  const mport = await freePort();
  const ref = await startNatsServer(bin, ["-m", String(mport)]);
  const s = await startMonitored();
  try {
    for (const q of ["", "?all=nope", "?callback=f"]) {
      const theirs = await fetch(`http://127.0.0.1:${mport}/ipqueuesz${q}`);
      const ours = await s.getText(`/ipqueuesz${q}`);
      assert.equal(ours.status, theirs.status, q);
      assert.equal(ours.body, await theirs.text(), q);
    }
  } finally {
    await ref.stop();
    await s.close();
  }
});
