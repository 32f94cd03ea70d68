/** A logger that keeps every line, `[LVL] message`, for tests that check what is logged. */
import type { ServerLogger } from "../../src/server/logger.js";

export class CaptureLogger implements ServerLogger {
  readonly lines: string[] = [];
  constructor(
    readonly debugEnabled = true,
    readonly traceEnabled = false,
  ) {}
  notice(m: string): void {
    this.lines.push(`[INF] ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`[WRN] ${m}`);
  }
  error(m: string): void {
    this.lines.push(`[ERR] ${m}`);
  }
  fatal(m: string): void {
    this.lines.push(`[FTL] ${m}`);
  }
  debug(m: string): void {
    if (this.debugEnabled) this.lines.push(`[DBG] ${m}`);
  }
  trace(m: string): void {
    if (this.traceEnabled) this.lines.push(`[TRC] ${m}`);
  }
  /** Whether some line contains `text`. */
  has(text: string): boolean {
    return this.lines.some((l) => l.includes(text));
  }
}
