/**
 * Protocol conformance: raw bytes in, exact bytes out. Each case's expected reply was
 * taken from nats-server 2.9.10; where nats-server is installed the same cases run
 * against it too, so the table stays true to the reference.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type NatsServer } from "../../src/index.js";
import { exchange, RawConn } from "../helpers/raw.js";
import { natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";

interface Case {
  name: string;
  input: string;
  /** What the server sends after INFO. */
  output: string;
  closed: boolean;
}

const C = (verbose: boolean, extra = ""): string => `CONNECT {"verbose":${verbose}${extra}}\r\n`;
const LONG = "a".repeat(5000);
/** A string's UTF-8 bytes as the latin1 text `exchange` sends byte for byte. */
const utf8 = (s: string): string => Buffer.from(s, "utf8").toString("latin1");

/** `CONNECT <json>` then PING: a case that stays open ends at its PONG. */
function connectCase(name: string, json: string, output: string, closed: boolean): Case {
  return { name, input: `CONNECT ${json}\r\nPING\r\n`, output, closed };
}

export const CASES: Case[] = [
  { name: "PING", input: "PING\r\n", output: "PONG\r\n", closed: false },
  { name: "lower-case verb", input: "ping\r\n", output: "PONG\r\n", closed: false },
  { name: "bare LF", input: "PING\n", output: "PONG\r\n", closed: false },
  { name: "unknown verb", input: "FOO\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "leading space", input: "  PING\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "broken verb", input: "PI NG\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "MSG from a client", input: "MSG a 1 1\r\nx\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "PUB without args", input: "PUB\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "PUB with empty args", input: "PUB \r\n", output: "", closed: true },
  { name: "PUB missing size", input: "PUB a\r\n", output: "", closed: true },
  { name: "PUB too many args", input: "PUB a b c d\r\n", output: "", closed: true },
  { name: "PUB negative size", input: "PUB a -1\r\n", output: "", closed: true },
  { name: "PUB bad size", input: "PUB a x\r\n", output: "", closed: true },
  { name: "payload longer than size", input: "PUB a 1\r\nxx\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "payload without CRLF", input: "PUB foo 2\r\nhiXX\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "max payload", input: "PUB a 2000000\r\n", output: "-ERR 'Maximum Payload Violation'\r\n", closed: true },
  { name: "max control line (SUB)", input: `SUB ${LONG} 1\r\n`, output: "-ERR 'maximum control line exceeded'\r\n", closed: true },
  { name: "max control line (split PUB)", input: `PUB foo ${LONG}`, output: "-ERR 'maximum control line exceeded'\r\n", closed: true },
  { name: "SUB without args", input: "SUB\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "SUB missing sid", input: "SUB a\r\n", output: "", closed: true },
  { name: "SUB too many args", input: "SUB a b c 1\r\n", output: "", closed: true },
  { name: "UNSUB without args", input: "SUB a 1\r\nUNSUB\r\n", output: "+OK\r\n-ERR 'Unknown Protocol Operation'\r\n", closed: true },
  { name: "UNSUB too many args", input: "UNSUB 1 2 3\r\n", output: "", closed: true },
  { name: "UNSUB unknown sid", input: "UNSUB x\r\n", output: "+OK\r\n", closed: false },
  { name: "verbose by default", input: "SUB a 1\r\nSUB a 1\r\nPING\r\n", output: "+OK\r\n+OK\r\nPONG\r\n", closed: false },
  { name: "verbose CONNECT", input: `${C(true)}PING\r\n`, output: "+OK\r\nPONG\r\n", closed: false },
  { name: "bad CONNECT json", input: "CONNECT {bad json\r\n", output: "", closed: true },
  { name: "client PONG, +OK, INFO ignored", input: "PONG\r\n+OK\r\nINFO {}\r\n", output: "", closed: false },
  { name: "client -ERR closes", input: "-ERR foo\r\n", output: "", closed: true },
  {
    name: "pedantic subjects",
    input: `${C(true, ',"pedantic":true')}PUB a.*.b 1\r\nx\r\nSUB a..b 1\r\nSUB a 1\r\nPUB a 1\r\nx\r\n`,
    output: "+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\n-ERR 'Invalid Subject'\r\n+OK\r\n+OK\r\nMSG a 1 1\r\nx\r\n",
    closed: false,
  },
  {
    name: "pedantic still delivers a wildcard publish",
    input: `${C(false, ',"pedantic":true')}SUB a.> 1\r\nPUB a.> 1\r\nx\r\nSUB >.a 2\r\nSUB a b\r\nPING\r\n`,
    output: "-ERR 'Invalid Publish Subject'\r\nMSG a.> 1 1\r\nx\r\n-ERR 'Invalid Subject'\r\nPONG\r\n",
    closed: false,
  },
  {
    name: "invalid subject without pedantic",
    input: `${C(false, ',"pedantic":false')}SUB a..b 1\r\nPUB a.* 1\r\nx\r\nPING\r\n`,
    output: "-ERR 'Invalid Subject'\r\nPONG\r\n",
    closed: false,
  },
  {
    name: "echo and reply",
    input: `CONNECT {"echo":true}\r\nSUB foo 1\r\nPUB foo bar 2\r\nhi\r\nPING\r\n`,
    output: "+OK\r\n+OK\r\n+OK\r\nMSG foo 1 bar 2\r\nhi\r\nPONG\r\n",
    closed: false,
  },
  { name: "queue sub", input: "SUB foo q 1\r\nPUB foo 2\r\nhi\r\nPING\r\n", output: "+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\nPONG\r\n", closed: false },
  { name: "echo false", input: `${C(false, ',"echo":false')}SUB b 1\r\nPUB b 1\r\nx\r\nPING\r\n`, output: "PONG\r\n", closed: false },
  {
    name: "tabs and extra spaces",
    input: `${C(false)}SUB b 1 \r\nPUB b  2\r\nxx\r\nPUB\tb\t3\r\nxxx\r\nPING\r\n`,
    output: "MSG b 1 2\r\nxx\r\nMSG b 1 3\r\nxxx\r\nPONG\r\n",
    closed: false,
  },
  {
    name: "UNSUB with max",
    input: `${C(false)}SUB a 1 2\r\nUNSUB 1 1\r\nPUB a 1\r\nx\r\nPUB a 1\r\ny\r\nPING\r\n`,
    output: "MSG a 2 1\r\nx\r\nMSG a 2 1\r\ny\r\nPONG\r\n",
    closed: false,
  },
  {
    name: "auto-unsubscribe",
    input: `${C(false)}SUB a 9\r\nUNSUB 9 2\r\nPUB a 1\r\nx\r\nPUB a 1\r\ny\r\nPUB a 1\r\nz\r\nPING\r\n`,
    output: "MSG a 9 1\r\nx\r\nMSG a 9 1\r\ny\r\nPONG\r\n",
    closed: false,
  },
  { name: "HPUB without headers", input: `${C(false)}HPUB a 5 3\r\n`, output: "", closed: true },
  { name: "HPUB before CONNECT", input: "HPUB a 3 5\r\nNATS/1.0\r\n\r\n\r\n", output: "", closed: true },
  {
    name: "HPUB to HMSG",
    input: `${C(false, ',"headers":true')}SUB b 1\r\nHPUB b r 12 14\r\nNATS/1.0\r\n\r\nxx\r\nPING\r\n`,
    output: "HMSG b 1 r 12 14\r\nNATS/1.0\r\n\r\nxx\r\nPONG\r\n",
    closed: false,
  },
  { name: "HPUB header larger than total", input: `${C(false, ',"headers":true')}HPUB a 20 14\r\nNATS/1.0\r\n\r\nxx\r\n`, output: "", closed: true },
  {
    name: "no responders",
    input: `${C(false, ',"headers":true,"no_responders":true')}HPUB b r 12 14\r\nNATS/1.0\r\n\r\nxx\r\nSUB r 1\r\nHPUB b r 0 0\r\n\r\nPING\r\n`,
    output: "HMSG r 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n",
    closed: false,
  },
  {
    name: "no responders requires headers",
    input: `${C(false, ',"no_responders":true')}PING\r\n`,
    output: "-ERR 'no responders requires headers support'\r\n",
    closed: true,
  },
  { name: "bad protocol version", input: `${C(false, ',"protocol":2}')}PING\r\n`.replace("}}", "}"), output: "-ERR 'invalid client protocol'\r\n", closed: true },
  { name: "zero-length payload", input: `${C(false)}SUB z 1\r\nPUB z 0\r\n\r\nPING\r\n`, output: "MSG z 1 0\r\n\r\nPONG\r\n", closed: false },
  // CONNECT's JSON is Go's json.Unmarshal into ClientOpts: wrong types, arrays and trailing
  // garbage close without -ERR; null is a no-op; keys fold case; unknown fields are ignored.
  connectCase("CONNECT array", "[1,2]", "", true),
  connectCase("CONNECT null", "null", "+OK\r\nPONG\r\n", false),
  connectCase("CONNECT empty object", "{}", "+OK\r\nPONG\r\n", false),
  connectCase("CONNECT string", '"x"', "", true),
  connectCase("CONNECT wrong types", '{"verbose":"yes","protocol":"x","name":5}', "", true),
  connectCase("CONNECT boolean as string", '{"verbose":"false"}', "", true),
  connectCase("CONNECT boolean as number", '{"echo":0}', "", true),
  connectCase("CONNECT number as string", '{"protocol":"1"}', "", true),
  connectCase("CONNECT fractional protocol", '{"protocol":1.0}', "", true),
  connectCase("CONNECT exponent protocol", '{"protocol":1e0}', "", true),
  connectCase("CONNECT protocol -0", '{"protocol":-0}', "+OK\r\nPONG\r\n", false),
  connectCase("CONNECT protocol max int64", '{"protocol":9223372036854775807}', "-ERR 'invalid client protocol'\r\n", true),
  connectCase("CONNECT protocol overflows int64", '{"protocol":9223372036854775808}', "", true),
  connectCase("CONNECT null fields", '{"verbose":null,"protocol":null,"name":null}', "+OK\r\nPONG\r\n", false),
  connectCase("CONNECT unknown nested fields", '{"verbose":false,"foo":{"a":[1,{"b":null}]},"bar":[]}', "PONG\r\n", false),
  connectCase("CONNECT object for a string", '{"verbose":false,"name":{"a":1}}', "", true),
  connectCase("CONNECT long name", `{"verbose":false,"name":"${"x".repeat(3000)}"}`, "PONG\r\n", false),
  connectCase("CONNECT name over max control line", `{"verbose":false,"name":"${LONG}"}`, "-ERR 'maximum control line exceeded'\r\n", true),
  connectCase("CONNECT unicode name", utf8('{"verbose":false,"name":"h\u00e9llo \u2603 \ud83d\ude00"}'), "PONG\r\n", false),
  connectCase("CONNECT control character in a string", '{"verbose":false,"name":"a\u0001"}', "", true),
  connectCase("CONNECT duplicate keys, last wins", '{"verbose":true,"verbose":false}', "PONG\r\n", false),
  connectCase("CONNECT duplicate key with a bad type", '{"verbose":"x","verbose":false}', "", true),
  connectCase("CONNECT keys fold case", '{"VERBOSE":false}', "PONG\r\n", false),
  connectCase("CONNECT key folds long s", utf8('{"verbo\u017fe":false}'), "PONG\r\n", false),
  connectCase("CONNECT folded key with a bad type", '{"Verbose":"x"}', "", true),
  connectCase("CONNECT escaped key", '{"\\u0076erbose":false}', "PONG\r\n", false),
  connectCase("CONNECT trailing garbage", '{"verbose":false} x', "", true),
  connectCase("CONNECT second value", '{"verbose":false} {}', "", true),
  connectCase("CONNECT trailing spaces", '{"verbose":false}   ', "PONG\r\n", false),
  connectCase("CONNECT trailing comma", '{"verbose":false,}', "", true),
  connectCase("CONNECT single quotes", "{'verbose':false}", "", true),
  connectCase("CONNECT without JSON", "", "", true),
  { name: "CONNECT without space", input: "CONNECT\r\nPING\r\n", output: "", closed: true },
  connectCase("CONNECT names an account", '{"account":"A"}', "-ERR 'Authorization Violation'\r\n", true),
  connectCase("CONNECT asks for a new account", '{"new_account":true}', "-ERR 'Authorization Violation'\r\n", true),
  connectCase("CONNECT empty account", '{"account":"","new_account":false}', "+OK\r\nPONG\r\n", false),
  connectCase("CONNECT account of a wrong type", '{"account":5}', "", true),
  connectCase("CONNECT import permissions", '{"import":{"allow":["x"],"deny":null}}', "+OK\r\nPONG\r\n", false),
  connectCase("CONNECT import of a wrong type", '{"import":5}', "", true),
  connectCase("CONNECT import allow of a wrong type", '{"import":{"allow":"x"}}', "", true),
  connectCase("CONNECT headers of a wrong type", '{"no_responders":true,"headers":1}', "", true),
  {
    name: "repeated CONNECT keeps earlier fields",
    input: `${C(false)}CONNECT {}\r\nCONNECT {"verbose":null}\r\nPING\r\n`,
    output: "PONG\r\n",
    closed: false,
  },
  { name: "repeated CONNECT that is bad", input: "CONNECT {}\r\nCONNECT [1]\r\nPING\r\n", output: "+OK\r\n", closed: true },
  {
    name: "repeated CONNECT naming an account",
    input: 'CONNECT {}\r\nCONNECT {"account":"x"}\r\nPING\r\n',
    output: "+OK\r\n-ERR 'Authorization Violation'\r\n",
    closed: true,
  },
  {
    name: "many ops in one read",
    input: `${C(false)}SUB m.* 1\r\nPUB m.a 1\r\na\r\nPUB m.b 1\r\nb\r\nPUB x 1\r\nc\r\nPING\r\n`,
    output: "MSG m.a 1 1\r\na\r\nMSG m.b 1 1\r\nb\r\nPONG\r\n",
    closed: false,
  },
];

/** With `--user a --pass b`: CONNECT checks in nats-server's order (auth, account, protocol). */
export const AUTH_CASES: Case[] = [
  connectCase("bad password and bad protocol", '{"user":"a","pass":"x","protocol":2}', "-ERR 'Authorization Violation'\r\n", true),
  connectCase("good password and bad protocol", '{"user":"a","pass":"b","protocol":2}', "-ERR 'invalid client protocol'\r\n", true),
  connectCase("good password and an account", '{"user":"a","pass":"b","account":"q"}', "-ERR 'Authorization Violation'\r\n", true),
  connectCase("credential keys fold case", '{"USER":"a","Pass":"b"}', "+OK\r\nPONG\r\n", false),
  connectCase("password of a wrong type", '{"user":"a","pass":5}', "", true),
  connectCase("null CONNECT has no credentials", "null", "-ERR 'Authorization Violation'\r\n", true),
  {
    name: "repeated CONNECT is checked again",
    input: 'CONNECT {"user":"a","pass":"b"}\r\nCONNECT {"user":"a","pass":"c"}\r\nPING\r\n',
    output: "+OK\r\n-ERR 'Authorization Violation'\r\n",
    closed: true,
  },
  {
    name: "repeated CONNECT keeps the credentials",
    input: 'CONNECT {"user":"a","pass":"b"}\r\nCONNECT {}\r\nPING\r\n',
    output: "+OK\r\n+OK\r\nPONG\r\n",
    closed: false,
  },
];

/**
 * Runs the cases one after another (they share subjects). A case ending in PING is done
 * at its PONG; the others wait for the server to close or go quiet.
 */
async function runCases(port: number, chunkSize?: number, cases: Case[] = CASES): Promise<void> {
  for (const c of cases) {
    const done = c.input.endsWith("PING\r\n") ? (d: string) => d.endsWith("PONG\r\n") : undefined;
    const r = await exchange(port, c.input, { chunkSize, done, expectClose: c.closed });
    assert.deepEqual({ output: r.data, closed: r.closed }, { output: c.output, closed: c.closed }, c.name);
  }
}

describe("protocol conformance (tsnats)", () => {
  let s: NatsServer;
  before(async () => {
    // No server PINGs: 1-byte writes on a loaded machine can outlast the first one (2 s),
    // and liveness is not what this table checks.
    s = await startServer({ port: 0, host: "127.0.0.1", pingIntervalMs: 0 });
  });
  after(() => s.close());

  test("every case, whole", async () => {
    await runCases(s.port);
  });

  test("every case, split into 1-byte writes", async () => {
    await runCases(s.port, 1);
  });

  test("every case, split into 7-byte writes", async () => {
    await runCases(s.port, 7);
  });

  test("CONNECT with a user and password", async () => {
    const a = await startServer({ port: 0, host: "127.0.0.1", username: "a", password: "b" });
    try {
      await runCases(a.port, undefined, AUTH_CASES);
    } finally {
      await a.close();
    }
  });
});

const bin = natsServerBinary();
describe("protocol conformance (reference nats-server)", { skip: bin === null ? "nats-server not installed" : false }, () => {
  let ns: RunningNatsServer;
  before(async () => {
    ns = await startNatsServer(bin!);
  });
  after(() => ns.stop());

  test("the same table holds for nats-server", async () => {
    await runCases(ns.port);
  });

  test("the CONNECT with a user and password table holds for nats-server", async () => {
    const a = await startNatsServer(bin!, ["--user", "a", "--pass", "b"]);
    try {
      await runCases(a.port, undefined, AUTH_CASES);
    } finally {
      await a.stop();
    }
  });

  test("our INFO has every field nats-server's has, with the same types and framing", async () => {
    const theirs = await infoOf(ns.port);
    const s = await startServer({ port: 0, host: "127.0.0.1" });
    try {
      const ours = await infoOf(s.port);
      for (const [k, v] of Object.entries(theirs.json)) {
        assert.ok(k in ours.json, `INFO lacks ${k}`);
        assert.equal(typeof ours.json[k], typeof v, `INFO ${k} type`);
      }
      for (const k of ["headers", "max_payload", "proto", "host", "client_ip"]) assert.deepEqual(ours.json[k], theirs.json[k], k);
      assert.equal(ours.tail, theirs.tail);
    } finally {
      await s.close();
    }
  });
});

/** The first line a server sends: its INFO JSON and how the line ends. */
async function infoOf(port: number): Promise<{ json: Record<string, unknown>; tail: string }> {
  const c = await RawConn.connect(port);
  const line = c.data.slice(0, c.data.indexOf("\r\n") + 2);
  c.close();
  const m = /^INFO (\{.*\})( ?\r\n)$/.exec(line);
  assert.ok(m, `bad INFO line ${JSON.stringify(line)}`);
  return { json: JSON.parse(m[1]!) as Record<string, unknown>, tail: m[2]! };
}
