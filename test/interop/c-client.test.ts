/**
 * The official NATS C client (libnats from Debian's libnats-dev) against tsnats, and
 * against nats-server where installed, so the same program checks both. Skips when the
 * C compiler or the library is missing (CI installs both).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startServer } from "../../src/index.js";
import { natsServerBinary, startNatsServer } from "../helpers/nats-server.js";
import { runProgram } from "../helpers/program.js";

// The C source lives next to the TypeScript source, not in dist/.
const SOURCE = fileURLToPath(new URL("../../../test/interop/c/client.c", import.meta.url));
const EXPECTED = [
  "connect ok",
  "pubsub ok 100",
  "wildcard c.a.x c.b.x ok",
  "headers abc-123 with-headers ok",
  "request echo:hello ok",
  "noresponders ok",
  "queue total 100 ok",
  "done",
];

function build(): string | null {
  if (!existsSync("/usr/include/nats/nats.h")) return null;
  const dir = mkdtempSync(join(tmpdir(), "tsnats-cclient-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, "client");
  const r = spawnSync("cc", ["-O1", "-o", bin, SOURCE, "-lnats"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cc failed: ${r.stderr}`);
  return bin;
}

const bin = build();
describe("NATS C client (libnats)", { skip: bin === null ? "libnats-dev not installed" : false }, () => {
  test("core features against tsnats", async () => {
    const s = await startServer({ port: 0, host: "127.0.0.1" });
    try {
      assert.deepEqual(await runProgram(bin!, s.clientURL), EXPECTED);
    } finally {
      await s.close();
    }
  });

  const ns = natsServerBinary();
  test("the same program against nats-server", { skip: ns === null ? "nats-server not installed" : false }, async () => {
    const ref = await startNatsServer(ns!);
    try {
      assert.deepEqual(await runProgram(bin!, `nats://127.0.0.1:${ref.port}`), EXPECTED);
    } finally {
      await ref.stop();
    }
  });
});
