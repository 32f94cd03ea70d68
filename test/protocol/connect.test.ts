/**
 * The CONNECT decoder alone. Every expected error text below is what nats-server 2.9.10
 * logged for the same CONNECT (Go encoding/json's messages); the wire behaviour of the
 * same inputs is in conformance.test.ts, against both servers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeConnect, isValidClientProtocol, quoteChar, requestsAccount, type ConnectOptions } from "../../src/protocol/connect.js";
import { prng } from "../helpers/prng.js";

const decode = (s: string, previous: ConnectOptions | null = null) => decodeConnect(Buffer.from(s, "utf8"), previous);

function errorOf(s: string): string {
  const r = decode(s);
  assert.ok(!r.ok, `${s.slice(0, 60)} should fail`);
  return r.error;
}

function optsOf(s: string, previous: ConnectOptions | null = null): ConnectOptions {
  const r = decode(s, previous);
  assert.ok(r.ok, `${s.slice(0, 60)} should decode: ${r.ok ? "" : r.error}`);
  return r.opts;
}

describe("CONNECT decoding (Go json.Unmarshal into ClientOpts)", () => {
  test("type mismatches fail with Go's texts", () => {
    const cases: Array<[string, string]> = [
      ["[1,2]", "json: cannot unmarshal array into Go value of type server.ClientOpts"],
      ['"x"', "json: cannot unmarshal string into Go value of type server.ClientOpts"],
      ["1", "json: cannot unmarshal number into Go value of type server.ClientOpts"],
      ["true", "json: cannot unmarshal bool into Go value of type server.ClientOpts"],
      ['{"verbose":"yes","protocol":"x","name":5}', "json: cannot unmarshal string into Go struct field ClientOpts.verbose of type bool"],
      ['{"verbose":1}', "json: cannot unmarshal number into Go struct field ClientOpts.verbose of type bool"],
      ['{"protocol":1e0}', "json: cannot unmarshal number 1e0 into Go struct field ClientOpts.protocol of type int"],
      ['{"protocol":9223372036854775808}', "json: cannot unmarshal number 9223372036854775808 into Go struct field ClientOpts.protocol of type int"],
      ['{"protocol":true}', "json: cannot unmarshal bool into Go struct field ClientOpts.protocol of type int"],
      ['{"protocol":[1]}', "json: cannot unmarshal array into Go struct field ClientOpts.protocol of type int"],
      ['{"protocol":"1","verbose":"x"}', "json: cannot unmarshal string into Go struct field ClientOpts.protocol of type int"],
      ['{"name":{"a":1}}', "json: cannot unmarshal object into Go struct field ClientOpts.name of type string"],
      ['{"name":[1]}', "json: cannot unmarshal array into Go struct field ClientOpts.name of type string"],
      ['{"import":5}', "json: cannot unmarshal number into Go struct field ClientOpts.import of type server.SubjectPermission"],
      ['{"import":[]}', "json: cannot unmarshal array into Go struct field ClientOpts.import of type server.SubjectPermission"],
      ['{"import":{"allow":[1]}}', "json: cannot unmarshal number into Go struct field SubjectPermission.import.allow of type string"],
      ['{"import":{"allow":"x"}}', "json: cannot unmarshal string into Go struct field SubjectPermission.import.allow of type []string"],
      ['{"import":{"allow":["a",{}]}}', "json: cannot unmarshal object into Go struct field SubjectPermission.import.allow of type string"],
      ['{"import":{"deny":true}}', "json: cannot unmarshal bool into Go struct field SubjectPermission.import.deny of type []string"],
      // A later good duplicate does not undo the error; keys fold case as Go's do.
      ['{"verbose":"x","verbose":false}', "json: cannot unmarshal string into Go struct field ClientOpts.verbose of type bool"],
      ['{"Verbose":"x"}', "json: cannot unmarshal string into Go struct field ClientOpts.verbose of type bool"],
      ['{"verbo\u017fe":"x"}', "json: cannot unmarshal string into Go struct field ClientOpts.verbose of type bool"],
      ['{"n\u212aey":5}', "json: cannot unmarshal number into Go struct field ClientOpts.nkey of type string"],
    ];
    for (const [input, want] of cases) assert.equal(errorOf(input), want, input);
  });

  test("syntax errors fail with Go's scanner texts, before any type error", () => {
    const cases: Array<[string, string]> = [
      ["", "unexpected end of JSON input"],
      ["   ", "unexpected end of JSON input"],
      ["{", "unexpected end of JSON input"],
      ['{"a"', "unexpected end of JSON input"],
      ['{"a":"x', "unexpected end of JSON input"],
      ['{"verbose":false} x', "invalid character 'x' after top-level value"],
      ['{"verbose":"x"} x', "invalid character 'x' after top-level value"],
      ['{"a":1}}', "invalid character '}' after top-level value"],
      ["{\"a\":1}'", "invalid character '\\'' after top-level value"],
      ['{"a":1}\u00e9', "invalid character 'Ã' after top-level value"],
      ['{"verbose":false} \u00a0', "invalid character 'Â' after top-level value"],
      ['{"verbose":false,}', "invalid character '}' looking for beginning of object key string"],
      ["{'verbose':false}", "invalid character '\\'' looking for beginning of object key string"],
      ['{"verbose":tru}', "invalid character '}' in literal true (expecting 'e')"],
      ['{"a":nul}', "invalid character '}' in literal null (expecting 'l')"],
      ['{"a":fals}', "invalid character '}' in literal false (expecting 'e')"],
      ['{"verbose" false}', "invalid character 'f' after object key"],
      ['{"a":1,"b"}', "invalid character '}' after object key"],
      ['{"verbose":false x}', "invalid character 'x' after object key:value pair"],
      ['{"a":01}', "invalid character '1' after object key:value pair"],
      ["[1 2]", "invalid character '2' after array element"],
      ['{"a":[1,]}', "invalid character ']' looking for beginning of value"],
      ['{"a":"\u0001"}', "invalid character '\\x01' in string literal"],
      ['{"a":"\\x"}', "invalid character 'x' in string escape code"],
      ['{"a":"\\u12g4"}', "invalid character 'g' in \\u hexadecimal character escape"],
      ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
      ['{"a":1e}', "invalid character '}' in exponent of numeric literal"],
      ['{"a":-}', "invalid character '}' in numeric literal"],
      [`{"a":${"[".repeat(10_001)}1${"]".repeat(10_001)}}`, "invalid character '[' exceeded max depth"],
    ];
    for (const [input, want] of cases) assert.equal(errorOf(input), want, input.slice(0, 40));
  });

  test("null, unknown fields, duplicates, escapes and folding decode as Go does", () => {
    assert.deepEqual(optsOf("null"), {});
    assert.deepEqual(optsOf(" {} "), {});
    assert.deepEqual(optsOf('{"verbose":null,"protocol":null,"name":null}'), {});
    assert.deepEqual(optsOf('{"verbose":true,"verbose":false}'), { verbose: false });
    assert.deepEqual(optsOf('{"protocol":1,"protocol":null}'), { protocol: 1 });
    assert.deepEqual(optsOf('{"protocol":-0}'), { protocol: 0 });
    assert.deepEqual(optsOf('{"VERBOSE":false,"User":"a","PASS":"b","verbo\u017fe":true}'), { verbose: true, user: "a", pass: "b" });
    assert.deepEqual(optsOf('{"\\u0076erbose":false,"x":{"a":[1,{"b":null}],"c":"}]"},"y":[[[]]]}'), { verbose: false });
    assert.deepEqual(optsOf('{"name":"h\u00e9llo \u2603 \ud83d\ude00","lang":"\\ud800x"}'), { name: "h\u00e9llo \u2603 \ud83d\ude00", lang: "\ufffdx" });
    assert.deepEqual(optsOf('{"import":{"allow":["a",null],"x":1},"export":null}'), { import: { allow: ["a", ""] } });
    assert.deepEqual(optsOf(`{"a":${"[".repeat(9_999)}${"]".repeat(9_999)},"echo":false}`), { echo: false });
  });

  test("a repeated CONNECT decodes onto the previous options", () => {
    const first = optsOf('{"verbose":false,"user":"a","import":{"allow":["x"]}}');
    assert.deepEqual(optsOf("{}", first), first);
    assert.deepEqual(optsOf('{"verbose":null,"import":null}', first), { verbose: false, user: "a" });
    assert.deepEqual(first.import, { allow: ["x"] }, "previous options are not modified");
  });

  test("protocol and account checks", () => {
    assert.ok(isValidClientProtocol({}));
    assert.ok(isValidClientProtocol({ protocol: 1 }));
    assert.ok(!isValidClientProtocol({ protocol: 2 }));
    assert.ok(!isValidClientProtocol({ protocol: -1 }));
    assert.ok(requestsAccount({ account: "A" }));
    assert.ok(requestsAccount({ new_account: true }));
    assert.ok(!requestsAccount({ account: "", new_account: false }));
  });

  test("quoteChar as Go's scanner prints bytes", () => {
    assert.equal(quoteChar(0x78), "'x'");
    assert.equal(quoteChar(0x22), "'\"'");
    assert.equal(quoteChar(0x5c), "'\\\\'");
    assert.equal(quoteChar(0x0a), "'\\n'");
    assert.equal(quoteChar(0x7f), "'\\x7f'");
    assert.equal(quoteChar(0x85), "'\\u0085'");
  });

  test("valid exactly when JSON.parse accepts (seeded mutations of CONNECT lines)", () => {
    const seed = 15;
    const rnd = prng(seed);
    const base = '{"verbose":false,"pedantic":true,"name":"a\\"b","protocol":1,"x":[1.5e3,-0,null,{"y":"\\u00e9"}]}';
    const alphabet = '{}[]:,"\\ -+.eE0123456789truefalsn\t\u00e9\u0001';
    for (let i = 0; i < 5000; i++) {
      const chars = [...base];
      const edits = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * chars.length);
        const ch = alphabet[Math.floor(rnd() * alphabet.length)]!;
        const op = rnd();
        if (op < 0.4) chars[at] = ch;
        else if (op < 0.7) chars.splice(at, 1);
        else chars.splice(at, 0, ch);
      }
      const s = chars.join("");
      let jsValid = true;
      try {
        JSON.parse(s);
      } catch {
        jsValid = false;
      }
      const r = decode(s);
      const syntaxOk = r.ok || r.error.startsWith("json: cannot unmarshal");
      assert.equal(syntaxOk, jsValid, `seed ${seed} case ${i}: ${s}`);
    }
  });
});
