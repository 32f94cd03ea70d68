#!/usr/bin/env node
/**
 * The `tsnats-server` bin: loads the server and runs `main` (`server-main.ts`).
 *
 * Start-up time is a feature (tools spawn a server per test), so this file is CommonJS:
 * an ES module entry makes Node load and run its ESM loader first (~10 ms here). Loading
 * ~50 ES modules one by one cost ~40 ms more, so `npm run build` also writes
 * `server-bundle.cjs`, the server's modules in one file, and `server-lazy.cjs`, the
 * subsystems only some configs start (`scripts/bundle-server.mjs`). Each is compiled here
 * with V8's code cache: the first run (the build makes them) saves the compiled code of
 * everything start-up ran beside the bundle, and later runs deserialize it instead of
 * parsing and compiling.
 *
 * Without the bundles, or with one older than the compiled modules (`tsc` ran after it),
 * the modules are imported as they are: same behaviour, slower start. A cache V8 rejects
 * (another Node, other flags) is rewritten once the server is up.
 *
 * `tsnats-server.js` runs this file too, for `node dist/src/cli/tsnats-server.js`.
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Script } from "node:vm";

type ServerMain = typeof import("./server-main.js", { with: { "resolution-mode": "import" } });

const BUNDLE = join(__dirname, "server-bundle.cjs");
const LAZY_BUNDLE = join(__dirname, "server-lazy.cjs");
const MAIN_MODULE = join(__dirname, "server-main.js");

/** A bundle file compiled in this process, and whether its code cache should be (re)written. */
interface Compiled {
  script: Script;
  cacheFile: string;
  /** Missing, or made by another V8 or other flags. */
  cacheStale: boolean;
}

/**
 * Runs a bundle file as a CommonJS module body, compiled with its code cache when there is a
 * usable one. The two bundles reach each other through the last two parameters: the core
 * calls `__tsnatsLazy(root)` where the modules had a dynamic import of a lazily loaded
 * subsystem, and the lazy file reads the core's modules from `__tsnatsCore`.
 */
function runBundle(file: string, compiled: Compiled[], lazy: (root: string) => unknown, core: unknown): unknown {
  // The bundles are ASCII (esbuild charset: "ascii"): latin1 is a plain copy, no UTF-8 decoding.
  const source = readFileSync(file, "latin1");
  const cacheFile = `${file}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The wrapper shares the first line with the bundle, so line numbers in stacks match the file.
  // The bundles have no import() left (esbuild turned them into requires), so no dynamic import hook.
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __tsnatsLazy, __tsnatsCore) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  const fn = script.runInThisContext() as (e: unknown, r: NodeRequire, m: unknown, f: string, d: string, l: unknown, c: unknown) => void;
  // This file's own require serves: the bundles require only Node's built-in modules and
  // packages (createRequire would load node:module and with it parts of the ESM loader).
  fn(module.exports, require, module, file, __dirname, lazy, core);
  compiled.push({ script, cacheFile, cacheStale: cachedData === undefined || script.cachedDataRejected === true });
  return module.exports;
}

/** The core bundle's exports: the CLI, and the module objects the lazy file imports. */
type CoreExports = ServerMain & { core: unknown };

/**
 * Loads the core bundle; the lazy one is read when a server first starts what it holds.
 * Null when either is missing or older than the compiled modules (`tsc` ran after the
 * build), or the core does not run: then the modules are imported as they are.
 */
function loadBundles(compiled: Compiled[]): ServerMain | null {
  try {
    const built = statSync(MAIN_MODULE).mtimeMs;
    if (statSync(BUNDLE).mtimeMs < built || statSync(LAZY_BUNDLE).mtimeMs < built) return null;
  } catch {
    return null;
  }
  let load: ((root: string) => unknown) | undefined;
  let core: CoreExports | undefined;
  const lazy = (root: string): unknown => {
    load ??= (runBundle(LAZY_BUNDLE, compiled, lazy, core!.core) as { load: (root: string) => unknown }).load;
    return load(root);
  };
  try {
    core = runBundle(BUNDLE, compiled, lazy, undefined) as CoreExports;
    return core;
  } catch {
    // A damaged bundle must not keep the server from starting: the modules are still there.
    return null;
  }
}

/** Saves what V8 compiled so far (all of start-up); a read-only install just keeps starting without. */
function writeCodeCache({ script, cacheFile }: Compiled): void {
  const tmp = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile); // atomic: a concurrent start reads the old cache or the new one
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}

async function run(): Promise<void> {
  const compiled: Compiled[] = [];
  const { main, fail }: ServerMain = loadBundles(compiled) ?? (await import("./server-main.js"));
  try {
    await main(process.argv.slice(2));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  // What start-up compiled; a bundle first loaded later keeps the cache the build wrote.
  const stale = compiled.filter((c) => c.cacheStale);
  if (stale.length > 0) setImmediate(() => stale.forEach(writeCodeCache)).unref();
}

void run();
