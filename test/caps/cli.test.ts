/**
 * `tsnats caps` as a user runs it: a child process on the built CLI. Usage errors,
 * --json/--write-baseline, and --compare as a CI gate on a temporary copy of the
 * fixture tree that the test modifies (a gained capability, a transitive gain, a new
 * package, a harmless upgrade).
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
    assert.match(r.stdout, /caps: no new capabilities against /);
  });

  test("a package that gains a capability fails, naming package, capability and path", () => {
    const dir = freshCopy("gain");
    appendFileSync(join(dir, "node_modules/files-cjs/index.js"), "require('node:net').connect(4222);\n");
    const r = caps(dir, "--compare", baseline);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /caps: 1 new capability against /);
    assert.ok(
      r.stdout.includes("files-cjs@1.0.0 gained NETWORK (DIRECT): files-cjs@1.0.0 index.js:4 net.connect"),
      r.stdout,
    );
  });

  test("a gain deep in the tree fails for every importer, with the import chain", () => {
    const dir = freshCopy("transitive");
    appendFileSync(join(dir, "node_modules/wrapper/node_modules/versioned/index.js"), "require('child_process').execSync('id');\n");
    const r = caps(dir, "--compare", baseline);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stdout.includes("versioned@2.0.0 gained EXEC (DIRECT): versioned@2.0.0 index.js:2 child_process.execSync"), r.stdout);
    assert.ok(
      r.stdout.includes(
        "wrapper@2.0.0 gained EXEC (TRANSITIVE): wrapper@2.0.0 index.js:2 imports versioned -> versioned@2.0.0 index.js:2 child_process.execSync",
      ),
      r.stdout,
    );
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
    assert.ok(r.stdout.includes("new package newcomer@0.1.0 has NETWORK (DIRECT): newcomer@0.1.0 index.js:1 fetch"), r.stdout);
    assert.match(r.stderr, /warning: node_modules\/newcomer is installed but not in package-lock\.json/);
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
