/**
 * Terminal tables in the rounded box style the Go `nats` CLI prints (go-pretty
 * StyleRounded): a centred title row, a header, right-aligned numeric columns.
 */

export interface TableOptions {
  title?: string;
  /** Column indexes to right-align (numbers). */
  right?: number[];
  /** A last row under a separator (totals). */
  footer?: string[];
}

/** Display width: counts code points, so `µs` and box characters line up. */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = " ".repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

/** Renders a table as lines ending in a newline. */
export function renderTable(header: string[], rows: string[][], opts: TableOptions = {}): string {
  const all = opts.footer ? [header, ...rows, opts.footer] : [header, ...rows];
  const cols = header.length;
  const widths = Array.from({ length: cols }, (_, i) => Math.max(...all.map((r) => width(r[i] ?? ""))));
  const right = new Set(opts.right ?? []);
  const line = (l: string, mid: string, r: string): string => l + widths.map((w) => "─".repeat(w + 2)).join(mid) + r;
  const row = (cells: string[], alignRight: boolean): string =>
    `│ ${widths.map((w, i) => pad(cells[i] ?? "", w, alignRight && right.has(i))).join(" │ ")} │`;
  const out: string[] = [];
  if (opts.title !== undefined) {
    const inner = widths.reduce((n, w) => n + w + 3, -1);
    const t = opts.title;
    const left = Math.floor((inner - width(t)) / 2);
    out.push(`╭${"─".repeat(inner)}╮`);
    out.push(`│${" ".repeat(Math.max(0, left))}${t}${" ".repeat(Math.max(0, inner - left - width(t)))}│`);
    out.push(line("├", "┬", "┤"));
  } else {
    out.push(line("╭", "┬", "╮"));
  }
  out.push(row(header, false));
  out.push(line("├", "┼", "┤"));
  for (const r of rows) out.push(row(r, true));
  if (opts.footer) {
    out.push(line("├", "┼", "┤"));
    out.push(row(opts.footer, true));
  }
  out.push(line("╰", "┴", "╯"));
  return `${out.join("\n")}\n`;
}

/** Thousands separators, as the Go CLI prints counts. */
export function comma(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** A nanosecond duration the way Go prints durations, rounded for a table (`1.25ms`). */
export function nanosText(ns: number): string {
  if (ns <= 0) return "0s";
  if (ns < 1_000) return `${Math.round(ns)}ns`;
  if (ns < 1_000_000) return `${trim(ns / 1_000)}µs`;
  if (ns < 1_000_000_000) return `${trim(ns / 1_000_000)}ms`;
  return `${trim(ns / 1_000_000_000)}s`;
}

function trim(v: number): string {
  return v.toFixed(2).replace(/\.?0+$/, "");
}
