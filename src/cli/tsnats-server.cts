#!/usr/bin/env node
/**
 * The `tsnats-server` bin: loads the server and runs `main` (`server-main.ts`).
 *
 * Start-up time is a feature (tools spawn a server per test), so this file is CommonJS:
 * an ES module entry makes Node load and run its ESM loader first (~10 ms here). Loading
 * ~50 ES modules one by one cost ~40 ms more, so `npm run build` also writes
 * `server-bundle.cjs`, the server's modules in one file (`scripts/bundle-server.mjs`). It
 * is compiled here with V8's code cache: the first run (the build makes one) saves the
 * compiled code of everything start-up ran beside the bundle, and later runs deserialize
 * it instead of parsing and compiling.
 *
 * Without a bundle, or with one older than the compiled modules (`tsc` ran after it), the
 * modules are imported as they are: same behaviour, slower start. A cache V8 rejects
 * (another Node, other flags) is rewritten once the server is up.
 *
 * `tsnats-server.js` runs this file too, for `node dist/src/cli/tsnats-server.js`.
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Script } from "node:vm";

type ServerMain = typeof import("./server-main.js", { with: { "resolution-mode": "import" } });

const BUNDLE = join(__dirname, "server-bundle.cjs");
const CODE_CACHE = `${BUNDLE}.v8cache`;
const MAIN_MODULE = join(__dirname, "server-main.js");

/** The bundle as a CommonJS module, compiled with the code cache when there is a usable one. */
interface LoadedBundle {
  exports: ServerMain;
  script: Script;
  /** The code cache should be (re)written: missing, or made by another V8 or other flags. */
  cacheStale: boolean;
}

function loadBundle(): LoadedBundle | null {
  let source: string;
  try {
    if (statSync(BUNDLE).mtimeMs < statSync(MAIN_MODULE).mtimeMs) return null;
    // The bundle is ASCII (esbuild charset: "ascii"): latin1 is a plain copy, no UTF-8 decoding.
    source = readFileSync(BUNDLE, "latin1");
  } catch {
    return null;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(CODE_CACHE);
  } catch {
    cachedData = undefined;
  }
  try {
    // The wrapper shares the first line with the bundle, so line numbers in stacks match the file.
    // The bundle has no import() left (esbuild turned them into requires), so no dynamic import hook.
    const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: BUNDLE,
      cachedData,
    });
    const module = { exports: {} as ServerMain };
    const fn = script.runInThisContext() as (e: unknown, r: NodeRequire, m: unknown, f: string, d: string) => void;
    // This file's own require serves: the bundle requires only Node's built-in modules
    // (createRequire would load node:module and with it parts of the ESM loader).
    fn(module.exports, require, module, BUNDLE, __dirname);
    return { exports: module.exports, script, cacheStale: cachedData === undefined || script.cachedDataRejected === true };
  } catch {
    // A damaged bundle must not keep the server from starting: the modules are still there.
    return null;
  }
}

/** Saves what V8 compiled so far (all of start-up); a read-only install just keeps starting without. */
function writeCodeCache(script: Script): void {
  const tmp = `${CODE_CACHE}.${process.pid}`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, CODE_CACHE); // atomic: a concurrent start reads the old cache or the new one
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}

async function run(): Promise<void> {
  const bundle = loadBundle();
  const { main, fail }: ServerMain = bundle?.exports ?? (await import("./server-main.js"));
  try {
    await main(process.argv.slice(2));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (bundle?.cacheStale === true) setImmediate(() => writeCodeCache(bundle.script)).unref();
}

void run();
