/**
 * The three outputs: the JSON report (schema `tsnats-caps/1`, documented in
 * README.md beside this file), the human table, and the baseline comparison that
 * makes the analyser a CI gate. Pure functions of the report objects.
 */
import type { Graph } from "./graph.js";
import { propagate } from "./graph.js";
import { CAPABILITIES, type Capability, type CapabilityReport, type PathStep } from "./model.js";
import type { Tree } from "./tree.js";

/** Identifies the JSON format; bumped on any incompatible change. */
export const SCHEMA = "tsnats-caps/1";

/** One package in the JSON report. */
export interface PackageReport {
  name: string;
  version: string;
  location: string;
  dev: boolean;
  /** Keys in {@link CAPABILITIES} order; absent key = capability not reached. */
  capabilities: Partial<Record<Capability, CapabilityReport>>;
}

/** The JSON report. Contains no absolute paths, so it can be committed as a baseline. */
export interface CapsReport {
  schema: typeof SCHEMA;
  root: { name: string; version: string };
  includeDev: boolean;
  packages: PackageReport[];
  warnings: string[];
}

/** Builds the report from an analysed graph. */
export function buildReport(tree: Tree, graph: Graph, includeDev: boolean): CapsReport {
  const caps = propagate(graph.nodes);
  const packages = graph.nodes.map((n): PackageReport => {
    const mine = caps.get(n) ?? new Map<Capability, CapabilityReport>();
    const capabilities: Partial<Record<Capability, CapabilityReport>> = {};
    for (const c of CAPABILITIES) {
      const r = mine.get(c);
      if (r) capabilities[c] = r;
    }
    return { name: n.pkg.name, version: n.pkg.version, location: n.pkg.location, dev: n.pkg.dev, capabilities };
  });
  return {
    schema: SCHEMA,
    root: tree.root,
    includeDev,
    packages,
    warnings: [...tree.warnings, ...graph.warnings],
  };
}

/** `a@1 lib/x.js:3 imports b -> b@2 net.js:7 net.connect` */
export function formatPath(steps: readonly PathStep[]): string {
  return steps.map((s) => `${s.package} ${s.at} ${s.detail}`).join(" -> ");
}

function capList(p: PackageReport): string {
  const parts: string[] = [];
  for (const c of CAPABILITIES) {
    const r = p.capabilities[c];
    if (!r) continue;
    const via = r.example[1]?.package;
    parts.push(r.kind === "DIRECT" || via === undefined ? c : `${c} (via ${via})`);
  }
  return parts.length === 0 ? "-" : parts.join(", ");
}

/** The readable summary: one row per package; `verbose` adds one example path per capability. */
export function formatTable(report: CapsReport, verbose: boolean): string {
  const head = ["PACKAGE", "VERSION", "CAPABILITIES"];
  const rows = report.packages.map((p) => [p.dev ? `${p.name} (dev)` : p.name, p.version, capList(p)]);
  const w0 = Math.max(head[0]!.length, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(head[1]!.length, ...rows.map((r) => r[1]!.length));
  const line = (r: string[]): string => `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`.trimEnd();
  const out = [line(head)];
  report.packages.forEach((p, i) => {
    out.push(line(rows[i] as string[]));
    if (!verbose) return;
    for (const c of CAPABILITIES) {
      const r = p.capabilities[c];
      if (r) out.push(`    ${c.padEnd(19)} ${r.kind.padEnd(10)} ${formatPath(r.example)}`);
    }
  });
  const n = report.packages.length;
  const withCaps = report.packages.filter((p) => Object.keys(p.capabilities).length > 0).length;
  out.push("", `${n} package${n === 1 ? "" : "s"}, ${withCaps} with capabilities.`);
  return `${out.join("\n")}\n`;
}

/** What changed against a baseline. `failures` non-empty means the gate fails. */
export interface Comparison {
  failures: string[];
  notes: string[];
}

interface NameSummary {
  versions: string[];
  caps: Map<Capability, { kind: CapabilityReport["kind"]; report: CapabilityReport; id: string }>;
}

/** Capabilities per package name, merged over installed versions (DIRECT wins over TRANSITIVE). */
function byName(report: CapsReport): Map<string, NameSummary> {
  const out = new Map<string, NameSummary>();
  for (const p of report.packages) {
    let s = out.get(p.name);
    if (!s) {
      s = { versions: [], caps: new Map() };
      out.set(p.name, s);
    }
    if (!s.versions.includes(p.version)) s.versions.push(p.version);
    for (const c of CAPABILITIES) {
      const r = p.capabilities[c];
      if (!r) continue;
      const prev = s.caps.get(c);
      if (!prev || (prev.kind === "TRANSITIVE" && r.kind === "DIRECT")) {
        s.caps.set(c, { kind: r.kind, report: r, id: `${p.name}@${p.version}` });
      }
    }
  }
  return out;
}

/**
 * Compares by package name, not version, so an upgrade that keeps the same
 * capabilities passes and one that adds a capability fails. A new package fails if it
 * has any capability. Losses, version changes and DIRECT/TRANSITIVE changes are notes.
 */
export function compareReports(baseline: CapsReport, current: CapsReport): Comparison {
  const failures: string[] = [];
  const notes: string[] = [];
  const base = byName(baseline);
  const cur = byName(current);
  if (baseline.includeDev !== current.includeDev) {
    notes.push(`baseline includeDev=${baseline.includeDev}, this run includeDev=${current.includeDev}`);
  }
  for (const [name, s] of [...cur].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const b = base.get(name);
    if (!b) {
      if (s.caps.size > 0) {
        for (const [c, e] of s.caps) {
          failures.push(`new package ${e.id} has ${c} (${e.kind}): ${formatPath(e.report.example)}`);
        }
      } else {
        notes.push(`new package ${name}@${s.versions.join(",")} (no capabilities)`);
      }
      continue;
    }
    for (const [c, e] of s.caps) {
      const was = b.caps.get(c);
      if (!was) failures.push(`${e.id} gained ${c} (${e.kind}): ${formatPath(e.report.example)}`);
      else if (was.kind !== e.kind) notes.push(`${e.id} ${c} is now ${e.kind} (was ${was.kind}): ${formatPath(e.report.example)}`);
    }
    for (const c of b.caps.keys()) if (!s.caps.has(c)) notes.push(`${name} no longer has ${c}`);
    if (b.versions.join(",") !== s.versions.join(",")) {
      notes.push(`${name} version ${b.versions.join(",")} -> ${s.versions.join(",")}`);
    }
  }
  for (const name of base.keys()) if (!cur.has(name)) notes.push(`package ${name} is gone`);
  return { failures, notes };
}

/** Human text for a comparison. */
export function formatComparison(c: Comparison, baselineName: string): string {
  const out: string[] = [];
  if (c.failures.length === 0) out.push(`caps: no new capabilities against ${baselineName}`);
  else {
    out.push(`caps: ${c.failures.length} new capabilit${c.failures.length === 1 ? "y" : "ies"} against ${baselineName}:`);
    for (const f of c.failures) out.push(`  ${f}`);
    out.push(`Review them; if they are expected, refresh the baseline with --write-baseline ${baselineName}.`);
  }
  if (c.notes.length > 0) {
    out.push("notes:");
    for (const n of c.notes) out.push(`  ${n}`);
  }
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
