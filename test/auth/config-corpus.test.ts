/**
 * The auth fixture corpus (test/fixtures/config/auth): every valid/*.conf maps to the
 * options in its .json twin; every invalid/*.conf reports the errors there (file:line:col).
 * Where the reference nats-server is installed it must agree: it accepts valid/ and
 * rejects invalid/.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { formatIssue, loadConfigFile } from "../../src/config/index.js";
import { Authenticator } from "../../src/auth/authenticator.js";
import { resolveOptions, validateOptions } from "../../src/server/options.js";

const ROOT = fileURLToPath(new URL("../../../test/fixtures/config/auth/", import.meta.url));
const NATS_SERVER = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";
const HAVE_NATS = existsSync(NATS_SERVER);
const noNats = !HAVE_NATS && "nats-server not installed";

type Kind = "valid" | "invalid";

function fixtures(kind: Kind): string[] {
  return readdirSync(join(ROOT, kind)).filter((f) => f.endsWith(".conf")).sort();
}

function expectation<T>(kind: Kind, conf: string): T {
  return JSON.parse(readFileSync(join(ROOT, kind, conf.replace(/\.conf$/, ".json")), "utf8")) as T;
}

function natsAccepts(file: string): { ok: boolean; output: string } {
  const r = spawnSync(NATS_SERVER, ["-t", "-c", file], { encoding: "utf8", timeout: 10_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

describe("auth config corpus: valid", () => {
  const files = fixtures("valid");
  test("covers every auth form", () => assert.ok(files.length >= 8));
  for (const f of files) {
    const file = join(ROOT, "valid", f);
    const want = expectation<{ options: Record<string, unknown>; warnings: string[] }>("valid", f);
    test(`${f} maps to the expected options, and the server accepts them`, () => {
      const r = loadConfigFile(file);
      assert.deepEqual(r.errors.map(formatIssue), []);
      assert.deepEqual(r.warnings.map((w) => w.message), want.warnings);
      const { configFile, ...options } = r.options;
      assert.equal(configFile, file);
      assert.deepEqual(options, want.options);
      // The options also make a working Authenticator (no_auth_user resolves, etc.).
      assert.doesNotThrow(() => new Authenticator(resolveOptions(r.options)));
    });
    test(`${f} is accepted by nats-server -t`, { skip: noNats }, () => {
      const n = natsAccepts(file);
      assert.ok(n.ok, n.output);
    });
  }
});

for (const kind of ["invalid"] as const) {
  describe(`auth config corpus: ${kind}`, () => {
    const files = fixtures(kind);
    test("is not empty", () => assert.ok(files.length >= 2));
    for (const f of files) {
      const file = join(ROOT, kind, f);
      const want = expectation<{ errors: Array<{ line: number; col: number; message: string }> }>(kind, f);
      test(`${f} reports the expected errors at file:line:col`, () => {
        const r = loadConfigFile(file);
        assert.equal(r.errors.length, want.errors.length, r.errors.map(formatIssue).join("\n"));
        r.errors.forEach((e, i) => {
          const w = want.errors[i]!;
          assert.equal(e.file, file);
          assert.deepEqual([e.line, e.col], [w.line, w.col], formatIssue(e));
          assert.equal(e.message, w.message);
        });
      });
      test(`${f} is rejected by nats-server -t`, { skip: noNats }, () => {
        const n = natsAccepts(file);
        assert.ok(!n.ok, `nats-server accepted ${f}: ${n.output}`);
      });
    }
  });
}
