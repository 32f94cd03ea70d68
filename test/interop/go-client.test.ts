/**
 * The official NATS Go client (nats.go, from Debian's golang-github-nats-io-go-nats-dev,
 * built offline in GOPATH mode) against tsnats, and against nats-server where installed,
 * so the same program checks both. Skips when Go or the package is missing.
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

// The Go source lives next to the TypeScript source, not in dist/.
const SOURCE = fileURLToPath(new URL("../../../test/interop/go/client.go", import.meta.url));
const GOPATH = "/usr/share/gocode";
const EXPECTED = [
  "connect ok true",
  "pubsub ok 1000",
  "headers abc-123 2 with-headers ok",
  "request echo:hello ok",
  "noresponders ok",
  "queue total 1000 ok",
  "autounsub 2 ok",
  "done",
];

function build(): string | null {
  if (!existsSync(join(GOPATH, "src/github.com/nats-io/nats.go")) || spawnSync("go", ["version"]).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), "tsnats-goclient-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, "client");
  const env = { ...process.env, GO111MODULE: "off", GOPATH, GOFLAGS: "", GOCACHE: join(dir, "cache") };
  const r = spawnSync("go", ["build", "-o", bin, SOURCE], { encoding: "utf8", env, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`go build failed: ${r.stderr}`);
  return bin;
}

const bin = build();
describe("NATS Go client (nats.go)", { skip: bin === null ? "go or golang-github-nats-io-go-nats-dev not installed" : false }, () => {
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
