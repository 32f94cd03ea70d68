/**
 * Node's module resolution, as the analyser needs it: a specifier in a file becomes
 * the file Node would load, a built-in, or a reason it cannot be found. Packages are
 * entered through their `exports` map with the conditions Node uses for the kind of
 * load (`import` or `require`), nested conditions, arrays, subpath patterns and
 * `null` exclusions, following the algorithm of Node's ESM resolution spec
 * (PACKAGE_EXPORTS_RESOLVE, PACKAGE_TARGET_RESOLVE, PATTERN_KEY_COMPARE); `#imports`
 * the same way; packages without `exports` through `main` and the CommonJS file and
 * index probing. Nothing is run: only `package.json` files and the file system.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve as resolvePath, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinName } from "./rules.js";
import { isBareSpecifier, packageNameOf } from "./tree.js";

/** How a module is loaded: picks the `import` or `require` condition. */
export type LoadKind = "import" | "require";

/** Where a specifier leads. */
export type Resolved =
  | { kind: "builtin"; name: string }
  | { kind: "file"; file: string }
  | { kind: "missing"; reason: string };

/** Result of resolving an `exports`/`imports` target: a package-relative file, a bare specifier, or nothing. */
export type TargetResult = { file: string } | { bare: string } | null | undefined;

/**
 * Conditions Node 20 matches for a load. `module-sync` comes with `require(esm)`
 * (Node 20.19 and later), so it is added when this Node has it.
 */
export function conditionsFor(kind: LoadKind): ReadonlySet<string> {
  const c = new Set(["node", "node-addons", kind]);
  if ((process.features as { require_module?: boolean }).require_module) c.add("module-sync");
  return c;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** PATTERN_KEY_COMPARE: longer base first, then keys with a `*`, then longer keys. */
function patternKeyCompare(a: string, b: string): number {
  const baseA = a.indexOf("*") + 1;
  const baseB = b.indexOf("*") + 1;
  if (baseA !== baseB) return baseA > baseB ? -1 : 1;
  if (!a.includes("*")) return 1;
  if (!b.includes("*")) return -1;
  return a.length === b.length ? 0 : a.length > b.length ? -1 : 1;
}

/** PACKAGE_TARGET_RESOLVE: a target value under `conditions`; `undefined` = no condition matched. */
export function resolveTarget(target: unknown, match: string | null, isImports: boolean, conditions: ReadonlySet<string>): TargetResult {
  if (typeof target === "string") {
    if (!target.startsWith("./")) {
      if (!isImports || target.startsWith("../") || target.startsWith("/") || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(target)) return null;
      return { bare: match === null ? target : target.split("*").join(match) };
    }
    if (target.split(/[/\\]/).slice(1).some((s) => s === ".." || s === "node_modules")) return null;
    const file = match === null ? target : target.split("*").join(match);
    return { file: file.slice(2) };
  }
  if (Array.isArray(target)) {
    if (target.length === 0) return null;
    let last: TargetResult = null;
    for (const t of target) {
      const r = resolveTarget(t, match, isImports, conditions);
      if (r === undefined) continue;
      if (r === null) {
        last = null;
        continue;
      }
      return r;
    }
    return last;
  }
  if (isObject(target)) {
    for (const [key, value] of Object.entries(target)) {
      if (key !== "default" && !conditions.has(key)) continue;
      const r = resolveTarget(value, match, isImports, conditions);
      if (r === undefined) continue;
      return r;
    }
    return undefined;
  }
  return null;
}

/** PACKAGE_IMPORTS_EXPORTS_RESOLVE: an exact key, else the most specific `*` pattern. */
export function resolveSubpathMap(key: string, map: Record<string, unknown>, isImports: boolean, conditions: ReadonlySet<string>): TargetResult {
  if (Object.hasOwn(map, key) && !key.includes("*")) return resolveTarget(map[key], null, isImports, conditions);
  const patterns = Object.keys(map)
    .filter((k) => k.indexOf("*") !== -1 && k.indexOf("*") === k.lastIndexOf("*"))
    .sort(patternKeyCompare);
  for (const p of patterns) {
    const star = p.indexOf("*");
    const base = p.slice(0, star);
    const trailer = p.slice(star + 1);
    if (!key.startsWith(base) || key === base) continue;
    if (trailer.length > 0 && !(key.endsWith(trailer) && key.length >= p.length)) continue;
    return resolveTarget(map[p], key.slice(base.length, key.length - trailer.length), isImports, conditions);
  }
  // Deprecated folder mappings (`"./lib/": "./lib/"`), still honoured by Node 20 for CommonJS.
  const folders = Object.keys(map)
    .filter((k) => k.endsWith("/") && key.startsWith(k))
    .sort((a, b) => b.length - a.length);
  const folder = folders[0];
  if (folder !== undefined) {
    const r = resolveTarget(map[folder], null, isImports, conditions);
    if (r && "file" in r) return { file: r.file + key.slice(folder.length) };
  }
  return null;
}

/**
 * PACKAGE_EXPORTS_RESOLVE: the package-relative file `subpath` (`.` or `./x`) is
 * exported as, or null when the package does not export it.
 */
export function resolveExports(exportsField: unknown, subpath: string, conditions: ReadonlySet<string>): string | null {
  const keys = isObject(exportsField) ? Object.keys(exportsField) : [];
  const dotted = keys.length > 0 && keys.every((k) => k.startsWith("."));
  let r: TargetResult = null;
  if (subpath === ".") {
    const main = !dotted ? exportsField : (exportsField as Record<string, unknown>)["."];
    if (main !== undefined) r = resolveTarget(main, null, false, conditions);
  } else if (dotted) {
    r = resolveSubpathMap(subpath, exportsField as Record<string, unknown>, false, conditions);
  }
  return r && "file" in r ? r.file : null;
}

/** The fields of a package.json the resolver reads. */
interface PackageJson {
  name?: string;
  main?: string;
  exports?: unknown;
  imports?: Record<string, unknown>;
}

const FILE_EXTENSIONS = [".js", ".json", ".node", ".mjs", ".cjs"];

/**
 * Resolves specifiers with per-run caches of `package.json` files and file tests.
 * Bare specifiers are looked up in `node_modules` from the importing file's directory
 * upwards, not above `rootDir` (the analysed project).
 */
export class ModuleResolver {
  private readonly manifests = new Map<string, PackageJson | null>();
  private readonly isFileCache = new Map<string, boolean>();
  private readonly scopes = new Map<string, string | null>();

  constructor(private readonly rootDir: string) {}

  /** The specifier `spec` in `fromFile` as Node would resolve it for `kind`. */
  resolve(spec: string, fromFile: string, kind: LoadKind): Resolved {
    const name = builtinName(spec);
    if (name !== null) return { kind: "builtin", name };
    const conditions = conditionsFor(kind);
    const fromDir = dirname(fromFile);
    let file: string | null;
    if (spec.startsWith("file:")) {
      file = this.probe(fileURLToPath(spec));
    } else if (spec.startsWith("#")) {
      return this.resolveImports(spec, fromFile, kind, conditions);
    } else if (!isBareSpecifier(spec)) {
      if (spec === "" || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(spec)) return { kind: "missing", reason: `unsupported specifier '${spec}'` };
      file = this.probe(isAbsolute(spec) ? spec : resolvePath(fromDir, spec));
    } else {
      return this.resolvePackage(spec, fromFile, conditions);
    }
    return file === null ? { kind: "missing", reason: `cannot resolve '${spec}'` } : { kind: "file", file: realpathSync(file) };
  }

  /** The directory of the nearest `package.json` above `file`: the package scope. */
  packageScope(file: string): string | null {
    const start = dirname(file);
    const hit = this.scopes.get(start);
    if (hit !== undefined) return hit;
    let found: string | null = null;
    for (let dir = start; ; dir = dirname(dir)) {
      if (this.manifest(dir) !== null) {
        found = dir;
        break;
      }
      if (dirname(dir) === dir || dir.endsWith(`${sep}node_modules`)) break;
    }
    this.scopes.set(start, found);
    return found;
  }

  /** `package.json` in `dir`, parsed, or null. A malformed one counts as absent. */
  manifest(dir: string): PackageJson | null {
    const hit = this.manifests.get(dir);
    if (hit !== undefined) return hit;
    let m: PackageJson | null = null;
    const file = join(dir, "package.json");
    if (this.isFile(file)) {
      try {
        const v = JSON.parse(readFileSync(file, "utf8")) as unknown;
        m = isObject(v) ? (v as PackageJson) : null;
      } catch {
        m = null;
      }
    }
    this.manifests.set(dir, m);
    return m;
  }

  /** The installed directory of package `name` seen from `fromDir`, or null. */
  findPackageDir(fromDir: string, name: string): string | null {
    for (let dir = fromDir; ; dir = dirname(dir)) {
      if (!dir.endsWith(`${sep}node_modules`)) {
        const candidate = join(dir, "node_modules", name);
        if (this.manifest(candidate) !== null) return candidate;
      }
      if (dir === this.rootDir || !dir.startsWith(this.rootDir) || dirname(dir) === dir) return null;
    }
  }

  private resolvePackage(spec: string, fromFile: string, conditions: ReadonlySet<string>): Resolved {
    const name = packageNameOf(spec);
    const subpath = spec === name ? "." : `.${spec.slice(name.length)}`;
    // Self-reference: a package importing itself by name through its own "exports".
    const scope = this.packageScope(fromFile);
    const own = scope === null ? null : this.manifest(scope);
    let dir: string | null = null;
    if (scope !== null && own?.name === name && own.exports !== undefined) dir = scope;
    else dir = this.findPackageDir(dirname(fromFile), name);
    if (dir === null) return { kind: "missing", reason: `cannot resolve '${name}'` };
    const m = this.manifest(dir) as PackageJson;
    let file: string | null;
    if (m.exports !== undefined && m.exports !== null) {
      const rel = resolveExports(m.exports, subpath, conditions);
      if (rel === null) return { kind: "missing", reason: `'${subpath}' is not exported by ${name}` };
      file = this.exact(join(dir, rel));
      if (file === null) return { kind: "missing", reason: `${name} exports '${subpath}' as ./${rel}, which does not exist` };
    } else {
      file = subpath === "." ? this.directory(dir) : this.probe(join(dir, subpath));
    }
    return file === null ? { kind: "missing", reason: `cannot resolve '${spec}'` } : { kind: "file", file: realpathSync(file) };
  }

  private resolveImports(spec: string, fromFile: string, kind: LoadKind, conditions: ReadonlySet<string>): Resolved {
    const scope = this.packageScope(fromFile);
    const imports = scope === null ? undefined : this.manifest(scope)?.imports;
    if (scope === null || !isObject(imports) || spec === "#" || spec.startsWith("#/")) {
      return { kind: "missing", reason: `'${spec}' is not defined by "imports"` };
    }
    const r = resolveSubpathMap(spec, imports, true, conditions);
    if (!r) return { kind: "missing", reason: `'${spec}' is not defined by "imports"` };
    if ("bare" in r) return this.resolve(r.bare, join(scope, "package.json"), kind);
    const file = this.exact(join(scope, r.file));
    return file === null ? { kind: "missing", reason: `'${spec}' maps to ./${r.file}, which does not exist` } : { kind: "file", file: realpathSync(file) };
  }

  /** Whether `p` is a file (cached). */
  isFile(p: string): boolean {
    const hit = this.isFileCache.get(p);
    if (hit !== undefined) return hit;
    let ok = false;
    try {
      ok = statSync(p).isFile();
    } catch {
      ok = false;
    }
    this.isFileCache.set(p, ok);
    return ok;
  }

  /** An exported file: Node loads it as named, with no extension added. */
  private exact(p: string): string | null {
    return this.isFile(p) ? p : null;
  }

  /** LOAD_AS_FILE then LOAD_AS_DIRECTORY, accepting what either `require` or a lenient `import` finds. */
  private probe(p: string): string | null {
    if (this.isFile(p)) return p;
    for (const ext of FILE_EXTENSIONS) if (this.isFile(p + ext)) return p + ext;
    return existsSync(p) ? this.directory(p) : null;
  }

  /** LOAD_AS_DIRECTORY: `main` (itself probed), then `index.*`. */
  directory(dir: string): string | null {
    const main = this.manifest(dir)?.main;
    if (typeof main === "string" && main !== "") {
      const target = join(dir, main);
      if (this.isFile(target)) return target;
      for (const ext of FILE_EXTENSIONS) if (this.isFile(target + ext)) return target + ext;
      for (const ext of FILE_EXTENSIONS) if (this.isFile(join(target, `index${ext}`))) return join(target, `index${ext}`);
    }
    for (const ext of FILE_EXTENSIONS) if (this.isFile(join(dir, `index${ext}`))) return join(dir, `index${ext}`);
    return null;
  }
}
