/**
 * Command-line auth and TLS flags override the config file, as in nats-server:
 * `--auth`, `--user`/`--pass`, `--tls --tlscert --tlskey`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { RawConn } from "../helpers/raw.js";
import { freePort } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";
import { makeCerts } from "./certs.js";

const CLI = fileURLToPath(new URL("../../src/cli/tsnats-server.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tsnats-flags-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], t: { after(fn: () => void): void }): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, "-a", "127.0.0.1", "-p", String(port), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  t.after(() => child.kill("SIGKILL"));
  await waitFor(() => log.includes("Server is ready") || child.exitCode !== null, { timeoutMs: 10_000 });
  assert.ok(log.includes("Server is ready"), log);
  return port;
}

async function login(port: number, connect: Record<string, unknown>): Promise<string> {
  const c = await RawConn.connect(port);
  c.send(`CONNECT ${JSON.stringify({ verbose: false, ...connect })}\r\nPING\r\n`);
  await c.waitFor((d) => d.includes("PONG") || d.includes("-ERR")).catch(() => undefined);
  c.close();
  return c.data;
}

test("--auth replaces the file's token; --user/--pass replace its user", async (t) => {
  const file = join(dir, "a.conf");
  writeFileSync(file, "authorization { token: from-file }\n");
  const port = await run(["-c", file, "--auth", "from-flag"], t);
  assert.ok((await login(port, { auth_token: "from-flag" })).includes("PONG"));
  assert.ok((await login(port, { auth_token: "from-file" })).includes("Authorization Violation"));
  const file2 = join(dir, "b.conf");
  writeFileSync(file2, "authorization { user: fu, password: fp }\n");
  const port2 = await run(["-c", file2, "--user", "cu", "--pass", "cp"], t);
  assert.ok((await login(port2, { user: "cu", pass: "cp" })).includes("PONG"));
  assert.ok((await login(port2, { user: "fu", pass: "fp" })).includes("Authorization Violation"));
});

test("--tls --tlscert --tlskey turn TLS on", async (t) => {
  const certs = makeCerts();
  if (certs === null) return t.skip("openssl not installed");
  t.after(() => certs.cleanup());
  const port = await run(["--tls", "--tlscert", certs.serverCert, "--tlskey", certs.serverKey], t);
  const c = await RawConn.connect(port);
  assert.ok(c.data.includes('"tls_required":true'), c.data);
  c.close();
});
