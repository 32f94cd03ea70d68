/**
 * The dashboard's JetStream card in headless Chromium: streams appear with their
 * consumers and counts. Skips when Chromium is not installed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { AckPolicy } from "@nats-io/jetstream";
import { startJs } from "./helpers.js";

function chromiumPath(): string | null {
  for (const c of [process.env["CHROMIUM"], "/usr/bin/chromium", "chromium"]) {
    if (!c) continue;
    if (spawnSync(c, ["--version"], { encoding: "utf8", timeout: 10_000 }).status === 0) return c;
  }
  return null;
}

test("dashboard: the JetStream card lists streams and consumers", { timeout: 60_000 }, async (t) => {
  const exe = chromiumPath();
  if (!exe) {
    t.skip("chromium not installed");
    return;
  }
  const env = await startJs({ httpPort: -1 });
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: exe, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
  try {
    await env.jsm.streams.add({ name: "DASH", subjects: ["dash.>"] });
    for (let i = 0; i < 5; i++) await env.js.publish(`dash.${i}`, "x");
    await env.jsm.consumers.add("DASH", { durable_name: "worker", ack_policy: AckPolicy.Explicit });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${env.server.httpPort}/`);
    await page.waitForSelector("#js-table tr[data-stream='DASH']", { timeout: 15_000 });
    const row = await page.textContent("#js-table tr[data-stream='DASH']");
    assert.match(row ?? "", /DASH/);
    assert.match(row ?? "", /dash\.>/);
    const consumer = await page.textContent("#js-table tr[data-consumer='worker']");
    assert.match(consumer ?? "", /5 pending/);
    assert.equal(await page.isVisible("#jetstream"), true);
  } finally {
    await browser.close();
    await env.close();
  }
});
