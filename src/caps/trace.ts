/**
 * `tsnats caps --trace -- COMMAND`: the run-time cross-check of the static pass. Runs
 * COMMAND with trace-hook.js preloaded in every Node process (NODE_OPTIONS), collects
 * which package called which capability-bearing built-in, and reports each capability
 * a package used at run time that the static pass did not predict for it. The static
 * pass runs on the dev tree (tests and tools run dev code) from the entry points the
 * run really had: the manifest's, plus every file of the tree a process ran as its main
 * script or preload. Sound reachability from those files predicts everything the run
 * did, so a miss is a bug in the static pass.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TsnatsError } from "../errors.js";
import { analyseProject } from "./analyse.js";
import { CAPABILITIES, type Capability } from "./model.js";
import type { Granularity } from "./program.js";
import type { CapsReport } from "./report.js";
import { findTree } from "./tree.js";
import type { RanRecord, TraceRecord } from "./trace-hook.js";

/** Options of a traced run. */
export interface TraceOptions {
  dir: string;
  command: string[];
  granularity: Granularity;
  json: boolean;
  verbose: boolean;
  /** Where the report goes (the command's own output goes to the process's streams). */
  io: { out(text: string): void };
}

/** One capability a package used at run time. */
export interface TraceUse {
  /** Package name, or `(outside the project)`. */
  package: string;
  location: string;
  capability: Capability;
  calls: number;
  /** The first call seen: package-relative `file:line` and the API. */
  at: string;
  api: string;
  /** What the static pass says for this package and capability, or null: a miss. */
  predicted: "DIRECT" | "TRANSITIVE" | null;
}

/** The outcome of a traced run (what --json prints, schema tsnats-caps-trace/1). */
export interface TraceReport {
  schema: "tsnats-caps-trace/1";
  command: string[];
  exitCode: number | null;
  processes: number;
  used: TraceUse[];
  misses: TraceUse[];
  /** The static pass it was checked against: its entry points (the files that ran), size and cost (CPU seconds, and acorn's share). */
  static: { entries: number; packages: number; filesParsed: number; cpuSeconds: number; parseCpuSeconds: number };
}

/** The compiled hook next to this file. */
function hookUrl(): string {
  return pathToFileURL(fileURLToPath(new URL("./trace-hook.js", import.meta.url))).href;
}

/** Runs `command` with the hook in every Node process; resolves to its exit status. */
function runTraced(command: string[], traceDir: string, quiet: boolean): Promise<number | null> {
  const env = {
    ...process.env,
    TSNATS_CAPS_TRACE_DIR: traceDir,
    NODE_OPTIONS: `--import=${hookUrl()}${process.env["NODE_OPTIONS"] ? ` ${process.env["NODE_OPTIONS"]}` : ""}`,
  };
  return new Promise((resolve, reject) => {
    // With --json, stdout carries the report: the command's output goes to stderr.
    const child = spawn(command[0] as string, command.slice(1), { stdio: ["inherit", quiet ? 2 : "inherit", "inherit"], env });
    child.on("error", (e) => reject(new TsnatsError("CAPS_TRACE_SPAWN", `cannot run ${command[0]}: ${e.message}`, { cause: e })));
    child.on("exit", (code, signal) => resolve(signal ? 128 : code));
  });
}

/** Reads every trace file: the files each process ran, first-sight lines and exit-time counts. */
function readTraces(traceDir: string): { records: TraceRecord[]; ran: Set<string>; processes: number } {
  const files = readdirSync(traceDir).filter((f) => f.endsWith(".jsonl"));
  const records: TraceRecord[] = [];
  const ran = new Set<string>();
  for (const f of files) {
    for (const line of readFileSync(join(traceDir, f), "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const r = JSON.parse(line) as TraceRecord | RanRecord;
        if ("ran" in r) ran.add(r.ran);
        else records.push(r);
      } catch {
        // A line cut by a killed process: the first-sight line before it still counts.
      }
    }
  }
  return { records, ran, processes: files.length };
}

/** Maps a file to the package of the static report that contains it (longest directory). */
class PackageIndex {
  private readonly dirs: { dir: string; index: number }[];

  constructor(rootDir: string, report: CapsReport) {
    this.dirs = report.packages
      .map((p, index) => {
        let dir = join(rootDir, p.location);
        try {
          dir = realpathSync(dir);
        } catch {
          // Keep the joined path.
        }
        return { dir, index };
      })
      .sort((a, b) => b.dir.length - a.dir.length);
  }

  find(file: string): { index: number; rel: string } | null {
    for (const d of this.dirs) {
      if (file !== d.dir && !file.startsWith(d.dir + sep)) continue;
      const rel = relative(d.dir, file).split(sep).join("/");
      // A file in a node_modules below the package is another package, not in the tree.
      if (rel.includes("node_modules/")) return null;
      return { index: d.index, rel };
    }
    return null;
  }
}

/** Aggregates records per package and capability, and checks them against the static report. */
export function crossCheck(rootDir: string, report: CapsReport, records: TraceRecord[]): TraceUse[] {
  const index = new PackageIndex(rootDir, report);
  const uses = new Map<string, TraceUse>();
  const counted = new Map<string, number>();
  for (const r of records) counted.set(`${r.file}\0${r.capability}\0${r.api}`, Math.max(counted.get(`${r.file}\0${r.capability}\0${r.api}`) ?? 1, r.count ?? 1));
  for (const r of records) {
    if (r.count !== undefined) continue;
    const hit = index.find(r.file);
    const p = hit ? report.packages[hit.index] : undefined;
    const name = p?.name ?? "(outside the project)";
    const location = p?.location ?? (r.file.startsWith(rootDir + sep) ? relative(rootDir, r.file).split(sep).join("/") : "-");
    const key = `${location}\0${r.capability}`;
    const calls = counted.get(`${r.file}\0${r.capability}\0${r.api}`) ?? 1;
    const u = uses.get(key);
    if (u) {
      u.calls += calls;
      continue;
    }
    const at = `${hit ? hit.rel : r.file}:${r.line}`;
    const predicted = p ? (p.capabilities[r.capability]?.kind ?? null) : r.file.startsWith(rootDir + sep) ? null : "DIRECT";
    uses.set(key, { package: name, location, capability: r.capability, calls, at, api: r.api, predicted });
  }
  const order = (u: TraceUse): string => `${u.package}\0${u.location}\0${CAPABILITIES.indexOf(u.capability).toString().padStart(2, "0")}`;
  return [...uses.values()].sort((a, b) => (order(a) < order(b) ? -1 : 1));
}

function formatTrace(r: TraceReport, verbose: boolean): string {
  const out: string[] = [];
  out.push(`caps --trace: ${r.processes} Node process${r.processes === 1 ? "" : "es"} traced; the command exited with ${r.exitCode ?? "a signal"}`);
  if (verbose) {
    const st = r.static;
    out.push(`caps --trace: static pass from the ${st.entries} files that ran: ${st.packages} packages, ${st.filesParsed} files parsed, ${st.cpuSeconds.toFixed(1)} s CPU (${st.parseCpuSeconds.toFixed(1)} s in acorn)`);
    const rows = r.used.map((u) => [u.package, u.capability, String(u.calls), `${u.at} ${u.api}`, u.predicted ?? "MISSED"]);
    const head = ["PACKAGE", "CAPABILITY", "CALLS", "FIRST CALL", "STATIC"];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => (x[i] as string).length)));
    for (const row of [head, ...rows]) out.push(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(w[i] as number))).join("  "));
  }
  if (r.misses.length === 0) out.push(`caps --trace: ${r.used.length} capabilit${r.used.length === 1 ? "y" : "ies"} used at run time, none that the static pass missed`);
  else {
    out.push(`caps --trace: ${r.misses.length} capabilit${r.misses.length === 1 ? "y" : "ies"} used at run time that the static pass did not predict:`);
    for (const m of r.misses) out.push(`  ${m.package} (${m.location}) ${m.capability}: ${m.api} at ${m.at} (${m.calls} call${m.calls === 1 ? "" : "s"})`);
  }
  return `${out.join("\n")}\n`;
}

/** Runs the traced command and the static pass, prints the cross-check; `misses` > 0 is a static-pass bug. */
export async function runTrace(o: TraceOptions): Promise<{ misses: number; commandFailed: boolean; report: TraceReport }> {
  const rootDir = realpathSync(o.dir);
  // The tree is read first: a project that cannot be analysed fails before its command runs.
  findTree(rootDir, { includeDev: true });
  const traceDir = mkdtempSync(join(tmpdir(), "tsnats-caps-trace-"));
  try {
    const exitCode = await runTraced(o.command, traceDir, o.json);
    const { records, ran, processes } = readTraces(traceDir);
    // The static pass starts where the run started: every file of the tree some process ran.
    const entries = [...ran].filter((f) => f.startsWith(rootDir + sep)).sort();
    const analysis = analyseProject(o.dir, { includeDev: true, granularity: o.granularity, ran: entries });
    const used = crossCheck(rootDir, analysis.report, records);
    const { filesParsed, cpuSeconds, parseCpuSeconds } = analysis.stats;
    const report: TraceReport = {
      schema: "tsnats-caps-trace/1",
      command: o.command,
      exitCode,
      processes,
      used,
      misses: used.filter((u) => u.predicted === null),
      static: { entries: entries.length, packages: analysis.report.packages.length, filesParsed, cpuSeconds, parseCpuSeconds },
    };
    o.io.out(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatTrace(report, o.verbose));
    return { misses: report.misses.length, commandFailed: exitCode !== 0, report };
  } finally {
    rmSync(traceDir, { recursive: true, force: true });
  }
}
