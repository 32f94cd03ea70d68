/**
 * The functions of one file, numbered in source order (0 is the module's top level),
 * with a readable name and a line for evidence paths, and the map from AST nodes to
 * the function whose body they run in. Both walks of a file (analyse-file.ts for the
 * capabilities, facts.ts for the call graph) use it, so a finding and a call edge name
 * the same function.
 *
 * A class is one function: its constructor, with the instance field initialisers
 * (they run on `new`). Each method, getter and setter is a function of its own. Static
 * fields and static blocks run where the class is evaluated, in the enclosing function.
 */
import { forEachChild, keyName, propertyName, type AstNode } from "./scope.js";

/** One function of a file. */
export interface FnInfo {
  /** `startServer`, `Client.connect`, `test callback`, `<module>`, `(anonymous)`. */
  name: string;
  line: number;
}

/** Result of {@link indexFunctions}. */
export interface FunctionIndex {
  fns: FnInfo[];
  /** Function and class nodes → their id (the value the expression makes). */
  ids: Map<AstNode, number>;
  /** Nodes whose inside runs in a function: function nodes, constructor bodies, instance field values. */
  owner: Map<AstNode, number>;
}

/** `a.b.prototype.c` → `a.b.c`, `module.exports.x`/`exports.x` → `x`; null if not a plain chain. */
export function dottedName(n: AstNode, depth = 0): string | null {
  if (depth > 6) return null;
  if (n.type === "Identifier") return n.name as string;
  if (n.type === "ThisExpression") return "this";
  if (n.type !== "MemberExpression") return null;
  const obj = dottedName(n.object, depth + 1);
  const prop = propertyName(n);
  if (obj === null || prop === null) return null;
  if (prop === "prototype") return obj;
  if (obj === "exports" || obj === "module.exports") return prop;
  if (obj === "module" && prop === "exports") return "module.exports";
  return `${obj}.${prop}`;
}

/** The node types that are functions. */
export const FUNCTION_TYPES: ReadonlySet<string> = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/** Numbers the functions of a parsed file; `lineOf` maps a source offset to its 1-based line. */
export function indexFunctions(program: AstNode, lineOf: (offset: number) => number): FunctionIndex {
  const fns: FnInfo[] = [{ name: "<module>", line: 1 }];
  const ids = new Map<AstNode, number>();
  const owner = new Map<AstNode, number>();
  owner.set(program, 0);
  const add = (node: AstNode, name: string): number => {
    fns.push({ name, line: lineOf(node.start) });
    ids.set(node, fns.length - 1);
    if (FUNCTION_TYPES.has(node.type)) owner.set(node, fns.length - 1);
    return fns.length - 1;
  };
  const visit = (node: AstNode, hint: string | null): void => {
    if (FUNCTION_TYPES.has(node.type)) {
      add(node, (node.id?.name as string | undefined) ?? hint ?? "(anonymous)");
      forEachChild(node, (c) => visit(c, null));
      return;
    }
    if (node.type === "ClassDeclaration" || node.type === "ClassExpression") {
      visitClass(node, (node.id?.name as string | undefined) ?? hint ?? "(class)");
      return;
    }
    forEachChild(node, (c) => visit(c, childHint(node, c)));
  };
  const visitClass = (node: AstNode, name: string): void => {
    const id = add(node, name);
    if (node.superClass) visit(node.superClass, null);
    for (const m of node.body.body as AstNode[]) {
      if (m.type === "StaticBlock") {
        forEachChild(m, (c) => visit(c, null));
        continue;
      }
      if (m.computed) visit(m.key, null);
      const key = keyName(m) ?? (m.key?.type === "PrivateIdentifier" ? `#${m.key.name as string}` : "[computed]");
      if (m.type === "MethodDefinition") {
        if (m.kind === "constructor") {
          owner.set(m.value, id);
          forEachChild(m.value, (c) => visit(c, null));
        } else {
          visit(m.value, `${name}.${key}`);
        }
      } else if (m.type === "PropertyDefinition" && m.value) {
        if (!m.static) owner.set(m.value, id);
        visit(m.value, `${name}.${key}`);
      }
    }
  };
  visit(program, null);
  return { fns, ids, owner };
}

/** The name a function gets from where it is written: `const f = ...`, `o.f = ...`, `{ f: ... }`, `g(...)`. */
function childHint(parent: AstNode, child: AstNode): string | null {
  switch (parent.type) {
    case "VariableDeclarator":
      return parent.init === child && parent.id.type === "Identifier" ? (parent.id.name as string) : null;
    case "AssignmentExpression":
    case "AssignmentPattern":
      return parent.right === child ? dottedName(parent.left) : null;
    case "Property":
    case "PropertyDefinition":
    case "MethodDefinition":
      return parent.value === child ? keyName(parent) : null;
    case "ExportDefaultDeclaration":
      return "default";
    case "CallExpression":
    case "NewExpression": {
      if (parent.callee === child) return null;
      const callee = dottedName(parent.callee);
      return callee === null ? "(callback)" : `${callee} callback`;
    }
    default:
      return null;
  }
}
