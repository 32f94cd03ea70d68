/**
 * The official NATS Go client (nats.go, from Debian's golang-github-nats-io-go-nats-dev,
 * built offline in GOPATH mode) against tsnats, and against nats-server where installed,
 * so the same program checks both. Skips when Go or the package is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { describeInterop } from "../helpers/program.js";

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

describeInterop("NATS Go client (nats.go)", build(), "go or golang-github-nats-io-go-nats-dev not installed", EXPECTED);
