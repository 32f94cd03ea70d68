/**
 * Permissions on the wire, byte for byte: the same config and raw input against tsnats
 * and (where installed) nats-server. The expected replies were taken from nats-server
 * 2.9.10, quirks included (a SUB to `orders.>` passes an `orders.*` allow list there).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadConfigFile } from "../../src/config/index.js";
import { startServer } from "../../src/index.js";
import { natsServerBinary, startNatsServer } from "../helpers/nats-server.js";
import { exchange } from "../helpers/raw.js";

const CONFIG = `
authorization {
  users = [
    { user: pub, password: pub, permissions: { publish: { allow: ["orders.>", "_INBOX.>"], deny: ["orders.secret"] }, subscribe: { deny: ["admin.>"] } } }
    { user: sub, password: sub, permissions: { subscribe: { allow: ["orders.*", "work q1"] }, publish: "nothing.here" } }
    { user: svc, password: svc, permissions: { subscribe: "svc.>", allow_responses: { max: 1 } } }
  ]
}
`;

const login = (u: string, verbose = false): string => `CONNECT {"verbose":${verbose},"user":"${u}","pass":"${u}"}\r\n`;
const PV = (op: string, s: string, q?: string): string =>
  `-ERR 'Permissions Violation for ${op} to "${s}"${q ? ` using queue "${q}"` : ""}'\r\n`;

const CASES: Array<{ name: string; input: string; output: string }> = [
  {
    name: "publish allow and deny, subscribe deny",
    input: `${login("pub")}PUB orders.new 1\r\nx\r\nPUB orders.secret 1\r\nx\r\nPUB other 1\r\nx\r\nSUB admin.x 1\r\nSUB admin.> 2\r\nSUB x 3\r\nPING\r\n`,
    output: `${PV("Publish", "orders.secret")}${PV("Publish", "other")}${PV("Subscription", "admin.x")}${PV("Subscription", "admin.>")}PONG\r\n`,
  },
  {
    name: "subscribe allow with queue entries; publish given as one subject",
    input: `${login("sub")}SUB orders.x 1\r\nSUB orders.> 2\r\nSUB work 3\r\nSUB work q1 4\r\nSUB work q2 5\r\nPUB nothing.here 0\r\n\r\nPUB x 0\r\n\r\nPING\r\n`,
    output: `${PV("Subscription", "work")}${PV("Subscription", "work", "q2")}${PV("Publish", "x")}PONG\r\n`,
  },
  {
    name: "violations do not close a verbose connection",
    input: `${login("sub", true)}SUB nope 1\r\nPUB x 0\r\n\r\nPING\r\n`,
    output: `+OK\r\n${PV("Subscription", "nope")}${PV("Publish", "x")}PONG\r\n`,
  },
  {
    name: "allow_responses: no reply owed, nothing to publish",
    input: `${login("svc")}SUB svc.a 1\r\nPUB _INBOX.x 0\r\n\r\nPUB foo 0\r\n\r\nPING\r\n`,
    output: `${PV("Publish", "_INBOX.x")}${PV("Publish", "foo")}PONG\r\n`,
  },
];

const dir = mkdtempSync(join(tmpdir(), "tsnats-perms-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "perms.conf");
writeFileSync(file, CONFIG);

async function runCases(port: number): Promise<void> {
  for (const c of CASES) {
    const r = await exchange(port, c.input, { done: (d) => d.endsWith("PONG\r\n") });
    assert.equal(r.data, c.output, c.name);
  }
}

describe("permissions on the wire", () => {
  test("tsnats", async () => {
    const r = loadConfigFile(file);
    assert.deepEqual(r.errors, []);
    const s = await startServer({ ...r.options, port: 0, host: "127.0.0.1" });
    try {
      await runCases(s.port);
    } finally {
      await s.close();
    }
  });

  const ns = natsServerBinary();
  test("the same table holds for nats-server", { skip: ns === null ? "nats-server not installed" : false }, async () => {
    const ref = await startNatsServer(ns!, ["-c", file]);
    try {
      await runCases(ref.port);
    } finally {
      await ref.stop();
    }
  });
});
