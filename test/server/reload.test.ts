/**
 * Config reload: a changed password closes only the connections it no longer admits, a
 * new permission applies to open connections, a broken file keeps the running config.
 * In process through reloadConfig(), and end to end with `tsnats-server --signal reload`.
 */
import { createAccount } from "@nats-io/nkeys";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadConfigFile } from "../../src/config/index.js";
import { startServer, type NatsServer } from "../../src/index.js";
import { Logger } from "../../src/server/logger.js";
import { reloadConfig } from "../../src/server/reload.js";
import { RawConn } from "../helpers/raw.js";
import { freePort, natsServerBinary, startNatsServer } from "../helpers/nats-server.js";
import { configFiles, serveConfigFile } from "../helpers/config-files.js";
import { waitFor } from "../helpers/wait-for.js";

const files = configFiles("tsnats-reload-");
after(() => files.remove());
const dir = files.dir;
const conf = files.conf;
const serve = serveConfigFile;

async function rawLogin(port: number, user: string, pass: string): Promise<RawConn> {
  const c = await RawConn.connect(port);
  c.send(`CONNECT {"verbose":false,"user":"${user}","pass":"${pass}"}\r\nPING\r\n`);
  await c.waitFor((d) => d.includes("PONG") || d.includes("-ERR"));
  return c;
}

describe("reload in process", () => {
  test("changing a password closes that user's connections only", async (t) => {
    const file = conf(`authorization { users: [ {user: a, password: one}, {user: b, password: bee} ] }\n`);
    const s = await serve(file);
    t.after(() => s.close());
    const a = await rawLogin(s.port, "a", "one");
    const b = await rawLogin(s.port, "b", "bee");
    writeFileSync(file, `authorization { users: [ {user: a, password: two}, {user: b, password: bee} ] }\n`);
    const r = reloadConfig(s.server);
    assert.equal(r.ok, true, r.errors.join("\n"));
    assert.equal(r.closed, 1);
    await a.waitClosed();
    assert.ok(a.data.endsWith("-ERR 'Authorization Violation'\r\n"), a.data);
    b.send("PING\r\n");
    await b.waitFor((d) => d.split("PONG").length === 3);
    const again = await rawLogin(s.port, "a", "two");
    assert.ok(again.data.includes("PONG"));
    const old = await rawLogin(s.port, "a", "one");
    await old.waitClosed();
    b.close();
    again.close();
  });

  test("adding a permission applies to open connections, which stay open", async (t) => {
    const file = conf(`authorization { users: [ {user: u, password: p} ] }\n`);
    const s = await serve(file);
    t.after(() => s.close());
    const nc: NatsConnection = await connect({ servers: s.clientURL, user: "u", pass: "p" });
    t.after(() => nc.close());
    const got: string[] = [];
    // The reload removes this subscription: the client hears about it as an error.
    nc.subscribe("secret.>", { callback: (e, m) => void (e === null && got.push(m.subject)) });
    nc.subscribe("ok", { callback: (_e, m) => void got.push(m.subject) });
    await nc.flush();
    nc.publish("secret.a");
    await nc.flush();
    await waitFor(() => got.length === 1);
    writeFileSync(file, `authorization { users: [ {user: u, password: p, permissions: { publish: { deny: "secret.>" }, subscribe: { deny: "secret.>" } }} ] }\n`);
    const r = reloadConfig(s.server);
    assert.equal(r.ok, true, r.errors.join("\n"));
    assert.equal(r.closed, 0);
    nc.publish("secret.b");
    nc.publish("ok");
    await nc.flush();
    await waitFor(() => got.includes("ok"));
    assert.deepEqual(got, ["secret.a", "ok"]);
    assert.equal(nc.isClosed(), false);
    const raw = await rawLogin(s.port, "u", "p");
    raw.send("PUB secret.c 0\r\n\r\nPING\r\n");
    await raw.waitFor((d) => d.split("PONG").length === 3);
    assert.ok(raw.data.includes(`-ERR 'Permissions Violation for Publish to "secret.c"'`), raw.data);
    raw.close();
  });

  test("a broken file keeps the running config and reports file:line", async (t) => {
    const file = conf(`authorization { users: [ {user: u, password: p} ] }\n`);
    const s = await serve(file);
    t.after(() => s.close());
    const c = await rawLogin(s.port, "u", "p");
    writeFileSync(file, `authorization { users: [ {user: u, password: q} ]\n`);
    const r = reloadConfig(s.server);
    assert.equal(r.ok, false);
    assert.match(r.errors[0] ?? "", new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: `));
    c.send("PING\r\n");
    await c.waitFor((d) => d.split("PONG").length === 3);
    const again = await rawLogin(s.port, "u", "p");
    assert.ok(again.data.includes("PONG"));
    c.close();
    again.close();
  });
});

/** What a client sees of a max_payload / max_control_line reload (nats-server reload.go). */
interface LimitsSeen {
  /** `max_payload` in the INFO of a client that connects after the reload. */
  newInfoMaxPayload: number;
  /** INFO lines the client that was open across the reload received. */
  oldClientInfos: number;
  /** The open client's 3000-byte PUB (over the old 1000, under the new 5000) was taken. */
  bigPubAccepted: boolean;
  /** The open client's over-long SUB line (new max_control_line 64) was refused. */
  longLineError: string;
}

/** Runs the reload scenario against a server: `reload` re-reads the config file. */
async function limitsScenario(port: number, file: string, reload: () => void): Promise<LimitsSeen> {
  const old = await RawConn.connect(port);
  old.send(`CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n`);
  await old.waitFor((d) => d.includes("PONG"));
  writeFileSync(file, "max_payload: 5000\nmax_control_line: 64\n");
  reload();
  let fresh = await RawConn.connect(port);
  const infoMax = (c: RawConn): number => Number(/"max_payload":(\d+)/.exec(c.data)?.[1]);
  await waitFor(async () => {
    if (infoMax(fresh) === 5000) return true;
    fresh.close();
    fresh = await RawConn.connect(port);
    return false;
  }, { timeoutMs: 10_000, intervalMs: 50, what: "INFO with the new max_payload" });
  const newInfoMaxPayload = infoMax(fresh);
  fresh.close();
  old.send(`PUB big 3000\r\n${"x".repeat(3000)}\r\nPING\r\n`);
  await old.waitFor((d) => d.split("PONG").length === 3 || d.includes("-ERR"));
  const bigPubAccepted = !old.data.includes("-ERR");
  old.send(`SUB ${"s".repeat(100)} 1\r\n`);
  const data = await old.waitFor((d) => d.includes("-ERR")).catch(() => old.data);
  old.close();
  return {
    newInfoMaxPayload,
    oldClientInfos: data.split("INFO ").length - 1,
    bigPubAccepted,
    longLineError: /-ERR '([^']*)'/.exec(data)?.[1] ?? "",
  };
}

describe("reload of protocol limits reaches open connections", () => {
  const NATS = natsServerBinary();

  test("max_payload and max_control_line apply to open clients; new clients get the new INFO", async (t) => {
    const file = conf("max_payload: 1000\n");
    const s = await serve(file);
    t.after(() => s.close());
    const seen = await limitsScenario(s.port, file, () => assert.equal(reloadConfig(s.server).ok, true));
    assert.deepEqual(seen, { newInfoMaxPayload: 5000, oldClientInfos: 1, bigPubAccepted: true, longLineError: "maximum control line exceeded" });
  });

  test("the same as nats-server does", { skip: !NATS && "nats-server not installed" }, async (t) => {
    const file = conf("max_payload: 1000\n");
    const ns = await startNatsServer(NATS!, ["-c", file]);
    t.after(() => ns.stop());
    const theirs = await limitsScenario(ns.port, file, () => void ns.proc.kill("SIGHUP"));
    const file2 = conf("max_payload: 1000\n");
    const s = await serve(file2);
    t.after(() => s.close());
    const ours = await limitsScenario(s.port, file2, () => void reloadConfig(s.server));
    assert.deepEqual(ours, theirs);
  });

  test("max_pending is not reloadable: the running value stays (nats-server refuses the reload)", async (t) => {
    const file = conf("max_pending: 2000000\n");
    const s = await serve(file);
    t.after(() => s.close());
    writeFileSync(file, "max_pending: 3000000\n");
    const r = reloadConfig(s.server);
    assert.equal(r.ok, true);
    assert.ok(r.ignored.includes("maxPending"), r.ignored.join());
    assert.equal(s.server.options.maxPending, 2_000_000);
  });

  test("a reload that breaks the cross-option checks is refused whole", async (t) => {
    const file = conf("max_pending: 1000000\nmax_payload: 1000\n");
    const s = await serve(file);
    t.after(() => s.close());
    writeFileSync(file, "max_pending: 1000000\nmax_payload: 2000000\n");
    const r = reloadConfig(s.server);
    assert.equal(r.ok, false);
    assert.match(r.errors[0] ?? "", /max_payload \(2000000\) cannot be higher than max_pending \(1000000\)/);
    assert.equal(s.server.options.maxPayload, 1000);
    writeFileSync(file, `max_pending: 1000000\nmax_payload: 1000\nauthorization { users: [ {user: a, password: b} ], auth_callout { issuer: ${createAccount().getPublicKey()}, auth_users: [a] } }\n`);
    // The auth callout is set up at start: a reload keeps the running one, with a warning.
    const r2 = reloadConfig(s.server);
    assert.equal(r2.ok, true, r2.errors.join(";"));
    assert.ok(r2.ignored.includes("authCallout"), r2.ignored.join());
    assert.equal(s.server.callouts, null);
  });
});

describe("reload through the CLI", () => {
  const cli = fileURLToPath(new URL("../../src/cli/tsnats-server.js", import.meta.url));
  test("tsnats-server --signal reload=PID applies a new password", async (t) => {
    const port = await freePort();
    const file = conf(`listen: 127.0.0.1:${port}\nauthorization { user: u, password: one }\n`);
    const child = spawn(process.execPath, [cli, "-c", file], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    t.after(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    await waitFor(() => log.includes("Server is ready"), { timeoutMs: 10_000, what: "server start" });
    const c = await rawLogin(port, "u", "one");
    assert.ok(c.data.includes("PONG"));
    writeFileSync(file, `listen: 127.0.0.1:${port}\nauthorization { user: u, password: two }\n`);
    const sig = spawnSync(process.execPath, [cli, "--signal", `reload=${child.pid}`], { encoding: "utf8" });
    assert.equal(sig.status, 0, sig.stderr);
    await c.waitClosed(5000);
    await waitFor(() => log.includes("Reloaded server configuration"), { what: "reload log" });
    const fresh = await rawLogin(port, "u", "two");
    assert.ok(fresh.data.includes("PONG"), fresh.data);
    fresh.close();
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  });
});

describe("reload of logging", () => {
  test("trace and the log file follow the reloaded config", async (t) => {
    const log1 = join(dir, "one.log");
    const log2 = join(dir, "two.log");
    const file = conf(`log_file: "${log1}"\n`);
    const r = loadConfigFile(file);
    const logger = new Logger({ debug: false, trace: false, logtime: false, logtimeUtc: false, logFile: log1 });
    const s = await startServer({ ...r.options, configFile: file, port: 0, host: "127.0.0.1", logger });
    t.after(() => s.close());
    const nc = await connect({ servers: s.clientURL });
    t.after(() => nc.close());
    nc.publish("before.reload");
    await nc.flush();
    assert.ok(!readFileSync(log1, "utf8").includes("[TRC]"));

    writeFileSync(file, `log_file: "${log2}"\ntrace: true\n`);
    const res = reloadConfig(s.server);
    assert.equal(res.ok, true, res.errors.join("\n"));
    assert.ok(res.applied.includes("trace") && res.applied.includes("logFile"), res.applied.join(","));
    nc.publish("after.reload");
    await nc.flush();
    await waitFor(() => readFileSync(log2, "utf8").includes("<<- [PUB after.reload 0]"));
    assert.ok(!readFileSync(log1, "utf8").includes("after.reload"));
  });
});
