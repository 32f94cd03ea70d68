/**
 * Consumer requests of the JetStream API (nats-server jetstream_api.go
 * jsConsumerCreateRequest and friends): CONSUMER.CREATE (`.<stream>`, `.<stream>.<name>`,
 * `.<stream>.<name>.<filter>`), the legacy CONSUMER.DURABLE.CREATE, NAMES, LIST, INFO and
 * DELETE.
 */
import { apiResponse, isEmptyRequest, PAGED_ERROR_FIELDS, type ApiRequest, type ApiRouter } from "./api.js";
import { decodeRequest, LIST_LIMIT, NAMES_LIMIT, streamFor } from "./api-stream.js";
import type { Field, Schema } from "./codec.js";
import { addConsumer } from "./consumer-create.js";
import type { Consumer } from "./consumer.js";
import { jsError, JsApiError, type JsErrorName } from "./errors.js";
import type { JetStream } from "./jetstream.js";
import type { JsAccount } from "./js-account.js";
import { numTokens, tokenAt } from "./subjects.js";
import { CONSUMER_INFO_FIELDS, CREATE_CONSUMER_REQUEST, PAGED_FIELDS, type CreateConsumerRequest } from "./types.js";

const T = "io.nats.jetstream.api.v1.";
const CREATE_TYPE = `${T}consumer_create_response`;
const DELETE_TYPE = `${T}consumer_delete_response`;
const INFO_TYPE = `${T}consumer_info_response`;
const NAMES_TYPE = `${T}consumer_names_response`;
const LIST_TYPE = `${T}consumer_list_response`;

const NAMES_FIELDS: Field[] = [...PAGED_FIELDS, ["consumers", "strs"]];
const LIST_FIELDS: Field[] = [
  ...PAGED_FIELDS,
  ["consumers", { arr: CONSUMER_INFO_FIELDS }],
  ["missing", "strs", true],
];
const PAGE_REQUEST: Schema = [["offset", "int", true]];
const SUCCESS: Schema = [["success", "bool", true]];

function fail(name: JsErrorName): JsApiError {
  return new JsApiError(jsError(name));
}

/** CONSUMER.CREATE and CONSUMER.DURABLE.CREATE, with nats-server's subject checks. */
function consumerCreate(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  const r = decodeRequest<CreateConsumerRequest>(req.body, CREATE_CONSUMER_REQUEST);
  const cfg = r.config ?? {};
  const subject = req.subject;
  const n = numTokens(subject);
  let streamName: string;
  let consumerName = "";
  let filter = "";
  let kind: "ephemeral" | "durable" | "new";
  if (n === 5) {
    kind = "ephemeral";
    streamName = tokenAt(subject, 5);
  } else if (tokenAt(subject, 4) === "DURABLE") {
    kind = "durable";
    if (n !== 7) throw fail("JSConsumerDurableNameNotInSubjectErr");
    streamName = tokenAt(subject, 6);
    consumerName = tokenAt(subject, 7);
  } else {
    kind = "new";
    streamName = tokenAt(subject, 5);
    consumerName = tokenAt(subject, 6);
    if (n > 6) filter = subject.split(".").slice(6).join(".");
  }
  if (streamName !== (r.stream_name ?? "")) throw fail("JSStreamMismatchErr");
  if (consumerName !== "" && /[\\/]/.test(consumerName)) throw fail("JSConsumerNameContainsPathSeparatorsErr");
  if (kind === "durable") {
    if (!cfg.durable_name) throw fail("JSConsumerDurableNameNotSetErr");
    if (consumerName !== cfg.durable_name) throw fail("JSConsumerDurableNameNotMatchSubjectErr");
  }
  if (kind === "new") {
    if (cfg.durable_name && consumerName !== cfg.durable_name) throw fail("JSConsumerDurableNameNotMatchSubjectErr");
    cfg.name = consumerName;
  }
  if (kind === "ephemeral" && cfg.durable_name) throw fail("JSConsumerEphemeralWithDurableNameErr");
  if (filter !== "" && (cfg.filter_subjects ?? []).length !== 0) throw fail("JSConsumerMultipleFiltersNotAllowed");
  if (filter !== "" && cfg.filter_subject !== filter) throw fail("JSConsumerCreateFilterSubjectMismatchErr");
  if ((cfg.num_replicas ?? 0) > 1) throw fail("JSStreamReplicasNotSupportedErr");
  const stream = jsa.streams.get(r.stream_name ?? "");
  if (stream === undefined) throw fail("JSStreamNotFoundErr");
  const c = addConsumer(stream, cfg, r.action ?? "");
  return apiResponse(CREATE_TYPE, undefined, [c.info(), CONSUMER_INFO_FIELDS]);
}

function offsetOf(req: ApiRequest): number {
  if (isEmptyRequest(req.body)) return 0;
  return Math.max(0, decodeRequest<{ offset?: number }>(req.body, PAGE_REQUEST).offset ?? 0);
}

function publicConsumers(jsa: JsAccount, req: ApiRequest): Consumer[] {
  const stream = streamFor(jsa, req);
  return [...stream.consumers.values()].filter((c) => c.cfg.direct !== true).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function consumerNames(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  const offset = offsetOf(req);
  const all = publicConsumers(jsa, req);
  const off = Math.min(offset, all.length);
  const consumers = all.slice(off, off + NAMES_LIMIT).map((c) => c.name);
  return apiResponse(NAMES_TYPE, undefined, [{ total: all.length, offset: off, limit: NAMES_LIMIT, consumers }, NAMES_FIELDS]);
}

function consumerList(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  const offset = offsetOf(req);
  const all = publicConsumers(jsa, req);
  const off = Math.min(offset, all.length);
  const consumers = all.slice(off, off + LIST_LIMIT).map((c) => c.info());
  return apiResponse(LIST_TYPE, undefined, [{ total: all.length, offset: off, limit: LIST_LIMIT, consumers }, LIST_FIELDS]);
}

function consumerFor(jsa: JsAccount, req: ApiRequest): Consumer {
  const stream = streamFor(jsa, req);
  const c = stream.consumers.get(tokenAt(req.subject, 6));
  if (c === undefined) throw fail("JSConsumerNotFoundErr");
  return c;
}

function consumerInfo(_js: JetStream, jsa: JsAccount, req: ApiRequest): string {
  if (!isEmptyRequest(req.body)) throw fail("JSNotEmptyRequestErr");
  return apiResponse(INFO_TYPE, undefined, [consumerFor(jsa, req).info(), CONSUMER_INFO_FIELDS]);
}

async function consumerDelete(_js: JetStream, jsa: JsAccount, req: ApiRequest): Promise<string> {
  if (!isEmptyRequest(req.body)) throw fail("JSNotEmptyRequestErr");
  const c = consumerFor(jsa, req);
  await c.stop(true, true);
  return apiResponse(DELETE_TYPE, undefined, [{ success: true }, SUCCESS]);
}

/** Registers the consumer handlers. */
export function registerConsumerApi(router: ApiRouter): void {
  router.add("CONSUMER.CREATE.*", CREATE_TYPE, consumerCreate);
  router.add("CONSUMER.CREATE.*.>", CREATE_TYPE, consumerCreate);
  router.add("CONSUMER.DURABLE.CREATE.*.*", CREATE_TYPE, consumerCreate);
  router.add("CONSUMER.NAMES.*", NAMES_TYPE, consumerNames, {
    errorFields: [...PAGED_ERROR_FIELDS, ["consumers", "strs"]],
    errorDefaults: { consumers: [] },
  });
  router.add("CONSUMER.LIST.*", LIST_TYPE, consumerList, { errorFields: LIST_FIELDS, errorDefaults: { consumers: [] } });
  router.add("CONSUMER.INFO.*.*", INFO_TYPE, consumerInfo);
  router.add("CONSUMER.DELETE.*.*", DELETE_TYPE, consumerDelete);
}
