/**
 * Route and leaf node verbs through the frame core: RMSG/HMSG/LMSG argument lines split
 * in place (account, subject, reply, queue names, origin, sizes), whole, byte by byte and
 * split at every offset; and what nats-server refuses.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LEAF_VERBS, Parser, ROUTE_VERBS, Verb, type ParserSink, type PubArg, type VerbTable } from "../../src/protocol/parser.js";

function field(pa: PubArg, start: number, end: number): string {
  return pa.arg.toString("latin1", start, end);
}

class Recorder implements ParserSink {
  events: string[] = [];
  processMsg(pa: PubArg): boolean {
    const payload = pa.payloadBuf.toString("latin1", pa.payloadStart, pa.payloadEnd - 2);
    this.events.push(
      [
        "MSG",
        `o=${field(pa, pa.originStart, pa.originEnd)}`,
        `a=${field(pa, pa.accountStart, pa.accountEnd)}`,
        `s=${field(pa, pa.subjectStart, pa.subjectEnd)}`,
        `r=${field(pa, pa.replyStart, pa.replyEnd)}`,
        `q=${field(pa, pa.queuesStart, pa.queuesEnd)}`,
        `h=${pa.hdr}`,
        `n=${pa.size}`,
        payload,
      ].join(" "),
    );
    return true;
  }
  processOp(verb: Verb, arg: Buffer): boolean {
    const names: Record<number, string> = { [Verb.RS_PLUS]: "RS+", [Verb.RS_MINUS]: "RS-", [Verb.LS_PLUS]: "LS+", [Verb.LS_MINUS]: "LS-" };
    this.events.push(`${names[verb] ?? verb} ${arg.toString("latin1")}`);
    return true;
  }
  processPing(): boolean {
    this.events.push("PING");
    return true;
  }
  processPong(): void {}
  processErr(): void {}
  protocolViolation(err: string | null, detail: string): void {
    this.events.push(`VIOLATION ${err} ${detail}`);
  }
  authViolation(): void {}
}

function parse(verbs: VerbTable, chunks: Buffer[]): string[] {
  const r = new Recorder();
  const p = new Parser(r, verbs, 1 << 20, Number.MAX_SAFE_INTEGER);
  for (const c of chunks) p.parse(c);
  return r.events;
}

function allSplits(verbs: VerbTable, input: string, expected: string[]): void {
  const buf = Buffer.from(input, "latin1");
  assert.deepEqual(parse(verbs, [buf]), expected, "whole");
  assert.deepEqual(parse(verbs, [...buf].map((b) => Buffer.from([b]))), expected, "byte by byte");
  for (let i = 1; i < buf.length; i++) assert.deepEqual(parse(verbs, [buf.subarray(0, i), buf.subarray(i)]), expected, `split at ${i}`);
}

describe("route verbs", () => {
  test("RMSG: plain, reply, queues only, reply and queues", () => {
    allSplits(
      ROUTE_VERBS,
      "RMSG $G foo 2\r\nhi\r\nRMSG $G foo _I.1 2\r\nhi\r\nRMSG $G foo | q1 q2 2\r\nhi\r\nRMSG acc foo + _I.2 q1 2\r\nhi\r\n",
      [
        "MSG o= a=$G s=foo r= q= h=-1 n=2 hi",
        "MSG o= a=$G s=foo r=_I.1 q= h=-1 n=2 hi",
        "MSG o= a=$G s=foo r= q=q1 q2 h=-1 n=2 hi",
        "MSG o= a=acc s=foo r=_I.2 q=q1 h=-1 n=2 hi",
      ],
    );
  });

  test("HMSG carries a header size; LMSG an origin cluster and always a header size", () => {
    allSplits(ROUTE_VERBS, "HMSG $G foo + r q 12 14\r\nNATS/1.0\r\n\r\nhi\r\nLMSG leafc $G foo | q 0 2\r\nhi\r\n", [
      "MSG o= a=$G s=foo r=r q=q h=12 n=14 NATS/1.0\r\n\r\nhi",
      "MSG o=leafc a=$G s=foo r= q=q h=0 n=2 hi",
    ]);
  });

  test("RS+/RS-/LS+/LS- are control lines", () => {
    allSplits(ROUTE_VERBS, "RS+ $G foo\r\nRS+ $G foo q 3\r\nRS- $G foo q\r\nLS+ lc $G bar\r\nLS- $G bar\r\nPING\r\n", [
      "RS+ $G foo",
      "RS+ $G foo q 3",
      "RS- $G foo q",
      "LS+ lc $G bar",
      "LS- $G bar",
      "PING",
    ]);
  });

  test("nats-server's refusals", () => {
    const one = (s: string): string => parse(ROUTE_VERBS, [Buffer.from(s, "latin1")])[0]!;
    assert.equal(one("RMSG $G 2\r\n"), "VIOLATION null processRoutedMsgArgs Parse Error: '[$G 2]'");
    assert.equal(one("RMSG $G foo ? r q 3\r\n"), "VIOLATION null processRoutedMsgArgs Bad or Missing Reply Indicator: '?'");
    assert.equal(one("RMSG $G foo x\r\n"), "VIOLATION null processRoutedMsgArgs Bad or Missing Size: '[$G foo x]'");
    assert.equal(one("HMSG $G foo 5 3\r\n"), "VIOLATION null processRoutedHeaderMsgArgs Header Size larger then TotalSize: '$G foo 5 3'");
    assert.equal(one("HMSG $G foo x 3\r\n"), "VIOLATION null processRoutedHeaderMsgArgs Bad or Missing Header Size: '$G foo x 3'");
    assert.match(one("PUB foo 2\r\nhi\r\n"), /^VIOLATION Unknown Protocol Operation/);
    assert.match(one("SUB foo 1\r\n"), /^VIOLATION Unknown Protocol Operation/);
  });
});

describe("leaf node verbs", () => {
  test("LMSG and HMSG have no account", () => {
    allSplits(LEAF_VERBS, "LMSG foo 2\r\nhi\r\nLMSG foo + r q1 q2 2\r\nhi\r\nHMSG foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", [
      "MSG o= a= s=foo r= q= h=-1 n=2 hi",
      "MSG o= a= s=foo r=r q=q1 q2 h=-1 n=2 hi",
      "MSG o= a= s=foo r=r q= h=12 n=14 NATS/1.0\r\n\r\nhi",
    ]);
  });

  test("a leaf may not send route verbs", () => {
    assert.match(parse(LEAF_VERBS, [Buffer.from("RMSG $G foo 2\r\nhi\r\n")])[0]!, /^VIOLATION Unknown Protocol Operation/);
    assert.match(parse(LEAF_VERBS, [Buffer.from("RS+ $G foo\r\n")])[0]!, /^VIOLATION Unknown Protocol Operation/);
  });
});
