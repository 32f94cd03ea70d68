/**
 * Where the analysis starts: what the project really runs. A package's public entry
 * points are its `exports` map (every subpath, under both the `import` and `require`
 * conditions, patterns expanded over its files) or its `main`; the project adds its
 * `bin` files. With `--include-dev`, or when the manifest names no entry point, the
 * project's own code files are entries too (tests, scripts: everything it runs).
 * A project with no code at all (a manifest only) is analysed as the sum of its
 * dependencies' public APIs.
 *
 * TypeScript sources are not entries: a TypeScript project runs its compiled
 * JavaScript, which is what is analysed (build first).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Entry } from "./program.js";
import { conditionsFor, resolveExports, type ModuleResolver } from "./resolve.js";
import type { InstalledPackage, Manifest } from "./tree.js";

/** Entry points, the packages whose exported API counts as called, and what was missing. */
export interface EntryPlan {
  entries: Entry[];
  /** Real directories of packages treated as libraries (their API is called from outside). */
  libraries: string[];
  /** Manifest entry points that do not exist (`package.json#main: ./dist/index.js does not exist`). */
  missing: { at: string; detail: string }[];
  /** How the entries were chosen. */
  mode: "manifest" | "own-files" | "manifest+own-files" | "dependencies" | "ran";
}

const JS_FILE = /\.(?:js|mjs|cjs|jsx)$/;

/** Whether a directory holds a project of its own (a `package.json` with a name), not a `{"type"}` marker. */
function isNestedProject(dir: string): boolean {
  try {
    const m = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown };
    return typeof m.name === "string";
  } catch {
    return true;
  }
}

/** Project-relative code files under `dir`, not entering node_modules, dot-dirs or nested projects (fixtures). */
export function ownCodeFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string, rel: string): void => {
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (rel !== "" && entries.some((e) => e.isFile() && e.name === "package.json") && isNestedProject(abs)) return;
    for (const e of entries) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name === "node_modules" || e.name.startsWith(".")) continue;
        visit(join(abs, e.name), r);
      } else if (e.isFile() && JS_FILE.test(e.name)) {
        out.push(r);
      }
    }
  };
  visit(dir, "");
  return out;
}

/** Files a glob-like export target (`./dist/*.js`) matches among `files`. */
function expand(pattern: string, files: string[]): string[] {
  const [before, after] = [pattern.slice(0, pattern.indexOf("*")), pattern.slice(pattern.indexOf("*") + 1)];
  return files.filter((f) => f.startsWith(before) && f.endsWith(after) && f.length >= before.length + after.length);
}

/**
 * The public entry files of a package: each `exports` subpath under the `import` and
 * `require` conditions, or `main`. `listFiles` lists package-relative files (for patterns).
 */
export function publicEntries(
  pkg: InstalledPackage,
  resolver: ModuleResolver,
  listFiles: () => string[],
): { files: string[]; missing: EntryPlan["missing"] } {
  const m = pkg.manifest as Manifest & { exports?: unknown; main?: string };
  const files = new Set<string>();
  const missing: EntryPlan["missing"] = [];
  const add = (rel: string, at: string): void => {
    const abs = join(pkg.dir, ...rel.split("/"));
    if (resolver.isFile(abs)) files.add(abs);
    else missing.push({ at, detail: `entry ./${rel} does not exist (is the project built?)` });
  };
  if (m.exports !== undefined && m.exports !== null) {
    const ex = m.exports;
    const keys = typeof ex === "object" && !Array.isArray(ex) ? Object.keys(ex) : [];
    const subpaths = keys.length > 0 && keys.every((k) => k.startsWith(".")) ? keys : ["."];
    for (const sub of subpaths) {
      if (sub.endsWith("package.json")) continue;
      for (const kind of ["import", "require"] as const) {
        if (sub.includes("*")) {
          const target = resolveExports(ex, sub.replace("*", "\u0000"), conditionsFor(kind));
          if (target !== null) for (const f of expand(target.split("\u0000").join("*"), listFiles())) files.add(join(pkg.dir, ...f.split("/")));
          continue;
        }
        const rel = resolveExports(ex, sub, conditionsFor(kind));
        if (rel !== null && JS_FILE.test(rel)) add(rel, `package.json#exports["${sub}"]`);
      }
    }
  } else {
    const main = resolver.directory(pkg.dir);
    if (main !== null) files.add(main);
    else if (typeof m.main === "string") missing.push({ at: "package.json#main", detail: `entry ${m.main} does not exist (is the project built?)` });
  }
  return { files: [...files].sort(), missing };
}

/** The project's `bin` files. */
function binEntries(pkg: InstalledPackage): { name: string; rel: string }[] {
  const bin = pkg.manifest.bin;
  if (typeof bin === "string") return [{ name: pkg.name, rel: bin.replace(/^\.\//, "") }];
  return Object.entries(bin ?? {}).map(([name, rel]) => ({ name, rel: rel.replace(/^\.\//, "") }));
}

/**
 * Chooses the entry points of the project `root` (its dependencies are in `deps`).
 * `ran` (from `--trace`): the files Node actually ran as main scripts and preloads
 * stand in for the project's own files, wherever they are (a dependency's CLI too).
 */
export function planEntries(
  root: InstalledPackage,
  deps: InstalledPackage[],
  includeDev: boolean,
  resolver: ModuleResolver,
  listFiles: (dir: string) => string[],
  ran?: string[],
): EntryPlan {
  const entries: Entry[] = [];
  const pub = publicEntries(root, resolver, () => ownCodeFiles(root.dir));
  const missing = [...pub.missing];
  for (const f of pub.files) entries.push({ file: f, library: true, why: "public API (package.json)" });
  for (const b of binEntries(root)) {
    const abs = join(root.dir, ...b.rel.split("/"));
    if (resolver.isFile(abs)) entries.push({ file: abs, library: false, why: `bin ${b.name}` });
    else missing.push({ at: `package.json#bin.${b.name}`, detail: `entry ./${b.rel} does not exist (is the project built?)` });
  }
  const fromManifest = entries.length > 0 || missing.length > 0;
  const libraries = entries.some((e) => e.library) ? [root.dir] : [];
  const seen = new Set(entries.map((e) => e.file));
  if (ran !== undefined) {
    for (const f of ran) if (!seen.has(f)) entries.push({ file: f, library: false, why: "ran" });
    return { entries, libraries, missing, mode: "ran" };
  }
  if (!includeDev && fromManifest) return { entries, libraries, missing, mode: "manifest" };
  const own = ownCodeFiles(root.dir).map((rel) => join(root.dir, ...rel.split("/")));
  for (const f of own) if (!seen.has(f)) entries.push({ file: f, library: false, why: "own file" });
  if (entries.length > 0) return { entries, libraries, missing, mode: fromManifest ? "manifest+own-files" : "own-files" };
  // No code of its own: what runs is whatever its dependencies expose.
  const rootNames = new Set(Object.keys({ ...root.manifest.dependencies, ...root.manifest.optionalDependencies, ...(includeDev ? root.manifest.devDependencies : {}) }));
  for (const d of deps) {
    if (!rootNames.has(d.name) || !d.location.startsWith("node_modules/") || d.location.slice(13).includes("/node_modules/")) continue;
    const p = publicEntries(d, resolver, () => listFiles(d.dir));
    for (const f of p.files) entries.push({ file: f, library: true, why: `public API of ${d.name}` });
    libraries.push(d.dir);
  }
  return { entries, libraries, missing, mode: "dependencies" };
}
