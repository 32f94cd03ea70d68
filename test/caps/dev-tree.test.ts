/**
 * The analyser on tsnats's own installed tree. At function level the runtime
 * dependencies acorn and bcryptjs reach no capability, and the report carries the
 * evidence: which of their files are loaded (from which import), which are not (their
 * command-line tools). tsnats itself reaches what a NATS server really does. The whole
 * dev tree (about twenty packages, the tests as entry points) is the static pass of
 * trace.test.ts, which checks its cost.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { analyseProject, type Analysis } from "../../src/caps/analyse.js";
import type { CapsReport, PackageReport } from "../../src/caps/report.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

function pkg(r: CapsReport, name: string): PackageReport {
  const p = r.packages.find((x) => x.name === name && !x.dev);
  assert.ok(p, `${name} is in the tree`);
  return p;
}

let runtime: CapsReport;
let stats: Analysis["stats"];
before(() => {
  ({ report: runtime, stats } = analyseProject(REPO, { includeDev: false, granularity: "function" }));
});

test("runtime tree, function level: acorn and bcryptjs reach nothing, with the evidence", () => {
  const r = runtime;
  const acorn = pkg(r, "acorn");
  assert.deepEqual(acorn.capabilities, {});
  assert.equal(acorn.reached, true);
  assert.deepEqual(acorn.files?.loaded, ["dist/acorn.mjs"]);
  assert.ok(acorn.files?.notLoaded.includes("dist/bin.js"), JSON.stringify(acorn.files));
  assert.match(acorn.entry?.at(-2)?.detail ?? "", /^loads acorn$/);
  const bcrypt = pkg(r, "bcryptjs");
  assert.deepEqual(bcrypt.capabilities, {});
  // lazyRequire("bcryptjs") takes the "require" condition, the worker's import the "import" one.
  assert.deepEqual(bcrypt.files?.loaded, ["index.js", "umd/index.js"]);
  assert.deepEqual(bcrypt.files?.notLoaded, ["bin/bcrypt"]);
  for (const name of ["@nats-io/jwt", "@nats-io/nkeys", "@nats-io/nuid", "tweetnacl"]) assert.deepEqual(pkg(r, name).capabilities, {}, name);
});

test("runtime tree: tsnats's own code reaches what a NATS server does, each with a path", () => {
  const r = runtime;
  const me = pkg(r, "tsnats");
  assert.equal(me.root, true);
  const caps = Object.keys(me.capabilities);
  for (const c of ["FILES", "NETWORK", "READ_SYSTEM_STATE", "MODIFY_SYSTEM_STATE", "RUNTIME", "EXEC", "ARBITRARY_EXECUTION"]) {
    assert.ok(caps.includes(c), `tsnats reaches ${c}: ${caps.join(", ")}`);
  }
  assert.ok(!caps.includes("UNANALYZED"), "nothing in tsnats needs the module-level fallback");
  const net = me.capabilities.NETWORK?.example ?? [];
  // The listener, or the URL account resolver's HTTP(S) agent, whichever the analysis meets first.
  assert.match(net.at(-1)?.detail ?? "", /^(net\.createServer|https?\.Agent)$/);
  // Evidence in the project points at the TypeScript, through the compiled files' source maps.
  assert.match(net.at(-1)?.at ?? "", /^src\/(server\/server|auth\/jwt\/url-resolver)\.ts:\d+$/);
  // tsnats's runtime dependencies add nothing; only the official client, which the CLI's
  // client commands load when it is installed (a devDependency), adds its own NETWORK and FILES.
  const client = new Set(["tsnats", "@nats-io/transport-node", "@nats-io/nats-core"]);
  for (const [c, v] of Object.entries(me.capabilities)) assert.ok((v.via ?? []).every((n) => client.has(n)), `${c} via ${v.via}`);
  assert.ok(r.warnings.includes("node_modules/@nats-io/transport-node is a devDependency, yet code analysed here loads it"), r.warnings.join("\n"));
});

test("the analysis costs a few times acorn's parse of the same files", (t) => {
  // Both are CPU time in one process, so machine load scales them alike (2.3 to 3.0
  // measured, cold or warm JIT). Absolute speed is bench/caps.bench.ts's business.
  const { cpuSeconds, parseCpuSeconds, filesParsed } = stats;
  t.diagnostic(`${filesParsed} files: ${cpuSeconds.toFixed(2)} s CPU, ${parseCpuSeconds.toFixed(2)} s in acorn`);
  assert.ok(cpuSeconds < 4 * parseCpuSeconds, `the analysis costs ${(cpuSeconds / parseCpuSeconds).toFixed(1)}× its parse`);
});
