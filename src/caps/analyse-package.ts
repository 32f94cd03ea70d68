/**
 * Per-package helpers of the analyser: the content-addressed cache of file analyses
 * (two installed copies of one version are parsed once), the list of files a package
 * ships, and the package-level facts that no file shows (install scripts,
 * `binding.gyp`, dependencies that are not installed).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { analyseParsed, parseSource } from "./analyse-file.js";
import type { Capability, FileAnalysis } from "./model.js";
import type { InstalledPackage } from "./tree.js";

/** npm lifecycle scripts that run on `npm install` of a dependency. */
export const INSTALL_SCRIPT_NAMES = ["preinstall", "install", "postinstall"] as const;

/** A direct finding located in the package: `at` is `file:line` or a file / manifest field. */
export interface LocatedFinding {
  capability: Capability;
  at: string;
  detail: string;
}

/** Per-run cache of file analyses keyed by content hash: two installed copies of a file are parsed once. */
export class FileCache {
  private readonly byHash = new Map<string, FileAnalysis>();
  hits = 0;
  misses = 0;
  /** CPU time spent in acorn, in microseconds: the yardstick the rest of the analysis is measured against. */
  parseMicros = 0;

  analyse(source: string, facts = false): FileAnalysis {
    const key = `${facts ? "f" : "m"}${createHash("sha1").update(source).digest("hex")}`;
    const hit = this.byHash.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const before = process.cpuUsage();
    const parsed = parseSource(source);
    const spent = process.cpuUsage(before);
    this.parseMicros += spent.user + spent.system;
    const result = analyseParsed(source, parsed, { facts });
    this.byHash.set(key, result);
    return result;
  }
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

/**
 * The package-level facts no import shows: install scripts and `binding.gyp` (they run
 * on `npm install`, whether or not anything imports the package) and declared
 * dependencies that are not installed.
 */
export function packageFacts(pkg: InstalledPackage): LocatedFinding[] {
  const findings: LocatedFinding[] = [];
  const scripts = pkg.manifest.scripts ?? {};
  for (const s of INSTALL_SCRIPT_NAMES) {
    if (typeof scripts[s] === "string") {
      findings.push({ capability: "INSTALL_SCRIPTS", at: `package.json#scripts.${s}`, detail: scripts[s] as string });
    }
  }
  if (existsSync(join(pkg.dir, "binding.gyp"))) {
    findings.push({ capability: "INSTALL_SCRIPTS", at: "binding.gyp", detail: "binding.gyp (node-gyp rebuild on install)" });
  }
  for (const name of pkg.missing) {
    findings.push({ capability: "UNANALYZED", at: "package.json", detail: `dependency '${name}' is not installed` });
  }
  return findings;
}
