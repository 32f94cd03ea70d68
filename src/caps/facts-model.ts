/**
 * What the call-graph walk (facts.ts) says about one file, in file-local terms: its
 * functions, what each one calls, passes on, stores in a property or loads, and what
 * the module exports. program.ts links these across files. Kept apart from the walk so
 * program.ts and the tests read the types without the walker.
 */
import type { LoadKind } from "./resolve.js";

/**
 * A value the walk can name. `imp` is (a member of) what an import site loads: path
 * `[]` is the module object, `["a"]` its export `a`, `"*"` a computed member. `field`
 * is a property read from an object the walk does not know (resolved by name over all
 * stored functions, the field-based approximation of ACG); `any` is a computed member
 * of such an object: it could be anything stored anywhere.
 */
export type Ref =
  | { readonly k: "fn"; readonly id: number }
  | { readonly k: "imp"; readonly site: number; readonly path: readonly string[] }
  | { readonly k: "obj"; readonly id: number }
  | { readonly k: "field"; readonly name: string }
  | { readonly k: "self"; readonly path: readonly string[] }
  | { readonly k: "any" };

/**
 * `call`: the function runs the value; `escape`: the value leaves for code that may
 * call it (a callback, a returned closure, an array element...); `load`: the function
 * executes an import site; `fallback`: a spot the walk cannot follow (the consumer
 * falls back to module level there).
 */
export type EdgeKind = "call" | "escape" | "load" | "fallback";

/** One fact of a function. */
export interface FactEdge {
  kind: EdgeKind;
  /** Null for `fallback`. */
  ref: Ref | null;
  line: number;
  /** Literal string arguments of a call, by position (null = not a literal); only when one is. */
  args?: (string | null)[];
  /** What the spot is, for `fallback`: `o[k]()`, `eval`, `Reflect.apply`. */
  detail?: string;
}

/** A value written to a property named `name` (methods, `o.f = g`, object literal members). */
export interface Store {
  name: string;
  ref: Ref;
  line: number;
  /** Also an export: a module object stored there is reached through the import, not let escape. */
  exported?: true;
}

/** One function's facts. */
export interface FnFacts {
  name: string;
  line: number;
  edges: FactEdge[];
  stores: Store[];
}

/** A module specifier the file loads, with the condition it is loaded under. */
export interface ImportSite {
  specifier: string;
  line: number;
  kind: LoadKind;
}

/**
 * A `require()`/`import()` whose specifier is an expression. `prefix`/`suffix` are the
 * literal parts around it (`"./locale/" + name + ".js"`); `param` is set when the
 * specifier is a parameter of a function (a `lazyRequire(id)` wrapper), so calls with
 * a literal argument tell which module it loads.
 */
export interface DynamicLoad {
  fn: number;
  line: number;
  kind: LoadKind;
  detail: string;
  prefix: string | null;
  suffix: string;
  param: { fn: number; index: number } | null;
}

/** What the module exports. */
export interface ExportFacts {
  /** Named exports (ESM names, `exports.x`, `default`). */
  named: Map<string, Ref[]>;
  /** Import sites re-exported whole (`export * from`, `__exportStar(require(...))`). */
  stars: number[];
  /** What `module.exports` is assigned (CommonJS). */
  whole: Ref[];
}

/** The call-graph facts of one file. */
export interface FileFacts {
  esm: boolean;
  /** Aligned with the function index: [0] is the module top level. */
  fns: FnFacts[];
  sites: ImportSite[];
  /** Object literals by id: their members. */
  objects: Map<string, Ref[]>[];
  exports: ExportFacts;
  dynamic: DynamicLoad[];
}
