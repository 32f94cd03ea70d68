/**
 * The JSON report (schema `tsnats-caps/1`, documented in README.md beside this file)
 * and the human table. Pure functions of the report objects; the baseline comparison
 * is in compare.ts.
 */
import { CAPABILITIES, type Capability, type CapabilityReport, type PathStep } from "./model.js";
import type { Granularity } from "./program.js";

/**
 * Identifies the JSON format; bumped on any incompatible change. Round 2 (function
 * granularity) only added fields (`granularity`, `reached`, `root`, `via`,
 * `function`), so reports and baselines of round 1 still read as this schema.
 */
export const SCHEMA = "tsnats-caps/1";

/** One package in the JSON report. */
export interface PackageReport {
  name: string;
  version: string;
  location: string;
  dev: boolean;
  /** Whether any of its code is reached from the entry points (absent in round-1 reports). */
  reached?: boolean;
  /** The analysed project itself. */
  root?: true;
  /** Keys in {@link CAPABILITIES} order; absent key = capability not reached. */
  capabilities: Partial<Record<Capability, CapabilityReport>>;
  /** Evidence: how the package is first reached from an entry point (dependencies only). */
  entry?: PathStep[];
  /** Evidence: code files it ships, loaded or not (dependencies only; lists cut at {@link MAX_LISTED}). */
  files?: { shipped: number; loaded: string[]; notLoaded: string[] };
  /** Evidence: capabilities in loaded files whose functions are never reached (function level). */
  unreached?: { at: string; function: string; capability: Capability; detail: string }[];
}

/** Longest evidence list kept in the report (the count says how many there were). */
export const MAX_LISTED = 40;

/** The JSON report. Contains no absolute paths, so it can be committed as a baseline. */
export interface CapsReport {
  schema: typeof SCHEMA;
  root: { name: string; version: string };
  includeDev: boolean;
  /** Absent in round-1 reports, which were module level over every shipped file. */
  granularity?: Granularity;
  packages: PackageReport[];
  warnings: string[];
}

function stepText(s: PathStep): string {
  return [s.package, s.at, s.function, s.detail].filter((x) => x !== undefined && x !== "").join(" ");
}

/** `a@1 lib/x.js:3 f calls g -> b@2 net.js:7 g net.connect`: a path on one line. */
export function formatPath(steps: readonly PathStep[]): string {
  return steps.map(stepText).join(" -> ");
}

function capList(p: PackageReport): string {
  if (p.reached === false && Object.keys(p.capabilities).length === 0) return "- (not reached)";
  const parts: string[] = [];
  for (const c of CAPABILITIES) {
    const r = p.capabilities[c];
    if (!r) continue;
    const others = (r.via ?? []).filter((n) => n !== p.name);
    parts.push(r.kind === "DIRECT" || others.length === 0 ? c : `${c} (via ${others.join(", ")})`);
  }
  return parts.length === 0 ? "-" : parts.join(", ");
}

/** The path, one step a line, columns aligned: what `-v` prints under a capability. */
function pathLines(steps: readonly PathStep[], indent: string): string[] {
  const w0 = Math.max(...steps.map((s) => s.package.length));
  const w1 = Math.max(...steps.map((s) => s.at.length));
  return steps.map((s, i) => {
    const what = [s.function, s.detail].filter((x) => x !== undefined && x !== "").join(": ");
    return `${indent}${i === 0 ? " " : "→"} ${s.package.padEnd(w0)}  ${s.at.padEnd(w1)}  ${what}`.trimEnd();
  });
}

function list(names: string[], total: number): string {
  const more = total > names.length ? `, ... (${total - names.length} more)` : "";
  return names.length === 0 ? "none" : `${names.join(", ")}${more}`;
}

/** What `-v` prints about a package before its capabilities: how it is reached, which files, what is not. */
function evidenceLines(p: PackageReport): string[] {
  const out: string[] = [];
  if (p.entry) {
    out.push("    reached through:");
    out.push(...pathLines(p.entry, "      "));
  }
  if (p.files) {
    const f = p.files;
    out.push(`    loaded ${f.loaded.length} of ${f.shipped} code files: ${list(f.loaded, f.loaded.length)}`);
    out.push(`    not loaded: ${list(f.notLoaded, f.shipped - f.loaded.length)}`);
  }
  for (const u of p.unreached ?? []) out.push(`    not reached: ${u.capability} ${u.detail} in ${u.function} (${u.at}), a function nothing reached calls`);
  return out;
}

/** The readable summary: one row per package; `verbose` adds one evidence path per capability. */
export function formatTable(report: CapsReport, verbose: boolean): string {
  const head = ["PACKAGE", "VERSION", "CAPABILITIES"];
  const label = (p: PackageReport): string => (p.root ? `${p.name} (project)` : p.dev ? `${p.name} (dev)` : p.name);
  const rows = report.packages.map((p) => [label(p), p.version, capList(p)]);
  const w0 = Math.max(head[0]!.length, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(head[1]!.length, ...rows.map((r) => r[1]!.length));
  const line = (r: string[]): string => `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`.trimEnd();
  const out = [line(head)];
  report.packages.forEach((p, i) => {
    out.push(line(rows[i] as string[]));
    if (!verbose) return;
    out.push(...evidenceLines(p));
    for (const c of CAPABILITIES) {
      const r = p.capabilities[c];
      if (!r) continue;
      const via = r.via && r.via.length > 0 ? `  via ${r.via.join(", ")}` : "";
      out.push(`    ${c} ${r.kind}${via}`);
      out.push(...pathLines(r.example, "      "));
    }
  });
  const n = report.packages.length;
  const reached = report.packages.filter((p) => p.reached !== false).length;
  const withCaps = report.packages.filter((p) => Object.keys(p.capabilities).length > 0).length;
  const level = report.granularity ?? "module";
  out.push("", `${n} package${n === 1 ? "" : "s"}, ${reached} reached, ${withCaps} with capabilities (${level} level).`);
  return `${out.join("\n")}\n`;
}

/** Checks that a parsed JSON value is a report of this schema; returns an error message or null. */
export function validateReport(v: unknown): string | null {
  if (typeof v !== "object" || v === null) return "not a JSON object";
  const r = v as Partial<CapsReport>;
  if (r.schema !== SCHEMA) return `schema is ${JSON.stringify(r.schema)}, expected "${SCHEMA}"`;
  if (!Array.isArray(r.packages)) return `"packages" is not an array`;
  for (const p of r.packages) {
    if (typeof p?.name !== "string" || typeof p.capabilities !== "object" || p.capabilities === null) {
      return `a package entry lacks "name" or "capabilities"`;
    }
  }
  return null;
}
