/**
 * nats-server's own config corpus (test/fixtures/config/nats-server: every .conf of its
 * server/configs and test/configs, see the NOTICE there) gets the same `-t` verdict from
 * tsnats as from nats-server. The files are laid out in a temporary tree as in the
 * nats-server repository, with the certificates and operator JWT they name generated in
 * place, and checked from the folder nats-server's own tests run in (server/ or test/).
 *
 * Expected verdicts are in verdicts.json: the files nats-server v2.9.10 rejects, and the
 * justified exceptions where tsnats follows the newest nats-server. tsnats is held to that
 * table always; the installed nats-server, when present, is held to it too, so the table
 * cannot drift from the reference.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { haveOpenssl } from "../auth/certs.js";

const ROOT = fileURLToPath(new URL("../../../test/fixtures/config/nats-server/", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli/tsnats-server.js", import.meta.url));
const CONFIG_MODULE = pathToFileURL(fileURLToPath(new URL("../../src/config/index.js", import.meta.url))).href;
const NATS_SERVER = process.env["NATS_SERVER"] ?? "/usr/sbin/nats-server";
const HAVE_NATS = existsSync(NATS_SERVER);

interface Verdicts {
  natsServer: string;
  rejected: string[];
  exceptions: Record<string, { tsnats: "valid" | "invalid"; reason: string }>;
}
const VERDICTS = JSON.parse(readFileSync(join(ROOT, "verdicts.json"), "utf8")) as Verdicts;

/** Every .conf of the corpus, as a path relative to the corpus root (`server/configs/x.conf`). */
function corpusFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...corpusFiles(p));
    else if (ent.name.endsWith(".conf")) out.push(relative(ROOT, p));
  }
  return out.sort();
}

const FILES = corpusFiles();
/** `server/configs/x.conf` runs in `server/` as `configs/x.conf`, like nats-server's tests. */
const split = (f: string): { dir: string; rel: string } => ({ dir: f.slice(0, f.indexOf("/")), rel: f.slice(f.indexOf("/") + 1) });

/**
 * One throw-away self-signed EC certificate that is its own CA (fast to make, and
 * nats-server accepts it as cert_file and as ca_file), or null without openssl.
 */
function makeCertificate(dir: string): { cert: string; key: string } | null {
  if (!haveOpenssl()) return null;
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
    { encoding: "utf8", timeout: 30_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return { cert, key };
}

/** The certificate, key and CA files the corpus names, each put in place. */
function placeCertificates(tree: string, pair: { cert: string; key: string }): void {
  for (const f of FILES) {
    const { dir } = split(f);
    const text = readFileSync(join(ROOT, f), "utf8");
    for (const m of text.matchAll(/\b(cert_file|key_file|ca_file)\s*[:=]?\s*["']([^"']+)["']/g)) {
      const target = resolve(tree, dir, m[2]!);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(m[1] === "key_file" ? pair.key : pair.cert, target);
    }
  }
}

/** test/configs/nkeys/op.jwt, which operator.conf and resolver_preload.conf name. */
async function placeOperatorJwt(tree: string): Promise<void> {
  const jwt = createRequire(import.meta.url)("@nats-io/jwt") as typeof import("@nats-io/jwt");
  const token = await jwt.encodeOperator("corpus-operator", jwt.createOperator());
  mkdirSync(join(tree, "test/configs/nkeys"), { recursive: true });
  writeFileSync(join(tree, "test/configs/nkeys/op.jwt"), `-----BEGIN TEST OPERATOR JWT-----\n${token}\n------END TEST OPERATOR JWT------\n`);
}

/** Resolver directories the corpus names that nats-server -t creates; removed afterwards if new. */
function resolverDirs(): string[] {
  const dirs: string[] = [];
  for (const f of FILES) {
    for (const m of readFileSync(join(ROOT, f), "utf8").matchAll(/^\s*dir:\s*"(\/[^"]+)"/gm)) dirs.push(m[1]!);
  }
  return dirs.filter((d) => !existsSync(d));
}

/**
 * tsnats verdicts of every file of one folder, in one child process run from that folder:
 * what `tsnats-server -t` checks (errors, and the warnings nats-server -t fails on).
 */
function tsnatsErrors(tree: string, dir: string): Map<string, string[]> {
  const files = FILES.filter((f) => split(f).dir === dir).map((f) => split(f).rel);
  const script = `const { checkFailures, loadConfigFile, formatIssue } = await import(${JSON.stringify(CONFIG_MODULE)});
const out = {};
for (const f of process.argv.slice(1)) out[f] = checkFailures(loadConfigFile(f)).map(formatIssue);
process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script, ...files], {
    cwd: join(tree, dir),
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as Record<string, string[]>;
  return new Map(Object.entries(parsed).map(([rel, errs]) => [`${dir}/${rel}`, errs]));
}

interface NatsVerdict {
  ok: boolean;
  output: string;
}

/** nats-server -t of every file, a few at a time (each run is mostly process start). */
async function natsVerdicts(tree: string): Promise<Map<string, NatsVerdict>> {
  const out = new Map<string, NatsVerdict>();
  const run = (f: string): Promise<void> =>
    new Promise((done) => {
      const { dir, rel } = split(f);
      execFile(NATS_SERVER, ["-t", "-c", rel], { cwd: join(tree, dir), encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => {
        out.set(f, { ok: err === null, output: `${stdout}${stderr}`.trim() });
        done();
      });
    });
  const queue = [...FILES];
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) await run(f);
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return out;
}

describe("nats-server's config corpus: same -t verdicts", () => {
  let tree = "";
  let haveCerts = false;
  let createdDirs: string[] = [];
  const ours = new Map<string, string[]>();
  let theirs = new Map<string, NatsVerdict>();

  before(async () => {
    tree = mkdtempSync(join(tmpdir(), "tsnats-corpus-"));
    cpSync(join(ROOT, "server"), join(tree, "server"), { recursive: true });
    cpSync(join(ROOT, "test"), join(tree, "test"), { recursive: true });
    const pair = makeCertificate(tree);
    if (pair) placeCertificates(tree, pair);
    haveCerts = pair !== null;
    await placeOperatorJwt(tree);
    createdDirs = resolverDirs();
    for (const dir of ["server", "test"]) for (const [f, errs] of tsnatsErrors(tree, dir)) ours.set(f, errs);
    if (HAVE_NATS && haveCerts) theirs = await natsVerdicts(tree);
  });
  after(() => {
    if (tree !== "") rmSync(tree, { recursive: true, force: true });
    for (const d of createdDirs) rmSync(d, { recursive: true, force: true });
  });

  test("the corpus is whole and the table names only corpus files", () => {
    assert.ok(FILES.length >= 100, `${FILES.length} files`);
    for (const f of [...VERDICTS.rejected, ...Object.keys(VERDICTS.exceptions)]) assert.ok(FILES.includes(f), f);
    for (const [f, x] of Object.entries(VERDICTS.exceptions)) assert.ok(x.reason.length > 20, `${f} needs a reason`);
  });

  for (const f of FILES) {
    const natsValid = !VERDICTS.rejected.includes(f);
    const exception = VERDICTS.exceptions[f];
    const want = exception ? exception.tsnats === "valid" : natsValid;
    test(`${f}: tsnats says ${want ? "valid" : "invalid"}${exception ? " (exception: newer nats-server key)" : ""}`, () => {
      const errs = ours.get(f);
      assert.ok(errs !== undefined, `no verdict for ${f}`);
      assert.equal(errs.length === 0, want, errs.join("\n") || "accepted");
    });
    test(`${f}: nats-server ${VERDICTS.natsServer} says ${natsValid ? "valid" : "invalid"}`, { skip: !HAVE_NATS && "nats-server not installed" }, (t) => {
      // Without the certificates it names, nats-server would reject a TLS file for that alone.
      if (!haveCerts) return t.skip("openssl not installed");
      const n = theirs.get(f)!;
      assert.equal(n.ok, natsValid, n.output);
    });
  }

  test("the tsnats-server binary gives the same verdicts as the loader (sample)", () => {
    const sample = ["server/configs/tls_bad_cipher.conf", "server/configs/cluster.conf", "test/configs/operator.conf", "server/configs/multiple_errors.conf"];
    for (const f of sample) {
      const { dir, rel } = split(f);
      const r = spawnSync(process.execPath, [CLI, "-t", "-c", rel], { cwd: join(tree, dir), encoding: "utf8", timeout: 30_000 });
      assert.equal(r.status === 0, ours.get(f)!.length === 0, `${f}: ${r.stderr}`);
      if (r.status !== 0) assert.match(r.stderr, new RegExp(`${rel.replace(/[.]/g, "\\.")}:\\d+:\\d+: `), "errors keep file:line:col");
    }
  });
});
