/**
 * The `tsnats-server` command as tools launch it: a subprocess with nats-server's flags,
 * found through its ports file, stopped with signals.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { waitFor } from "../helpers/wait-for.js";

const BIN = fileURLToPath(new URL("../../src/cli/tsnats-server.js", import.meta.url));
const dirs: string[] = [];
const procs: ChildProcess[] = [];
after(() => {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tsnats-cli-"));
  dirs.push(d);
  return d;
}

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Started {
  proc: ChildProcess;
  ports: { nats: string[]; monitoring?: string[] };
  log: () => string;
}

/** Spawns the server and waits for its ports file. */
async function start(args: string[], portsDir: string): Promise<Started> {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  procs.push(proc);
  let log = "";
  proc.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const file = join(portsDir, `tsnats-server_${proc.pid}.ports`);
  const ports = await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}: ${log}`);
      return readdirSync(portsDir).includes(`tsnats-server_${proc.pid}.ports`) && JSON.parse(readFileSync(file, "utf8"));
    },
    { timeoutMs: 15_000, what: "ports file" },
  );
  return { proc, ports, log: () => log };
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once("exit", (code) => r(code)));
}

describe("tsnats-server", () => {
  test("-p -1 --ports_file_dir: a client connects to the port in the ports file", async () => {
    const dir = tempDir();
    const s = await start(["-p", "-1", "-a", "127.0.0.1", "-m", "-1", "--ports_file_dir", dir], dir);
    assert.match(s.ports.nats[0]!, /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.match(s.ports.monitoring?.[0] ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    const nc = await connect({ servers: s.ports.nats[0]! });
    await nc.flush();
    await nc.close();
    const varz = (await (await fetch(`${s.ports.monitoring![0]}/varz`)).json()) as { version: string };
    assert.match(varz.version, /^2\.\d+\.\d+$/);
    assert.match(s.log(), /\[INF\] Server is ready/);
    s.proc.kill("SIGTERM");
    assert.equal(await exited(s.proc), 0);
    assert.deepEqual(readdirSync(dir), [], "ports file removed on shutdown");
  });

  test("-c FILE alone, as tools launch nats-server", async () => {
    const dir = tempDir();
    const conf = join(dir, "server.conf");
    writeFileSync(conf, `# launched as: tsnats-server -c FILE\nport: -1\nhost: 127.0.0.1\nports_file_dir: "${dir}"\nserver_name: from_file\n`);
    const s = await start(["-c", conf], dir);
    const nc = await connect({ servers: s.ports.nats[0]! });
    assert.equal(nc.info?.server_name, "from_file");
    await nc.close();
    s.proc.kill("SIGINT");
    assert.equal(await exited(s.proc), 0);
  });

  test("SIGKILL, then a restart binds the same port at once", async () => {
    const dir = tempDir();
    const s1 = await start(["-p", "-1", "-a", "127.0.0.1", "--ports_file_dir", dir], dir);
    const url = s1.ports.nats[0]!;
    const port = new URL(url).port;
    const nc = await connect({ servers: url });
    await nc.flush();
    s1.proc.kill("SIGKILL");
    await exited(s1.proc);
    const s2 = await start(["-p", port, "-a", "127.0.0.1", "--ports_file_dir", dir], dir);
    assert.equal(s2.ports.nats[0], url);
    s2.proc.kill("SIGTERM");
    await exited(s2.proc);
    await nc.close();
  });

  test("-P writes the pid file and -l the log file; both are handled on shutdown", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "server.pid");
    const logFile = join(dir, "server.log");
    const s = await start(["-p", "-1", "-a", "127.0.0.1", "--ports_file_dir", dir, "-P", pidFile, "-l", logFile], dir);
    assert.equal(readFileSync(pidFile, "utf8").trim(), String(s.proc.pid));
    // The log file is written asynchronously: the ports file can come first.
    await waitFor(() => /\[INF\] Server is ready/.test(readFileSync(logFile, "utf8")), { what: "ready line in the log file" });
    s.proc.kill("SIGTERM");
    assert.equal(await exited(s.proc), 0);
    assert.ok(!readdirSync(dir).includes("server.pid"), "pid file removed on shutdown");
    assert.match(readFileSync(logFile, "utf8"), /\[INF\] Server Exiting\.\./);
  });

  test("-t checks a config file", () => {
    const dir = tempDir();
    const good = join(dir, "good.conf");
    const bad = join(dir, "bad.conf");
    writeFileSync(good, "port: 4222\nmax_payload: 2MB\n");
    writeFileSync(bad, "port: 4222\nmax_payload: {\n");
    const ok = run(["-t", "-c", good]);
    assert.equal(ok.status, 0);
    assert.match(ok.stderr, /configuration file .*good\.conf is valid/);
    const ko = run(["-t", "-c", bad]);
    assert.equal(ko.status, 1);
    assert.match(ko.stderr, /bad\.conf:\d+:\d+: /);
    // Like nats-server -t, a config warning nats-server gives fails the check...
    const warned = join(dir, "warned.conf");
    writeFileSync(warned, "write_deadline: 5\n");
    const w = run(["-t", "-c", warned]);
    assert.equal(w.status, 1);
    assert.match(w.stderr, /warned\.conf:1:17: invalid use of field "write_deadline": write_deadline should be converted to a duration/);
    // ...but tsnats's own "not supported yet" warnings do not.
    const later = join(dir, "later.conf");
    writeFileSync(later, "websocket { port: 8080, no_tls: true }\n");
    assert.equal(run(["-t", "-c", later]).status, 0);
  });

  test("--help, --version, bad flags", () => {
    const help = run(["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: tsnats-server \[options\]/);
    assert.match(help.stdout, /--ports_file_dir/);
    const v = run(["--version"]);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^tsnats-server: v\d+\.\d+\.\d+/);
    const bad = run(["--no-such-flag"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /flag provided but not defined: -no-such-flag/);
  });

  test("flags for features not built yet are accepted with a warning", async () => {
    const dir = tempDir();
    const s = await start(["-p", "-1", "-a", "127.0.0.1", "--ports_file_dir", dir, "--log_size_limit", "1000"], dir);
    assert.match(s.log(), /\[WRN\] .*log_size_limit/);
    s.proc.kill("SIGTERM");
    await exited(s.proc);
  });

  test("--cluster, --routes, --cluster_name, --connect_retries, --no_advertise: two processes form a cluster", async () => {
    const [dirA, dirB] = [tempDir(), tempDir()];
    const cluster = ["--cluster", "nats://127.0.0.1:-1", "--cluster_name", "cli"];
    const a = await start(["-p", "-1", "-a", "127.0.0.1", "-m", "-1", "--ports_file_dir", dirA, ...cluster], dirA);
    const routeUrl = (a.ports as { cluster?: string[] }).cluster?.[0] ?? "";
    assert.match(routeUrl, /^nats:\/\/127\.0\.0\.1:\d+$/);
    const bArgs = ["-p", "-1", "-a", "127.0.0.1", "--ports_file_dir", dirB, ...cluster, "--routes", routeUrl, "--connect_retries", "3", "--no_advertise"];
    const b = await start(bArgs, dirB);
    assert.doesNotMatch(a.log() + b.log(), /\[WRN\]/);
    const routez = async (): Promise<{ num_routes: number }> => (await (await fetch(`${a.ports.monitoring![0]}/routez`)).json()) as { num_routes: number };
    // One peer: its pool of 3 routes and the system account's pinned one (nats-server 2.10 defaults).
    await waitFor(async () => (await routez()).num_routes === 4, { what: "the route" });
    const varz = (await (await fetch(`${a.ports.monitoring![0]}/varz`)).json()) as { cluster: { name: string } };
    assert.equal(varz.cluster.name, "cli");
    const sub = await connect({ servers: a.ports.nats[0]! });
    const pub = await connect({ servers: b.ports.nats[0]! });
    let got = 0;
    sub.subscribe("x", {
      callback: () => {
        got++;
      },
    });
    await sub.flush();
    await waitFor(async () => {
      pub.publish("x");
      await pub.flush();
      return got > 0;
    }, { what: "a message from B to A" });
    // --no_advertise on B: its clients learn no other URLs, and it tells A none of its own.
    assert.equal(pub.info?.connect_urls, undefined);
    assert.equal(pub.info?.cluster, "cli");
    assert.equal(sub.info?.connect_urls, undefined);
    await Promise.all([sub.close(), pub.close()]);
    for (const p of [b.proc, a.proc]) {
      p.kill("SIGTERM");
      assert.equal(await exited(p), 0);
    }
  });

  test("--routes without a route listener is refused, as nats-server refuses it", () => {
    const r = run(["-p", "-1", "--routes", "nats://127.0.0.1:1"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /solicited routes require cluster capabilities, e\.g\. --cluster/);
  });

  test("-t passes an operator-mode config with a URL resolver", async () => {
    const { createOperator, encodeOperator } = await import("@nats-io/jwt");
    const dir = tempDir();
    const conf = join(dir, "op.conf");
    writeFileSync(conf, `operator: "${await encodeOperator("op", createOperator())}"\nresolver: URL(http://127.0.0.1:1/)\n`);
    const t = run(["-t", "-c", conf]);
    assert.equal(t.status, 0, t.stderr);
  });
});
