/**
 * WebSocket pub→sub throughput, tsnats next to nats-server's websocket listener in the
 * same run: each server in its own session (detached), one WS publisher sending masked
 * binary frames of batched PUBs, one WS subscriber counting MSG bytes as frames arrive.
 * Prints msgs/s per server and the ratio tsnats / nats-server.
 *
 * node dist/bench/compare-ws.js [--msgs N] [--size B] [--runs R] [--ws-port P]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { track } from "./children.js";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultTsnatsServerPath, findNatsServer, freePort } from "./compare-servers.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const MSGS = arg("msgs", 1_000_000);
const SIZE = arg("size", 16);
const RUNS = arg("runs", 3);

/** A masked client frame (RFC 6455) around `payload`. */
function frame(payload: Buffer): Buffer {
  const len = payload.length;
  const hl = len <= 125 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(hl + 4 + len);
  out[0] = 0x82;
  if (hl === 2) out[1] = 0x80 | len;
  else if (hl === 4) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const key = randomBytes(4);
  key.copy(out, hl);
  for (let i = 0; i < len; i++) out[hl + 4 + i] = payload[i]! ^ key[i & 3]!;
  return out;
}

/**
 * A lean WS client: upgrade, then `onPayload(bytes)` with the payload byte count of each
 * server frame (headers parsed across chunks, payloads not copied).
 */
function wsOpen(port: number, onPayload: (chunk: Buffer, start: number, end: number) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    s.setNoDelay(true);
    s.once("error", reject);
    let upgraded = false;
    let hdr: Buffer = Buffer.alloc(0);
    let rem = 0;
    s.on("data", (d: Buffer) => {
      let pos = 0;
      if (!upgraded) {
        const e = d.indexOf("\r\n\r\n");
        if (e < 0) return reject(new Error("split upgrade answer"));
        upgraded = true;
        resolve(s);
        pos = e + 4;
      }
      while (pos < d.length) {
        if (rem > 0) {
          const n = Math.min(rem, d.length - pos);
          onPayload(d, pos, pos + n);
          rem -= n;
          pos += n;
          continue;
        }
        hdr = hdr.length === 0 ? d.subarray(pos, pos + 10) : Buffer.concat([hdr, d.subarray(pos, pos + 10)]);
        if (hdr.length < 2) { pos = d.length; continue; }
        const l = hdr[1]! & 0x7f;
        const hl = l === 126 ? 4 : l === 127 ? 10 : 2;
        if (hdr.length < hl) { pos = d.length; continue; }
        const before = hdr.length - Math.min(10, d.length - pos);
        pos += hl - before;
        rem = l === 126 ? hdr.readUInt16BE(2) : l === 127 ? Number(hdr.readBigUInt64BE(2)) : l;
        hdr = Buffer.alloc(0);
      }
    });
  });
}

async function runOnce(port: number): Promise<number> {
  const msgLine = Buffer.byteLength(`MSG b 1 ${SIZE}\r\n`) + SIZE + 2;
  let got = 0;
  let want = -1;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  let text = "";
  const sub = await wsOpen(port, (c, a, b) => {
    if (want < 0) {
      text += c.toString("latin1", a, b);
      return;
    }
    got += b - a;
    if (got >= want) done();
  });
  sub.write(frame(Buffer.from('CONNECT {"verbose":false,"protocol":1}\r\nSUB b 1\r\nPING\r\n')));
  while (!text.includes("PONG")) await new Promise((r) => setTimeout(r, 5));
  want = MSGS * msgLine;
  const pub = await wsOpen(port, () => {});
  pub.write(frame(Buffer.from('CONNECT {"verbose":false,"protocol":1}\r\n')));
  const one = Buffer.from(`PUB b ${SIZE}\r\n${"x".repeat(SIZE)}\r\n`);
  const perFrame = Math.max(1, Math.floor(60_000 / one.length));
  const batch = frame(Buffer.concat(Array.from({ length: perFrame }, () => one)));
  const t0 = process.hrtime.bigint();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < MSGS) {
        const n = Math.min(perFrame, MSGS - sent);
        const f = n === perFrame ? batch : frame(Buffer.concat(Array.from({ length: n }, () => one)));
        sent += n;
        if (!pub.write(f)) return void pub.once("drain", pump);
      }
      resolve();
    };
    pump();
  });
  await finished;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  pub.destroy();
  sub.destroy();
  return MSGS / secs;
}

async function startServer(name: string, argv: string[], port: number): Promise<ChildProcess> {
  const child = track(spawn(argv[0]!, argv.slice(1), { stdio: "ignore", detached: true }));
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); r(true); });
      s.on("error", () => r(false));
    });
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`${name} did not start`);
}

async function main(): Promise<void> {
  // --ws-port P: only measure a server already listening there (e.g. one under --cpu-prof).
  const only = arg("ws-port", 0);
  if (only > 0) {
    for (let r = 0; r < RUNS; r++) console.log(`${Math.round(await runOnce(only)).toLocaleString("en")} msgs/s`);
    return;
  }
  const nats = findNatsServer();
  if (nats === null) throw new Error("nats-server not found");
  const dir = mkdtempSync(join(tmpdir(), "tsnats-ws-bench-"));
  const results: Record<string, number[]> = {};
  try {
    for (const [name, cmd] of [["nats-server", [nats]], ["tsnats", [process.execPath, defaultTsnatsServerPath()]]] as const) {
      const port = await freePort();
      const wsPort = await freePort();
      const conf = join(dir, `${name}.conf`);
      writeFileSync(conf, `host: 127.0.0.1\nport: ${port}\nwebsocket { host: 127.0.0.1, port: ${wsPort}, no_tls: true }\n`);
      const child = await startServer(name, [...cmd, "-c", conf], wsPort);
      try {
        results[name] = [];
        for (let r = 0; r < RUNS; r++) results[name]!.push(await runOnce(wsPort));
      } finally {
        process.kill(-child.pid!, "SIGKILL");
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const best = (xs: number[]): number => Math.max(...xs);
  for (const [n, xs] of Object.entries(results)) console.log(`${n.padEnd(12)} ${xs.map((x) => Math.round(x).toLocaleString("en")).join("  ")} msgs/s (best ${Math.round(best(xs)).toLocaleString("en")})`);
  console.log(`ratio tsnats/nats-server (best of ${RUNS}): ${(best(results.tsnats!) / best(results["nats-server"]!)).toFixed(2)}  (${MSGS} msgs of ${SIZE} B, ws pub → ws sub)`);
}

await main();
