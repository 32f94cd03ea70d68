/**
 * Parser for the NATS config format: tokens from `lex` in, a tree of positioned nodes
 * out (nats-server conf/parse.go builds the same shape as Go maps; this keeps positions
 * on every value and collects every error instead of stopping at the first).
 *
 * Pure apart from two injected capabilities: reading included files (`readFile`) and
 * looking up environment variables (`env`, default `process.env`).
 *
 * Semantics taken from nats-server v2.9.10:
 * - a later duplicate key replaces the earlier one;
 * - `$name` resolves against the keys already defined in the enclosing maps, innermost
 *   first (arrays are skipped), then the environment, whose value is parsed as a config
 *   value (so `PORT=4222` gives an integer); an unknown name is an error; a value that
 *   begins `$2a$` is a bcrypt hash, not a reference;
 * - a key referenced as a variable is marked `used` (nats-server does not report such
 *   keys as unknown fields);
 * - `include path` parses the file (relative to the including file) on its own, with its
 *   own variable scope, and merges its top-level keys at that point.
 */
import { dirname, isAbsolute, join } from "node:path";
import { lex, type Token } from "./lexer.js";
import { issueAt, type ConfigIssue, type Pos } from "./issues.js";

interface NodeBase {
  pos: Pos;
  /** Set when the value came from `$name` (the variable's name). */
  variable?: string;
}

export interface StringNode extends NodeBase {
  kind: "string";
  value: string;
}
export interface BoolNode extends NodeBase {
  kind: "bool";
  value: boolean;
  raw: string;
}
export interface IntegerNode extends NodeBase {
  kind: "integer";
  value: number;
  /** The source text, e.g. `64MB`. */
  raw: string;
}
export interface FloatNode extends NodeBase {
  kind: "float";
  value: number;
}
export interface DatetimeNode extends NodeBase {
  kind: "datetime";
  value: Date;
  raw: string;
}
export interface ArrayNode extends NodeBase {
  kind: "array";
  items: ConfigNode[];
}
export interface MapNode extends NodeBase {
  kind: "map";
  /** Keys as written (nats-server matches option names case-insensitively later). */
  entries: Map<string, MapEntry>;
}
export type ConfigNode = StringNode | BoolNode | IntegerNode | FloatNode | DatetimeNode | ArrayNode | MapNode;

/** A key/value pair of a map; `keyPos` is where the key was written. */
export interface MapEntry {
  key: string;
  keyPos: Pos;
  value: ConfigNode;
  /** Referenced by some `$key`: nats-server then skips it in unknown-field checks. */
  used: boolean;
}

export interface ParseOptions {
  /** Name used in positions and as the base for relative includes. */
  file?: string;
  /** Environment for `$VAR` fallback; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Reads an included file; without it an `include` is an error. */
  readFile?: (path: string) => string;
}

export interface ParseResult {
  tree: MapNode;
  errors: ConfigIssue[];
}

/** Include nesting deeper than this is reported (it is almost surely a cycle). */
export const MAX_INCLUDE_DEPTH = 16;
/** Environment values that reference further variables may nest this deep. */
const MAX_ENV_DEPTH = 8;
/** nats-server conf/parse.go bcryptPrefix: `$2a$...` is a bcrypt hash, not a variable. */
const BCRYPT_PREFIX = "2a$";

/** Size suffix multipliers (nats-server conf/parse.go; `k` is 1000, `kb`/`ki`/`kib` 1024). */
export const SIZE_SUFFIXES: ReadonlyMap<string, bigint> = (() => {
  const m = new Map<string, bigint>([["", 1n]]);
  const letters = ["k", "m", "g", "t", "p", "e"];
  letters.forEach((l, i) => {
    const exp = BigInt(i + 1);
    m.set(l, 1000n ** exp);
    for (const s of ["b", "i", "ib"]) m.set(l + s, 1024n ** exp);
  });
  return m;
})();

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Parses config text into a tree; `errors` holds every lexing and parsing problem. */
export function parseConfig(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.file ?? "<config>";
  const p = new Parser(text, file, options, [file], 0);
  const tree = p.parseTop();
  return { tree, errors: p.errors };
}

/** Converts a parsed size like `64MB` to bytes; returns an error message if invalid. */
export function parseInteger(raw: string): number | string {
  const m = /^(-?\d+)(.*)$/.exec(raw);
  if (!m) return `expected integer, but got '${raw}'`;
  const mult = SIZE_SUFFIXES.get(m[2]!.toLowerCase());
  if (mult === undefined) return `invalid size suffix '${m[2]}' in '${raw}' (use k, kb, m, mb, g, gb, ...)`;
  const n = BigInt(m[1]!) * mult;
  if (n > INT64_MAX || n < INT64_MIN) return `integer '${raw}' is out of the range`;
  return Number(n);
}

/** Plain JS view of a node (maps become objects): handy for tests and debugging. */
export function toPlain(node: ConfigNode): unknown {
  switch (node.kind) {
    case "array":
      return node.items.map(toPlain);
    case "map": {
      const o: Record<string, unknown> = {};
      for (const [k, e] of node.entries) o[k] = toPlain(e.value);
      return o;
    }
    default:
      return node.value;
  }
}

class Parser {
  readonly errors: ConfigIssue[] = [];
  private readonly tokens: Token[];
  private i = 0;
  /** Maps being built, outermost first: the variable scopes. */
  private readonly scopes: MapNode[] = [];

  constructor(
    text: string,
    private readonly file: string,
    private readonly options: ParseOptions,
    private readonly includeChain: string[],
    private readonly envDepth: number,
  ) {
    this.tokens = lex(text);
  }

  private pos(t: Token): Pos {
    return { file: this.file, line: t.line, col: t.col };
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.type !== "eof") this.i++;
    return t;
  }

  private error(t: Token, message: string): void {
    this.errors.push(issueAt(this.pos(t), message));
  }

  parseTop(): MapNode {
    const first = this.tokens[0]!;
    const top: MapNode = { kind: "map", entries: new Map(), pos: { file: this.file, line: first.line, col: first.col } };
    this.parseMapBody(top);
    return top;
  }

  /** Reads `key value` entries into `map` until its `}` (or EOF at top level). */
  private parseMapBody(map: MapNode): void {
    this.scopes.push(map);
    for (;;) {
      const t = this.next();
      if (t.type === "eof" || t.type === "mapEnd") break;
      if (t.type === "error") {
        this.error(t, t.value);
        continue;
      }
      if (t.type === "include") {
        this.include(map, t);
        continue;
      }
      if (t.type !== "key") continue; // cannot happen: the lexer emits values only after keys
      const v = this.tokens[this.i]!;
      if (v.type === "key" || v.type === "mapEnd" || v.type === "eof" || v.type === "include") continue;
      this.i++;
      if (v.type === "error") {
        this.error(v, v.value);
        continue;
      }
      const value = this.parseValue(v);
      if (value) setEntry(map, { key: t.value, keyPos: this.pos(t), value, used: false });
    }
    this.scopes.pop();
  }

  private parseValue(t: Token): ConfigNode | undefined {
    const pos = this.pos(t);
    switch (t.type) {
      case "string":
        return { kind: "string", value: t.value, pos };
      case "bool": {
        const w = t.value.toLowerCase();
        return { kind: "bool", value: w === "true" || w === "yes" || w === "on", raw: t.value, pos };
      }
      case "integer": {
        const n = parseInteger(t.value);
        if (typeof n === "string") {
          this.error(t, n);
          return undefined;
        }
        return { kind: "integer", value: n, raw: t.value, pos };
      }
      case "float":
        return { kind: "float", value: Number(t.value), pos };
      case "datetime": {
        const d = new Date(t.value);
        if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) + "Z" !== t.value) {
          this.error(t, `expected Zulu formatted DateTime, but got '${t.value}'`);
          return undefined;
        }
        return { kind: "datetime", value: d, raw: t.value, pos };
      }
      case "variable":
        return this.resolveVariable(t);
      case "arrayStart":
        return this.parseArray(pos);
      case "mapStart": {
        const map: MapNode = { kind: "map", entries: new Map(), pos };
        this.parseMapBody(map);
        return map;
      }
      default:
        return undefined;
    }
  }

  private parseArray(pos: Pos): ArrayNode {
    const arr: ArrayNode = { kind: "array", items: [], pos };
    for (;;) {
      const t = this.next();
      if (t.type === "eof" || t.type === "arrayEnd") break;
      if (t.type === "error") {
        this.error(t, t.value);
        continue;
      }
      const v = this.parseValue(t);
      if (v) arr.items.push(v);
    }
    return arr;
  }

  private resolveVariable(t: Token): ConfigNode | undefined {
    const name = t.value;
    const pos = this.pos(t);
    if (name.startsWith(BCRYPT_PREFIX)) return { kind: "string", value: "$" + name, pos };
    for (let s = this.scopes.length - 1; s >= 0; s--) {
      const entry = this.scopes[s]!.entries.get(name);
      if (entry) {
        entry.used = true;
        return { ...entry.value, pos, variable: name };
      }
    }
    const env = this.options.env ?? process.env;
    const raw = env[name];
    if (raw !== undefined) {
      if (this.envDepth >= MAX_ENV_DEPTH) {
        this.error(t, `variable reference for '${name}' nests too deeply through the environment`);
        return undefined;
      }
      // nats-server parses the environment value as the config line `pk=<value>`.
      const sub = new Parser(`pk=${raw}`, this.file, this.options, this.includeChain, this.envDepth + 1);
      const tree = sub.parseTop();
      const v = tree.entries.get("pk");
      if (sub.errors.length > 0 || !v) {
        const why = sub.errors[0]?.message ?? "no value";
        this.error(t, `variable reference for '${name}' could not be parsed: ${why}`);
        return undefined;
      }
      return relocate(v.value, pos, name);
    }
    this.error(t, `variable reference for '${name}' can not be found`);
    return undefined;
  }

  private include(map: MapNode, t: Token): void {
    const target = isAbsolute(t.value) ? t.value : join(dirname(this.file), t.value);
    if (!this.options.readFile) {
      this.error(t, `error parsing include file '${t.value}': no file reader given`);
      return;
    }
    if (this.includeChain.includes(target) || this.includeChain.length > MAX_INCLUDE_DEPTH) {
      this.error(t, `error parsing include file '${t.value}': include cycle (${[...this.includeChain, target].join(" -> ")})`);
      return;
    }
    let text: string;
    try {
      text = this.options.readFile(target);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.error(t, `error parsing include file '${t.value}': ${why}`);
      return;
    }
    const sub = new Parser(text, target, this.options, [...this.includeChain, target], this.envDepth);
    const tree = sub.parseTop();
    this.errors.push(...sub.errors);
    for (const e of tree.entries.values()) setEntry(map, e);
  }
}

/** Sets an entry; a later duplicate replaces the earlier one (Go map assignment). */
function setEntry(map: MapNode, e: MapEntry): void {
  map.entries.delete(e.key);
  map.entries.set(e.key, e);
}

/** A value parsed from the environment, re-positioned at the `$VAR` that used it. */
function relocate(node: ConfigNode, pos: Pos, variable: string): ConfigNode {
  return { ...node, pos, variable };
}
