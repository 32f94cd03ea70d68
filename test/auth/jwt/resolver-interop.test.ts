/**
 * The full resolver's `$SYS.REQ.CLAIMS.*` answers next to nats-server (2.9, when installed):
 * the same requests from a system-account user, the replies compared without their
 * `server` part (it differs by server).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { encodeGeneric } from "@nats-io/jwt";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { startServer } from "../../../src/index.js";
import { natsServerBinary, startNatsServer } from "../../helpers/nats-server.js";
import { makeAccount, makeOperator, makeUser, type Acct, type Op, type UserCreds } from "./fixtures.js";

const bin = natsServerBinary();

/** Every request's reply, as JSON without `server`, or the raw text's start. */
async function probe(port: number, op: Op, a: Acct, stranger: Acct, admin: UserCreds): Promise<string[]> {
  const nc = await connect({ port, authenticator: credsAuthenticator(admin.creds) });
  const out: string[] = [];
  const req = async (subject: string, body: string): Promise<string> => {
    try {
      const text = (await nc.request(subject, body, { timeout: 2500 })).string();
      try {
        const j = JSON.parse(text) as Record<string, unknown>;
        delete j.server;
        return JSON.stringify(j);
      } catch {
        return text.slice(0, 40);
      }
    } catch (err) {
      return `request failed: ${(err as Error).message}`;
    }
  };
  out.push(await req("$SYS.REQ.CLAIMS.UPDATE", a.jwt));
  out.push(await req("$SYS.REQ.CLAIMS.UPDATE", stranger.jwt));
  out.push(await req("$SYS.REQ.CLAIMS.UPDATE", "not a jwt"));
  out.push(await req(`$SYS.REQ.ACCOUNT.${op.sys.pub}.CLAIMS.UPDATE`, a.jwt));
  out.push(await req(`$SYS.REQ.ACCOUNT.${a.pub}.CLAIMS.UPDATE`, a.jwt));
  out.push(await req(`$SYS.REQ.ACCOUNT.${a.pub}.CLAIMS.LOOKUP`, ""));
  out.push(await req("$SYS.REQ.CLAIMS.LIST", ""));
  out.push(await req("$SYS.REQ.CLAIMS.DELETE", await encodeGeneric("d", a.kp, "generic", { accounts: [a.pub] } as never)));
  out.push(await req("$SYS.REQ.CLAIMS.DELETE", await encodeGeneric("d", op.kp, "generic", { accounts: [op.sys.pub] } as never)));
  out.push(await req("$SYS.REQ.CLAIMS.DELETE", await encodeGeneric("d", op.kp, "generic", { accounts: ["nope"] } as never)));
  out.push(await req("$SYS.REQ.CLAIMS.DELETE", await encodeGeneric("d", op.kp, "generic", { accounts: [a.pub] } as never)));
  await nc.close();
  return out;
}

describe("full resolver against nats-server", { skip: bin === null ? "nats-server not installed" : false }, () => {
  test("CLAIMS.UPDATE, LOOKUP, LIST, DELETE answer the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsnats-jwt-resolver-interop-"));
    try {
      const op = await makeOperator();
      const a = await makeAccount(op, "A");
      const stranger = await makeAccount(await makeOperator(), "X");
      const admin = await makeUser(op.sys, "admin");
      const conf = (sub: string): string =>
        `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver { type: full, dir: "${join(dir, sub)}", allow_delete: true }\nresolver_preload { ${op.sys.pub}: "${op.sys.jwt}" }\n`;
      const ts = await startServer({ port: 0, host: "127.0.0.1", config: conf("ts") });
      let ours: string[];
      try {
        ours = await probe(ts.port, op, a, stranger, admin);
      } finally {
        await ts.close();
      }
      writeFileSync(join(dir, "ns.conf"), conf("ns"));
      const ns = await startNatsServer(bin!, ["-c", join(dir, "ns.conf")]);
      let theirs: string[];
      try {
        theirs = await probe(ns.port, op, a, stranger, admin);
      } finally {
        await ns.stop();
      }
      assert.deepEqual(ours, theirs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
