/**
 * Shared vocabulary of the capability analyser: the categories, what one file's
 * analysis yields, and what a package's analysis yields. Kept in one place so the
 * file walk, the graph and the report agree on names (capslock's `Capability` enum
 * plays the same role).
 */

import type { FileFacts } from "./facts-model.js";
import type { LoadKind } from "./resolve.js";

/**
 * Capability categories, in report order. Names follow capslock's CAPABILITY_* set
 * where one exists, so Go and Node reviewers read the same words.
 */
export const CAPABILITIES = [
  "FILES",
  "NETWORK",
  "EXEC",
  "RUNTIME",
  "ARBITRARY_EXECUTION",
  "READ_SYSTEM_STATE",
  "MODIFY_SYSTEM_STATE",
  "INSTALL_SCRIPTS",
  "UNANALYZED",
] as const;

/** One capability category. */
export type Capability = (typeof CAPABILITIES)[number];


/**
 * Capabilities that propagate to importers. INSTALL_SCRIPTS does not: an install
 * script runs because the package is installed, not because someone imports it, and
 * every installed package is listed on its own anyway.
 */
export const PROPAGATING: ReadonlySet<Capability> = new Set(CAPABILITIES.filter((c) => c !== "INSTALL_SCRIPTS"));

/** A capability found in one file: what, where (1-based line, 0 if not line-bound) and a short why. */
export interface Finding {
  capability: Capability;
  line: number;
  /** e.g. `fs.readFile`, `eval`, `require(<expression>)`, `parse error: ...`. */
  detail: string;
  /** The function (functions.ts numbering; 0 = top level) whose body holds it. */
  fn: number;
  /**
   * A named import or destructuring of a capability into a local whose uses are all
   * classified as well: the uses are the finding at function level, this is not.
   */
  selected?: true;
}

/** A module specifier the file loads (static import, re-export, require or import() with a literal). */
export interface ImportRef {
  specifier: string;
  line: number;
  /** `require` for require(), else `import`: picks the `exports` condition. */
  kind: LoadKind;
}

/** The pure result of analysing one source file; `facts` only when asked for (function granularity). */
export interface FileAnalysis {
  findings: Finding[];
  imports: ImportRef[];
  facts: FileFacts | null;
}

/** One hop of an example path: a package and the place in it (`file:line`) that matters. */
export interface PathStep {
  /** `name@version`. */
  package: string;
  /** Package-relative file, with `:line` when the finding has a line. */
  at: string;
  /** What happens there: the call (`net.connect`) or the import (`imports ws`), or how the next step is reached. */
  detail: string;
  /** The function the step is in (function granularity): `Server.start`, `<module>`. */
  function?: string;
}

/** How a package reaches a capability: by its own code, or through an import. */
export type Reach = "DIRECT" | "TRANSITIVE";

/** A capability of one package with one example path a reviewer can follow. */
export interface CapabilityReport {
  kind: Reach;
  example: PathStep[];
  /**
   * Names of the packages through which the capability is reached: the package itself
   * when DIRECT, and each package its code calls into that reaches it. A name new
   * here is a new path for `--compare`.
   */
  via?: string[];
}
