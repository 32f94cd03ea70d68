/**
 * The account-JWT endpoints of the system account (nats-server accounts.go
 * DirAccResolver.Start / CacheDirAccResolver.Start, events.go accountClaimUpdate):
 * `$SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE` (and the old `$SYS.ACCOUNT.<acc>.CLAIMS.UPDATE`),
 * `$SYS.REQ.CLAIMS.UPDATE`, `$SYS.REQ.ACCOUNT.<acc>.CLAIMS.LOOKUP`, `$SYS.REQ.CLAIMS.PACK`,
 * `$SYS.REQ.CLAIMS.LIST` and `$SYS.REQ.CLAIMS.DELETE`, answered with nats-server's JSON.
 * With a MEMORY resolver only the per-account update is served, and only for accounts in use.
 */
import { createHash } from "node:crypto";
import type { Account } from "../../accounts/account.js";
import { serverInfo } from "../../server/events.js";
import type { Server } from "../../server/server.js";
import type { Subscription } from "../../server/subscription.js";
import { decodeAccountClaims, decodeGenericJwt, type AccountClaims } from "./claims.js";
import type { OperatorMode } from "./operator-mode.js";

const UPDATE_NEW = "$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE";
const UPDATE_OLD = "$SYS.ACCOUNT.*.CLAIMS.UPDATE";
const CLAIMS_UPDATE = "$SYS.REQ.CLAIMS.UPDATE";
const LOOKUP = "$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP";
const PACK = "$SYS.REQ.CLAIMS.PACK";
const LIST = "$SYS.REQ.CLAIMS.LIST";
const DELETE = "$SYS.REQ.CLAIMS.DELETE";
const ACCOUNT_KEY = /^A[A-Z2-7]{55}$/;

/** Subscribes the endpoints in `sys`; returns the subscriptions (ended on a move). */
export function listenClaimRequests(server: Server, op: OperatorMode, sys: Account): Subscription[] {
  const subs: Subscription[] = [];
  const on = (subject: string, handle: (subject: string, reply: string, body: string, raw: Buffer) => void, queue: string | null = null): void => {
    subs.push(
      server.subscribeInternal(
        sys,
        subject,
        (subj, reply, hdr, data) => {
          try {
            const raw = hdr > 0 ? data.subarray(hdr) : data;
            handle(subj, reply, raw.toString("utf8"), raw);
          } catch (err) {
            server.logger.error(`Account claims request on ${subj}: ${(err as Error).message}`);
          }
        },
        queue,
      ),
    );
  };
  const respond = (reply: string, acc: string, message: string, err: string | null): void => respondToUpdate(server, sys, reply, acc, message, err);
  const kind = op.resolver.kind;
  const cache = kind === "cache" ? " cache" : "";
  for (const subject of [UPDATE_OLD, UPDATE_NEW]) {
    on(subject, (subj, reply, body) => {
      const t = subj.split(".");
      const key = t.length === 6 ? t[3]! : t[2]!;
      if (kind === "memory") return memoryUpdate(op, key, body, (m, e) => respond(reply, key, m, e));
      const claims = decodeAccount(body);
      if (typeof claims === "string") return respond(reply, key, `jwt update${cache} resulted in error`, claims);
      if (claims.sub !== key) return respond(reply, key, `jwt update${cache} resulted in error`, "subject does not match jwt content");
      if (kind === "cache" && !server.accounts.has(key)) return respond(reply, key, "jwt update cache skipped", null);
      const e = op.updateAccount(body, true);
      respond(reply, key, e === null ? `jwt updated${cache}` : `jwt update${cache} resulted in error`, e);
    });
  }
  if (kind === "memory") return subs;
  on(CLAIMS_UPDATE, (_s, reply, body) => {
    const claims = decodeAccount(body);
    if (typeof claims === "string") return respond(reply, "n/a", `jwt update${cache} resulted in error`, claims);
    if (kind === "cache" && !server.accounts.has(claims.sub)) return respond(reply, claims.sub, "jwt update cache skipped", null);
    const e = op.updateAccount(body, true);
    respond(reply, claims.sub, e === null ? `jwt updated${cache}` : `jwt update${cache} resulted in error`, e);
  });
  on(LIST, (_s, reply) => {
    if (reply === "") return;
    publishJson(server, sys, reply, { data: op.resolver.list(), server: serverInfo(server) });
  });
  on(DELETE, (_s, reply, body) => deleteRequest(server, op, body, (acc, m, e) => respond(reply, acc, m, e)));
  if (kind === "cache") return subs;
  on(LOOKUP, (subj, reply) => {
    const jwt = op.resolver.fetch(subj.split(".")[3]!);
    if (reply !== "" && jwt !== undefined) server.publishInternal(sys, reply, "", Buffer.from(`${jwt}\r\n`), -1);
  });
  // Pack: every JWT as `<key>|<jwt>` (one a message) and an empty end, unless the hashes match.
  on(
    PACK,
    (_s, reply, _body, theirHash) => {
      if (reply === "") return;
      // The hash is 32 raw bytes (not text).
      if (theirHash.length > 0 && theirHash.equals(storeHash(op))) return publishRaw(server, sys, reply, "");
      for (const key of op.resolver.list()) {
        const jwt = op.resolver.fetch(key);
        if (jwt !== undefined) publishRaw(server, sys, reply, `${key}|${jwt}`);
      }
      publishRaw(server, sys, reply, "");
    },
    "responder",
  );
  return subs;
}

/** jwt.DecodeAccountClaims for a resolver update: the claims, or the error's text (trust is checked at use). */
function decodeAccount(jwt: string): AccountClaims | string {
  try {
    return decodeAccountClaims(jwt);
  } catch (err) {
    return (err as Error).message;
  }
}

/** nats-server DirJWTStore.Hash: the XOR of every stored JWT's SHA-256. */
export function storeHash(op: OperatorMode): Buffer {
  const h = Buffer.alloc(32);
  for (const key of op.resolver.list()) {
    const jwt = op.resolver.fetch(key);
    if (jwt === undefined) continue;
    const d = createHash("sha256").update(jwt).digest();
    for (let i = 0; i < 32; i++) h[i]! ^= d[i]!;
  }
  return h;
}

/** events.go accountClaimUpdate (MEMORY resolver): only accounts in use take the update. */
function memoryUpdate(op: OperatorMode, key: string, body: string, respond: (message: string, err: string | null) => void): void {
  if (body === "") return respond("jwt update error", "request body is empty");
  const claims = op.checkAccountJwt(body);
  if (typeof claims === "string") return respond("jwt update resulted in error", claims);
  if (claims.sub !== key) return respond("jwt update resulted in error", "subject does not match jwt content");
  if (!op.jwtAccounts.has(key)) return respond("jwt update skipped", null);
  const e = op.updateAccount(body, true);
  respond(e === null ? "jwt updated" : "jwt update resulted in error", e);
}

/** accounts.go handleDeleteRequest: a generic JWT self-signed by the operator listing `accounts`. */
function deleteRequest(server: Server, op: OperatorMode, body: string, respond: (acc: string, message: string, err: string | null) => void): void {
  let subj = "";
  let err: string | null = null;
  let accounts: string[] = [];
  try {
    const gk = decodeGenericJwt(body);
    subj = gk.sub;
    const list = gk.data.accounts;
    if (!op.resolver.allowDelete) err = "delete must be enabled in server config";
    else if (gk.sub !== gk.iss) err = "not self signed";
    else if (!op.trusted.has(gk.iss)) err = "not trusted";
    else if (!Array.isArray(list)) err = "malformed request";
    else {
      const sys = op.systemAccountKey();
      for (const a of list) {
        if (typeof a !== "string" || !ACCOUNT_KEY.test(a)) {
          err = "malformed request";
          break;
        }
        if (a === sys) {
          err = "not allowed to delete system account";
          break;
        }
      }
      accounts = list as string[];
    }
  } catch (e) {
    err = (e as Error).message;
  }
  if (err !== null) return respond("", `delete accounts request by ${subj} failed`, err);
  for (const a of accounts) op.deleteAccount(a);
  server.logger.debug(`deleted ${accounts.length} accounts`);
  respond("", `deleted ${accounts.length} accounts`, null);
}

/**
 * accounts.go respondToUpdate: `{"data":{"account","code":200,"message"},"server"}` or
 * `{"error":{"account","code":500,"description":"<message> - <err>"},"server"}` (Go sorts map keys).
 */
function respondToUpdate(server: Server, sys: Account, reply: string, acc: string, message: string, err: string | null): void {
  if (err === null) server.logger.debug(acc === "" ? message : `${message} - ${acc}`);
  else server.logger.error(acc === "" ? `${message} - ${err}` : `${message} - ${acc} - ${err}`);
  if (reply === "") return;
  const m: Record<string, unknown> = {};
  if (acc !== "") m.account = acc;
  if (err === null) publishJson(server, sys, reply, { data: { ...m, code: 200, message }, server: serverInfo(server) });
  else publishJson(server, sys, reply, { error: { ...m, code: 500, description: `${message} - ${err}` }, server: serverInfo(server) });
}

function publishJson(server: Server, sys: Account, reply: string, v: unknown): void {
  publishRaw(server, sys, reply, JSON.stringify(v));
}

function publishRaw(server: Server, sys: Account, reply: string, text: string): void {
  server.publishInternal(sys, reply, "", Buffer.from(`${text}\r\n`, "utf8"), -1);
}
