/**
 * Auth callout, config mode (nats-server 2.10 `authorization { auth_callout {...} }`,
 * auth_callout.go): a CONNECT from anyone but the `auth_users` is sent, as a signed
 * authorization request, to the service listening on `$SYS.REQ.USER.AUTH` in the callout
 * account; the service's signed response carries the user JWT the connection then runs with
 * (account, permissions, limits, expiry).
 *
 * Unlike nats-server, whose client goroutine blocks on the answer, nothing waits here: the
 * request goes out, the connection's parsing is suspended (Client.calloutThenConnect), and
 * the answer (or the auth timeout) resumes it. Pending requests are bounded; over the bound
 * a login is refused at once instead of queueing behind a slow or absent service. One
 * internal wildcard subscription in the callout account takes every reply.
 * Owned by the server (`server.callout`), null when no callout is configured.
 */
import { randomBytes, type KeyObject } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { KeyPair } from "@nats-io/nkeys";
import type { Account } from "../../accounts/account.js";
import type { Client, ConnectOptions } from "../../server/client.js";
import { ClosedState } from "../../server/closed-state.js";
import { encodePublicNkey, generateEd25519 } from "../../server/server-id.js";
import type { Server } from "../../server/server.js";
import type { Subscription } from "../../server/subscription.js";
import { lazyRequire } from "../../util/lazy-require.js";
import { NATS_COMPAT_VERSION } from "../../version.js";
import { AUTH_CALLOUT_SUBJECT, AUTH_REQUEST_XKEY_HEADER, encodeAuthorizationRequest, type RequestClientTls } from "./request.js";
import { grantFor, openResponse, type CalloutGrant, type Placement, type ResponseContext } from "./response.js";

const nkeys = lazyRequire<typeof import("@nats-io/nkeys")>("@nats-io/nkeys");

/** Callouts waiting for an answer at once; more logins are refused until some finish. */
export const MAX_PENDING_CALLOUTS = 4096;
/** setTimeout's ceiling; a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A callout's error when the service did not answer within the auth timeout. */
export const CALLOUT_TIMEOUT_ERROR = "Authorization callout response not received in time";

/** The outcome of one callout: the grant, a refusal reason, or "busy" (too many pending). */
export type CalloutOutcome = CalloutGrant | { error: string } | "busy";

/** One callout account's set-up: config mode's `auth_callout`, or an account JWT's `authorization`. */
export interface CalloutConfig {
  /** The request JWT's subject: the configured issuer, or the account's key. */
  subject: string;
  /** The callout account's name (a public key in operator mode). */
  account: string;
  /** Curve public key of the service: requests are sealed to it. */
  xkey?: string;
  /** Where granted users may go, and who may sign (config or operator mode rules). */
  placement: Placement;
}

interface Pending {
  userNkey: string;
  timer: NodeJS.Timeout;
  /** When the auth timeout ends (ms): an account fetch after the answer waits no longer. */
  deadlineMs: number;
  clientUser: string;
  connectionType: string;
  done: (o: CalloutOutcome) => void;
}

export class AuthCallout {
  private readonly pending = new Map<string, Pending>();
  /** `$SYS._INBOX.<server hash>.` + a token per request (nats-server newRespInbox). */
  private readonly inboxPrefix: string;
  private sub: Subscription | null = null;
  private subAccount: Account | null = null;
  /** The server's curve key pair when requests are sealed (`xkey` set). */
  private readonly xkp: KeyPair | null;
  readonly serverXkey: string | undefined;
  private seq = 0;

  constructor(
    private readonly server: Server,
    readonly options: CalloutConfig,
    private readonly signingKey: KeyObject,
  ) {
    this.inboxPrefix = `$SYS._INBOX.${randomBytes(6).toString("base64url").replace(/[-_]/g, "x")}.`;
    this.xkp = options.xkey !== undefined && options.xkey !== "" ? nkeys().createCurve() : null;
    this.serverXkey = this.xkp?.getPublicKey();
  }

  /** The callout account; null when `account` names no configured account. */
  private account(): Account | null {
    return this.server.accounts.get(this.options.account) ?? null;
  }

  /**
   * Sends the authorization request for `c` and resolves with the service's verdict, or
   * an error at the auth timeout. Never rejects.
   */
  authorize(c: Client, o: ConnectOptions): Promise<CalloutOutcome> {
    if (this.pending.size >= MAX_PENDING_CALLOUTS) return Promise.resolve("busy");
    const acc = this.account();
    if (acc === null) {
      const error = `No valid account "${this.options.account}" for auth callout request: account missing`;
      this.server.logger.warn(error);
      return Promise.resolve({ error });
    }
    this.ensureSubscription(acc);
    const userNkey = freshUserKey();
    const token = `${++this.seq}`;
    const reply = this.inboxPrefix + token;
    const timeoutMs = this.server.options.authTimeoutMs;
    const payload = this.requestPayload(c, o, userNkey, timeoutMs);
    return new Promise<CalloutOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        this.server.logger.debug(`Authorization callout response not received in time on account "${acc.name}"`);
        resolve({ error: CALLOUT_TIMEOUT_ERROR });
      }, timeoutMs);
      const clientUser = o.user ?? o.nkey ?? "";
      this.pending.set(token, { userNkey, timer, deadlineMs: Date.now() + timeoutMs, clientUser, connectionType: c.connectionType, done: resolve });
      this.server.publishInternal(acc, AUTH_CALLOUT_SUBJECT, reply, payload.data, payload.hdrLen);
    });
  }

  /** Takes a pending callout out (answered, or the server closing) and stops its timer. */
  private finish(token: string): Pending | undefined {
    const p = this.pending.get(token);
    if (p === undefined) return undefined;
    this.pending.delete(token);
    clearTimeout(p.timer);
    return p;
  }

  private ensureSubscription(acc: Account): void {
    if (this.sub !== null && this.subAccount === acc) return;
    if (this.sub !== null) this.server.unsubscribeInternal(this.sub);
    this.subAccount = acc;
    this.sub = this.server.subscribeInternal(acc, `${this.inboxPrefix}*`, (subject, _reply, hdr, data) => this.onReply(acc, subject, hdr, data));
  }

  /**
   * Checks the service's answer. When the user goes to an account not loaded yet (operator
   * mode), its JWT is fetched through the resolver first (Placement.prepare), as nats-server's
   * LookupAccount does; the login waits for it within its own auth timeout.
   */
  private onReply(acc: Account, subject: string, hdr: number, data: Buffer): void {
    const p = this.finish(subject.slice(this.inboxPrefix.length));
    if (p === undefined) return;
    const xkp = this.xkp;
    const sender = this.options.xkey;
    const ctx: ResponseContext = {
      account: acc.name,
      serverId: this.server.id,
      userNkey: p.userNkey,
      open: xkp !== null && sender !== undefined ? (sealed) => xkp.open(sealed, sender) : null,
      placement: this.options.placement,
      clientUser: p.clientUser,
      connectionType: p.connectionType,
    };
    const opened = openResponse(hdr > 0 ? data.subarray(hdr) : data, ctx);
    if ("error" in opened) return p.done(opened);
    const fetching = this.options.placement.prepare?.(opened.uc) ?? null;
    if (fetching === null) return p.done(grantFor(opened, ctx, null));
    // nats-server waits for the whole callout, lookup included, within the auth timeout.
    let settled = false;
    const settle = (o: CalloutOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(late);
      p.done(o);
    };
    const late = setTimeout(() => settle({ error: CALLOUT_TIMEOUT_ERROR }), Math.max(0, p.deadlineMs - Date.now()));
    fetching.then(
      (why) => settle(grantFor(opened, ctx, why)),
      (err: unknown) => settle({ error: String(err) }),
    );
  }

  /** The request JWT (sealed to the service's xkey when configured) as an internal message. */
  private requestPayload(c: Client, o: ConnectOptions, userNkey: string, timeoutMs: number): { data: Buffer; hdrLen: number } {
    const s = this.server;
    const opts = s.options;
    const cluster = s.clusterName();
    const rawUser = o.nkey ?? o.user ?? o.auth_token ?? "";
    const jwt = encodeAuthorizationRequest(
      {
        subject: this.options.subject,
        userNkey,
        server: {
          name: s.name,
          host: opts.host,
          id: s.id,
          version: NATS_COMPAT_VERSION,
          ...(cluster !== null ? { cluster } : {}),
          tags: opts.serverTags,
          ...(this.serverXkey !== undefined ? { xkey: this.serverXkey } : {}),
        },
        clientInfo: {
          host: c.host,
          id: c.id,
          user: rawUser,
          name: o.name,
          kind: "Client",
          // nats-server clientTypeString.
          type: c.ws !== null ? "websocket" : "nats",
          ...(o.sig !== undefined && o.sig !== "" ? { nonce: c.nonce } : {}),
        },
        connectOpts: {
          jwt: o.jwt,
          nkey: o.nkey,
          sig: o.sig,
          auth_token: o.auth_token,
          user: o.user,
          pass: o.pass,
          name: o.name,
          lang: o.lang,
          version: o.version,
          protocol: o.protocol ?? 0,
        },
        ...clientTls(c),
        expires: Math.floor((Date.now() + timeoutMs) / 1000),
      },
      s.id,
      this.signingKey,
    );
    if (this.xkp === null) return { data: Buffer.from(`${jwt}\r\n`, "latin1"), hdrLen: -1 };
    const sealed = this.xkp.seal(Buffer.from(jwt, "latin1"), this.options.xkey!);
    const head = Buffer.from(`NATS/1.0\r\n${AUTH_REQUEST_XKEY_HEADER}: ${this.serverXkey}\r\n\r\n`, "latin1");
    return { data: Buffer.concat([head, sealed, Buffer.from("\r\n")]), hdrLen: head.length };
  }

  /** Ends every pending callout (server shutdown). */
  close(): void {
    for (const token of [...this.pending.keys()]) this.finish(token)?.done({ error: "server shutting down" });
    if (this.sub !== null) this.server.unsubscribeInternal(this.sub);
    this.sub = null;
  }
}

/** nkeys prefix byte for users: 'U' is base32 index 20. */
const PREFIX_BYTE_USER = 20 << 3;

/**
 * A fresh user public key for one request (nats-server nkeys.CreateUser; only its public
 * half is ever used). node:crypto: @nats-io/nkeys' pure-JS key generation took ~15 ms here.
 */
function freshUserKey(): string {
  return encodePublicNkey(PREFIX_BYTE_USER, generateEd25519().publicKey);
}

/** jwt ClientTLS for a TLS client: version, cipher and its certificate chain in PEM. */
function clientTls(c: Client): { clientTls?: RequestClientTls } {
  const sock = c.socket as Partial<TLSSocket>;
  if (sock.encrypted !== true || typeof sock.getPeerCertificate !== "function") return {};
  const t = sock as TLSSocket;
  const out: RequestClientTls = {};
  const proto = t.getProtocol();
  if (proto !== null) out.version = proto.replace(/^TLSv/, "");
  const cipher = t.getCipher();
  if (cipher?.standardName !== undefined) out.cipher = cipher.standardName;
  const chain: string[] = [];
  let cert = t.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert !== undefined && cert.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(pem(cert.raw));
    cert = cert.issuerCertificate;
  }
  if (chain.length > 0) {
    // With `verify` the handshake only completes for a chain the server checked (tls.ts).
    if (c.server.tls?.verify === true) out.verified_chains = [chain];
    else out.certs = chain.slice(0, 1);
  }
  return { clientTls: out };
}

function pem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${b64.endsWith("\n") ? b64 : `${b64}\n`}-----END CERTIFICATE-----\n`;
}

/**
 * Applies the limits and expiry of a granted user JWT to its connection (nats-server
 * RegisterNkeyUser and setExpiration): payload and subscription limits never above the
 * server's, and `User Authentication Expired` when the JWT or its time window ends.
 */
export function applyGrantLimits(c: Client, grant: CalloutGrant): void {
  const o = c.server.options;
  c.parser.maxPayload = grant.maxPayload < 0 ? o.maxPayload : Math.min(grant.maxPayload, o.maxPayload);
  if (grant.maxSubs >= 0) c.maxSubs = o.maxSubscriptions > 0 ? Math.min(grant.maxSubs, o.maxSubscriptions) : grant.maxSubs;
  armExpiry(c, grant.expiresAtMs);
}

function armExpiry(c: Client, atMs: number): void {
  if (c.expiryTimer !== null) clearTimeout(c.expiryTimer);
  c.expiryTimer = null;
  c.expiresAtMs = atMs;
  if (atMs === 0) return;
  c.expiryTimer = setTimeout(
    () => {
      c.expiryTimer = null;
      if (c.closed) return;
      if (atMs > Date.now()) return armExpiry(c, atMs);
      c.server.logger.debug(`${c.logPrefix()}User Authentication Expired`);
      c.sendErr("User Authentication Expired");
      c.closeConnection(ClosedState.AuthenticationExpired);
      c.server.flushPending();
    },
    Math.min(Math.max(atMs - Date.now(), 0), MAX_TIMER_MS),
  );
}
