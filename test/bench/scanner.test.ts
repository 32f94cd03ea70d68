import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MsgScanner } from "../../src/bench/scanner.js";
import { REPLY_SPAN, replySubject } from "../../src/bench/worker.js";

interface Counts {
  msgs: number;
  payloadBytes: number;
  pings: number;
  pongs: number;
  errors: number;
  lastError: string;
  protocolErrors: number;
  lines: string[];
}

/** Feeds `chunks` to a fresh capturing scanner and returns what it counted. */
function scan(chunks: Uint8Array[], capture = true): Counts {
  const lines: string[] = [];
  const sc = new MsgScanner(capture ? (line, n) => lines.push(Buffer.from(line.subarray(0, n)).toString("latin1")) : null);
  for (const c of chunks) sc.feed(c);
  const { msgs, payloadBytes, pings, pongs, errors, lastError, protocolErrors } = sc;
  return { msgs, payloadBytes, pings, pongs, errors, lastError, protocolErrors, lines };
}

const b = (s: string): Buffer => Buffer.from(s, "latin1");

/** Whole, byte by byte, and split at every offset (and at every pair of offsets for short inputs). */
function everySplit(input: Buffer, expected: Omit<Counts, "lines"> & { lines?: string[] }): void {
  const check = (chunks: Uint8Array[], how: string): void => {
    const got = scan(chunks);
    const { lines, ...rest } = got;
    const { lines: wantLines, ...wantRest } = expected;
    assert.deepEqual(rest, wantRest, how);
    if (wantLines !== undefined) assert.deepEqual(lines, wantLines, how);
    // The non-capturing (hot) path counts the same.
    const plain = scan(chunks, false);
    assert.equal(plain.msgs, expected.msgs, `${how} (no capture)`);
    assert.equal(plain.payloadBytes, expected.payloadBytes, `${how} (no capture)`);
  };
  check([input], "whole");
  check([...input].map((x) => Uint8Array.of(x)), "byte by byte");
  for (let i = 0; i <= input.length; i++) check([input.subarray(0, i), input.subarray(i)], `split at ${i}`);
  if (input.length <= 80) {
    for (let i = 0; i <= input.length; i++) {
      for (let j = i; j <= input.length; j++) {
        check([input.subarray(0, i), input.subarray(i, j), input.subarray(j)], `split at ${i},${j}`);
      }
    }
  }
}

const zero = { pings: 0, pongs: 0, errors: 0, lastError: "", protocolErrors: 0 };

describe("MsgScanner", () => {
  test("one MSG", () => {
    everySplit(b("MSG foo 1 5\r\nhello\r\n"), { ...zero, msgs: 1, payloadBytes: 5, lines: ["MSG foo 1 5"] });
  });

  test("MSG with a reply subject and a zero-length payload", () => {
    everySplit(b("MSG foo.bar 22 _INBOX.x.y 0\r\n\r\n"), { ...zero, msgs: 1, payloadBytes: 0, lines: ["MSG foo.bar 22 _INBOX.x.y 0"] });
  });

  test("payload containing CRLF and protocol-looking bytes is skipped by size", () => {
    const payload = "MSG x 1 3\r\nPING\r\n";
    everySplit(b(`MSG a 1 ${payload.length}\r\n${payload}\r\nPONG\r\n`), {
      ...zero,
      msgs: 1,
      pongs: 1,
      payloadBytes: payload.length,
      lines: [`MSG a 1 ${payload.length}`],
    });
  });

  test("HMSG counts with the total size as payload", () => {
    const hdr = "NATS/1.0\r\nA: b\r\n\r\n";
    const total = hdr.length + 2;
    everySplit(b(`HMSG s 3 r ${hdr.length} ${total}\r\n${hdr}hi\r\n`), {
      ...zero,
      msgs: 1,
      payloadBytes: total,
      lines: [`HMSG s 3 r ${hdr.length} ${total}`],
    });
  });

  test("a realistic stream: INFO, +OK, PONG, messages, PING, subjects with digits", () => {
    const s =
      `INFO {"server_id":"X","max_payload":1048576}\r\n+OK\r\nPONG\r\n` +
      `MSG bench.1x2 1 16\r\n0123456789abcdef\r\nMSG bench.1x2 1 16\r\n0123456789abcdef\r\n` +
      `PING\r\nMSG a2 12 1\r\nz\r\nPONG\r\n`;
    everySplit(b(s), { ...zero, msgs: 3, payloadBytes: 33, pings: 1, pongs: 2 });
  });

  test("-ERR text is kept and counted", () => {
    everySplit(b("-ERR 'Authorization Violation'\r\nPONG\r\n"), {
      ...zero,
      msgs: 0,
      payloadBytes: 0,
      pongs: 1,
      errors: 1,
      lastError: "Authorization Violation",
      lines: [],
    });
  });

  test("unknown operations are counted and skipped to the end of the line", () => {
    everySplit(b("XYZ what\r\nMSG a 1 1\r\nx\r\n"), { ...zero, msgs: 1, payloadBytes: 1, protocolErrors: 1, lines: ["MSG a 1 1"] });
  });

  test("many messages of many sizes, split at every offset", () => {
    let s = "";
    let bytes = 0;
    for (let n = 0; n < 40; n++) {
      const p = "p".repeat(n * 7);
      s += `MSG t.${n} ${n} ${p.length}\r\n${p}\r\n`;
      bytes += p.length;
      if (n % 9 === 0) s += "PING\r\n";
    }
    everySplit(b(s), { ...zero, msgs: 40, payloadBytes: bytes, pings: 5 });
  });

  test("feed honours start and end", () => {
    const sc = new MsgScanner();
    const buf = b("garbageMSG a 1 2\r\nhi\r\ngarbage");
    sc.feed(buf, 7, buf.length - 7);
    assert.equal(sc.msgs, 1);
    assert.equal(sc.protocolErrors, 0);
  });
});

describe("replySubject", () => {
  const span = (line: string): string | null => {
    const buf = b(line);
    return replySubject(buf, buf.length) ? line.slice(REPLY_SPAN[0], REPLY_SPAN[1]) : null;
  };
  test("finds the reply of MSG and HMSG lines", () => {
    assert.equal(span("MSG foo 1 _INBOX.abc 16"), "_INBOX.abc");
    assert.equal(span("HMSG foo 1 _INBOX.abc 10 26"), "_INBOX.abc");
  });
  test("null without a reply", () => {
    assert.equal(span("MSG foo 1 16"), null);
    assert.equal(span("HMSG foo 1 10 26"), null);
  });
});
