/**
 * Analyses one installed package: walks the files it ships once (skipping nested
 * `node_modules`), analyses each code file through a content-addressed cache (two
 * installed copies of one version are parsed once), and adds the package-level facts
 * that no file shows: install scripts, `binding.gyp`, native `.node` addons.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { analyseSource } from "./analyse-file.js";
import type { Capability, FileAnalysis } from "./model.js";
import type { InstalledPackage } from "./tree.js";

/** Extensions parsed as code. `.d.ts`/`.d.mts`/`.d.cts` are declarations: no code, skipped. */
const CODE_EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"];
const DECLARATION = /\.d\.[mc]?ts$/;

/** npm lifecycle scripts that run on `npm install` of a dependency. */
export const INSTALL_SCRIPT_NAMES = ["preinstall", "install", "postinstall"] as const;

/** A direct finding located in the package: `at` is `file:line` or a file / manifest field. */
export interface LocatedFinding {
  capability: Capability;
  at: string;
  detail: string;
}

/** An import of another package from this one. */
export interface LocatedImport {
  specifier: string;
  at: string;
  /** The importing file's absolute directory, where resolution starts. */
  fromDir: string;
}

/** Everything the package's own files say. */
export interface PackageAnalysis {
  findings: LocatedFinding[];
  imports: LocatedImport[];
  files: number;
}

/** Per-run cache of file analyses keyed by content hash. */
export class FileCache {
  private readonly byHash = new Map<string, FileAnalysis>();
  hits = 0;
  misses = 0;

  analyse(source: string): FileAnalysis {
    const key = createHash("sha1").update(source).digest("hex");
    const hit = this.byHash.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const result = analyseSource(source);
    this.byHash.set(key, result);
    return result;
  }
}

function isCodeFile(name: string): boolean {
  return CODE_EXTENSIONS.some((e) => name.endsWith(e)) && !DECLARATION.test(name);
}

/** Package-relative paths of all files, sorted, not entering nested node_modules or dot-dirs. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string, rel: string): void => {
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name === "node_modules" || e.name.startsWith(".")) continue;
        visit(join(abs, e.name), r);
      } else if (e.isFile()) {
        out.push(r);
      }
    }
  };
  visit(dir, "");
  return out;
}

function binFiles(pkg: InstalledPackage): Set<string> {
  const bin = pkg.manifest.bin;
  const list = typeof bin === "string" ? [bin] : Object.values(bin ?? {});
  return new Set(list.map((p) => p.replace(/^\.\//, "")));
}

/** Analyses every file `pkg` ships. */
export function analysePackage(pkg: InstalledPackage, cache: FileCache): PackageAnalysis {
  const findings: LocatedFinding[] = [];
  const imports: LocatedImport[] = [];
  const scripts = pkg.manifest.scripts ?? {};
  for (const s of INSTALL_SCRIPT_NAMES) {
    if (typeof scripts[s] === "string") {
      findings.push({ capability: "INSTALL_SCRIPTS", at: `package.json#scripts.${s}`, detail: scripts[s] as string });
    }
  }
  const files = listFiles(pkg.dir);
  const bins = binFiles(pkg);
  let parsed = 0;
  for (const rel of files) {
    if (rel === "binding.gyp") {
      findings.push({ capability: "INSTALL_SCRIPTS", at: rel, detail: "binding.gyp (node-gyp rebuild on install)" });
      continue;
    }
    if (rel.endsWith(".node")) {
      findings.push({ capability: "ARBITRARY_EXECUTION", at: rel, detail: "native addon" });
      continue;
    }
    if (!isCodeFile(rel) && !bins.has(rel)) continue;
    parsed++;
    const abs = join(pkg.dir, rel);
    const result = cache.analyse(readFileSync(abs, "utf8"));
    for (const f of result.findings) {
      findings.push({ capability: f.capability, at: f.line > 0 ? `${rel}:${f.line}` : rel, detail: f.detail });
    }
    const fromDir = join(abs, "..");
    for (const i of result.imports) imports.push({ specifier: i.specifier, at: `${rel}:${i.line}`, fromDir });
  }
  for (const name of pkg.missing) {
    findings.push({ capability: "UNANALYZED", at: "package.json", detail: `dependency '${name}' is not installed` });
  }
  return { findings, imports, files: parsed };
}
