/** The import/export model: authorization of imports and subject mapping. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyImportMapping,
  importError,
  mappingError,
  serviceImportMapping,
  streamImportMapping,
  SubjectMapping,
  type AccountOptions,
} from "../../src/accounts/config.js";

const A: AccountOptions = {
  name: "A",
  exports: [
    { kind: "stream", subject: "pub.>" },
    { kind: "service", subject: "svc.req", accounts: ["B"] },
  ],
};
const accounts = new Map<string, AccountOptions>([["A", A], ["B", { name: "B" }], ["C", { name: "C" }]]);

test("imports need an export covering them, public or naming the importer", () => {
  assert.equal(importError(accounts, "B", { kind: "stream", account: "A", subject: "pub.x" }), null);
  assert.equal(importError(accounts, "B", { kind: "stream", account: "A", subject: "pub.>" }), null);
  assert.match(importError(accounts, "B", { kind: "stream", account: "A", subject: ">" }) ?? "", /not authorized/);
  assert.equal(importError(accounts, "B", { kind: "service", account: "A", subject: "svc.req" }), null);
  assert.match(importError(accounts, "C", { kind: "service", account: "A", subject: "svc.req" }) ?? "", /not authorized/);
  assert.match(importError(accounts, "B", { kind: "stream", account: "Z", subject: "x" }) ?? "", /"Z" account not defined/);
  // A service export does not cover a stream import.
  assert.match(importError(accounts, "B", { kind: "stream", account: "A", subject: "svc.req" }) ?? "", /not authorized/);
});

test("stream import mappings: none, prefix, literal to, wildcard to", () => {
  assert.equal(applyImportMapping(streamImportMapping({ kind: "stream", account: "A", subject: "a.>" }), "a.b"), "a.b");
  assert.equal(applyImportMapping(streamImportMapping({ kind: "stream", account: "A", subject: "a.>", prefix: "p" }), "a.b"), "p.a.b");
  assert.equal(applyImportMapping(streamImportMapping({ kind: "stream", account: "A", subject: "a.x", to: "local" }), "a.x"), "local");
  assert.equal(applyImportMapping(streamImportMapping({ kind: "stream", account: "A", subject: "a.*.*", to: "b.$2.$1" }), "a.1.2"), "b.2.1");
  assert.equal(applyImportMapping(streamImportMapping({ kind: "stream", account: "A", subject: "a.*", to: "b.*" }), "a.1"), "b.1");
  assert.equal(applyImportMapping(streamImportMapping({ kind: "stream", account: "A", subject: "a.>", to: "b.>" }), "a.1.2"), "b.1.2");
});

test("service import mappings go from the local subject to the exporter's", () => {
  assert.equal(serviceImportMapping({ kind: "service", account: "A", subject: "svc.req" }), null);
  assert.equal(applyImportMapping(serviceImportMapping({ kind: "service", account: "A", subject: "svc.req", to: "a.req" }), "a.req"), "svc.req");
  assert.equal(applyImportMapping(serviceImportMapping({ kind: "service", account: "A", subject: "svc.*", to: "loc.*" }), "loc.x"), "svc.x");
});

test("mapping errors: every source wildcard must be used", () => {
  assert.equal(mappingError("a.*", "b.*"), null);
  assert.equal(mappingError("a.*.*", "b.{{wildcard(2)}}.{{wildcard(1)}}"), null);
  assert.match(mappingError("w.*", "q.*.*") ?? "", /out of range/);
  assert.match(mappingError("a.*.*", "b.$1") ?? "", /not using all/);
  assert.equal(new SubjectMapping("a.*", "{{ wildcard(1) }}.x").apply("a.z"), "z.x");
});
