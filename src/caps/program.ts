/**
 * The whole program as the analyser sees it: the modules reached from the entry
 * points (each import resolved with Node's rules), and a graph over their functions
 * built by a worklist fixpoint. A function node is processed once, when first
 * reached: its loads bring in modules, its calls and escapes reach functions, its
 * property stores feed the field-based method resolution, its sinks are recorded.
 * With granularity "module" each module is one node and only loads are followed.
 *
 * Fallbacks: a spot the call graph cannot follow (facts.ts) reaches the module-level
 * node of its module ("star"), which reaches every function of the module and the
 * module-level nodes of what it imports: the module-level answer, for that spot.
 * A dynamic `require(x)` loads every code file of the package its literal prefix
 * allows, unless `x` is a parameter that every caller passes a literal string to.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, relative, sep } from "node:path";
import { FileCache, listFiles } from "./analyse-package.js";
import type { DynamicLoad, FileFacts, Ref } from "./facts-model.js";
import type { Capability, FileAnalysis } from "./model.js";
import { ModuleResolver, type LoadKind } from "./resolve.js";
import { isBareSpecifier, loadPackageAt, packageNameOf, type InstalledPackage } from "./tree.js";

/** Function or module granularity. */
export type Granularity = "function" | "module";

/** What kind of node: the virtual entry, a function, a field name, a module-level fallback, a module's exports. */
export type NodeKind = "root" | "fn" | "field" | "star" | "exports";

/** How control goes from one node to the next (shown in evidence paths). */
export type EdgeKind = "entry" | "call" | "callback" | "load" | "field" | "fallback" | "export";

/** One edge of the program graph. */
export interface Edge {
  from: number;
  to: number;
  line: number;
  kind: EdgeKind;
  detail?: string;
  args?: (string | null)[];
}

/** A capability found in a function: the sink of evidence paths. */
export interface Sink {
  capability: Capability;
  line: number;
  detail: string;
  /** Package-relative file when not the node's own module (a native addon). */
  at?: string;
}

/** A package of the program; index 0 is the analysed project itself. */
export interface ProgramPackage {
  pkg: InstalledPackage;
  id: string;
  /** Its exported API counts as called from outside (the project's main/exports, or a root dependency in dependency mode). */
  library: boolean;
}

/** A loaded module. */
export interface ProgramModule {
  file: string;
  pkg: number;
  /** Package-relative, `/`-separated. */
  rel: string;
  analysis: FileAnalysis;
  /** Node id of function 0; function i is `base + i` (one node in module granularity). */
  base: number;
  /** Per import site: module id, or -1 built-in, -2 not resolved. */
  targets: Map<number, number>;
  star: number;
  exports: number;
}

/** An entry point: a file whose top level runs; `library` also calls its exports. */
export interface Entry {
  file: string;
  library: boolean;
  /** Why it is an entry, for the evidence: `package.json#main`, `bin tsnats`, `own file`. */
  why: string;
}

type Val =
  | { t: "fn"; node: number }
  | { t: "ns"; mod: number }
  | { t: "obj"; mod: number; id: number }
  | { t: "field"; name: string }
  | { t: "exports"; mod: number }
  | { t: "any" };

const CODE_FILE = /\.(?:js|mjs|cjs|jsx)$/;

/** The program graph after the fixpoint. */
export class Program {
  readonly packages: ProgramPackage[] = [];
  readonly modules: ProgramModule[] = [];
  readonly kind: NodeKind[] = [];
  readonly nodeModule: number[] = [];
  /** Package of each node: its module's, 0 for the project's own dependency-mode node, −1 for the entry and field nodes. */
  readonly nodePkg: number[] = [];
  readonly nodeName: string[] = [];
  readonly out: Edge[][] = [];
  readonly in: Edge[][] = [];
  readonly reached: boolean[] = [];
  readonly sinks = new Map<number, Sink[]>();
  /** Fallback edges (spots the call graph could not follow). */
  readonly fallbacks: Edge[] = [];
  /** Package index → indexes of packages whose modules it loads. */
  readonly pkgDeps: Set<number>[] = [];
  readonly warnings: string[] = [];
  filesParsed = 0;

  private readonly byFile = new Map<string, number>();
  private readonly byDir = new Map<string, number>();
  private readonly fieldNodes = new Map<string, number>();
  private readonly fieldTargets = new Map<string, Set<number>>();
  private readonly edgeKeys = new Set<number>();
  private readonly argEdgeKeys = new Set<string>();
  private readonly queue: number[] = [];
  private readonly pending: { mod: number; dl: DynamicLoad; state: "pending" | "resolved" | "dynamic" }[] = [];
  private readonly exportMemo = new Map<string, Val[]>();
  private readonly exportBusy = new Set<string>();
  private readonly fileLists = new Map<number, string[]>();
  readonly resolver: ModuleResolver;

  constructor(
    private readonly rootDir: string,
    packages: InstalledPackage[],
    private readonly granularity: Granularity,
    private readonly cache: FileCache,
  ) {
    this.resolver = new ModuleResolver(rootDir);
    for (const p of packages) this.addPackage(p, false);
    this.newNode("root", -1, "<entry>");
    this.reached[0] = true;
  }

  /** Marks a package's API as called from outside. */
  setLibrary(pkgIndex: number): void {
    (this.packages[pkgIndex] as ProgramPackage).library = true;
  }

  private addPackage(p: InstalledPackage, library: boolean): number {
    const i = this.packages.length;
    this.packages.push({ pkg: p, id: `${p.name}@${p.version}`, library });
    this.pkgDeps.push(new Set());
    this.byDir.set(p.dir, i);
    return i;
  }

  /**
   * Runs the fixpoint from the entry points. Entries in dependencies (a project with no
   * code of its own) hang under one node of the project, so the project reaches what
   * they reach, through them.
   */
  run(entries: Entry[]): void {
    let viaDeps = -1;
    for (const e of entries) {
      const m = this.module(e.file);
      if (m === null) continue;
      const mod = this.modules[m] as ProgramModule;
      let from = 0;
      if (mod.pkg !== 0) {
        if (viaDeps < 0) viaDeps = this.newNode("fn", -1, "<dependencies>", 0);
        this.link(0, viaDeps, 0, "entry", "the project's dependencies");
        (this.pkgDeps[0] as Set<number>).add(mod.pkg);
        from = viaDeps;
      }
      this.link(from, mod.base, 0, from === 0 ? "entry" : "load", e.why);
      if (e.library) this.link(from, this.exportsNode(m), 0, from === 0 ? "entry" : "load", `${e.why} (exported API)`);
    }
    for (;;) {
      for (let i = 0; i < this.queue.length; i++) this.process(this.queue[i] as number);
      this.queue.length = 0;
      if (!this.settleDynamic()) break;
    }
    this.addonSinks();
  }

  /** A loaded package that ships native addons can run native code, however it finds them. */
  private addonSinks(): void {
    const first = new Map<number, number>();
    for (const m of this.modules) if (!first.has(m.pkg)) first.set(m.pkg, m.base);
    for (const [pkg, node] of first) {
      if (pkg === 0) continue;
      for (const rel of listFiles((this.packages[pkg] as ProgramPackage).pkg.dir)) {
        if (rel.endsWith(".node")) this.addSink(node, { capability: "ARBITRARY_EXECUTION", line: 0, detail: "native addon", at: rel });
      }
    }
  }

  // ---- nodes and edges ------------------------------------------------------------

  private newNode(kind: NodeKind, mod: number, name: string, pkg = mod >= 0 ? (this.modules[mod] as ProgramModule).pkg : -1): number {
    const id = this.kind.length;
    this.kind.push(kind);
    this.nodeModule.push(mod);
    this.nodePkg.push(pkg);
    this.nodeName.push(name);
    this.out.push([]);
    this.in.push([]);
    this.reached.push(false);
    return id;
  }

  /** Adds an edge (once per pair, per literal arguments) and reaches its target. */
  private link(from: number, to: number, line: number, kind: EdgeKind, detail?: string, args?: (string | null)[]): void {
    const fresh = args ? !this.argEdgeKeys.has(`${from}:${to}:${args.join("\0")}`) : !this.edgeKeys.has(edgeKey(from, to));
    if (fresh) {
      if (args) this.argEdgeKeys.add(`${from}:${to}:${args.join("\0")}`);
      else this.edgeKeys.add(edgeKey(from, to));
      const e: Edge = { from, to, line, kind };
      if (detail !== undefined) e.detail = detail;
      if (args) e.args = args;
      (this.out[from] as Edge[]).push(e);
      (this.in[to] as Edge[]).push(e);
      if (kind === "fallback" && this.kind[to] === "star" && this.kind[from] !== "star") this.fallbacks.push(e);
    }
    if (!this.reached[to]) {
      this.reached[to] = true;
      this.queue.push(to);
    }
  }

  private addSink(node: number, s: Sink): void {
    const list = this.sinks.get(node);
    if (list) list.push(s);
    else this.sinks.set(node, [s]);
  }

  /** The package index of a module file, adding a package found by resolution that the tree did not list. */
  private packageOf(file: string): number {
    for (let dir = dirname(file); ; dir = dirname(dir)) {
      const hit = this.byDir.get(dir);
      if (hit !== undefined) return hit;
      if (dir === this.rootDir || dirname(dir) === dir) return 0;
      const parent = dirname(dir);
      const inModules = basename(parent) === "node_modules" || (basename(parent).startsWith("@") && basename(dirname(parent)) === "node_modules");
      if (inModules && !basename(dir).startsWith("@") && this.resolver.manifest(dir) !== null) {
        const p = loadPackageAt(this.rootDir, dir, dir, false);
        if (p) {
          const devOfRoot = p.name in ((this.packages[0] as ProgramPackage).pkg.manifest.devDependencies ?? {});
          this.warnings.push(
            devOfRoot
              ? `${p.location} is a devDependency, yet code analysed here loads it`
              : `${p.location} is loaded but is not in the dependency tree`,
          );
          return this.addPackage(p, false);
        }
      }
    }
  }

  /** The module of a file, loading and analysing it once; null for data files (`.json`). */
  private module(file: string): number | null {
    const hit = this.byFile.get(file);
    if (hit !== undefined) return hit;
    if (!CODE_FILE.test(file) && !this.isBin(file)) return null;
    let source: string;
    try {
      source = readFileSync(file, "utf8");
    } catch {
      return null;
    }
    this.filesParsed++;
    const pkg = this.packageOf(file);
    const p = this.packages[pkg] as ProgramPackage;
    const analysis = this.cache.analyse(source, true);
    const id = this.modules.length;
    const rel = relative(p.pkg.dir, file).split(sep).join("/");
    const fnCount = this.granularity === "module" ? 1 : (analysis.facts?.fns.length ?? 1);
    const base = this.kind.length;
    for (let i = 0; i < fnCount; i++) {
      const name = this.granularity === "module" ? "<module>" : (analysis.facts?.fns[i]?.name ?? "<module>");
      this.newNode("fn", id, name, pkg);
    }
    const mod: ProgramModule = { file, pkg, rel, analysis, base, targets: new Map(), star: -1, exports: -1 };
    this.modules.push(mod);
    this.byFile.set(file, id);
    mod.star = this.newNode("star", id, "<module level>");
    mod.exports = this.newNode("exports", id, "<exports>");
    return id;
  }

  private isBin(file: string): boolean {
    const pkg = this.packages[this.packageOf(file)] as ProgramPackage;
    const bin = pkg.pkg.manifest.bin;
    const list = typeof bin === "string" ? [bin] : Object.values(bin ?? {});
    const rel = relative(pkg.pkg.dir, file).split(sep).join("/");
    return list.some((b) => b.replace(/^\.\//, "") === rel);
  }

  private fieldNode(name: string): number {
    let n = this.fieldNodes.get(name);
    if (n === undefined) {
      n = this.newNode("field", -1, name);
      this.fieldNodes.set(name, n);
    }
    return n;
  }

  private exportsNode(mod: number): number {
    return (this.modules[mod] as ProgramModule).exports;
  }

  /** Resolves import site `site` of module `mod` (once), recording package dependencies. */
  private target(mod: number, site: number): number {
    const m = this.modules[mod] as ProgramModule;
    const hit = m.targets.get(site);
    if (hit !== undefined) return hit;
    const s = (m.analysis.facts as FileFacts).sites[site] as FileFacts["sites"][number];
    const t = this.resolveFrom(mod, s.specifier, s.kind, s.line);
    m.targets.set(site, t);
    return t;
  }

  private resolveFrom(mod: number, specifier: string, kind: LoadKind, line: number): number {
    const m = this.modules[mod] as ProgramModule;
    const r = this.resolver.resolve(specifier, m.file, kind);
    if (r.kind === "builtin") return -1;
    if (r.kind === "missing") {
      this.addSink(m.base, { capability: "UNANALYZED", line, detail: r.reason });
      return -2;
    }
    if (r.file.endsWith(".node")) {
      const owner = this.packageOf(r.file);
      const rel = relative((this.packages[owner] as ProgramPackage).pkg.dir, r.file).split(sep).join("/");
      this.addSink(m.base, { capability: "ARBITRARY_EXECUTION", line, detail: `native addon ${rel}` });
      return -1;
    }
    const t = this.module(r.file);
    if (t === null) return -1;
    const tp = (this.modules[t] as ProgramModule).pkg;
    if (tp !== m.pkg) {
      (this.pkgDeps[m.pkg] as Set<number>).add(tp);
      if (isBareSpecifier(specifier) && !declares((this.packages[m.pkg] as ProgramPackage).pkg, packageNameOf(specifier)) && m.pkg !== 0) {
        this.warnings.push(`${(this.packages[m.pkg] as ProgramPackage).id} imports ${packageNameOf(specifier)} (${m.rel}:${line}) without declaring it`);
      }
    }
    return t;
  }

  // ---- processing -------------------------------------------------------------------

  private process(node: number): void {
    switch (this.kind[node]) {
      case "fn":
        if ((this.nodeModule[node] as number) < 0) return; // the project's <dependencies> node: edges only
        if (this.granularity === "module") this.processModule(this.nodeModule[node] as number);
        else this.processFunction(node);
        return;
      case "field":
        for (const t of this.fieldTargets.get(this.nodeName[node] as string) ?? []) this.link(node, t, 0, "field");
        return;
      case "star":
        this.processStar(this.nodeModule[node] as number);
        return;
      case "exports":
        this.processExports(this.nodeModule[node] as number);
        return;
    }
  }

  private processModule(mod: number): void {
    const m = this.modules[mod] as ProgramModule;
    for (const f of m.analysis.findings) this.addSink(m.base, { capability: f.capability, line: f.line, detail: f.detail });
    const facts = m.analysis.facts;
    if (!facts) return;
    facts.sites.forEach((s, i) => {
      const t = this.target(mod, i);
      if (t >= 0) this.link(m.base, (this.modules[t] as ProgramModule).base, s.line, "load", `imports ${s.specifier}`);
    });
    for (const dl of facts.dynamic) this.dynamicFallback(mod, m.base, dl);
  }

  private processFunction(node: number): void {
    const mod = this.nodeModule[node] as number;
    const m = this.modules[mod] as ProgramModule;
    const i = node - m.base;
    const facts = m.analysis.facts;
    if (facts) {
      for (const dl of facts.dynamic) {
        if (dl.fn !== i) continue;
        if (dl.param !== null) {
          this.pending.push({ mod, dl, state: "pending" });
        } else {
          this.dynamicFallback(mod, node, dl);
        }
      }
    }
    for (const f of m.analysis.findings) {
      if (f.fn !== i || f.selected) continue;
      // Dynamic loads are sinks only when they stay dynamic (dynamicFallback, settleDynamic).
      if (facts && f.capability === "ARBITRARY_EXECUTION" && f.detail.endsWith("(<expression>)")) continue;
      this.addSink(node, { capability: f.capability, line: f.line, detail: f.detail });
    }
    if (!facts) return;
    const fn = facts.fns[i];
    if (!fn) return;
    for (const e of fn.edges) {
      if (e.kind === "fallback") {
        this.link(node, m.star, e.line, "fallback", e.detail);
        continue;
      }
      const ref = e.ref as Ref;
      if (e.kind === "load" && ref.k === "imp") {
        const t = this.target(mod, ref.site);
        if (t >= 0) this.link(node, (this.modules[t] as ProgramModule).base, e.line, "load", `loads ${(facts.sites[ref.site] as { specifier: string }).specifier}`);
        continue;
      }
      const vals = this.resolveRef(mod, ref);
      for (const v of vals) {
        if (e.kind === "call") this.callVal(node, v, e.line, e.args);
        else this.escapeVal(node, v, e.line, 0);
      }
    }
    for (const s of fn.stores) {
      for (const v of this.resolveRef(mod, s.ref)) {
        if (v.t === "fn") this.store(s.name, v.node);
        else if (v.t !== "field" && !s.exported) this.escapeVal(node, v, s.line, 0);
      }
      // A library's user may call any method of what it gets back; its exports are reached through the exports node.
      if (!s.exported && (this.packages[m.pkg] as ProgramPackage).library) this.link(0, this.fieldNode(s.name), 0, "entry", "method of the exported API");
    }
  }

  private store(name: string, fnNode: number): void {
    let set = this.fieldTargets.get(name);
    if (!set) {
      set = new Set();
      this.fieldTargets.set(name, set);
    }
    if (set.has(fnNode)) return;
    set.add(fnNode);
    const f = this.fieldNodes.get(name);
    if (f !== undefined && this.reached[f]) this.link(f, fnNode, 0, "field");
  }

  private processStar(mod: number): void {
    const m = this.modules[mod] as ProgramModule;
    const count = this.granularity === "module" ? 1 : (m.analysis.facts?.fns.length ?? 1);
    for (let i = 0; i < count; i++) this.link(m.star, m.base + i, this.lineOfFn(mod, i), "fallback");
    const facts = m.analysis.facts;
    if (!facts) return;
    facts.sites.forEach((s, i) => {
      const t = this.target(mod, i);
      if (t >= 0) this.link(m.star, (this.modules[t] as ProgramModule).star, s.line, "fallback", `imports ${s.specifier}`);
    });
  }

  private processExports(mod: number): void {
    const facts = (this.modules[mod] as ProgramModule).analysis.facts;
    const node = this.exportsNode(mod);
    if (!facts) return;
    for (const name of facts.exports.named.keys()) for (const v of this.exportVals(mod, name)) this.escapeVal(node, v, 0, 0, "export");
    for (const site of facts.exports.stars) {
      const t = this.target(mod, site);
      if (t >= 0) this.link(node, this.exportsNode(t), 0, "export");
    }
    for (const r of facts.exports.whole) for (const v of this.resolveRef(mod, r)) this.escapeVal(node, v, 0, 0, "export");
  }

  private lineOfFn(mod: number, i: number): number {
    return (this.modules[mod] as ProgramModule).analysis.facts?.fns[i]?.line ?? 1;
  }

  // ---- values -------------------------------------------------------------------------

  private resolveRef(mod: number, r: Ref): Val[] {
    const m = this.modules[mod] as ProgramModule;
    switch (r.k) {
      case "fn":
        return [{ t: "fn", node: m.base + r.id }];
      case "obj":
        return [{ t: "obj", mod, id: r.id }];
      case "field":
        return [{ t: "field", name: r.name }];
      case "any":
        return [{ t: "any" }];
      case "self":
        return this.walkPath([{ t: "ns", mod }], r.path);
      case "imp": {
        const t = this.target(mod, r.site);
        return t < 0 ? [] : this.walkPath([{ t: "ns", mod: t }], r.path);
      }
    }
  }

  private walkPath(start: Val[], path: readonly string[]): Val[] {
    let vals = start;
    for (const key of path) vals = vals.flatMap((v) => this.member(v, key));
    return vals;
  }

  private member(v: Val, key: string): Val[] {
    switch (v.t) {
      case "ns":
        return key === "*" ? [{ t: "exports", mod: v.mod }] : this.exportVals(v.mod, key);
      case "obj": {
        const fields = (this.modules[v.mod] as ProgramModule).analysis.facts?.objects[v.id];
        if (!fields) return [];
        if (key === "*") return [...fields.values()].flat().flatMap((r) => this.resolveRef(v.mod, r));
        const refs = fields.get(key);
        return refs ? refs.flatMap((r) => this.resolveRef(v.mod, r)) : [{ t: "field", name: key }];
      }
      default:
        return key === "*" ? [{ t: "any" }] : [{ t: "field", name: key }];
    }
  }

  /** What export `name` of module `mod` may be: named exports, `export *`, CommonJS `module.exports`. */
  private exportVals(mod: number, name: string): Val[] {
    const key = `${mod}:${name}`;
    const hit = this.exportMemo.get(key);
    if (hit) return hit;
    if (this.exportBusy.has(key)) return [];
    this.exportBusy.add(key);
    const facts = (this.modules[mod] as ProgramModule).analysis.facts;
    const out: Val[] = [];
    if (facts) {
      for (const r of facts.exports.named.get(name) ?? []) out.push(...this.resolveRef(mod, r));
      if (name !== "default") {
        for (const site of facts.exports.stars) {
          const t = this.target(mod, site);
          if (t >= 0) out.push(...this.exportVals(t, name));
        }
      }
      if (!facts.esm) {
        if (name === "default") out.push({ t: "ns", mod });
        for (const r of facts.exports.whole) {
          for (const v of this.resolveRef(mod, r)) {
            if (name !== "default" && !(v.t === "ns" && v.mod === mod)) out.push(...this.member(v, name));
          }
        }
        if (out.length === 0) out.push({ t: "field", name });
      }
    }
    this.exportBusy.delete(key);
    this.exportMemo.set(key, out);
    return out;
  }

  private callVal(from: number, v: Val, line: number, args?: (string | null)[], depth = 0): void {
    switch (v.t) {
      case "fn":
        this.link(from, v.node, line, "call", undefined, args);
        return;
      case "ns": {
        // Calling a CommonJS module object: what `module.exports` was assigned.
        const facts = (this.modules[v.mod] as ProgramModule).analysis.facts;
        if (depth > 3) return;
        for (const r of facts?.exports.whole ?? []) {
          for (const w of this.resolveRef(v.mod, r)) if (!(w.t === "ns" && w.mod === v.mod)) this.callVal(from, w, line, args, depth + 1);
        }
        return;
      }
      case "field":
        this.link(from, this.fieldNode(v.name), line, "field", `.${v.name}()`);
        return;
      case "exports":
        this.link(from, this.exportsNode(v.mod), line, "call", "a computed export");
        return;
      case "any":
        this.link(from, (this.modules[this.nodeModule[from] as number] as ProgramModule).star, line, "fallback", "computed callee");
        return;
      default:
        return;
    }
  }

  private escapeVal(from: number, v: Val, line: number, depth: number, kind: EdgeKind = "callback"): void {
    switch (v.t) {
      case "fn":
        this.link(from, v.node, line, kind);
        return;
      case "ns":
      case "exports":
        if (!(this.kind[from] === "exports" && this.nodeModule[from] === v.mod)) this.link(from, this.exportsNode(v.mod), line, kind);
        return;
      case "obj": {
        if (depth > 3) return;
        const fields = (this.modules[v.mod] as ProgramModule).analysis.facts?.objects[v.id];
        for (const refs of fields?.values() ?? []) for (const r of refs) for (const w of this.resolveRef(v.mod, r)) this.escapeVal(from, w, line, depth + 1, kind);
        return;
      }
      case "field":
        this.link(from, this.fieldNode(v.name), line, "field", `.${v.name}`);
        return;
      default:
        return;
    }
  }

  // ---- dynamic loads ------------------------------------------------------------------

  /** `require(<expression>)` that cannot be resolved: the package files its literal prefix allows. */
  private dynamicFallback(mod: number, node: number, dl: DynamicLoad): void {
    // `require(join(dir, "package.json"))`: whatever the path, Node only parses JSON there.
    if (dl.suffix.endsWith(".json")) return;
    const m = this.modules[mod] as ProgramModule;
    if (this.granularity === "function") this.addSink(node, { capability: "ARBITRARY_EXECUTION", line: dl.line, detail: dl.detail });
    const dir = m.rel.includes("/") ? m.rel.slice(0, m.rel.lastIndexOf("/") + 1) : "";
    let want: ((rel: string) => boolean) | null = null;
    if (dl.prefix !== null && (dl.prefix.startsWith("./") || dl.prefix.startsWith("../"))) {
      const base = normaliseRel(dir + dl.prefix);
      if (base !== null) want = (rel) => rel.startsWith(base) && rel.endsWith(dl.suffix);
    }
    const pkgDir = (this.packages[m.pkg] as ProgramPackage).pkg.dir;
    for (const rel of this.filesOf(m.pkg)) {
      if (want !== null ? !want(rel) : false) continue;
      const t = this.module(`${pkgDir}${sep}${rel.split("/").join(sep)}`);
      if (t === null || t === mod) continue;
      this.link(node, (this.modules[t] as ProgramModule).star, dl.line, "fallback", dl.detail);
    }
  }

  private filesOf(pkg: number): string[] {
    let list = this.fileLists.get(pkg);
    if (!list) {
      const p = this.packages[pkg] as ProgramPackage;
      list = pkg === 0 ? [] : listFiles(p.pkg.dir).filter((f) => CODE_FILE.test(f));
      this.fileLists.set(pkg, list);
    }
    return list;
  }

  /**
   * Decides the `require(param)` loads once the graph is otherwise complete: resolved
   * when every edge into the function is a call with a literal string there, else
   * dynamic. Returns whether anything changed (the worklist then runs again).
   */
  private settleDynamic(): boolean {
    let changed = false;
    for (const p of this.pending) {
      if (p.state === "dynamic") continue;
      const m = this.modules[p.mod] as ProgramModule;
      const param = p.dl.param as { fn: number; index: number };
      const fnNode = m.base + param.fn;
      const incoming = this.in[fnNode] as Edge[];
      const literal = incoming.every((e) => e.kind === "call" && typeof e.args?.[param.index] === "string");
      if (!literal) {
        p.state = "dynamic";
        this.dynamicFallback(p.mod, m.base + p.dl.fn, p.dl);
        changed = true;
        continue;
      }
      for (const e of incoming) {
        const spec = e.args?.[param.index] as string;
        const t = this.resolveFrom(p.mod, spec, p.dl.kind, p.dl.line);
        if (t >= 0 && !this.edgeKeys.has(edgeKey(e.from, (this.modules[t] as ProgramModule).base))) {
          this.link(e.from, (this.modules[t] as ProgramModule).base, e.line, "load", `loads ${spec} through ${this.nodeName[fnNode]}()`);
          changed = true;
        }
      }
      p.state = "resolved";
    }
    return changed;
  }
}

/** A number naming the pair (node ids stay far below 2^26). */
function edgeKey(from: number, to: number): number {
  return from * 67108864 + to;
}

function declares(pkg: InstalledPackage, name: string): boolean {
  const m = pkg.manifest;
  return [m.dependencies, m.optionalDependencies, m.peerDependencies, m.devDependencies].some((d) => d !== undefined && name in d);
}

/** `a/./b/../c/` → `a/c/`; null if it leaves the package. */
function normaliseRel(p: string): string | null {
  const out: string[] = [];
  const parts = p.split("/");
  const trailing = parts[parts.length - 1] === "" ? "/" : "";
  for (const s of parts) {
    if (s === "" || s === ".") continue;
    if (s === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(s);
  }
  const joined = out.join("/");
  return joined === "" ? "" : joined + trailing;
}
