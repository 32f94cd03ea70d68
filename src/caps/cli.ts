/**
 * `tsnats caps [DIR]`: the command-line shell around the analyser. Parses flags,
 * runs the analysis (analyse.ts) or the traced run (trace.ts), prints, and turns the
 * outcome into an exit status: 0 fine, 1 capabilities or paths gained against the
 * baseline or missed by the static pass, 2 usage or analysis error.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TsnatsError } from "../errors.js";
import { analyseProject } from "./analyse.js";
import { compareReports, formatComparison } from "./compare.js";
import { loadPolicy, type Policy } from "./policy.js";
import type { Granularity } from "./program.js";
import { formatTable, validateReport, type CapsReport } from "./report.js";
import { runTrace } from "./trace.js";
import { readJson } from "./tree.js";

/** Exit status when `--compare` finds a gained capability or path, or `--trace` a capability the static pass missed. */
export const EXIT_GAINED = 1;
/** Exit status for bad usage or an analysis that could not run. */
export const EXIT_ERROR = 2;

/** Where the command writes: the process's streams, or (tests) anything that takes text. */
export interface CapsIo {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: CapsIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

const USAGE = `Usage: tsnats caps [DIR] [options]
       tsnats caps [DIR] --trace [options] -- COMMAND [ARG...]

Lists, for the Node project in DIR (default: .) and each installed dependency, the
capabilities its code can reach from what the project runs, found by parsing the
code, never running it: FILES, NETWORK, EXEC, RUNTIME, ARBITRARY_EXECUTION,
READ_SYSTEM_STATE, MODIFY_SYSTEM_STATE, INSTALL_SCRIPTS, and UNANALYZED where the
analysis had to fall back to module level.

Options:
  --include-dev           also analyse devDependencies and the project's own dev code
  --granularity LEVEL     function (default: through the call graph) or module
                          (a loaded module counts whole)
  -v, --verbose           show one evidence path per capability (function by
                          function, file:line)
  --json                  print the JSON report (schema tsnats-caps/1)
  --compare FILE          compare with a baseline report; exit 1 if a package gained a
                          capability or a path to one, unless the policy allows it
  --policy FILE           the allow-list for --compare (default: DIR/caps-policy.json
                          when it exists)
  --no-policy             ignore DIR/caps-policy.json
  --write-baseline FILE   write the JSON report to FILE (same as --json > FILE)
  --trace -- COMMAND      run COMMAND with every Node process in it traced (built-in
                          calls attributed to the calling package), then report each
                          capability used at run time that the static pass (with
                          --include-dev) did not predict; exit 1 if there is one
  -h, --help              print this help

Exit status: 0 ok, 1 new capabilities or paths (--compare) or a missed capability
(--trace), 2 usage or analysis error.
`;

/** Parsed command line. */
export interface CapsOptions {
  dir: string;
  includeDev: boolean;
  granularity: Granularity;
  verbose: boolean;
  json: boolean;
  compare: string | null;
  policy: string | null;
  noPolicy: boolean;
  writeBaseline: string | null;
  trace: string[] | null;
  help: boolean;
}

/** Sets the option `flag` names (taking its value from `value()` when it has one); false if it is not a flag. */
function applyFlag(o: CapsOptions, flag: string, value: (what?: string) => string): boolean {
  switch (flag) {
    case "-h":
    case "--help":
      o.help = true;
      return true;
    case "--include-dev":
      o.includeDev = true;
      return true;
    case "--granularity": {
      const g = value("function or module");
      if (g !== "function" && g !== "module") throw new TsnatsError("CAPS_USAGE", `--granularity is function or module, not '${g}'`);
      o.granularity = g;
      return true;
    }
    case "-v":
    case "--verbose":
      o.verbose = true;
      return true;
    case "--json":
      o.json = true;
      return true;
    case "--compare":
      o.compare = value();
      return true;
    case "--policy":
      o.policy = value();
      return true;
    case "--no-policy":
      o.noPolicy = true;
      return true;
    case "--write-baseline":
      o.writeBaseline = value();
      return true;
    default:
      return false;
  }
}

/** Parses argv; throws TsnatsError("CAPS_USAGE") with a message for the user. */
export function parseArgs(argv: string[]): CapsOptions {
  const o: CapsOptions = {
    dir: ".",
    includeDev: false,
    granularity: "function",
    verbose: false,
    json: false,
    compare: null,
    policy: null,
    noPolicy: false,
    writeBaseline: null,
    trace: null,
    help: false,
  };
  let dirSeen = false;
  let tracing = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      if (!tracing) throw new TsnatsError("CAPS_USAGE", "'--' is only for --trace -- COMMAND");
      o.trace = argv.slice(i + 1);
      break;
    }
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, null];
    const value = (what = "a file name"): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new TsnatsError("CAPS_USAGE", `${flag} needs ${what}`);
      return v;
    };
    if (flag === "--trace") tracing = true;
    else if (!applyFlag(o, flag, value)) {
      if (a.startsWith("-")) throw new TsnatsError("CAPS_USAGE", `unknown option '${a}'`);
      if (dirSeen) throw new TsnatsError("CAPS_USAGE", `only one DIR is allowed (got '${o.dir}' and '${a}')`);
      o.dir = a;
      dirSeen = true;
    }
  }
  if (tracing && (o.trace === null || o.trace.length === 0)) throw new TsnatsError("CAPS_USAGE", "--trace needs a command after '--'");
  if (o.trace !== null && (o.compare !== null || o.writeBaseline !== null)) {
    throw new TsnatsError("CAPS_USAGE", "--trace does not combine with --compare or --write-baseline");
  }
  return o;
}

/** Runs the analysis of `dir`; exported for tests that want the report object. */
export function analyse(dir: string, includeDev: boolean, granularity: Granularity = "function"): CapsReport {
  return analyseProject(dir, { includeDev, granularity }).report;
}

function loadBaseline(file: string): CapsReport {
  const v = readJson(file);
  if (v === null) throw new TsnatsError("CAPS_NO_BASELINE", `baseline ${file} does not exist`);
  const problem = validateReport(v);
  if (problem) throw new TsnatsError("CAPS_BAD_BASELINE", `${file} is not a caps report: ${problem}`);
  return v as CapsReport;
}

/** The policy for --compare: --policy FILE, else DIR/caps-policy.json if present, unless --no-policy. */
function policyFor(opts: CapsOptions): { policy: Policy | null; file: string | null } {
  if (opts.noPolicy) return { policy: null, file: null };
  if (opts.policy !== null) return { policy: loadPolicy(opts.policy), file: opts.policy };
  const implicit = join(opts.dir, "caps-policy.json");
  return existsSync(implicit) ? { policy: loadPolicy(implicit), file: implicit } : { policy: null, file: null };
}

async function runStatic(opts: CapsOptions, io: CapsIo): Promise<number> {
  const baseline = opts.compare !== null ? loadBaseline(opts.compare) : null;
  const { policy } = baseline !== null ? policyFor(opts) : { policy: null };
  const report = analyse(opts.dir, opts.includeDev, opts.granularity);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (opts.writeBaseline !== null) writeFileSync(opts.writeBaseline, json);
  if (opts.json) io.out(json);
  else if (baseline === null || opts.verbose) io.out(formatTable(report, opts.verbose));
  if (!opts.json) for (const w of report.warnings) io.err(`warning: ${w}\n`);
  if (baseline === null) return 0;
  const cmp = compareReports(baseline, report, policy);
  const text = formatComparison(cmp, opts.compare as string);
  (opts.json ? io.err : io.out)(text);
  return cmp.failures.length > 0 ? EXIT_GAINED : 0;
}

/** Entry point of `tsnats caps`; returns the exit status. */
export async function run(argv: string[], io: CapsIo = STDIO): Promise<number> {
  let opts: CapsOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    io.err(`tsnats caps: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT_ERROR;
  }
  if (opts.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    if (opts.trace !== null) {
      const r = await runTrace({ dir: opts.dir, command: opts.trace, granularity: opts.granularity, json: opts.json, verbose: opts.verbose, io });
      return r.misses > 0 ? EXIT_GAINED : r.commandFailed ? EXIT_ERROR : 0;
    }
    return await runStatic(opts, io);
  } catch (e) {
    if (e instanceof TsnatsError) {
      io.err(`tsnats caps: ${e.message}\n`);
      return EXIT_ERROR;
    }
    throw e;
  }
}
