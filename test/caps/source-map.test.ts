/**
 * Source maps for evidence: VLQ segments, the first mapping of each generated line, and
 * tsnats's own compiled files pointing back at their TypeScript.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { SourceMaps, decodeVlq, firstMappings } from "../../src/caps/source-map.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

test("base64 VLQ segments decode to signed numbers", () => {
  assert.deepEqual(decodeVlq("AAgBC"), [0, 0, 16, 1]);
  assert.deepEqual(decodeVlq("D"), [-1]);
  assert.deepEqual(decodeVlq("2HwBA"), [123, 24, 0]);
});

test("each generated line maps through its first segment; source and line are cumulative", () => {
  assert.deepEqual(firstMappings("AAAA;AACA,CAAC;;AAEA;ACFA"), [
    { source: 0, line: 0 },
    { source: 0, line: 1 },
    null,
    { source: 0, line: 3 },
    { source: 1, line: 1 },
  ]);
});

test("tsnats's compiled files map back to src/*.ts; a file without a map is not mapped", () => {
  const maps = new SourceMaps(REPO);
  assert.match(maps.locate(`${REPO}dist/src/server/server.js`, 10) ?? "", /^src\/server\/server\.ts:\d+$/);
  assert.equal(maps.locate(`${REPO}scripts/run-tests.mjs`, 3), null);
});
