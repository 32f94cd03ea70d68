import { test } from "node:test";
import assert from "node:assert/strict";
import { goDuration, rttString, uptime } from "../../src/monitor/format.js";

test("goDuration prints as Go's time.Duration.String()", () => {
  const cases: Array<[number, string]> = [
    [0, "0s"],
    [0.000_5, "500ns"],
    [0.919, "919µs"],
    [4.829272, "4.829272ms"],
    [1, "1ms"],
    [1500, "1.5s"],
    [60_000, "1m0s"],
    [123_250, "2m3.25s"],
    [3_600_000, "1h0m0s"],
  ];
  for (const [ms, s] of cases) assert.equal(goDuration(ms), s, String(ms));
});

test("rttString truncates as nats-server's getRTTValue: whole µs under a millisecond", () => {
  const cases: Array<[number, string]> = [
    [0, "0s"],
    [0.000_5, "500ns"],
    [0.375_123, "375µs"],
    [0.999_999_9, "999µs"],
    [4.829_272_5, "4.829272ms"],
    [1500.000_000_7, "1.5s"],
  ];
  for (const [ms, s] of cases) assert.equal(rttString(ms), s, String(ms));
});

test("uptime prints as nats-server's myUptime", () => {
  const cases: Array<[number, string]> = [
    [0, "0s"],
    [59_999, "59s"],
    [61_000, "1m1s"],
    [3_661_000, "1h1m1s"],
    [90_061_000, "1d1h1m1s"],
    [366 * 86_400_000, "1y1d0h0m0s"],
  ];
  for (const [ms, s] of cases) assert.equal(uptime(ms), s, String(ms));
});
