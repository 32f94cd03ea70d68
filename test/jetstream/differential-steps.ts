/**
 * The request sequence of the differential test: account info, stream create (good and
 * bad), info/names/list, publishes with and without expectations, purge, get, delete,
 * consumer create (every subject form, good and bad), info/names/list/delete, and
 * not-found cases. Each step is a request; names key the known exceptions.
 */

export interface Step {
  name: string;
  subject: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const S = "$JS.API.STREAM.";
const C = "$JS.API.CONSUMER.";

const ordersCfg = { name: "ORDERS", subjects: ["orders.>"], storage: "memory" };

export const DIFF_STEPS: readonly Step[] = [
  { name: "account info, empty", subject: "$JS.API.INFO" },
  { name: "stream names, none", subject: `${S}NAMES` },
  { name: "stream list, none", subject: `${S}LIST` },
  { name: "create: bad json", subject: `${S}CREATE.BAD`, body: "{nope" },
  { name: "create: name mismatch", subject: `${S}CREATE.A`, body: { name: "B", subjects: ["a"] } },
  { name: "create: invalid name", subject: `${S}CREATE.A*`, body: { name: "A*" } },
  { name: "create: sealed", subject: `${S}CREATE.SEAL`, body: { name: "SEAL", sealed: true } },
  { name: "create: bad subject", subject: `${S}CREATE.BADSUB`, body: { name: "BADSUB", subjects: ["a..b"] } },
  { name: "create: duplicate subjects", subject: `${S}CREATE.DUP`, body: { name: "DUP", subjects: ["x", "x"] } },
  { name: "create: overlapping own subjects", subject: `${S}CREATE.OVL`, body: { name: "OVL", subjects: ["x.*", "x.y"] } },
  { name: "create: max age too small", subject: `${S}CREATE.AGE`, body: { name: "AGE", max_age: 1000 } },
  { name: "create: dup window > max age", subject: `${S}CREATE.WIN`, body: { name: "WIN", max_age: 1e9, duplicate_window: 2e9 } },
  { name: "create: rollup without purge", subject: `${S}CREATE.RP`, body: { name: "RP", deny_purge: true, allow_rollup_hdrs: true } },
  { name: "create: per-subject discard needs new", subject: `${S}CREATE.PS`, body: { name: "PS", discard_new_per_subject: true } },
  { name: "create: api overlap", subject: `${S}CREATE.API`, body: { name: "API", subjects: ["$JS.API.>"] } },
  { name: "create: mirror with subjects", subject: `${S}CREATE.M`, body: { name: "M", subjects: ["m"], mirror: { name: "ORDERS" } } },
  { name: "create: bad retention", subject: `${S}CREATE.RET`, body: { name: "RET", retention: "forever" } },
  { name: "create: replicas 3", subject: `${S}CREATE.R3`, body: { name: "R3", num_replicas: 3 } },
  { name: "create ORDERS", subject: `${S}CREATE.ORDERS`, body: ordersCfg },
  { name: "create ORDERS again, same", subject: `${S}CREATE.ORDERS`, body: ordersCfg },
  { name: "create ORDERS again, different", subject: `${S}CREATE.ORDERS`, body: { ...ordersCfg, max_msgs: 5 } },
  { name: "create: overlaps ORDERS", subject: `${S}CREATE.OTHER`, body: { name: "OTHER", subjects: ["orders.eu"] } },
  { name: "create WQ", subject: `${S}CREATE.WQ`, body: { name: "WQ", subjects: ["wq.>"], retention: "workqueue", storage: "memory" } },
  { name: "create LIM", subject: `${S}CREATE.LIM`, body: { name: "LIM", subjects: ["lim"], max_msgs: 2, discard: "new", storage: "memory" } },
  { name: "stream info", subject: `${S}INFO.ORDERS` },
  { name: "stream info: not found", subject: `${S}INFO.NOPE` },
  { name: "stream names", subject: `${S}NAMES` },
  { name: "stream names, subject filter", subject: `${S}NAMES`, body: { subject: "wq.a" } },
  { name: "stream names, offset", subject: `${S}NAMES`, body: { offset: 2 } },
  { name: "stream list", subject: `${S}LIST` },
  { name: "publish 1", subject: "orders.us.1", body: "one" },
  { name: "publish 2 with id", subject: "orders.eu.1", body: "two", headers: { "Nats-Msg-Id": "id-2" } },
  { name: "publish 2 duplicate", subject: "orders.eu.1", body: "two", headers: { "Nats-Msg-Id": "id-2" } },
  { name: "publish: wrong stream", subject: "orders.us.2", body: "x", headers: { "Nats-Expected-Stream": "WQ" } },
  { name: "publish: wrong last seq", subject: "orders.us.2", body: "x", headers: { "Nats-Expected-Last-Sequence": "7" } },
  { name: "publish: right last seq", subject: "orders.us.2", body: "three", headers: { "Nats-Expected-Last-Sequence": "2" } },
  { name: "publish: wrong subject seq", subject: "orders.us.2", body: "x", headers: { "Nats-Expected-Last-Subject-Sequence": "1" } },
  { name: "publish: wrong last msg id", subject: "orders.us.3", body: "x", headers: { "Nats-Expected-Last-Msg-Id": "nope" } },
  { name: "publish: rollup not allowed", subject: "orders.us.3", body: "x", headers: { "Nats-Rollup": "sub" } },
  { name: "publish 4", subject: "orders.us.3", body: "four" },
  { name: "publish lim 1", subject: "lim", body: "1" },
  { name: "publish lim 2", subject: "lim", body: "2" },
  { name: "publish lim 3: discard new", subject: "lim", body: "3" },
  { name: "stream info after publishes", subject: `${S}INFO.ORDERS` },
  { name: "stream info with subjects", subject: `${S}INFO.ORDERS`, body: { subjects_filter: "orders.us.>" } },
  { name: "msg get seq 1", subject: `${S}MSG.GET.ORDERS`, body: { seq: 1 } },
  { name: "msg get last by subject", subject: `${S}MSG.GET.ORDERS`, body: { last_by_subj: "orders.eu.1" } },
  { name: "msg get next by subject", subject: `${S}MSG.GET.ORDERS`, body: { seq: 1, next_by_subj: "orders.us.>" } },
  { name: "msg get: not found", subject: `${S}MSG.GET.ORDERS`, body: { seq: 99 } },
  { name: "msg get: empty request", subject: `${S}MSG.GET.ORDERS` },
  { name: "msg get: seq and last", subject: `${S}MSG.GET.ORDERS`, body: { seq: 1, last_by_subj: "x" } },
  { name: "msg delete 3", subject: `${S}MSG.DELETE.ORDERS`, body: { seq: 3 } },
  { name: "msg delete 3 again", subject: `${S}MSG.DELETE.ORDERS`, body: { seq: 3 } },
  { name: "msg delete no_erase", subject: `${S}MSG.DELETE.ORDERS`, body: { seq: 4, no_erase: true } },
  { name: "stream info after deletes", subject: `${S}INFO.ORDERS`, body: { deleted_details: true } },
  { name: "consumer create: ephemeral pull", subject: `${C}CREATE.ORDERS`, body: { stream_name: "ORDERS", config: { ack_policy: "explicit" } } },
  {
    name: "consumer create: ephemeral with durable",
    subject: `${C}CREATE.ORDERS`,
    body: { stream_name: "ORDERS", config: { durable_name: "D", ack_policy: "explicit" } },
  },
  {
    name: "consumer create: legacy durable",
    subject: `${C}DURABLE.CREATE.ORDERS.D1`,
    body: { stream_name: "ORDERS", config: { durable_name: "D1", ack_policy: "explicit" } },
  },
  {
    name: "consumer create: durable name mismatch",
    subject: `${C}DURABLE.CREATE.ORDERS.D1`,
    body: { stream_name: "ORDERS", config: { durable_name: "OTHER", ack_policy: "explicit" } },
  },
  {
    name: "consumer create: named",
    subject: `${C}CREATE.ORDERS.N1`,
    body: { stream_name: "ORDERS", config: { name: "N1", durable_name: "N1", ack_policy: "explicit", filter_subject: "orders.us.>" } },
  },
  {
    name: "consumer create: named with filter token",
    subject: `${C}CREATE.ORDERS.N2.orders.eu.>`,
    body: { stream_name: "ORDERS", config: { name: "N2", durable_name: "N2", ack_policy: "explicit", filter_subject: "orders.eu.>" } },
  },
  {
    name: "consumer create: filter token mismatch",
    subject: `${C}CREATE.ORDERS.N3.orders.eu.>`,
    body: { stream_name: "ORDERS", config: { name: "N3", durable_name: "N3", ack_policy: "explicit", filter_subject: "orders.us.>" } },
  },
  {
    name: "consumer create: stream mismatch",
    subject: `${C}CREATE.ORDERS`,
    body: { stream_name: "WQ", config: { ack_policy: "explicit" } },
  },
  {
    name: "consumer create: stream not found",
    subject: `${C}DURABLE.CREATE.NOPE.D`,
    body: { stream_name: "NOPE", config: { durable_name: "D", ack_policy: "explicit" } },
  },
  {
    name: "consumer create: deliver policy needs start seq",
    subject: `${C}DURABLE.CREATE.ORDERS.BADDP`,
    body: { stream_name: "ORDERS", config: { durable_name: "BADDP", deliver_policy: "by_start_sequence", ack_policy: "explicit" } },
  },
  {
    name: "consumer create: push with heartbeat",
    subject: `${C}DURABLE.CREATE.ORDERS.PUSH`,
    body: {
      stream_name: "ORDERS",
      config: { durable_name: "PUSH", deliver_subject: "deliver.push", ack_policy: "explicit", idle_heartbeat: 5e9, flow_control: true },
    },
  },
  {
    name: "consumer create: pull with heartbeat",
    subject: `${C}DURABLE.CREATE.ORDERS.PHB`,
    body: { stream_name: "ORDERS", config: { durable_name: "PHB", ack_policy: "explicit", idle_heartbeat: 5e9 } },
  },
  {
    name: "consumer create: wq needs explicit ack",
    subject: `${C}DURABLE.CREATE.WQ.W1`,
    body: { stream_name: "WQ", config: { durable_name: "W1", ack_policy: "none" } },
  },
  {
    name: "consumer create: wq first",
    subject: `${C}DURABLE.CREATE.WQ.W1`,
    body: { stream_name: "WQ", config: { durable_name: "W1", ack_policy: "explicit", filter_subject: "wq.a" } },
  },
  {
    name: "consumer create: wq overlapping",
    subject: `${C}DURABLE.CREATE.WQ.W2`,
    body: { stream_name: "WQ", config: { durable_name: "W2", ack_policy: "explicit", filter_subject: "wq.>" } },
  },
  { name: "consumer info", subject: `${C}INFO.ORDERS.D1` },
  { name: "consumer info: not found", subject: `${C}INFO.ORDERS.NOPE` },
  { name: "consumer info: stream not found", subject: `${C}INFO.NOPE.D1` },
  { name: "consumer names", subject: `${C}NAMES.ORDERS` },
  { name: "consumer list", subject: `${C}LIST.ORDERS` },
  { name: "pull next no_wait", subject: `${C}MSG.NEXT.ORDERS.D1`, body: { batch: 1, no_wait: true } },
  { name: "consumer info after a pull", subject: `${C}INFO.ORDERS.D1` },
  { name: "consumer delete", subject: `${C}DELETE.ORDERS.D1` },
  { name: "consumer delete again", subject: `${C}DELETE.ORDERS.D1` },
  { name: "purge: seq and keep", subject: `${S}PURGE.ORDERS`, body: { seq: 2, keep: 1 } },
  { name: "purge: filter keep", subject: `${S}PURGE.ORDERS`, body: { filter: "orders.us.>", keep: 1 } },
  { name: "purge: all", subject: `${S}PURGE.ORDERS` },
  { name: "stream info after purge", subject: `${S}INFO.ORDERS` },
  { name: "update: change storage", subject: `${S}UPDATE.ORDERS`, body: { ...ordersCfg, storage: "file" } },
  { name: "update: name mismatch", subject: `${S}UPDATE.ORDERS`, body: { ...ordersCfg, name: "X" } },
  { name: "update: not found", subject: `${S}UPDATE.NOPE`, body: { name: "NOPE", subjects: ["nope"] } },
  { name: "update: add subject", subject: `${S}UPDATE.ORDERS`, body: { ...ordersCfg, subjects: ["orders.>", "returns.>"] } },
  { name: "update: to workqueue", subject: `${S}UPDATE.ORDERS`, body: { ...ordersCfg, retention: "workqueue" } },
  { name: "account info with streams", subject: "$JS.API.INFO" },
  { name: "unknown api subject", subject: "$JS.API.FOO.BAR" },
  { name: "stream delete: body not empty", subject: `${S}DELETE.ORDERS`, body: { x: 1 } },
  { name: "stream delete", subject: `${S}DELETE.ORDERS` },
  { name: "stream delete: not found", subject: `${S}DELETE.ORDERS` },
];
