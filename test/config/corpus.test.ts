/**
 * The fixture corpus under test/fixtures/config: every valid/*.conf maps to the options
 * and warnings in its .json twin, every invalid/*.conf reports the errors in its twin.
 * Where the reference nats-server is installed, it must agree: `nats-server -t -c FILE`
 * accepts every valid fixture and rejects every invalid one.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { formatIssue, loadConfigFile } from "../../src/config/index.js";

const ROOT = fileURLToPath(new URL("../../../test/fixtures/config/", import.meta.url));
const NATS_SERVER = "/usr/sbin/nats-server";
const HAVE_NATS = existsSync(NATS_SERVER);

interface ValidExpectation {
  env?: Record<string, string>;
  options: Record<string, unknown>;
  warnings: string[];
}
interface InvalidExpectation {
  errors: Array<{ line: number; col: number; message: string }>;
}

function fixtures(kind: "valid" | "invalid"): string[] {
  return readdirSync(join(ROOT, kind)).filter((f) => f.endsWith(".conf")).sort();
}

function expectation<T>(kind: string, conf: string): T {
  return JSON.parse(readFileSync(join(ROOT, kind, conf.replace(/\.conf$/, ".json")), "utf8")) as T;
}

/** Runs `fn` with extra environment variables set, restoring them afterwards. */
function withEnv<T>(env: Record<string, string> | undefined, fn: () => T): T {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(env ?? {})) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function natsCheck(file: string, env?: Record<string, string>): { ok: boolean; output: string } {
  const r = spawnSync(NATS_SERVER, ["-t", "-c", file], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 10_000,
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

describe("config corpus: valid", () => {
  const files = fixtures("valid");
  test("the corpus is not empty", () => assert.ok(files.length >= 10));
  for (const f of files) {
    const file = join(ROOT, "valid", f);
    const want = expectation<ValidExpectation>("valid", f);
    test(`${f} maps to the expected options`, () => {
      const r = withEnv(want.env, () => loadConfigFile(file));
      assert.deepEqual(r.errors.map(formatIssue), []);
      assert.deepEqual(r.warnings.map((w) => w.message), want.warnings);
      const { configFile, ...options } = r.options;
      assert.equal(configFile, file);
      assert.deepEqual(options, want.options);
    });
    test(`${f} is accepted by nats-server -t`, { skip: !HAVE_NATS && "nats-server not installed" }, () => {
      const r = natsCheck(file, want.env);
      assert.ok(r.ok, r.output);
    });
  }
});

describe("config corpus: invalid", () => {
  const files = fixtures("invalid");
  test("the corpus is not empty", () => assert.ok(files.length >= 10));
  for (const f of files) {
    const file = join(ROOT, "invalid", f);
    const want = expectation<InvalidExpectation>("invalid", f);
    test(`${f} reports the expected errors`, () => {
      const r = loadConfigFile(file);
      assert.ok(want.errors.length > 0);
      assert.equal(r.errors.length, want.errors.length, r.errors.map(formatIssue).join("\n"));
      r.errors.forEach((e, i) => {
        const w = want.errors[i]!;
        assert.equal(e.file, file);
        assert.deepEqual([e.line, e.col], [w.line, w.col], formatIssue(e));
        assert.ok(e.message.startsWith(w.message), `${formatIssue(e)}\n  expected: ${w.message}`);
      });
    });
    test(`${f} is rejected by nats-server -t`, { skip: !HAVE_NATS && "nats-server not installed" }, () => {
      const r = natsCheck(file);
      assert.ok(!r.ok, `nats-server accepted ${f}: ${r.output}`);
    });
  }
});

describe("config corpus: tls with generated certificates", () => {
  // nats-server loads the certificate files while checking, and no key may be committed,
  // so this case makes a throw-away self-signed pair in a temporary directory.
  const haveOpenssl = spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0;
  test("a tls block with real files maps and passes nats-server -t", { skip: !haveOpenssl && "openssl not installed" }, async (t) => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "tsnats-tls-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const gen = spawnSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      { encoding: "utf8", timeout: 30_000 },
    );
    assert.equal(gen.status, 0, gen.stderr);
    const file = join(dir, "tls.conf");
    writeFileSync(
      file,
      `tls {\n  cert_file: "${join(dir, "cert.pem")}"\n  key_file: "${join(dir, "key.pem")}"\n  ca_file: "${join(dir, "cert.pem")}"\n  verify: true\n  timeout: 2\n}\n`,
    );
    const r = loadConfigFile(file);
    assert.deepEqual(r.errors.map(formatIssue), []);
    assert.deepEqual(r.options.tls, {
      certFile: join(dir, "cert.pem"),
      keyFile: join(dir, "key.pem"),
      caFile: join(dir, "cert.pem"),
      verify: true,
      timeoutMs: 2000,
    });
    if (HAVE_NATS) {
      const n = natsCheck(file);
      assert.ok(n.ok, n.output);
    }
  });
});
