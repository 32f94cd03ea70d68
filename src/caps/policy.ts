/**
 * The allow-list (`caps-policy.json`): per package name, the capabilities a reviewer
 * accepted, each with the reason. `--compare` does not fail on an allowed capability,
 * whatever the version and whatever the path, so a reviewed capability survives
 * version bumps without refreshing the baseline.
 *
 * ```json
 * { "schema": "tsnats-caps-policy/1",
 *   "packages": { "tsnats": { "NETWORK": "a NATS server listens for clients" } } }
 * ```
 */
import { TsnatsError } from "../errors.js";
import { CAPABILITIES, type Capability } from "./model.js";
import { readJson } from "./tree.js";

/** Identifies the policy format. */
export const POLICY_SCHEMA = "tsnats-caps-policy/1";

/** Package name → allowed capability → reason. */
export type Policy = ReadonlyMap<string, ReadonlyMap<Capability, string>>;

const KNOWN = new Set<string>(CAPABILITIES);

/** Validates a parsed policy; returns it, or throws TsnatsError naming the first problem. */
export function parsePolicy(v: unknown, file: string): Policy {
  const bad = (why: string): never => {
    throw new TsnatsError("CAPS_BAD_POLICY", `${file} is not a caps policy: ${why}`);
  };
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad("not a JSON object");
  const o = v as { schema?: unknown; packages?: unknown };
  if (o.schema !== POLICY_SCHEMA) bad(`schema is ${JSON.stringify(o.schema)}, expected "${POLICY_SCHEMA}"`);
  if (typeof o.packages !== "object" || o.packages === null || Array.isArray(o.packages)) bad(`"packages" is not an object`);
  const out = new Map<string, Map<Capability, string>>();
  for (const [name, caps] of Object.entries(o.packages as Record<string, unknown>)) {
    if (typeof caps !== "object" || caps === null || Array.isArray(caps)) bad(`"${name}" is not an object of capability: reason`);
    const m = new Map<Capability, string>();
    for (const [cap, reason] of Object.entries(caps as Record<string, unknown>)) {
      if (!KNOWN.has(cap)) bad(`"${name}" names an unknown capability ${JSON.stringify(cap)}`);
      if (typeof reason !== "string" || reason.trim() === "") bad(`"${name}".${cap} needs a reason (a non-empty string)`);
      m.set(cap as Capability, reason as string);
    }
    out.set(name, m);
  }
  return out;
}

/** Reads a policy file; throws TsnatsError when it is missing or malformed. */
export function loadPolicy(file: string): Policy {
  const v = readJson(file);
  if (v === null) throw new TsnatsError("CAPS_NO_POLICY", `policy ${file} does not exist`);
  return parsePolicy(v, file);
}

/** The reason `name` may have `cap`, or null. */
export function allowed(policy: Policy | null, name: string, cap: Capability): string | null {
  return policy?.get(name)?.get(cap) ?? null;
}
