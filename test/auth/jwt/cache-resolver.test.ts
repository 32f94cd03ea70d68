/**
 * The cache resolver's bounds (nats-server CacheDirAccResolver: `limit`, least recently
 * used evicted first; `ttl`, unused JWTs removed): evicted accounts are gone from the
 * directory and their users refused or disconnected.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { startServer } from "../../../src/index.js";
import { CacheTracker } from "../../../src/auth/jwt/cache-tracker.js";
import { waitFor } from "../../helpers/wait-for.js";
import { makeAccount, makeOperator, makeUser, rawJwtConnect, type Acct, type Op } from "./fixtures.js";

const AUTH_ERR = "-ERR 'Authorization Violation'\r\n";
const root = mkdtempSync(join(tmpdir(), "tsnats-jwt-cache-"));
after(() => rmSync(root, { recursive: true, force: true }));

function cacheConfig(op: Op, dir: string, opts: string, preload: Acct[]): string {
  const lines = preload.map((a) => `  ${a.pub}: "${a.jwt}"`).join("\n");
  return `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver { type: cache, dir: "${dir}", ${opts} }\nresolver_preload {\n${lines}\n}\n`;
}

test("CacheTracker: least recently used out first, a use renews, ttl expires", () => {
  const evicted: string[] = [];
  const t = new CacheTracker(2, 1000, true, (k) => evicted.push(k));
  t.touch("a", 0);
  t.touch("b", 0);
  t.used("a", 10);
  t.touch("c", 20);
  assert.deepEqual(evicted, ["b"]);
  t.used("zzz", 30); // untracked: stays a miss
  assert.equal(t.size, 2);
  t.expire(1015);
  assert.deepEqual(evicted, ["b", "a"]);
  t.expire(1020);
  assert.deepEqual(evicted, ["b", "a", "c"]);
  t.close();
});

test("limit: over it, the least recently used JWT is removed and its users refused", async () => {
  const op = await makeOperator();
  const [a, b, c] = [await makeAccount(op, "A"), await makeAccount(op, "B"), await makeAccount(op, "C")];
  const dir = join(root, "limit");
  // Stored in this order at start: A is the oldest when C arrives.
  const server = await startServer({ port: 0, host: "127.0.0.1", config: cacheConfig(op, dir, "limit: 3", [a, b, c, op.sys]) });
  try {
    assert.ok(!existsSync(join(dir, `${a.pub}.jwt`)));
    assert.ok(existsSync(join(dir, `${c.pub}.jwt`)));
    const refused = await rawJwtConnect(server.port, await makeUser(a, "u"));
    await refused.waitClosed();
    assert.ok(refused.data.endsWith(AUTH_ERR), refused.data);
    const ok = await rawJwtConnect(server.port, await makeUser(c, "u"));
    assert.ok(ok.data.includes("PONG\r\n"), ok.data);
    ok.close();
  } finally {
    await server.close();
  }
});

test("ttl: an unused JWT is removed after it; a connected user of it is disconnected", async () => {
  const op = await makeOperator();
  const a = await makeAccount(op, "A");
  const dir = join(root, "ttl");
  // Made before the server starts: the login must come well within the ttl, even on a loaded machine.
  const user = await makeUser(a, "u");
  const server = await startServer({ port: 0, host: "127.0.0.1", config: cacheConfig(op, dir, 'ttl: "2s"', [op.sys, a]) });
  try {
    const c = await rawJwtConnect(server.port, user);
    assert.ok(c.data.includes("PONG\r\n"), c.data);
    await waitFor(() => !existsSync(join(dir, `${a.pub}.jwt`)), { what: "A expired from the cache", timeoutMs: 10_000 });
    await c.waitClosed();
    assert.match(c.data, /Account Authentication Expired/);
  } finally {
    await server.close();
  }
});

test("CacheTracker with ttl 0: a JWT goes when its own exp passes; a use keeps that expiry", () => {
  const evicted: string[] = [];
  const t = new CacheTracker(10, 0, true, (k) => evicted.push(k));
  t.touch("forever", 0, 0);
  t.touch("short", 0, 1000);
  t.used("short", 900);
  t.expire(999);
  assert.deepEqual(evicted, []);
  t.expire(1000);
  assert.deepEqual(evicted, ["short"]);
  t.expire(1e12);
  assert.deepEqual(evicted, ["short"]);
  t.close();
});

test("ttl 0: an account JWT whose exp passes is removed and its users disconnected, then refused", async () => {
  const op = await makeOperator();
  const short = await makeAccount(op, "SHORT", {}, { exp: Math.floor(Date.now() / 1000) + 2 });
  const stays = await makeAccount(op, "STAYS");
  const dir = join(root, "jwt-exp");
  const server = await startServer({ port: 0, host: "127.0.0.1", config: cacheConfig(op, dir, "limit: 10", [short, stays, op.sys]) });
  try {
    const file = join(dir, `${short.pub}.jwt`);
    assert.ok(existsSync(file));
    const c = await rawJwtConnect(server.port, await makeUser(short, "u"));
    assert.ok(c.data.includes("PONG\r\n"), c.data);
    await c.waitClosed();
    assert.match(c.data, /-ERR 'Account Authentication Expired'/);
    await waitFor(() => !existsSync(file), { what: "expired JWT removed from the cache" });
    assert.ok(existsSync(join(dir, `${stays.pub}.jwt`)));
    const refused = await rawJwtConnect(server.port, await makeUser(short, "u2"));
    await refused.waitClosed();
    assert.ok(refused.data.endsWith(AUTH_ERR), refused.data);
  } finally {
    await server.close();
  }
});
