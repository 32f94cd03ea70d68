/**
 * The one message-line encoder of server links (routes, leaf nodes, gateways): every form
 * byte for byte as nats-server writes it, and the measured length exact (or, with the
 * headers cut off for a gateway peer without headers, never short).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { routedMsgLineLength, writeRoutedMsg } from "../../src/protocol/encode.js";
import { Outbound } from "../../src/protocol/outbound.js";
import { buildPubArg } from "../../src/protocol/pub-arg.js";

const enc = (s: string | null): Uint8Array | null => (s === null ? null : Buffer.from(s, "latin1"));

interface Case {
  name: string;
  subject: string;
  reply: string;
  payload: string;
  hdr: number;
  verb: "R" | "L";
  account: string | null;
  queues: string;
  origin: string | null;
  prefix: string | null;
  strip: boolean;
  want: string;
}

function write(c: Case): { text: string; lineLen: number; line: number } {
  const payload = Buffer.from(`${c.payload}\r\n`, "latin1");
  const pa = buildPubArg(c.subject, c.reply, c.hdr, payload, 0, payload.length);
  const out = new Outbound();
  const queues = Buffer.from(c.queues, "latin1");
  const lineLen = routedMsgLineLength(pa, enc(c.account), queues.length, enc(c.origin), enc(c.prefix), c.strip);
  out.ensure(lineLen + payload.length);
  writeRoutedMsg(out, pa, c.verb.charCodeAt(0), enc(c.account), queues, queues.length, enc(c.origin), enc(c.prefix), c.strip);
  const text = out.buf.toString("latin1", 0, out.len);
  return { text, lineLen, line: text.indexOf("\r\n") + 2 };
}

const base = { reply: "", hdr: -1, verb: "R", account: "$G", queues: "", origin: null, prefix: null, strip: false } as const;
const HDR = "NATS/1.0\r\n\r\n";

const CASES: Case[] = [
  { ...base, name: "route RMSG", subject: "foo", payload: "hi", want: "RMSG $G foo 2\r\nhi\r\n" },
  { ...base, name: "route RMSG reply", subject: "foo", reply: "_INBOX.1", payload: "hi", want: "RMSG $G foo _INBOX.1 2\r\nhi\r\n" },
  { ...base, name: "route queues", subject: "foo", queues: "q1 q2 ", payload: "hi", want: "RMSG $G foo | q1 q2 2\r\nhi\r\n" },
  { ...base, name: "route reply + queues", subject: "foo", reply: "r", queues: "q1 ", payload: "hi", want: "RMSG $G foo + r q1 2\r\nhi\r\n" },
  { ...base, name: "route HMSG", subject: "foo", hdr: HDR.length, payload: `${HDR}hi`, want: `HMSG $G foo 12 14\r\n${HDR}hi\r\n` },
  { ...base, name: "route LMSG of a leaf", subject: "foo", origin: "leafc", payload: "hi", want: "LMSG leafc $G foo 0 2\r\nhi\r\n" },
  { ...base, name: "leaf LMSG", verb: "L", account: null, subject: "foo", reply: "r", payload: "hi", want: "LMSG foo r 2\r\nhi\r\n" },
  { ...base, name: "leaf HMSG", verb: "L", account: null, subject: "foo", hdr: HDR.length, payload: `${HDR}x`, want: `HMSG foo 12 13\r\n${HDR}x\r\n` },
  {
    ...base,
    name: "gateway _GR_. reply and queues",
    subject: "svc",
    reply: "_INBOX.a",
    queues: "q ",
    prefix: "_GR_.abcdef.ghijkl.",
    payload: "hi",
    want: "RMSG $G svc + _GR_.abcdef.ghijkl._INBOX.a q 2\r\nhi\r\n",
  },
  {
    ...base,
    name: "gateway, headers cut for a peer without them",
    subject: "foo",
    hdr: HDR.length,
    payload: `${HDR}${"x".repeat(90)}`,
    strip: true,
    want: `RMSG $G foo ${90}\r\n${"x".repeat(90)}\r\n`,
  },
];

describe("writeRoutedMsg", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const { text, lineLen, line } = write(c);
      assert.equal(text, c.want);
      if (c.strip) assert.ok(line <= lineLen, `${line} <= ${lineLen}`);
      else assert.equal(line, lineLen);
    });
  }
});
