/**
 * `tsnats caps` as a user runs it: argv in, output and exit status out. The built CLI
 * runs in a child process for --help, an unknown option and a failing gate; the rest
 * calls the same `run` in this process (each Node start costs CPU on a loaded machine).
 * Usage errors, --json/--write-baseline, --granularity, and --compare as a CI gate on a
 * temporary copy of the fixture tree that the test modifies (a gained capability, a
 * transitive gain, a new path, a new package, a harmless upgrade, the policy, a
 * round-1 baseline).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyse, run } from "../../src/caps/cli.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/caps/basic", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli/tsnats.js", import.meta.url));

type Outcome = { code: number | null; stdout: string; stderr: string };

/** The built CLI in a child process, as a user runs it (a few tests: process start-up costs CPU). */
function spawned(...args: string[]): Outcome {
  const r = spawnSync(process.execPath, [CLI, "caps", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command in this process: same code path from argv to exit status, output captured. */
async function caps(...args: string[]): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("tsnats caps: usage", () => {
  test("--help prints usage and exits 0", async () => {
    const r = spawned("--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: tsnats caps \[DIR\] \[options\]/);
    assert.match(r.stdout, /--compare FILE/);
    assert.match(r.stdout, /--write-baseline FILE/);
  });

  test("an unknown option exits 2 and names it", async () => {
    const r = spawned("--nope");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--nope'/);
  });

  test("a missing value exits 2", async () => {
    const r = await caps(FIXTURE, "--compare");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--compare needs a file name/);
  });

  test("--granularity takes function or module", async () => {
    const r = await caps(FIXTURE, "--granularity", "line");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--granularity is function or module, not 'line'/);
    const m = await caps(FIXTURE, "--granularity=module", "--json");
    assert.equal(m.code, 0, m.stderr);
    assert.equal((JSON.parse(m.stdout) as { granularity: string }).granularity, "module");
  });

  test("--trace needs a command; '--' only goes with --trace", async () => {
    assert.match((await caps(FIXTURE, "--trace")).stderr, /--trace needs a command after '--'/);
    assert.match((await caps(FIXTURE, "--", "node")).stderr, /'--' is only for --trace -- COMMAND/);
  });

  test("a directory that does not exist exits 2", async () => {
    const r = await caps(join(FIXTURE, "no-such-dir"));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a directory: .*no-such-dir/);
  });

  test("a directory without package.json exits 2", async () => {
    const r = await caps(join(FIXTURE, "node_modules"));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no package\.json in /);
  });

  test("a root dependency that is not installed exits 2 and names it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "caps-missing-"));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      rmSync(join(dir, "node_modules/benign"), { recursive: true });
      const r = await caps(dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /dependencies not installed in .*node_modules: benign \(run npm ci first\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing or malformed baseline exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "caps-bad-"));
    try {
      assert.match((await caps(FIXTURE, "--compare", join(dir, "none.json"))).stderr, /baseline .*none\.json does not exist/);
      writeFileSync(join(dir, "bad.json"), JSON.stringify({ schema: "other" }));
      const r = await caps(FIXTURE, "--compare", join(dir, "bad.json"));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /is not a caps report: schema is "other"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--json prints the report; --write-baseline writes the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "caps-json-"));
    try {
      const file = join(dir, "base.json");
      const r = await caps(FIXTURE, "--json", "--write-baseline", file);
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
  async function freshCopy(name: string): Promise<string> {
    project = join(work, name);
    cpSync(FIXTURE, project, { recursive: true });
    const r = await caps(project, "--write-baseline", baseline);
    assert.equal(r.code, 0, r.stderr);
    return project;
  }

  test("an unchanged tree passes", async () => {
    const dir = await freshCopy("same");
    const r = await caps(dir, "--compare", baseline);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /caps: no new capabilities or paths against /);
  });

  test("a package that gains a capability fails, naming package, capability and path", async () => {
    const dir = await freshCopy("gain");
    appendFileSync(join(dir, "node_modules/files-cjs/index.js"), "require('node:net').connect(4222);\n");
    // The CI gate as CI runs it: the built binary's exit status.
    const r = spawned(dir, "--compare", baseline);
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

  test("a gain deep in the tree fails for every importer, with the import chain", async () => {
    const dir = await freshCopy("transitive");
    appendFileSync(join(dir, "node_modules/wrapper/node_modules/versioned/index.js"), "require('child_process').execSync('id');\n");
    const r = await caps(dir, "--compare", baseline);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const chain = "wrapper@2.0.0 index.js:2 <module> loads versioned -> versioned@2.0.0 index.js:2 <module> child_process.execSync";
    assert.ok(r.stdout.includes(`versioned@2.0.0 gained EXEC (DIRECT): caps-fixture@1.0.0 package.json <dependencies> public API of wrapper -> ${chain}`), r.stdout);
    assert.ok(r.stdout.includes(`wrapper@2.0.0 gained EXEC (TRANSITIVE): caps-fixture@1.0.0 package.json <dependencies> public API of wrapper -> ${chain}`), r.stdout);
    assert.ok(r.stdout.includes("caps-fixture@1.0.0 reaches EXEC through a new path (via wrapper): "), r.stdout);
  });

  test("a new package with a capability fails; the lockfile drift is a warning", async () => {
    const dir = await freshCopy("newpkg");
    const pkgDir = join(dir, "node_modules/newcomer");
    mkdirSync(pkgDir);
    writeFileSync(join(pkgDir, "package.json"), JSON.stringify({ name: "newcomer", version: "0.1.0" }));
    writeFileSync(join(pkgDir, "index.js"), "module.exports = (u) => fetch(u);\n");
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    manifest.dependencies["newcomer"] = "^0.1.0";
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
    const r = await caps(dir, "--compare", baseline);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(
      r.stdout.includes(
        "new package newcomer@0.1.0 has NETWORK (DIRECT): caps-fixture@1.0.0 package.json <dependencies> public API of newcomer (exported API) -> newcomer@0.1.0 index.js <exports> exports module.exports -> newcomer@0.1.0 index.js:1 module.exports fetch",
      ),
      r.stdout,
    );
    assert.match(r.stderr, /warning: node_modules\/newcomer is installed but not in package-lock\.json/);
  });

  test("the policy allows a reviewed capability: gains and new paths of it pass, with a note", async () => {
    const dir = await freshCopy("policy");
    appendFileSync(join(dir, "node_modules/files-cjs/index.js"), "require('node:net').connect(4222);\n");
    const policy = {
      schema: "tsnats-caps-policy/1",
      packages: {
        "files-cjs": { NETWORK: "talks to the local NATS server" },
        "caps-fixture": { NETWORK: "it is a NATS client" },
      },
    };
    writeFileSync(join(dir, "caps-policy.json"), JSON.stringify(policy));
    const r = await caps(dir, "--compare", baseline);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /files-cjs@1\.0\.0 gained NETWORK .* \[allowed by policy: talks to the local NATS server\]/);
    assert.match(r.stdout, /caps-fixture@1\.0\.0 reaches NETWORK through a new path \(via files-cjs\).* \[allowed by policy: it is a NATS client\]/);
    // Without the policy the same change fails.
    assert.equal((await caps(dir, "--compare", baseline, "--no-policy")).code, 1);
    // A malformed policy is an error, not a pass.
    writeFileSync(join(dir, "caps-policy.json"), JSON.stringify({ schema: "tsnats-caps-policy/1", packages: { x: { NETWORK: "" } } }));
    const bad = await caps(dir, "--compare", baseline);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a caps policy: "x"\.NETWORK needs a reason/);
  });

  test("a round-1 baseline (module level, no paths) is still read; only capabilities are compared", async () => {
    const dir = await freshCopy("round1");
    const old = JSON.parse(readFileSync(baseline, "utf8")) as { granularity?: string; packages: { capabilities: Record<string, { via?: string[] }>; reached?: boolean }[] };
    delete old.granularity;
    for (const p of old.packages) {
      delete p.reached;
      for (const c of Object.values(p.capabilities)) delete c.via;
    }
    const file = join(work, "round1.json");
    writeFileSync(file, JSON.stringify(old));
    const r = await caps(dir, "--compare", file);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /baseline is module level, this run is function level: paths are not compared/);
  });

  test("an upgrade that keeps the same capabilities passes, with a note", async () => {
    const dir = await freshCopy("upgrade");
    const file = join(dir, "node_modules/net-client/package.json");
    writeFileSync(file, JSON.stringify({ name: "net-client", version: "1.1.0" }));
    const r = await caps(dir, "--compare", baseline);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /net-client version 1\.0\.0 -> 1\.1\.0/);
  });
});
