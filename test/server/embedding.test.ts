/** startServer() with configuration in the nats-server format, as text or a file. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer, TsnatsError } from "../../src/index.js";

test("config text: the file format inline, options given directly win", async () => {
  const s = await startServer({ config: "port: 4333\nserver_name: inline\nauthorization { token: s3cret }\n", port: 0, host: "127.0.0.1" });
  try {
    assert.notEqual(s.port, 4333, "port: 0 given directly overrides the text");
    const nc = await connect({ servers: s.clientURL, token: "s3cret" });
    assert.equal(nc.info?.server_name, "inline");
    await nc.close();
    await assert.rejects(connect({ servers: s.clientURL, reconnect: false }));
    assert.equal(s.server.options.configFile, undefined);
  } finally {
    await s.close();
  }
});

test("configFile: loaded, and kept for reloads", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-embed-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "server.conf");
  writeFileSync(file, "max_payload: 2KB\n");
  const s = await startServer({ configFile: file, port: 0, host: "127.0.0.1" });
  try {
    assert.equal(s.server.options.maxPayload, 2048);
    assert.equal(s.server.options.configFile, file);
  } finally {
    await s.close();
  }
});

test("a bad config rejects with every error at file:line:col", async () => {
  await assert.rejects(startServer({ config: "port: x\nmax_payload: {\n", port: 0 }), (err: unknown) => {
    assert.ok(err instanceof TsnatsError);
    assert.equal(err.code, "ERR_CONFIG");
    assert.match(err.message, /^<config>:\d+:\d+: /m);
    return true;
  });
});
