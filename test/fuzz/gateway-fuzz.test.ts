/**
 * Seeded fuzz of the gateway verbs. Gateway A (user and password required, unknown
 * gateways rejected) is linked with gateway B. For a bounded time, many connections to A's
 * gateway port send a handshake (often a valid one for gateway B, so the verbs after it are
 * served) followed by valid and mutated RMSG/HMSG/RS+/RS-/A+/A-/INFO/PING/PONG lines, the
 * whole session cut into frames at random offsets. Among them, handshakes nats-server refuses
 * with a known error: a client's CONNECT (with and without the gateway's credentials), a
 * wrong password, a gateway A does not know; each must get nats-server's `-ERR` line and be
 * closed. Meanwhile messages flow B -> A over the real gateway and a client of A talks to
 * itself. A must survive, keep its links to B, deliver every good message in order, drop
 * every fuzz connection and keep its memory bounded. The seed is printed; replay with
 * FUZZ_SEED=<seed>.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { NatsServer } from "../../src/index.js";
import { gatewayPort, startGatewayNode, waitGatewaysMeshed } from "../helpers/supercluster.js";
import { mutate } from "../helpers/mutate.js";
import { freePort } from "../helpers/nats-server.js";
import { prng } from "../helpers/prng.js";
import { waitFor } from "../helpers/wait-for.js";

const VERBS = [
  "RMSG $G fuzz.a 5\r\nhello\r\n",
  "RMSG $G fuzz.b r.1 3\r\nabc\r\n",
  "RMSG $G fuzz.c + r.2 q 2\r\nhi\r\n",
  "RMSG $G fuzz.d | q 2\r\nhi\r\n",
  "RMSG $G _GR_.abcdef.ghijkl.r 2\r\nhi\r\n",
  "RMSG NOPE fuzz.e 1\r\nx\r\n",
  "RMSG $G fuzz.f -1\r\n",
  "RMSG $G fuzz.g 99999999\r\n",
  "HMSG $G fuzz.h 12 14\r\nNATS/1.0\r\n\r\nxx\r\n",
  "HMSG $G fuzz.i 40 40\r\nNATS/1.0\r\nNats-Trace-Dest: t.x\r\n\r\n\r\n",
  "RS+ $G fuzz.a\r\n",
  "RS- $G fuzz.a\r\n",
  "A+ $G\r\n",
  "A- $G\r\n",
  'INFO {"gateway":"B","gateway_cmd":2,"gateway_cmd_payload":"$G"}\r\n',
  "PING\r\n",
  "PONG\r\n",
];

const CREDS = { user: "gu", pass: "gp" };

const CONNECT = (o: Record<string, unknown>): string => `CONNECT ${JSON.stringify({ echo: false, verbose: false, pedantic: false, ...o })}\r\n`;

/** A handshake for gateway B: usually valid, with a fresh server ID; sometimes mutated. */
function handshake(rand: () => number, n: number): string {
  const id = `NGWFUZZ${n}X${Math.floor(rand() * 1e9)}`;
  const hs =
    CONNECT({ name: id, gateway: "B", ...CREDS }) + `INFO {"server_id":"${id}","gateway":"B","gateway_urls":[],"host":"127.0.0.1","port":1,"headers":true,"proto":3}\r\n`;
  return rand() < 0.15 ? mutate(rand, hs).toString("latin1") : hs;
}

/** Handshakes nats-server refuses, with its error line (gateway.go processGatewayConnect). */
const REFUSED: Array<[string, string]> = [
  ['CONNECT {"verbose":false,"lang":"go","version":"1.0"}\r\n', "-ERR 'Authorization Violation'"],
  [CONNECT({ lang: "go", ...CREDS }), "-ERR 'attempted to connect to gateway port'"],
  [CONNECT({ name: "NWRONG", gateway: "B", user: "gu", pass: "nope" }), "-ERR 'Authorization Violation'"],
  [CONNECT({ name: "NUNKNOWN", gateway: "Z", ...CREDS }), `-ERR 'Connection to gateway "A" rejected'`],
];

/** Writes `data` cut at random offsets, yielding to the event loop between some frames. */
async function writeSplit(rand: () => number, sock: net.Socket, data: Buffer): Promise<void> {
  let at = 0;
  while (at < data.length && !sock.destroyed) {
    const n = rand() < 0.5 ? data.length - at : 1 + Math.floor(rand() * Math.min(64, data.length - at));
    sock.write(data.subarray(at, at + n));
    at += n;
    if (rand() < 0.3) await new Promise((r) => setImmediate(r));
  }
}

/** Runs one refused handshake; returns what went wrong, or "" when A answered as nats-server. */
async function refused(port: number, line: string, want: string): Promise<string> {
  const sock = net.connect(port, "127.0.0.1");
  let data = "";
  let closed = false;
  sock.on("error", () => {});
  sock.on("data", (d: Buffer) => (data += d.toString("latin1")));
  sock.on("close", () => (closed = true));
  await new Promise<void>((resolve) => {
    sock.once("connect", () => resolve());
    sock.once("close", () => resolve());
  });
  sock.write(line);
  const deadline = Date.now() + 5000;
  while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  sock.destroy();
  const errs = data.split("\r\n").filter((l) => l.startsWith("-ERR"));
  if (!closed) return `not closed after ${JSON.stringify(line)}`;
  return errs.length === 1 && errs[0] === want ? "" : `${JSON.stringify(line)} got ${JSON.stringify(errs)}, want ${want}`;
}

test("fuzzed gateway verbs never hurt the server, its gateway links or other traffic", { timeout: 120_000 }, async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const rand = prng(seed);
  console.log(`gateway fuzz seed ${seed}`);
  const bPort = await freePort();
  const a: NatsServer = await startGatewayNode("A", null, [{ name: "B", urls: [`nats://127.0.0.1:${bPort}`] }], {
    serverName: "a",
    gateway: { name: "A", host: "127.0.0.1", port: -1, username: CREDS.user, password: CREDS.pass, rejectUnknownCluster: true },
  });
  const b: NatsServer = await startGatewayNode("B", null, [{ name: "A", urls: [`nats://${CREDS.user}:${CREDS.pass}@127.0.0.1:${gatewayPort(a)}`] }], {
    serverName: "b",
    gateway: { name: "B", host: "127.0.0.1", port: bPort },
  });
  const conns: NatsConnection[] = [];
  try {
    await waitGatewaysMeshed([[a], [b]]);
    const port = gatewayPort(a);
    const out = a.server.gateways!.out.get("B")!;
    const inboundFromB = [...a.server.gateways!.inbound.values()];
    const sub = await connect({ servers: a.clientURL });
    const local = await connect({ servers: a.clientURL });
    const pub = await connect({ servers: b.clientURL });
    conns.push(sub, local, pub);
    const got: number[] = [];
    sub.subscribe("good.gw", { callback: (_e, m) => void got.push(Number(m.string())) });
    local.subscribe("good.local", { callback: (_e, m) => void m.respond(m.data) });
    await sub.flush();
    await local.flush();
    // Interest in good.gw reached B: probe until one arrives.
    let probes = 0;
    sub.subscribe("good.probe", { callback: () => void probes++ });
    await sub.flush();
    await waitFor(
      async () => {
        pub.publish("good.probe");
        await pub.flush();
        return probes > 0;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: "B's messages reach A" },
    );
    const rssBefore = process.memoryUsage().rss;

    const deadline = Date.now() + 3000;
    let fuzzConns = 0;
    const wrong: string[] = [];
    const fuzzer = async (): Promise<void> => {
      while (Date.now() < deadline && fuzzConns < 1000) {
        const n = ++fuzzConns;
        if (rand() < 0.1) {
          const [line, want] = REFUSED[Math.floor(rand() * REFUSED.length)]!;
          const why = await refused(port, line, want);
          if (why !== "") wrong.push(why);
          continue;
        }
        const sock = net.connect(port, "127.0.0.1");
        sock.on("error", () => {});
        sock.on("data", () => {});
        await new Promise<void>((resolve) => {
          sock.once("connect", () => resolve());
          sock.once("close", () => resolve());
        });
        const parts: Buffer[] = [Buffer.from(handshake(rand, n), "latin1")];
        const lines = 1 + Math.floor(rand() * 20);
        for (let i = 0; i < lines; i++) {
          const base = VERBS[Math.floor(rand() * VERBS.length)]!;
          parts.push(rand() < 0.5 ? Buffer.from(base, "latin1") : mutate(rand, base));
        }
        await writeSplit(rand, sock, Buffer.concat(parts));
        if (rand() < 0.5) sock.destroy();
        else sock.end();
      }
    };
    let sent = 0;
    let echoes = 0;
    const publisher = async (): Promise<void> => {
      while (Date.now() < deadline && sent < 10_000) {
        pub.publish("good.gw", String(sent));
        sent++;
        if (sent % 50 === 0) {
          await pub.flush();
          // The bystander on A: a request answered by another client of A.
          if ((await local.request("good.local", "x", { timeout: 5000 })).string() === "x") echoes++;
        }
      }
      await pub.flush();
    };
    await Promise.all([fuzzer(), fuzzer(), fuzzer(), fuzzer(), publisher()]);

    await waitFor(() => got.length === sent, { timeoutMs: 20_000, what: `gateway traffic: ${got.length}/${sent} (seed ${seed})` });
    assert.deepEqual(got, Array.from({ length: sent }, (_, i) => i), `gateway traffic in order (seed ${seed})`);
    assert.ok(echoes > 0, `the bystander's requests were answered (seed ${seed})`);
    assert.deepEqual(wrong, [], `refused handshakes answered as nats-server does (seed ${seed})`);
    assert.equal(out.closed, false, `the outbound link to B survived (seed ${seed})`);
    for (const gw of inboundFromB) assert.equal(gw.closed, false, `the inbound link from B survived (seed ${seed})`);
    // Every fuzz connection goes, in time: only B's inbound links stay.
    await waitFor(() => a.server.gateways!.inbound.size === inboundFromB.length, {
      timeoutMs: 20_000,
      what: `fuzz gateways gone: ${a.server.gateways!.inbound.size} inbound (seed ${seed})`,
    });
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    assert.ok(grownMb < 300, `rss grew by ${grownMb.toFixed(0)} MB (seed ${seed})`);
    console.log(`gateway fuzz: ${fuzzConns} connections, ${sent} good messages, ${echoes} bystander requests, rss +${grownMb.toFixed(0)} MB`);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await Promise.all([a.close(), b.close()]);
  }
});
