/**
 * What a user JWT says about a connection (nats-server auth.go, jwt.go): permissions
 * (with account defaults and scoped-signer templates), allowed connection types, source
 * networks and connect time windows. Pure functions of the claims, the clock and the host.
 */
import { BlockList, isIP } from "node:net";
import type { Permissions as JwtPermissions, User } from "@nats-io/jwt";
import type { PermissionsOptions, SubjectPermission } from "../../server/options.js";
import type { UserClaims } from "./claims.js";

/** nats-server's default response permission (DEFAULT_ALLOW_RESPONSE_MAX_MSGS / _EXPIRATION). */
const DEFAULT_RESP_MAX_MSGS = 1;
const DEFAULT_RESP_EXPIRES_MS = 2 * 60 * 1000;

/** Connection types nats-server 2.9 knows (jwt ConnectionType*); others are ignored. */
export const KNOWN_CONNECTION_TYPES: ReadonlySet<string> = new Set(["STANDARD", "WEBSOCKET", "LEAFNODE", "LEAFNODE_WS", "MQTT", "MQTT_WS"]);

/**
 * nats-server convertAllowedConnectionTypes + connectionTypeAllowed: an empty list allows
 * every type; a list with only unknown types allows none.
 */
export function connectionTypeAllowed(allowed: readonly string[] | undefined, type: string): boolean {
  if (allowed === undefined || allowed.length === 0) return true;
  const known = allowed.map((t) => t.toUpperCase()).filter((t) => KNOWN_CONNECTION_TYPES.has(t));
  return known.includes(type);
}

function subjectPermission(p: { allow?: string[]; deny?: string[] } | undefined): SubjectPermission | undefined {
  if (p === undefined) return undefined;
  const out: SubjectPermission = {};
  if (p.allow !== undefined && p.allow.length > 0) out.allow = p.allow;
  if (p.deny !== undefined && p.deny.length > 0) out.deny = p.deny;
  return out.allow === undefined && out.deny === undefined ? undefined : out;
}

/** True when the claims carry no pub/sub/resp permission (jwt Permissions.HasEmptyPermissions). */
export function hasEmptyPermissions(p: Partial<JwtPermissions>): boolean {
  return subjectPermission(p.pub) === undefined && subjectPermission(p.sub) === undefined && p.resp === undefined;
}

/**
 * JWT permissions as the server's permission options (nats-server buildInternalNkeyUser):
 * `resp` turns on allow_responses with nats-server's defaults for zero values; a user
 * without permissions gets the account's `default_permissions`. Null = unrestricted.
 */
export function jwtPermissions(user: Partial<JwtPermissions>, defaults: Partial<JwtPermissions> | undefined): PermissionsOptions | null {
  const src = hasEmptyPermissions(user) && defaults !== undefined ? defaults : user;
  const out: PermissionsOptions = {};
  const pub = subjectPermission(src.pub);
  const sub = subjectPermission(src.sub);
  if (pub !== undefined) out.publish = pub;
  if (sub !== undefined) out.subscribe = sub;
  if (src.resp !== undefined) {
    const ttlNs = src.resp.ttl ?? 0;
    out.allowResponses = {
      maxMsgs: (src.resp.max ?? 0) !== 0 ? src.resp.max! : DEFAULT_RESP_MAX_MSGS,
      expiresMs: ttlNs !== 0 ? Math.floor(ttlNs / 1e6) : DEFAULT_RESP_EXPIRES_MS,
    };
  }
  return out.publish === undefined && out.subscribe === undefined && out.allowResponses === undefined ? null : out;
}

/** What a scoped signer's template may name in `{{...}}` tokens (processUserPermissionsTemplate). */
export interface TemplateContext {
  user: UserClaims;
  accountName: string;
  accountTags: readonly string[];
}

/**
 * nats-server processUserPermissionsTemplate: the template's subjects with `{{name()}}`,
 * `{{subject()}}`, `{{account-name()}}`, `{{account-subject()}}`, `{{tag(x)}}` and
 * `{{account-tag(x)}}` expanded (a tag with several values expands to every combination).
 * Throws when a template names a tag the user or account does not have.
 */
export function applyTemplate(template: Partial<User>, ctx: TemplateContext): Partial<User> {
  const expandList = (list: string[] | undefined): string[] | undefined => (list === undefined ? undefined : list.flatMap((s) => expandSubject(s, ctx)));
  const expandPerm = (p: { allow?: string[]; deny?: string[] } | undefined): { allow?: string[]; deny?: string[] } | undefined => {
    if (p === undefined) return undefined;
    const out: { allow?: string[]; deny?: string[] } = {};
    const allow = expandList(p.allow);
    const deny = expandList(p.deny);
    if (allow !== undefined) out.allow = allow;
    if (deny !== undefined) out.deny = deny;
    return out;
  };
  const out: Partial<User> = { ...template };
  const pub = expandPerm(template.pub);
  const sub = expandPerm(template.sub);
  if (pub !== undefined) out.pub = pub;
  if (sub !== undefined) out.sub = sub;
  return out;
}

function expandSubject(subject: string, ctx: TemplateContext): string[] {
  let results: string[][] = [[]];
  for (const tk of subject.split(".")) {
    let values: string[];
    if (tk.startsWith("{{") && tk.endsWith("}}")) {
      values = templateValues(tk.slice(2, -2).trim().toLowerCase(), ctx);
      if (values.length === 0 || values.some((v) => v === "")) throw new Error(`generated invalid subject "${subject}"`);
    } else values = [tk];
    results = results.flatMap((r) => values.map((v) => [...r, v]));
  }
  return results.map((r) => r.join("."));
}

function templateValues(op: string, ctx: TemplateContext): string[] {
  const u = ctx.user;
  if (op === "name()") return [u.name ?? ""];
  if (op === "subject()") return [u.sub];
  if (op === "account-name()") return [ctx.accountName];
  if (op === "account-subject()") return [u.nats.issuer_account ?? u.iss];
  const m = /^(account-)?tag\((.*)\)$/.exec(op);
  if (m === null) return [""];
  const tags = m[1] !== undefined ? ctx.accountTags : (u.nats.tags ?? []);
  const prefix = `${m[2]!.toLowerCase()}:`;
  return tags.filter((t) => t.toLowerCase().startsWith(prefix)).map((t) => t.slice(prefix.length));
}

/** nats-server jwt.go validateSrc: no list = anywhere; otherwise the host must be in one CIDR. */
export function sourceAllowed(src: readonly string[] | undefined, host: string): boolean {
  if (src === undefined || src.length === 0) return true;
  const family = isIP(host);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of src) {
    const m = /^(.+)\/(\d+)$/.exec(cidr.trim());
    const addr = m ? m[1]! : cidr.trim();
    const fam = isIP(addr);
    if (fam === 0) return false;
    const prefix = m ? Number(m[2]) : fam === 4 ? 32 : 128;
    list.addSubnet(addr, prefix, fam === 4 ? "ipv4" : "ipv6");
  }
  return list.check(host, family === 4 ? "ipv4" : "ipv6");
}

/** Seconds since midnight of `nowMs` in `timeZone` (undefined = the server's local zone). */
function secondsOfDay(nowMs: number, timeZone: string | undefined): number {
  const fmt = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  const parts = fmt.formatToParts(new Date(nowMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get("hour") * 3600 + get("minute") * 60 + get("second");
}

function parseClock(s: string | undefined): number | null {
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(s ?? "");
  if (m === null) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/**
 * nats-server jwt.go validateTimes: with no `times` any time is fine (validForMs 0 = no
 * limit); otherwise now must fall in one range (in `locale`'s zone; an end before its start
 * ends the next day), and the connection is valid until that range ends.
 */
export function timeWindow(times: User["times"], locale: string | undefined, nowMs = Date.now()): { allowed: boolean; validForMs: number } {
  if (times === undefined || times.length === 0) return { allowed: true, validForMs: 0 };
  let now: number;
  try {
    now = secondsOfDay(nowMs, locale !== undefined && locale !== "" ? locale : undefined);
  } catch {
    return { allowed: false, validForMs: 0 };
  }
  for (const r of times) {
    const start = parseClock(r.start);
    const end = parseClock(r.end);
    if (start === null || end === null) return { allowed: false, validForMs: 0 };
    const endAbs = start > end ? end + 86400 : end;
    if (start < now && endAbs > now) return { allowed: true, validForMs: (endAbs - now) * 1000 };
  }
  return { allowed: false, validForMs: 0 };
}
