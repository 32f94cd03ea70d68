/**
 * What the bench scripts share around their work: `--flag value` parsing with `-h/--help`,
 * and a main that prints its failure and exits non-zero.
 */

/** A bad command line: reported as its message alone. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Applies `--flag value` pairs through `flags`; prints `usage` and exits on -h/--help. */
export function parseFlags(argv: readonly string[], usage: string, flags: Readonly<Record<string, (value: string) => void>>): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h" || a === "--help") {
      process.stdout.write(usage);
      process.exit(0);
    }
    const set = flags[a];
    if (set === undefined) throw new UsageError(`unknown option '${a}' (see --help)`);
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${a} needs a value`);
    set(v);
  }
}

/** Runs `main`; on failure prints the error and exits with status 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const text = err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`${text}\n`);
    process.exit(1);
  });
}
