/**
 * Stream configuration: defaults and validation on create (nats-server stream.go
 * checkStreamCfg) and the rules for an update (configUpdateCheck). Pure: the caller
 * supplies the account's other streams and its limits, so every rule is testable alone.
 */
import { isValidPublishSubject, isValidSubject, subjectIsSubsetMatch } from "../sublist/index.js";
import { SubjectTransform } from "../sublist/transform.js";
import { encode } from "./codec.js";
import { jsFail, JsApiError, jsError, type JsErrorName } from "./errors.js";
import { isValidName, subjectsCollide } from "./subjects.js";
import { NS_PER_MS } from "./time.js";
import { STREAM_CONFIG, type StreamConfig, type StreamSource } from "./types.js";

/** JSMaxNameLen, JSMaxDescriptionLen, JSMaxMetadataLen. */
export const MAX_NAME_LEN = 255;
export const MAX_DESCRIPTION_LEN = 4 * 1024;
export const MAX_METADATA_LEN = 128 * 1024;
/** StreamMaxReplicas. */
export const STREAM_MAX_REPLICAS = 5;
/** StreamDefaultDuplicatesWindow: two minutes. */
export const DEFAULT_DUPLICATES_WINDOW_NS = 2 * 60 * 1000 * NS_PER_MS;
const MIN_WINDOW_NS = 100 * NS_PER_MS;

/** What validation needs to know beyond the config itself. */
export interface StreamConfigContext {
  /** Another stream of the same account by name. */
  lookup(name: string): StreamConfig | undefined;
  /** Server limit on the duplicates window (ns), 0 = none. */
  maxDuplicatesWindowNs: number;
  /** Account: streams must set max_bytes. */
  maxBytesRequired: boolean;
  /** Account: largest max_bytes for a memory / file stream, 0 = none. */
  memoryMaxStreamBytes: number;
  storageMaxStreamBytes: number;
}

function invalid(message: string): JsApiError {
  return jsFail("JSStreamInvalidConfigF", { err: message });
}

function fail(name: JsErrorName): JsApiError {
  return new JsApiError(jsError(name));
}

/** The config with nats-server's defaults applied, or throws the API error. */
export function checkStreamConfig(input: Partial<StreamConfig>, ctx: StreamConfigContext): StreamConfig {
  const name = input.name ?? "";
  if (!isValidName(name)) throw invalid("stream name is required and can not contain '.', '*', '>'");
  if (name.length > MAX_NAME_LEN) throw invalid(`stream name is too long, maximum allowed is ${MAX_NAME_LEN}`);
  if ((input.description ?? "").length > MAX_DESCRIPTION_LEN) {
    throw invalid(`stream description is too long, maximum allowed is ${MAX_DESCRIPTION_LEN}`);
  }
  if (metadataLen(input.metadata) > MAX_METADATA_LEN) throw invalid(`stream metadata exceeds maximum size of ${MAX_METADATA_LEN} bytes`);
  const cfg = withDefaults(input, ctx);
  checkLimitsAndWindows(cfg, ctx);
  checkMirrorAndSources(cfg, ctx);
  checkSubjects(cfg);
  const limit = cfg.storage === "memory" ? ctx.memoryMaxStreamBytes : ctx.storageMaxStreamBytes;
  if (ctx.maxBytesRequired && cfg.max_bytes <= 0) throw fail("JSStreamMaxBytesRequired");
  if (limit > 0 && cfg.max_bytes > limit) throw fail("JSStreamMaxStreamBytesExceeded");
  checkRepublish(cfg);
  return cfg;
}

export function metadataLen(m: Record<string, string> | undefined): number {
  let n = 0;
  for (const [k, v] of Object.entries(m ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

function withDefaults(input: Partial<StreamConfig>, ctx: StreamConfigContext): StreamConfig {
  const cfg: StreamConfig = {
    ...input,
    name: input.name ?? "",
    retention: input.retention ?? "limits",
    max_consumers: input.max_consumers || -1,
    max_msgs: input.max_msgs || -1,
    max_bytes: input.max_bytes || -1,
    max_age: input.max_age ?? 0,
    max_msgs_per_subject: input.max_msgs_per_subject || -1,
    max_msg_size: input.max_msg_size || -1,
    discard: input.discard ?? "old",
    storage: input.storage ?? "file",
    num_replicas: input.num_replicas || 1,
    compression: input.compression ?? "none",
    allow_direct: input.allow_direct ?? false,
    mirror_direct: input.mirror_direct ?? false,
    sealed: input.sealed ?? false,
    deny_delete: input.deny_delete ?? false,
    deny_purge: input.deny_purge ?? false,
    allow_rollup_hdrs: input.allow_rollup_hdrs ?? false,
    consumer_limits: input.consumer_limits ?? {},
  };
  if (cfg.num_replicas > STREAM_MAX_REPLICAS) throw invalid(`maximum replicas is ${STREAM_MAX_REPLICAS}`);
  if (cfg.num_replicas < 0) throw fail("JSReplicasCountCannotBeNegative");
  if (!cfg.duplicate_window && cfg.mirror === undefined) {
    let maxWindow = DEFAULT_DUPLICATES_WINDOW_NS;
    if (ctx.maxDuplicatesWindowNs > 0 && maxWindow > ctx.maxDuplicatesWindowNs) maxWindow = ctx.maxDuplicatesWindowNs;
    cfg.duplicate_window = cfg.max_age !== 0 && cfg.max_age < maxWindow ? cfg.max_age : maxWindow;
  }
  return cfg;
}

function checkLimitsAndWindows(cfg: StreamConfig, ctx: StreamConfigContext): void {
  const dup = cfg.duplicate_window ?? 0;
  if (cfg.max_age > 0 && cfg.max_age < MIN_WINDOW_NS) throw invalid("max age needs to be >= 100ms");
  if (dup < 0) throw invalid("duplicates window can not be negative");
  if (cfg.max_age !== 0 && dup > cfg.max_age) throw invalid("duplicates window can not be larger then max age");
  if (ctx.maxDuplicatesWindowNs > 0 && dup > ctx.maxDuplicatesWindowNs) {
    throw invalid(`duplicates window can not be larger then server limit of ${ctx.maxDuplicatesWindowNs / 1e9}s`);
  }
  if (dup > 0 && dup < MIN_WINDOW_NS) throw invalid("duplicates window needs to be >= 100ms");
  if (cfg.deny_purge && cfg.allow_rollup_hdrs) throw invalid("roll-ups require the purge permission");
  if (cfg.discard_new_per_subject === true) {
    if (cfg.discard !== "new") throw invalid("discard new per subject requires discard new policy to be set");
    if (cfg.max_msgs_per_subject <= 0) throw invalid("discard new per subject requires max msgs per subject > 0");
  }
}

/** A source's index name: its stream plus filter and transforms, to find duplicates. */
export function sourceIndexName(src: StreamSource): string {
  const parts = [src.name];
  if (src.external !== undefined) parts.push(src.external.api);
  if (src.filter_subject) parts.push(src.filter_subject);
  for (const t of src.subject_transforms ?? []) parts.push(`${t.src}:${t.dest}`);
  return parts.join(" ");
}

function checkMirrorAndSources(cfg: StreamConfig, ctx: StreamConfigContext): void {
  const deliveryPrefixes: string[] = [];
  const apiPrefixes: string[] = [];
  const upstreamSubjects: string[] = [];
  const m = cfg.mirror;
  if (m !== undefined) {
    if (cfg.first_seq) throw fail("JSMirrorWithFirstSeqErr");
    if ((cfg.subjects ?? []).length > 0) throw fail("JSMirrorWithSubjectsErr");
    if ((cfg.sources ?? []).length > 0) throw fail("JSMirrorWithSourcesErr");
    const trs = m.subject_transforms ?? [];
    if (m.filter_subject && trs.length > 0) throw fail("JSMirrorMultipleFiltersNotAllowed");
    trs.forEach((tr, i) => {
      if (!isValidSubject(tr.src)) throw fail("JSMirrorInvalidSubjectFilter");
      trs.forEach((other, j) => {
        if (i !== j && subjectsCollide(tr.src, other.src)) throw fail("JSMirrorOverlappingSubjectFilters");
      });
    });
    if (m.external === undefined) {
      if (!isValidName(m.name)) throw fail("JSMirrorInvalidStreamName");
      const up = ctx.lookup(m.name);
      if (up !== undefined) {
        upstreamSubjects.push(...(up.subjects ?? []));
        const upMax = up.max_msg_size ?? -1;
        if ((cfg.max_msg_size ?? -1) > 0 && upMax > 0 && (cfg.max_msg_size ?? -1) < upMax) throw fail("JSMirrorMaxMessageSizeTooBigErr");
        cfg.mirror_direct = up.allow_direct;
      }
    } else {
      if (m.external.deliver) deliveryPrefixes.push(m.external.deliver);
      if (m.external.api) apiPrefixes.push(m.external.api);
    }
  }
  const seen = new Set<string>();
  for (const src of cfg.sources ?? []) {
    if (!isValidName(src.name)) throw fail("JSSourceInvalidStreamName");
    const iname = sourceIndexName(src);
    if (seen.has(iname)) throw fail("JSSourceDuplicateDetected");
    seen.add(iname);
    if (src.external !== undefined) {
      if (src.external.deliver) deliveryPrefixes.push(src.external.deliver);
      if (src.external.api) apiPrefixes.push(src.external.api);
      continue;
    }
    const up = ctx.lookup(src.name);
    if (up !== undefined) {
      upstreamSubjects.push(...(up.subjects ?? []));
      const upMax = up.max_msg_size ?? -1;
      if ((cfg.max_msg_size ?? -1) > 0 && upMax > 0 && (cfg.max_msg_size ?? -1) < upMax) throw fail("JSSourceMaxMessageSizeTooBigErr");
    }
    checkSourceTransforms(src);
  }
  for (const pfx of deliveryPrefixes) {
    if (!isValidPublishSubject(pfx)) throw jsFail("JSStreamInvalidExternalDeliverySubjErrF", { prefix: pfx });
    for (const sub of upstreamSubjects) {
      if (subjectsCollide(sub, `${pfx}.${sub}`)) throw jsFail("JSStreamExternalDelPrefixOverlapsErrF", { prefix: pfx, subject: sub });
    }
  }
  for (const pfx of apiPrefixes) {
    if (!isValidPublishSubject(pfx)) throw invalid(`stream external api prefix "${pfx}" must be a valid subject without wildcards`);
    if (subjectsCollide(pfx, "$JS.API")) throw jsFail("JSStreamExternalApiOverlapErrF", { prefix: pfx, subject: "$JS.API" });
  }
  checkCycles(cfg, ctx);
}

function checkSourceTransforms(src: StreamSource): void {
  const trs = src.subject_transforms ?? [];
  if (src.filter_subject && trs.length > 0) throw fail("JSSourceMultipleFiltersNotAllowed");
  for (const tr of trs) {
    if (tr.dest === "" || !isValidSubject(tr.src)) continue;
    try {
      SubjectTransform.create(tr.src, tr.dest);
    } catch {
      throw fail("JSSourceInvalidTransformDestination");
    }
  }
  trs.forEach((tr, i) => {
    if (!isValidSubject(tr.src)) throw fail("JSSourceInvalidSubjectFilter");
    trs.forEach((other, j) => {
      if (i !== j && subjectIsSubsetMatch(tr.src, other.src)) throw fail("JSSourceOverlappingSubjectFilters");
    });
  });
}

/** A stream that sources or mirrors (through others) back into itself. */
function checkCycles(cfg: StreamConfig, ctx: StreamConfigContext): void {
  const toVisit: StreamConfig[] = [cfg];
  const visited = new Set<string>();
  const overlaps = (subjects: readonly string[], filter: string | undefined): boolean =>
    !filter || subjects.some((s) => subjectsCollide(s, filter));
  while (toVisit.length > 0) {
    const c = toVisit.shift()!;
    visited.add(c.name);
    for (const src of c.sources ?? []) {
      if (src.external !== undefined) continue;
      if (visited.has(src.name)) {
        if (overlaps(c.subjects ?? [], src.filter_subject)) throw invalid("detected cycle");
      } else {
        const up = ctx.lookup(src.name);
        if (up !== undefined) toVisit.push(up);
      }
    }
    const mm = c.mirror;
    if (mm !== undefined && mm.external === undefined) {
      if (visited.has(mm.name)) throw invalid("detected cycle");
      const up = ctx.lookup(mm.name);
      if (up !== undefined) toVisit.push(up);
    }
  }
}

const RESERVED_NAMESPACES = ["$JS.>", "$JSC.>", "$NRG.>"];

function checkSubjects(cfg: StreamConfig): void {
  const subjects = cfg.subjects ?? [];
  if (subjects.length === 0) {
    if (cfg.mirror === undefined && (cfg.sources ?? []).length === 0) cfg.subjects = [cfg.name];
  } else {
    if (cfg.mirror !== undefined) throw fail("JSMirrorWithSubjectsErr");
    const seen = new Set<string>();
    for (const subj of subjects) {
      if (!isValidSubject(subj)) throw invalid("invalid subject");
      if (seen.has(subj)) throw invalid("duplicate subjects detected");
      if (subj === ">") {
        if (cfg.no_ack !== true) throw invalid("capturing all subjects requires no-ack to be true");
        if (cfg.num_replicas !== 1) throw invalid("capturing all subjects requires replicas of 1");
      }
      if (cfg.no_ack !== true) {
        for (const ns of RESERVED_NAMESPACES) {
          if (subjectsCollide(subj, ns) && !subjectIsSubsetMatch(subj, "$JS.EVENT.>")) {
            throw invalid("subjects that overlap with jetstream api require no-ack to be true");
          }
        }
        if (subjectsCollide(subj, "$SYS.>") && !subjectIsSubsetMatch(subj, "$SYS.ACCOUNT.>")) {
          throw invalid("subjects that overlap with system api require no-ack to be true");
        }
      }
      seen.add(subj);
    }
  }
  const all = cfg.subjects ?? [];
  if (all.length === 0 && (cfg.sources ?? []).length === 0 && cfg.mirror === undefined) {
    throw invalid("stream needs at least one configured subject or be a source/mirror");
  }
  for (const a of all) {
    for (const b of all) {
      if (a !== b && subjectsCollide(a, b)) throw invalid(`subject ${JSON.stringify(a)} overlaps with ${JSON.stringify(b)}`);
    }
  }
}

function checkRepublish(cfg: StreamConfig): void {
  const rp = cfg.republish;
  if (rp === undefined) return;
  if (!rp.src) rp.src = ">";
  if ((cfg.subjects ?? []).some((s) => subjectsCollide(rp.dest, s))) {
    throw invalid("stream configuration for republish destination forms a cycle");
  }
  try {
    SubjectTransform.create(rp.src, rp.dest);
  } catch {
    throw invalid(`stream configuration for republish with transform from '${rp.src}' to '${rp.dest}' not valid`);
  }
}

/** Whether two configs are the same (after defaults), as reflect.DeepEqual decides. */
export function sameStreamConfig(a: StreamConfig, b: StreamConfig): boolean {
  return encode(a, STREAM_CONFIG) === encode(b, STREAM_CONFIG);
}

/**
 * Checks an update of `old` to `input` (nats-server configUpdateCheck) and returns the
 * new config with defaults; throws the API error nats-server gives.
 */
export function checkStreamUpdate(old: StreamConfig, input: Partial<StreamConfig>, ctx: StreamConfigContext): StreamConfig {
  const cfg = checkStreamConfig(input, ctx);
  if (cfg.name !== old.name) throw invalid("stream configuration name must match original");
  if (cfg.max_consumers !== old.max_consumers) throw invalid("stream configuration update can not change MaxConsumers");
  if (cfg.storage !== old.storage) throw invalid("stream configuration update can not change storage type");
  if (cfg.retention !== old.retention && (old.retention === "workqueue" || cfg.retention === "workqueue")) {
    throw invalid("stream configuration update can not change retention policy to/from workqueue");
  }
  if (old.template_owner) throw invalid("stream configuration update not allowed on template owned stream");
  if (cfg.template_owner) throw invalid("stream configuration update can not be owned by a template");
  if (!cfg.sealed && old.sealed) throw invalid("stream configuration update can not unseal a sealed stream");
  if (!cfg.deny_delete && old.deny_delete) throw invalid("stream configuration update can not cancel deny message deletes");
  if (!cfg.deny_purge && old.deny_purge) throw invalid("stream configuration update can not cancel deny purge");
  if (JSON.stringify(cfg.mirror ?? null) !== JSON.stringify(old.mirror ?? null)) throw fail("JSStreamMirrorNotUpdatableErr");
  if (cfg.sealed) {
    cfg.max_age = 0;
    cfg.discard = "new";
    cfg.deny_delete = true;
    cfg.deny_purge = true;
    cfg.allow_rollup_hdrs = false;
  }
  return cfg;
}
