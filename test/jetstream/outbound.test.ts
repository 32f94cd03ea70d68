/**
 * The `$JS.ACK` reply written as bytes into a delivery's control line is the same as the
 * string form clients parse (ackReply), for edge and random values.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PubArg } from "../../src/protocol/pub-arg.js";
import { ackReply, fillAckPubArg, type AckTokens } from "../../src/jetstream/outbound.js";
import { prng } from "../helpers/prng.js";

test("byte-built ack replies and control lines match the string form", () => {
  const rnd = prng(10);
  const int = (max: number): number => Math.floor(rnd() * max);
  const cases: AckTokens[] = [
    { dc: 1, sseq: 1, dseq: 1, tsMs: 0, tsNs: 0, pending: 0 },
    { dc: 1, sseq: 9, dseq: 10, tsMs: 0, tsNs: 42, pending: 0 },
    { dc: 3, sseq: 2 ** 40, dseq: 2 ** 33, tsMs: 1_733_250_000_123, tsNs: 7, pending: 12345 },
    { dc: 1, sseq: 5, dseq: 5, tsMs: 1_733_250_000_000, tsNs: 999_999, pending: 1 },
  ];
  for (let i = 0; i < 500; i++) {
    cases.push({ dc: 1 + int(10), sseq: int(2 ** 45), dseq: int(2 ** 45), tsMs: int(2 ** 42), tsNs: int(1_000_000), pending: int(2 ** 32) });
  }
  const pa = new PubArg();
  const payload = Buffer.from("NATS/1.0\r\n\r\nhello\r\n");
  for (const t of cases) {
    fillAckPubArg(pa, "orders.x", "$JS.ACK.S.C.", t, 12, payload, payload.length);
    const reply = ackReply("$JS.ACK.S.C.", t);
    assert.equal(pa.arg.toString("latin1", pa.argStart, pa.argEnd), `orders.x ${reply} 12 ${payload.length - 2}`);
    assert.equal(pa.arg.toString("latin1", pa.replyStart, pa.replyEnd), reply);
  }
  fillAckPubArg(pa, "s", "$JS.ACK.S.C.", cases[0]!, -1, payload, payload.length);
  assert.equal(pa.arg.toString("latin1", pa.argStart, pa.argEnd), `s ${ackReply("$JS.ACK.S.C.", cases[0]!)} ${payload.length - 2}`);
});
