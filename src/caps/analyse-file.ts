/**
 * Analyses one source file: source text in, direct findings and imports out. No I/O,
 * so every rule is tested on strings (test/caps/analyse-file.test.ts).
 *
 * Two passes over acorn's AST: scope.ts declares bindings and the values they hold,
 * then this walk resolves every interesting identifier through its scope, follows
 * its member chain (`fs.promises.readFile`), looks at how the end of the chain is
 * used (called, written, passed on...) and asks rules.ts what that use grants.
 */
import { parse } from "acorn";
import { collectFacts } from "./facts.js";
import { FUNCTION_TYPES, indexFunctions } from "./functions.js";
import type { FileAnalysis, Finding, ImportRef } from "./model.js";
import type { LoadKind } from "./resolve.js";
import {
  DYNAMIC_MEMBER,
  INTEROP_HELPERS,
  KNOWN_GLOBALS,
  classifyUse,
  moduleValue,
  normalise,
  type UseContext,
  type Value,
} from "./rules.js";
import {
  buildScopes,
  forEachChild,
  isRequireCallee,
  keyName,
  literalString,
  patternExpressions,
  propertyName,
  SCOPED_TYPES,
  type AstNode,
  type Scope,
  type ScopeInfo,
} from "./scope.js";

const MODULE_OPTIONS = { ecmaVersion: "latest", sourceType: "module", allowHashBang: true } as const;
const SCRIPT_OPTIONS = { ecmaVersion: "latest", sourceType: "script", allowHashBang: true, allowReturnOutsideFunction: true } as const;
/** A line starting with `import`/`export`: likely an ES module (only decides which parse is tried first). */
const LOOKS_ESM = /^[ \t]*(?:import[\s{*"'\w]|export[\s{*])/m;

/**
 * Parses as an ES module or as a script (CJS: top-level return allowed), trying first
 * the one the text looks like: acorn is a third faster on scripts, and most of a large
 * tree is CommonJS. Code valid as both gives the same tree either way.
 */
export function parseSource(source: string): { ast: AstNode } | { error: { line: number; message: string } } {
  const order = LOOKS_ESM.test(source) ? [MODULE_OPTIONS, SCRIPT_OPTIONS] : [SCRIPT_OPTIONS, MODULE_OPTIONS];
  const errors = new Map<string, { pos?: number; loc?: { line: number }; message?: string }>();
  for (const options of order) {
    try {
      return { ast: parse(source, options) as AstNode };
    } catch (e) {
      errors.set(options.sourceType, e as { pos?: number });
    }
  }
  // Report whichever parse got further (the script's on a tie): that is the likelier intended dialect.
  const m = errors.get("module") ?? {};
  const sc = errors.get("script") ?? {};
  const e = (sc.pos ?? 0) >= (m.pos ?? 0) ? sc : m;
  return { error: { line: e.loc?.line ?? 0, message: String(e.message ?? e) } };
}

/** Maps a source offset to its 1-based line (LF, CRLF and CR line ends). */
export function lineIndex(source: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && source.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * Direct findings and imports of one file, and with `facts` its call-graph facts
 * (facts.ts). Never throws: a file that cannot be parsed or walked yields one
 * UNANALYZED finding saying why (and no facts).
 */
export function analyseSource(source: string, opts: { facts?: boolean } = {}): FileAnalysis {
  return analyseParsed(source, parseSource(source), opts);
}

/** analyseSource on a parse already made (the cache times parsing apart from the walks). */
export function analyseParsed(source: string, parsed: ReturnType<typeof parseSource>, opts: { facts?: boolean } = {}): FileAnalysis {
  if ("error" in parsed) {
    return {
      findings: [{ capability: "UNANALYZED", line: parsed.error.line, detail: `parse error: ${parsed.error.message}`, fn: 0 }],
      imports: [],
      facts: null,
    };
  }
  const lineOf = lineIndex(source);
  let w: FileWalker;
  let facts = null;
  try {
    const scopes = buildScopes(parsed.ast);
    const index = indexFunctions(parsed.ast, lineOf);
    w = new FileWalker(lineOf, scopes, index.owner);
    w.walk(parsed.ast);
    if (opts.facts) facts = collectFacts(parsed.ast, scopes, index, lineOf);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e; // stack overflow on a pathologically deep tree
    return { findings: [{ capability: "UNANALYZED", line: 0, detail: "syntax tree too deep to walk", fn: 0 }], imports: [], facts: null };
  }
  // Sorted by line (stable), so "the first finding" of a file is the topmost one.
  const byLine = (a: { line: number }, b: { line: number }): number => a.line - b.line;
  return { findings: dedupe(w.findings).sort(byLine), imports: w.imports.sort(byLine), facts };
}

/** Drops repeats of the same capability, line, detail and function (a selection and its call on one line). */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.capability}\0${f.line}\0${f.detail}\0${f.fn}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const CHECK_OPERATORS = new Set(["===", "!==", "==", "!=", "instanceof", "in"]);
const WRITE_HELPERS = new Set(["assign", "defineProperty", "defineProperties"]);

class FileWalker {
  readonly findings: Finding[] = [];
  readonly imports: ImportRef[] = [];
  private readonly stack: AstNode[] = [];
  private scope: Scope;
  private fn = 0;

  constructor(
    private readonly lineOf: (offset: number) => number,
    private readonly info: ScopeInfo,
    private readonly owner: ReadonlyMap<AstNode, number>,
  ) {
    this.scope = info.root;
  }

  /** `selected`: a selection into a local whose every use is classified too (function level may skip it). */
  private hit(v: Value, ctx: UseContext, at: AstNode, selected = false): void {
    const h = classifyUse(v, ctx);
    if (!h) return;
    const f: Finding = { capability: h.capability, line: this.lineOf(at.start), detail: h.detail, fn: this.fn };
    if (selected) f.selected = true;
    this.findings.push(f);
  }

  walk(node: AstNode): void {
    const saved = this.scope;
    const savedFn = this.fn;
    // Map lookups only where a node can open a scope or run in another function (a function, an instance field value).
    if (SCOPED_TYPES.has(node.type)) {
      const own = this.info.scopes.get(node);
      if (own) this.scope = own;
    }
    if (FUNCTION_TYPES.has(node.type) || this.stack[this.stack.length - 1]?.type === "PropertyDefinition") {
      const fn = this.owner.get(node);
      if (fn !== undefined) this.fn = fn;
    }
    this.stack.push(node);
    this.visit(node);
    this.stack.pop();
    this.scope = saved;
    this.fn = savedFn;
  }

  private visit(node: AstNode): void {
    switch (node.type) {
      case "Identifier":
        this.reference(node);
        return;
      case "MemberExpression":
        this.walk(node.object);
        if (node.computed) this.walk(node.property);
        return;
      case "Property":
      case "MethodDefinition":
      case "PropertyDefinition":
        if (node.computed) this.walk(node.key);
        if (node.value) this.walk(node.value);
        return;
      case "VariableDeclarator":
        this.pattern(node.id);
        if (node.init) this.walk(node.init);
        return;
      case "AssignmentExpression":
        if (node.left.type !== "Identifier") this.pattern(node.left);
        this.walk(node.right);
        return;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        for (const p of node.params as AstNode[]) this.pattern(p);
        this.walk(node.body);
        return;
      case "ClassDeclaration":
      case "ClassExpression":
        if (node.superClass) this.walk(node.superClass);
        this.walk(node.body);
        return;
      case "CatchClause":
        if (node.param) this.pattern(node.param);
        this.walk(node.body);
        return;
      case "ForInStatement":
      case "ForOfStatement":
        if (node.left.type === "VariableDeclaration") this.walk(node.left);
        else if (node.left.type !== "Identifier") this.pattern(node.left);
        this.walk(node.right);
        this.walk(node.body);
        return;
      case "LabeledStatement":
        this.walk(node.body);
        return;
      case "BreakStatement":
      case "ContinueStatement":
      case "MetaProperty":
        return;
      case "ImportDeclaration":
        this.importDeclaration(node);
        return;
      case "ExportNamedDeclaration":
        this.exportNamed(node);
        return;
      case "ExportAllDeclaration":
        this.addImport(node.source.value as string, node);
        this.escapeModule(node.source.value as string, node);
        return;
      case "CallExpression":
        this.call(node);
        break;
      case "ImportExpression":
        this.importExpression(node);
        break;
    }
    forEachChild(node, (c) => this.walk(c));
  }

  /** A binding target: only default values, computed keys and member targets (`process.env.X = ...`) hold references. */
  private pattern(p: AstNode | null): void {
    patternExpressions(p, (e) => this.walk(e));
  }

  private valueOfIdentifier(name: string): Value | null {
    if (!this.info.interesting.has(name)) return null;
    const b = this.scope.lookup(name);
    if (b) return b.value;
    return KNOWN_GLOBALS.has(name) ? { root: `global:${name}`, path: [] } : null;
  }

  private reference(id: AstNode): void {
    const v = this.valueOfIdentifier(id.name as string);
    if (v) this.follow(this.stack.length - 1, v);
  }

  /**
   * Follows the member chain above stack[index] (a node whose value is `v`), then
   * classifies how the end of the chain is used.
   */
  private follow(index: number, v: Value): void {
    const path = [...v.path];
    let i = index;
    let cur = this.stack[i] as AstNode;
    while (i > 0) {
      const parent = this.stack[i - 1] as AstNode;
      if (parent.type === "MemberExpression" && parent.object === cur) {
        const name = propertyName(parent);
        path.push(name ?? DYNAMIC_MEMBER);
        cur = parent;
        i--;
        if (name === null) break;
        continue;
      }
      const interop =
        parent.type === "CallExpression" &&
        parent.arguments[0] === cur &&
        parent.callee.type === "Identifier" &&
        INTEROP_HELPERS.has(parent.callee.name as string);
      if (parent.type === "ChainExpression" || interop) {
        cur = parent;
        i--;
        continue;
      }
      break;
    }
    const value: Value = { root: v.root, path };
    const parent = i > 0 ? (this.stack[i - 1] as AstNode) : null;
    if (parent && this.isDestructured(cur, parent)) {
      this.destructure(value, parent.type === "VariableDeclarator" ? parent.id : parent.left);
      return;
    }
    this.hit(value, parent ? this.contextOf(cur, parent, value) : "read", cur);
  }

  private isDestructured(cur: AstNode, parent: AstNode): boolean {
    if (parent.type === "VariableDeclarator") return parent.init === cur && parent.id.type === "ObjectPattern";
    if (parent.type === "AssignmentExpression") return parent.right === cur && parent.left.type === "ObjectPattern";
    return false;
  }

  /** `const { readFile: r, ...rest } = fs`: each selected member is a use. */
  private destructure(v: Value, pattern: AstNode): void {
    for (const prop of pattern.properties as AstNode[]) {
      const key = prop.type === "RestElement" ? DYNAMIC_MEMBER : (keyName(prop) ?? DYNAMIC_MEMBER);
      const target = prop.type === "Property" ? (prop.value.type === "AssignmentPattern" ? prop.value.left : prop.value) : null;
      const tracked = target?.type === "Identifier" && this.scope.lookup(target.name as string)?.value != null;
      this.hit({ root: v.root, path: [...v.path, key] }, "select", prop, tracked);
    }
  }

  /** Whether `target` is a local that the scope pass gave exactly this value. */
  private aliasTarget(target: AstNode, v: Value): boolean {
    if (target.type !== "Identifier") return false;
    const held = this.scope.lookup(target.name as string)?.value ?? null;
    if (held === null) return false;
    const n = normalise(v);
    return held.root === n.root && held.path.length === n.path.length && held.path.every((p, i) => p === n.path[i]);
  }

  private contextOf(cur: AstNode, parent: AstNode, v: Value): UseContext {
    switch (parent.type) {
      case "CallExpression": {
        if (parent.callee === cur) return "call";
        const c = parent.callee as AstNode;
        const writes =
          parent.arguments[0] === cur &&
          c.type === "MemberExpression" &&
          c.object.type === "Identifier" &&
          c.object.name === "Object" &&
          WRITE_HELPERS.has(propertyName(c) ?? "");
        return writes ? "write" : "read";
      }
      case "NewExpression":
        return parent.callee === cur ? "new" : "read";
      case "AssignmentExpression":
        if (parent.left === cur) return "write";
        return this.aliasTarget(parent.left, v) ? "alias" : "read";
      case "VariableDeclarator":
        return this.aliasTarget(parent.id, v) ? "alias" : "read";
      case "UpdateExpression":
        return "write";
      case "UnaryExpression":
        if (parent.operator === "delete") return "write";
        return parent.operator === "typeof" || parent.operator === "!" || parent.operator === "void" ? "check" : "read";
      case "BinaryExpression":
        return CHECK_OPERATORS.has(parent.operator as string) ? "check" : "read";
      case "IfStatement":
      case "WhileStatement":
      case "DoWhileStatement":
      case "ForStatement":
        return parent.test === cur ? "check" : "read";
      case "ConditionalExpression":
        return parent.test === cur ? "check" : "read";
      case "ExpressionStatement":
        return "check";
      case "SequenceExpression":
        return parent.expressions[parent.expressions.length - 1] === cur ? "read" : "check";
      default:
        return "read";
    }
  }

  private addImport(specifier: string, at: AstNode, kind: LoadKind = "import"): void {
    this.imports.push({ specifier, line: this.lineOf(at.start), kind });
  }

  /** A built-in module handed on whole (`export * from "fs"`, an unawaited `import("fs")`). */
  private escapeModule(specifier: string, at: AstNode): void {
    const v = moduleValue(specifier);
    if (v) this.hit(v, "read", at);
  }

  private importDeclaration(node: AstNode): void {
    const source = node.source.value as string;
    this.addImport(source, node);
    const v = moduleValue(source);
    if (!v) return;
    for (const spec of node.specifiers as AstNode[]) {
      if (spec.type !== "ImportSpecifier") continue;
      const name = (spec.imported.name ?? spec.imported.value) as string;
      if (name !== "default") this.hit({ root: v.root, path: [...v.path, name] }, "select", spec, true);
    }
  }

  private exportNamed(node: AstNode): void {
    if (node.declaration) {
      this.walk(node.declaration);
      return;
    }
    if (!node.source) {
      // `export { fs }`: each local leaves the file, so it is a plain read.
      for (const spec of node.specifiers as AstNode[]) {
        this.stack.push(spec);
        this.walk(spec.local);
        this.stack.pop();
      }
      return;
    }
    const source = node.source.value as string;
    this.addImport(source, node);
    const v = moduleValue(source);
    if (!v) return;
    for (const spec of node.specifiers as AstNode[]) {
      const name = (spec.local.name ?? spec.local.value) as string;
      const path = name === "default" ? v.path : [...v.path, name];
      this.hit({ root: v.root, path }, name === "default" ? "read" : "select", spec);
    }
  }

  private call(node: AstNode): void {
    if (!isRequireCallee(node.callee, this.scope)) return;
    const arg0 = node.arguments[0] as AstNode | undefined;
    if (!arg0) return;
    const spec = literalString(arg0);
    if (spec === null) {
      this.findings.push({ capability: "ARBITRARY_EXECUTION", line: this.lineOf(node.start), detail: "require(<expression>)", fn: this.fn });
      return;
    }
    this.addImport(spec, node, "require");
    const v = moduleValue(spec);
    if (v) this.follow(this.stack.length - 1, v);
  }

  private importExpression(node: AstNode): void {
    const spec = literalString(node.source);
    if (spec === null) {
      this.findings.push({ capability: "ARBITRARY_EXECUTION", line: this.lineOf(node.start), detail: "import(<expression>)", fn: this.fn });
      return;
    }
    this.addImport(spec, node);
    const v = moduleValue(spec);
    if (!v) return;
    const top = this.stack.length - 1;
    const parent = this.stack[top - 1];
    if (parent?.type === "AwaitExpression") this.follow(top - 1, v);
    else this.hit(v, "read", node);
  }
}
