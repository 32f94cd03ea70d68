/**
 * The call-graph walk of one file: for each function (functions.ts numbers them), what
 * it calls, which function values it lets escape, what it stores in properties and
 * which modules it loads; plus what the module exports. Pure: an AST in, facts out.
 *
 * The approximation is that of ACG-style call graphs: values are followed through
 * local bindings (flow-insensitively), imports and object literals; a method call on
 * an object the walk does not know is resolved later by property name over every
 * stored function (field-based); a function passed as an argument, returned, or put
 * where the walk cannot follow it "escapes" and is assumed called by whoever receives
 * it. Where dynamism defeats this (a computed member call on an unknown object,
 * `eval`, `Reflect.apply` of a computed value) the walk records a fallback spot.
 */
import type { DynamicLoad, EdgeKind, FactEdge, FileFacts, FnFacts, Ref, Store } from "./facts-model.js";
import { ValueSpace, dedupe, isModuleExports, isUnbound, literalParts, returned } from "./facts-values.js";
import type { FunctionIndex } from "./functions.js";
import type { LoadKind } from "./resolve.js";
import { INTEROP_HELPERS } from "./rules.js";
import {
  forEachChild,
  isRequireCallee,
  keyName,
  literalString,
  patternExpressions,
  propertyName,
  SCOPED_TYPES,
  type AstNode,
  type Binding,
  type Scope,
  type ScopeInfo,
} from "./scope.js";

/**
 * Methods that the runtime or Node calls by itself on objects handed to it (promises,
 * iteration, conversion, streams): defining one counts as letting it escape.
 */
const IMPLICIT_METHODS = new Set([
  "then", "toString", "valueOf", "toJSON", "next", "return", "throw", "handleEvent", "constructor",
  "_read", "_write", "_writev", "_final", "_destroy", "_transform", "_flush", "_construct", "inspect",
]);

/** Where a value goes. */
type Ctx =
  | { readonly k: "escape" }
  | { readonly k: "discard" }
  | { readonly k: "bind" }
  | { readonly k: "store"; readonly name: string }
  | { readonly k: "export"; readonly name: string }
  | { readonly k: "whole" };

const ESCAPE: Ctx = { k: "escape" };
const DISCARD: Ctx = { k: "discard" };
const BIND: Ctx = { k: "bind" };
const WHOLE: Ctx = { k: "whole" };

/** Walks one parsed file; `lineOf` maps offsets to lines. */
export function collectFacts(program: AstNode, info: ScopeInfo, index: FunctionIndex, lineOf: (o: number) => number): FileFacts {
  const w = new FactsWalker(info, index, lineOf);
  w.run(program);
  return w.result();
}

class FactsWalker {
  private readonly fns: FnFacts[];
  private readonly named = new Map<string, Ref[]>();
  private readonly stars: number[] = [];
  private readonly whole: Ref[] = [];
  private readonly dynamic: DynamicLoad[] = [];
  private readonly pendingExports: { name: string; binding: Binding | null; node: AstNode | null }[] = [];
  private readonly values: ValueSpace;
  private esm = false;
  private fn = 0;
  private scope: Scope;

  constructor(
    private readonly info: ScopeInfo,
    private readonly index: FunctionIndex,
    private readonly lineOf: (o: number) => number,
  ) {
    this.scope = info.root;
    this.fns = index.fns.map((f) => ({ name: f.name, line: f.line, edges: [], stores: [] }));
    this.values = new ValueSpace(index, lineOf);
  }

  run(program: AstNode): void {
    for (const s of program.body as AstNode[]) this.visit(s, DISCARD);
    for (const p of this.pendingExports) {
      const refs = p.binding ? this.values.refsOf(p.binding) : p.node ? this.values.evaluate(p.node, this.info.root) : [];
      this.addNamed(p.name, refs);
    }
    // An ES module's exports are properties of its namespace object, which may reach code
    // that calls them by name (`(await load()).run()`): stored like CommonJS exports.
    if (this.esm) {
      const stores = (this.fns[0] as FnFacts).stores;
      for (const [name, refs] of this.named) for (const ref of refs) if (ref.k !== "any") stores.push({ name, ref, line: 1, exported: true });
    }
  }

  result(): FileFacts {
    return {
      esm: this.esm,
      fns: this.fns,
      sites: this.values.sites,
      objects: this.values.objects,
      exports: { named: this.named, stars: this.stars, whole: dedupe(this.whole) },
      dynamic: this.dynamic,
    };
  }

  // ---- facts ------------------------------------------------------------------

  private edge(kind: EdgeKind, ref: Ref | null, at: AstNode, extra?: Partial<FactEdge>): void {
    (this.fns[this.fn] as FnFacts).edges.push({ kind, ref, line: this.lineOf(at.start), ...extra });
  }

  private fallback(at: AstNode, detail: string): void {
    this.edge("fallback", null, at, { detail });
  }

  private addNamed(name: string, refs: Ref[]): void {
    const cur = this.named.get(name);
    this.named.set(name, dedupe(cur ? [...cur, ...refs] : refs));
  }

  /** Applies where a value goes to what it may be. */
  private apply(refs: Ref[], ctx: Ctx, at: AstNode): void {
    if (refs.length === 0) return;
    switch (ctx.k) {
      case "escape":
        // A value read through a computed key and passed on is not followed (README: known limits).
        for (const r of refs) if (r.k !== "any") this.edge("escape", r, at);
        return;
      case "store":
      case "export": {
        if (ctx.k === "export") this.addNamed(ctx.name, refs);
        const stores = (this.fns[this.fn] as FnFacts).stores;
        for (const r of refs) {
          if (r.k === "any") continue;
          const s: Store = { name: ctx.name, ref: r, line: this.lineOf(at.start) };
          if (ctx.k === "export") s.exported = true;
          stores.push(s);
        }
        return;
      }
      case "whole":
        this.whole.push(...refs);
        return;
      default:
        return;
    }
  }

  // ---- the walk -----------------------------------------------------------------

  private visit(node: AstNode, ctx: Ctx): void {
    const own = SCOPED_TYPES.has(node.type) ? this.info.scopes.get(node) : undefined;
    const savedScope = this.scope;
    if (own) this.scope = own;
    this.visitNode(node, ctx);
    this.scope = savedScope;
  }

  private visitNode(node: AstNode, ctx: Ctx): void {
    if (this.visitValue(node, ctx) || this.visitStatement(node)) return;
    // Return values, array elements, spreads, awaited and yielded values: they escape.
    forEachChild(node, (c) => this.visit(c, ESCAPE));
  }

  /** Expressions whose value goes somewhere (`ctx`); false for other nodes. */
  private visitValue(node: AstNode, ctx: Ctx): boolean {
    switch (node.type) {
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.functionNode(node, ctx);
        return true;
      case "ClassDeclaration":
      case "ClassExpression":
        this.classNode(node, ctx);
        return true;
      case "Identifier":
        if (ctx.k !== "discard" && ctx.k !== "bind") this.apply(this.values.evaluate(node, this.scope), ctx, node);
        return true;
      case "MemberExpression":
        this.visit(node.object, DISCARD);
        if (node.computed) this.visit(node.property, DISCARD);
        if (ctx.k !== "discard" && ctx.k !== "bind") this.apply(this.values.evaluate(node, this.scope), ctx, node);
        return true;
      case "CallExpression":
      case "NewExpression":
        this.call(node, ctx);
        return true;
      case "TaggedTemplateExpression":
        this.visit(node.tag, DISCARD);
        for (const r of this.values.evaluate(node.tag, this.scope)) this.edge("call", r, node);
        this.visit(node.quasi, ESCAPE);
        return true;
      case "ObjectExpression":
        this.object(node, ctx);
        return true;
      case "AssignmentExpression":
        this.assignment(node, ctx);
        return true;
      case "ConditionalExpression":
        this.visit(node.test, DISCARD);
        this.visit(node.consequent, ctx);
        this.visit(node.alternate, ctx);
        return true;
      case "LogicalExpression":
        this.visit(node.left, ctx);
        this.visit(node.right, ctx);
        return true;
      case "SequenceExpression":
        (node.expressions as AstNode[]).forEach((x, i, all) => this.visit(x, i === all.length - 1 ? ctx : DISCARD));
        return true;
      case "ChainExpression":
        this.visit(node.expression, ctx);
        return true;
      case "ImportExpression":
        this.importExpression(node);
        return true;
      default:
        return false;
    }
  }

  /** Statements and operators whose parts are only inspected; false for other nodes. */
  private visitStatement(node: AstNode): boolean {
    switch (node.type) {
      case "UnaryExpression":
      case "UpdateExpression":
      case "BinaryExpression":
      case "TemplateLiteral":
      case "ExpressionStatement":
      case "IfStatement":
      case "WhileStatement":
      case "DoWhileStatement":
      case "ForStatement":
      case "SwitchStatement":
      case "SwitchCase":
      case "ThrowStatement":
      case "WithStatement":
      case "BlockStatement":
      case "TryStatement":
      case "StaticBlock":
        forEachChild(node, (c) => this.visit(c, DISCARD));
        return true;
      case "ForInStatement":
      case "ForOfStatement":
        if (node.left.type === "VariableDeclaration") this.visit(node.left, DISCARD);
        else this.pattern(node.left);
        this.visit(node.right, DISCARD);
        this.visit(node.body, DISCARD);
        return true;
      case "CatchClause":
        this.pattern(node.param);
        this.visit(node.body, DISCARD);
        return true;
      case "LabeledStatement":
        this.visit(node.body, DISCARD);
        return true;
      case "BreakStatement":
      case "ContinueStatement":
      case "MetaProperty":
      case "Literal":
      case "ThisExpression":
      case "Super":
      case "EmptyStatement":
      case "DebuggerStatement":
        return true;
      case "Property":
        if (node.computed) this.visit(node.key, DISCARD);
        this.visit(node.value, ESCAPE);
        return true;
      case "VariableDeclaration":
        for (const d of node.declarations as AstNode[]) {
          this.pattern(d.id);
          if (d.init) this.visit(d.init, BIND);
        }
        return true;
      default:
        return this.visitModuleSyntax(node);
    }
  }

  private visitModuleSyntax(node: AstNode): boolean {
    switch (node.type) {
      case "ImportDeclaration":
        this.esm = true;
        this.edge("load", { k: "imp", site: this.values.site(node, node.source.value as string, "import"), path: [] }, node);
        return true;
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
      case "ExportAllDeclaration":
        this.esm = true;
        this.exportDeclaration(node);
        return true;
      default:
        return false;
    }
  }

  /** Patterns bind; only default values and computed keys are evaluated. */
  private pattern(p: AstNode | null): void {
    patternExpressions(p, (e, isDefault) => this.visit(e, isDefault ? BIND : DISCARD));
  }

  private functionNode(node: AstNode, ctx: Ctx): void {
    const id = this.index.owner.get(node) as number;
    if (this.index.ids.has(node)) this.apply([{ k: "fn", id }], ctx, node);
    const saved = this.fn;
    this.fn = id;
    for (const p of node.params as AstNode[]) this.pattern(p);
    if (node.body.type === "BlockStatement") this.visit(node.body, DISCARD);
    else this.visit(node.body, ESCAPE);
    this.fn = saved;
  }

  private classNode(node: AstNode, ctx: Ctx): void {
    const id = this.index.ids.get(node) as number;
    this.apply([{ k: "fn", id }], ctx, node);
    if (node.superClass) {
      this.visit(node.superClass, DISCARD);
      const supers = this.values.evaluate(node.superClass, this.scope);
      for (const r of supers) (this.fns[id] as FnFacts).edges.push({ kind: "call", ref: r, line: this.lineOf(node.superClass.start) });
    }
    for (const m of node.body.body as AstNode[]) {
      if (m.type === "StaticBlock") {
        this.visit(m, DISCARD);
        continue;
      }
      if (m.computed) this.visit(m.key, DISCARD);
      const key = m.computed ? null : (keyName(m) ?? (m.key?.type === "PrivateIdentifier" ? `#${m.key.name as string}` : null));
      if (m.type === "MethodDefinition") {
        if (m.kind === "constructor") this.visit(m.value, DISCARD);
        else this.visit(m.value, this.memberCtx(key, m.kind !== "method"));
      } else if (m.type === "PropertyDefinition" && m.value) {
        const saved = this.fn;
        if (!m.static) this.fn = id;
        this.visit(m.value, this.memberCtx(key, false));
        this.fn = saved;
      }
    }
  }

  /** A method or property: stored under its name, or escaping when the runtime may call it unseen. */
  private memberCtx(key: string | null, accessor: boolean): Ctx {
    if (key === null || accessor || IMPLICIT_METHODS.has(key)) return ESCAPE;
    return { k: "store", name: key };
  }

  private object(node: AstNode, ctx: Ctx): void {
    if (ctx.k !== "escape" && ctx.k !== "discard") this.values.objectId(node, this.scope);
    for (const p of node.properties as AstNode[]) {
      if (p.type === "SpreadElement") {
        const refs = this.values.evaluate(p.argument, this.scope);
        if (ctx.k === "whole" && refs.every((r) => r.k === "imp" && r.path.length === 0)) {
          this.visit(p.argument, DISCARD);
          for (const r of refs) if (r.k === "imp") this.stars.push(r.site);
        } else {
          this.visit(p.argument, ESCAPE);
        }
        continue;
      }
      if (p.computed) this.visit(p.key, DISCARD);
      const key = keyName(p);
      let inner: Ctx;
      if (ctx.k === "escape") inner = ESCAPE;
      else if (ctx.k === "whole" && key !== null && p.kind === "init") inner = { k: "export", name: key };
      else inner = this.memberCtx(p.computed ? null : key, p.kind !== "init");
      this.visit(p.value, inner);
    }
    if (ctx.k === "escape") this.apply([{ k: "obj", id: this.values.objectId(node, this.scope) }], ESCAPE, node);
    else if (ctx.k === "whole") this.whole.push({ k: "obj", id: this.values.objectId(node, this.scope) });
  }

  private assignment(node: AstNode, ctx: Ctx): void {
    const left = node.left as AstNode;
    const plain = node.operator === "=" || node.operator === "||=" || node.operator === "??=" || node.operator === "&&=";
    if (left.type === "MemberExpression") {
      this.visit(left.object, DISCARD);
      if (left.computed) this.visit(left.property, DISCARD);
      const name = propertyName(left);
      let target: Ctx;
      if (!plain) target = DISCARD;
      else if (isModuleExports(left, this.scope)) target = WHOLE;
      else if (name === null) target = ESCAPE;
      else if (this.values.evaluate(left.object, this.scope).some((r) => r.k === "self" && r.path.length === 0)) target = { k: "export", name };
      else target = { k: "store", name };
      this.visit(node.right, target);
    } else if (left.type === "Identifier" && left.name === "exports" && this.scope.lookup("exports") === null) {
      this.visit(node.right, plain ? WHOLE : DISCARD);
    } else {
      this.pattern(left);
      this.visit(node.right, plain ? BIND : DISCARD);
    }
    if (ctx.k === "escape" && plain) this.apply(this.values.evaluate(node.right, this.scope), ctx, node);
  }

  // ---- calls --------------------------------------------------------------------

  private call(node: AstNode, ctx: Ctx): void {
    const callee = node.callee as AstNode;
    const args = node.arguments as AstNode[];
    if (node.type === "CallExpression" && isRequireCallee(callee, this.scope)) {
      this.load(node, args[0], "require");
      for (const a of args) this.visit(a, DISCARD);
      this.apply(this.values.evaluate(node, this.scope), ctx, node);
      return;
    }
    if (callee.type === "Identifier" && INTEROP_HELPERS.has(callee.name as string)) {
      for (const a of args) this.visit(a, DISCARD);
      this.apply(this.values.evaluate(node, this.scope), ctx, node);
      return;
    }
    if (this.exportHelper(node)) return;
    this.startsScript(node);
    const special = this.specialCall(node);
    if (special === "all") {
      this.apply(this.values.evaluate(node, this.scope), ctx, node);
      return;
    }
    if (special === "none") {
      if (callee.type === "MemberExpression") {
        this.visit(callee.object, DISCARD);
        if (callee.computed) this.visit(callee.property, DISCARD);
      } else {
        this.visit(callee, DISCARD);
      }
      this.callTargets(node);
    }
    for (const a of args) this.visit(a, ESCAPE);
    this.apply(this.values.evaluate(node, this.scope), ctx, node);
  }

  /** Edges for what the callee of `node` may be. */
  private callTargets(node: AstNode): void {
    const callee = node.callee as AstNode;
    if (callee.type === "Identifier" && callee.name === "eval" && this.scope.lookup("eval") === null) {
      this.fallback(node, "eval");
      return;
    }
    let refs: Ref[];
    const m = callee.type === "MemberExpression" ? propertyName(callee) : null;
    if (m === "call" || m === "apply") refs = this.values.evaluate(callee.object, this.scope);
    else refs = this.values.evaluate(callee, this.scope);
    const literals = (node.arguments as AstNode[]).map((a) => literalString(a));
    const args = literals.some((a) => a !== null) ? literals : undefined;
    for (const r of refs) {
      if (r.k === "any") this.fallback(node, callee.type === "MemberExpression" && callee.computed ? "o[k]()" : "computed callee");
      else if (r.k !== "obj") this.edge("call", r, node, args ? { args } : undefined);
    }
  }

  /**
   * `Object.defineProperty`/`assign` ("all": arguments handled) and `Reflect.apply`/
   * `construct` ("callee": the target is called, the arguments still escape).
   */
  private specialCall(node: AstNode): "none" | "callee" | "all" {
    const callee = node.callee as AstNode;
    if (callee.type !== "MemberExpression" || callee.object.type !== "Identifier" || this.scope.lookup(callee.object.name as string)) return "none";
    const ns = callee.object.name as string;
    const m = propertyName(callee);
    const args = node.arguments as AstNode[];
    if (ns === "Reflect" && (m === "apply" || m === "construct") && args[0]) {
      const refs = this.values.evaluate(args[0], this.scope);
      if (refs.length === 0 && args[0].type !== "Identifier") this.fallback(node, `Reflect.${m}`);
      for (const r of refs) {
        if (r.k === "any") this.fallback(node, `Reflect.${m}`);
        else this.edge("call", r, node);
      }
      return "callee";
    }
    if (ns !== "Object" || !args[0]) return "none";
    const target = this.values.evaluate(args[0], this.scope);
    const toExports = isModuleExports(args[0], this.scope) || target.some((r) => r.k === "self" && r.path.length === 0);
    if (m === "defineProperty" && args[2]?.type === "ObjectExpression") {
      const key = literalString(args[1]);
      this.visit(args[0], DISCARD);
      this.visit(args[1] as AstNode, DISCARD);
      this.descriptor(args[2], key, toExports);
      return "all";
    }
    if (m === "assign") {
      this.visit(args[0], DISCARD);
      for (const src of args.slice(1)) {
        const refs = src.type === "ObjectExpression" ? [] : this.values.evaluate(src, this.scope);
        if (src.type === "ObjectExpression") this.object(src, toExports ? WHOLE : BIND);
        else if (toExports && refs.length > 0 && refs.every((r) => r.k === "imp" && r.path.length === 0)) {
          this.visit(src, DISCARD);
          for (const r of refs) if (r.k === "imp") this.stars.push(r.site);
        } else this.visit(src, ESCAPE);
      }
      return "all";
    }
    return "none";
  }

  /** A property descriptor: `value` is stored; an accessor escapes, unless it re-exports (`get: () => m.x`). */
  private descriptor(desc: AstNode, key: string | null, toExports: boolean): void {
    for (const p of desc.properties as AstNode[]) {
      if (p.type !== "Property") {
        this.visit(p, ESCAPE);
        continue;
      }
      const k = keyName(p);
      const v = p.value as AstNode;
      const body = (v.type === "FunctionExpression" || v.type === "ArrowFunctionExpression") ? returned(v) : null;
      if (k === "get" && toExports && key !== null && body !== null) {
        this.addNamed(key, this.values.evaluate(body, this.info.scopes.get(v) ?? this.scope));
        this.visit(v, DISCARD);
      } else if (k === "value" && key !== null) {
        this.visit(v, toExports ? { k: "export", name: key } : { k: "store", name: key });
      } else {
        this.visit(v, k === "get" || k === "set" ? ESCAPE : DISCARD);
      }
    }
  }

  /** TypeScript's `__exportStar(require(m), exports)`, old `__export(require(m))`, esbuild's `__export(target, {a: () => a})`. */
  private exportHelper(node: AstNode): boolean {
    const callee = node.callee as AstNode;
    const name = callee.type === "Identifier" ? (callee.name as string) : callee.type === "MemberExpression" ? propertyName(callee) : null;
    if (name !== "__exportStar" && name !== "__export") return false;
    const args = node.arguments as AstNode[];
    const first = args[0];
    if (!first) return false;
    if (name === "__export" && args[1]?.type === "ObjectExpression") {
      for (const p of args[1].properties as AstNode[]) {
        const key = p.type === "Property" ? keyName(p) : null;
        const body = key !== null && (p.value.type === "ArrowFunctionExpression" || p.value.type === "FunctionExpression") ? returned(p.value) : null;
        if (key === null || body === null) {
          this.visit(p, ESCAPE);
          continue;
        }
        this.pendingExports.push({ name: key, binding: null, node: body });
        this.visit(p.value, DISCARD);
      }
      return true;
    }
    const refs = this.values.evaluate(first, this.scope);
    if (refs.length === 0 || !refs.every((r) => r.k === "imp" && r.path.length === 0)) return false;
    this.visit(first, DISCARD);
    for (const r of refs) if (r.k === "imp") this.stars.push(r.site);
    return true;
  }

  /**
   * `new Worker(new URL("./w.js", import.meta.url))`, `fork(join(__dirname, "c.js"))`:
   * the script runs code of this package, so it is loaded from here.
   */
  private startsScript(node: AstNode): void {
    const callee = node.callee as AstNode;
    const name = callee.type === "Identifier" ? (callee.name as string) : callee.type === "MemberExpression" ? propertyName(callee) : null;
    const worker = node.type === "NewExpression" && name === "Worker";
    if (!worker && !(node.type === "CallExpression" && name === "fork")) return;
    const arg = (node.arguments as AstNode[])[0];
    if (!arg) return;
    let spec: string | null = literalString(arg);
    if (arg.type === "Identifier" && arg.name === "__filename" && this.scope.lookup("__filename") === null) spec = null;
    else if (arg.type === "NewExpression" && arg.callee.type === "Identifier" && arg.callee.name === "URL") spec = literalString(arg.arguments[0]);
    else if (arg.type === "CallExpression" && arg.arguments[0] && isUnbound(arg.arguments[0], this.scope, "__dirname")) {
      const rest = (arg.arguments as AstNode[]).slice(1).map((a) => literalString(a));
      if (rest.length > 0 && rest.every((x) => x !== null)) spec = `./${rest.join("/")}`;
    }
    if (spec === null) return;
    if (!spec.startsWith(".") && !spec.startsWith("/")) spec = `./${spec}`;
    this.edge("load", { k: "imp", site: this.values.site(node, spec, "import"), path: [] }, node);
  }

  private load(node: AstNode, arg: AstNode | undefined, kind: LoadKind): void {
    const spec = literalString(arg);
    if (spec !== null) {
      this.edge("load", { k: "imp", site: this.values.site(node, spec, kind), path: [] }, node);
      return;
    }
    if (!arg) return;
    const detail = kind === "require" ? "require(<expression>)" : "import(<expression>)";
    const { prefix, suffix } = literalParts(arg, this.scope);
    let param: DynamicLoad["param"] = null;
    if (arg.type === "Identifier") {
      const p = this.scope.lookup(arg.name as string)?.param ?? null;
      const owner = p ? this.index.owner.get(p.fn) : undefined;
      if (p && owner !== undefined) param = { fn: owner, index: p.index };
    }
    this.dynamic.push({ fn: this.fn, line: this.lineOf(node.start), kind, detail, prefix, suffix, param });
  }

  private importExpression(node: AstNode): void {
    this.load(node, node.source, "import");
    this.visit(node.source, DISCARD);
  }

  // ---- exports ------------------------------------------------------------------

  private exportDeclaration(node: AstNode): void {
    const source = node.source ? (node.source.value as string) : null;
    const site = source === null ? -1 : this.values.site(node, source, "import");
    if (source !== null) this.edge("load", { k: "imp", site, path: [] }, node);
    if (node.type === "ExportAllDeclaration") {
      if (node.exported) this.addNamed(exportedName(node.exported), [{ k: "imp", site, path: [] }]);
      else this.stars.push(site);
      return;
    }
    if (node.type === "ExportDefaultDeclaration") {
      const d = node.declaration as AstNode;
      if (d.type === "FunctionDeclaration" || d.type === "ClassDeclaration") {
        this.visit(d, DISCARD);
        this.addNamed("default", [{ k: "fn", id: this.index.ids.get(d) as number }]);
      } else {
        this.visit(d, { k: "export", name: "default" });
      }
      return;
    }
    if (node.declaration) {
      const d = node.declaration as AstNode;
      this.visit(d, DISCARD);
      const ids: AstNode[] = d.type === "VariableDeclaration" ? (d.declarations as AstNode[]).flatMap((x) => patternIds(x.id)) : d.id ? [d.id] : [];
      for (const id of ids) this.pendingExports.push({ name: id.name as string, binding: this.info.root.lookup(id.name as string), node: null });
      return;
    }
    for (const spec of node.specifiers as AstNode[]) {
      const local = exportedName(spec.local);
      const name = exportedName(spec.exported);
      if (source !== null) this.addNamed(name, [{ k: "imp", site, path: [local] }]);
      else this.pendingExports.push({ name, binding: this.info.root.lookup(local), node: null });
    }
  }
}

function exportedName(n: AstNode): string {
  return (n.name ?? n.value) as string;
}

function patternIds(p: AstNode | null): AstNode[] {
  if (!p) return [];
  switch (p.type) {
    case "Identifier":
      return [p];
    case "ObjectPattern":
      return (p.properties as AstNode[]).flatMap((x) => patternIds(x.type === "RestElement" ? x.argument : x.value));
    case "ArrayPattern":
      return (p.elements as (AstNode | null)[]).flatMap((x) => patternIds(x));
    case "RestElement":
      return patternIds(p.argument);
    case "AssignmentPattern":
      return patternIds(p.left);
    default:
      return [];
  }
}

