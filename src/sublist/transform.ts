/**
 * Subject mappings (nats-server server/subject_transform.go, config `mappings`): a
 * published subject that matches a source pattern is rewritten to a destination before
 * routing, optionally split by weight for canaries and A/B tests.
 *
 * Destination tokens are literals, `$N` / `{{wildcard(N)}}` (the N-th `*` of the source),
 * `{{partition(buckets,N,...)}}` (FNV-1a of those wildcards' tokens, mod buckets), or a
 * final `>` when the source ends with `>`.
 */
import { TsnatsError } from "../errors.js";
import { isValidSubject, wireSubject } from "./subject.js";

export const ERR_BAD_MAPPING = "ERR_BAD_MAPPING";

type Part =
  | { kind: "literal"; text: string }
  | { kind: "wildcard"; index: number }
  | { kind: "partition"; buckets: number; indexes: number[] }
  | { kind: "rest" };

/** A mapping destination as configured: subject template and weight in percent. */
export interface MappingDestination {
  subject: string;
  /** 0-100; the weights of one source add up to at most 100. */
  weight: number;
}

/** A `mappings` entry: one source and its destinations. */
export interface MappingOptions {
  source: string;
  destinations: MappingDestination[];
}

function bad(message: string): TsnatsError {
  return new TsnatsError(ERR_BAD_MAPPING, `invalid mapping destination: ${message}`);
}

/** One source → destination rewrite. */
export class SubjectTransform {
  private constructor(
    private readonly src: readonly string[],
    private readonly parts: readonly Part[],
  ) {}

  /** Compiles a transform; throws TsnatsError(ERR_BAD_MAPPING) with nats-server's wording. */
  static create(source: string, destination: string): SubjectTransform {
    if (!isValidSubject(source)) throw new TsnatsError(ERR_BAD_MAPPING, `invalid source subject "${source}"`);
    const src = source.split(".");
    const wildcards = src.filter((t) => t === "*").length;
    const srcRest = src[src.length - 1] === ">";
    if (!isValidSubject(destination.replace(/\{\{[^}]*\}\}/g, "x"))) throw new TsnatsError(ERR_BAD_MAPPING, "invalid subject");
    const tokens = destination.split(".");
    const used = new Set<number>();
    const parts: Part[] = tokens.map((t, i): Part => {
      if (t === ">") {
        if (!srcRest || i !== tokens.length - 1) throw new TsnatsError(ERR_BAD_MAPPING, "invalid subject");
        return { kind: "rest" };
      }
      const index = (n: number): number => {
        if (!Number.isInteger(n) || n < 1 || n > wildcards) throw bad(`wildcard index out of range in ${t}: [${n}]`);
        used.add(n);
        return n;
      };
      const dollar = /^\$(\d+)$/.exec(t);
      if (dollar) return { kind: "wildcard", index: index(Number(dollar[1])) };
      const fn = /^\{\{\s*(\w+)\s*\(([^)]*)\)\s*\}\}$/.exec(t);
      if (fn) {
        const name = fn[1]!.toLowerCase();
        const args = fn[2]!.split(",").map((a) => Number(a.trim()));
        if (name === "wildcard" && args.length === 1) return { kind: "wildcard", index: index(args[0]!) };
        if (name === "partition" && args.length >= 2 && Number.isInteger(args[0]) && args[0]! > 0) {
          return { kind: "partition", buckets: args[0]!, indexes: args.slice(1).map(index) };
        }
        throw bad(`unknown function in ${t}`);
      }
      if (t.includes("{{") || t.includes("}}")) throw bad(`unknown function in ${t}`);
      return { kind: "literal", text: t };
    });
    if (srcRest && parts[parts.length - 1]?.kind !== "rest") throw new TsnatsError(ERR_BAD_MAPPING, "invalid subject");
    if (used.size !== wildcards) throw bad(`not using all of the token wildcard(s) in ${destination}`);
    return new SubjectTransform(src, parts);
  }

  /** The subject's tokens and the ones the source's `*` captured, or null when it does not match. */
  private capture(subject: string): { tokens: string[]; captured: string[] } | null {
    const tokens = subject.split(".");
    const src = this.src;
    const captured: string[] = [];
    const rest = src[src.length - 1] === ">";
    if (rest ? tokens.length < src.length : tokens.length !== src.length) return null;
    for (let i = 0; i < src.length; i++) {
      const s = src[i]!;
      if (s === ">") break;
      if (s === "*") captured.push(tokens[i]!);
      else if (s !== tokens[i]) return null;
    }
    return { tokens, captured };
  }

  matches(subject: string): boolean {
    return this.capture(subject) !== null;
  }

  /** The rewritten subject, or null when `subject` does not match the source. */
  apply(subject: string): string | null {
    const c = this.capture(subject);
    if (c === null) return null;
    const { tokens, captured } = c;
    const src = this.src;
    const out: string[] = [];
    for (const p of this.parts) {
      switch (p.kind) {
        case "literal":
          out.push(p.text);
          break;
        case "wildcard":
          out.push(captured[p.index - 1]!);
          break;
        case "partition":
          out.push(String(fnv1a32(p.indexes.map((n) => captured[n - 1]!).join("")) % p.buckets));
          break;
        case "rest":
          out.push(tokens.slice(src.length - 1).join("."));
          break;
      }
    }
    return out.join(".");
  }
}

/** FNV-1a, 32 bits, over the UTF-8 bytes (Go hash/fnv New32a), for partition(). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** One configured source with its weighted destinations. */
class WeightedMapping {
  constructor(
    readonly source: string,
    private readonly destinations: ReadonlyArray<{ transform: SubjectTransform; weight: number }>,
  ) {}

  /** The destination for `subject` (by weight), the subject itself for the unmapped share, or null if no match. */
  apply(subject: string, random: () => number): string | null {
    const ds = this.destinations;
    const first = ds[0];
    if (first === undefined || !first.transform.matches(subject)) return null;
    if (ds.length === 1 && first.weight >= 100) return first.transform.apply(subject);
    const r = random() * 100;
    let sum = 0;
    for (const d of ds) {
      sum += d.weight;
      if (r < sum) return d.transform.apply(subject);
    }
    return subject; // the share no destination claims stays unmapped
  }
}

/**
 * An account's mappings: literal sources by map lookup, then wildcard sources in
 * configuration order (nats-server checks the same way).
 */
export class SubjectMappings {
  private readonly literal = new Map<string, WeightedMapping>();
  private readonly wildcard: WeightedMapping[] = [];

  /** Compiles every mapping; throws on the first bad one (the config layer reports positions). */
  constructor(
    mappings: readonly MappingOptions[],
    private readonly random: () => number = Math.random,
  ) {
    for (const given of mappings) {
      const m = { source: wireSubject(given.source), destinations: given.destinations.map((d) => ({ ...d, subject: wireSubject(d.subject) })) };
      const total = m.destinations.reduce((n, d) => n + d.weight, 0);
      if (total > 100) throw new TsnatsError(ERR_BAD_MAPPING, `total weight of the destinations of "${m.source}" is ${total}%, more than 100%`);
      const wm = new WeightedMapping(
        m.source,
        m.destinations.map((d) => ({ transform: SubjectTransform.create(m.source, d.subject), weight: d.weight })),
      );
      if (m.source.split(".").some((t) => t === "*" || t === ">")) this.wildcard.push(wm);
      else this.literal.set(m.source, wm);
    }
  }

  /** The subject a message published to `subject` is routed to (itself when unmapped). */
  map(subject: string): string {
    const lit = this.literal.get(subject);
    if (lit !== undefined) return lit.apply(subject, this.random) ?? subject;
    for (const wm of this.wildcard) {
      const out = wm.apply(subject, this.random);
      if (out !== null) return out;
    }
    return subject;
  }
}
