/**
 * Operators, accounts and users built with the official @nats-io/jwt and @nats-io/nkeys,
 * a config text for them, and a raw JWT login (nonce signed by hand) for exact wire checks.
 */
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds, type Account, type KeyPair, type User } from "@nats-io/jwt";
import { RawConn } from "../../helpers/raw.js";

export interface Op {
  kp: KeyPair;
  jwt: string;
  sys: Acct;
}

export interface Acct {
  kp: KeyPair;
  jwt: string;
  pub: string;
}

/** An operator with a system account. */
export async function makeOperator(signingKeys: KeyPair[] = []): Promise<Op> {
  const kp = createOperator();
  const sysKp = createAccount();
  const sys = await makeAccountWith(kp, sysKp, "SYS", { limits: NO_LIMITS });
  const jwt = await encodeOperator("OP", kp, { system_account: sysKp.getPublicKey(), signing_keys: signingKeys.map((k) => k.getPublicKey()) });
  return { kp, jwt, sys };
}

async function makeAccountWith(signer: KeyPair, kp: KeyPair, name: string, nats: Partial<Account> = {}, exp?: number): Promise<Acct> {
  const opts: Record<string, unknown> = {};
  if (exp !== undefined) opts.exp = exp;
  const jwt = await encodeAccount(name, kp, nats, { ...opts, signer });
  return { kp, jwt, pub: kp.getPublicKey() };
}

/** No limits, written out as nsc writes them (an absent limit is 0 to nats-server). */
export const NO_LIMITS = { conn: -1, subs: -1, payload: -1, data: -1, leaf: -1, imports: -1, exports: -1, wildcards: true, disallow_bearer: false };

/**
 * An account signed by the operator (or `signer`, one of its signing keys), with
 * {@link NO_LIMITS} under the given limits unless `bare`.
 */
export async function makeAccount(op: Op, name: string, nats: Partial<Account> = {}, o: { exp?: number; signer?: KeyPair; kp?: KeyPair; bare?: boolean } = {}): Promise<Acct> {
  const full = o.bare === true ? nats : { ...nats, limits: { ...NO_LIMITS, ...(nats.limits ?? {}) } };
  return makeAccountWith(o.signer ?? op.kp, o.kp ?? createAccount(), name, full, o.exp);
}

export interface UserCreds {
  kp: KeyPair;
  jwt: string;
  creds: Uint8Array;
}

/** A user of `acct`, signed by its key or by `signer` (a signing key of it). */
export async function makeUser(acct: Acct, name: string, nats: Partial<User> = {}, o: { exp?: number; signer?: KeyPair; scoped?: boolean } = {}): Promise<UserCreds> {
  const kp = createUser();
  const opts: Record<string, unknown> = {};
  if (o.exp !== undefined) opts.exp = o.exp;
  if (o.signer !== undefined) opts.signer = o.signer;
  if (o.scoped === true) opts.scopedUser = true;
  const jwt = await encodeUser(name, kp, acct.kp, nats, opts);
  return { kp, jwt, creds: fmtCreds(jwt, kp) };
}

/** Config text: the operator inline, MEMORY resolver preloaded with `accounts` (+ the system account). */
export function operatorConfig(op: Op, accounts: Acct[], extra = ""): string {
  const preload = [op.sys, ...accounts].map((a) => `  ${a.pub}: "${a.jwt}"`).join("\n");
  return `operator: "${op.jwt}"\nsystem_account: ${op.sys.pub}\nresolver: MEMORY\nresolver_preload: {\n${preload}\n}\n${extra}`;
}

/** Connects raw, signs the INFO nonce with the user key, sends CONNECT + PING; resolves on PONG or -ERR. */
export async function rawJwtConnect(port: number, user: UserCreds | null, extra: Record<string, unknown> = {}): Promise<RawConn> {
  const c = await RawConn.connect(port);
  const info = await c.waitFor((d) => d.includes("\r\n"));
  const nonce = (JSON.parse(info.slice(5, info.indexOf("\r\n"))) as { nonce?: string }).nonce ?? "";
  const connect: Record<string, unknown> = { verbose: false, pedantic: false, protocol: 1, headers: true, ...extra };
  if (user !== null) {
    connect.jwt = user.jwt;
    if (!("sig" in extra)) connect.sig = Buffer.from(user.kp.sign(Buffer.from(nonce))).toString("base64url");
  }
  c.send(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
  await c.waitFor((d) => d.includes("PONG\r\n") || d.includes("-ERR")).catch(() => undefined);
  return c;
}

/** Seconds since the epoch. */
export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}
