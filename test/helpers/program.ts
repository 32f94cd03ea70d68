/**
 * Runs a client program built by an interop test (test/interop/) without blocking the
 * event loop: the server under test usually lives in this process.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

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
