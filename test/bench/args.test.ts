import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_MSGS, parseBenchArgs, parseServerUrl, parseSize, type BenchOptions } from "../../src/bench/args.js";
import { msgsPerClient } from "../../src/bench/runner.js";
import { commaFormat, groupStats, humanBytes, latencyStats, type ClientSample } from "../../src/bench/stats.js";
import { encodePubBatch, framesPerBatch } from "../../src/bench/worker.js";

function ok(argv: string[]): BenchOptions {
  const r = parseBenchArgs(argv);
  assert.equal(r.kind, "run", JSON.stringify(r));
  return (r as { options: BenchOptions }).options;
}

function err(argv: string[], re: RegExp): void {
  const r = parseBenchArgs(argv);
  assert.equal(r.kind, "error");
  assert.match((r as { message: string }).message, re);
}

describe("parseBenchArgs", () => {
  test("defaults", () => {
    const o = ok(["foo"]);
    assert.equal(o.subject, "foo");
    assert.equal(o.pubs, 1);
    assert.equal(o.subs, 0);
    assert.equal(o.msgs, DEFAULT_MSGS);
    assert.equal(o.sizeBytes, 128);
    assert.equal(o.queue, false);
    assert.equal(o.request, false);
    assert.equal(o.window, 1);
    assert.equal(o.timeoutMs, 60_000);
    assert.deepEqual(o.server, { host: "127.0.0.1", port: 4222, user: "", pass: "", token: "" });
  });

  test("all flags, both spellings of values", () => {
    const o = ok(["--pub", "2", "--sub=4", "--msgs", "1_000_000", "--size", "1KiB", "--queue", "-s", "nats://a:b@h:5000", "--json", "--timeout", "5", "bar"]);
    assert.equal(o.subject, "bar");
    assert.equal(o.pubs, 2);
    assert.equal(o.subs, 4);
    assert.equal(o.msgs, 1_000_000);
    assert.equal(o.sizeBytes, 1024);
    assert.equal(o.queue, true);
    assert.equal(o.json, true);
    assert.equal(o.timeoutMs, 5000);
    assert.deepEqual(o.server, { host: "h", port: 5000, user: "a", pass: "b", token: "" });
  });

  test("request and connections modes", () => {
    const r = ok(["x", "--request", "--window", "64"]);
    assert.equal(r.request, true);
    assert.equal(r.window, 64);
    const c = ok(["x", "--connections", "1000", "--server-pid", "42", "--pub", "0"]);
    assert.equal(c.connections, 1000);
    assert.equal(c.serverPid, 42);
  });

  test("help", () => {
    assert.equal(parseBenchArgs(["--help"]).kind, "help");
    assert.equal(parseBenchArgs(["foo", "-h"]).kind, "help");
  });

  test("errors", () => {
    err([], /missing SUBJECT/);
    err(["a", "b"], /unexpected argument 'b'/);
    err(["a", "--bogus"], /unknown option/);
    err(["a", "--pub"], /expected an integer/);
    err(["a", "--pub", "x"], /expected an integer/);
    err(["a", "--msgs", "0"], /between 1 and/);
    err(["a", "--pub", "100000"], /between 0 and 1000/);
    err(["a", "--size", "2M"], /size up to/);
    err(["a", "--size", "lots"], /size up to/);
    err(["a", "--pub", "0", "--sub", "0"], /nothing to do/);
    err(["a", "--pub", "0", "--sub", "2"], /never come/);
    err(["a", "-s", "tls://h:1"], /unsupported scheme/);
    err(["a", "--request", "--msgs", "20000000"], /at most/);
  });
});

describe("helpers", () => {
  test("parseSize", () => {
    assert.equal(parseSize("16"), 16);
    assert.equal(parseSize("16B"), 16);
    assert.equal(parseSize("1K"), 1024);
    assert.equal(parseSize("1kb"), 1024);
    assert.equal(parseSize("2KiB"), 2048);
    assert.equal(parseSize("1MiB"), 1024 * 1024);
    assert.equal(parseSize("-1"), null);
    assert.equal(parseSize("1.5K"), null);
  });

  test("parseServerUrl", () => {
    assert.deepEqual(parseServerUrl("localhost:4333"), { host: "localhost", port: 4333, user: "", pass: "", token: "" });
    assert.deepEqual(parseServerUrl("nats://tok@h"), { host: "h", port: 4222, user: "", pass: "", token: "tok" });
    assert.deepEqual(parseServerUrl("nats://[::1]:5"), { host: "::1", port: 5, user: "", pass: "", token: "" });
  });

  test("msgsPerClient spreads the remainder over the first clients", () => {
    assert.deepEqual(msgsPerClient(10, 3), [4, 3, 3]);
    assert.deepEqual(msgsPerClient(2, 4), [1, 1, 0, 0]);
    assert.deepEqual(msgsPerClient(5, 0), []);
  });

  test("encodePubBatch builds back-to-back PUB frames", () => {
    const { batch, frameLength } = encodePubBatch("s", "r", 3, 2);
    assert.equal(frameLength, "PUB s r 3\r\naaa\r\n".length);
    assert.equal(batch.toString("latin1"), "PUB s r 3\r\naaa\r\nPUB s r 3\r\naaa\r\n");
    assert.equal(framesPerBatch(32, 10), 10);
    assert.equal(framesPerBatch(32, 1e9), 8192);
    assert.equal(framesPerBatch(2 * 1024 * 1024, 5), 1);
  });

  test("formatting like nats bench", () => {
    assert.equal(commaFormat(1234567.4), "1,234,567");
    assert.equal(commaFormat(12), "12");
    assert.equal(humanBytes(512), "512.00 B");
    assert.equal(humanBytes(1536), "1.50 KB");
    assert.equal(humanBytes(3 * 1024 * 1024), "3.00 MB");
  });

  test("groupStats: group span, per-client rate spread", () => {
    const s = (id: number, msgs: number, startNs: number, endNs: number): ClientSample => ({ role: "sub", id, msgs, bytes: msgs * 10, startNs, endNs, error: "" });
    const g = groupStats([s(1, 100, 0, 1e9), s(2, 300, 0.5e9, 1.5e9)]);
    assert.equal(g.msgs, 400);
    assert.equal(g.durationNs, 1.5e9);
    assert.equal(Math.round(g.msgsPerSec), 267);
    assert.equal(g.minRate, 100);
    assert.equal(g.maxRate, 300);
    assert.equal(g.avgRate, 200);
    assert.equal(g.stddevRate, 100);
  });

  test("latencyStats: nearest-rank percentiles in microseconds", () => {
    const ns = new Float64Array(100);
    for (let i = 0; i < 100; i++) ns[i] = (100 - i) * 1000;
    const l = latencyStats(ns);
    assert.equal(l.count, 100);
    assert.equal(l.minUs, 1);
    assert.equal(l.p50Us, 50);
    assert.equal(l.p90Us, 90);
    assert.equal(l.p99Us, 99);
    assert.equal(l.maxUs, 100);
    assert.equal(latencyStats(new Float64Array(0)).count, 0);
  });
});
