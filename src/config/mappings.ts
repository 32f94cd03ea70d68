/**
 * The `mappings` block, at the top level (global account) and in accounts (nats-server
 * opts.go parseAccountMappings): `source: destination`, `source: {destination, weight}`,
 * or `source: [ {destination, weight}, ... ]`, weights as `60`, `60%` or `"60%"`.
 * Each mapping is compiled here so a bad one is reported at its line, in nats-server's
 * words: `Error adding mapping for "a.*" to "b.$2" : ...`.
 */
import { TsnatsError } from "../errors.js";
import { isValidSubject } from "../sublist/subject.js";
import { SubjectMappings, type MappingDestination, type MappingOptions } from "../sublist/transform.js";
import type { ConfigNode, MapEntry } from "./parser.js";
import { describeNode, type Issues } from "./values.js";

export function parseMappings(issues: Issues, e: MapEntry): MappingOptions[] | undefined {
  if (e.value.kind !== "map") {
    issues.error(e.value, `Expected a mappings block, got ${describeNode(e.value)}`);
    return undefined;
  }
  const out: MappingOptions[] = [];
  for (const m of e.value.entries.values()) {
    const source = m.key;
    if (!isValidSubject(source)) {
      issues.error({ pos: m.keyPos }, `Subject "${source}" is not a valid subject`);
      continue;
    }
    const destinations = parseDestinations(issues, m.value);
    if (destinations === undefined) continue;
    const mapping = { source, destinations };
    try {
      new SubjectMappings([mapping]);
    } catch (err) {
      const to = destinations.map((d) => d.subject).join(", ");
      issues.error(m.value, `Error adding mapping for "${source}" to "${to}" : ${(err as TsnatsError).message}`);
      continue;
    }
    out.push(mapping);
  }
  return out;
}

function parseDestinations(issues: Issues, v: ConfigNode): MappingDestination[] | undefined {
  if (v.kind === "string") return [{ subject: v.value, weight: 100 }];
  const items = v.kind === "array" ? v.items : [v];
  const out: MappingDestination[] = [];
  for (const it of items) {
    if (it.kind !== "map") {
      issues.error(it, `Expected a mapping destination, got ${describeNode(it)}`);
      return undefined;
    }
    let subject: string | undefined;
    let weight = 100;
    for (const f of it.entries.values()) {
      switch (f.key.toLowerCase()) {
        case "destination":
        case "dest":
          if (f.value.kind === "string") subject = f.value.value;
          else issues.error(f.value, `Expected a destination subject, got ${describeNode(f.value)}`);
          break;
        case "weight": {
          const w = parseWeight(f.value);
          if (w === undefined) issues.error(f.value, `Invalid weight ${describeNode(f.value)}, expected a percentage from 0 to 100`);
          else weight = w;
          break;
        }
        case "cluster":
          issues.unsupported(f, "mappings cluster");
          break;
        default:
          issues.unknown(f);
      }
    }
    if (subject === undefined) {
      issues.error(it, "mapping destination is missing its destination subject");
      return undefined;
    }
    out.push({ subject, weight });
  }
  return out;
}

/** `60`, `60.5`, `60%` or `"60%"` as a percentage in [0, 100]. */
function parseWeight(v: ConfigNode): number | undefined {
  let n: number;
  if (v.kind === "integer" || v.kind === "float") n = v.value;
  else if (v.kind === "string" && /^\d+(\.\d+)?%?$/.test(v.value.trim())) n = Number.parseFloat(v.value);
  else return undefined;
  return n >= 0 && n <= 100 ? n : undefined;
}
