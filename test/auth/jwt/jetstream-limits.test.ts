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
