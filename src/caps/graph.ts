/**
 * The package graph: which package imports which (each import resolved with Node's
 * rules from the importing file's directory), and the propagation of capabilities
 * along it. A capability is DIRECT where a package's own code reaches it and
 * TRANSITIVE in every package that imports, directly or not, one that has it; the
 * example path is a shortest import chain, chosen deterministically.
 */
import { realpathSync } from "node:fs";
import { FileCache, analysePackage, type LocatedFinding } from "./analyse-package.js";
import { CAPABILITIES, PROPAGATING, type Capability, type CapabilityReport, type PathStep } from "./model.js";
import { builtinName } from "./rules.js";
import { Resolver, isBareSpecifier, loadPackageAt, packageNameOf, type InstalledPackage, type Tree } from "./tree.js";

/** One package in the graph with its direct findings and outgoing imports. */
export interface GraphNode {
  pkg: InstalledPackage;
  /** `name@version`. */
  id: string;
  /** The first finding of each capability, in file then line order. */
  direct: Map<Capability, LocatedFinding>;
  /** Imported package (by real dir) → first import site. */
  edges: Map<string, { at: string; specifier: string }>;
  files: number;
}

/** The analysed graph plus what the walk noticed. */
export interface Graph {
  nodes: GraphNode[];
  warnings: string[];
  filesParsed: number;
}

function compareNodes(a: GraphNode, b: GraphNode): number {
  const ka = `${a.pkg.name}\0${a.pkg.version}\0${a.pkg.location}`;
  const kb = `${b.pkg.name}\0${b.pkg.version}\0${b.pkg.location}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function declares(pkg: InstalledPackage, name: string): boolean {
  const m = pkg.manifest;
  return [m.dependencies, m.optionalDependencies, m.peerDependencies].some((d) => d !== undefined && name in d);
}

/**
 * Analyses every package of the tree once, resolves its imports and adds packages
 * that are imported without being declared (they run all the same).
 */
export function buildGraph(tree: Tree, cache: FileCache = new FileCache()): Graph {
  const resolver = new Resolver(tree.rootDir);
  const byDir = new Map<string, GraphNode>();
  const queue: InstalledPackage[] = [...tree.packages];
  const known = new Map(tree.packages.map((p) => [p.dir, p]));
  const warnings: string[] = [];
  let filesParsed = 0;
  for (let i = 0; i < queue.length; i++) {
    const pkg = queue[i] as InstalledPackage;
    const analysis = analysePackage(pkg, cache);
    filesParsed += analysis.files;
    const node: GraphNode = { pkg, id: `${pkg.name}@${pkg.version}`, direct: new Map(), edges: new Map(), files: analysis.files };
    byDir.set(pkg.dir, node);
    for (const f of analysis.findings) if (!node.direct.has(f.capability)) node.direct.set(f.capability, f);
    const unresolved = new Set<string>();
    for (const imp of analysis.imports) {
      if (!isBareSpecifier(imp.specifier) || builtinName(imp.specifier) !== null) continue;
      const name = packageNameOf(imp.specifier);
      if (name === pkg.name) continue; // self-reference through "exports"
      const found = resolver.resolve(imp.fromDir, name);
      if (found === null) {
        if (!unresolved.has(name)) {
          unresolved.add(name);
          if (!node.direct.has("UNANALYZED")) {
            node.direct.set("UNANALYZED", { capability: "UNANALYZED", at: imp.at, detail: `cannot resolve '${name}'` });
          }
        }
        continue;
      }
      const real = realpathSync(found);
      if (real === pkg.dir) continue;
      if (!node.edges.has(real)) node.edges.set(real, { at: imp.at, specifier: imp.specifier });
      if (!known.has(real)) {
        const extra = loadPackageAt(tree.rootDir, found, real, pkg.dev);
        if (!extra) continue;
        known.set(real, extra);
        queue.push(extra);
        if (!declares(pkg, name)) warnings.push(`${node.id} imports ${name} (${imp.at}) without declaring it`);
      }
    }
  }
  const nodes = [...byDir.values()].sort(compareNodes);
  return { nodes, warnings: warnings.sort(), filesParsed };
}


/**
 * Capabilities of every node: DIRECT from its own findings, TRANSITIVE through a
 * shortest import chain to a package that has the capability directly.
 */
export function propagate(nodes: GraphNode[]): Map<GraphNode, Map<Capability, CapabilityReport>> {
  const byDir = new Map(nodes.map((n) => [n.pkg.dir, n]));
  const importers = new Map<GraphNode, GraphNode[]>(nodes.map((n) => [n, []]));
  for (const n of nodes) {
    for (const dir of n.edges.keys()) {
      const t = byDir.get(dir);
      if (t) importers.get(t)?.push(n);
    }
  }
  const out = new Map<GraphNode, Map<Capability, CapabilityReport>>(nodes.map((n) => [n, new Map()]));
  for (const cap of CAPABILITIES) {
    const next = new Map<GraphNode, GraphNode | null>();
    const queue = nodes.filter((n) => n.direct.has(cap));
    for (const n of queue) next.set(n, null);
    if (PROPAGATING.has(cap)) {
      for (let i = 0; i < queue.length; i++) {
        const n = queue[i] as GraphNode;
        for (const imp of importers.get(n) ?? []) {
          if (next.has(imp)) continue;
          next.set(imp, n);
          queue.push(imp);
        }
      }
    }
    for (const [n, hop] of next) {
      (out.get(n) as Map<Capability, CapabilityReport>).set(cap, {
        kind: hop === null ? "DIRECT" : "TRANSITIVE",
        example: examplePath(n, cap, next),
      });
    }
  }
  return out;
}

function examplePath(start: GraphNode, cap: Capability, next: Map<GraphNode, GraphNode | null>): PathStep[] {
  const steps: PathStep[] = [];
  let n: GraphNode = start;
  for (let hops = 0; hops <= next.size; hops++) {
    const hop = next.get(n) ?? null;
    if (hop === null) {
      const f = n.direct.get(cap) as LocatedFinding;
      steps.push({ package: n.id, at: f.at, detail: f.detail });
      return steps;
    }
    const edge = n.edges.get(hop.pkg.dir) as { at: string; specifier: string };
    steps.push({ package: n.id, at: edge.at, detail: `imports ${edge.specifier}` });
    n = hop;
  }
  throw new Error("caps: propagation chain does not end (bug)");
}
