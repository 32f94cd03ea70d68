/**
 * JetStream advisories and metrics (nats-server jetstream_events.go): JSON events on
 * `$JS.EVENT.ADVISORY.>` and `$JS.EVENT.METRIC.>` in the stream's account. An event is
 * built only when someone listens on its subject, so they cost nothing otherwise.
 */
import { nuid } from "@nats-io/nuid";
import type { Account } from "../accounts/account.js";
import type { JetStream } from "./jetstream.js";
import { formatTime } from "./time.js";

export const ADVISORY_PREFIX = "$JS.EVENT.ADVISORY";
export const METRIC_PREFIX = "$JS.EVENT.METRIC";

/** Sends `fields` as a typed event (type, id, timestamp first) if `subject` has interest. */
export function sendAdvisory(js: JetStream, account: Account, subject: string, type: string, fields: () => Record<string, unknown>): void {
  if (!js.sender.hasInterest(account, subject)) return;
  const ev: Record<string, unknown> = { type, id: nuid.next(), timestamp: formatTime(js.clock()), ...fields() };
  if (js.config.domain !== "") ev.domain = js.config.domain;
  js.sender.send(account, subject, "", null, JSON.stringify(ev));
}

export type ActionKind = "create" | "delete" | "modify";
const STREAM_ACTION_SUBJECT: Record<ActionKind, string> = { create: "CREATED", delete: "DELETED", modify: "UPDATED" };

/** `$JS.EVENT.ADVISORY.STREAM.CREATED|DELETED|UPDATED.<stream>`. */
export function streamAction(js: JetStream, account: Account, stream: string, action: ActionKind): void {
  sendAdvisory(js, account, `${ADVISORY_PREFIX}.STREAM.${STREAM_ACTION_SUBJECT[action]}.${stream}`, "io.nats.jetstream.advisory.v1.stream_action", () => ({
    stream,
    action,
  }));
}

/** `$JS.EVENT.ADVISORY.CONSUMER.CREATED|DELETED.<stream>.<consumer>`. */
export function consumerAction(js: JetStream, account: Account, stream: string, consumer: string, action: "create" | "delete"): void {
  const what = action === "create" ? "CREATED" : "DELETED";
  sendAdvisory(js, account, `${ADVISORY_PREFIX}.CONSUMER.${what}.${stream}.${consumer}`, "io.nats.jetstream.advisory.v1.consumer_action", () => ({
    stream,
    consumer,
    action,
  }));
}

/** `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>`. */
export function maxDeliveries(js: JetStream, account: Account, stream: string, consumer: string, sseq: number, deliveries: number): void {
  sendAdvisory(js, account, `${ADVISORY_PREFIX}.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`, "io.nats.jetstream.advisory.v1.max_deliver", () => ({
    stream,
    consumer,
    stream_seq: sseq,
    deliveries,
  }));
}

/** `$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.<stream>.<consumer>`. */
export function nakAdvisory(js: JetStream, account: Account, stream: string, consumer: string, dseq: number, sseq: number, deliveries: number): void {
  sendAdvisory(js, account, `${ADVISORY_PREFIX}.CONSUMER.MSG_NAKED.${stream}.${consumer}`, "io.nats.jetstream.advisory.v1.nak", () => ({
    stream,
    consumer,
    consumer_seq: dseq,
    stream_seq: sseq,
    deliveries,
  }));
}

/** `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<stream>.<consumer>`. */
export function termAdvisory(
  js: JetStream,
  account: Account,
  stream: string,
  consumer: string,
  dseq: number,
  sseq: number,
  deliveries: number,
  reason: string,
): void {
  sendAdvisory(js, account, `${ADVISORY_PREFIX}.CONSUMER.MSG_TERMINATED.${stream}.${consumer}`, "io.nats.jetstream.advisory.v1.terminated", () => {
    const f: Record<string, unknown> = { stream, consumer, consumer_seq: dseq, stream_seq: sseq, deliveries };
    if (reason !== "") f.reason = reason;
    return f;
  });
}

/** `$JS.EVENT.METRIC.CONSUMER.ACK.<stream>.<consumer>`: sampled ack latency. */
export function ackMetric(js: JetStream, account: Account, stream: string, consumer: string, dseq: number, sseq: number, ackTimeNs: number, deliveries: number): void {
  sendAdvisory(js, account, `${METRIC_PREFIX}.CONSUMER.ACK.${stream}.${consumer}`, "io.nats.jetstream.metric.v1.consumer_ack", () => ({
    stream,
    consumer,
    consumer_seq: dseq,
    stream_seq: sseq,
    ack_time: Math.round(ackTimeNs),
    deliveries,
  }));
}
