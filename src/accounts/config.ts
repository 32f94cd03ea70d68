/**
 * The account import/export model (nats-server accounts.go, opts.go parseAccounts): what
 * an account exports (streams, services), what it imports from others, whether an import
 * is authorized, and how subjects are mapped across the boundary. Pure: no sockets, no
 * server; the run-time delivery in `imports.ts` is built from this.
 */
import type { MappingOptions } from "../sublist/transform.js";
import { subjectIsSubsetMatch } from "../sublist/index.js";
import type { JetStreamAccountLimits, UserOptions } from "../server/options.js";

/** nats-server's default system account name (server.go DEFAULT_SYSTEM_ACCOUNT). */
export const DEFAULT_SYSTEM_ACCOUNT = "$SYS";

/** How many replies a service import expects per request (accounts.go ServiceRespType). */
export type ResponseType = "singleton" | "stream" | "chunked";
export const RESPONSE_TYPES: readonly ResponseType[] = ["singleton", "stream", "chunked"];

/** `exports: [{stream: "s"} | {service: "s", response_type?, accounts?}]`. */
export interface ExportOptions {
  kind: "stream" | "service";
  subject: string;
  /** Only these accounts may import; undefined = public. */
  accounts?: string[];
  /** Services only; default singleton. */
  responseType?: ResponseType;
  /**
   * Services only (nats-server 2.11 `allow_trace`): a traced request is traced on into this
   * account; without it the trace stops at the import (msg-trace-deliver.ts).
   */
  allowTrace?: boolean;
}

/** `imports: [{stream: {account, subject}, prefix|to} | {service: {account, subject}, to}]`. */
export interface ImportOptions {
  kind: "stream" | "service";
  /** The exporting account. */
  account: string;
  /** Subject in the exporter's subject space. */
  subject: string;
  /** Streams: where the messages appear here; services: what this account publishes to. */
  to?: string;
  /** Streams: the legacy `prefix` (messages appear as `prefix.subject`). */
  prefix?: string;
  /**
   * Streams only (nats-server 2.11 `allow_trace`): a traced message is traced on to this
   * account's subscribers; without it the trace stops at the import (msg-trace-deliver.ts).
   */
  allowTrace?: boolean;
}

/** One entry of `accounts { NAME { ... } }`. */
export interface AccountOptions {
  name: string;
  users?: UserOptions[];
  exports?: ExportOptions[];
  imports?: ImportOptions[];
  jetstream?: boolean;
  /** Limits from an account `jetstream { ... }` block (absent: dynamic limits). */
  jetstreamLimits?: JetStreamAccountLimits;
  /** Subject mappings applied to what this account's clients publish. */
  mappings?: MappingOptions[];
  /**
   * nats-server 2.11 `msg_trace` / `trace_dest`: where traces of messages carrying a sampled
   * W3C `traceparent` header go, for `sampling` percent of them (1..100).
   */
  msgTrace?: { dest: string; sampling: number };
}

/**
 * Why `importer` may not import `imp`, or null when it may (nats-server
 * AddStreamImport/AddServiceImport checks): the account must exist and export a subject
 * covering the import, to everyone or to the importer by name.
 */
export function importError(accounts: ReadonlyMap<string, AccountOptions>, importer: string, imp: ImportOptions): string | null {
  const exporter = accounts.get(imp.account);
  if (!exporter) return `"${imp.account}" account not defined for ${imp.kind} import`;
  const ok = (exporter.exports ?? []).some(
    (e) =>
      e.kind === imp.kind &&
      subjectIsSubsetMatch(imp.subject, e.subject) &&
      (e.accounts === undefined || e.accounts.includes(importer)),
  );
  if (!ok) return `Error adding ${imp.kind} import "${imp.subject}": ${imp.kind} import not authorized`;
  if (imp.to !== undefined && hasWildcard(imp.to)) {
    const err = mappingError(imp.kind === "service" ? imp.to : imp.subject, imp.kind === "service" ? imp.subject : imp.to);
    if (err !== null) return `Error adding ${imp.kind} import "${imp.subject}": ${err}`;
  }
  return null;
}

/** The export covering a service import, for its response type and `allow_trace`. */
export function findServiceExport(exporter: AccountOptions, subject: string): ExportOptions | undefined {
  return (exporter.exports ?? []).find((e) => e.kind === "service" && subjectIsSubsetMatch(subject, e.subject));
}

/** `$N` or `{{wildcard(N)}}`: a reference to the N-th `*` of the source (1-based). */
const WILDCARD_REF = /^(?:\$(\d+)|\{\{\s*wildcard\s*\(\s*(\d+)\s*\)\s*\}\})$/;

/** True when `s` has wildcards or `$N` references, i.e. it maps rather than replaces. */
function hasWildcard(s: string): boolean {
  return s.split(".").some((t) => t === "*" || t === ">" || WILDCARD_REF.test(t));
}

/**
 * A subject mapping from a source pattern to a destination (nats-server subject
 * transforms, the subset imports use): the destination's `*` / `$N` / `{{wildcard(N)}}`
 * take the N-th `*` of the source, `>` takes the rest; a literal destination replaces the
 * subject. Built once, applied per message.
 */
export class SubjectMapping {
  private readonly srcTokens: string[];
  /** Destination tokens: a literal, or the index of a source wildcard (`>` = -1). */
  private readonly dest: Array<string | number>;

  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    this.srcTokens = from.split(".");
    let nextPwc = 0;
    this.dest = to.split(".").map((t): string | number => {
      if (t === "*") return nextPwc++;
      if (t === ">") return -1;
      const m = WILDCARD_REF.exec(t);
      if (m) return Number(m[1] ?? m[2]) - 1;
      return t;
    });
  }

  /** Maps a literal `subject` that matches `from`. */
  apply(subject: string): string {
    const toks = subject.split(".");
    const wild: string[] = [];
    let rest = "";
    for (let i = 0; i < this.srcTokens.length; i++) {
      const s = this.srcTokens[i];
      if (s === "*") wild.push(toks[i] ?? "");
      else if (s === ">") {
        rest = toks.slice(i).join(".");
        break;
      }
    }
    const out: string[] = [];
    for (const d of this.dest) {
      if (typeof d === "string") out.push(d);
      else if (d === -1) out.push(rest);
      else out.push(wild[d] ?? "");
    }
    return out.join(".");
  }
}

/**
 * Why a mapping from `from` to `to` is invalid, or null: every `*` of the source must be
 * used by the destination, and no destination reference may point past them.
 */
export function mappingError(from: string, to: string): string | null {
  const pwcs = from.split(".").filter((t) => t === "*").length;
  const used = new Set<number>();
  let destPwc = 0;
  for (const t of to.split(".")) {
    if (t === "*") used.add(destPwc++);
    const n = WILDCARD_REF.exec(t);
    if (n) used.add(Number(n[1] ?? n[2]) - 1);
  }
  for (const i of used) {
    if (i < 0 || i >= pwcs) return `invalid mapping destination: wildcard index out of range in ${to}`;
  }
  if (used.size !== pwcs) return `invalid mapping destination: not using all of the token wildcard(s) in ${to}`;
  return null;
}

/** Where a stream import's messages appear in the importing account. */
export function streamImportMapping(imp: ImportOptions): SubjectMapping | string | null {
  if (imp.to !== undefined) return hasWildcard(imp.to) ? new SubjectMapping(imp.subject, imp.to) : imp.to;
  if (imp.prefix !== undefined) return `${imp.prefix}.`;
  return null;
}

/**
 * Maps a message subject across a stream import: `null` mapping keeps the subject, a
 * string ending in "." is a prefix, another string replaces it, a mapping transforms it.
 */
export function applyImportMapping(mapping: SubjectMapping | string | null, subject: string): string {
  if (mapping === null) return subject;
  if (typeof mapping === "string") return mapping.endsWith(".") ? mapping + subject : mapping;
  return mapping.apply(subject);
}

/** The local subject a service import listens on (`to`, default the exported subject). */
export function serviceImportLocalSubject(imp: ImportOptions): string {
  return imp.to ?? imp.subject;
}

/** Maps a request subject from the importer's `to` space to the exporter's subject. */
export function serviceImportMapping(imp: ImportOptions): SubjectMapping | string | null {
  if (imp.to === undefined || imp.to === imp.subject) return null;
  return hasWildcard(imp.to) ? new SubjectMapping(imp.to, imp.subject) : imp.subject;
}
