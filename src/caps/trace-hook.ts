/**
 * The run-time half of `tsnats caps --trace`: loaded into every Node process of the
 * traced command with `--import` (through NODE_OPTIONS, so child processes and worker
 * threads load it too). It wraps the capability-bearing built-ins (the modules of
 * rules.ts, `process.env`, `process.exit`/`kill`/..., `fetch`) and attributes each
 * call to the file that made it, as sandworm does: the first stack frame above the
 * wrapper that is not Node's own code. A call whose caller is Node itself (the module
 * loader reading a file, `spawn` copying the environment) is not the package's doing
 * and is not recorded; nor is anything a wrapped call does inside.
 *
 * Each new (file, capability, API) is appended at once to a file in
 * TSNATS_CAPS_TRACE_DIR (one per process and thread), so a process killed by a
 * signal still leaves its record; counts are added at exit. trace.ts reads them.
 * Without TSNATS_CAPS_TRACE_DIR the module does nothing.
 */
import { createRequire, syncBuiltinESMExports } from "node:module";
import { fileURLToPath } from "node:url";
import { isMainThread, threadId } from "node:worker_threads";
import type { Capability } from "./model.js";
import { MODULE_RULES, NETWORK_GLOBALS, PROCESS_ARBITRARY, PROCESS_MODIFY } from "./rules.js";

/** A line naming a file Node ran as a process's main script or preload: an entry point for the static pass. */
export interface RanRecord {
  ran: string;
}

/** One line of a trace file (or a RanRecord). */
export interface TraceRecord {
  file: string;
  line: number;
  capability: Capability;
  api: string;
  /** Present on the summary lines written at exit. */
  count?: number;
}

/** Modules not patched: loading them prints warnings (`wasi`) or they do not exist in Node 20 (`sqlite`). */
const SKIP_MODULES = new Set(["wasi", "sqlite", "inspector/promises"]);
/** `module` members patched (the rest is the loader's machinery). */
const MODULE_MEMBERS = new Set(["createRequire"]);

type CallSite = { getFileName(): string | null | undefined; getLineNumber(): number | null };

/** The unwrapped fs: taken before patching, so the tracer's own calls are never traced. */
const { appendFileSync, realpathSync } = createRequire(import.meta.url)("node:fs") as typeof import("node:fs");
const PRELOAD_FLAGS = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader"]);

/** The files `--import`/`--require`/`--loader` name in these Node options (paths and package names alike). */
export function preloads(args: string[], cwd: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const eq = a.indexOf("=");
    const [flag, value] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, args[i + 1]];
    if (!PRELOAD_FLAGS.has(flag) || value === undefined) continue;
    if (eq < 0 || !a.startsWith("--")) i++;
    try {
      out.push(value.startsWith("file:") ? fileURLToPath(value) : createRequire(`${cwd}/`).resolve(value));
    } catch {
      // Not resolvable from here (an ESM-only package, a typo): Node would have failed on it too.
    }
  }
  return out;
}

/** What this process runs of its own accord: its main script (main thread only) and its preloads. */
function ranFiles(): string[] {
  const files = isMainThread && process.argv[1] ? [process.argv[1]] : [];
  const fromEnv = (process.env["NODE_OPTIONS"] ?? "").split(/\s+/).filter((x) => x !== "");
  files.push(...preloads([...process.execArgv, ...fromEnv], process.cwd()));
  const real: string[] = [];
  const self = fileURLToPath(import.meta.url);
  for (const f of files) {
    try {
      if (f !== self) real.push(realpathSync(f));
    } catch {
      // `-e` code, a script that is gone: nothing to analyse.
    }
  }
  return real;
}

class Tracer {
  private depth = 0;
  private readonly seen = new Map<string, TraceRecord & { count: number }>();
  private readonly self = fileURLToPath(import.meta.url);
  private readonly out: string;

  constructor(dir: string) {
    this.out = `${dir}/${process.pid}-${threadId}.jsonl`;
  }

  /** The file and line of the code that called the wrapped API, or null when Node itself did. */
  private caller(): { file: string; line: number } | null {
    const savedPrepare = Error.prepareStackTrace;
    const savedLimit = Error.stackTraceLimit;
    let sites: CallSite[] = [];
    try {
      Error.prepareStackTrace = (_e, s) => s;
      Error.stackTraceLimit = 12;
      const holder: { stack?: CallSite[] } = {};
      Error.captureStackTrace(holder);
      sites = holder.stack ?? [];
    } finally {
      Error.prepareStackTrace = savedPrepare;
      Error.stackTraceLimit = savedLimit;
    }
    for (const s of sites) {
      const f = s.getFileName();
      if (!f || f === this.self || f === import.meta.url) continue;
      if (f.startsWith("node:")) return null;
      return { file: f.startsWith("file:") ? fileURLToPath(f) : f, line: s.getLineNumber() ?? 0 };
    }
    return null;
  }

  record(capability: Capability, api: string): void {
    if (this.depth > 0) return;
    this.depth++;
    try {
      const at = this.caller();
      if (at === null) return;
      const key = `${at.file}\0${capability}\0${api}`;
      const hit = this.seen.get(key);
      if (hit) {
        hit.count++;
        return;
      }
      const rec = { file: at.file, line: at.line, capability, api, count: 1 };
      this.seen.set(key, rec);
      appendFileSync(this.out, `${JSON.stringify({ file: rec.file, line: rec.line, capability, api })}\n`);
    } catch {
      // Tracing must never break the traced program.
    } finally {
      this.depth--;
    }
  }

  /** Records the files this process runs as entry points (before any traced call can happen). */
  ran(files: string[]): void {
    try {
      if (files.length > 0) appendFileSync(this.out, `${files.map((f) => JSON.stringify({ ran: f })).join("\n")}\n`);
    } catch {
      // Tracing must never break the traced program.
    }
  }

  /** Runs `fn` with recording off: what a wrapped API does inside is not the caller's doing. */
  inside<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  flush(): void {
    this.depth++;
    try {
      const lines = [...this.seen.values()].filter((r) => r.count > 1).map((r) => JSON.stringify(r));
      if (lines.length > 0) appendFileSync(this.out, `${lines.join("\n")}\n`);
    } catch {
      // Same as above.
    }
  }

  /** A wrapper that records, then calls through; keeps `new`, `instanceof` and subclassing working. */
  wrap<T extends (...args: never[]) => unknown>(fn: T, capability: Capability, api: string): T {
    return new Proxy(fn, {
      apply: (target, thisArg, args) => {
        this.record(capability, api);
        return this.inside(() => Reflect.apply(target, thisArg, args));
      },
      construct: (target, args, newTarget) => {
        this.record(capability, api);
        return this.inside(() => Reflect.construct(target, args, newTarget));
      },
    });
  }

  patchModules(): void {
    const require = createRequire(import.meta.url);
    for (const [name, rule] of MODULE_RULES) {
      if (SKIP_MODULES.has(name)) continue;
      let mod: Record<string, unknown>;
      try {
        mod = require(`node:${name}`) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const key of Object.keys(mod)) {
        if (rule.benign.has(key) || (name === "module" && !MODULE_MEMBERS.has(key))) continue;
        const d = Object.getOwnPropertyDescriptor(mod, key);
        if (!d || typeof d.value !== "function" || !d.writable) continue;
        mod[key] = this.wrap(d.value as (...a: never[]) => unknown, rule.override?.[key] ?? rule.capability, `${name}.${key}`);
      }
    }
    syncBuiltinESMExports();
  }

  patchProcess(): void {
    const proc = process as unknown as Record<string, unknown>;
    for (const key of [...PROCESS_MODIFY, ...PROCESS_ARBITRARY]) {
      const fn = proc[key];
      if (typeof fn !== "function" || key === "reallyExit") continue;
      proc[key] = this.wrap(fn as (...a: never[]) => unknown, PROCESS_MODIFY.has(key) ? "MODIFY_SYSTEM_STATE" : "ARBITRARY_EXECUTION", `process.${key}`);
    }
    const env = process.env;
    process.env = new Proxy(env, {
      get: (t, k, r) => {
        if (typeof k === "string") this.record("READ_SYSTEM_STATE", "process.env");
        return Reflect.get(t, k, r);
      },
      has: (t, k) => {
        this.record("READ_SYSTEM_STATE", "process.env");
        return Reflect.has(t, k);
      },
      ownKeys: (t) => {
        this.record("READ_SYSTEM_STATE", "process.env");
        return Reflect.ownKeys(t);
      },
      set: (t, k, v) => {
        this.record("MODIFY_SYSTEM_STATE", "process.env (write)");
        return Reflect.set(t, k, v);
      },
      deleteProperty: (t, k) => {
        this.record("MODIFY_SYSTEM_STATE", "process.env (write)");
        return Reflect.deleteProperty(t, k);
      },
    });
    const g = globalThis as unknown as Record<string, unknown>;
    for (const name of NETWORK_GLOBALS) {
      if (typeof g[name] === "function") g[name] = this.wrap(g[name] as (...a: never[]) => unknown, "NETWORK", name);
    }
  }
}

/** Installs the tracer when asked to (the environment variable is set by `tsnats caps --trace`). */
function install(): void {
  const dir = process.env["TSNATS_CAPS_TRACE_DIR"];
  if (!dir) return;
  const t = new Tracer(dir);
  t.ran(ranFiles());
  t.patchModules();
  t.patchProcess();
  process.on("exit", () => t.flush());
}

install();
