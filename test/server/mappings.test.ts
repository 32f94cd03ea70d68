/**
 * Subject mappings from the config file, as clients see them, side by side with
 * nats-server on the same config and the same raw input.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { formatIssue, loadConfigFile } from "../../src/config/index.js";
import { startServer } from "../../src/index.js";
import { natsServerBinary, startNatsServer } from "../helpers/nats-server.js";
import { exchange } from "../helpers/raw.js";

const dir = mkdtempSync(join(tmpdir(), "tsnats-mappings-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `
mappings = {
  foo: bar
  "bar.*.*": "baz.$2.$1"
  "q.*": "q2.{{wildcard(1)}}.{{partition(2,1)}}"
  "gt.>": "moved.>"
  canary: [
    { destination: canary.v2, weight: 100% }
  ]
}
`;
const INPUT =
  'CONNECT {"verbose":false}\r\nSUB > 1\r\n' +
  ["foo", "bar.a.b", "q.7", "q.8", "q.abc", "gt.x.y", "canary", "plain"].map((s) => `PUB ${s} 1\r\nx\r\n`).join("") +
  "PING\r\n";
const OUTPUT =
  ["bar", "baz.b.a", "q2.7.0", "q2.8.1", "q2.abc.1", "moved.x.y", "canary.v2", "plain"].map((s) => `MSG ${s} 1 1\r\nx\r\n`).join("") +
  "PONG\r\n";

function writeConf(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe("subject mappings", () => {
  const file = writeConf("mappings.conf", CONFIG);

  test("published subjects are rewritten before routing", async () => {
    const r = loadConfigFile(file);
    assert.deepEqual(r.errors.map(formatIssue), []);
    const s = await startServer({ ...r.options, port: 0, host: "127.0.0.1" });
    try {
      const out = await exchange(s.port, INPUT, { done: (d) => d.endsWith("PONG\r\n") });
      assert.equal(out.data, OUTPUT);
    } finally {
      await s.close();
    }
  });

  const ns = natsServerBinary();
  test("nats-server does the same with the same config", { skip: ns === null ? "nats-server not installed" : false }, async () => {
    const ref = await startNatsServer(ns!, ["-c", file]);
    try {
      const out = await exchange(ref.port, INPUT, { done: (d) => d.endsWith("PONG\r\n") });
      assert.equal(out.data, OUTPUT);
    } finally {
      await ref.stop();
    }
  });

  test("a bad mapping is an error at its line, and nats-server refuses it too", () => {
    const bad = writeConf("bad.conf", `port: 4222\nmappings {\n  "a.*": "b.$2"\n}\n`);
    const r = loadConfigFile(bad);
    assert.deepEqual(
      r.errors.map((i) => `${i.line}: ${i.message}`),
      ['3: Error adding mapping for "a.*" to "b.$2" : invalid mapping destination: wildcard index out of range in $2: [2]'],
    );
    if (ns !== null) assert.notEqual(spawnSync(ns, ["-t", "-c", bad]).status, 0);
  });

  test("account mappings apply to that account only", async () => {
    const acc = writeConf(
      "acc.conf",
      `accounts {\n  A { users [{user: a, password: a}], mappings { in: out.a } }\n  B { users [{user: b, password: b}] }\n}\n`,
    );
    const r = loadConfigFile(acc);
    assert.deepEqual(r.errors.map(formatIssue), []);
    if (ns !== null) assert.equal(spawnSync(ns, ["-t", "-c", acc]).status, 0);
    const s = await startServer({ ...r.options, port: 0, host: "127.0.0.1" });
    try {
      const script = (u: string): string => `CONNECT {"verbose":false,"user":"${u}","pass":"${u}"}\r\nSUB > 1\r\nPUB in 1\r\nx\r\nPING\r\n`;
      const a = await exchange(s.port, script("a"), { done: (d) => d.endsWith("PONG\r\n") });
      const b = await exchange(s.port, script("b"), { done: (d) => d.endsWith("PONG\r\n") });
      assert.equal(a.data, "MSG out.a 1 1\r\nx\r\nPONG\r\n");
      assert.equal(b.data, "MSG in 1 1\r\nx\r\nPONG\r\n");
    } finally {
      await s.close();
    }
  });
});
