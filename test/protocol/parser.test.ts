/**
 * The parser alone, with a recording sink: every input fed whole, byte by byte, and
 * split at every offset must give the same events (nats-server parser_test.go style).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { argText, CLIENT_VERBS, Parser, Verb, type ParserSink, type PubArg } from "../../src/protocol/parser.js";
import { prng } from "../helpers/prng.js";

class Recorder implements ParserSink {
  events: string[] = [];
  parser: Parser | null = null;
  processMsg(pa: PubArg): boolean {
    const subject = pa.arg.toString("latin1", pa.subjectStart, pa.subjectEnd);
    const reply = pa.arg.toString("latin1", pa.replyStart, pa.replyEnd);
    const payload = pa.payloadBuf.toString("latin1", pa.payloadStart, pa.payloadEnd);
    this.events.push(`MSG ${subject}|${reply}|${pa.hdr}|${pa.size}|${JSON.stringify(payload)}|${argText(pa)}`);
    return true;
  }
  processOp(verb: Verb, arg: Buffer): boolean {
    const name = verb === Verb.SUB ? "SUB" : verb === Verb.UNSUB ? "UNSUB" : verb === Verb.CONNECT ? "CONNECT" : "INFO";
    this.events.push(`${name} ${arg.toString("latin1")}`);
    // As the connection does once CONNECT is accepted.
    if (verb === Verb.CONNECT && this.parser) this.parser.awaitingConnect = false;
    return true;
  }
  processPing(): boolean {
    this.events.push("PING");
    return true;
  }
  processPong(): void {
    this.events.push("PONG");
  }
  processErr(arg: Buffer): void {
    this.events.push(`ERR ${arg.toString("latin1")}`);
  }
  protocolViolation(clientError: string | null): void {
    this.events.push(`VIOLATION ${clientError}`);
  }
  authViolation(): void {
    this.events.push("AUTH");
  }
}

function parseChunks(chunks: Buffer[], setup?: (p: Parser) => void): string[] {
  const r = new Recorder();
  const p = new Parser(r, CLIENT_VERBS, 64, 1024);
  r.parser = p;
  p.headers = true;
  setup?.(p);
  for (const c of chunks) p.parse(c);
  return r.events;
}

/** Feeds `input` whole, byte by byte, and split at every single offset; all must agree. */
function assertAllSplits(input: string, expected: string[], setup?: (p: Parser) => void): void {
  const buf = Buffer.from(input, "latin1");
  assert.deepEqual(parseChunks([buf], setup), expected, "whole");
  const bytes = [...buf].map((b) => Buffer.from([b]));
  assert.deepEqual(parseChunks(bytes, setup), expected, "byte by byte");
  for (let i = 1; i < buf.length; i++) {
    assert.deepEqual(parseChunks([buf.subarray(0, i), buf.subarray(i)], setup), expected, `split at ${i}`);
  }
}

describe("client parser", () => {
  test("PING, PONG, +OK, INFO in any case", () => {
    assertAllSplits("PING\r\nping\r\nPONG\r\n+OK\r\nINFO {}\r\n", ["PING", "PING", "PONG", "INFO {}"]);
  });

  test("PUB with and without reply; payload includes its CRLF", () => {
    assertAllSplits("PUB foo 5\r\nhello\r\nPUB foo.bar _INBOX.1 2\r\nhi\r\n", [
      'MSG foo||-1|5|"hello\\r\\n"|foo 5',
      'MSG foo.bar|_INBOX.1|-1|2|"hi\\r\\n"|foo.bar _INBOX.1 2',
    ]);
  });

  test("payload bytes that look like protocol are payload", () => {
    assertAllSplits("PUB a 6\r\nPING\r\n\r\nPING\r\n", ['MSG a||-1|6|"PING\\r\\n\\r\\n"|a 6', "PING"]);
  });

  test("HPUB", () => {
    assertAllSplits("HPUB h r 12 14\r\nNATS/1.0\r\n\r\nxx\r\n", ['MSG h|r|12|14|"NATS/1.0\\r\\n\\r\\nxx\\r\\n"|h r 12 14']);
  });

  test("tabs, extra spaces and a zero-length payload", () => {
    assertAllSplits("pub\tz\t\t0\r\n\r\nSUB  q  g 7 \r\nUNSUB 7 3\r\n", ['MSG z||-1|0|"\\r\\n"|z\t\t0', "SUB q  g 7 ", "UNSUB 7 3"]);
  });

  test("CONNECT and SUB", () => {
    assertAllSplits('CONNECT {"verbose":false}\r\nSUB a.* q 1\r\n', ['CONNECT {"verbose":false}', "SUB a.* q 1"]);
  });

  test("unknown operation", () => {
    assertAllSplits("PING\r\nXYZ\r\nPING\r\n", ["PING", "VIOLATION Unknown Protocol Operation"]);
  });

  test("payload not followed by CRLF", () => {
    assertAllSplits("PUB a 1\r\nxy\r\n", ["VIOLATION Unknown Protocol Operation"]);
  });

  test("max payload is checked before the payload arrives", () => {
    assertAllSplits("PUB a 2048\r\n", ["VIOLATION Maximum Payload Violation"]);
  });

  test("max control line, whole line and split", () => {
    assertAllSplits(`SUB ${"x".repeat(80)} 1\r\n`, ["VIOLATION maximum control line exceeded"]);
    assertAllSplits(`PUB ${"x".repeat(80)}`, ["VIOLATION maximum control line exceeded"]);
  });

  test("malformed PUB arguments close silently", () => {
    assertAllSplits("PUB a\r\n", ["VIOLATION null"]);
    assertAllSplits("PUB a b c d\r\n", ["VIOLATION null"]);
    assertAllSplits("PUB a 12x\r\n", ["VIOLATION null"]);
  });

  test("HPUB refused before CONNECT said headers", () => {
    assertAllSplits("HPUB a 2 2\r\n\r\n\r\n", ["VIOLATION null"], (p) => (p.headers = false));
  });

  test("an op other than CONNECT while authentication is pending", () => {
    assertAllSplits("PING\r\n", ["AUTH"], (p) => (p.awaitingConnect = true));
    assertAllSplits('CONNECT {}\r\nPING\r\n', ["CONNECT {}", "PING"], (p) => (p.awaitingConnect = true));
  });

  test("-ERR from a client", () => {
    assertAllSplits("-ERR 'oops'\r\n", ["ERR 'oops'"]);
  });

  test("PUB lines of every shape: the one-pass fast path (whole) agrees with the general one (split)", () => {
    // Whole frames take pubFrame; one byte at a time they never can (nothing is whole).
    const rnd = prng(13);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const token = (): string => pick(["a", "foo.bar", "_INBOX.x7", "x".repeat(20 + Math.floor(rnd() * 40)), ""]);
    const sep = (): string => pick([" ", " ", " ", "  ", "\t"]);
    const size = (): string => pick(["0", "3", "5", "12", "1024", "2048", "0003", "1234567890", "-1", "3x", ""]);
    const eol = (): string => pick(["\r\n", "\r\n", "\n", "\r\r\n"]);
    for (let n = 0; n < 400; n++) {
      const fields = rnd() < 0.5 ? [token(), size()] : [token(), token(), size()];
      if (rnd() < 0.05) fields.push(size());
      const line = `${pick(["PUB", "pub"])} ${fields.join(sep())}${eol()}`;
      const declared = Number.parseInt(fields[fields.length - 1]!, 10);
      const body = Number.isFinite(declared) && declared >= 0 && declared <= 1024 ? "y".repeat(rnd() < 0.9 ? declared : declared + 1) : "";
      const input = Buffer.from(`${line}${body}\r\nPING\r\n`, "latin1");
      const whole = parseChunks([input]);
      const bytes = parseChunks([...input].map((b) => Buffer.from([b])));
      assert.deepEqual(whole, bytes, JSON.stringify(input.toString("latin1")));
    }
  });
});

describe("client parser suspend/resume", () => {
  test("input after a suspending CONNECT is held, in order, until resume", () => {
    const r = new Recorder();
    const p = new Parser(r, CLIENT_VERBS, 64, 1024);
    r.parser = p;
    const op = r.processOp.bind(r);
    r.processOp = (verb: Verb, arg: Buffer): boolean => {
      op(verb, arg);
      if (verb === Verb.CONNECT) p.suspend();
      return true;
    };
    p.parse(Buffer.from("CONNECT {}\r\nSUB a 1\r\nPUB a 2\r\n", "latin1"));
    p.parse(Buffer.from("hi\r\nPING\r\n", "latin1"));
    assert.deepEqual(r.events, ["CONNECT {}"]);
    p.resume();
    assert.deepEqual(r.events, ["CONNECT {}", "SUB a 1", 'MSG a||-1|2|"hi\\r\\n"|a 2', "PING"]);
  });
});
