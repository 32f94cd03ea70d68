/**
 * Expired account JWTs next to nats-server (2.9, when installed): the same URL-resolver
 * story (login, expiry, refused login, renewed JWT served, login) gives the same wire
 * endings and the same number of fetches; a full resolver's `limit` refuses the same way.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { encodeAccount } from "@nats-io/jwt";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { startServer } from "../../../src/index.js";
import { natsServerBinary, startNatsServer } from "../../helpers/nats-server.js";
import { makeAccount, makeOperator, makeUser, NO_LIMITS, nowSec, rawJwtConnect, type Op } from "./fixtures.js";

const bin = natsServerBinary();

/** Starts a server (ours or nats-server) from a config text; returns its port and a stop function. */
type Start = (conf: string) => Promise<{ port: number; stop: () => Promise<void> }>;

const ours: Start = async (conf) => {
  const s = await startServer({ port: 0, host: "127.0.0.1", config: conf });
  return { port: s.port, stop: () => s.close() };
};

function theirs(dir: string): Start {
  return async (conf) => {
    writeFileSync(join(dir, "ns.conf"), conf);
    const ns = await startNatsServer(bin!, ["-c", join(dir, "ns.conf")]);
    return { port: ns.port, stop: () => ns.stop() };
  };
}

/** The last line each step's connection saw, and the account's fetch count. */
async function urlStory(start: Start, op: Op): Promise<string[]> {
  // Over a second after the first login: the login after expiry is past the one-second "too soon".
  const acc = await makeAccount(op, "SHORT", {}, { exp: nowSec() + 3 });
  const jwts = new Map([[op.sys.pub, op.sys.jwt], [acc.pub, acc.jwt]]);
  let hits = 0;
  const web = http.createServer((req, res) => {
    const key = (req.url ?? "").split("/").pop() ?? "";
    if (key === acc.pub) hits++;
    const jwt = jwts.get(key);
    if (key === "") res.writeHead(200).end(); // nats-server checks the base URL at start
    else if (jwt === undefined) res.writeHead(404).end();
    else res.writeHead(200).end(jwt);
  });
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/jwt/v1/accounts/`;
  const server = await start(`operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver: URL("${url}")\n`);
  const out: string[] = [];
  const last = (data: string): string => data.trimEnd().split("\r\n").pop() ?? "";
  try {
    const c = await rawJwtConnect(server.port, await makeUser(acc, "u"));
    out.push(last(c.data));
    await c.waitClosed(6000);
    out.push(last(c.data));
    const refused = await rawJwtConnect(server.port, await makeUser(acc, "late"));
    await refused.waitClosed();
    out.push(last(refused.data), `fetches ${hits}`);
    jwts.set(acc.pub, await encodeAccount("SHORT", acc.kp, { limits: NO_LIMITS }, { signer: op.kp }));
    const back = await rawJwtConnect(server.port, await makeUser(acc, "back"));
    out.push(last(back.data), `fetches ${hits}`);
    back.close();
  } finally {
    await server.stop();
    web.closeAllConnections();
    await new Promise<void>((resolve) => web.close(() => resolve()));
  }
  return out;
}

/** A full resolver with `limit: 2` (the system account stored first): two pushes' answers. */
async function limitStory(start: Start, op: Op, dir: string): Promise<string[]> {
  const server = await start(`operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver { type: full, dir: "${dir}", limit: 2 }\nresolver_preload { ${op.sys.pub}: "${op.sys.jwt}" }\n`);
  const out: string[] = [];
  try {
    const nc = await connect({ port: server.port, authenticator: credsAuthenticator((await makeUser(op.sys, "admin")).creds) });
    for (const name of ["A", "B"]) {
      const j = (await nc.request("$SYS.REQ.CLAIMS.UPDATE", (await makeAccount(op, name)).jwt, { timeout: 2500 })).json<Record<string, Record<string, unknown>>>();
      for (const part of [j.data, j.error]) if (part !== undefined) delete part.account;
      delete j.server;
      out.push(JSON.stringify(j));
    }
    await nc.close();
  } finally {
    await server.stop();
  }
  return out;
}

describe("expired account JWTs against nats-server", { skip: bin === null ? "nats-server not installed" : false }, () => {
  test("URL resolver: expiry, refusal and renewal look the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsnats-jwt-exp-interop-"));
    try {
      const op = await makeOperator();
      const [a, b] = await Promise.all([urlStory(ours, op), urlStory(theirs(dir), op)]);
      assert.deepEqual(a, b);
      assert.deepEqual(a, ["PONG", "-ERR 'Account Authentication Expired'", "-ERR 'Authorization Violation'", "fetches 2", "PONG", "fetches 3"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("full resolver: past limit a new account is refused the same way", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsnats-jwt-limit-interop-"));
    try {
      const op = await makeOperator();
      const a = await limitStory(ours, op, join(dir, "ts"));
      const b = await limitStory(theirs(dir), op, join(dir, "ns"));
      assert.deepEqual(a, b);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
