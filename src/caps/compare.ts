/**
 * The CI gate: a report against a baseline, honouring the policy. Packages are matched
 * by name (capabilities and paths merged over installed versions), so a version bump
 * with the same capabilities passes. It fails on a capability a package did not have
 * and on a new path to one it had (a package name new in `via`: the capability is now
 * also reached through that package), unless the policy allows that capability for
 * that package. Everything else is a note.
 */
import { CAPABILITIES, type Capability, type CapabilityReport } from "./model.js";
import { allowed, type Policy } from "./policy.js";
import { formatPath, type CapsReport } from "./report.js";

/** What changed against a baseline. `failures` non-empty means the gate fails. */
export interface Comparison {
  failures: string[];
  notes: string[];
}

interface CapSummary {
  kind: CapabilityReport["kind"];
  report: CapabilityReport;
  id: string;
  /** Null when the report predates `via` (round 1): paths are not compared. */
  via: Set<string> | null;
}

interface NameSummary {
  versions: string[];
  caps: Map<Capability, CapSummary>;
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
      const via = r.via ? new Set(r.via) : null;
      if (!prev) {
        s.caps.set(c, { kind: r.kind, report: r, id: `${p.name}@${p.version}`, via });
        continue;
      }
      if (prev.kind === "TRANSITIVE" && r.kind === "DIRECT") Object.assign(prev, { kind: r.kind, report: r, id: `${p.name}@${p.version}` });
      if (prev.via && via) for (const v of via) prev.via.add(v);
      else prev.via = null;
    }
  }
  return out;
}

function sorted<T>(m: Map<string, T>): [string, T][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Compares by package name. A gained capability or new path fails unless `policy`
 * allows that capability for that package; losses, version changes, DIRECT/TRANSITIVE
 * changes and policy use are notes.
 */
export function compareReports(baseline: CapsReport, current: CapsReport, policy: Policy | null = null): Comparison {
  const failures: string[] = [];
  const notes: string[] = [];
  const base = byName(baseline);
  const cur = byName(current);
  if (baseline.includeDev !== current.includeDev) {
    notes.push(`baseline includeDev=${baseline.includeDev}, this run includeDev=${current.includeDev}`);
  }
  const baseLevel = baseline.granularity ?? "module";
  if (baseLevel !== (current.granularity ?? "module")) {
    notes.push(`baseline is ${baseLevel} level, this run is ${current.granularity ?? "module"} level: paths are not compared`);
  }
  const comparePaths = baseLevel === (current.granularity ?? "module");
  const gate = (name: string, c: Capability, text: string): void => {
    const reason = allowed(policy, name, c);
    if (reason === null) failures.push(text);
    else notes.push(`${text} [allowed by policy: ${reason}]`);
  };
  for (const [name, s] of sorted(cur)) {
    const b = base.get(name);
    if (!b) {
      for (const [c, e] of s.caps) gate(name, c, `new package ${e.id} has ${c} (${e.kind}): ${formatPath(e.report.example)}`);
      if (s.caps.size === 0) notes.push(`new package ${name}@${s.versions.join(",")} (no capabilities)`);
      continue;
    }
    for (const [c, e] of s.caps) {
      const was = b.caps.get(c);
      if (!was) {
        gate(name, c, `${e.id} gained ${c} (${e.kind}): ${formatPath(e.report.example)}`);
        continue;
      }
      if (was.kind !== e.kind) notes.push(`${e.id} ${c} is now ${e.kind} (was ${was.kind}): ${formatPath(e.report.example)}`);
      if (!comparePaths || !was.via || !e.via) continue;
      const added = [...e.via].filter((v) => !(was.via as Set<string>).has(v)).sort();
      if (added.length > 0) {
        // The evidence of the package newly gone through runs from the entry through it.
        const through = added.map((v) => cur.get(v)?.caps.get(c)).find((x) => x !== undefined) ?? e;
        gate(name, c, `${e.id} reaches ${c} through a new path (via ${added.join(", ")}): ${formatPath(through.report.example)}`);
      }
      const gone = [...was.via].filter((v) => !(e.via as Set<string>).has(v)).sort();
      if (gone.length > 0) notes.push(`${name} no longer reaches ${c} via ${gone.join(", ")}`);
    }
    for (const c of b.caps.keys()) if (!s.caps.has(c)) notes.push(`${name} no longer has ${c}`);
    if (b.versions.join(",") !== s.versions.join(",")) notes.push(`${name} version ${b.versions.join(",")} -> ${s.versions.join(",")}`);
  }
  for (const name of base.keys()) if (!cur.has(name)) notes.push(`package ${name} is gone`);
  if (policy) {
    for (const [name, caps] of policy) {
      const s = cur.get(name);
      if (!s) notes.push(`policy: no package ${name} in the tree`);
      else for (const c of caps.keys()) if (!s.caps.has(c)) notes.push(`policy: ${name} is allowed ${c} but does not reach it`);
    }
  }
  return { failures, notes };
}

/** Human text for a comparison. */
export function formatComparison(c: Comparison, baselineName: string): string {
  const out: string[] = [];
  if (c.failures.length === 0) out.push(`caps: no new capabilities or paths against ${baselineName}`);
  else {
    out.push(`caps: ${c.failures.length} new capabilit${c.failures.length === 1 ? "y or path" : "ies or paths"} against ${baselineName}:`);
    for (const f of c.failures) out.push(`  ${f}`);
    out.push(
      `Review them; if they are expected, allow them in caps-policy.json (with the reason) or refresh the baseline with --write-baseline ${baselineName}.`,
    );
  }
  if (c.notes.length > 0) {
    out.push("notes:");
    for (const n of c.notes) out.push(`  ${n}`);
  }
  return `${out.join("\n")}\n`;
}
