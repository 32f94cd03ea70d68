/**
 * The analyser on tsnats's own installed tree with devDependencies: it must finish
 * (the time is logged, not asserted) and find what is known to be true whatever the
 * installed versions: the official NATS client reaches NETWORK, TypeScript reaches FILES.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { analyse } from "../../src/caps/cli.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

test("tsnats dev tree: known truths", (t) => {
  const started = performance.now();
  const report = analyse(REPO, true);
  const ms = performance.now() - started;
  t.diagnostic(`analysed ${report.packages.length} packages in ${ms.toFixed(0)} ms`);
  const caps = (name: string): string[] => {
    const found = report.packages.filter((p) => p.name === name);
    assert.ok(found.length > 0, `${name} is in the tree`);
    return [...new Set(found.flatMap((p) => Object.keys(p.capabilities)))];
  };
  assert.ok(caps("@nats-io/transport-node").includes("NETWORK"));
  assert.ok(caps("typescript").includes("FILES"));
  // Runtime dependencies are there and not marked dev.
  for (const name of ["@nats-io/nkeys", "@nats-io/nuid", "acorn", "bcryptjs"]) {
    assert.ok(report.packages.some((p) => p.name === name && !p.dev), name);
  }
});
