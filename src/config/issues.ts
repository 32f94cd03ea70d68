/**
 * Config problems with their source position. Every stage (lexer, parser, option mapping)
 * collects these instead of throwing, so a run reports all problems at once, as
 * nats-server's processConfigErr does.
 */

/** One error or warning at `file:line:col` (line and col 1-based). */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  message: string;
  /**
   * A warning nats-server gives too (e.g. a duration written as a bare number). The
   * server still starts, but `-t` fails on it, as `nats-server -t` does. Warnings without
   * it are tsnats's own (a feature not built yet) and never fail a check.
   */
  natsWarning?: true;
}

/** A source position; every node of a parsed config carries one. */
export interface Pos {
  file: string;
  line: number;
  col: number;
}

/** `file:line:col: message`, the shape editors and nats-server use. */
export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.message}`;
}

/**
 * What makes `-t` fail: every error, and the warnings nats-server gives too (nats-server
 * v2.9.10 and later exit 1 from `-t` on any config warning). Warnings first, as
 * nats-server prints them.
 */
export function checkFailures(r: { errors: ConfigIssue[]; warnings: ConfigIssue[] }): ConfigIssue[] {
  return [...r.warnings.filter((w) => w.natsWarning === true), ...r.errors];
}

/** Builds an issue at a node's position. */
export function issueAt(pos: Pos, message: string): ConfigIssue {
  return { file: pos.file, line: pos.line, col: pos.col, message };
}
