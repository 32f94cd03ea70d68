/**
 * The same operator-mode configuration served by tsnats and by nats-server (2.9, when
 * installed): every login and the errors that follow must read the same on the wire.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createAccount, createUser, encodeUser, fmtCreds, type KeyPair } from "@nats-io/jwt";
import { startServer, type NatsServer } from "../../../src/index.js";
import { natsServerBinary, startNatsServer, type RunningNatsServer } from "../../helpers/nats-server.js";
import { makeAccount, makeOperator, makeUser, nowSec, operatorConfig, rawJwtConnect, type Acct, type UserCreds } from "./fixtures.js";

const bin = natsServerBinary();

interface Scenario {
  name: string;
  user: UserCreds | null;
  connect?: Record<string, unknown>;
  /** Protocol sent after the login's PONG. */
  then?: string;
  /** Opened (and kept) first, e.g. to fill an account's connection limit. */
  before?: UserCreds;
}

/** What the client sees after INFO: the login's answer and what follows `then`, until PONG or close. */
async function transcript(port: number, s: Scenario): Promise<string> {
  const held = s.before !== undefined ? await rawJwtConnect(port, s.before) : null;
  const c = await rawJwtConnect(port, s.user, s.connect ?? {});
  if (s.then !== undefined && !c.closed) {
    c.send(`${s.then}PING\r\n`);
    await c.waitFor((d) => d.split("PONG").length > 2 || d.includes("-ERR 'Maximum Payload")).catch(() => undefined);
  }
  await new Promise((r) => setTimeout(r, 50));
  // An INFO after the login is compared by its max_payload (the rest differs by server).
  const out = c.data.slice(c.data.indexOf("\r\n") + 2).replace(/INFO \{.*"max_payload":(\d+).*\} \r\n/g, "INFO max_payload=$1\r\n") + (c.closed ? "<closed>" : "");
  c.close();
  held?.close();
  return out;
}

describe("operator mode against nats-server", { skip: bin === null ? "nats-server not installed" : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-jwt-interop-"));
  let tsnats: NatsServer;
  let nats: RunningNatsServer;
  const scenarios: Scenario[] = [];

  before(async () => {
    const signer: KeyPair = createAccount();
    const scoped: KeyPair = createAccount();
    const op = await makeOperator();
    const a = await makeAccount(op, "A", {
      signing_keys: [signer.getPublicKey(), { kind: "user_scope", key: scoped.getPublicKey(), role: "r", template: { pub: { allow: ["s.{{name()}}"], deny: [] }, sub: { allow: [], deny: [] }, subs: -1, payload: -1, data: -1 } }],
      default_permissions: undefined,
    });
    const rk = createUser();
    const revoking = await makeAccount(op, "R", { revocations: { [rk.getPublicKey()]: nowSec() + 5 } });
    const rjwt = await encodeUser("rev", rk, revoking.kp);
    const limited = await makeAccount(op, "L", { limits: { conn: 1, subs: 1, payload: 8, data: -1, leaf: -1, imports: -1, exports: -1, wildcards: true, disallow_bearer: true } });
    const expired = await makeAccount(op, "X", {}, { exp: nowSec() - 5 });
    const bare = await makeAccount(op, "B", {}, { bare: true });
    const bareScoped = createAccount();
    const scopedNoLimits = await makeAccount(op, "SNL", { signing_keys: [{ kind: "user_scope", key: bareScoped.getPublicKey(), role: "r", template: { pub: { allow: [">"], deny: [] } } }] });
    const stranger: Acct = { kp: createAccount(), jwt: "", pub: "" };
    const otherOp = await makeOperator();
    const untrusted = await makeAccount(otherOp, "U");
    const hh = (d: Date): string => d.toISOString().slice(11, 19);
    const now = Date.now();
    const u = (name: string, acct: Acct, nats = {}, o = {}): Promise<UserCreds> => makeUser(acct, name, nats, o);
    scenarios.push(
      { name: "valid creds", user: await u("ok", a) },
      { name: "no jwt", user: null },
      { name: "bad signature", user: await u("sig", a), connect: { sig: Buffer.alloc(64).toString("base64url") } },
      { name: "no signature", user: await u("nosig", a), connect: { sig: undefined } },
      { name: "expired user", user: await u("exp", a, {}, { exp: nowSec() - 5 }) },
      { name: "signing key", user: await u("sk", a, {}, { signer }) },
      { name: "unknown signer", user: await u("unk", a, {}, { signer: createAccount() }) },
      { name: "scoped signer", user: await u("sc", a, {}, { signer: scoped, scoped: true }), then: "PUB s.sc 0\r\n\r\nPUB s.other 0\r\n\r\n" },
      { name: "scoped signer with own permissions", user: await u("scp", a, { pub: { allow: ["x"], deny: [] } }, { signer: scoped }) },
      { name: "revoked", user: { kp: rk, jwt: rjwt, creds: fmtCreds(rjwt, rk) } },
      { name: "not revoked", user: await u("nr", revoking) },
      { name: "permissions", user: await u("p", a, { pub: { allow: ["ok.>"], deny: ["ok.no"] }, sub: { allow: ["in.*"], deny: [] } }), then: "PUB ok.1 0\r\n\r\nPUB ok.no 0\r\n\r\nPUB x 0\r\n\r\nSUB in.x 1\r\nSUB out 2\r\nSUB in.x q 3\r\n" },
      { name: "resp permission", user: await u("r", a, { resp: { max: 1, ttl: 0 } }), then: "PUB x 0\r\n\r\n" },
      { name: "connection type STANDARD", user: await u("ct1", a, { allowed_connection_types: ["STANDARD"] }) },
      { name: "connection type WEBSOCKET", user: await u("ct2", a, { allowed_connection_types: ["WEBSOCKET"] }) },
      { name: "src loopback", user: await u("src1", a, { src: ["127.0.0.1/32"] }) },
      { name: "src elsewhere", user: await u("src2", a, { src: ["192.168.0.0/16"] }) },
      { name: "time window now", user: await u("t1", a, { times: [{ start: hh(new Date(now - 3600_000)), end: hh(new Date(now + 3600_000)) }], locale: "UTC" }) },
      { name: "time window later", user: await u("t2", a, { times: [{ start: hh(new Date(now + 3600_000)), end: hh(new Date(now + 7200_000)) }], locale: "UTC" }) },
      { name: "bearer", user: await u("b", a, { bearer_token: true }), connect: { sig: undefined } },
      { name: "bearer disallowed", user: await u("b2", limited, { bearer_token: true }), connect: { sig: undefined } },
      { name: "account connection limit", user: await u("l2", limited), before: await u("l1", limited) },
      { name: "account subs limit", user: await u("l3", limited), then: "SUB a 1\r\nSUB b 2\r\n" },
      { name: "account payload limit", user: await u("l4", limited), then: "PUB a 9\r\n123456789\r\n" },
      { name: "user subs limit", user: await u("us", a, { subs: 1 }), then: "SUB a 1\r\nSUB b 2\r\n" },
      { name: "expired account", user: await u("xa", expired) },
      { name: "account JWT without limits", user: await u("bare", bare) },
      { name: "scoped template without limits", user: await u("snl", scopedNoLimits, {}, { signer: bareScoped, scoped: true }), then: "PUB x 1\r\nx\r\n" },
      { name: "unknown account", user: await u("ua", stranger) },
      { name: "untrusted account", user: await u("ta", untrusted) },
    );
    const conf = join(dir, "op.conf");
    writeFileSync(conf, operatorConfig(op, [a, revoking, limited, expired, untrusted, bare, scopedNoLimits]));
    tsnats = await startServer({ port: 0, host: "127.0.0.1", configFile: conf });
    nats = await startNatsServer(bin!, ["-c", conf]);
  });
  after(async () => {
    await tsnats?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("every login reads the same on both servers", async () => {
    const diffs: string[] = [];
    for (const s of scenarios) {
      const ours = await transcript(tsnats.port, s);
      const theirs = await transcript(nats.port, s);
      if (ours !== theirs) diffs.push(`${s.name}:\n  tsnats:      ${JSON.stringify(ours)}\n  nats-server: ${JSON.stringify(theirs)}`);
    }
    assert.deepEqual(diffs, []);
  });
});
