/**
 * CONNECT's JSON, accepted and refused exactly as nats-server 2.9.10 does: it calls Go's
 * `json.Unmarshal(arg, &c.opts)` into `server.ClientOpts` (client.go processConnect), so
 *
 * - the whole argument must be one valid JSON value (trailing garbage fails; Go's scanner
 *   runs over all of it first, so a syntax error wins over a type error before it);
 * - `null` (top level or for a field) changes nothing; an array, string, number or bool at
 *   the top level fails;
 * - a known field of the wrong JSON type fails (`"verbose":"yes"`, `"protocol":1.0`,
 *   `"name":{}`), also when a later duplicate of the key is right; the last good value wins;
 * - keys match field names case-insensitively (Go's fold: ASCII letters, plus U+017F for
 *   `s` and U+212A for `k`); unknown fields are ignored whatever they hold;
 * - a repeated CONNECT decodes into the options of the previous one (Go unmarshals into
 *   the same struct), so fields it leaves out keep their values.
 *
 * Errors are Go's texts, for the log line (`json: cannot unmarshal string into Go struct
 * field ClientOpts.verbose of type bool`, `invalid character 'x' after top-level value`).
 * Pure: bytes in, options or an error out.
 */

/** nats-server auth.go SubjectPermission (routes and leafnodes send it; clients may). */
export interface SubjectPermissionOptions {
  allow?: string[];
  deny?: string[];
}

/** What a client may say in CONNECT (nats-server client.go ClientOpts), by JSON name. */
export interface ConnectOptions {
  echo?: boolean;
  verbose?: boolean;
  pedantic?: boolean;
  tls_required?: boolean;
  nkey?: string;
  jwt?: string;
  sig?: string;
  auth_token?: string;
  user?: string;
  pass?: string;
  name?: string;
  lang?: string;
  version?: string;
  protocol?: number;
  account?: string;
  new_account?: boolean;
  headers?: boolean;
  no_responders?: boolean;
  import?: SubjectPermissionOptions;
  export?: SubjectPermissionOptions;
}

/** The outcome of {@link decodeConnect}. */
export type ConnectDecoded = { ok: true; opts: ConnectOptions } | { ok: false; error: string };

/** nats-server ClientProtoZero / ClientProtoInfo: the protocol values a client may ask for. */
const CLIENT_PROTO_MAX = 1;

/** True when CONNECT's `protocol` is one nats-server accepts (absent = 0). */
export function isValidClientProtocol(o: ConnectOptions): boolean {
  const p = o.protocol ?? 0;
  return p >= 0 && p <= CLIENT_PROTO_MAX;
}

/**
 * True when CONNECT names an account (`account` or `new_account`): nats-server once allowed
 * it for sandboxes and now refuses it as an authorization violation.
 */
export function requestsAccount(o: ConnectOptions): boolean {
  return o.new_account === true || (o.account !== undefined && o.account !== "");
}

type FieldType = "bool" | "string" | "int" | "perm" | "strings";

/** Go type names, as UnmarshalTypeError prints them. */
const GO_TYPE: Readonly<Record<FieldType, string>> = {
  bool: "bool",
  string: "string",
  int: "int",
  perm: "server.SubjectPermission",
  strings: "[]string",
};

const CLIENT_OPTS_FIELDS: ReadonlyMap<string, FieldType> = new Map<string, FieldType>([
  ["echo", "bool"],
  ["verbose", "bool"],
  ["pedantic", "bool"],
  ["tls_required", "bool"],
  ["nkey", "string"],
  ["jwt", "string"],
  ["sig", "string"],
  ["auth_token", "string"],
  ["user", "string"],
  ["pass", "string"],
  ["name", "string"],
  ["lang", "string"],
  ["version", "string"],
  ["protocol", "int"],
  ["account", "string"],
  ["new_account", "bool"],
  ["headers", "bool"],
  ["no_responders", "bool"],
  ["import", "perm"],
  ["export", "perm"],
]);

const SUBJECT_PERMISSION_FIELDS: ReadonlyMap<string, FieldType> = new Map<string, FieldType>([
  ["allow", "strings"],
  ["deny", "strings"],
]);

/** Go encoding/json maxNestingDepth. */
const MAX_NESTING_DEPTH = 10_000;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Decodes a CONNECT argument (the bytes after `CONNECT `) onto `previous` (the options of
 * an earlier CONNECT on this connection, or null).
 */
export function decodeConnect(arg: Buffer, previous: ConnectOptions | null): ConnectDecoded {
  const syntax = checkValid(arg);
  if (syntax !== null) return { ok: false, error: syntax };
  const d = new TypedDecoder(arg);
  const opts: ConnectOptions = previous !== null ? { ...previous } : {};
  d.decodeTop(opts);
  return d.typeError !== null ? { ok: false, error: d.typeError } : { ok: true, opts };
}

// ---- pass 1: syntax (Go json checkValid, with its scanner's messages) ----

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Go scanner quoteChar: the offending byte as a quoted character. */
export function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === QUOTE) return "'\"'";
  const named: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 0x5c: "\\\\" };
  const n = named[c];
  if (n !== undefined) return `'${n}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, "0")}'`;
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${c.toString(16).padStart(2, "0")}'`;
  return `'${String.fromCharCode(c)}'`;
}

class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";
}

/** Go's scanner over the whole input; null when it is one valid JSON value. */
function checkValid(b: Buffer): string | null {
  try {
    new SyntaxScanner(b).scan();
    return null;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err.message;
    throw err;
  }
}

/** Containers open at the current point of the scan. */
const IN_OBJECT = 1;
const IN_ARRAY = 2;

class SyntaxScanner {
  private pos = 0;
  private readonly stack: number[] = [];

  constructor(private readonly b: Buffer) {}

  /** Iterative, so deep nesting costs no JS stack. */
  scan(): void {
    for (;;) {
      if (!this.value()) continue;
      if (!this.endOfValue()) continue;
      this.ws();
      if (this.pos < this.b.length) this.fail("after top-level value");
      return;
    }
  }

  private fail(context: string): never {
    if (this.pos >= this.b.length) throw new JsonSyntaxError("unexpected end of JSON input");
    throw new JsonSyntaxError(`invalid character ${quoteChar(this.b[this.pos]!)} ${context}`);
  }

  private ws(): void {
    const b = this.b;
    while (this.pos < b.length && isSpace(b[this.pos]!)) this.pos++;
  }

  /**
   * Scans the start of a value: a whole scalar or empty container (true), or the opening
   * of a container whose first element comes next (false).
   */
  private value(): boolean {
    this.ws();
    const c = this.b[this.pos];
    if (c === 0x7b || c === 0x5b) {
      if (this.stack.length >= MAX_NESTING_DEPTH) this.fail("exceeded max depth");
      this.pos++;
      this.ws();
      if (this.b[this.pos] === (c === 0x7b ? 0x7d : 0x5d)) {
        this.pos++;
        return true;
      }
      this.stack.push(c === 0x7b ? IN_OBJECT : IN_ARRAY);
      if (c === 0x7b) this.key("looking for beginning of object key string");
      return false;
    }
    if (c === QUOTE) this.string();
    else if (c === 0x2d || (c !== undefined && isDigit(c))) this.number();
    else if (c === 0x74) this.literal("true");
    else if (c === 0x66) this.literal("false");
    else if (c === 0x6e) this.literal("null");
    else this.fail("looking for beginning of value");
    return true;
  }

  /**
   * After a value: closes containers and consumes separators. Returns true when the
   * top-level value is complete, false when another value follows (after `,` or `:`).
   */
  private endOfValue(): boolean {
    const b = this.b;
    for (;;) {
      const top = this.stack.at(-1);
      if (top === undefined) return true;
      this.ws();
      const c = b[this.pos];
      if (top === IN_OBJECT) {
        if (c === 0x2c) {
          this.pos++;
          this.ws();
          this.key("looking for beginning of object key string");
          return false;
        }
        if (c !== 0x7d) this.fail("after object key:value pair");
      } else {
        if (c === 0x2c) {
          this.pos++;
          return false;
        }
        if (c !== 0x5d) this.fail("after array element");
      }
      this.pos++;
      this.stack.pop();
    }
  }

  /** An object key and its colon. */
  private key(context: string): void {
    if (this.b[this.pos] !== QUOTE) this.fail(context);
    this.string();
    this.ws();
    if (this.b[this.pos] !== 0x3a) this.fail("after object key");
    this.pos++;
  }

  private string(): void {
    const b = this.b;
    this.pos++;
    for (;;) {
      const c = b[this.pos];
      if (c === undefined) this.fail("in string literal");
      if (c === QUOTE) {
        this.pos++;
        return;
      }
      if (c < 0x20) this.fail("in string literal");
      this.pos++;
      if (c !== BACKSLASH) continue;
      const e = b[this.pos];
      if (e === 0x75) {
        this.pos++;
        for (let i = 0; i < 4; i++, this.pos++) {
          const h = b[this.pos];
          if (h === undefined || !isHex(h)) this.fail("in \\u hexadecimal character escape");
        }
      } else if (e !== undefined && '"\\/bfnrt'.includes(String.fromCharCode(e))) {
        this.pos++;
      } else {
        this.fail("in string escape code");
      }
    }
  }

  private digits(context: string): void {
    const b = this.b;
    if (!isDigit(b[this.pos] ?? -1)) this.fail(context);
    while (isDigit(b[this.pos] ?? -1)) this.pos++;
  }

  private number(): void {
    const b = this.b;
    if (b[this.pos] === 0x2d) this.pos++;
    if (b[this.pos] === 0x30) this.pos++;
    else this.digits("in numeric literal");
    if (b[this.pos] === 0x2e) {
      this.pos++;
      this.digits("after decimal point in numeric literal");
    }
    if (b[this.pos] === 0x65 || b[this.pos] === 0x45) {
      this.pos++;
      if (b[this.pos] === 0x2b || b[this.pos] === 0x2d) this.pos++;
      this.digits("in exponent of numeric literal");
    }
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++, this.pos++) {
      if (this.b[this.pos] !== word.charCodeAt(i)) this.fail(`in literal ${word} (expecting '${word[i]}')`);
    }
  }
}

// ---- pass 2: types (Go json decodeState on input known to be valid) ----

/** Go's key folding for ASCII field names: letters by case, ſ as s, K (Kelvin) as k. */
function foldKey(key: string): string {
  return key.toLowerCase().replaceAll("\u017f", "s").replaceAll("\u212a", "k");
}

/** Where a type error happened, as Go's errorContext names it. */
interface FieldContext {
  struct: string;
  field: string;
}

class TypedDecoder {
  /** The first type error, as Go keeps only the first (decodeState.saveError). */
  typeError: string | null = null;
  private pos = 0;

  constructor(private readonly b: Buffer) {}

  decodeTop(opts: ConnectOptions): void {
    this.ws();
    const c = this.b[this.pos];
    if (c === 0x6e) return; // null: nothing changes
    if (c !== 0x7b) {
      this.typeError = `json: cannot unmarshal ${this.kindAt()} into Go value of type server.ClientOpts`;
      return;
    }
    this.object(CLIENT_OPTS_FIELDS, "ClientOpts", "", (name, v) => {
      const o = opts as Record<string, unknown>;
      if (v === null) delete o[name];
      else o[name] = v;
    });
  }

  private ws(): void {
    const b = this.b;
    while (this.pos < b.length && isSpace(b[this.pos]!)) this.pos++;
  }

  /** The JSON kind of the value at the cursor, as UnmarshalTypeError's Value says it. */
  private kindAt(): string {
    const c = this.b[this.pos];
    if (c === 0x7b) return "object";
    if (c === 0x5b) return "array";
    if (c === QUOTE) return "string";
    if (c === 0x74 || c === 0x66) return "bool";
    return "number";
  }

  private saveTypeError(value: string, type: string, ctx: FieldContext): void {
    this.typeError ??= `json: cannot unmarshal ${value} into Go struct field ${ctx.struct}.${ctx.field} of type ${type}`;
  }

  /**
   * Decodes an object into a struct with `fields`: `set(name, value)` per known key in
   * order; `undefined` = leave as is (JSON null into a value), `null` = clear (into a
   * pointer or slice).
   */
  private object(
    fields: ReadonlyMap<string, FieldType>,
    struct: string,
    path: string,
    set: (name: string, v: unknown) => void,
  ): void {
    this.pos++; // {
    for (;;) {
      this.ws();
      if (this.b[this.pos] === 0x7d) break;
      const key = this.string();
      this.ws();
      this.pos++; // :
      this.ws();
      const lookup = fields.has(key) ? key : foldKey(key);
      const type = fields.get(lookup);
      if (type === undefined) this.skip();
      else {
        const v = this.value(type, { struct, field: path === "" ? lookup : `${path}.${lookup}` });
        if (v !== undefined) set(lookup, v);
      }
      this.ws();
      if (this.b[this.pos] === 0x2c) this.pos++;
    }
    this.pos++; // }
  }

  /** One field's value; `undefined` when it leaves the field unchanged. */
  private value(type: FieldType, ctx: FieldContext): unknown {
    const c = this.b[this.pos];
    if (c === 0x6e) {
      this.pos += 4;
      return type === "perm" || type === "strings" ? null : undefined;
    }
    switch (type) {
      case "bool":
        if (c === 0x74 || c === 0x66) {
          this.pos += c === 0x74 ? 4 : 5;
          return c === 0x74;
        }
        break;
      case "string":
        if (c === QUOTE) return this.string();
        break;
      case "int":
        if (c === 0x2d || (c !== undefined && isDigit(c))) return this.int(ctx);
        break;
      case "perm":
        if (c === 0x7b) return this.subjectPermission(ctx);
        break;
      case "strings":
        if (c === 0x5b) return this.strings(ctx);
        break;
    }
    this.saveTypeError(this.kindAt(), GO_TYPE[type], ctx);
    this.skip();
    return undefined;
  }

  /** A number into Go's int: strconv.ParseInt(text, 10, 64), else a type error. */
  private int(ctx: FieldContext): number | undefined {
    const start = this.pos;
    this.skip();
    const text = this.b.toString("latin1", start, this.pos);
    if (/^-?\d+$/.test(text)) {
      const n = BigInt(text);
      if (n >= INT64_MIN && n <= INT64_MAX) return Number(n);
    }
    this.saveTypeError(`number ${text}`, "int", ctx);
    return undefined;
  }

  private subjectPermission(ctx: FieldContext): SubjectPermissionOptions {
    const p: SubjectPermissionOptions = {};
    this.object(SUBJECT_PERMISSION_FIELDS, "SubjectPermission", ctx.field, (name, v) => {
      const r = p as Record<string, unknown>;
      if (v === null) delete r[name];
      else r[name] = v;
    });
    return p;
  }

  private strings(ctx: FieldContext): string[] {
    const out: string[] = [];
    this.pos++; // [
    for (;;) {
      this.ws();
      if (this.b[this.pos] === 0x5d) break;
      const v = this.value("string", ctx);
      out.push(typeof v === "string" ? v : "");
      this.ws();
      if (this.b[this.pos] === 0x2c) this.pos++;
    }
    this.pos++; // ]
    return out;
  }

  /** A string at the cursor, unescaped (the input is valid, so JSON.parse agrees with Go). */
  private string(): string {
    const b = this.b;
    const start = this.pos;
    let escaped = false;
    this.pos++;
    for (;;) {
      const c = b[this.pos++];
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        this.pos++;
      }
    }
    if (!escaped) return b.toString("utf8", start + 1, this.pos - 1);
    // Go turns unpaired surrogate escapes into U+FFFD.
    const s = JSON.parse(b.toString("utf8", start, this.pos)) as string;
    return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  }

  /** Skips one (valid) value of any shape, without recursion. */
  private skip(): void {
    const b = this.b;
    let depth = 0;
    for (;;) {
      const c = b[this.pos];
      if (c === undefined) return;
      if (c === QUOTE) {
        this.string();
        if (depth === 0) return;
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) return;
        if (--depth === 0) {
          this.pos++;
          return;
        }
      } else if (depth === 0 && (c === 0x2c || isSpace(c))) return;
      this.pos++;
    }
  }
}
