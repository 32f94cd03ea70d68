/**
 * What counts as a capability: the table of Node built-in modules and globals, and
 * the member-level exceptions. Pure data plus one classification function, so the
 * policy can be read (and argued with) in one place, apart from the AST walk.
 */
import { isBuiltin } from "node:module";
import type { Capability } from "./model.js";

/** A built-in module that grants a capability, minus the members that do not. */
interface ModuleRule {
  capability: Capability;
  /** Members that are plain data or pure functions (`fs.constants`, `net.isIP`). */
  benign: ReadonlySet<string>;
  /** Members that grant a different capability than the module's. */
  override?: Readonly<Record<string, Capability>>;
}

const NONE: ReadonlySet<string> = new Set();
const FS_BENIGN = new Set(["constants", "F_OK", "R_OK", "W_OK", "X_OK", "Stats", "Dirent"]);
const HTTP_BENIGN = new Set(["STATUS_CODES", "METHODS", "maxHeaderSize", "validateHeaderName", "validateHeaderValue"]);

/** Built-in modules (names without `node:`) and the capability each grants. */
export const MODULE_RULES: ReadonlyMap<string, ModuleRule> = new Map<string, ModuleRule>([
  ["fs", { capability: "FILES", benign: FS_BENIGN }],
  ["fs/promises", { capability: "FILES", benign: FS_BENIGN }],
  ["sqlite", { capability: "FILES", benign: NONE }],
  ["net", { capability: "NETWORK", benign: new Set(["isIP", "isIPv4", "isIPv6"]) }],
  ["tls", { capability: "NETWORK", benign: new Set(["DEFAULT_ECDH_CURVE", "DEFAULT_MIN_VERSION", "DEFAULT_MAX_VERSION", "DEFAULT_CIPHERS"]) }],
  ["dgram", { capability: "NETWORK", benign: NONE }],
  ["http", { capability: "NETWORK", benign: HTTP_BENIGN }],
  ["https", { capability: "NETWORK", benign: HTTP_BENIGN }],
  ["http2", { capability: "NETWORK", benign: new Set(["constants"]) }],
  ["dns", { capability: "NETWORK", benign: NONE }],
  ["dns/promises", { capability: "NETWORK", benign: NONE }],
  ["child_process", { capability: "EXEC", benign: NONE }],
  ["cluster", { capability: "EXEC", benign: new Set(["isMaster", "isPrimary", "isWorker"]) }],
  ["worker_threads", { capability: "RUNTIME", benign: new Set(["isMainThread", "threadId"]) }],
  ["v8", { capability: "RUNTIME", benign: NONE }],
  ["inspector", { capability: "RUNTIME", benign: NONE }],
  ["inspector/promises", { capability: "RUNTIME", benign: NONE }],
  ["vm", { capability: "RUNTIME", benign: NONE }],
  ["wasi", { capability: "RUNTIME", benign: NONE }],
  [
    "os",
    {
      capability: "READ_SYSTEM_STATE",
      benign: new Set(["EOL", "constants", "devNull"]),
      override: { setPriority: "MODIFY_SYSTEM_STATE" },
    },
  ],
  ["module", { capability: "ARBITRARY_EXECUTION", benign: new Set(["builtinModules", "isBuiltin"]) }],
]);

/** `process.<member>` calls that change the process or the machine. */
export const PROCESS_MODIFY: ReadonlySet<string> = new Set([
  "exit",
  "reallyExit",
  "abort",
  "kill",
  "chdir",
  "umask",
  "setuid",
  "setgid",
  "seteuid",
  "setegid",
  "setgroups",
  "initgroups",
]);

/** `process.<member>` that load native or internal code. */
export const PROCESS_ARBITRARY: ReadonlySet<string> = new Set(["binding", "_linkedBinding", "dlopen"]);

/** Globals that open network connections by themselves. */
export const NETWORK_GLOBALS: ReadonlySet<string> = new Set(["fetch", "WebSocket", "XMLHttpRequest", "EventSource"]);

/** Names of the global objects whose members are globals (`globalThis.fetch`). */
export const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(["globalThis", "global", "window", "self"]);

/** Free identifiers the analyser follows; any other free identifier is ignored. */
export const KNOWN_GLOBALS: ReadonlySet<string> = new Set([
  "process",
  "require",
  "module",
  "eval",
  "Function",
  ...NETWORK_GLOBALS,
  ...GLOBAL_OBJECTS,
]);

/**
 * Helpers that compilers wrap around `require()` (TypeScript, Babel, esbuild); the
 * analyser sees through them so `__importStar(require("fs"))` is still `fs`.
 */
export const INTEROP_HELPERS: ReadonlySet<string> = new Set([
  "__importStar",
  "__importDefault",
  "_interopRequireDefault",
  "_interopRequireWildcard",
  "__toESM",
  "__toCommonJS",
]);

/** Identifiers called as `require` even when they are locals (UMD factories, esbuild's shim). */
export const REQUIRE_NAMES: ReadonlySet<string> = new Set(["require", "__require"]);

/**
 * An abstract value the analyser tracks: a module namespace (`module:fs`) or a global
 * (`global:process`) plus a chain of static member names.
 */
export interface Value {
  root: string;
  path: readonly string[];
}

/** Member name used when a property is computed from an expression (`fs[name]`). */
export const DYNAMIC_MEMBER = "*";

/** How a value is used at the end of its member chain. */
export type UseContext =
  | "call" // f(...)
  | "new" // new F(...)
  | "write" // x = ..., delete x, x++, Object.assign(x, ...)
  | "read" // any other use whose value flows on (argument, return, property...)
  | "select" // a named import / destructured property: reached, value not tracked further
  | "check" // typeof x, x === y, x instanceof y, if (x): inspected, not used
  | "alias"; // copied into a local the analyser tracks: its uses are classified instead

/**
 * Normalises a built-in specifier: strips `node:`, returns null for non-built-ins.
 * Kept here (not in the walk) because the table above is keyed by the result.
 */
export function builtinName(specifier: string): string | null {
  if (!isBuiltin(specifier)) return null;
  return specifier.startsWith("node:") ? specifier.slice(5) : specifier;
}

/** The value of loading a built-in module, or null if it grants nothing worth tracking. */
export function moduleValue(specifier: string): Value | null {
  const name = builtinName(specifier);
  if (name === null) return null;
  if (name === "process") return { root: "global:process", path: [] };
  return MODULE_RULES.has(name) ? { root: `module:${name}`, path: [] } : null;
}

/**
 * Puts a value in canonical form: `globalThis.fetch` → global `fetch`, a module's
 * `default` member → the module itself (CJS interop), `fs.promises` kept as a member.
 */
export function normalise(v: Value): Value {
  let { root, path } = v;
  for (;;) {
    if (root.startsWith("global:") && GLOBAL_OBJECTS.has(root.slice(7)) && path.length > 0) {
      const head = path[0] as string;
      if (!KNOWN_GLOBALS.has(head)) return { root, path };
      root = `global:${head}`;
      path = path.slice(1);
      continue;
    }
    if (root.startsWith("module:") && path[0] === "default") {
      path = path.slice(1);
      continue;
    }
    return { root, path };
  }
}

/** A capability the rules assign to one use, with the text shown to the reviewer. */
export interface Hit {
  capability: Capability;
  detail: string;
}

function dotted(v: Value): string {
  const base = v.root.slice(v.root.indexOf(":") + 1);
  return v.path.length === 0 ? base : `${base}.${v.path.join(".")}`;
}

function moduleHit(name: string, v: Value, ctx: UseContext): Hit | null {
  const rule = MODULE_RULES.get(name);
  if (!rule) return null;
  const member = v.path[0];
  if (member === undefined) {
    // The whole module: only escaping it into code we do not follow counts.
    return ctx === "check" || ctx === "alias" ? null : { capability: rule.capability, detail: dotted(v) };
  }
  if (ctx === "check" || ctx === "alias") return null;
  const over = rule.override?.[member];
  if (over) return { capability: over, detail: dotted(v) };
  if (rule.benign.has(member)) return null;
  return { capability: rule.capability, detail: dotted(v) };
}

function processHit(v: Value, ctx: UseContext): Hit | null {
  const member = v.path[0];
  // `process` passed around whole is not followed (see README).
  if (member === undefined) return null;
  if (member === "env") {
    // `const env = process.env` is classified at env's uses; `const h = process.env.HOME` is the read.
    if (ctx === "alias" && v.path.length === 1) return null;
    return ctx === "write"
      ? { capability: "MODIFY_SYSTEM_STATE", detail: `${dotted(v)} (write)` }
      : { capability: "READ_SYSTEM_STATE", detail: dotted({ root: v.root, path: v.path.slice(0, 2) }) };
  }
  if (ctx === "check" || ctx === "alias") return null; // typeof process.exit, aliases: see their uses
  if (PROCESS_MODIFY.has(member)) return { capability: "MODIFY_SYSTEM_STATE", detail: dotted(v) };
  if (PROCESS_ARBITRARY.has(member)) return { capability: "ARBITRARY_EXECUTION", detail: dotted(v) };
  return null;
}

/**
 * The capability granted by one use of a tracked value, or null. `ctx` is how the end
 * of the member chain is used. This is the member-level policy of the analyser.
 */
export function classifyUse(value: Value, ctx: UseContext): Hit | null {
  const v = normalise(value);
  if (v.root.startsWith("module:")) return moduleHit(v.root.slice(7), v, ctx);
  const g = v.root.slice(7);
  if (g === "process") return processHit(v, ctx);
  if (ctx === "check" || ctx === "alias") return null;
  if (NETWORK_GLOBALS.has(g)) return { capability: "NETWORK", detail: dotted(v) };
  if (g === "eval") return { capability: "ARBITRARY_EXECUTION", detail: dotted(v) };
  if (g === "Function") {
    const first = v.path[0];
    if (first === undefined) return { capability: "ARBITRARY_EXECUTION", detail: "Function" };
    if (first === "prototype" && !v.path.includes("constructor")) return null;
    if (first === "name" || first === "length") return null;
    return { capability: "ARBITRARY_EXECUTION", detail: dotted(v) };
  }
  return null;
}
