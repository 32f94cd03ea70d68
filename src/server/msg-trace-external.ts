/**
 * Tracing triggered by a W3C trace context (nats-server 2.11 msgtrace.go, "external" traces):
 * a message without `Nats-Trace-Dest` but with a `traceparent` header whose flags have the
 * sampled bit (`00-<trace id>-<parent id>-01`) is traced when its account has a
 * `msg_trace { dest, sampling }` (or `trace_dest`): the document goes to the account's
 * destination, `Nats-Trace-Only` is not honoured, and the server the client published to
 * keeps only `sampling` percent of them. A message it does not keep carries
 * `Nats-Trace-Dest: trace disabled` onwards (an invalid subject, so no peer traces it);
 * nats-server 2.11 instead renames the header to `Xraceparent`, which 2.14 dropped because it
 * broke the application's own trace context, so tsnats does as 2.14.
 *
 * Cost when off: nothing unless the account has a trace destination, then one scan of the
 * header bytes of messages with headers.
 */
import type { Account } from "../accounts/account.js";
import { buildPubArg, type PubArg } from "../protocol/pub-arg.js";
import { hasTraceDest } from "./msg-trace.js";

const TRACEPARENT = "traceparent";
/** nats-server MsgTraceDestDisabled: not a valid subject, so never a destination. */
export const TRACE_DEST_DISABLED = "trace disabled";

/**
 * Whether a message with headers that `acc` receives from a route, leaf node or gateway is
 * traced: a `Nats-Trace-Dest`, or a sampled `traceparent` with the account's destination
 * set (sampling was decided on the first server).
 */
export function tracedFromLink(acc: Account, pa: PubArg): boolean {
  return hasTraceDest(pa) || (acc.traceDest !== null && hasSampledTraceparent(pa));
}

/**
 * True when one `traceparent` header (any case) has four dash-separated fields and flags of
 * two hex digits with the sampled bit set (nats-server genHeaderMapIfTraceHeadersPresent).
 */
export function hasSampledTraceparent(pa: PubArg): boolean {
  const text = pa.payloadBuf.toString("latin1", pa.payloadStart, pa.payloadStart + pa.hdr);
  let at = text.indexOf("\r\n");
  while (at >= 0 && at + 2 < text.length) {
    const next = text.indexOf("\r\n", at + 2);
    if (next < 0) break;
    const colon = text.indexOf(":", at + 2);
    if (colon > 0 && colon < next && text.slice(at + 2, colon).toLowerCase() === TRACEPARENT && sampledValue(text.slice(colon + 1, next).trim())) return true;
    at = next;
  }
  return false;
}

function sampledValue(v: string): boolean {
  const tk = v.split("-");
  const flags = tk[3];
  if (tk.length !== 4 || flags === undefined || !/^[0-9a-fA-F]{2}$/.test(flags)) return false;
  return (parseInt(flags, 16) & 1) === 1;
}

/**
 * Whether this message is among the account's `sampling` percent (nats-server sample():
 * `rand.Int31n(100) <= sampling`, 100 or more always).
 */
export function sampled(acc: Account): boolean {
  return acc.traceSampling >= 100 || Math.floor(Math.random() * 100) <= acc.traceSampling;
}

/**
 * `pa` with its headers' `Nats-Trace-Dest` (if any) set to `trace disabled` (payload copied):
 * also where a trace stops at an import without `allow_trace` (nats-server setHeader).
 */
export function withTraceDisabled(pa: PubArg): PubArg {
  const buf = pa.payloadBuf;
  const hdrEnd = pa.payloadStart + pa.hdr;
  const lines = buf.toString("latin1", pa.payloadStart, hdrEnd).slice(0, -4).split("\r\n");
  const kept = lines.filter((l, i) => i === 0 || !l.toLowerCase().startsWith("nats-trace-dest:"));
  const head = Buffer.from(`${kept.join("\r\n")}\r\nNats-Trace-Dest: ${TRACE_DEST_DISABLED}\r\n\r\n`, "latin1");
  const out = Buffer.concat([head, buf.subarray(hdrEnd, pa.payloadEnd)]);
  return buildPubArg(pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd), pa.arg.toString("latin1", pa.replyStart, pa.replyEnd), head.length, out, 0, out.length);
}
