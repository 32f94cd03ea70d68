/**
 * Account JWT exports and imports as the server's import/export model
 * (src/accounts/config.ts), as nats-server accounts.go updateAccountClaims wires them:
 * a private export (`token_req`) is opened to an importer only by a valid activation token
 * (signed by the exporter or one of its signing keys, naming the importer, not expired,
 * covering the imported subject). Pure: claims in, AccountOptions out.
 */
import type { AccountOptions, ExportOptions, ImportOptions, ResponseType } from "../../accounts/config.js";
import { subjectIsSubsetMatch } from "../../sublist/index.js";
import { isValidPublishSubject } from "../../sublist/subject.js";
import { accountSigners, decodeActivationClaims, isRevoked, timeProblem, type AccountClaims } from "./claims.js";

const RESPONSE_TYPES: Record<string, ResponseType> = { Singleton: "singleton", Stream: "stream", Chunked: "chunked" };

/** One JWT import as the server's ImportOptions (stream `to` is a prefix; `local_subject` maps). */
function importOptions(i: NonNullable<AccountClaims["nats"]["imports"]>[number]): ImportOptions | null {
  if (typeof i.account !== "string" || typeof i.subject !== "string") return null;
  const kind = i.type === "service" ? "service" : "stream";
  const out: ImportOptions = { kind, account: i.account, subject: i.subject };
  // jwt v2 Import.AllowTrace (2.11): a trace crosses a stream import only when set.
  if (kind === "stream" && (i as { allow_trace?: unknown }).allow_trace === true) out.allowTrace = true;
  if (kind === "stream") {
    if (i.local_subject) out.to = i.local_subject;
    else if (i.to) out.prefix = i.to;
  } else if (i.local_subject) out.to = i.local_subject;
  else if (i.to) {
    // JWT service import: `subject` is the local subject, `to` the exporter's.
    out.subject = i.to;
    out.to = i.subject;
  }
  return out;
}

/**
 * Whether `token` lets `importer` import `subject` from `exporter` (nats-server
 * checkActivation): an activation claim for the importer, issued by the exporter (or a
 * signing key of it), current, covering the subject, and not revoked by the export.
 */
export function activationValid(token: string | undefined, exporter: AccountClaims, importer: string, subject: string, revocations?: Record<string, number>): boolean {
  if (token === undefined || token === "") return false;
  try {
    const act = decodeActivationClaims(token);
    if (act.sub !== importer && act.sub !== "*") return false;
    if (timeProblem(act) !== null) return false;
    const issuer = act.nats.issuer_account ?? act.iss;
    if (issuer !== exporter.sub) return false;
    if (!accountSigners(exporter).has(act.iss)) return false;
    const actSubject = act.nats.subject ?? "";
    if (!subjectIsSubsetMatch(subject, actSubject)) return false;
    return !isRevoked(revocations, importer, act.iat);
  } catch {
    return false;
  }
}

/**
 * The AccountOptions of every JWT account in `claims` (by public key): exports with the
 * importers whose activations are valid for private ones, and imports (an import of an
 * account not in `claims`, or not authorized, is dropped as nats-server drops it).
 */
export function accountOptionsFromClaims(claims: ReadonlyMap<string, AccountClaims>): AccountOptions[] {
  const exportsByAccount = new Map<string, ExportOptions[]>();
  const importsByAccount = new Map<string, ImportOptions[]>();
  for (const [key, ac] of claims) {
    exportsByAccount.set(
      key,
      (ac.nats.exports ?? []).map((e) => {
        const x: ExportOptions = { kind: e.type === "service" ? "service" : "stream", subject: e.subject };
        if (e.token_req === true) x.accounts = [];
        if (x.kind === "service") x.responseType = RESPONSE_TYPES[e.response_type ?? "Singleton"] ?? "singleton";
        // jwt v2 Export.AllowTrace (2.11 SetServiceExportAllowTrace): service exports only.
        if (x.kind === "service" && (e as { allow_trace?: unknown }).allow_trace === true) x.allowTrace = true;
        return x;
      }),
    );
  }
  for (const [key, ac] of claims) {
    const imports: ImportOptions[] = [];
    for (const i of ac.nats.imports ?? []) {
      const imp = importOptions(i);
      if (imp === null) continue;
      const exporter = claims.get(imp.account);
      const exports = exportsByAccount.get(imp.account);
      if (exporter === undefined || exports === undefined) continue;
      const idx = (exporter.nats.exports ?? []).findIndex((e) => (e.type === "service" ? "service" : "stream") === imp.kind && subjectIsSubsetMatch(imp.subject, e.subject));
      if (idx < 0) continue;
      const jwtExport = exporter.nats.exports![idx]!;
      if (jwtExport.revocations !== undefined && isRevoked(jwtExport.revocations, key, ac.iat)) continue;
      if (jwtExport.token_req === true) {
        if (!activationValid(i.token, exporter, key, imp.subject, jwtExport.revocations)) continue;
        exports[idx]!.accounts!.push(key);
      }
      imports.push(imp);
    }
    importsByAccount.set(key, imports);
  }
  return [...claims].map(([name, ac]) => {
    const out: AccountOptions = { name, exports: exportsByAccount.get(name) ?? [], imports: importsByAccount.get(name) ?? [] };
    const trace = traceOf(ac);
    if (trace !== null) out.msgTrace = trace;
    return out;
  });
}

/**
 * jwt v2 account `trace { dest, sampling }` as the config's `msg_trace` (nats-server 2.11
 * updateAccountClaimsWithRefresh): a destination that is not a valid publish subject is no
 * destination; a sampling outside 1..100 is 100.
 */
export function traceOf(ac: AccountClaims): { dest: string; sampling: number } | null {
  const t = (ac.nats as { trace?: { dest?: unknown; sampling?: unknown } }).trace;
  if (t === undefined || t === null || typeof t.dest !== "string" || !isValidPublishSubject(t.dest)) return null;
  const sampling = typeof t.sampling === "number" && t.sampling > 0 && t.sampling <= 100 ? Math.floor(t.sampling) : 100;
  return { dest: t.dest, sampling };
}
