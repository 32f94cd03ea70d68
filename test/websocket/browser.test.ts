/**
 * A real browser WebSocket (headless Chromium through playwright-core) on a page served
 * from localhost: it connects (Chromium offers permessage-deflate; the server has
 * compression on and same_origin off), subscribes, publishes to itself, and makes a
 * request answered by a TCP client. Skips when Chromium is not installed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { startServer } from "../../src/index.js";

function chromiumPath(): string | null {
  for (const c of [process.env["CHROMIUM"], "chromium", "chromium-browser", "/usr/bin/chromium"]) {
    if (!c) continue;
    const r = spawnSync(c, ["--version"], { encoding: "utf8", timeout: 10_000 });
    if (r.status === 0) return c.includes("/") ? c : spawnSync("which", [c], { encoding: "utf8" }).stdout.trim();
  }
  return null;
}

/** Runs in the page: raw NATS protocol over the browser's WebSocket. */
const PAGE_SCRIPT = `
window.natsResult = new Promise((resolve, reject) => {
  const ws = new WebSocket(window.WS_URL);
  ws.binaryType = "arraybuffer";
  let text = "";
  const dec = new TextDecoder();
  const t = setTimeout(() => reject(new Error("timeout: " + text)), 10000);
  ws.onerror = () => reject(new Error("ws error"));
  ws.onmessage = (e) => {
    text += typeof e.data === "string" ? e.data : dec.decode(e.data);
    if (text.includes("INFO ") && !window.sent) {
      window.sent = true;
      ws.send('CONNECT {"verbose":false,"protocol":1,"headers":true,"no_responders":true}\\r\\nSUB me 1\\r\\nSUB _INBOX.b 2\\r\\nPUB me 5\\r\\nhello\\r\\nPUB svc _INBOX.b 3\\r\\nask\\r\\nPING\\r\\n');
    }
    if (text.includes("MSG me 1 5") && text.includes("MSG _INBOX.b 2")) {
      clearTimeout(t);
      resolve({ text, extensions: ws.extensions });
      ws.close();
    }
  };
});
`;

test("Chromium's WebSocket: subscribe, publish, request", async (t) => {
  const exe = chromiumPath();
  if (exe === null) {
    t.skip("chromium not installed");
    return;
  }
  const s = await startServer({ port: 0, host: "127.0.0.1", websocket: { host: "127.0.0.1", port: -1, noTls: true, compression: true } });
  const tcp = await connect({ servers: s.clientURL });
  tcp.subscribe("svc", { callback: (_e, m) => void m.respond(`re:${m.string()}`) });
  await tcp.flush();
  const page = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><title>ws</title><script>window.WS_URL="ws://127.0.0.1:${s.server.websocket!.port}";${PAGE_SCRIPT}</script>`);
  });
  await new Promise<void>((r) => page.listen(0, "127.0.0.1", () => r()));
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "tsnats-chromium-ws-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  t.after(async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    page.close();
    await tcp.close();
    await s.close();
  });
  const p = context.pages()[0] ?? (await context.newPage());
  await p.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`);
  const r = (await p.evaluate("window.natsResult")) as { text: string; extensions: string };
  assert.match(r.extensions, /permessage-deflate/);
  assert.match(r.text, /MSG me 1 5\r\nhello\r\n/);
  assert.match(r.text, /MSG _INBOX\.b 2 6\r\nre:ask\r\n/);
});
