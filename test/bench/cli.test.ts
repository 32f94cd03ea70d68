import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** The reference server; NATS_SERVER overrides the Debian/Ubuntu path. */
const NATS_SERVER = process.env["NATS_SERVER"] ?? "/usr/sbin/nats-server";
const CLI = fileURLToPath(new URL("../../src/cli/tsnats.js", import.meta.url));
const STEP_TIMEOUT_MS = 30_000;

function bench(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "bench", ...args], { encoding: "utf8", timeout: STEP_TIMEOUT_MS });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Async variant, for when this process must keep serving a fake server meanwhile. */
function benchAsync(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "bench", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), STEP_TIMEOUT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

describe("tsnats bench (CLI)", () => {
  test("--help exits 0 with usage; bad arguments exit 2", () => {
    const h = bench(["--help"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage: tsnats bench SUBJECT/);
    const e = bench(["foo", "--pub", "nope"]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /--pub: expected an integer/);
  });

  test("connection refused is reported with exit 1", () => {
    // Port 1 on loopback: nothing listens there in a test environment.
    const r = bench(["foo", "--msgs", "10", "-s", "nats://127.0.0.1:1"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Error: pub1: .*ECONNREFUSED/);
  });
});

describe("tsnats bench against a server that never delivers", () => {
  test("times out, reports what arrived, exits 1", async (t) => {
    // Answers PING with PONG and swallows everything else: publishers finish, subscribers wait.
    const fake = createServer((sock) => {
      sock.write('INFO {"server_id":"FAKE","max_payload":1048576}\r\n');
      let carry = "";
      sock.on("data", (d: Buffer) => {
        const lines = (carry + d.toString("latin1")).split("\r\n");
        carry = lines.pop() ?? "";
        for (const l of lines) if (l === "PING") sock.write("PONG\r\n");
      });
      sock.on("error", () => {});
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    t.after(() => fake.close());
    const port = (fake.address() as AddressInfo).port;
    const r = await benchAsync(["bench.none", "--sub", "1", "--msgs", "10", "--timeout", "1", "-s", `nats://127.0.0.1:${port}`]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^Timed out: received 0 of 10 messages$/m);
    assert.match(r.stdout, /^ Pub stats: .*\(10 msgs in /m);
  });
});

describe("tsnats bench against nats-server", { skip: !existsSync(NATS_SERVER) && "nats-server not installed" }, () => {
  let server: ChildProcess | null = null;
  let url = "";

  before(async () => {
    const child = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", "-1"], { stdio: ["ignore", "ignore", "pipe"] });
    server = child;
    url = await new Promise<string>((resolve, reject) => {
      let log = "";
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), STEP_TIMEOUT_MS);
      child.stderr!.on("data", (d: Buffer) => {
        log += d.toString();
        const m = /Listening for client connections on (\S+):(\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(`nats://127.0.0.1:${m[2]}`);
        }
      });
      child.on("exit", () => reject(new Error(`nats-server exited:\n${log}`)));
    });
  });

  after(() => {
    server?.kill("SIGKILL");
  });

  test("pub/sub with per-client lines", () => {
    const r = bench(["bench.e2e", "--pub", "2", "--sub", "2", "--msgs", "300", "--size", "16", "-s", url]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[0]!, /^Starting Core NATS pub\/sub benchmark \[subject=bench\.e2e, msgs=300, msgsize=16\.00 B, pubs=2, subs=2\]$/);
    assert.match(r.stdout, /^NATS Pub\/Sub stats: [\d,]+ msgs\/sec ~ [\d.]+ [KMG]?B\/sec$/m);
    assert.match(r.stdout, /^ Pub stats: [\d,]+ msgs\/sec ~ .* \(300 msgs in [\d.]+m?s\)$/m);
    assert.match(r.stdout, /^ Sub stats: [\d,]+ msgs\/sec ~ .* \(600 msgs in [\d.]+m?s\)$/m);
    assert.match(r.stdout, /^ {2}\[1\] [\d,]+ msgs\/sec ~ .* \(150 msgs\)$/m);
    assert.match(r.stdout, /^ {2}\[2\] [\d,]+ msgs\/sec ~ .* \(300 msgs\)$/m);
    assert.match(r.stdout, /^ {2}min [\d,]+ \| avg [\d,]+ \| max [\d,]+ \| stddev [\d,]+ msgs$/m);
    assert.doesNotMatch(r.stdout, /Timed out|Error/);
  });

  test("queue group delivers each message once (JSON output)", () => {
    const r = bench(["bench.q", "--sub", "3", "--queue", "--msgs", "500", "--size", "8", "--json", "-s", url]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout) as { received: number; expected: number; timedOut: boolean; subs: Array<{ msgs: number }> };
    assert.equal(j.expected, 500);
    assert.equal(j.received, 500);
    assert.equal(j.timedOut, false);
    assert.equal(j.subs.reduce((a, s) => a + s.msgs, 0), 500);
  });

  test("request/reply reports latency percentiles", () => {
    const r = bench(["bench.req", "--request", "--msgs", "200", "--window", "4", "--size", "32", "-s", url]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^NATS request\/reply stats: [\d,]+ msgs\/sec .* \(200 msgs in /m);
    assert.match(r.stdout, /^ Latency: min [\d.]+(us|ms) \| avg .* \| p50 .* \| p90 .* \| p99 .* \| max [\d.]+(us|ms)$/m);
  });

  test("connections scenario delivers to every subscriber and reads the server's RSS", () => {
    const r = bench(["bench.conns", "--connections", "50", "--server-pid", String(server!.pid), "-s", url]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Connections: 50 of 50 opened in [\d.]+ms/m);
    assert.match(r.stdout, /^ Delivery: 50 of 50 subscribers got the message/m);
    if (process.platform === "linux") assert.match(r.stdout, /^ Server RSS: [\d.]+ MB before, [\d.]+ MB after/m);
  });
});
