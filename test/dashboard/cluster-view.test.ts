/**
 * The dashboard's cluster view in headless Chromium: a node of a three-server cluster
 * with a leaf node shows itself and its three links (two routes, one leaf) in the graph
 * and the table. The JSON behind it is checked without a browser too. Screenshot in
 * test-artifacts/cluster.png. The browser part skips when Chromium is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "../../src/index.js";
import { startCluster } from "../helpers/cluster.js";
import { waitFor } from "../helpers/wait-for.js";

const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));

function chromium(): string | null {
  const r = spawnSync("chromium", ["--version"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? (process.env["CHROMIUM"] ?? "chromium") : null;
}

test("dashboard: the cluster's nodes and links", { timeout: 90_000 }, async (t) => {
  const cl = await startCluster(3, "dash", { httpPort: -1, leafnodes: { host: "127.0.0.1", port: -1 } });
  const leaf = await startServer({
    port: -1,
    host: "127.0.0.1",
    serverName: "edge-leaf",
    leafnodes: { remotes: [{ urls: [`nats-leaf://127.0.0.1:${cl.nodes[0]!.server.leafs!.listenPort}`] }] },
  });
  t.after(async () => {
    await leaf.close();
    await cl.close();
  });
  const node = cl.nodes[0]!;
  await waitFor(() => node.server.leafs!.leafs.size === 1);
  const base = `http://127.0.0.1:${node.httpPort}`;
  const api = (await (await fetch(`${base}/api/dashboard`)).json()) as { cluster: { name: string; links: Array<{ kind: string; remoteName: string }> } };
  assert.equal(api.cluster.name, "dash");
  assert.deepEqual(api.cluster.links.map((l) => l.kind).sort(), ["leaf", "route", "route"]);
  assert.ok(api.cluster.links.some((l) => l.remoteName === "edge-leaf"));

  const exe = chromium();
  if (exe === null) {
    t.skip("chromium not installed");
    return;
  }
  const { chromium: pw } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "tsnats-chromium-"));
  const exePath = exe.includes("/") ? exe : spawnSync("which", [exe], { encoding: "utf8" }).stdout.trim();
  const context = await pw.launchPersistentContext(profile, {
    executablePath: exePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    viewport: { width: 1280, height: 900 },
  });
  t.after(async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base);
  await page.waitForFunction(`document.querySelector("#cluster-graph")?.getAttribute("data-links") === "3"`, null, { timeout: 15_000 });
  assert.equal(await page.locator("#cluster").isVisible(), true);
  assert.equal(await page.locator("#cluster-table tbody tr[data-peer='edge-leaf']").count(), 1);
  assert.match((await page.locator("#cluster-hint").textContent()) ?? "", /cluster dash · 2 routes · 1 leaf node/);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator("#cluster").screenshot({ path: join(ARTIFACTS, "cluster.png") });
  assert.deepEqual(errors, []);
});
