/**
 * Lexer for the NATS config format (the format of nats-server's conf/lex.go, written anew).
 *
 * The format is context sensitive: a bare word is a key at the start of an entry and a
 * value after it, and `include` is a keyword only in key position. So the lexer keeps a
 * stack of contexts (top level, map, array) and a mode (expecting a key, a value, or the
 * end of a value), much as lex.go keeps its stack of state functions.
 *
 * Errors do not stop lexing: an `error` token is emitted, the rest of the broken entry is
 * skipped (up to the end of the line, or the `}`/`]` that closes the current block) and
 * lexing resumes, so one run reports every syntax error it can.
 *
 * Facts taken from nats-server v2.9.10 (checked against the binary with `-t`):
 * - key separators are `=`, `:` or plain whitespace; entries end at a new line, `;` or `,`;
 * - `#` and `//` start comments; a top-level `{ ... }` wrapper is allowed;
 * - bare values end at whitespace, new line, `;`, `,`, `}` (and, unlike 2.9.10, `]`);
 * - `true/false/yes/no/on/off` (any case) are booleans, `enabled/disabled` are strings;
 * - a value starting with a digit is an integer (optionally with a size suffix such as
 *   `1k`, `64MB`, `1GiB`), a float, an ISO8601 Zulu date-time, an IP address, or else a
 *   bare string (`2s`, `1_000`); a value may not start with `.`;
 * - `$name` is a variable reference; `( ... )` is a block string ending at `)` on a line
 *   of its own.
 */

/** Kinds of tokens (nats-server conf/lex.go itemType). */
export type TokenType =
  | "key"
  | "string"
  | "bool"
  | "integer"
  | "float"
  | "datetime"
  | "arrayStart"
  | "arrayEnd"
  | "mapStart"
  | "mapEnd"
  | "variable"
  | "include"
  | "error"
  | "eof";

/**
 * One token. `value` is the decoded text: the unescaped string for strings, the raw text
 * for numbers (suffix included, e.g. `64MB`), the name without `$` for variables, the path
 * for includes, the message for errors. `line` and `col` are 1-based; `col` counts UTF-16
 * code units from the start of the line.
 */
export interface Token {
  type: TokenType;
  value: string;
  line: number;
  col: number;
}

/** Stop collecting errors after this many: a binary file should not produce millions. */
export const MAX_LEX_ERRORS = 100;

const CTX_TOP = 0;
const CTX_MAP = 1;
const CTX_ARRAY = 2;

const MODE_KEY = 0;
const MODE_VALUE = 1;
const MODE_AFTER_VALUE = 2;
const MODE_DONE = 3;

const EOF = -1;
const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

interface Frame {
  ctx: number;
  line: number;
  col: number;
}

/** Words lexed as booleans (nats-server lex.go isBool). */
const BOOL_WORDS = new Set(["true", "false", "yes", "no", "on", "off"]);

/** Size suffix letters that may follow an integer (nats-server lex.go isNumberSuffix). */
function isSuffixLetter(c: number): boolean {
  switch (c | 0x20) {
    case 0x6b: // k
    case 0x6d: // m
    case 0x67: // g
    case 0x74: // t
    case 0x70: // p
    case 0x65: // e
      return true;
    default:
      return false;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  const l = c | 0x20;
  return l >= 97 && l <= 122;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

function isNewline(c: number): boolean {
  return c === NL || c === CR;
}

/** `"` or `'`: the two quote characters of the format. */
function isQuote(c: number): boolean {
  return c === 0x22 || c === 0x27;
}

function isSpace(c: number): boolean {
  return isBlank(c) || isNewline(c) || c === 0x0b || c === 0x0c;
}

/** Characters that end a bare value. */
function isValueEnd(c: number): boolean {
  return (
    c === EOF || isBlank(c) || isNewline(c) || c === 0x3b /* ; */ || c === 0x2c /* , */ ||
    c === 0x7d /* } */ || c === 0x5d /* ] */
  );
}

function describe(c: number): string {
  if (c === EOF) return "EOF";
  if (c === NL) return "'\\n'";
  if (c === CR) return "'\\r'";
  if (c === TAB) return "'\\t'";
  return `'${String.fromCharCode(c)}'`;
}

/** Lexes a whole config text into tokens; the last token is always `eof`. */
export function lex(input: string): Token[] {
  return new Lexer(input).run();
}

class Lexer {
  private readonly input: string;
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly out: Token[] = [];
  private readonly stack: Frame[] = [{ ctx: CTX_TOP, line: 1, col: 1 }];
  private topBraces = 0;
  private errors = 0;

  constructor(input: string) {
    this.input = input;
  }

  run(): Token[] {
    let mode = MODE_KEY;
    while (mode !== MODE_DONE) {
      if (this.errors >= MAX_LEX_ERRORS) {
        this.emit("error", `too many errors (${MAX_LEX_ERRORS}), giving up`, this.line, this.col());
        break;
      }
      if (mode === MODE_KEY) mode = this.lexKey();
      else if (mode === MODE_VALUE) mode = this.lexValue();
      else mode = this.lexAfterValue();
    }
    this.emit("eof", "", this.line, this.col());
    return this.out;
  }

  // ---- character access -------------------------------------------------------------

  private peek(offset = 0): number {
    const i = this.pos + offset;
    return i < this.input.length ? this.input.charCodeAt(i) : EOF;
  }

  private advance(): void {
    if (this.input.charCodeAt(this.pos) === NL) {
      this.line++;
      this.lineStart = this.pos + 1;
    }
    this.pos++;
  }

  private col(): number {
    return this.pos - this.lineStart + 1;
  }

  private get ctx(): number {
    return this.stack[this.stack.length - 1]!.ctx;
  }

  private emit(type: TokenType, value: string, line: number, col: number): void {
    this.out.push({ type, value, line, col });
  }

  private skipComment(): void {
    while (this.peek() !== EOF && !isNewline(this.peek())) this.advance();
  }

  private atCommentStart(): boolean {
    const c = this.peek();
    return c === 0x23 /* # */ || (c === 0x2f /* / */ && this.peek(1) === 0x2f);
  }

  // ---- errors and recovery ----------------------------------------------------------

  /**
   * Emits an error at the current position and skips the rest of the broken entry: up
   * to and including the end of the line, or up to (not including) the `}`/`]` that
   * closes the current block. Returns the mode to resume in.
   */
  private fail(message: string, line = this.line, col = this.col()): number {
    this.errors++;
    this.emit("error", message, line, col);
    const closer = this.ctx === CTX_MAP ? 0x7d : this.ctx === CTX_ARRAY ? 0x5d : -2;
    let depth = 0;
    for (;;) {
      const c = this.peek();
      if (c === EOF) break;
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0 && c === closer) break;
        if (depth > 0) depth--;
      } else if (c === NL && depth === 0) {
        this.advance();
        break;
      }
      this.advance();
    }
    return this.ctx === CTX_ARRAY ? MODE_VALUE : MODE_KEY;
  }

  /** At EOF: reports every block still open, then stops. */
  private finish(): number {
    for (let i = this.stack.length - 1; i > 0; i--) {
      const f = this.stack[i]!;
      const what = f.ctx === CTX_MAP ? "map '{'" : "array '['";
      this.errors++;
      this.emit("error", `unexpected EOF: ${what} opened at ${f.line}:${f.col} is not closed`, this.line, this.col());
    }
    this.stack.length = 1;
    return MODE_DONE;
  }

  // ---- keys -------------------------------------------------------------------------

  private lexKey(): number {
    for (;;) {
      const c = this.peek();
      if (c === EOF) return this.finish();
      if (isSpace(c)) {
        this.advance();
        continue;
      }
      if (this.atCommentStart()) {
        this.skipComment();
        continue;
      }
      if (c === 0x7b /* { */ && this.ctx === CTX_TOP) {
        // nats-server accepts a JSON-like `{ ... }` around the whole file.
        this.topBraces++;
        this.advance();
        continue;
      }
      if (c === 0x7d /* } */) {
        if (this.ctx === CTX_MAP) return this.endMap();
        if (this.topBraces > 0) {
          this.topBraces--;
          this.advance();
          continue;
        }
        return this.failSkip(`unexpected '}' with no open map`);
      }
      if (c === 0x3a || c === 0x3d) return this.failSkip(`unexpected key separator ${describe(c)}, expected a key`);
      if (c === 0x5b || c === 0x5d || c === 0x2c || c === 0x3b) {
        return this.failSkip(`unexpected ${describe(c)}, expected a key`);
      }
      break;
    }
    return this.lexKeyText();
  }

  /** Emits an error and consumes the offending character so lexing makes progress. */
  private failSkip(message: string): number {
    const line = this.line;
    const col = this.col();
    this.advance();
    return this.fail(message, line, col);
  }

  private lexKeyText(): number {
    const line = this.line;
    const col = this.col();
    const quoted = isQuote(this.peek());
    const key = this.readWord((c) => isSpace(c) || c === 0x3a || c === 0x3d || c === 0x7b || c === 0x5b);
    if (key === null) return this.fail("unexpected EOF in quoted key", line, col);
    if (!quoted && key.toLowerCase() === "include" && isSpace(this.peek())) return this.lexInclude(line, col);
    this.emit("key", key, line, col);
    // Whitespace (new lines too, as in lex.go lexKeyEnd) may separate key and value.
    while (isSpace(this.peek())) this.advance();
    const c = this.peek();
    if (c === 0x3a || c === 0x3d) {
      this.advance();
      return MODE_VALUE;
    }
    if (c === EOF) return this.fail(`expected a value for key "${key}" but found EOF`);
    return MODE_VALUE;
  }

  /** The `}` of the current map: pops it and emits mapEnd at the brace's position. */
  private endMap(): number {
    const line = this.line;
    const col = this.col();
    this.advance();
    this.stack.pop();
    this.emit("mapEnd", "", line, col);
    return MODE_AFTER_VALUE;
  }

  /**
   * A quoted word (`"…"` or `'…'`, taken as is) or a bare one that ends where `isEnd`
   * says or at EOF. Null when the file ends inside the quotes.
   */
  private readWord(isEnd: (c: number) => boolean): string | null {
    const q = this.peek();
    if (isQuote(q)) {
      this.advance();
      const start = this.pos;
      while (this.peek() !== q) {
        if (this.peek() === EOF) return null;
        this.advance();
      }
      const word = this.input.slice(start, this.pos);
      this.advance();
      return word;
    }
    const start = this.pos;
    while (this.peek() !== EOF && !isEnd(this.peek())) this.advance();
    return this.input.slice(start, this.pos);
  }

  /** `include path`: path quoted, or bare up to whitespace, new line, `;` or `}`. */
  private lexInclude(line: number, col: number): number {
    while (isBlank(this.peek())) this.advance();
    const c = this.peek();
    if (c === EOF || isNewline(c)) return this.fail("expected include value but found new line", line, col);
    if (c === 0x5b || c === 0x7b || c === 0x28 || c === 0x2d || isDigit(c)) {
      return this.fail(`expected include value but found ${describe(c)}`);
    }
    const path = this.readWord((d) => isSpace(d) || d === 0x3b || d === 0x7d);
    if (path === null) return this.fail("unexpected EOF in quoted include path", line, col);
    this.emit("include", path, line, col);
    return MODE_AFTER_VALUE;
  }

  // ---- values -----------------------------------------------------------------------

  private lexValue(): number {
    const inArray = this.ctx === CTX_ARRAY;
    for (;;) {
      const c = this.peek();
      if (isBlank(c)) {
        this.advance();
        continue;
      }
      if (inArray && (isSpace(c) || this.atCommentStart())) {
        if (this.atCommentStart()) this.skipComment();
        else this.advance();
        continue;
      }
      break;
    }
    const line = this.line;
    const col = this.col();
    const c = this.peek();
    if (c === EOF) {
      if (inArray) return this.finish();
      this.fail("expected a value but found EOF");
      return this.finish();
    }
    if (isNewline(c)) return this.fail("expected a value but found new line");
    switch (c) {
      case 0x5d: // ]
        if (inArray) {
          this.advance();
          this.stack.pop();
          this.emit("arrayEnd", "", line, col);
          return MODE_AFTER_VALUE;
        }
        return this.fail("expected a value but found ']'");
      case 0x2c: // ,
        return inArray ? this.failSkip("unexpected array value terminator ','") : this.fail("expected a value but found ','");
      case 0x3b: // ;
      case 0x7d: // }
        return this.fail(`expected a value but found ${describe(c)}`);
      case 0x5b: // [
        this.advance();
        this.stack.push({ ctx: CTX_ARRAY, line, col });
        this.emit("arrayStart", "", line, col);
        return MODE_VALUE;
      case 0x7b: // {
        this.advance();
        this.stack.push({ ctx: CTX_MAP, line, col });
        this.emit("mapStart", "", line, col);
        return MODE_KEY;
      case 0x22: // "
        return this.lexQuoted(line, col);
      case 0x27: // '
        return this.lexSingleQuoted(line, col);
      case 0x28: // (
        return this.lexBlock(line, col);
      case 0x2d: // -
        return this.lexNegativeNumber(line, col);
      case 0x2e: // .
        return this.fail("floats must start with a digit (quote paths like \"./file\")");
    }
    if (isDigit(c)) return this.lexNumberOrString(line, col);
    return this.lexBare(this.pos, line, col);
  }

  /**
   * Decodes one backslash escape (the `\` already consumed) into `parts`; returns an
   * error message or undefined (nats-server lex.go lexStringEscape).
   */
  private lexEscape(parts: string[]): string | undefined {
    const c = this.peek();
    switch (c) {
      case 0x74: this.advance(); parts.push("\t"); return undefined; // t
      case 0x6e: this.advance(); parts.push("\n"); return undefined; // n
      case 0x72: this.advance(); parts.push("\r"); return undefined; // r
      case 0x22: this.advance(); parts.push('"'); return undefined;
      case 0x5c: this.advance(); parts.push("\\"); return undefined;
      case 0x78: { // x: two hex digits, one raw byte; consecutive bytes are decoded as UTF-8
        this.advance();
        const bytes: number[] = [];
        for (;;) {
          const hex = this.input.slice(this.pos, this.pos + 2);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) return `expected two hexadecimal digits after '\\x', but got '${hex}'`;
          this.advance();
          this.advance();
          bytes.push(parseInt(hex, 16));
          if (this.peek() === 0x5c && this.peek(1) === 0x78) {
            this.advance();
            this.advance();
            continue;
          }
          break;
        }
        parts.push(Buffer.from(bytes).toString("utf8"));
        return undefined;
      }
    }
    return `invalid escape character ${describe(c)}; only \\xXX, \\t, \\n, \\r, \\", \\\\ are allowed`;
  }

  private lexQuoted(line: number, col: number): number {
    this.advance();
    const parts: string[] = [];
    let start = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === EOF) {
        this.fail("unexpected EOF in quoted string", line, col);
        return this.finish();
      }
      if (c === 0x22) break;
      if (c === 0x5c) {
        parts.push(this.input.slice(start, this.pos));
        this.advance();
        const err = this.lexEscape(parts);
        if (err !== undefined) return this.fail(err);
        start = this.pos;
        continue;
      }
      this.advance();
    }
    parts.push(this.input.slice(start, this.pos));
    this.advance();
    this.emit("string", parts.join(""), line, col);
    return MODE_AFTER_VALUE;
  }

  private lexSingleQuoted(line: number, col: number): number {
    this.advance();
    const start = this.pos;
    while (this.peek() !== 0x27) {
      if (this.peek() === EOF) {
        this.fail("unexpected EOF in quoted string", line, col);
        return this.finish();
      }
      this.advance();
    }
    const s = this.input.slice(start, this.pos);
    this.advance();
    this.emit("string", s, line, col);
    return MODE_AFTER_VALUE;
  }

  /** `( ... )`: raw text up to a `)` alone on its line (nats-server lex.go lexBlock). */
  private lexBlock(line: number, col: number): number {
    this.advance();
    const start = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === EOF) {
        this.fail("unexpected EOF in block, expected ')' on a line of its own", line, col);
        return this.finish();
      }
      if (c === NL && this.peek(1) === 0x29 && (this.peek(2) === NL || this.peek(2) === EOF)) {
        const s = this.input.slice(start, this.pos);
        this.advance();
        this.advance();
        this.emit("string", s, line, col);
        return MODE_AFTER_VALUE;
      }
      this.advance();
    }
  }

  /**
   * A bare word from `start` (which may be before the current position when a number
   * turned out to be a string such as `2s`): ends at whitespace, new line, `;`, `,`, `}`
   * or `]`. Classified as boolean, variable or string.
   */
  private lexBare(start: number, line: number, col: number): number {
    const parts: string[] = [];
    let segment = start;
    let escaped = false;
    for (;;) {
      const c = this.peek();
      if (isValueEnd(c)) break;
      if (c === 0x5c) {
        parts.push(this.input.slice(segment, this.pos));
        this.advance();
        const err = this.lexEscape(parts);
        if (err !== undefined) return this.fail(err);
        escaped = true;
        segment = this.pos;
        continue;
      }
      this.advance();
    }
    parts.push(this.input.slice(segment, this.pos));
    const word = parts.join("");
    if (!escaped && BOOL_WORDS.has(word.toLowerCase())) this.emit("bool", word, line, col);
    else if (!escaped && word.startsWith("$")) {
      if (word.length === 1) return this.fail("expected a variable name after '$'", line, col);
      this.emit("variable", word.slice(1), line, col);
    } else this.emit("string", word, line, col);
    return MODE_AFTER_VALUE;
  }

  private skipDigits(): void {
    while (isDigit(this.peek())) this.advance();
  }

  /** Integer, float, date-time, IP address, or a bare string that starts with a digit. */
  private lexNumberOrString(line: number, col: number): number {
    const start = this.pos;
    this.skipDigits();
    const c = this.peek();
    if (c === 0x2d /* - */) {
      if (this.pos - start !== 4) return this.fail("all ISO8601 dates must be in full Zulu form (YYYY-MM-DDTHH:MM:SSZ)", line, col);
      return this.lexDatetime(start, line, col);
    }
    if (c === 0x2e /* . */) return this.lexFloat(start, line, col, true);
    if (isSuffixLetter(c)) return this.lexSuffix(start, line, col, true);
    if (isValueEnd(c)) {
      this.emit("integer", this.input.slice(start, this.pos), line, col);
      return MODE_AFTER_VALUE;
    }
    return this.lexBare(start, line, col);
  }

  private lexNegativeNumber(line: number, col: number): number {
    const start = this.pos;
    this.advance();
    if (!isDigit(this.peek())) return this.fail(`expected a digit after '-' but got ${describe(this.peek())}`);
    this.skipDigits();
    const c = this.peek();
    if (c === 0x2e) return this.lexFloat(start, line, col, false);
    if (isSuffixLetter(c)) return this.lexSuffix(start, line, col, false);
    if (isValueEnd(c)) {
      this.emit("integer", this.input.slice(start, this.pos), line, col);
      return MODE_AFTER_VALUE;
    }
    return this.fail(`invalid number "${this.input.slice(start, this.pos + 1)}"`, line, col);
  }

  /** Size suffix: one of k/m/g/t/p/e then any of b/i (e.g. `1k`, `64MB`, `1GiB`). */
  private lexSuffix(start: number, line: number, col: number, mayBeString: boolean): number {
    this.advance();
    while ((this.peek() | 0x20) === 0x62 /* b */ || (this.peek() | 0x20) === 0x69 /* i */) this.advance();
    const c = this.peek();
    if (isValueEnd(c)) {
      this.emit("integer", this.input.slice(start, this.pos), line, col);
      return MODE_AFTER_VALUE;
    }
    if (isDigit(c) || !mayBeString) {
      // nats-server rejects `1m30s` too: it lexes `1m` and trips on the `3`.
      let end = this.pos;
      while (!isValueEnd(this.input.charCodeAt(end)) && end < this.input.length) end++;
      return this.fail(
        `invalid value "${this.input.slice(start, end)}": a number with a size suffix must end there ` +
          `(quote durations, e.g. "1m30s")`,
        line,
        col,
      );
    }
    return this.lexBare(start, line, col);
  }

  private lexFloat(start: number, line: number, col: number, mayBeIp: boolean): number {
    this.advance(); // '.'
    if (!isDigit(this.peek())) return this.fail(`floats must have a digit after the '.', but got ${describe(this.peek())}`);
    this.skipDigits();
    const c = this.peek();
    if (c === 0x2e && mayBeIp) {
      // A second '.': an IP address such as 127.0.0.1:4222 (lex.go lexIPAddr).
      for (;;) {
        const d = this.peek();
        if (isDigit(d) || d === 0x2e || d === 0x3a || d === 0x2d) this.advance();
        else break;
      }
      this.emit("string", this.input.slice(start, this.pos), line, col);
      return MODE_AFTER_VALUE;
    }
    if (isLetter(c)) {
      let end = this.pos;
      while (!isValueEnd(this.input.charCodeAt(end)) && end < this.input.length) end++;
      return this.fail(`invalid number "${this.input.slice(start, end)}" (quote strings that start with a digit, e.g. "1.5s")`, line, col);
    }
    this.emit("float", this.input.slice(start, this.pos), line, col);
    return MODE_AFTER_VALUE;
  }

  /** `YYYY-MM-DDTHH:MM:SSZ` after the year's digits (nats-server lex.go lexDateAfterYear). */
  private lexDatetime(start: number, line: number, col: number): number {
    const shape = "-00-00T00:00:00Z";
    for (let i = 0; i < shape.length; i++) {
      const want = shape.charCodeAt(i);
      const c = this.peek();
      if (want === 48 /* 0 */ ? !isDigit(c) : c !== want) {
        const expected = want === 48 ? "digit" : `'${shape[i]}'`;
        return this.fail(`expected ${expected} in ISO8601 datetime, but found ${describe(c)}`);
      }
      this.advance();
    }
    this.emit("datetime", this.input.slice(start, this.pos), line, col);
    return MODE_AFTER_VALUE;
  }

  // ---- after a value ----------------------------------------------------------------

  private lexAfterValue(): number {
    for (;;) {
      const c = this.peek();
      if (isBlank(c)) {
        this.advance();
        continue;
      }
      if (this.atCommentStart()) {
        this.skipComment();
        continue;
      }
      const ctx = this.ctx;
      if (ctx === CTX_ARRAY) {
        if (c === 0x2c || isNewline(c)) {
          this.advance();
          return MODE_VALUE;
        }
        if (c === 0x5d) {
          const line = this.line;
          const col = this.col();
          this.advance();
          this.stack.pop();
          this.emit("arrayEnd", "", line, col);
          return MODE_AFTER_VALUE;
        }
        if (c === EOF) return this.finish();
        return this.fail(`expected an array value terminator ',' or ']', but got ${describe(c)}`);
      }
      if (c === EOF) return this.finish();
      if (isNewline(c) || c === 0x3b || c === 0x2c) {
        this.advance();
        return MODE_KEY;
      }
      if (c === 0x7d) {
        if (ctx === CTX_MAP) return this.endMap();
        if (this.topBraces > 0) {
          this.topBraces--;
          this.advance();
          return MODE_KEY;
        }
      }
      if (ctx === CTX_MAP) return this.fail(`expected a map value terminator ',' or '}', but got ${describe(c)}`);
      return this.fail(`expected a top-level value to end with a new line, comment or EOF, but got ${describe(c)}`);
    }
  }
}
