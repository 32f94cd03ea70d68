#!/usr/bin/env node
// Builds dist/src/cli/server-bundle.cjs: the compiled server (dist/src/cli/server-main.js
// and everything it imports, lazily loaded modules included) as one CommonJS file, which
// the bin script compiles with V8's code cache (see src/cli/tsnats-server.ts). Then starts
// the bin once so that the code cache beside the bundle is written.
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
    b.onLoad({ filter: /\.js$/ }, (args) => {
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
    b.onLoad({ filter: /[\\/]util[\\/]lazy-require\.js$/ }, () => ({
      contents: "export function lazyRequire(id) { let mod; return () => (mod ??= require(id)); }",
      loader: "js",
    }));
  },
};

rmSync(cache, { force: true });
await build({
  entryPoints: [entry],
  outfile,
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
  plugins: [lazyRequireFromBin, importMetaUrl],
});

// One start writes the code cache (the bin does when it finds none); then stop it. It runs
// as tools launch nats-server, `-c FILE`, so the config reader's code is in the cache too
// (V8 caches what the run compiled). The values are the defaults, spelled as configs do.
const confDir = mkdtempSync(join(tmpdir(), "tsnats-bundle-"));
const conf = join(confDir, "server.conf");
writeFileSync(conf, 'host: 127.0.0.1\nport: -1\nmax_payload: 1MB\nping_interval: "2m"\nwrite_deadline: "10s"\n');
const child = spawn(process.execPath, [join(cli, "tsnats-server.cjs"), "-c", conf], {
  stdio: ["ignore", "ignore", "pipe"],
});
let log = "";
const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
child.stderr.setEncoding("utf8").on("data", (d) => {
  log += d;
  if (log.includes("Server is ready")) {
    const poll = setInterval(() => {
      if (existsSync(cache)) {
        clearInterval(poll);
        child.kill("SIGTERM");
      }
    }, 10);
  }
});
child.on("exit", () => {
  clearTimeout(timer);
  rmSync(confDir, { recursive: true, force: true });
  if (!existsSync(cache)) {
    console.error(`bundle-server: no code cache written (the bin will write it on its first start)\n${log.slice(-2000)}`);
  }
});
