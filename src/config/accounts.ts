/**
 * Mapping of the `accounts` block and of the decentralized-auth keys (nats-server opts.go
 * parseAccounts, parseAccountImports/Exports, parseImportStreamOrService). Key names,
 * aliases and error texts follow nats-server v2.9.10; positions are those of the entries.
 */
import {
  RESPONSE_TYPES,
  importError,
  type AccountOptions,
  type ExportOptions,
  type ImportOptions,
  type ResponseType,
} from "../accounts/config.js";
import type { ServerOptionsInput, UserOptions } from "../server/options.js";
import { isValidPublishSubject } from "../sublist/subject.js";
import { isValidSubject, parsePermissions, parseUsers } from "./blocks.js";
import type { Pos } from "./issues.js";
import type { ConfigNode, MapEntry, MapNode } from "./parser.js";
import { parseAccountJetStream } from "./jetstream.js";
import { parseMappings } from "./mappings.js";
import { describeNode, getBool, getString, getStringList, type Issues } from "./values.js";

/** Where each parsed user and import was written, for the cross-checks' positions. */
const positions = new WeakMap<object, { pos: Pos }>();

/** Account block keys nats-server knows that tsnats ignores (one warning each). */
const ACCOUNT_UNSUPPORTED = new Set(["nkey", "limits"]);

/**
 * nats-server 2.11 parseAccountMsgTrace: `msg_trace: "dest"` or `msg_trace { dest, sampling }`
 * (sampling 1..100, or a percentage string), with its error texts; a destination without
 * sampling traces every sampled `traceparent` (100), sampling without a destination is ignored.
 */
function parseMsgTrace(issues: Issues, e: MapEntry, acc: AccountOptions): void {
  const v = e.value;
  let dest: string | undefined;
  let sampling = 0;
  const takeDest = (node: ConfigNode, key: string): void => {
    if (node.kind !== "string") return issues.error(node, `Field "${key}" should be a string, got ${describeNode(node)}`);
    if (!isValidPublishSubject(node.value)) return issues.error(node, `Trace destination "${node.value}" is not valid`);
    dest = node.value;
  };
  const takeSampling = (node: ConfigNode, n: number): void => {
    // nats-server's text, typo included.
    if (!Number.isInteger(n) || n <= 0 || n > 100) return issues.error(node, `Ttrace destination sampling value ${n} is invalid, needs to be [1..100]`);
    sampling = n;
  };
  if (v.kind === "string") takeDest(v, e.key);
  else if (v.kind === "map") {
    for (const f of v.entries.values()) {
      const fv = f.value;
      switch (f.key.toLowerCase()) {
        case "dest":
          takeDest(fv, f.key);
          break;
        case "sampling":
          if (fv.kind === "integer") takeSampling(fv, fv.value);
          else if (fv.kind === "string") {
            const text = fv.value.endsWith("%") ? fv.value.slice(0, -1) : fv.value;
            if (!/^[+-]?\d+$/.test(text)) issues.error(fv, `Invalid trace destination sampling value "${fv.value}"`);
            else takeSampling(fv, Number(text));
          } else issues.error(fv, `Trace destination sampling field "${f.key}" should be an integer or a percentage, got ${describeNode(fv)}`);
          break;
        default:
          issues.error(fv, `Unknown field "${f.key}" parsing account message trace map/struct "${e.key}"`);
      }
    }
  } else return issues.error(v, `Expected account message trace "${e.key}" to be a string or a map/struct, got ${describeNode(v)}`);
  if (dest !== undefined) acc.msgTrace = { dest, sampling: sampling === 0 ? 100 : sampling };
  else if (sampling > 0) issues.warn(v, "Trace destination sampling ignored since no destination was set");
}

/** nats-server opts.go parseAccounts: a map of name → block, or an array of names. */
export function parseAccounts(issues: Issues, e: MapEntry): AccountOptions[] | undefined {
  const v = e.value;
  if (v.kind === "array") {
    const out: AccountOptions[] = [];
    for (const item of v.items) {
      if (item.kind === "string") out.push({ name: item.value });
      else issues.error(item, `Expected an account name, got ${describeNode(item)}`);
    }
    return out;
  }
  if (v.kind !== "map") {
    issues.error(v, `Expected map or array of accounts, got ${describeNode(v)}`);
    return undefined;
  }
  const out: AccountOptions[] = [];
  for (const ae of v.entries.values()) {
    if (ae.value.kind !== "map") {
      issues.error(ae.value, `Expected map entry for account "${ae.key}", got ${describeNode(ae.value)}`);
      continue;
    }
    out.push(parseAccount(issues, ae.key, ae.value));
  }
  return out;
}

function parseAccount(issues: Issues, name: string, map: MapNode): AccountOptions {
  const acc: AccountOptions = { name };
  let defaults: UserOptions["permissions"];
  for (const e of map.entries.values()) {
    const key = e.key.toLowerCase();
    switch (key) {
      case "users": {
        const users = parseUsers(issues, e);
        const nodes = e.value.kind === "array" ? e.value.items.filter((n) => n.kind === "map") : [];
        if (users) {
          acc.users = users.map((u, i) => {
            const bound = { ...u, account: name };
            const node = nodes[i];
            if (node !== undefined && users.length === nodes.length) positions.set(bound, node);
            return bound;
          });
        }
        break;
      }
      case "exports":
        acc.exports = listOf(issues, e, parseExport);
        break;
      case "imports":
        acc.imports = listOf(issues, e, parseImport);
        break;
      case "jetstream": {
        const js = parseAccountJetStream(issues, e);
        if (js) acc.jetstream = js.enabled;
        if (js?.limits) acc.jetstreamLimits = js.limits;
        break;
      }
      case "msg_trace": // nats-server 2.11+
      case "trace_dest":
        parseMsgTrace(issues, e, acc);
        break;
      case "default_permissions":
      case "default_permission":
        defaults = parsePermissions(issues, e);
        break;
      case "mappings":
      case "maps":
        acc.mappings = parseMappings(issues, e);
        break;
      default:
        if (ACCOUNT_UNSUPPORTED.has(key)) issues.unsupported(e, `accounts.${name}.${e.key}`);
        else issues.unknown(e);
    }
  }
  if (defaults && acc.users) for (const u of acc.users) u.permissions ??= defaults;
  return acc;
}

function listOf<T extends object>(issues: Issues, e: MapEntry, item: (issues: Issues, m: MapNode) => T | undefined): T[] {
  const v = e.value;
  if (v.kind !== "array") {
    issues.error(v, `${e.key} should be an array, got ${describeNode(v)}`);
    return [];
  }
  const out: T[] = [];
  for (const it of v.items) {
    if (it.kind !== "map") {
      issues.error(it, `Import/Export items should be a map, got ${describeNode(it)}`);
      continue;
    }
    const x = item(issues, it);
    if (x !== undefined) {
      positions.set(x as object, it);
      out.push(x);
    }
  }
  return out;
}

/** Export keys nats-server knows that tsnats ignores. */
const EXPORT_UNSUPPORTED = new Set([
  "response_threshold",
  "threshold",
  "response_max_time",
  "response_time",
  "latency",
  "account_token_position",
  "advertise",
  "token_req",
]);

function parseExport(issues: Issues, m: MapNode): ExportOptions | undefined {
  let ex: ExportOptions | undefined;
  let accounts: string[] | undefined;
  let responseType: ResponseType | undefined;
  let allowTrace: boolean | undefined;
  let bad = false;
  for (const e of m.entries.values()) {
    const key = e.key.toLowerCase();
    switch (key) {
      case "stream":
      case "service": {
        if (ex) {
          issues.error(e.value, `Detected ${key} "${stringOf(e.value)}" but already saw a ${ex.kind}`);
          bad = true;
          break;
        }
        const subject = getString(issues, e);
        if (subject === undefined) bad = true;
        else if (!isValidSubject(subject)) {
          issues.error(e.value, `subject "${subject}" is not a valid subject`);
          bad = true;
        } else ex = { kind: key, subject };
        break;
      }
      case "accounts":
        accounts = getStringList(issues, e);
        break;
      case "response":
      case "response_type": {
        const s = getString(issues, e);
        const t = s?.toLowerCase() as ResponseType | undefined;
        if (t !== undefined && RESPONSE_TYPES.includes(t)) responseType = t;
        else if (s !== undefined) {
          issues.error(e.value, `Unknown response type: "${s}"`);
          bad = true;
        }
        break;
      }
      case "allow_trace": // nats-server 2.11+
        allowTrace = getBool(issues, e);
        break;
      default:
        if (EXPORT_UNSUPPORTED.has(key)) issues.unsupported(e, `exports.${e.key}`);
        else issues.unknown(e);
    }
  }
  if (bad) return undefined;
  if (!ex) {
    issues.error(m, "Expected a stream or service to export");
    return undefined;
  }
  if (accounts !== undefined) ex.accounts = accounts;
  if (responseType !== undefined) {
    if (ex.kind !== "service") {
      issues.error(m, "Detected response directive on non-service");
      return undefined;
    }
    ex.responseType = responseType;
  }
  if (allowTrace !== undefined) {
    if (ex.kind !== "service") {
      issues.error(m, "Detected allow_trace directive on non-service");
      return undefined;
    }
    ex.allowTrace = allowTrace;
  }
  return ex;
}

function stringOf(n: ConfigNode): string {
  return n.kind === "string" ? n.value : describeNode(n);
}

function parseImport(issues: Issues, m: MapNode): ImportOptions | undefined {
  let imp: ImportOptions | undefined;
  let to: string | undefined;
  let prefix: string | undefined;
  let allowTrace: boolean | undefined;
  let bad = false;
  for (const e of m.entries.values()) {
    const key = e.key.toLowerCase();
    switch (key) {
      case "stream":
      case "service": {
        if (imp) {
          issues.error(e.value, `Detected ${key} but already saw a ${imp.kind}`);
          bad = true;
          break;
        }
        const src = e.value.kind === "map" ? e.value : undefined;
        const account = src?.entries.get("account")?.value;
        const subject = src?.entries.get("subject")?.value;
        if (account?.kind !== "string" || subject?.kind !== "string") {
          issues.error(e.value, "Expect an account name and a subject");
          bad = true;
          break;
        }
        for (const se of src!.entries.values()) {
          if (se.key !== "account" && se.key !== "subject") issues.unknown(se);
        }
        if (!isValidSubject(subject.value)) {
          issues.error(subject, `subject "${subject.value}" is not a valid subject`);
          bad = true;
          break;
        }
        imp = { kind: key, account: account.value, subject: subject.value };
        break;
      }
      case "to":
        to = getString(issues, e);
        break;
      case "prefix":
        prefix = getString(issues, e);
        break;
      case "allow_trace": // nats-server 2.11+
        allowTrace = getBool(issues, e);
        break;
      case "share":
        getBool(issues, e);
        issues.unsupported(e, `imports.${e.key}`);
        break;
      default:
        issues.unknown(e);
    }
  }
  if (bad) return undefined;
  if (!imp) {
    issues.error(m, "Expected a stream or service to import");
    return undefined;
  }
  if (to !== undefined) imp.to = to;
  if (prefix !== undefined) {
    if (imp.kind === "service") {
      issues.error(m, `Detected prefix "${prefix}" on a service import, use "to"`);
      return undefined;
    }
    imp.prefix = prefix;
  }
  if (allowTrace !== undefined) {
    if (imp.kind !== "stream") {
      issues.error(m, "Detected allow_trace directive on a non-stream");
      return undefined;
    }
    imp.allowTrace = allowTrace;
  }
  return imp;
}

/**
 * Cross-checks after the whole file is read (nats-server does these while configuring
 * accounts): one user name in one place only, imports authorized by an export. `block`
 * is the `accounts` entry, for positions of whole-config problems.
 */
export function checkAccounts(issues: Issues, o: ServerOptionsInput, block: MapEntry | undefined, authBlock: MapEntry | undefined): void {
  const seen = new Set<string>();
  const dup = (u: UserOptions, at: MapEntry | undefined): void => {
    const name = u.nkey ?? u.user ?? "";
    if (seen.has(name) && at) issues.error(positions.get(u) ?? at.value, `Duplicate user "${name}" detected`);
    seen.add(name);
  };
  const accounts = o.accounts ?? [];
  for (const a of accounts) for (const u of a.users ?? []) dup(u, block);
  for (const u of o.users ?? []) dup(u, authBlock);
  if (!block) return;
  const byName = new Map(accounts.map((a) => [a.name, a]));
  for (const a of accounts) {
    for (const imp of a.imports ?? []) {
      const err = importError(byName, a.name, imp);
      if (err !== null) issues.error(positions.get(imp) ?? block.value, err);
    }
  }
}
