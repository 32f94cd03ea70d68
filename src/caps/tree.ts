/**
 * Finds the installed dependency tree of a Node project without running any of it:
 * the root `package.json`'s dependencies (plus devDependencies on request), followed
 * through each installed package's own `package.json`, each name resolved the way
 * Node resolves it (nearest `node_modules` walking up from the package's real path).
 * The lockfile is cross-checked, so a tree that differs from it is reported rather
 * than silently analysed.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { TsnatsError } from "../errors.js";

/** The fields of a `package.json` the analyser reads. */
export interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  bin?: string | Record<string, string>;
}

/** One installed package. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** Where it was found, relative to the project root, `/`-separated (`node_modules/a`). */
  location: string;
  /** Real path on disk: the identity of the package in the graph. */
  dir: string;
  /** Only reachable through devDependencies. */
  dev: boolean;
  manifest: Manifest;
  /** Declared, non-optional dependencies that are not installed. */
  missing: string[];
}

/** The project and its installed tree. */
export interface Tree {
  rootDir: string;
  root: { name: string; version: string };
  rootManifest: Manifest;
  packages: InstalledPackage[];
  warnings: string[];
}

/** Reads and parses a JSON file; null if absent. Throws TsnatsError on bad JSON. */
export function readJson(file: string): unknown {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (e) {
    throw new TsnatsError("CAPS_BAD_JSON", `cannot parse ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** `a/b/c` → `a`, `@s/a/b` → `@s/a`: the package a bare specifier names. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

/** Whether a specifier names a package (not a relative path, an absolute path, `#imports` or a URL). */
export function isBareSpecifier(specifier: string): boolean {
  if (specifier === "" || specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("#")) return false;
  return !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier);
}

/**
 * Node's module resolution for a package name, bounded by the project root: looks in
 * `<dir>/node_modules/<name>` for `fromDir` and each ancestor up to `rootDir`.
 * Returns the package directory (not its real path) or null.
 */
export class Resolver {
  private readonly cache = new Map<string, string | null>();
  constructor(private readonly rootDir: string) {}

  resolve(fromDir: string, name: string): string | null {
    const key = `${fromDir}\0${name}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    let found: string | null = null;
    for (let dir = fromDir; ; dir = dirname(dir)) {
      if (!dir.endsWith(`${sep}node_modules`)) {
        const candidate = join(dir, "node_modules", name);
        if (existsSync(join(candidate, "package.json"))) {
          found = candidate;
          break;
        }
      }
      if (dir === this.rootDir || !dir.startsWith(this.rootDir) || dirname(dir) === dir) break;
    }
    this.cache.set(key, found);
    return found;
  }
}

function toPosix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

function depNames(m: Manifest, which: (keyof Manifest)[]): string[] {
  const out = new Set<string>();
  for (const k of which) for (const n of Object.keys((m[k] as Record<string, string> | undefined) ?? {})) out.add(n);
  return [...out].sort();
}

/** Options for {@link findTree}. */
export interface TreeOptions {
  includeDev: boolean;
}

/**
 * Walks the installed tree from the project at `dir`. Throws TsnatsError when there is
 * no `package.json` or a dependency the root declares is not installed.
 */
export function findTree(dir: string, opts: TreeOptions): Tree {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TsnatsError("CAPS_NO_DIR", `not a directory: ${dir}`);
  const rootDir = realpathSync(dir);
  const rootManifest = readJson(join(rootDir, "package.json")) as Manifest | null;
  if (!rootManifest) throw new TsnatsError("CAPS_NO_MANIFEST", `no package.json in ${dir}`);
  const walker = new TreeWalker(rootDir);
  const prod = depNames(rootManifest, ["dependencies", "optionalDependencies"]);
  walker.walkFrom(rootDir, prod, false, rootManifest.optionalDependencies ?? {});
  if (opts.includeDev) walker.walkFrom(rootDir, depNames(rootManifest, ["devDependencies"]), true, {});
  if (walker.rootMissing.length > 0) {
    throw new TsnatsError(
      "CAPS_NOT_INSTALLED",
      `dependencies not installed in ${join(dir, "node_modules")}: ${walker.rootMissing.join(", ")} (run npm ci first)`,
    );
  }
  const packages = [...walker.byDir.values()];
  const warnings = checkLockfile(rootDir, packages, opts.includeDev);
  return {
    rootDir,
    root: { name: rootManifest.name ?? "", version: rootManifest.version ?? "" },
    rootManifest,
    packages,
    warnings,
  };
}

class TreeWalker {
  readonly byDir = new Map<string, InstalledPackage>();
  readonly rootMissing: string[] = [];
  readonly resolver: Resolver;

  constructor(private readonly rootDir: string) {
    this.resolver = new Resolver(rootDir);
  }

  /** Breadth-first from one requester; packages already seen keep their first `dev` flag. */
  walkFrom(fromDir: string, names: string[], dev: boolean, optional: Record<string, string>): void {
    const queue: { fromDir: string; name: string; optional: boolean; requester: InstalledPackage | null }[] = names.map(
      (name) => ({ fromDir, name, optional: name in optional, requester: null }),
    );
    for (let i = 0; i < queue.length; i++) {
      const item = queue[i] as (typeof queue)[number];
      const found = this.resolver.resolve(item.fromDir, item.name);
      if (found === null) {
        if (item.optional) continue;
        if (item.requester) item.requester.missing.push(item.name);
        else this.rootMissing.push(item.name);
        continue;
      }
      const real = realpathSync(found);
      if (this.byDir.has(real)) continue;
      const pkg = this.load(found, real, dev);
      if (!pkg) continue;
      const m = pkg.manifest;
      const opt = m.optionalDependencies ?? {};
      for (const n of depNames(m, ["dependencies", "optionalDependencies"])) {
        queue.push({ fromDir: real, name: n, optional: n in opt, requester: pkg });
      }
      // npm 7+ installs peers; a peer that is absent is the host's choice, not an error.
      for (const n of depNames(m, ["peerDependencies"])) queue.push({ fromDir: real, name: n, optional: true, requester: pkg });
    }
  }

  load(found: string, real: string, dev: boolean): InstalledPackage | null {
    const pkg = loadPackageAt(this.rootDir, found, real, dev);
    if (pkg) this.byDir.set(real, pkg);
    return pkg;
  }
}

/** Reads an installed package; `found` is where resolution found it, `real` its real path. */
export function loadPackageAt(rootDir: string, found: string, real: string, dev: boolean): InstalledPackage | null {
  const m = readJson(join(real, "package.json")) as Manifest | null;
  if (!m) return null;
  return {
    name: m.name ?? toPosix(relative(join(rootDir, "node_modules"), found)),
    version: m.version ?? "",
    location: toPosix(relative(rootDir, found)),
    dir: real,
    dev,
    manifest: m,
    missing: [],
  };
}

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

/** Compares the installed tree with package-lock.json (v2/v3 `packages` map); returns warnings. */
function checkLockfile(rootDir: string, packages: InstalledPackage[], includeDev: boolean): string[] {
  const lock = (readJson(join(rootDir, "package-lock.json")) ?? readJson(join(rootDir, "npm-shrinkwrap.json"))) as {
    lockfileVersion?: number;
    packages?: Record<string, LockEntry>;
  } | null;
  if (!lock) return ["no package-lock.json: the tree comes from node_modules alone"];
  if (!lock.packages) return [`package-lock.json version ${lock.lockfileVersion ?? "?"} has no "packages" map: not cross-checked`];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const p of packages) {
    seen.add(p.location);
    const e = lock.packages[p.location];
    if (!e) warnings.push(`${p.location} is installed but not in package-lock.json`);
    else if (e.version !== undefined && e.version !== p.version) {
      warnings.push(`${p.location} is ${p.version} on disk but ${e.version} in package-lock.json`);
    }
  }
  for (const [loc, e] of Object.entries(lock.packages)) {
    if (loc === "" || seen.has(loc) || e.link || e.optional) continue;
    if (e.dev && !includeDev) continue;
    if (!existsSync(join(rootDir, loc, "package.json"))) warnings.push(`${loc} is in package-lock.json but not installed`);
  }
  return warnings.sort();
}
