/**
 * The bin's fast path and its fallbacks (`src/cli/tsnats-server.cts`): the server starts
 * whatever state the two bundles (the core, and the lazily loaded subsystems) and their V8
 * code caches are in (missing, stale, damaged, from another Node), and a missing or
 * rejected cache is written again.
 *
 * Each case runs on a copy of the built `dist/src` inside the repository (so `node_modules`
 * and the package's `"type"` still resolve), never on the build itself.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "../helpers/wait-for.js";

const DIST_SRC = fileURLToPath(new URL("../../src", import.meta.url));
const DIST = fileURLToPath(new URL("../..", import.meta.url));

let root = "";
let cli = "";
let bundle = "";
let cache = "";
let lazyBundle = "";
let lazyCache = "";
/** What the build wrote, by file, for restore(). */
const built = new Map<string, Buffer>();

before(() => {
  root = mkdtempSync(join(DIST, ".bin-start-"));
  cpSync(DIST_SRC, join(root, "src"), { recursive: true });
  cli = join(root, "src", "cli");
  bundle = join(cli, "server-bundle.cjs");
  cache = `${bundle}.v8cache`;
  lazyBundle = join(cli, "server-lazy.cjs");
  lazyCache = `${lazyBundle}.v8cache`;
  for (const f of [bundle, cache, lazyBundle, lazyCache]) built.set(f, readFileSync(f));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Puts the built bundles and caches back, as fresh as the build left them (newer than the modules). */
function restore(): void {
  const now = new Date();
  for (const [f, bytes] of built) {
    writeFileSync(f, bytes);
    utimesSync(f, now, now);
  }
}

/**
 * Starts `node <entry> -a 127.0.0.1 -p -1`, waits for "Server is ready" (and then for
 * `whileUp`, if given), stops it with SIGTERM; returns its log.
 */
async function startAndStop(entry: string, whileUp?: { what: string; check: () => boolean }, args: string[] = []): Promise<string> {
  const proc = spawn(process.execPath, [join(cli, entry), "-a", "127.0.0.1", "-p", "-1", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  try {
    await waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}: ${log}`);
        return log.includes("Server is ready");
      },
      { timeoutMs: 20_000, what: "Server is ready" },
    );
    // The cache is written just after start-up, by the running server.
    if (whileUp !== undefined) await waitFor(whileUp.check, { timeoutMs: 10_000, what: whileUp.what });
  } finally {
    if (proc.exitCode === null) proc.kill("SIGTERM");
  }
  assert.equal(await exited, 0, log);
  return log;
}

/** Flags of a server that starts monitoring, which is in the lazy bundle. */
const MONITORED = ["-m", "-1"];

describe("tsnats-server bin start-up", () => {
  test("the built bundle and cache: starts, and leaves the cache as it was", async () => {
    restore();
    const before = statSync(cache).mtimeMs;
    await startAndStop("tsnats-server.cjs");
    assert.equal(statSync(cache).mtimeMs, before, "an accepted cache is not rewritten");
  });

  test("tsnats-server.js (node dist/src/cli/tsnats-server.js) starts the same server", async () => {
    restore();
    assert.match(await startAndStop("tsnats-server.js"), /\[INF\] Listening for client connections on 127\.0\.0\.1:\d+/);
  });

  test("no code cache: starts, then writes one", async () => {
    restore();
    rmSync(cache);
    await startAndStop("tsnats-server.cjs", { what: "code cache written", check: () => existsSync(cache) });
  });

  test("a cache V8 rejects (another Node, damaged): starts, then rewrites it", async () => {
    restore();
    writeFileSync(cache, Buffer.alloc(4096, 7));
    await startAndStop("tsnats-server.cjs", { what: "code cache rewritten", check: () => statSync(cache).size !== 4096 });
  });

  test("the lazy bundle: a server with monitoring loads it and leaves its cache as it was", async () => {
    restore();
    const before = statSync(lazyCache).mtimeMs;
    assert.match(await startAndStop("tsnats-server.cjs", undefined, MONITORED), /Starting http monitor/);
    assert.equal(statSync(lazyCache).mtimeMs, before, "an accepted cache is not rewritten");
  });

  test("no code cache for the lazy bundle: a server that loads it writes one", async () => {
    restore();
    rmSync(lazyCache);
    await startAndStop("tsnats-server.cjs", { what: "lazy code cache written", check: () => existsSync(lazyCache) }, MONITORED);
  });

  test("no lazy bundle: starts from the compiled modules, monitoring included", async () => {
    restore();
    rmSync(lazyBundle);
    assert.match(await startAndStop("tsnats-server.cjs", undefined, MONITORED), /Starting http monitor/);
  });

  test("no bundle: starts from the compiled modules", async () => {
    restore();
    rmSync(bundle);
    await startAndStop("tsnats-server.cjs");
  });

  test("a bundle older than the compiled modules (tsc ran after the build): starts from the modules", async () => {
    restore();
    writeFileSync(bundle, "throw new Error('stale bundle run');\n");
    const old = new Date(Date.now() - 3600_000);
    utimesSync(bundle, old, old);
    assert.doesNotMatch(await startAndStop("tsnats-server.cjs"), /stale bundle run/);
  });

  test("a damaged bundle: starts from the compiled modules", async () => {
    restore();
    writeFileSync(bundle, "this is not javascript {{{");
    rmSync(cache);
    await startAndStop("tsnats-server.cjs");
  });
});
