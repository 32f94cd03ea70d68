/**
 * The analysis pipeline: installed tree (tree.ts) → entry points (entries.ts) →
 * program graph by fixpoint (program.ts) → capabilities per package with evidence
 * (reach.ts) → the JSON report (report.ts). The project itself is the first package.
 */
import { FileCache, listFiles, packageFacts } from "./analyse-package.js";
import { planEntries } from "./entries.js";
import { CAPABILITIES, type Capability, type CapabilityReport } from "./model.js";
import { Program, type Granularity } from "./program.js";
import { attribute } from "./reach.js";
import { MAX_LISTED, SCHEMA, type CapsReport, type PackageReport } from "./report.js";
import { findTree, type InstalledPackage } from "./tree.js";

/** What to analyse and how. */
export interface AnalyseOptions {
  includeDev: boolean;
  granularity: Granularity;
  /** Real paths of the files a traced run ran: the entry points besides the manifest's (see planEntries). */
  ran?: string[];
}

/** The report plus figures for diagnostics (files parsed, graph size). */
export interface Analysis {
  report: CapsReport;
  stats: {
    filesParsed: number;
    nodes: number;
    edges: number;
    entries: number;
    entryMode: string;
    /** CPU seconds of the whole analysis, and of acorn's parsing within it. */
    cpuSeconds: number;
    parseCpuSeconds: number;
  };
}

/** The code files a package ships: JavaScript files and its `bin` files. */
function shippedCode(pkg: InstalledPackage): string[] {
  const bin = pkg.manifest.bin;
  const bins = new Set((typeof bin === "string" ? [bin] : Object.values(bin ?? {})).map((b) => b.replace(/^\.\//, "")));
  return listFiles(pkg.dir).filter((f) => /\.(?:js|mjs|cjs|jsx)$/.test(f) || bins.has(f));
}

function compareKeys(a: PackageReport, b: PackageReport): number {
  const ka = `${a.name}\0${a.version}\0${a.location}`;
  const kb = `${b.name}\0${b.version}\0${b.location}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Runs the analysis of the project in `dir`. Throws TsnatsError when the tree cannot be read. */
export function analyseProject(dir: string, opts: AnalyseOptions, cache: FileCache = new FileCache()): Analysis {
  const started = process.cpuUsage();
  const parsedBefore = cache.parseMicros;
  const tree = findTree(dir, { includeDev: opts.includeDev });
  const root: InstalledPackage = {
    name: tree.root.name,
    version: tree.root.version,
    location: ".",
    dir: tree.rootDir,
    dev: false,
    manifest: tree.rootManifest,
    missing: [],
  };
  const program = new Program(tree.rootDir, [root, ...tree.packages], opts.granularity, cache);
  const plan = planEntries(root, tree.packages, opts.includeDev, program.resolver, listFiles, opts.ran);
  program.packages.forEach((p, i) => {
    if (plan.libraries.includes(p.pkg.dir)) program.setLibrary(i);
  });
  program.run(plan.entries);
  const reach = attribute(program, opts.granularity === "module");
  const packages = program.packages.map((p, i): PackageReport => {
    const r = reach[i] as (typeof reach)[number];
    const found = new Map<Capability, CapabilityReport>(r.capabilities);
    const facts = packageFacts(p.pkg).filter((f) => f.capability === "INSTALL_SCRIPTS" || r.reached);
    if (i === 0) for (const m of plan.missing) facts.push({ capability: "UNANALYZED", at: m.at, detail: m.detail });
    for (const f of facts) {
      // A package-level fact is the package's own: it makes the capability DIRECT.
      const had = found.get(f.capability);
      if (had?.kind === "DIRECT") continue;
      const via = [...new Set([...(had?.via ?? []), p.pkg.name])].sort();
      found.set(f.capability, { kind: "DIRECT", example: [{ package: p.id, at: f.at, detail: f.detail }], via });
    }
    const capabilities: PackageReport["capabilities"] = {};
    for (const c of CAPABILITIES) {
      const cr = found.get(c);
      if (cr) capabilities[c] = cr;
    }
    const out: PackageReport = { name: p.pkg.name, version: p.pkg.version, location: p.pkg.location, dev: p.pkg.dev, reached: r.reached, capabilities };
    if (i === 0) out.root = true;
    else if (r.reached) {
      if (r.entry) out.entry = r.entry;
      const shipped = shippedCode(p.pkg);
      const loaded = new Set(r.loaded);
      out.files = { shipped: shipped.length, loaded: r.loaded.slice(0, MAX_LISTED), notLoaded: shipped.filter((f) => !loaded.has(f)).slice(0, MAX_LISTED) };
      if (r.unreached.length > 0) out.unreached = r.unreached.slice(0, MAX_LISTED);
    }
    return out;
  });
  const edges = program.out.reduce((n, list) => n + list.length, 0);
  const spent = process.cpuUsage(started);
  return {
    report: {
      schema: SCHEMA,
      root: tree.root,
      includeDev: opts.includeDev,
      granularity: opts.granularity,
      packages: packages.sort(compareKeys),
      warnings: [...new Set([...tree.warnings, ...program.warnings])].sort(),
    },
    stats: {
      filesParsed: program.filesParsed,
      nodes: program.kind.length,
      edges,
      entries: plan.entries.length,
      entryMode: plan.mode,
      cpuSeconds: (spent.user + spent.system) / 1e6,
      parseCpuSeconds: (cache.parseMicros - parsedBefore) / 1e6,
    },
  };
}
