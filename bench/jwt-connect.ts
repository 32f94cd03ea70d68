/**
 * Connect rate with JWT authentication, tsnats against nats-server: operator mode with a
 * MEMORY resolver and one account; each login is a fresh TCP connection that reads INFO,
 * signs the nonce with the user's nkey, sends CONNECT + PING, waits for PONG and closes.
 * `--parallel` loops log in at once until `--logins` are done. Each server runs alone, with
 * the same config file. Both servers stay up and `--rounds` alternate between them, so
 * noise from a shared machine hits both; the ratio is of the medians. `--tsnats-cmd` runs
 * another tsnats build (`{port}` and `{config}` are substituted).
 * Usage: `node dist/bench/jwt-connect.js [--logins 2000] [--parallel 8] [--users 16]
 * [--rounds 3] [--nats-server PATH] [--tsnats-cmd CMD]`.
 */
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, type KeyPair } from "@nats-io/jwt";
import { defaultTsnatsServerPath, findNatsServer, startServer, waitIdle, type RunningServer, type ServerSpec } from "./compare-servers.js";
import { parseFlags, runMain } from "./script-args.js";

const USAGE = "Usage: node dist/bench/jwt-connect.js [--logins 2000] [--parallel 8] [--users 16] [--rounds 3] [--nats-server PATH] [--tsnats-cmd CMD]\n";
const NO_LIMITS = { conn: -1, subs: -1, payload: -1, data: -1, leaf: -1, imports: -1, exports: -1, wildcards: true };

interface User {
  kp: KeyPair;
  jwt: string;
  /** The user key for node:crypto: @nats-io/nkeys' pure-JS sign (~25 ms) would make the client the bottleneck. */
  key: KeyObject;
}

/** PKCS#8 DER prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** An nkey seed (`SU...`) as a node:crypto private key: base32, 2 prefix bytes, 32 seed bytes, CRC. */
function seedKey(seed: Uint8Array): KeyObject {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of new TextDecoder().decode(seed)) {
    value = ((value << 5) | alphabet.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const raw = Buffer.from(bytes).subarray(2, 34);
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]), format: "der", type: "pkcs8" });
}

/** One login: INFO, signed CONNECT, PONG, close. */
function login(port: number, u: User): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, "127.0.0.1");
    let buf = "";
    let sent = false;
    s.setNoDelay(true);
    s.on("error", reject);
    s.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      if (!sent) {
        const eol = buf.indexOf("\r\n");
        if (eol < 0) return;
        const nonce = (JSON.parse(buf.slice(5, eol)) as { nonce: string }).nonce;
        const sig = sign(null, Buffer.from(nonce), u.key).toString("base64url");
        s.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, jwt: u.jwt, sig })}\r\nPING\r\n`);
        sent = true;
        buf = buf.slice(eol + 2);
      }
      if (buf.includes("PONG\r\n")) {
        s.destroy();
        resolve();
      } else if (buf.includes("-ERR")) {
        s.destroy();
        reject(new Error(buf.trim()));
      }
    });
  });
}

async function run(port: number, users: User[], logins: number, parallel: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const loop = async (): Promise<void> => {
    while (next < logins) {
      const i = next++;
      await login(port, users[i % users.length]!);
    }
  };
  await Promise.all(Array.from({ length: parallel }, loop));
  return logins / ((performance.now() - t0) / 1000);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const o = { logins: 2000, parallel: 8, users: 16, rounds: 3, natsServer: "", tsnatsCmd: "" };
  parseFlags(process.argv.slice(2), USAGE, {
    "--logins": (v) => (o.logins = Number(v)),
    "--parallel": (v) => (o.parallel = Number(v)),
    "--users": (v) => (o.users = Number(v)),
    "--rounds": (v) => (o.rounds = Number(v)),
    "--nats-server": (v) => (o.natsServer = v),
    "--tsnats-cmd": (v) => (o.tsnatsCmd = v),
  });
  const dir = mkdtempSync(join(tmpdir(), "tsnats-jwt-connect-"));
  const running: RunningServer[] = [];
  try {
    const opKp = createOperator();
    const sysKp = createAccount();
    const accKp = createAccount();
    const sysJwt = await encodeAccount("SYS", sysKp, { limits: NO_LIMITS }, { signer: opKp });
    const accJwt = await encodeAccount("A", accKp, { limits: NO_LIMITS }, { signer: opKp });
    const opJwt = await encodeOperator("OP", opKp, { system_account: sysKp.getPublicKey() });
    const users: User[] = [];
    for (let i = 0; i < o.users; i++) {
      const kp = createUser();
      const key = seedKey(kp.getSeed());
      const probe = Buffer.from("probe");
      if (!kp.verify(probe, sign(null, probe, key))) throw new Error("seed decoding broken");
      users.push({ kp, key, jwt: await encodeUser(`u${i}`, kp, accKp, { subs: -1, payload: -1, data: -1 }) });
    }
    const config = join(dir, "op.conf");
    writeFileSync(config, `operator: "${opJwt}"\nsystem_account: ${sysKp.getPublicKey()}\nresolver: MEMORY\nresolver_preload {\n  ${sysKp.getPublicKey()}: "${sysJwt}"\n  ${accKp.getPublicKey()}: "${accJwt}"\n}\n`);
    const tsnatsArgv = o.tsnatsCmd !== "" ? o.tsnatsCmd.split(" ") : [process.execPath, defaultTsnatsServerPath(), "-a", "127.0.0.1", "-p", "{port}", "-c", "{config}"];
    const specs: ServerSpec[] = [{ name: "tsnats", argv: tsnatsArgv.map((a) => a.replaceAll("{config}", config)) }];
    const ns = o.natsServer !== "" ? o.natsServer : findNatsServer();
    if (ns !== null) specs.push({ name: "nats-server", argv: [ns, "-a", "127.0.0.1", "-p", "{port}", "-c", config] });
    for (const spec of specs) {
      const srv = await startServer(spec);
      running.push(srv);
      await waitIdle(srv.pid);
      await run(srv.port, users, Math.min(200, o.logins), o.parallel); // warm-up
    }
    const rates: Record<string, number[]> = {};
    for (let r = 0; r < o.rounds; r++) {
      // Alternate which server goes first, so a drift in load favours neither.
      const order = r % 2 === 0 ? running : [...running].reverse();
      for (const srv of order) {
        await waitIdle(srv.pid);
        const rate = await run(srv.port, users, o.logins, o.parallel);
        (rates[srv.spec.name] ??= []).push(rate);
        process.stdout.write(`round ${r + 1} ${srv.spec.name}: ${rate.toFixed(0)} JWT logins/s (${o.logins} logins, ${o.parallel} in parallel), load ${loadavg()[0]!.toFixed(2)}\n`);
      }
    }
    const ts = rates.tsnats;
    const ns2 = rates["nats-server"];
    if (ts !== undefined && ns2 !== undefined) {
      const each = ts.map((t, i) => (t / ns2[i]!).toFixed(2)).join(" ");
      process.stdout.write(`ratio tsnats/nats-server (medians of ${o.rounds}): ${(median(ts) / median(ns2)).toFixed(2)}  per round: ${each}  load ${loadavg()[0]!.toFixed(2)}\n`);
    }
  } finally {
    for (const srv of running) await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
