/**
 * A traced message reaching a stream (nats-server 2.11 msgtrace.go addJetStreamEvent,
 * updateJetStreamEvent, sendEventFromJetStream): the `js` event names the stream and the
 * subject, `nointerest` when an interest-retention stream had no consumer for it (skipped,
 * not stored), and the `error` the stream's processing ended with (a refused publish as
 * `description (err_code)`, a duplicate, a store failure). Trace-only stores nothing but
 * still reports `nointerest`. The stream's processing is synchronous, so its outcome is read
 * right after delivery (Stream.traceError / traceNoInterest).
 */
import type { Account } from "../accounts/account.js";
import type { PubArg } from "../protocol/pub-arg.js";
import type { Connection } from "./connection.js";
import { deliver } from "./deliver.js";
import type { MsgTrace } from "./msg-trace.js";
import type { Server } from "./server.js";
import type { Subscription } from "./subscription.js";

/**
 * Delivers (unless trace-only) through `sub` to the stream capture subscription `capture` held
 * in `account` (`sub` itself, or a stream import's shadow of it), recording the `js` event for
 * `subject` as the stream sees it.
 */
export function deliverTracedToStream(
  t: MsgTrace,
  server: Server,
  producer: Connection,
  account: Account,
  sub: Subscription,
  capture: Subscription,
  subject: string,
  pa: PubArg,
): void {
  const name = server.jetstreamStreamOf(capture);
  const stream = server.jetstream?.accountFor(account)?.streams.get(name) ?? null;
  if (t.only) {
    t.jetstream(name, subject, stream?.noInterestFor(subject) ?? false, "");
    return;
  }
  deliver(server, producer, sub, pa);
  if (stream === null) t.jetstream(name, subject, false, "");
  else t.jetstream(name, subject, stream.traceNoInterest, stream.traceError);
}
