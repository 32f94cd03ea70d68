/**
 * Interop programs (test/interop/): a client written against an official NATS library,
 * built at test time, run against tsnats and against nats-server with the same expected
 * output. Programs run without blocking the event loop: the server under test lives in it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { startServer } from "../../src/index.js";
import { natsServerBinary, startNatsServer } from "./nats-server.js";

/** Runs `bin url`, asserts it exits 0, and returns its output lines. */
export async function runProgram(bin: string, url: string, timeoutMs = 60_000): Promise<string[]> {
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(bin, [url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
  assert.equal(r.code, 0, `${bin} failed:\n${r.out}`);
  return r.out.trim().split("\n");
}

/**
 * The suite for one interop program: `bin` (null when it could not be built, with
 * `skipReason`) must print `expected` against tsnats and against nats-server.
 */
export function describeInterop(title: string, bin: string | null, skipReason: string, expected: string[]): void {
  describe(title, { skip: bin === null ? skipReason : false }, () => {
    test("core features against tsnats", async () => {
      const s = await startServer({ port: 0, host: "127.0.0.1" });
      try {
        assert.deepEqual(await runProgram(bin!, s.clientURL), expected);
      } finally {
        await s.close();
      }
    });

    const ns = natsServerBinary();
    test("the same program against nats-server", { skip: ns === null ? "nats-server not installed" : false }, async () => {
      const ref = await startNatsServer(ns!);
      try {
        assert.deepEqual(await runProgram(bin!, `nats://127.0.0.1:${ref.port}`), expected);
      } finally {
        await ref.stop();
      }
    });
  });
}
