/**
 * Operator mode and JetStream: an account JWT's JetStream limits (`mem_storage`,
 * `disk_storage`, `streams`, ...) enable JetStream for the account, and a JWT update
 * applies new limits to the running account, or turns JetStream off (nats-server
 * updateAccountClaimsWithRefresh).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createAccount, encodeAccount } from "@nats-io/jwt";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import { startServer, type NatsServer } from "../../../src/index.js";
import { makeOperator, makeUser, NO_LIMITS, operatorConfig, type Acct, type Op } from "./fixtures.js";
import { waitFor } from "../../helpers/wait-for.js";

const JS_LIMITS = { mem_storage: -1, disk_storage: -1, streams: 1, consumer: -1, max_ack_pending: -1, mem_max_stream_bytes: -1, disk_max_stream_bytes: -1, max_bytes_required: false };

describe("operator mode: JetStream limits from the account JWT, live", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-jwt-js-"));
  let op: Op;
  let acc: Acct;
  let noJs: Acct;
  let server: NatsServer;
  const conns: NatsConnection[] = [];

  const accountJwt = (limits: Record<string, unknown>): Promise<string> => encodeAccount("J", acc.kp, { limits: { ...NO_LIMITS, ...limits } as never }, { signer: op.kp });
  const login = async (a: Acct): Promise<NatsConnection> => {
    const nc = await connect({ port: server.port, authenticator: credsAuthenticator((await makeUser(a, "u")).creds) });
    conns.push(nc);
    return nc;
  };
  const update = async (jwt: string): Promise<void> => {
    const sys = await login(op.sys);
    const r = (await sys.request(`$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.UPDATE`, jwt, { timeout: 2000 })).json<{ data?: { message: string } }>();
    assert.equal(r.data?.message, "jwt updated", JSON.stringify(r));
  };

  before(async () => {
    op = await makeOperator();
    const kp = createAccount();
    acc = { kp, pub: kp.getPublicKey(), jwt: "" };
    acc.jwt = await accountJwt(JS_LIMITS);
    const nk = createAccount();
    noJs = { kp: nk, pub: nk.getPublicKey(), jwt: await encodeAccount("N", nk, { limits: NO_LIMITS as never }, { signer: op.kp }) };
    server = await startServer({ port: 0, host: "127.0.0.1", config: `${operatorConfig(op, [acc, noJs])}\njetstream { store_dir: "${dir}" }\n` });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("an account JWT without JetStream limits has no JetStream", async () => {
    const nc = await login(noJs);
    const r = (await nc.request("$JS.API.INFO", "", { timeout: 2000 })).json<{ error: { err_code: number } }>();
    assert.equal(r.error.err_code, 10039);
  });

  test("the JWT's limits apply, and an update changes them on the running account", async () => {
    const nc = await login(acc);
    const jsm = await jetstreamManager(nc);
    assert.equal((await jsm.getAccountInfo()).limits.max_streams, 1);
    await jsm.streams.add({ name: "S1", subjects: ["s1"], storage: StorageType.Memory });
    await assert.rejects(jsm.streams.add({ name: "S2", subjects: ["s2"], storage: StorageType.Memory }), /maximum number of streams reached/);
    await update(await accountJwt({ ...JS_LIMITS, streams: 2 }));
    assert.equal((await jsm.getAccountInfo()).limits.max_streams, 2);
    await jsm.streams.add({ name: "S2", subjects: ["s2"], storage: StorageType.Memory });
    // Limits without storage turn JetStream off for the account.
    await update(await accountJwt({ ...JS_LIMITS, mem_storage: 0, disk_storage: 0 }));
    const r = (await nc.request("$JS.API.INFO", "", { timeout: 2000 })).json<{ error?: { err_code: number } }>();
    assert.equal(r.error?.err_code, 10039);
  });
});

describe("operator mode: JetStream tiered_limits from the account JWT", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-jwt-tiers-"));
  let op: Op;
  let acc: Acct;
  let off: Acct;
  let server: NatsServer;
  const conns: NatsConnection[] = [];
  const TIER = { mem_storage: -1, disk_storage: -1, streams: 1, consumer: -1, max_ack_pending: -1, mem_max_stream_bytes: -1, disk_max_stream_bytes: -1, max_bytes_required: false };

  const tieredJwt = (kp: Acct["kp"], tiers: Record<string, unknown>): Promise<string> =>
    encodeAccount("T", kp, { limits: { ...NO_LIMITS, tiered_limits: tiers } as never }, { signer: op.kp });
  const login = async (a: Acct): Promise<NatsConnection> => {
    const nc = await connect({ port: server.port, authenticator: credsAuthenticator((await makeUser(a, "u")).creds) });
    conns.push(nc);
    return nc;
  };
  const update = async (jwt: string): Promise<void> => {
    const sys = await login(op.sys);
    const r = (await sys.request(`$SYS.REQ.ACCOUNT.${acc.pub}.CLAIMS.UPDATE`, jwt, { timeout: 2000 })).json<{ data?: { message: string } }>();
    assert.equal(r.data?.message, "jwt updated", JSON.stringify(r));
  };
  type Info = { error?: { err_code: number }; limits: { max_streams: number; max_memory: number }; tiers?: Record<string, { streams: number; limits: { max_streams: number } }> };
  const info = async (nc: NatsConnection): Promise<Info> => (await nc.request("$JS.API.INFO", "", { timeout: 2000 })).json<Info>();
  const create = async (nc: NatsConnection, name: string, replicas = 1): Promise<{ error?: { err_code: number; description: string } }> =>
    (await nc.request(`$JS.API.STREAM.CREATE.${name}`, JSON.stringify({ name, subjects: [name.toLowerCase()], storage: "memory", num_replicas: replicas }), { timeout: 2000 })).json();

  before(async () => {
    op = await makeOperator();
    const kp = createAccount();
    acc = { kp, pub: kp.getPublicKey(), jwt: "" };
    acc.jwt = await tieredJwt(kp, { R1: TIER, R3: { ...TIER, streams: 5 } });
    const ok = createAccount();
    off = { kp: ok, pub: ok.getPublicKey(), jwt: "" };
    off.jwt = await tieredJwt(ok, { R1: { ...TIER, mem_storage: 0, disk_storage: 0 } });
    server = await startServer({ port: 0, host: "127.0.0.1", config: `${operatorConfig(op, [acc, off])}\njetstream { store_dir: "${dir}" }\n` });
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("tiers without storage leave JetStream off", async () => {
    assert.equal((await info(await login(off))).error?.err_code, 10039);
  });

  test("a stream takes its replicas' tier; INFO reports each tier, top-level limits zero", async () => {
    const nc = await login(acc);
    const i = await info(nc);
    assert.equal(i.error, undefined);
    assert.equal(i.limits.max_streams, 0);
    assert.equal(i.tiers?.R1?.limits.max_streams, 1);
    assert.equal(i.tiers?.R3?.limits.max_streams, 5);
    assert.equal((await create(nc, "A1")).error, undefined);
    assert.equal((await create(nc, "A2")).error?.err_code, 10027, "R1 tier: one stream");
    assert.equal((await info(nc)).tiers?.R1?.streams, 1);
    // No R5 tier: nats-server's JSNoLimitsErr.
    const none = await create(nc, "A5", 5);
    assert.equal(none.error?.err_code, 10120);
    assert.equal(none.error?.description, "no JetStream default or applicable tiered limit present");
  });

  test("a live update of the tiers applies: no R1 tier refuses R1 streams, a bigger one admits them", async () => {
    const nc = await login(acc);
    await update(await tieredJwt(acc.kp, { R3: TIER }));
    await waitFor(async () => (await info(nc)).tiers?.R1 === undefined, { what: "R1 tier gone" });
    assert.equal((await create(nc, "B1")).error?.err_code, 10120);
    await update(await tieredJwt(acc.kp, { R1: { ...TIER, streams: 3 } }));
    await waitFor(async () => (await info(nc)).tiers?.R1?.limits.max_streams === 3, { what: "R1 tier raised" });
    assert.equal((await create(nc, "B1")).error, undefined);
  });
});
