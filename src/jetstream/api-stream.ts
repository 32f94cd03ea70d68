/**
 * Account and stream requests of the JetStream API (nats-server jetstream_api.go):
 * INFO, STREAM.CREATE / UPDATE / DELETE / INFO / LIST / NAMES / PURGE, STREAM.MSG.GET and
 * STREAM.MSG.DELETE, with nats-server's response types, checks and their order.
 */
import { apiResponse, isEmptyRequest, PAGED_ERROR_FIELDS, type ApiRequest, type ApiRouter } from "./api.js";
import { decodeText, DecodeError, type Field, type Schema } from "./codec.js";
import { loadForGet, MSG_GET_REQUEST, validGetRequest, type MsgGetRequest } from "./direct-get.js";
import { jsError, JsApiError, jsFail, type JsErrorName } from "./errors.js";
import type { JetStream } from "./jetstream.js";
import type { JsAccount } from "./js-account.js";
import { newStoreMsg, tsToIso } from "./store/index.js";
import { checkStreamConfig } from "./stream-config.js";
import type { Stream } from "./stream.js";
import { tokenAt } from "./subjects.js";
import {
  ACCOUNT_STATS_FIELDS,
  PAGED_FIELDS,
  STORED_MSG,
  STREAM_CONFIG,
  STREAM_INFO_FIELDS,
  type StoredMsgJson,
  type StreamConfig,
  type StreamInfo,
} from "./types.js";

const T = "io.nats.jetstream.api.v1.";
export const ACCOUNT_INFO_TYPE = `${T}account_info_response`;
export const STREAM_CREATE_TYPE = `${T}stream_create_response`;
const STREAM_UPDATE_TYPE = `${T}stream_update_response`;
const STREAM_DELETE_TYPE = `${T}stream_delete_response`;
const STREAM_INFO_TYPE = `${T}stream_info_response`;
const STREAM_NAMES_TYPE = `${T}stream_names_response`;
const STREAM_LIST_TYPE = `${T}stream_list_response`;
const STREAM_PURGE_TYPE = `${T}stream_purge_response`;
const MSG_DELETE_TYPE = `${T}stream_msg_delete_response`;
const MSG_GET_TYPE = `${T}stream_msg_get_response`;

/** JSApiNamesLimit, JSApiListLimit, JSMaxSubjectDetails. */
export const NAMES_LIMIT = 1024;
export const LIST_LIMIT = 256;
export const MAX_SUBJECT_DETAILS = 100_000;

const SUCCESS: Schema = [["success", "bool", true]];
const DID_CREATE: Schema = [["did_create", "bool", true]];
const PURGE_FIELDS: Schema = [
  ["success", "bool", true],
  ["purged", "uint"],
];
const NAMES_FIELDS: Field[] = [...PAGED_FIELDS, ["streams", "strs"]];
const LIST_FIELDS: Field[] = [
  ...PAGED_FIELDS,
  ["streams", { arr: STREAM_INFO_FIELDS }],
  ["missing", "strs", true],
];
const MSG_FIELDS: Schema = [["message", { obj: STORED_MSG }, true]];
const STREAM_REQUEST: Schema = [
  ["offset", "int", true],
  ["subject", "str", true],
];
const INFO_REQUEST: Schema = [
  ["offset", "int", true],
  ["deleted_details", "bool", true],
  ["subjects_filter", "str", true],
];
const PURGE_REQUEST: Schema = [
  ["seq", "uint", true],
  ["filter", "str", true],
  ["keep", "uint", true],
];
const MSG_DELETE_REQUEST: Schema = [
  ["seq", "uint"],
  ["no_erase", "bool", true],
];

function fail(name: JsErrorName): JsApiError {
  return new JsApiError(jsError(name));
}

/** Decodes a JSON request body; invalid JSON is nats-server's JSInvalidJSONErr. */
export function decodeRequest<T>(body: Buffer, schema: Schema): T {
  try {
    return decodeText<T>(body.toString("utf8"), schema);
  } catch (err) {
    if (err instanceof DecodeError) throw fail("JSInvalidJSONErr");
    throw err;
  }
}

/** The stream named in token `index`, or JSStreamNotFoundErr. */
export function streamFor(jsa: JsAccount, req: ApiRequest, index = 5): Stream {
  const s = jsa.streams.get(tokenAt(req.subject, index));
  if (s === undefined) throw fail("JSStreamNotFoundErr");
  return s;
}

function infoPart(info: StreamInfo): readonly [object, Schema] {
  return [info, STREAM_INFO_FIELDS];
}

function accountInfo(_js: JetStream, jsa: JsAccount): string {
  return apiResponse(ACCOUNT_INFO_TYPE, undefined, [jsa.stats(), ACCOUNT_STATS_FIELDS]);
}

async function streamCreate(_js: JetStream, jsa: JsAccount, req: ApiRequest): Promise<string> {
  const cfg = decodeRequest<Partial<StreamConfig>>(req.body, STREAM_CONFIG);
  const name = tokenAt(req.subject, 5);
  if (name !== (cfg.name ?? "")) throw fail("JSStreamMismatchErr");
  if (/[\\/]/.test(name)) throw fail("JSStreamNameContainsPathSeparatorsErr");
  if (cfg.sealed === true) throw jsFail("JSStreamInvalidConfigF", { err: "stream configuration for create can not be sealed" });
  if (cfg.mirror_direct === true && cfg.mirror === undefined) {
    throw jsFail("JSStreamInvalidConfigF", { err: "stream has no mirror but does have mirror direct" });
  }
  const stream = await jsa.createStream(cfg);
  return apiResponse(STREAM_CREATE_TYPE, undefined, infoPart(stream.info()), [{ did_create: true }, DID_CREATE]);
}

async function streamUpdate(_js: JetStream, jsa: JsAccount, req: ApiRequest): Promise<string> {
  const cfg = decodeRequest<Partial<StreamConfig>>(req.body, STREAM_CONFIG);
  // nats-server validates the config before comparing the names.
  checkStreamConfig(cfg, jsa.configContext());
  if (tokenAt(req.subject, 5) !== (cfg.name ?? "")) throw fail("JSStreamMismatchErr");
  const stream = jsa.streams.get(cfg.name ?? "");
  if (stream === undefined) throw fail("JSStreamNotFoundErr");
  await jsa.updateStream(stream, cfg);
  return apiResponse(STREAM_UPDATE_TYPE, undefined, infoPart(stream.info()));
}

async function streamDelete(_js: JetStream, jsa: JsAccount, req: ApiRequest): Promise<string> {
  if (!isEmptyRequest(req.body)) throw fail("JSNotEmptyRequestErr");
  const stream = streamFor(jsa, req);
  await jsa.deleteStream(stream);
  return apiResponse(STREAM_DELETE_TYPE, undefined, [{ success: true }, SUCCESS]);
}

function streamInfo(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  let details = false;
  let filter = "";
  let offset = 0;
  if (!isEmptyRequest(req.body)) {
    const r = decodeRequest<{ offset?: number; deleted_details?: boolean; subjects_filter?: string }>(req.body, INFO_REQUEST);
    details = r.deleted_details === true;
    filter = r.subjects_filter ?? "";
    offset = Math.max(0, r.offset ?? 0);
  }
  const stream = streamFor(jsa, req);
  const info = stream.info(details);
  const paged = { total: 0, offset: 0, limit: 0 };
  if (filter !== "") {
    const totals = stream.subjectsTotals(filter);
    if (totals.size > 0) {
      paged.offset = offset;
      paged.limit = MAX_SUBJECT_DETAILS;
      paged.total = totals.size;
      const names = [...totals.keys()].sort();
      const page = offset === 0 && names.length <= MAX_SUBJECT_DETAILS ? names : names.slice(offset, offset + MAX_SUBJECT_DETAILS);
      info.state.subjects = Object.fromEntries(page.map((n) => [n, totals.get(n)!]));
    }
  }
  let type = STREAM_INFO_TYPE;
  const rt = req.hdr === null ? null : /Nats-Response-Type:\s*create/.test(req.hdr.toString("latin1")) ? "create" : null;
  if (rt === "create") type = STREAM_CREATE_TYPE;
  return apiResponse(type, undefined, [paged, PAGED_FIELDS], infoPart(info));
}

function pageRequest(req: ApiRequest): { offset: number; filter: string } {
  if (isEmptyRequest(req.body)) return { offset: 0, filter: "" };
  const r = decodeRequest<{ offset?: number; subject?: string }>(req.body, STREAM_REQUEST);
  return { offset: Math.max(0, r.offset ?? 0), filter: r.subject ?? "" };
}

function streamNames(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  const { offset, filter } = pageRequest(req);
  const streams = jsa.filteredStreams(filter);
  const off = Math.min(offset, streams.length);
  const page = streams.slice(off, off + NAMES_LIMIT).map((s) => s.name);
  const names = page.length > 0 ? page : undefined; // nats-server's nil slice: null
  return apiResponse(STREAM_NAMES_TYPE, undefined, [{ total: streams.length, offset: off, limit: NAMES_LIMIT, streams: names }, NAMES_FIELDS]);
}

function streamList(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  const { offset, filter } = pageRequest(req);
  const streams = jsa.filteredStreams(filter);
  const off = Math.min(offset, streams.length);
  const infos = streams.slice(off, off + LIST_LIMIT).map((s) => s.info());
  return apiResponse(STREAM_LIST_TYPE, undefined, [{ total: streams.length, offset: off, limit: LIST_LIMIT, streams: infos }, LIST_FIELDS]);
}

function streamPurge(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  let r: { seq?: number; filter?: string; keep?: number } = {};
  if (!isEmptyRequest(req.body)) {
    r = decodeRequest(req.body, PURGE_REQUEST);
    if ((r.seq ?? 0) > 0 && (r.keep ?? 0) > 0) throw fail("JSBadRequestErr");
  }
  const stream = streamFor(jsa, req);
  if (stream.cfg.sealed) throw fail("JSStreamSealedErr");
  if (stream.cfg.deny_purge) throw jsFail("JSStreamPurgeFailedF", { err: "stream purge not permitted" });
  const res = stream.log.propose({ op: "purge", filter: r.filter ?? "", seq: r.seq ?? 0, keep: r.keep ?? 0 });
  return apiResponse(STREAM_PURGE_TYPE, undefined, [{ success: true, purged: res?.removed ?? 0 }, PURGE_FIELDS]);
}

function msgDelete(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  if (isEmptyRequest(req.body)) throw fail("JSBadRequestErr");
  const r = decodeRequest<{ seq?: number; no_erase?: boolean }>(req.body, MSG_DELETE_REQUEST);
  const stream = streamFor(jsa, req, 6);
  if (stream.cfg.sealed) throw fail("JSStreamSealedErr");
  if (stream.cfg.deny_delete) throw jsFail("JSStreamMsgDeleteFailedF", { err: "message delete not permitted" });
  const seq = r.seq ?? 0;
  const res = stream.log.propose({ op: "delete", seq, erase: r.no_erase !== true });
  // nats-server sends this error as a normal response: counted in the API stats, not as an error.
  if ((res?.removed ?? 0) === 0) return apiResponse(MSG_DELETE_TYPE, jsError("JSSequenceNotFoundErrF", { seq: String(seq) }));
  return apiResponse(MSG_DELETE_TYPE, undefined, [{ success: true }, SUCCESS]);
}

function msgGet(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  if (isEmptyRequest(req.body)) throw fail("JSBadRequestErr");
  const r = decodeRequest<MsgGetRequest>(req.body, MSG_GET_REQUEST);
  if (!validGetRequest(r)) throw fail("JSBadRequestErr");
  const stream = jsa.streams.get(tokenAt(req.subject, 6));
  if (stream === undefined) throw fail("JSStreamNotFoundErr");
  const sm = loadForGet(stream, r, newStoreMsg());
  if (sm === null) throw fail("JSNoMessageFoundErr");
  const message: StoredMsgJson = {
    subject: sm.subject,
    seq: sm.seq,
    hdrs: sm.hdr.length > 0 ? sm.hdr : undefined,
    data: sm.msg.length > 0 ? sm.msg : undefined,
    time: tsToIso(sm.tsMs, sm.tsNs),
  };
  return apiResponse(MSG_GET_TYPE, undefined, [{ message }, MSG_FIELDS]);
}

/** Registers the account and stream handlers. */
export function registerStreamApi(router: ApiRouter): void {
  router.add("INFO", ACCOUNT_INFO_TYPE, accountInfo);
  router.add("STREAM.CREATE.*", STREAM_CREATE_TYPE, streamCreate);
  router.add("STREAM.UPDATE.*", STREAM_UPDATE_TYPE, streamUpdate);
  router.add("STREAM.DELETE.*", STREAM_DELETE_TYPE, streamDelete);
  router.add("STREAM.INFO.*", STREAM_INFO_TYPE, streamInfo, { errorFields: PAGED_ERROR_FIELDS });
  router.add("STREAM.NAMES", STREAM_NAMES_TYPE, streamNames, { errorFields: [...PAGED_ERROR_FIELDS, ["streams", "strs"]] });
  router.add("STREAM.LIST", STREAM_LIST_TYPE, streamList, { errorFields: LIST_FIELDS, errorDefaults: { streams: [] } });
  router.add("STREAM.PURGE.*", STREAM_PURGE_TYPE, streamPurge, { errorFields: [["purged", "uint"]] });
  router.add("STREAM.MSG.DELETE.*", MSG_DELETE_TYPE, msgDelete);
  router.add("STREAM.MSG.GET.*", MSG_GET_TYPE, msgGet, { untracked: true });
}
