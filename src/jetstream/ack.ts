/**
 * The reply subject of a delivered message, which the client acks on (nats-server 2.10
 * consumer.go ackReplyT): `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`,
 * nine tokens, `ts` the store time in nanoseconds. 2.10 accepts only this form (the
 * domain/account-hash form with twelve tokens arrived later), so it is the one parsed here.
 * And the acknowledgement verbs a client sends on it.
 */

export const ACK_PREFIX = "$JS.ACK.";
const ACK_TOKENS = 9;

/** What an ack reply subject encodes. */
export interface AckInfo {
  /** Delivery count (1 for the first delivery). */
  dc: number;
  sseq: number;
  dseq: number;
}

/** The subject prefix for a consumer's acks (`$JS.ACK.<stream>.<consumer>.`). */
export function ackPrefix(stream: string, consumer: string): string {
  return `${ACK_PREFIX}${stream}.${consumer}.`;
}

/** Parses `subject` into `out`; false unless it has the nine-token form. */
export function parseAckReply(subject: string, out: AckInfo): boolean {
  let tokens = 0;
  let start = 0;
  let dc = -1;
  let sseq = -1;
  let dseq = -1;
  for (let i = 0; i <= subject.length; i++) {
    if (i < subject.length && subject.charCodeAt(i) !== 46) continue;
    tokens++;
    if (tokens === 5) dc = parseNum(subject, start, i);
    else if (tokens === 6) sseq = parseNum(subject, start, i);
    else if (tokens === 7) dseq = parseNum(subject, start, i);
    start = i + 1;
  }
  if (tokens !== ACK_TOKENS || !subject.startsWith(ACK_PREFIX)) return false;
  out.dc = dc < 0 ? 0 : dc;
  out.sseq = sseq < 0 ? 0 : sseq;
  out.dseq = dseq < 0 ? 0 : dseq;
  return true;
}

/** nats-server parseAckReplyNum: decimal digits only, else -1. */
function parseNum(s: string, start: number, end: number): number {
  if (end <= start) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** The ack verbs (nats-server AckAck, AckNak...), as byte prefixes of the ack body. */
export const enum AckKind {
  Ack,
  Nak,
  Progress,
  Next,
  Term,
  Unknown,
}

function startsWith(body: Buffer, text: string): boolean {
  if (body.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (body[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Classifies an ack body: empty, `+ACK` or `+OK` ack; `-NAK`, `+WPI`, `+NXT`, `+TERM`. */
export function ackKind(body: Buffer): AckKind {
  if (body.length === 0) return AckKind.Ack;
  if (equals(body, "+ACK") || equals(body, "+OK")) return AckKind.Ack;
  if (startsWith(body, "+NXT")) return AckKind.Next;
  if (startsWith(body, "-NAK")) return AckKind.Nak;
  if (equals(body, "+WPI")) return AckKind.Progress;
  if (startsWith(body, "+TERM")) return AckKind.Term;
  return AckKind.Unknown;
}

function equals(body: Buffer, text: string): boolean {
  return body.length === text.length && startsWith(body, text);
}
