#!/usr/bin/env node
// Builds dist/src/cli/server-bundle.cjs: the compiled server (dist/src/cli/server-main.js
// and everything it imports) as one CommonJS file, and server-lazy.cjs: the subsystems a
// server loads only when its config asks for them. The bin compiles each with V8's code
// cache (see src/cli/tsnats-server.cts). Then starts the bin twice so that the code caches
// beside the bundles are written.
// Run after `tsc` (npm run build does). esbuild is a devDependency only: installs from
// the registry run the committed build output, never this script.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist", "src", "cli");
const entry = join(cli, "server-main.js");
const outfile = join(cli, "server-bundle.cjs");
const cache = `${outfile}.v8cache`;

if (!existsSync(entry)) {
  console.error(`bundle-server: ${entry} missing; run tsc first`);
  process.exit(1);
}

/**
 * `import.meta.url` means the module's own file (bcrypt's worker script sits beside it):
 * each one becomes that file's URL, found from the bundle's place at run time.
 */
const importMetaUrl = {
  name: "import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.js$/, namespace: "file" }, (args) => {
      const text = readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const rel = relative(dirname(outfile), args.path);
      return { contents: text.replaceAll("import.meta.url", `__tsnatsFileUrl(${JSON.stringify(rel)})`), loader: "js" };
    });
  },
};

/**
 * src/util/lazy-require.ts makes its `require` with node:module's createRequire, which in
 * an ES module is the only way; loading node:module also loads parts of the ESM loader.
 * In the bundle the CommonJS `require` the bin passes in serves (the lazily required ids
 * are built-ins and packages, found from dist/ the same way), so node:module stays unloaded.
 */
const lazyRequireFromBin = {
  name: "lazy-require-from-bin",
  setup(b) {
    b.onLoad({ filter: /[\\/]util[\\/]lazy-require\.js$/, namespace: "file" }, () => ({
      contents: "export function lazyRequire(id) { let mod; return () => (mod ??= require(id)); }",
      loader: "js",
    }));
  },
};

/**
 * What most servers never start goes in a second file, `server-lazy.cjs`, read only when a
 * server first starts one of these (their dynamic imports in src/server): JetStream,
 * monitoring, WebSocket, leaf nodes, gateways and routes are half the code, and reading and
 * decoding it cost a plain server ~6 ms at every start. Paths are relative to dist/src.
 */
const LAZY_ROOTS = [
  "jetstream/jetstream.js",
  "monitor/index.js",
  "monitor/system-requests.js",
  "websocket/listener.js",
  "leafnode/leafnodes.js",
  "gateway/gateways.js",
  "cluster/routes.js",
];
const srcDir = join(root, "dist", "src");
const lazyOutfile = join(cli, "server-lazy.cjs");
const lazyCache = `${lazyOutfile}.v8cache`;
const relToSrc = (abs) => relative(srcDir, abs).split("\\").join("/");

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
  legalComments: "none",
  // Less to read and to hold as a string at every start; names are kept for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: "ascii",
  banner: {
    js: 'const __tsnatsFileUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;',
  },
};

/**
 * In the core bundle, a dynamic import of a lazy root becomes a call to `__tsnatsLazy`
 * (the bin's loader of server-lazy.cjs, passed in beside `require`).
 */
const lazyRootsOutside = {
  name: "lazy-roots-outside",
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      const rel = relToSrc(join(args.resolveDir, args.path));
      return LAZY_ROOTS.includes(rel) ? { path: rel, namespace: "tsnats-lazy" } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: "tsnats-lazy" }, (args) => ({
      contents: `module.exports = __tsnatsLazy(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

// Pass 1: which modules the core holds (the metafile's inputs), so that the lazy file
// shares them instead of holding copies (one Server class, one sublist module...).
const probe = await build({ ...common, entryPoints: [entry], outfile, write: false, metafile: true, plugins: [lazyRequireFromBin, importMetaUrl, lazyRootsOutside] });
const coreModules = new Set(
  Object.keys(probe.metafile.inputs)
    .filter((p) => !p.startsWith("tsnats-lazy:") && !p.includes("node_modules"))
    .map((p) => relToSrc(join(root, p))),
);
for (const r of LAZY_ROOTS) {
  if (coreModules.has(r)) throw new Error(`bundle-server: ${r} is imported statically by the core; drop it from LAZY_ROOTS`);
}

// The lazy file: each root evaluated on first use; an import of a core module reads the
// core's own module object (`__tsnatsCore[path]()`, the core's table, passed in by the bin).
const coreNeeded = new Set();
const coreFromOutside = {
  name: "core-from-outside",
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const rel = relToSrc(join(args.resolveDir, args.path));
      if (!coreModules.has(rel)) return undefined;
      coreNeeded.add(rel);
      return { path: rel, namespace: "tsnats-core" };
    });
    b.onLoad({ filter: /.*/, namespace: "tsnats-core" }, (args) => ({
      contents: `module.exports = __tsnatsCore[${JSON.stringify(args.path)}]();`,
      loader: "js",
    }));
  },
};
rmSync(lazyCache, { force: true });
await build({
  ...common,
  stdin: {
    contents: `exports.load = (root) => { switch (root) { ${LAZY_ROOTS.map((r) => `case ${JSON.stringify(r)}: return require(${JSON.stringify(`./${r}`)});`).join(" ")} } throw new Error("no lazy module " + root); };`,
    resolveDir: srcDir,
    sourcefile: "lazy-roots.js",
    loader: "js",
  },
  outfile: lazyOutfile,
  plugins: [lazyRequireFromBin, importMetaUrl, coreFromOutside],
});

// The core: server-main.js, and the module objects the lazy file imports, each evaluated
// when first asked for (as the core itself would have: some only a lazy subsystem uses).
const needed = [...coreNeeded].sort();
rmSync(cache, { force: true });
await build({
  ...common,
  stdin: {
    contents: [
      `export * from "./cli/server-main.js";`,
      `export const core = {${needed.map((r) => `${JSON.stringify(r)}: () => require(${JSON.stringify(`./${r}`)})`).join(", ")}};`,
    ].join("\n"),
    resolveDir: srcDir,
    sourcefile: "core.js",
    loader: "js",
  },
  outfile,
  plugins: [lazyRequireFromBin, importMetaUrl, lazyRootsOutside],
});

/**
 * Starts the bin with `config` until `cacheFile` has been written (the bin writes a missing
 * cache once the server is up), then stops it.
 */
function writeCacheByStarting(config, cacheFile) {
  const confDir = mkdtempSync(join(tmpdir(), "tsnats-bundle-"));
  const conf = join(confDir, "server.conf");
  writeFileSync(conf, config.replaceAll("{dir}", confDir.split("\\").join("/")));
  const child = spawn(process.execPath, [join(cli, "tsnats-server.cjs"), "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  child.stderr.setEncoding("utf8").on("data", (d) => {
    log += d;
    if (log.includes("Server is ready")) {
      const poll = setInterval(() => {
        if (existsSync(cacheFile)) {
          clearInterval(poll);
          child.kill("SIGTERM");
        }
      }, 10);
    }
  });
  return new Promise((resolve) =>
    child.on("exit", () => {
      clearTimeout(timer);
      rmSync(confDir, { recursive: true, force: true });
      if (!existsSync(cacheFile)) {
        console.error(`bundle-server: ${cacheFile} not written (the bin writes it on a later start)\n${log.slice(-2000)}`);
      }
      resolve();
    }),
  );
}

// The core's cache from a start as tools launch nats-server, `-c FILE`, so the config
// reader's code is in it too (V8 caches what the run compiled); the values are the
// defaults, spelled as configs do. Then the lazy file's, from a start with all it holds.
await writeCacheByStarting('host: 127.0.0.1\nport: -1\nmax_payload: 1MB\nping_interval: "2m"\nwrite_deadline: "10s"\n', cache);
await writeCacheByStarting(
  [
    "host: 127.0.0.1",
    "port: -1",
    "http: 127.0.0.1:-1",
    "server_name: cache",
    'jetstream { store_dir: "{dir}/js" }',
    "websocket { port: -1, no_tls: true }",
    "leafnodes { port: -1 }",
    "cluster { name: c, port: -1 }",
    "gateway { name: c, port: -1 }",
    "",
  ].join("\n"),
  lazyCache,
);
