/**
 * The official NATS C client (libnats from Debian's libnats-dev) against tsnats, and
 * against nats-server where installed, so the same program checks both. Skips when the
 * C compiler or the library is missing (CI installs both).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { describeInterop } from "../helpers/program.js";

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

describeInterop("NATS C client (libnats)", build(), "libnats-dev not installed", EXPECTED);
