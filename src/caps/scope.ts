/**
 * First pass over one file's AST: lexical scopes, the bindings declared in them, and
 * which bindings hold a tracked value (`const fs = require("fs")`, `const { env } =
 * process`, `import * as f from "node:fs"`). Pure; the second pass (analyse-file.ts)
 * resolves each identifier through these scopes, so a parameter named `fetch` is not
 * the global `fetch`.
 *
 * Approximations, on purpose: a binding keeps the first tracked value assigned to it;
 * function declarations in blocks are block-scoped (ESM semantics) even in scripts.
 */
import {
  DYNAMIC_MEMBER,
  INTEROP_HELPERS,
  KNOWN_GLOBALS,
  REQUIRE_NAMES,
  moduleValue,
  normalise,
  type Value,
} from "./rules.js";

/** A loose ESTree node: the walk reads fields by name, as acorn produces them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AstNode = { type: string; start: number; end: number; [field: string]: any };

/**
 * Something assigned to a binding, kept for the call-graph pass (facts.ts): `init` is
 * the expression (or the function/class/import declaration itself), `path` the
 * destructuring keys that lead from `init`'s value to the binding (`"*"` when computed).
 */
export interface Assignment {
  init: AstNode;
  path: readonly string[];
  scope: Scope;
}

/** Which parameter of which function a binding is. */
export interface ParamOf {
  fn: AstNode;
  index: number;
}

/** One declared name; `value` is set when the analyser knows what it holds. */
export class Binding {
  value: Value | null = null;
  /** Everything assigned to it; null until the first (most bindings are parameters or never reassigned). */
  assigned: Assignment[] | null = null;
  param: ParamOf | null = null;
  constructor(readonly name: string) {}

  assign(a: Assignment): void {
    if (this.assigned === null) this.assigned = [a];
    else this.assigned.push(a);
  }
}

/** A lexical scope. Function scopes receive `var` declarations. */
export class Scope {
  /** Declared names; null until the first (most block scopes declare nothing). */
  private names: Map<string, Binding> | null = null;
  constructor(
    readonly parent: Scope | null,
    readonly isFunction: boolean,
  ) {}

  declare(name: string): Binding {
    this.names ??= new Map();
    let b = this.names.get(name);
    if (!b) {
      b = new Binding(name);
      this.names.set(name, b);
    }
    return b;
  }

  lookup(name: string): Binding | null {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const b = s.names?.get(name);
      if (b) return b;
    }
    return null;
  }

  functionScope(): Scope {
    let s: Scope = this;
    while (!s.isFunction && s.parent) s = s.parent;
    return s;
  }
}

/**
 * The fields holding child nodes, per ESTree type, in acorn's order (as estraverse's
 * VisitorKeys): walking by table is several times faster than `for...in` over every
 * field, and the walks run over every reached file.
 */
const CHILD_KEYS: Readonly<Record<string, readonly string[]>> = {
  Program: ["body"],
  ExpressionStatement: ["expression"],
  BlockStatement: ["body"],
  StaticBlock: ["body"],
  EmptyStatement: [],
  DebuggerStatement: [],
  WithStatement: ["object", "body"],
  ReturnStatement: ["argument"],
  LabeledStatement: ["label", "body"],
  BreakStatement: ["label"],
  ContinueStatement: ["label"],
  IfStatement: ["test", "consequent", "alternate"],
  SwitchStatement: ["discriminant", "cases"],
  SwitchCase: ["test", "consequent"],
  ThrowStatement: ["argument"],
  TryStatement: ["block", "handler", "finalizer"],
  CatchClause: ["param", "body"],
  WhileStatement: ["test", "body"],
  DoWhileStatement: ["body", "test"],
  ForStatement: ["init", "test", "update", "body"],
  ForInStatement: ["left", "right", "body"],
  ForOfStatement: ["left", "right", "body"],
  FunctionDeclaration: ["id", "params", "body"],
  FunctionExpression: ["id", "params", "body"],
  ArrowFunctionExpression: ["id", "params", "body"],
  VariableDeclaration: ["declarations"],
  VariableDeclarator: ["id", "init"],
  ThisExpression: [],
  Super: [],
  Identifier: [],
  PrivateIdentifier: [],
  Literal: [],
  TemplateElement: [],
  ArrayExpression: ["elements"],
  ObjectExpression: ["properties"],
  Property: ["key", "value"],
  UnaryExpression: ["argument"],
  UpdateExpression: ["argument"],
  BinaryExpression: ["left", "right"],
  AssignmentExpression: ["left", "right"],
  LogicalExpression: ["left", "right"],
  MemberExpression: ["object", "property"],
  ConditionalExpression: ["test", "consequent", "alternate"],
  CallExpression: ["callee", "arguments"],
  NewExpression: ["callee", "arguments"],
  SequenceExpression: ["expressions"],
  YieldExpression: ["argument"],
  AwaitExpression: ["argument"],
  TemplateLiteral: ["quasis", "expressions"],
  TaggedTemplateExpression: ["tag", "quasi"],
  ObjectPattern: ["properties"],
  ArrayPattern: ["elements"],
  RestElement: ["argument"],
  AssignmentPattern: ["left", "right"],
  ClassDeclaration: ["id", "superClass", "body"],
  ClassExpression: ["id", "superClass", "body"],
  ClassBody: ["body"],
  MethodDefinition: ["key", "value"],
  PropertyDefinition: ["key", "value"],
  MetaProperty: ["meta", "property"],
  ImportDeclaration: ["specifiers", "source", "attributes"],
  ImportSpecifier: ["imported", "local"],
  ImportDefaultSpecifier: ["local"],
  ImportNamespaceSpecifier: ["local"],
  ImportAttribute: ["key", "value"],
  ImportExpression: ["source", "options"],
  ExportNamedDeclaration: ["declaration", "specifiers", "source", "attributes"],
  ExportSpecifier: ["local", "exported"],
  ExportDefaultDeclaration: ["declaration"],
  ExportAllDeclaration: ["exported", "source", "attributes"],
  ChainExpression: ["expression"],
  ParenthesizedExpression: ["expression"],
  SpreadElement: ["argument"],
};

function visitChild(v: unknown, fn: (child: AstNode) => void): void {
  if (v === null || typeof v !== "object") return;
  if (Array.isArray(v)) {
    for (const c of v) if (c !== null && typeof c === "object" && typeof c.type === "string") fn(c as AstNode);
  } else if (typeof (v as AstNode).type === "string") {
    fn(v as AstNode);
  }
}

/** Calls `fn` on each child node of `node`, in source order of the fields. */
export function forEachChild(node: AstNode, fn: (child: AstNode) => void): void {
  const keys = CHILD_KEYS[node.type];
  if (keys !== undefined) {
    for (const k of keys) visitChild(node[k], fn);
    return;
  }
  for (const key in node) {
    if (key === "type" || key === "start" || key === "end" || key === "loc" || key === "range") continue;
    visitChild(node[key], fn);
  }
}

/**
 * The expressions inside a binding pattern, for a walk that visits them: computed keys,
 * default values (`isDefault`), and targets that are not names (`process.env.X` in
 * `[process.env.X] = a`). Names themselves are bindings, not expressions.
 */
export function patternExpressions(p: AstNode | null, visit: (expr: AstNode, isDefault: boolean) => void): void {
  if (!p) return;
  switch (p.type) {
    case "Identifier":
      return;
    case "ObjectPattern":
      for (const prop of p.properties as AstNode[]) {
        if (prop.type === "RestElement") patternExpressions(prop.argument, visit);
        else {
          if (prop.computed) visit(prop.key, false);
          patternExpressions(prop.value, visit);
        }
      }
      return;
    case "ArrayPattern":
      for (const el of p.elements as (AstNode | null)[]) patternExpressions(el, visit);
      return;
    case "RestElement":
      patternExpressions(p.argument, visit);
      return;
    case "AssignmentPattern":
      patternExpressions(p.left, visit);
      visit(p.right, true);
      return;
    default:
      visit(p, false);
  }
}

/** The static name of a member expression's property, or null if computed from an expression. */
export function propertyName(member: AstNode): string | null {
  const p = member.property as AstNode;
  if (!member.computed) return p.type === "Identifier" || p.type === "PrivateIdentifier" ? (p.name as string) : null;
  return literalString(p);
}

/** The key of an object property / pattern property when it is static. */
export function keyName(prop: AstNode): string | null {
  const k = prop.key as AstNode;
  if (!prop.computed && k.type === "Identifier") return k.name as string;
  return literalString(k);
}

/** A string literal or an expression-free template literal, else null. */
export function literalString(n: AstNode | null | undefined): string | null {
  if (!n) return null;
  if (n.type === "Literal" && typeof n.value === "string") return n.value;
  if (n.type === "TemplateLiteral" && n.expressions.length === 0) return (n.quasis[0]?.value?.cooked as string) ?? null;
  return null;
}

/** Node types that can open a scope: walks look a node up in `ScopeInfo.scopes` only for these. */
export const SCOPED_TYPES: ReadonlySet<string> = new Set([
  "Program",
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
  "BlockStatement",
  "StaticBlock",
  "ForStatement",
  "ForInStatement",
  "ForOfStatement",
  "SwitchStatement",
  "CatchClause",
]);

/** A pending `target = init` whose value is computed once all names are declared. */
interface ValueSite {
  target: AstNode;
  init: AstNode;
  scope: Scope;
}

/** Result of the first pass. */
export interface ScopeInfo {
  /** Scope introduced by a node (Program, functions, blocks, loops, catch, switch). */
  scopes: Map<AstNode, Scope>;
  root: Scope;
  /** Names that may hold a tracked value: the second pass ignores every other identifier. */
  interesting: Set<string>;
}

/** Builds scopes and bindings for a Program, then resolves tracked values. */
export function buildScopes(program: AstNode): ScopeInfo {
  const b = new ScopeBuilder(program);
  b.resolveValues();
  return { scopes: b.scopes, root: b.root, interesting: b.interesting };
}

class ScopeBuilder {
  readonly scopes = new Map<AstNode, Scope>();
  readonly root = new Scope(null, true);
  readonly interesting = new Set<string>([...KNOWN_GLOBALS, ...REQUIRE_NAMES]);
  private readonly sites: ValueSite[] = [];

  constructor(program: AstNode) {
    this.scopes.set(program, this.root);
    for (const stmt of program.body as AstNode[]) this.visit(stmt, this.root);
  }

  private declarePattern(p: AstNode | null, into: Scope, scope: Scope): void {
    if (!p) return;
    switch (p.type) {
      case "Identifier":
        into.declare(p.name as string);
        return;
      case "ObjectPattern":
        for (const prop of p.properties as AstNode[]) {
          if (prop.type === "RestElement") this.declarePattern(prop.argument, into, scope);
          else {
            if (prop.computed) this.visit(prop.key, scope);
            this.declarePattern(prop.value, into, scope);
          }
        }
        return;
      case "ArrayPattern":
        for (const el of p.elements as (AstNode | null)[]) this.declarePattern(el, into, scope);
        return;
      case "RestElement":
        this.declarePattern(p.argument, into, scope);
        return;
      case "AssignmentPattern":
        this.declarePattern(p.left, into, scope);
        this.visit(p.right, scope);
        return;
      default:
        this.visit(p, scope); // a member expression as an assignment target
    }
  }

  private visitFunction(node: AstNode, scope: Scope): void {
    const fs = new Scope(scope, true);
    this.scopes.set(node, fs);
    if (node.type === "FunctionExpression" && node.id) fs.declare(node.id.name as string).assign({ init: node, path: [], scope });
    (node.params as AstNode[]).forEach((p, index) => {
      this.declarePattern(p, fs, fs);
      if (p.type === "Identifier") fs.declare(p.name as string).param = { fn: node, index };
      else this.record(p, null, fs, []);
    });
    const body = node.body as AstNode;
    if (body.type === "BlockStatement") for (const s of body.body as AstNode[]) this.visit(s, fs);
    else this.visit(body, fs);
  }

  private visit(node: AstNode, scope: Scope): void {
    switch (node.type) {
      case "FunctionDeclaration":
        if (node.id) scope.declare(node.id.name as string).assign({ init: node, path: [], scope });
        this.visitFunction(node, scope);
        return;
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.visitFunction(node, scope);
        return;
      case "ClassDeclaration":
        if (node.id) scope.declare(node.id.name as string).assign({ init: node, path: [], scope });
        break;
      case "BlockStatement":
      case "StaticBlock":
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
      case "SwitchStatement": {
        const s = new Scope(scope, false);
        this.scopes.set(node, s);
        forEachChild(node, (c) => this.visit(c, s));
        return;
      }
      case "CatchClause": {
        const s = new Scope(scope, false);
        this.scopes.set(node, s);
        this.declarePattern(node.param, s, s);
        this.visit(node.body, s);
        return;
      }
      case "VariableDeclaration": {
        const into = node.kind === "var" ? scope.functionScope() : scope;
        for (const d of node.declarations as AstNode[]) {
          this.declarePattern(d.id, into, scope);
          if (d.init) {
            this.sites.push({ target: d.id, init: d.init, scope });
            this.record(d.id, d.init, scope, []);
            this.visit(d.init, scope);
          } else {
            this.record(d.id, null, scope, []);
          }
        }
        return;
      }
      case "AssignmentExpression":
        if (node.operator === "=" && (node.left.type === "Identifier" || node.left.type === "ObjectPattern")) {
          this.sites.push({ target: node.left, init: node.right, scope });
        }
        if (node.left.type !== "MemberExpression") this.record(node.left, node.operator === "=" ? node.right : null, scope, []);
        break;
      case "ImportDeclaration":
        this.declareImport(node);
        return;
    }
    forEachChild(node, (c) => this.visit(c, scope));
  }

  /**
   * Remembers what a pattern's bindings receive: `init` with the destructuring path, or,
   * for the default of an AssignmentPattern, the default expression. `init` null records
   * only the defaults (a declaration without initialiser, a parameter).
   */
  private record(p: AstNode | null, init: AstNode | null, scope: Scope, path: readonly string[]): void {
    if (!p) return;
    switch (p.type) {
      case "Identifier": {
        const b = scope.lookup(p.name as string);
        if (b && init) b.assign({ init, path, scope });
        return;
      }
      case "ObjectPattern":
        for (const prop of p.properties as AstNode[]) {
          if (prop.type === "RestElement") this.record(prop.argument, init, scope, [...path, DYNAMIC_MEMBER]);
          else this.record(prop.value, init, scope, [...path, keyName(prop) ?? DYNAMIC_MEMBER]);
        }
        return;
      case "ArrayPattern":
        for (const el of p.elements as (AstNode | null)[]) this.record(el, init, scope, [...path, DYNAMIC_MEMBER]);
        return;
      case "RestElement":
        this.record(p.argument, init, scope, [...path, DYNAMIC_MEMBER]);
        return;
      case "AssignmentPattern":
        this.record(p.left, init, scope, path);
        this.record(p.left, p.right, scope, []);
        return;
    }
  }

  private declareImport(node: AstNode): void {
    const source = node.source.value as string;
    const v = moduleValue(source);
    for (const spec of node.specifiers as AstNode[]) {
      const b = this.root.declare(spec.local.name as string);
      const imported = spec.type === "ImportSpecifier" ? (spec.imported.name ?? spec.imported.value) : "default";
      // For the call graph: the declaration stands for the module, the path selects from it.
      const path = spec.type === "ImportNamespaceSpecifier" ? [] : [imported as string];
      b.assign({ init: node, path, scope: this.root });
      if (!v) continue;
      b.value = normalise(imported === "default" ? v : { root: v.root, path: [...v.path, imported as string] });
      this.interesting.add(b.name);
    }
  }

  /** Evaluates every pending site; twice, so `const a = b` before `b`'s site still resolves. */
  resolveValues(): void {
    for (let round = 0; round < 2; round++) {
      for (const site of this.sites) {
        const v = this.evaluate(site.init, site.scope);
        if (v) this.assign(site.target, v, site.scope);
      }
    }
  }

  private assign(target: AstNode, v: Value, scope: Scope): void {
    switch (target.type) {
      case "Identifier": {
        const b = scope.lookup(target.name as string);
        if (b && !b.value) {
          b.value = normalise(v);
          this.interesting.add(b.name);
        }
        return;
      }
      case "ObjectPattern":
        for (const prop of target.properties as AstNode[]) {
          if (prop.type === "RestElement") continue;
          const key = keyName(prop) ?? DYNAMIC_MEMBER;
          this.assign(prop.value, { root: v.root, path: [...v.path, key] }, scope);
        }
        return;
      case "AssignmentPattern":
        this.assign(target.left, v, scope);
        return;
    }
  }

  /** The tracked value of an expression, or null when it is not one we follow. */
  private evaluate(e: AstNode, scope: Scope): Value | null {
    switch (e.type) {
      case "Identifier": {
        const b = scope.lookup(e.name as string);
        if (b) return b.value;
        return KNOWN_GLOBALS.has(e.name as string) ? { root: `global:${e.name as string}`, path: [] } : null;
      }
      case "MemberExpression": {
        const obj = this.evaluate(e.object, scope);
        if (!obj) return null;
        const name = propertyName(e) ?? DYNAMIC_MEMBER;
        return normalise({ root: obj.root, path: [...obj.path, name] });
      }
      case "ChainExpression":
        return this.evaluate(e.expression, scope);
      case "AwaitExpression":
        if (e.argument?.type === "ImportExpression") {
          const spec = literalString(e.argument.source);
          return spec === null ? null : moduleValue(spec);
        }
        return null;
      case "CallExpression":
        return this.evaluateCall(e, scope);
      default:
        return null;
    }
  }

  private evaluateCall(e: AstNode, scope: Scope): Value | null {
    const callee = e.callee as AstNode;
    const arg0 = e.arguments[0] as AstNode | undefined;
    if (callee.type === "Identifier" && INTEROP_HELPERS.has(callee.name as string) && arg0) {
      return this.evaluate(arg0, scope);
    }
    if (isRequireCallee(callee, scope)) {
      const spec = literalString(arg0);
      return spec === null ? null : moduleValue(spec);
    }
    const fn = this.evaluate(callee, scope);
    if (fn && fn.root === "module:module" && fn.path.length === 1 && fn.path[0] === "createRequire") {
      return { root: "global:require", path: [] };
    }
    return null;
  }
}

/**
 * Whether a callee loads a module: `require`, `module.require`, esbuild's `__require`,
 * or a local holding the result of `createRequire`. A parameter named `require` (UMD
 * factories) counts too: in shipped code that is what it always is.
 */
export function isRequireCallee(callee: AstNode, scope: Scope): boolean {
  if (callee.type === "Identifier") {
    const b = scope.lookup(callee.name as string);
    const v = b?.value ?? null;
    if (v) return v.root === "global:require" && v.path.length === 0;
    return REQUIRE_NAMES.has(callee.name as string);
  }
  if (callee.type === "MemberExpression" && callee.object.type === "Identifier" && callee.object.name === "module") {
    return propertyName(callee) === "require" && scope.lookup("module") === null;
  }
  return false;
}
