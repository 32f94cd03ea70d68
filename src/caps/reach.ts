/**
 * Which package reaches which capability, with one shortest path as evidence. Runs
 * on the program graph after the fixpoint (program.ts).
 *
 * A package has a capability when one of its reached functions can get to a sink of
 * it by calls that only go "down": into the package itself or packages it imports,
 * directly or not. A call back up into an importer's code (a method resolved by name
 * onto the importer's class) is the importer's, not the package's: acorn is not
 * charged for what tsnats does in a method acorn happens to call by the same name.
 * DIRECT: a reached function of the package holds the sink; TRANSITIVE: the path
 * leaves the package. One reverse breadth-first search per capability from its
 * sinks, and one forward search from the entry points, make this linear in the graph.
 */
import { CAPABILITIES, type Capability, type CapabilityReport, type PathStep } from "./model.js";
import type { Edge, Program, ProgramModule, ProgramPackage, Sink } from "./program.js";
import { SourceMaps } from "./source-map.js";

/** Per capability: distance to the nearest sink and the next node on the way (−1: none). */
interface Reverse {
  dist: Int32Array;
  next: Int32Array;
  nextEdge: (Edge | null)[];
}

/** A capability in a loaded file whose function is never reached: evidence of what is not used. */
export interface Unreached {
  at: string;
  function: string;
  capability: Capability;
  detail: string;
}

/** One package's findings. */
export interface PackageReach {
  reached: boolean;
  capabilities: Map<Capability, CapabilityReport>;
  /** How the package is first reached from an entry point (null if not reached, or the project itself). */
  entry: PathStep[] | null;
  /** Package-relative files of its loaded modules. */
  loaded: string[];
  /** Sinks in loaded modules that no reached function holds. */
  unreached: Unreached[];
}

/** Attributes capabilities to the packages of `p`; `granularity` only changes how steps read. */
export function attribute(p: Program, moduleLevel: boolean): PackageReach[] {
  return new Attribution(p, moduleLevel).run();
}

class Attribution {
  private readonly n: number;
  private readonly pkgOfNode: Int32Array;
  private readonly cones: Set<number>[];
  private readonly fwdDist: Int32Array;
  private readonly fwdEdge: (Edge | null)[];
  private readonly sinksByCap = new Map<Capability, number[]>();
  private readonly fieldPkgCache = new Map<Reverse, Map<number, number[]>>();
  private readonly maps: SourceMaps;

  constructor(
    private readonly p: Program,
    private readonly moduleLevel: boolean,
  ) {
    this.n = p.kind.length;
    this.pkgOfNode = Int32Array.from(p.nodePkg);
    this.maps = new SourceMaps((p.packages[0] as ProgramPackage).pkg.dir);
    this.cones = p.packages.map((_, i) => cone(p.pkgDeps, i));
    this.fwdDist = new Int32Array(this.n).fill(-1);
    this.fwdEdge = new Array<Edge | null>(this.n).fill(null);
    this.forward();
  }

  run(): PackageReach[] {
    this.indexSinks();
    const reverse = new Map<Capability, Reverse>();
    for (const c of CAPABILITIES) if (c !== "UNANALYZED" && c !== "INSTALL_SCRIPTS") reverse.set(c, this.reverse(c));
    this.addUnanalyzedSpots(reverse);
    reverse.set("UNANALYZED", this.reverse("UNANALYZED"));
    const byPkg: number[][] = this.p.packages.map(() => []);
    for (let i = 0; i < this.n; i++) {
      const pk = this.pkgOfNode[i] as number;
      if (pk >= 0 && this.fwdDist[i] as number >= 0) (byPkg[pk] as number[]).push(i);
    }
    return this.p.packages.map((_, pk) => {
      const nodes = byPkg[pk] as number[];
      const capabilities = new Map<Capability, CapabilityReport>();
      for (const [c, rev] of reverse) {
        const r = this.report(pk, nodes, c, rev);
        if (r) capabilities.set(c, r);
      }
      return { reached: nodes.length > 0, capabilities, entry: pk === 0 ? null : this.entryPath(nodes), ...this.files(pk) };
    });
  }

  /** The path to the package's nearest reached node. */
  private entryPath(nodes: number[]): PathStep[] | null {
    let best = -1;
    for (const u of nodes) if (best < 0 || (this.fwdDist[u] as number) < (this.fwdDist[best] as number)) best = u;
    if (best < 0) return null;
    const steps = this.forwardSteps(best);
    const last = this.step(best, null);
    last.detail = "reached";
    steps.push(last);
    return steps;
  }

  private files(pk: number): { loaded: string[]; unreached: Unreached[] } {
    const loaded: string[] = [];
    const unreached: Unreached[] = [];
    for (const m of this.p.modules) {
      if (m.pkg !== pk) continue;
      loaded.push(m.rel);
      if (this.moduleLevel) continue;
      for (const f of m.analysis.findings) {
        if (f.selected || (this.fwdDist[m.base + f.fn] as number) >= 0) continue;
        unreached.push({ at: this.where(m, f.line), function: this.p.nodeName[m.base + f.fn] as string, capability: f.capability, detail: f.detail });
      }
    }
    return { loaded: loaded.sort(), unreached };
  }

  /**
   * Shortest paths from the virtual entry node, weighted so that evidence prefers what
   * is certain: a call resolved by name costs more than a resolved call, a fallback
   * more still, and "a user of the exported API calls it by name" most (used only
   * when there is no real caller). Dijkstra over small integer weights (bucket queue).
   */
  private forward(): void {
    const weight = (e: Edge): number => {
      if (e.from === 0) return this.p.kind[e.to] === "field" ? 100 : 1;
      if (e.kind === "field") return 3;
      if (e.kind === "fallback") return 5;
      return 1;
    };
    const buckets: number[][] = [[0]];
    this.fwdDist[0] = 0;
    const done = new Uint8Array(this.n);
    for (let d = 0; d < buckets.length; d++) {
      const bucket = buckets[d];
      if (!bucket) continue;
      for (let i = 0; i < bucket.length; i++) {
        const u = bucket[i] as number;
        if (done[u] || this.fwdDist[u] !== d) continue;
        done[u] = 1;
        for (const e of this.p.out[u] as Edge[]) {
          const nd = d + weight(e);
          const cur = this.fwdDist[e.to] as number;
          if (cur >= 0 && cur <= nd) continue;
          this.fwdDist[e.to] = nd;
          this.fwdEdge[e.to] = e;
          (buckets[nd] ??= []).push(e.to);
        }
      }
    }
  }

  private indexSinks(): void {
    this.sinksByCap.clear();
    const nodes = [...this.p.sinks.keys()].sort((a, b) => a - b);
    for (const node of nodes) {
      if ((this.fwdDist[node] as number) < 0) continue;
      for (const s of this.p.sinks.get(node) as Sink[]) {
        const list = this.sinksByCap.get(s.capability);
        if (!list) this.sinksByCap.set(s.capability, [node]);
        else if (list[list.length - 1] !== node) list.push(node);
      }
    }
  }

  private allowed(from: number, toPkg: number): boolean {
    const pf = this.pkgOfNode[from] as number;
    return pf >= 0 && toPkg >= 0 && (this.cones[pf] as Set<number>).has(toPkg);
  }

  /** Reverse search from the sinks of `c`, over calls that go down the package graph. */
  private reverse(c: Capability): Reverse {
    const dist = new Int32Array(this.n).fill(-1);
    const next = new Int32Array(this.n).fill(-1);
    const nextEdge = new Array<Edge | null>(this.n).fill(null);
    const q = [...(this.sinksByCap.get(c) ?? [])];
    if (q.length === 0) return { dist, next, nextEdge };
    for (const s of q) dist[s] = 0;
    const fieldSeen = new Map<number, Set<number>>();
    const kind = this.p.kind;
    for (let i = 0; i < q.length; i++) {
      const v = q[i] as number;
      const pv = this.pkgOfNode[v] as number;
      const dv = (dist[v] as number) + 1;
      for (const e of this.p.in[v] as Edge[]) {
        const u = e.from;
        const ku = kind[u];
        if (ku === "root") continue;
        if (ku !== "field") {
          if ((dist[u] as number) < 0 && this.allowed(u, pv)) {
            dist[u] = dv;
            next[u] = v;
            nextEdge[u] = e;
            q.push(u);
          }
          continue;
        }
        let seen = fieldSeen.get(u);
        if (!seen) fieldSeen.set(u, (seen = new Set()));
        if (seen.has(pv)) continue;
        seen.add(pv);
        for (const e2 of this.p.in[u] as Edge[]) {
          const w = e2.from;
          if ((dist[w] as number) >= 0 || kind[w] === "root" || !this.allowed(w, pv)) continue;
          dist[w] = dv;
          next[w] = v;
          nextEdge[w] = e2;
          q.push(w);
        }
      }
    }
    return { dist, next, nextEdge };
  }

  /**
   * A fallback spot (computed call, dynamic require, eval) is UNANALYZED when its
   * module-level fallback reaches a capability: the answer there rests on the fallback.
   */
  private addUnanalyzedSpots(reverse: Map<Capability, Reverse>): void {
    const seen = new Set<string>();
    for (const e of this.p.fallbacks) {
      if ((this.fwdDist[e.from] as number) < 0) continue;
      const key = `${e.from}:${e.line}:${e.detail ?? ""}`;
      if (seen.has(key)) continue;
      const matters = [...reverse.values()].some((r) => (r.dist[e.to] as number) >= 0);
      if (!matters) continue;
      seen.add(key);
      const s: Sink = { capability: "UNANALYZED", line: e.line, detail: `${e.detail ?? "dynamic"}: module-level fallback` };
      const list = this.p.sinks.get(e.from);
      if (list) list.push(s);
      else this.p.sinks.set(e.from, [s]);
    }
    this.indexSinks();
  }

  private report(pk: number, nodes: number[], c: Capability, rev: Reverse): CapabilityReport | null {
    // DIRECT when a reached function of the package holds a sink: the nearest one to an entry.
    let best = -1;
    for (const u of nodes) {
      if (!(this.p.sinks.get(u) ?? []).some((s) => s.capability === c)) continue;
      if (best < 0 || (this.fwdDist[u] as number) < (this.fwdDist[best] as number)) best = u;
    }
    const direct = best >= 0;
    if (!direct) {
      let bestCost = Infinity;
      for (const u of nodes) {
        const d = rev.dist[u] as number;
        if (d < 0) continue;
        const cost = (this.fwdDist[u] as number) + d;
        if (cost < bestCost) {
          best = u;
          bestCost = cost;
        }
      }
    }
    if (best < 0) return null;
    const via = this.via(pk, nodes, rev, direct);
    return { kind: direct ? "DIRECT" : "TRANSITIVE", example: this.path(best, c, rev, direct), via };
  }

  /** The packages the capability is reached through from `pk`: itself if DIRECT, and the first package left to. */
  private via(pk: number, nodes: number[], rev: Reverse, direct: boolean): string[] {
    const pkgs = new Set<number>();
    if (direct) pkgs.add(pk);
    const cone = this.cones[pk] as Set<number>;
    const consider = (pv: number): void => {
      if (pv !== pk && pv >= 0 && cone.has(pv)) pkgs.add(pv);
    };
    for (const u of nodes) {
      for (const e of this.p.out[u] as Edge[]) {
        if (this.p.kind[e.to] !== "field") {
          if ((rev.dist[e.to] as number) >= 0) consider(this.pkgOfNode[e.to] as number);
        } else {
          for (const pv of this.fieldPackages(e.to, rev)) consider(pv);
        }
      }
    }
    return [...pkgs].map((i) => this.name(i)).sort();
  }

  /** Packages of the functions stored under a field name that reach the capability of `rev` (cached per search). */
  private fieldPackages(field: number, rev: Reverse): number[] {
    let cache = this.fieldPkgCache.get(rev);
    if (!cache) this.fieldPkgCache.set(rev, (cache = new Map()));
    let list = cache.get(field);
    if (!list) {
      const set = new Set<number>();
      for (const e of this.p.out[field] as Edge[]) if ((rev.dist[e.to] as number) >= 0) set.add(this.pkgOfNode[e.to] as number);
      cache.set(field, (list = [...set]));
    }
    return list;
  }

  private name(pk: number): string {
    return (this.p.packages[pk] as { pkg: { name: string } }).pkg.name;
  }

  /** The steps from an entry point up to (not including) `target`. */
  private forwardSteps(target: number): PathStep[] {
    const chain: Edge[] = [];
    for (let u = target; u !== 0; ) {
      const e = this.fwdEdge[u] as Edge;
      chain.unshift(e);
      u = e.from;
    }
    const steps = chain.filter((e) => e.from !== 0 && this.p.kind[e.from] !== "field").map((e) => this.step(e.from, e));
    const first = chain[0];
    if (first && this.p.kind[first.to] === "field") {
      const to = chain[1]?.to ?? target;
      const pkg = this.p.packages[this.pkgOfNode[to] as number] as { id: string };
      steps.unshift({ package: pkg.id, at: "package.json", detail: `a user of the exported API calls .${this.p.nodeName[first.to] as string}()` });
    }
    return steps;
  }

  /** Entry → `start` (forward), then `start` → sink (reverse), as steps. */
  private path(start: number, c: Capability, rev: Reverse, direct: boolean): PathStep[] {
    const steps = this.forwardSteps(start);
    let u = start;
    if (!direct) {
      for (let guard = 0; guard <= this.n && (rev.dist[u] as number) > 0; guard++) {
        steps.push(this.step(u, rev.nextEdge[u] as Edge));
        u = rev.next[u] as number;
      }
    }
    const sink = (this.p.sinks.get(u) as Sink[]).find((s) => s.capability === c) as Sink;
    const last = this.step(u, null);
    last.at = sink.at ?? this.whereNode(u, sink.line);
    last.detail = sink.detail;
    steps.push(last);
    return steps;
  }

  /**
   * `file:line` as shown in evidence: the project's compiled files through their source
   * maps (`src/x.ts:12`), everything else as it is (`lib/x.js:40`).
   */
  private where(m: ProgramModule, line: number): string {
    const mapped = m.pkg === 0 ? this.maps.locate(m.file, line) : null;
    return mapped ?? `${m.rel}${line > 0 ? `:${line}` : ""}`;
  }

  private whereNode(node: number, line: number): string {
    const mod = this.p.nodeModule[node] as number;
    return mod >= 0 ? this.where(this.p.modules[mod] as ProgramModule, line) : "package.json";
  }

  private file(node: number): string {
    const mod = this.p.nodeModule[node] as number;
    return mod >= 0 ? (this.p.modules[mod] as ProgramModule).rel : "package.json";
  }

  private step(node: number, edge: Edge | null): PathStep {
    const pkg = this.p.packages[this.pkgOfNode[node] as number] as { id: string };
    const at = this.whereNode(node, edge ? edge.line : 0);
    const step: PathStep = { package: pkg.id, at, detail: edge ? this.describe(edge) : "" };
    if (!this.moduleLevel) step.function = this.p.nodeName[node] as string;
    return step;
  }

  private describe(e: Edge): string {
    const to = this.p.kind[e.to] === "field" ? null : (this.p.nodeName[e.to] as string);
    if (this.p.kind[e.to] === "exports" && e.kind !== "load") {
      const other = this.pkgOfNode[e.to] !== this.pkgOfNode[e.from] ? `${this.name(this.pkgOfNode[e.to] as number)}/` : "";
      return `${e.kind === "export" ? "re-exports" : "passes on"} the exports of ${other}${this.file(e.to)}`;
    }
    switch (e.kind) {
      case "call":
        return e.detail ?? `calls ${to}`;
      case "callback":
        return `passes ${to}`;
      case "field":
        return `calls ${e.detail ?? `.${this.p.nodeName[e.to] as string}()`}`;
      case "load":
        return e.detail ?? "loads";
      case "fallback":
        return e.detail ? `${e.detail} (module-level fallback)` : "module-level fallback";
      case "export":
        return `exports ${to}`;
      default:
        return e.detail ?? e.kind;
    }
  }
}

/** Packages reachable from `start` in the package import graph, itself included. */
function cone(deps: Set<number>[], start: number): Set<number> {
  const seen = new Set([start]);
  const q = [start];
  for (let i = 0; i < q.length; i++) {
    for (const d of deps[q[i] as number] ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        q.push(d);
      }
    }
  }
  return seen;
}
