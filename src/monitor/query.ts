/**
 * Query-string decoding with nats-server's error texts (monitor.go decodeInt, decodeUint64,
 * decodeBool, decodeState, decodeSubs, which wrap Go's strconv errors), so a bad request
 * fails the same way on both servers: HTTP 400 and a plain-text reason.
 */

/** A request the endpoint rejects: answered with HTTP 400 and `message` as plain text. */
export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
}

/** Go strconv.ParseBool spellings. */
const TRUE_WORDS = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE_WORDS = new Set(["0", "f", "F", "FALSE", "false", "False"]);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const GO_ESCAPES: Readonly<Record<string, string>> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
};

/** Go strconv.Quote: printable characters as they are, the others escaped as Go does. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const named = GO_ESCAPES[ch];
    if (named !== undefined) out += named;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (ch === " " || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** The strconv error for `fn` (e.g. "strconv.Atoi") on `v`. */
function strconvError(fn: string, v: string, reason: "invalid syntax" | "value out of range"): string {
  return `${fn}: parsing ${goQuote(v)}: ${reason}`;
}

/** An integer parameter (Go `int`, 64 bits); 0 when absent, as Go's zero value. */
export function decodeInt(q: URLSearchParams, name: string): number {
  const v = q.get(name);
  if (v === null || v === "") return 0;
  let reason: "invalid syntax" | "value out of range" = "invalid syntax";
  if (/^[+-]?\d+$/.test(v)) {
    const n = BigInt(v);
    if (n >= INT64_MIN && n <= INT64_MAX) return Number(n);
    reason = "value out of range";
  }
  throw new BadRequestError(`Error decoding int for '${name}': ${strconvError("strconv.Atoi", v, reason)}`);
}

/** An unsigned parameter (Go `uint64`, digits only); 0 when absent. */
export function decodeUint64(q: URLSearchParams, name: string): number {
  const v = q.get(name);
  if (v === null || v === "") return 0;
  let reason: "invalid syntax" | "value out of range" = "invalid syntax";
  if (/^\d+$/.test(v)) {
    const n = BigInt(v);
    if (n <= UINT64_MAX) return Number(n);
    reason = "value out of range";
  }
  throw new BadRequestError(`Error decoding uint64 for '${name}': ${strconvError("strconv.ParseUint", v, reason)}`);
}

/** A boolean parameter; false when absent. */
export function decodeBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === "") return false;
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  throw new BadRequestError(`Error decoding boolean for '${name}': ${strconvError("strconv.ParseBool", v, "invalid syntax")}`);
}

/** `subs` on /connz and /routez: a boolean, or `detail` (any case) for per-subscription objects. */
export function decodeSubs(q: URLSearchParams): { subs: boolean; detail: boolean } {
  if ((q.get("subs") ?? "").toLowerCase() === "detail") return { subs: true, detail: true };
  return { subs: decodeBool(q, "subs"), detail: false };
}

/** /connz `state`: open (default), closed, or all/any, in any case. */
export function decodeState(q: URLSearchParams): "open" | "closed" | "all" {
  const v = q.get("state") ?? "";
  switch (v.toLowerCase()) {
    case "":
    case "open":
      return "open";
    case "closed":
      return "closed";
    case "all":
    case "any":
      return "all";
  }
  throw new BadRequestError(`Error decoding state for ${v}`);
}
