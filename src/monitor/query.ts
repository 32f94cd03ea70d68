/**
 * Query-string decoding with nats-server's error texts (monitor.go decodeInt/decodeBool),
 * so a bad request fails the same way on both servers: HTTP 400 and a plain-text reason.
 */

/** A request the endpoint rejects: answered with HTTP 400 and `message` as plain text. */
export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
}

/** Go strconv.ParseBool spellings. */
const TRUE_WORDS = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE_WORDS = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** An integer parameter; 0 when absent (as Go's zero value). */
export function decodeInt(q: URLSearchParams, name: string): number {
  const v = q.get(name);
  if (v === null || v === "") return 0;
  if (!/^[+-]?\d+$/.test(v)) {
    throw new BadRequestError(`Error decoding int for '${name}': strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  return Number.parseInt(v, 10);
}

/** A boolean parameter; false when absent. */
export function decodeBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === "") return false;
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  throw new BadRequestError(`Error decoding boolean for '${name}': strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** `subs` on /connz: a boolean, or `detail` for per-subscription objects. */
export function decodeSubs(q: URLSearchParams): { subs: boolean; detail: boolean } {
  if (q.get("subs") === "detail") return { subs: true, detail: true };
  return { subs: decodeBool(q, "subs"), detail: false };
}
