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

/** Builds an issue at a node's position. */
export function issueAt(pos: Pos, message: string): ConfigIssue {
  return { file: pos.file, line: pos.line, col: pos.col, message };
}
