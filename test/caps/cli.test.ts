/**
 * `tsnats caps` as a user runs it: a child process on the built CLI. Usage errors,
 * --json/--write-baseline, --granularity, and --compare as a CI gate on a temporary
 * copy of the fixture tree that the test modifies (a gained capability, a transitive
 * gain, a new path, a new package, a harmless upgrade, the policy, a round-1 baseline).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyse } from "../../src/caps/cli.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/caps/basic", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli/tsnats.js", import.meta.url));

function caps(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "caps", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("tsnats caps: usage", () => {
  test("--help prints usage and exits 0", () => {
    const r = caps("--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: tsnats caps \[DIR\] \[options\]/);
    assert.match(r.stdout, /--compare FILE/);
    assert.match(r.stdout, /--write-baseline FILE/);
  });

  test("an unknown option exits 2 and names it", () => {
    const r = caps("--nope");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--nope'/);
  });

  test("a missing value exits 2", () => {
    const r = caps(FIXTURE, "--compare");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--compare needs a file name/);
  });

  test("--granularity takes function or module", () => {
    const r = caps(FIXTURE, "--granularity", "line");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--granularity is function or module, not 'line'/);
    const m = caps(FIXTURE, "--granularity=module", "--json");
    assert.equal(m.code, 0, m.stderr);
    assert.equal((JSON.parse(m.stdout) as { granularity: string }).granularity, "module");
  });

  test("--trace needs a command; '--' only goes with --trace", () => {
    assert.match(caps(FIXTURE, "--trace").stderr, /--trace needs a command after '--'/);
    assert.match(caps(FIXTURE, "--", "node").stderr, /'--' is only for --trace -- COMMAND/);
  });

  test("a directory that does not exist exits 2", () => {
    const r = caps(join(FIXTURE, "no-such-dir"));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a directory: .*no-such-dir/);
  });

  test("a directory without package.json exits 2", () => {
    const r = caps(join(FIXTURE, "node_modules"));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no package\.json in /);
  });

  test("a root dependency that is not installed exits 2 and names it", () => {
    const dir = mkdtempSync(join(tmpdir(), "caps-missing-"));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      rmSync(join(dir, "node_modules/benign"), { recursive: true });
      const r = caps(dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /dependencies not installed in .*node_modules: benign \(run npm ci first\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing or malformed baseline exits 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "caps-bad-"));
    try {
      assert.match(caps(FIXTURE, "--compare", join(dir, "none.json")).stderr, /baseline .*none\.json does not exist/);
      writeFileSync(join(dir, "bad.json"), JSON.stringify({ schema: "other" }));
      const r = caps(FIXTURE, "--compare", join(dir, "bad.json"));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /is not a caps report: schema is "other"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--json prints the report; --write-baseline writes the same", () => {
    const dir = mkdtempSync(join(tmpdir(), "caps-json-"));
    try {
      const file = join(dir, "base.json");
      const r = caps(FIXTURE, "--json", "--write-baseline", file);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), analyse(FIXTURE, false));
      assert.equal(readFileSync(file, "utf8"), r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("tsnats caps --compare", () => {
  let work = "";
  let project = "";
  let baseline = "";

  before(() => {
    work = mkdtempSync(join(tmpdir(), "caps-compare-"));
    baseline = join(work, "baseline.json");
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A fresh copy of the fixture with its baseline written before any change. */
  function freshCopy(name: string): string {
    project = join(work, name);
    cpSync(FIXTURE, project, { recursive: true });
    const r = caps(project, "--write-baseline", baseline);
    assert.equal(r.code, 0, r.stderr);
    return project;
  }

  test("an unchanged tree passes", () => {
    const dir = freshCopy("same");
    const r = caps(dir, "--compare", baseline);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /caps: no new capabilities or paths against /);
  });

  test("a package that gains a capability fails, naming package, capability and path", () => {
    const dir = freshCopy("gain");
    appendFileSync(join(dir, "node_modules/files-cjs/index.js"), "require('node:net').connect(4222);\n");
    const r = caps(dir, "--compare", baseline);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /caps: 2 new capabilities or paths against /);
    assert.ok(
      r.stdout.includes(
        "files-cjs@1.0.0 gained NETWORK (DIRECT): caps-fixture@1.0.0 package.json <dependencies> public API of files-cjs -> files-cjs@1.0.0 index.js:4 <module> net.connect",
      ),
      r.stdout,
    );
    // The project already reached NETWORK (through wrapper): now also through files-cjs.
    assert.ok(r.stdout.includes("caps-fixture@1.0.0 reaches NETWORK through a new path (via files-cjs): "), r.stdout);
  });

  test("a gain deep in the tree fails for every importer, with the import chain", () => {
    const dir = freshCopy("transitive");
    appendFileSync(join(dir, "node_modules/wrapper/node_modules/versioned/index.js"), "require('child_process').execSync('id');\n");
    const r = caps(dir, "--compare", baseline);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const chain = "wrapper@2.0.0 index.js:2 <module> loads versioned -> versioned@2.0.0 index.js:2 <module> child_process.execSync";
    assert.ok(r.stdout.includes(`versioned@2.0.0 gained EXEC (DIRECT): caps-fixture@1.0.0 package.json <dependencies> public API of wrapper -> ${chain}`), r.stdout);
    assert.ok(r.stdout.includes(`wrapper@2.0.0 gained EXEC (TRANSITIVE): caps-fixture@1.0.0 package.json <dependencies> public API of wrapper -> ${chain}`), r.stdout);
    assert.ok(r.stdout.includes("caps-fixture@1.0.0 reaches EXEC through a new path (via wrapper): "), r.stdout);
  });

  test("a new package with a capability fails; the lockfile drift is a warning", () => {
    const dir = freshCopy("newpkg");
    const pkgDir = join(dir, "node_modules/newcomer");
    mkdirSync(pkgDir);
    writeFileSync(join(pkgDir, "package.json"), JSON.stringify({ name: "newcomer", version: "0.1.0" }));
    writeFileSync(join(pkgDir, "index.js"), "module.exports = (u) => fetch(u);\n");
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    manifest.dependencies["newcomer"] = "^0.1.0";
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
    const r = caps(dir, "--compare", baseline);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(
      r.stdout.includes(
        "new package newcomer@0.1.0 has NETWORK (DIRECT): caps-fixture@1.0.0 package.json <dependencies> public API of newcomer (exported API) -> newcomer@0.1.0 index.js <exports> exports module.exports -> newcomer@0.1.0 index.js:1 module.exports fetch",
      ),
      r.stdout,
    );
    assert.match(r.stderr, /warning: node_modules\/newcomer is installed but not in package-lock\.json/);
  });

  test("the policy allows a reviewed capability: gains and new paths of it pass, with a note", () => {
    const dir = freshCopy("policy");
    appendFileSync(join(dir, "node_modules/files-cjs/index.js"), "require('node:net').connect(4222);\n");
    const policy = {
      schema: "tsnats-caps-policy/1",
      packages: {
        "files-cjs": { NETWORK: "talks to the local NATS server" },
        "caps-fixture": { NETWORK: "it is a NATS client" },
      },
    };
    writeFileSync(join(dir, "caps-policy.json"), JSON.stringify(policy));
    const r = caps(dir, "--compare", baseline);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /files-cjs@1\.0\.0 gained NETWORK .* \[allowed by policy: talks to the local NATS server\]/);
    assert.match(r.stdout, /caps-fixture@1\.0\.0 reaches NETWORK through a new path \(via files-cjs\).* \[allowed by policy: it is a NATS client\]/);
    // Without the policy the same change fails.
    assert.equal(caps(dir, "--compare", baseline, "--no-policy").code, 1);
    // A malformed policy is an error, not a pass.
    writeFileSync(join(dir, "caps-policy.json"), JSON.stringify({ schema: "tsnats-caps-policy/1", packages: { x: { NETWORK: "" } } }));
    const bad = caps(dir, "--compare", baseline);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a caps policy: "x"\.NETWORK needs a reason/);
  });

  test("a round-1 baseline (module level, no paths) is still read; only capabilities are compared", () => {
    const dir = freshCopy("round1");
    const old = JSON.parse(readFileSync(baseline, "utf8")) as { granularity?: string; packages: { capabilities: Record<string, { via?: string[] }>; reached?: boolean }[] };
    delete old.granularity;
    for (const p of old.packages) {
      delete p.reached;
      for (const c of Object.values(p.capabilities)) delete c.via;
    }
    const file = join(work, "round1.json");
    writeFileSync(file, JSON.stringify(old));
    const r = caps(dir, "--compare", file);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /baseline is module level, this run is function level: paths are not compared/);
  });

  test("an upgrade that keeps the same capabilities passes, with a note", () => {
    const dir = freshCopy("upgrade");
    const file = join(dir, "node_modules/net-client/package.json");
    writeFileSync(file, JSON.stringify({ name: "net-client", version: "1.1.0" }));
    const r = caps(dir, "--compare", baseline);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /net-client version 1\.0\.0 -> 1\.1\.0/);
  });
});
