/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) opens the page while the example services run under a bounded load,
 * and checks that the charts move, the connection table lists the test's clients, the
 * services panel shows the example services and the busiest subjects fill in. No
 * request may leave the monitoring origin (the page must work offline). A screenshot is
 * kept in test-artifacts/ (gitignored). Skips when Chromium is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { startDemo } from "../../examples/services/demo.js";

const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));

/** Chromium's path: $CHROMIUM, else Debian's chromium on PATH; null when absent. */
function chromiumPath(): string | null {
  for (const c of [process.env["CHROMIUM"], "chromium", "chromium-browser", "/usr/bin/chromium"]) {
    if (!c) continue;
    const r = spawnSync(c, ["--version"], { encoding: "utf8", timeout: 10_000 });
    if (r.status === 0) return c.includes("/") ? c : (spawnSync("which", [c], { encoding: "utf8" }).stdout.trim() || c);
  }
  return null;
}

/** Flags for a machine without internet: no first-run, no background traffic. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * A page-side predicate (as source text: the test compiles without DOM types) that an
 * element's numeric attribute satisfies `cmp`, e.g. "> 0".
 */
function attr(selector: string, name: string, cmp: string): string {
  return `(() => { const e = document.querySelector(${JSON.stringify(selector)}); return e !== null && Number(e.getAttribute(${JSON.stringify(name)})) ${cmp}; })()`;
}

test("dashboard: live charts, connections, services and subjects in headless Chromium", { timeout: 90_000 }, async (t) => {
  const exe = chromiumPath();
  if (!exe) {
    t.skip("chromium not installed (apt-get install -y chromium); dashboard browser test skipped");
    return;
  }
  const { chromium } = await import("playwright-core");
  const demo = await startDemo({ ratePerSec: 100 });
  const extra = await connect({ servers: demo.clientURL, name: "dashboard-test-client" });
  extra.subscribe("dashboard.test", { callback: () => {} });
  const pubTimer = setInterval(() => extra.publish("dashboard.test", "tick"), 20);
  const profile = mkdtempSync(join(tmpdir(), "tsnats-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  t.after(async () => {
    clearInterval(pubTimer);
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    await extra.close();
    await demo.stop();
  });

  const page = context.pages()[0] ?? (await context.newPage());
  const origin = new URL(demo.monitorURL).origin;
  const foreign: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(demo.monitorURL);

  // The charts move: new samples arrive and the newest sample's time advances.
  const chart = page.locator("#chart-msgs");
  await page.waitForFunction(attr("#chart-msgs", "data-points", ">= 2"), null, { timeout: 15_000 });
  const t1 = Number(await chart.getAttribute("data-last-t"));
  await page.waitForFunction(attr("#chart-msgs", "data-last-t", `> ${t1}`), null, { timeout: 10_000 });
  await page.waitForFunction(attr("#chart-msgs", "data-last-in", "> 0"), null, { timeout: 10_000 });
  assert.ok(Number(await page.locator("#chart-bytes").getAttribute("data-points")) >= 2);

  // The connection table lists the test's clients, and sorts.
  await page.locator("#conn-table tbody tr[data-name='dashboard-test-client']").waitFor({ timeout: 10_000 });
  assert.equal(await page.locator("#conn-table tbody tr[data-name='demo-load']").count(), 1);
  assert.equal(await page.locator("#conn-table tbody tr[data-name^='calc-']").count(), 3);
  // RTT cells read as durations (e.g. "289µs", "1.25ms") or "–" before the first PING.
  for (const cell of await page.locator("#conn-table tbody tr td:last-child").allTextContents()) {
    assert.match(cell, /^(–|\d+µs|\d+(\.\d{2})?ms)$/, `RTT cell "${cell}"`);
  }
  await page.locator("#conn-table th[data-key='inMsgs']").click();
  const firstCid = await page.locator("#conn-table tbody tr").first().getAttribute("data-cid");
  assert.ok(firstCid !== null);

  // The services panel shows the example services with their instances.
  await page.locator("#svc-list [data-service='calc'][data-instances='3']").waitFor({ timeout: 15_000 });
  await page.locator("#svc-list [data-service='geometry'][data-instances='2']").waitFor({ timeout: 15_000 });
  await page.waitForFunction(attr("#svc-list [data-service='calc']", "data-requests", "> 0"), null, { timeout: 10_000 });

  // Busiest subjects fill in once two samples with traffic exist.
  await page.locator("#subject-table tbody tr[data-subject]").first().waitFor({ timeout: 15_000 });

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });

  // Readable on a phone: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(1200);
  const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
  assert.ok(overflow <= 1, `page wider than a phone screen by ${overflow}px`);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: false });

  assert.deepEqual(foreign, [], "the page must not load anything from elsewhere");
  assert.deepEqual(errors, [], "no script errors");
});
