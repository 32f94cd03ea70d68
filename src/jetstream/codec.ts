/**
 * JSON in and out as Go's encoding/json does it for nats-server's structs: one schema
 * per struct, its fields in declaration order with their tags (name, kind, omitempty).
 * Decoding checks kinds the way json.Unmarshal fails (a string where a number belongs is
 * "invalid JSON" to the API), matches keys case-insensitively and ignores unknown ones;
 * encoding writes the fields in struct order, leaves out empty `omitempty` ones and
 * escapes `<`, `>` and `&` as Go does, so responses compare equal to nats-server's.
 */
import { formatTime, parseTime, ZERO_TIME } from "./time.js";

/** How one field is represented. */
export type Kind =
  | "str"
  | "int"
  | "uint"
  | "bool"
  /** time.Duration: integer nanoseconds. */
  | "dur"
  /**
   * time.Time: an RFC 3339 string, kept as nanoseconds since the epoch (0 = zero time); a
   * string value is written as it is.
   */
  | "time"
  /** *time.Time: as "time", but absent when unset. */
  | "timeptr"
  | "strs"
  | "durs"
  /** map[string]string (keys sorted on output, as Go does). */
  | "smap"
  /** map[string]uint64. */
  | "nmap"
  /** []byte: base64 in JSON, a Buffer here. */
  | "bytes"
  /** Anything: passed through as parsed, written with JSON.stringify. */
  | "raw"
  | { enum: readonly string[]; ci?: boolean }
  | { obj: Schema }
  | { arr: Schema }
  | { nums: true };

/** One struct field: JSON name, kind, and whether it has `omitempty`. */
export type Field = readonly [name: string, kind: Kind, omitempty?: boolean];
export type Schema = readonly Field[];

/** A value that does not fit its field (json.Unmarshal's error). */
export class DecodeError extends Error {
  override name = "DecodeError";
}

function fail(field: string, want: string): never {
  throw new DecodeError(`json: cannot unmarshal into field ${field} of type ${want}`);
}

/**
 * Decodes a parsed JSON value against `schema`. Absent and null fields stay absent.
 * Throws DecodeError where json.Unmarshal would fail.
 */
export function decode<T>(value: unknown, schema: Schema): T {
  if (value === null || value === undefined) return {} as T;
  if (typeof value !== "object" || Array.isArray(value)) fail("(root)", "object");
  const input = value as Record<string, unknown>;
  const lower = new Map<string, unknown>();
  for (const [k, v] of Object.entries(input)) if (!lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), v);
  const out: Record<string, unknown> = {};
  for (const [name, kind] of schema) {
    const v = name in input ? input[name] : lower.get(name.toLowerCase());
    if (v === undefined || v === null) continue;
    out[name] = decodeValue(name, kind, v);
  }
  return out as T;
}

/** Parses JSON text then decodes it; DecodeError for bad syntax too. */
export function decodeText<T>(text: string, schema: Schema): T {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(err instanceof Error ? err.message : String(err));
  }
  return decode<T>(v, schema);
}

function decodeValue(name: string, kind: Kind, v: unknown): unknown {
  if (typeof kind === "object") return decodeComposite(name, kind, v);
  switch (kind) {
    case "str":
      return typeof v === "string" ? v : fail(name, "string");
    case "int":
    case "dur":
      return Number.isInteger(v) ? v : fail(name, "int");
    case "uint":
      return Number.isInteger(v) && (v as number) >= 0 ? v : fail(name, "uint64");
    case "bool":
      return typeof v === "boolean" ? v : fail(name, "bool");
    case "time":
    case "timeptr": {
      const ns = typeof v === "string" ? parseTime(v) : null;
      return ns === null ? fail(name, "time.Time") : ns;
    }
    case "strs":
      return Array.isArray(v) && v.every((s) => typeof s === "string") ? v : fail(name, "[]string");
    case "durs":
      return Array.isArray(v) && v.every((s) => Number.isInteger(s)) ? v : fail(name, "[]time.Duration");
    case "smap":
      return isMapOf(v, (x) => typeof x === "string") ? v : fail(name, "map[string]string");
    case "nmap":
      return isMapOf(v, (x) => Number.isInteger(x)) ? v : fail(name, "map[string]uint64");
    case "bytes":
      return typeof v === "string" ? Buffer.from(v, "base64") : fail(name, "[]byte");
    case "raw":
      return v;
  }
}

function decodeComposite(name: string, kind: Exclude<Kind, string>, v: unknown): unknown {
  if ("enum" in kind) {
    if (typeof v !== "string") fail(name, "enum");
    const s = kind.ci === true ? v.toLowerCase() : v;
    return kind.enum.includes(s) ? s : fail(name, `one of ${kind.enum.join("/")}`);
  }
  if ("obj" in kind) return decode(v, kind.obj);
  if ("nums" in kind) return Array.isArray(v) && v.every((s) => Number.isInteger(s)) ? v : fail(name, "[]uint64");
  if (!Array.isArray(v)) fail(name, "array");
  return v.map((item) => (item === null ? null : decode(item, kind.arr)));
}

function isMapOf(v: unknown, ok: (x: unknown) => boolean): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(ok);
}

/** Go's string encoding: JSON.stringify plus \u003c, \u003e, \u0026 and the line separators. */
export function goString(s: string): string {
  const j = JSON.stringify(s);
  return /[<>&\u2028\u2029]/.test(j) ? j.replace(/[<>&\u2028\u2029]/g, goEscape) : j;
}

function goEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** Encodes `obj` as Go would marshal the struct `schema` describes. */
export function encode(obj: object, schema: Schema): string {
  const rec = obj as Record<string, unknown>;
  const parts: string[] = [];
  for (const [name, kind, omitempty] of schema) {
    const v = rec[name];
    if (omitempty === true && isEmpty(v, kind)) continue;
    parts.push(`${goString(name)}:${encodeValue(v, kind)}`);
  }
  return `{${parts.join(",")}}`;
}

function isEmpty(v: unknown, kind: Kind): boolean {
  if (kind === "time") return false; // Go never omits a struct value
  if (v === undefined || v === null) return true;
  if (kind === "timeptr") return false;
  if (typeof v === "string" || Array.isArray(v)) return v.length === 0;
  if (typeof v === "number") return v === 0;
  if (typeof v === "boolean") return !v;
  if (Buffer.isBuffer(v)) return v.length === 0;
  if (typeof kind === "object" && "obj" in kind) return false; // a struct pointer that is set
  if (typeof v === "object") return Object.keys(v).length === 0;
  return false;
}

function encodeValue(v: unknown, kind: Kind): string {
  if (typeof kind === "object") return encodeComposite(v, kind);
  switch (kind) {
    case "str":
      return goString(typeof v === "string" ? v : "");
    case "int":
    case "uint":
    case "dur":
      return typeof v === "number" ? String(Math.trunc(v)) : "0";
    case "bool":
      return v === true ? "true" : "false";
    case "time":
    case "timeptr":
      // A string is an instant already formatted (exact nanoseconds from the store).
      if (typeof v === "string") return goString(v);
      return typeof v === "number" ? goString(formatTime(v)) : goString(ZERO_TIME);
    case "strs":
      return Array.isArray(v) ? `[${v.map((s: string) => goString(s)).join(",")}]` : "null";
    case "durs":
      return Array.isArray(v) ? `[${v.map((n: number) => String(Math.trunc(n))).join(",")}]` : "null";
    case "smap":
    case "nmap":
      return v === undefined || v === null ? "null" : encodeMap(v as Record<string, unknown>);
    case "bytes":
      return Buffer.isBuffer(v) ? goString(v.toString("base64")) : "null";
    case "raw":
      return v === undefined ? "null" : JSON.stringify(v);
  }
}

function encodeComposite(v: unknown, kind: Exclude<Kind, string>): string {
  if ("enum" in kind) return goString(typeof v === "string" ? v : kind.enum[0]!);
  if ("obj" in kind) return v === undefined || v === null ? "null" : encode(v as object, kind.obj);
  if ("nums" in kind) return Array.isArray(v) ? `[${v.join(",")}]` : "null";
  if (!Array.isArray(v)) return "null";
  return `[${v.map((item) => (item === null ? "null" : encode(item as object, kind.arr))).join(",")}]`;
}

/** Go sorts map keys when marshalling. */
function encodeMap(m: Record<string, unknown>): string {
  const keys = Object.keys(m).sort();
  return `{${keys.map((k) => `${goString(k)}:${typeof m[k] === "string" ? goString(m[k] as string) : String(m[k])}`).join(",")}}`;
}
