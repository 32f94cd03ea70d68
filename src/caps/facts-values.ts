/**
 * What an expression of one file may evaluate to, as far as calls are concerned: the
 * value side of the call-graph walk (facts.ts). Bindings are followed through
 * everything assigned to them (flow-insensitive, memoised, cycle-safe), members
 * through object literals, imports and the module's own exports. Also numbers the
 * import sites and object literals the values refer to.
 */
import type { ImportSite, Ref } from "./facts-model.js";
import type { FunctionIndex } from "./functions.js";
import type { LoadKind } from "./resolve.js";
import { INTEROP_HELPERS } from "./rules.js";
import { isRequireCallee, keyName, literalString, propertyName, type AstNode, type Binding, type Scope } from "./scope.js";

/** Global objects whose members are built-ins: `JSON.parse()` calls nothing we analyse. */
const BUILTIN_NAMESPACES = new Set([
  "JSON", "Math", "Object", "Reflect", "Promise", "Array", "console", "Buffer", "Symbol", "Number", "String",
  "Date", "Atomics", "Intl", "process", "URL", "URLSearchParams", "crypto", "performance", "Error", "BigInt",
  "Boolean", "RegExp", "Map", "Set", "WeakMap", "WeakSet", "ArrayBuffer", "SharedArrayBuffer", "DataView",
  "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array",
  "Float64Array", "BigInt64Array", "BigUint64Array", "Uint8ClampedArray", "TextEncoder", "TextDecoder",
  "WebAssembly", "queueMicrotask", "structuredClone", "AbortController", "AbortSignal", "EventTarget",
  "Event", "setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval", "clearImmediate",
]);

const MAX_PATH = 4;

function refKey(r: Ref): string {
  switch (r.k) {
    case "fn":
    case "obj":
      return `${r.k}:${r.id}`;
    case "imp":
      return `imp:${r.site}:${r.path.join("\0")}`;
    case "self":
      return `self:${r.path.join("\0")}`;
    case "field":
      return `field:${r.name}`;
    case "any":
      return "any";
  }
}

/** Drops repeated refs. */
export function dedupe(refs: Ref[]): Ref[] {
  if (refs.length < 2) return refs;
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = refKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Whether `n` is the identifier `name` with no local binding (a global). */
export function isUnbound(n: AstNode, scope: Scope, name: string): boolean {
  return n.type === "Identifier" && n.name === name && scope.lookup(name) === null;
}

/** `module.exports` with `module` not shadowed. */
export function isModuleExports(n: AstNode, scope: Scope): boolean {
  return n.type === "MemberExpression" && isUnbound(n.object, scope, "module") && propertyName(n) === "exports";
}

/** The values of one file. */
export class ValueSpace {
  readonly sites: ImportSite[] = [];
  readonly objects: Map<string, Ref[]>[] = [];
  private readonly siteOf = new Map<AstNode, number>();
  private readonly objectOf = new Map<AstNode, number>();
  private readonly memo = new Map<Binding, Ref[]>();
  private readonly evaluating = new Set<Binding>();

  constructor(
    private readonly index: FunctionIndex,
    private readonly lineOf: (o: number) => number,
  ) {}

  /** The number of an import site (allocated once per node). */
  site(node: AstNode, specifier: string, kind: LoadKind): number {
    let i = this.siteOf.get(node);
    if (i === undefined) {
      i = this.sites.length;
      this.sites.push({ specifier, line: this.lineOf(node.start), kind });
      this.siteOf.set(node, i);
    }
    return i;
  }

  /** What a binding may hold: the union of everything assigned to it anywhere. */
  refsOf(b: Binding): Ref[] {
    if (b.assigned === null) return [];
    const hit = this.memo.get(b);
    if (hit) return hit;
    if (this.evaluating.has(b)) return [];
    this.evaluating.add(b);
    const out: Ref[] = [];
    for (const a of b.assigned ?? []) {
      let refs: Ref[];
      const t = a.init.type;
      if (t === "FunctionDeclaration" || t === "ClassDeclaration" || (t === "FunctionExpression" && a.path.length === 0 && this.index.ids.has(a.init) && a.init.id?.name === b.name)) {
        refs = [{ k: "fn", id: this.index.ids.get(a.init) as number }];
      } else if (t === "ImportDeclaration") {
        refs = [{ k: "imp", site: this.site(a.init, a.init.source.value as string, "import"), path: [] }];
      } else {
        refs = this.evaluate(a.init, a.scope);
      }
      for (const key of a.path) refs = this.member(refs, key);
      out.push(...refs);
    }
    this.evaluating.delete(b);
    const result = dedupe(out);
    this.memo.set(b, result);
    return result;
  }

  /** The members `name` of values `refs` (`"*"` = computed). */
  member(refs: Ref[], name: string): Ref[] {
    const out: Ref[] = [];
    for (const r of refs) {
      switch (r.k) {
        case "imp":
          out.push(r.path.length >= MAX_PATH ? { k: "field", name } : { k: "imp", site: r.site, path: [...r.path, name] });
          break;
        case "self":
          out.push(r.path.length >= MAX_PATH ? { k: "field", name } : { k: "self", path: [...r.path, name] });
          break;
        case "obj": {
          const fields = this.objects[r.id] as Map<string, Ref[]>;
          if (name === "*") for (const v of fields.values()) out.push(...v);
          else out.push(...(fields.get(name) ?? [{ k: "field", name } as Ref]));
          break;
        }
        default:
          // A named member of anything unknown (even of `o[k]`) is a method call by name.
          out.push(name === "*" ? { k: "any" } : { k: "field", name });
      }
    }
    return dedupe(out);
  }

  /** What an expression may evaluate to, as far as calls are concerned. */
  evaluate(e: AstNode, scope: Scope): Ref[] {
    switch (e.type) {
      case "Identifier": {
        const b = scope.lookup(e.name as string);
        if (b) return this.refsOf(b);
        return e.name === "exports" ? [{ k: "self", path: [] }] : [];
      }
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "ClassExpression":
        return [{ k: "fn", id: this.index.ids.get(e) as number }];
      case "ObjectExpression":
        return [{ k: "obj", id: this.objectId(e, scope) }];
      case "MemberExpression":
        return this.evaluateMember(e, scope);
      case "ChainExpression":
        return this.evaluate(e.expression, scope);
      case "ConditionalExpression":
        return dedupe([...this.evaluate(e.consequent, scope), ...this.evaluate(e.alternate, scope)]);
      case "LogicalExpression":
        return dedupe([...this.evaluate(e.left, scope), ...this.evaluate(e.right, scope)]);
      case "SequenceExpression":
        return this.evaluate(e.expressions[e.expressions.length - 1], scope);
      case "AssignmentExpression":
        return e.operator === "=" || e.operator.length === 3 ? this.evaluate(e.right, scope) : [];
      case "AwaitExpression":
        return e.argument?.type === "ImportExpression" ? this.evaluate(e.argument, scope) : [];
      case "ImportExpression": {
        // `import("x")` stands for its module object, awaited or not: a promise of it
        // handed on (`() => import("./cmd.js")`) hands the module on.
        const spec = literalString(e.source);
        return spec === null ? [] : [{ k: "imp", site: this.site(e, spec, "import"), path: [] }];
      }
      case "CallExpression":
        return this.evaluateCall(e, scope);
      default:
        return [];
    }
  }

  private evaluateMember(e: AstNode, scope: Scope): Ref[] {
    if (isModuleExports(e, scope)) return [{ k: "self", path: [] }];
    // An array element: functions put in arrays escape where the array is made.
    if (e.computed && e.property.type === "Literal" && typeof e.property.value === "number") return [];
    const obj = e.object as AstNode;
    const name = propertyName(e) ?? "*";
    if (obj.type === "Identifier" && BUILTIN_NAMESPACES.has(obj.name as string) && scope.lookup(obj.name as string) === null) return [];
    if (obj.type === "Super" || obj.type === "ThisExpression") return [name === "*" ? { k: "any" } : { k: "field", name }];
    const base = this.evaluate(obj, scope);
    if (base.length === 0) return [name === "*" ? { k: "any" } : { k: "field", name }];
    return this.member(base, name);
  }

  private evaluateCall(e: AstNode, scope: Scope): Ref[] {
    const callee = e.callee as AstNode;
    const arg0 = e.arguments[0] as AstNode | undefined;
    if (callee.type === "Identifier" && INTEROP_HELPERS.has(callee.name as string) && arg0) return this.evaluate(arg0, scope);
    if (isRequireCallee(callee, scope)) {
      const spec = literalString(arg0);
      return spec === null ? [] : [{ k: "imp", site: this.site(e, spec, "require"), path: [] }];
    }
    if (callee.type === "MemberExpression") {
      const m = propertyName(callee);
      if (m === "bind") return this.evaluate(callee.object, scope);
      if (m === "get" && callee.object.type === "Identifier" && callee.object.name === "Reflect") return [{ k: "any" }];
      if (m === "assign" && callee.object.type === "Identifier" && callee.object.name === "Object" && arg0) return this.evaluate(arg0, scope);
    }
    return [];
  }

  /** Numbers an object literal and records its members (evaluated lazily, once). */
  objectId(e: AstNode, scope: Scope): number {
    const hit = this.objectOf.get(e);
    if (hit !== undefined) return hit;
    const id = this.objects.length;
    const fields = new Map<string, Ref[]>();
    this.objects.push(fields);
    this.objectOf.set(e, id);
    for (const p of e.properties as AstNode[]) {
      if (p.type !== "Property") continue;
      const key = keyName(p);
      if (key === null) continue;
      const v = p.kind === "init" ? this.evaluate(p.value, scope) : [];
      fields.set(key, dedupe([...(fields.get(key) ?? []), ...v]));
    }
    return id;
  }
}

/** The expression a function returns when its body is just that (`() => x`, `function () { return x; }`). */
export function returned(fn: AstNode): AstNode | null {
  const body = fn.body as AstNode;
  if (body.type !== "BlockStatement") return body;
  const stmts = body.body as AstNode[];
  const last = stmts[stmts.length - 1];
  return stmts.length === 1 && last?.type === "ReturnStatement" && last.argument ? (last.argument as AstNode) : null;
}

/**
 * The literal text before and after the variable part of a computed specifier:
 * `"./x/" + a + ".js"`, `` `./x/${a}.js` ``, `path.join(__dirname, "x", a)`.
 */
export function literalParts(arg: AstNode, scope: Scope): { prefix: string | null; suffix: string } {
  if (arg.type === "TemplateLiteral") {
    const q = arg.quasis as AstNode[];
    return { prefix: (q[0]?.value?.cooked as string) || null, suffix: (q[q.length - 1]?.value?.cooked as string) ?? "" };
  }
  if (arg.type === "BinaryExpression" && arg.operator === "+") {
    const parts: AstNode[] = [];
    const flatten = (n: AstNode): void => {
      if (n.type === "BinaryExpression" && n.operator === "+") {
        flatten(n.left);
        flatten(n.right);
      } else parts.push(n);
    };
    flatten(arg);
    const first = literalString(parts[0]);
    const last = parts.length > 1 ? literalString(parts[parts.length - 1]) : null;
    return { prefix: first || null, suffix: last ?? "" };
  }
  if (arg.type === "CallExpression") {
    // `path.join(__dirname, "x", a)`; and any call ending in a literal (`join(dir, "package.json")`).
    const a = arg.arguments as AstNode[];
    const suffix = literalString(a[a.length - 1]) ?? "";
    const isJoin = arg.callee.type === "MemberExpression" && ["join", "resolve"].includes(propertyName(arg.callee) ?? "");
    if (isJoin && a[0] && isUnbound(a[0], scope, "__dirname")) {
      const lits: string[] = [];
      for (const x of a.slice(1)) {
        const s = literalString(x);
        if (s === null) break;
        lits.push(s);
      }
      return { prefix: `./${lits.map((s) => `${s.replace(/^\.\/|\/$/g, "")}/`).join("")}`, suffix };
    }
    return { prefix: null, suffix };
  }
  return { prefix: null, suffix: "" };
}
