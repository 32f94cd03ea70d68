/**
 * Cross-account delivery at run time (nats-server accounts.go stream/service imports,
 * client.go processServiceImport): built from the pure model in `accounts.ts`.
 *
 * An account gets an {@link AccountImports} only when something leaves it: another
 * account imports one of its streams, it imports a service, or it owes responses to an
 * importer. The client's publish path checks `account.imports !== null` once per
 * message, so accounts without imports pay nothing else.
 *
 * - Stream import: applied on the subscriber's side by shadow subscriptions in the exporter
 *   (`shadow.ts`); nothing happens here when the message is published.
 * - Service import: a request published in the importer on the import's local subject is
 *   delivered into the exporter under the exported subject, with its reply replaced by a
 *   fresh `_R_.` subject; the exporter's response on that subject is delivered back into
 *   the importer on the original reply (once for singleton, until expiry for streams).
 */
import { SubjectMappings } from "../sublist/transform.js";
import { nuid } from "@nats-io/nuid";
import { buildPubArg, type PubArg } from "../protocol/pub-arg.js";
import { Sublist, wireSubject, type SublistResult } from "../sublist/index.js";
import type { Subscription } from "../server/subscription.js";
import { Account } from "./account.js";
import { StreamImportRef } from "./shadow.js";
import type { Connection } from "../server/connection.js";
import { deliverResult } from "../server/deliver.js";
import { withTraceDisabled } from "../server/msg-trace-external.js";
import { sendToGateways } from "../gateway/routing.js";
import type { Gateway } from "../gateway/gateway.js";
import type { Server } from "../server/server.js";
import {
  applyImportMapping,
  findServiceExport,
  serviceImportLocalSubject,
  serviceImportMapping,
  streamImportMapping,
  type AccountOptions,
  type ImportOptions,
  type ResponseType,
  type SubjectMapping,
} from "./config.js";

/** nats-server accounts.go replyPrefix: reply subjects of routed service requests. */
export const SERVICE_REPLY_PREFIX = "_R_.";
/** nats-server DEFAULT_SERVICE_EXPORT_RESPONSE_THRESHOLD: how long a response is awaited. */
export const RESPONSE_THRESHOLD_MS = 2 * 60 * 1000;
/** Pending responses per account above which expired ones are swept. */
export const RESPONSE_SWEEP_SIZE = 1024;

/** A service import, stored in the importer under its local subject. */
class ServiceImport {
  readonly queue = null;
  constructor(
    readonly subject: string,
    readonly target: Account,
    readonly mapping: SubjectMapping | string | null,
    readonly responseType: ResponseType,
    /** The export's `allow_trace` (nats-server 2.11 se.atrc): a traced request is traced on into `target`. */
    readonly allowTrace: boolean,
  ) {}
}

/** Where a response to an imported service request goes. */
interface PendingResponse {
  account: Account;
  reply: string;
  singleton: boolean;
  sinceMs: number;
}

/** What leaves one account; see the module comment. */
export class AccountImports {
  readonly serviceImports = new Sublist<ServiceImport>();
  readonly responses = new Map<string, PendingResponse>();
}

function importsOf(a: Account): AccountImports {
  return (a.imports ??= new AccountImports());
}

/**
 * Creates the configured accounts that do not exist yet, and (re)wires every import.
 * Called at start and on reload; existing accounts keep their sublists (and so their
 * subscriptions), only their imports are rebuilt.
 */
export function configureAccounts(server: Server, configs: readonly AccountOptions[]): void {
  for (const cfg of configs) {
    if (!server.accounts.has(cfg.name)) server.accounts.set(cfg.name, new Account(cfg.name));
  }
  // Mappings: the top-level block for the global account, each account's own for it.
  const globalMappings = server.options.mappings ?? [];
  server.globalAccount.mappings = globalMappings.length > 0 ? new SubjectMappings(globalMappings) : null;
  for (const cfg of configs) {
    const acc = server.accounts.get(cfg.name)!;
    acc.mappings = cfg.mappings && cfg.mappings.length > 0 ? new SubjectMappings(cfg.mappings) : null;
    acc.traceDest = cfg.msgTrace?.dest ?? null;
    acc.traceSampling = cfg.msgTrace?.sampling ?? 100;
  }
  for (const acc of server.accounts.values()) acc.imports = null;
  const streams = new Map<Account, StreamImportRef[]>();
  const byName = new Map(configs.map((c) => [c.name, c]));
  for (const cfg of configs) {
    const importer = server.accounts.get(cfg.name)!;
    for (const given of cfg.imports ?? []) {
      const imp = wireImport(given);
      const exporter = server.accounts.get(imp.account);
      const exporterCfg = byName.get(imp.account);
      if (!exporter || !exporterCfg) continue; // rejected by config validation
      if (imp.kind === "stream") {
        let refs = streams.get(importer);
        if (refs === undefined) streams.set(importer, (refs = []));
        refs.push(new StreamImportRef(exporter, imp.subject, streamImportMapping(imp), imp.allowTrace === true));
      } else {
        // Exports are looked up in the config's own (JS string) form.
        const ex = findServiceExport(exporterCfg, given.subject);
        importsOf(importer).serviceImports.insert(
          new ServiceImport(serviceImportLocalSubject(imp), exporter, serviceImportMapping(imp), ex?.responseType ?? "singleton", ex?.allowTrace === true),
        );
      }
    }
  }
  for (const acc of server.accounts.values()) acc.setStreamImports(streams.get(acc) ?? null);
}

/** An import with its subjects in the server's form (see wireSubject). */
function wireImport(imp: ImportOptions): ImportOptions {
  const w: ImportOptions = { ...imp, subject: wireSubject(imp.subject) };
  if (imp.to !== undefined) w.to = wireSubject(imp.to);
  if (imp.prefix !== undefined) w.prefix = wireSubject(imp.prefix);
  return w;
}

/**
 * What a traced message (server/msg-trace-deliver.ts) does at an import: record it (`se` for
 * a stream import, with the importer; `si` for a service import, with the exporter) and
 * deliver into the target account itself, recording each egress.
 */
export interface ImportTracer {
  /** Trace-only: nothing delivered, no response awaited. */
  readonly only: boolean;
  imported(type: "se" | "si", account: Account, from: string, to: string): void;
  deliver(producer: Connection | null, target: Account, r: SublistResult<Subscription>, pa: PubArg): void;
  /** The copy for gateway `gw` of the message now in account `target`, or null to skip it. */
  forGateway(gw: Gateway, target: Account, pa: PubArg): PubArg | null;
}

/**
 * Delivers one published message out of `acc` (which has imports) into the accounts
 * that import it. Returns how many deliveries (subscriptions or groups) it made, so
 * no-responders can be decided. `trace` is set for a traced message only.
 */
export function deliverImports(server: Server, producer: Connection | null, acc: Account, pa: PubArg, trace: ImportTracer | null = null): number {
  const imports = acc.imports!;
  const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
  const reply = pa.replyEnd > pa.replyStart ? pa.arg.toString("latin1", pa.replyStart, pa.replyEnd) : "";
  let n = deliverResponse(server, producer, acc, subject, pa, trace);
  const services = imports.serviceImports.match(subject).psubs;
  for (let i = 0; i < services.length; i++) {
    const r = services[i]!;
    let routedReply = "";
    if (reply !== "" && trace?.only !== true) {
      routedReply = SERVICE_REPLY_PREFIX + nuid.next();
      const target = importsOf(r.target);
      target.responses.set(routedReply, { account: acc, reply, singleton: r.responseType === "singleton", sinceMs: Date.now() });
      if (target.responses.size > RESPONSE_SWEEP_SIZE) sweepResponses(target);
    }
    const to = applyImportMapping(r.mapping, subject);
    trace?.imported("si", r.target, subject, to);
    if (trace !== null && !r.allowTrace) {
      // nats-server 2.11: without the export's allow_trace the trace stops at the import;
      // delivered untraced (nothing for trace-only), the trace disabled so no peer takes it up.
      if (!trace.only) n += deliverInto(server, producer, r.target, to, routedReply, withTraceDisabled(pa), null);
      continue;
    }
    n += deliverInto(server, producer, r.target, to, routedReply, pa, trace);
  }
  return n;
}

/**
 * Delivers a response to an imported service back into the importer, if `subject` is a
 * reply `acc` owes one (also for a response that came back over a gateway by `_GR_.`).
 */
export function deliverResponse(server: Server, producer: Connection | null, acc: Account, subject: string, pa: PubArg, trace: ImportTracer | null = null): number {
  const responses = acc.imports?.responses;
  if (responses === undefined || responses.size === 0) return 0;
  const resp = responses.get(subject);
  if (resp === undefined) return 0;
  if (resp.singleton && trace?.only !== true) responses.delete(subject);
  if (trace !== null) {
    // nats-server 2.11 addRespServiceImport: a response import never has allow_trace, so a
    // traced response records its `si` event and goes on untraced (nothing for trace-only).
    trace.imported("si", resp.account, subject, resp.reply);
    return trace.only ? 0 : deliverInto(server, producer, resp.account, resp.reply, "", withTraceDisabled(pa), null);
  }
  return deliverInto(server, producer, resp.account, resp.reply, "", pa, null);
}

/** Whether `reply` is the routed reply of a service request `acc` still owes a response. */
export function isPendingResponse(acc: Account, reply: string): boolean {
  return acc.imports !== null && acc.imports.responses.has(reply);
}

function sweepResponses(imports: AccountImports): void {
  const cutoff = Date.now() - RESPONSE_THRESHOLD_MS;
  for (const [k, v] of imports.responses) if (v.sinceMs < cutoff) imports.responses.delete(k);
}

/**
 * Delivers `pa`'s payload, a service request or response, into `target` under a new subject
 * and reply, and on to the other clusters in `target`: as in nats-server, a service import
 * applies where the request was published and the request travels in the exporter's
 * account (its responder may be in another cluster). Stream importers' shadow subscriptions
 * in `target` are skipped (nats-server pmrMsgImportedFromService: a service import is not
 * re-exported to a stream). A gateway that took the message counts as one delivery. A
 * traced message (`trace`) records its egresses, its copy to each gateway with a hop id.
 */
function deliverInto(
  server: Server,
  producer: Connection | null,
  target: Account,
  subject: string,
  reply: string,
  pa: PubArg,
  trace: ImportTracer | null,
): number {
  const r = withoutShadows(target.sublist.match(subject));
  let n = r.psubs.length + r.qsubs.length;
  const gw = server.gateways;
  if (n === 0 && gw === null) return 0;
  const derived = derivePubArg(pa, subject, reply);
  if (n > 0) {
    if (trace !== null) trace.deliver(producer, target, r, derived);
    else deliverResult(server, producer, r, derived);
  }
  const each = trace === null ? null : (g: Gateway) => trace.forGateway(g, target, derived);
  if (gw !== null && sendToGateways(gw, producer, target, derived, n > 0 ? r : null, each)) n++;
  return n;
}

/** `r` without shadow subscriptions (a copy only when it had some). */
function withoutShadows(r: SublistResult<Subscription>): SublistResult<Subscription> {
  const isShadow = (s: Subscription): boolean => s.im !== null;
  if (!r.psubs.some(isShadow) && !r.qsubs.some((g) => g.some(isShadow))) return r;
  const qsubs = r.qsubs.map((g) => g.filter((s) => s.im === null)).filter((g) => g.length > 0);
  return { psubs: r.psubs.filter((s) => s.im === null), qsubs };
}

/** A PubArg carrying `pa`'s headers and payload under another subject and reply. */
export function derivePubArg(pa: PubArg, subject: string, reply: string): PubArg {
  return buildPubArg(subject, reply, pa.hdr, pa.payloadBuf, pa.payloadStart, pa.payloadEnd);
}
