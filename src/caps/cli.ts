/**
 * `tsnats caps [DIR]`: the command-line shell around the analyser. Parses flags,
 * runs tree → graph → report, prints, and turns the outcome into an exit status:
 * 0 fine, 1 capabilities gained against the baseline, 2 usage or analysis error.
 */
import { writeFileSync } from "node:fs";
import { TsnatsError } from "../errors.js";
import { FileCache } from "./analyse-package.js";
import { buildGraph } from "./graph.js";
import { buildReport, compareReports, formatComparison, formatTable, validateReport, type CapsReport } from "./report.js";
import { findTree, readJson } from "./tree.js";

/** Exit status when `--compare` finds a gained capability. */
export const EXIT_GAINED = 1;
/** Exit status for bad usage or an analysis that could not run. */
export const EXIT_ERROR = 2;

const USAGE = `Usage: tsnats caps [DIR] [options]

Lists, for each installed dependency of the Node project in DIR (default: .), the
capabilities its code can reach, found by parsing the code, never running it:
FILES, NETWORK, EXEC, RUNTIME, ARBITRARY_EXECUTION, READ_SYSTEM_STATE,
MODIFY_SYSTEM_STATE, INSTALL_SCRIPTS, and UNANALYZED for what could not be checked.

Options:
  --include-dev           also analyse devDependencies
  -v, --verbose           show one example path (import chain, file:line) per capability
  --json                  print the JSON report (schema tsnats-caps/1)
  --compare FILE          compare with a baseline report; exit 1 if a package gained a
                          capability or a new package has any
  --write-baseline FILE   write the JSON report to FILE (same as --json > FILE)
  -h, --help              print this help

Exit status: 0 ok, 1 capabilities gained (--compare), 2 usage or analysis error.
`;

/** Parsed command line. */
export interface CapsOptions {
  dir: string;
  includeDev: boolean;
  verbose: boolean;
  json: boolean;
  compare: string | null;
  writeBaseline: string | null;
  help: boolean;
}

/** Parses argv; throws TsnatsError("CAPS_USAGE") with a message for the user. */
export function parseArgs(argv: string[]): CapsOptions {
  const o: CapsOptions = {
    dir: ".",
    includeDev: false,
    verbose: false,
    json: false,
    compare: null,
    writeBaseline: null,
    help: false,
  };
  let dirSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, null];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new TsnatsError("CAPS_USAGE", `${flag} needs a file name`);
      return v;
    };
    switch (flag) {
      case "-h":
      case "--help":
        o.help = true;
        break;
      case "--include-dev":
        o.includeDev = true;
        break;
      case "-v":
      case "--verbose":
        o.verbose = true;
        break;
      case "--json":
        o.json = true;
        break;
      case "--compare":
        o.compare = value();
        break;
      case "--write-baseline":
        o.writeBaseline = value();
        break;
      default:
        if (a.startsWith("-")) throw new TsnatsError("CAPS_USAGE", `unknown option '${a}'`);
        if (dirSeen) throw new TsnatsError("CAPS_USAGE", `only one DIR is allowed (got '${o.dir}' and '${a}')`);
        o.dir = a;
        dirSeen = true;
    }
  }
  return o;
}

/** Runs the analysis for parsed options; exported for tests that want the report object. */
export function analyse(dir: string, includeDev: boolean): CapsReport {
  const tree = findTree(dir, { includeDev });
  const graph = buildGraph(tree, new FileCache());
  return buildReport(tree, graph, includeDev);
}

function loadBaseline(file: string): CapsReport {
  const v = readJson(file);
  if (v === null) throw new TsnatsError("CAPS_NO_BASELINE", `baseline ${file} does not exist`);
  const problem = validateReport(v);
  if (problem) throw new TsnatsError("CAPS_BAD_BASELINE", `${file} is not a caps report: ${problem}`);
  return v as CapsReport;
}

/** Entry point of `tsnats caps`; returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  let opts: CapsOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`tsnats caps: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT_ERROR;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const baseline = opts.compare !== null ? loadBaseline(opts.compare) : null;
    const report = analyse(opts.dir, opts.includeDev);
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (opts.writeBaseline !== null) writeFileSync(opts.writeBaseline, json);
    if (opts.json) process.stdout.write(json);
    else if (baseline === null || opts.verbose) process.stdout.write(formatTable(report, opts.verbose));
    if (!opts.json) for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
    if (baseline === null) return 0;
    const cmp = compareReports(baseline, report);
    const text = formatComparison(cmp, opts.compare as string);
    (opts.json ? process.stderr : process.stdout).write(text);
    return cmp.failures.length > 0 ? EXIT_GAINED : 0;
  } catch (e) {
    if (e instanceof TsnatsError) {
      process.stderr.write(`tsnats caps: ${e.message}\n`);
      return EXIT_ERROR;
    }
    throw e;
  }
}
